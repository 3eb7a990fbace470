import { Arg, Args, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Client, Group, Job, Task } from '../entities';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import type { EntityRow } from '../services/relation-pages';
import type { ClientFilter, ClientInput } from '../services/client.service';
import { errors } from '../services/errors';
import { ClientAttributeType, ClientPage, ClientType } from './client.type';
import { ClientAttributeValueInput, ClientFilterInput, CreateClientInput, UpdateClientInput } from './client.input';
import { checkPageArgs, checkNestedList, defined, NestedListArgs, PageArgs, pageRequest, timeRange, toPage } from './common.type';
import { GroupObject } from './group.type';
import { JobObject } from './job.type';
import { ClientOrderInput, orderBy as orderOf } from './ordering.input';
import { TaskObject } from './task.type';

/** The service's filter from the GraphQL one. */
export function clientFilter(input: ClientFilterInput | null | undefined): ClientFilter {
  const f = input ?? {};
  return defined({
    clientId: f.id,
    username: f.username,
    usernameContain: f.usernameContains,
    mqttClientId: f.mqttClientId,
    mqttClientIdContain: f.mqttClientIdContains,
    status: f.status,
    enabled: f.enabled,
    role: f.role,
    connectedAt: timeRange(f.connectedAt),
    disconnectedAt: timeRange(f.disconnectedAt),
    createdAt: timeRange(f.createdAt),
  });
}

/** GraphQL's spellings (`enabled`, Date times) in the service's (`enable`, epoch ms); the service checks the values. */
function clientInput({ enabled, connectedAt, disconnectedAt, ...rest }: CreateClientInput | UpdateClientInput): ClientInput {
  const ms = (d: Date | null | undefined) => (d == null ? d : d.getTime());
  return { ...rest, enable: enabled, connectedAt: ms(connectedAt), disconnectedAt: ms(disconnectedAt) };
}

/** At most one of the scoping filters (they name different routes of the REST document). */
export function oneScope(scopes: Record<string, number | null | undefined>): [string, number] | null {
  const given = Object.entries(scopes).filter(([, v]) => v !== null && v !== undefined) as [string, number][];
  if (given.length > 1) throw errors.invalid(`filter.${given[1][0]}`, `at most one of ${Object.keys(scopes).join(', ')}`);
  return given[0] ?? null;
}

@Resolver(() => ClientType)
export class ClientResolver {
  @Requires('read')
  @Query(() => ClientType, { description: 'One client by id (NOT_FOUND when there is none).' })
  client(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Client> {
    return services.clients.get(id);
  }

  @Requires('read')
  @Query(() => ClientType, { nullable: true, description: 'The client with this MQTT client id, or null.' })
  clientByMqttClientId(@Arg('mqttClientId') mqttClientId: string, @Ctx() { services }: GraphqlContext): Promise<Client | null> {
    return services.clients.getByMqttClientId(mqttClientId);
  }

  @Requires('read')
  @Query(() => ClientPage, { description: 'Clients, filtered, sorted (by id unless orderBy says otherwise) and paged.' })
  async clients(
    @Arg('filter', () => ClientFilterInput, { nullable: true }) filter: ClientFilterInput | null,
    @Arg('orderBy', () => ClientOrderInput, { nullable: true }) order: ClientOrderInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
  ) {
    const f = clientFilter(filter);
    const by = orderOf(order);
    const scope = oneScope({ groupId: filter?.groupId, jobId: filter?.jobId, targetOfJobId: filter?.targetOfJobId, taskId: filter?.taskId });
    if (scope?.[0] === 'groupId') return toPage(await services.groups.clients(scope[1], pageRequest(page), services.clients.where(f), by), page);
    if (scope?.[0] === 'jobId') return toPage(await services.jobs.clients(scope[1], f, pageRequest(page), by), page);
    if (scope?.[0] === 'targetOfJobId') return toPage(await services.jobs.targetClients(scope[1], f, pageRequest(page), by), page);
    if (scope?.[0] === 'taskId') return toPage(await services.tasks.clients(scope[1], f, pageRequest(page), by), page);
    return toPage(await services.clients.listRows(f, pageRequest(page), {}, by), page);
  }

  @FieldResolver(() => [GroupObject], { description: 'The groups it belongs to (static and dynamic).' })
  groups(
    @Root() client: EntityRow<Client>,
    @Args({ validateFn: checkNestedList }) { first, offset }: NestedListArgs,
    @Ctx() { loaders }: GraphqlContext,
  ): Promise<EntityRow<Group>[]> {
    return loaders.clientGroups({ offset, limit: first }).load(client.id);
  }

  @FieldResolver(() => Int)
  async groupsCount(@Root() client: EntityRow<Client>, @Ctx() { loaders }: GraphqlContext): Promise<number> {
    return (await loaders.clientCounts().load(client.id)).groups;
  }

  @FieldResolver(() => [JobObject], { description: 'The jobs that reach it, directly or through its groups.' })
  jobs(
    @Root() client: EntityRow<Client>,
    @Args({ validateFn: checkNestedList }) { first, offset }: NestedListArgs,
    @Ctx() { loaders }: GraphqlContext,
  ): Promise<EntityRow<Job>[]> {
    return loaders.clientJobs({ offset, limit: first }).load(client.id);
  }

  @FieldResolver(() => Int)
  async jobsCount(@Root() client: EntityRow<Client>, @Ctx() { loaders }: GraphqlContext): Promise<number> {
    return (await loaders.clientCounts().load(client.id)).jobs;
  }

  @FieldResolver(() => [TaskObject], { description: 'The tasks of the jobs that reach it.' })
  tasks(
    @Root() client: EntityRow<Client>,
    @Args({ validateFn: checkNestedList }) { first, offset }: NestedListArgs,
    @Ctx() { loaders }: GraphqlContext,
  ): Promise<EntityRow<Task>[]> {
    return loaders.clientTasks({ offset, limit: first }).load(client.id);
  }

  @FieldResolver(() => Int)
  async tasksCount(@Root() client: EntityRow<Client>, @Ctx() { loaders }: GraphqlContext): Promise<number> {
    return (await loaders.clientCounts().load(client.id)).tasks;
  }

  @FieldResolver(() => [ClientAttributeType], { description: "Every attribute definition with this client's value or the default." })
  attributes(@Root() client: EntityRow<Client>, @Ctx() { loaders }: GraphqlContext) {
    return loaders.clientAttributes().load(client.id);
  }

  @FieldResolver(() => Int)
  async attributesCount(@Root() client: EntityRow<Client>, @Ctx() { loaders }: GraphqlContext): Promise<number> {
    return (await loaders.clientCounts().load(client.id)).attributes;
  }

  @Requires('config.write')
  @Mutation(() => ClientType, { description: 'Registers a client by hand (agents register themselves when they first connect).' })
  createClient(@Arg('input') input: CreateClientInput, @Ctx() { services }: GraphqlContext): Promise<Client> {
    return services.clients.create(clientInput(input));
  }

  @Requires('config.write')
  @Mutation(() => ClientType)
  updateClient(@Arg('input') input: UpdateClientInput, @Ctx() { services }: GraphqlContext): Promise<Client> {
    return services.clients.update(input.id, clientInput(input));
  }

  @Requires('config.write')
  @Mutation(() => Int, { description: 'Deletes a client with its attribute values, memberships and bindings; returns its id.' })
  async deleteClient(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<number> {
    await services.clients.delete(id);
    return id;
  }

  @Requires('config.write')
  @Mutation(() => ClientType)
  enableClient(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Client> {
    return services.clients.setEnabled(id, true);
  }

  @Requires('config.write')
  @Mutation(() => ClientType, { description: 'Disabled clients are skipped by runs.' })
  disableClient(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Client> {
    return services.clients.setEnabled(id, false);
  }

  @Requires('config.write')
  @Mutation(() => ClientType, { description: 'Sets attribute values of a client, all or none (read-only attributes are refused); dynamic groups follow.' })
  async setClientAttributes(
    @Arg('clientId', () => Int) clientId: number,
    @Arg('values', () => [ClientAttributeValueInput]) values: ClientAttributeValueInput[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Client> {
    await services.clients.setAttributes(
      clientId,
      values.map((v) => ({ attributeId: v.attributeId, attributeValue: v.value ?? null })),
    );
    return services.clients.get(clientId);
  }

  @Requires('config.write')
  @Mutation(() => ClientType, { description: 'Adds the client to static groups.' })
  async bindClientGroups(
    @Arg('clientId', () => Int) clientId: number,
    @Arg('groupIds', () => [Int]) groupIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Client> {
    await services.clients.bindGroups(clientId, groupIds);
    return services.clients.get(clientId);
  }

  @Requires('config.write')
  @Mutation(() => ClientType, { description: 'Removes the client from static groups.' })
  async unbindClientGroups(
    @Arg('clientId', () => Int) clientId: number,
    @Arg('groupIds', () => [Int]) groupIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Client> {
    await services.clients.unbindGroups(clientId, groupIds);
    return services.clients.get(clientId);
  }

  @Requires('config.write')
  @Mutation(() => ClientType, { description: 'Aims jobs at the client directly.' })
  async bindClientJobs(
    @Arg('clientId', () => Int) clientId: number,
    @Arg('jobIds', () => [Int]) jobIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Client> {
    await services.bindings.bindClientJobs(clientId, jobIds);
    return services.clients.get(clientId);
  }

  @Requires('config.write')
  @Mutation(() => ClientType, { description: 'Removes direct job bindings of the client (jobs reaching it through groups stay).' })
  async unbindClientJobs(
    @Arg('clientId', () => Int) clientId: number,
    @Arg('jobIds', () => [Int]) jobIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Client> {
    await services.bindings.unbindClientJobs(clientId, jobIds);
    return services.clients.get(clientId);
  }
}
