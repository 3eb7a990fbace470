import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Client, Group, Job, Task } from '../entities';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import { ownFieldsSelected } from '../graphql/selection';
import type { EntityRow } from '../services/relation-pages';
import type { ClientInput } from '../services/client.service';
import { withFieldsRenamed } from '../services/errors';
import { ClientAttributeType, ClientPage, ClientType } from './client.type';
import { ClientAttributeValueInput, ClientFilterInput, CreateClientInput, UpdateClientInput } from './client.input';
import { checkPageArgs, checkNestedList, listFilter, NestedListArgs, PageArgs, pageRequest, toPage } from './common.type';
import { GroupObject } from './group.type';
import { JobObject } from './job.type';
import { ClientOrderInput, orderBy as orderOf } from './ordering.input';
import { TaskObject } from './task.type';

/** GraphQL's spellings (`enabled`, Date times) in the service's (`enable`, epoch ms); the service checks the values. */
function clientInput({ enabled, connectedAt, disconnectedAt, ...rest }: CreateClientInput | UpdateClientInput): ClientInput {
  const ms = (d: Date | null | undefined) => (d == null ? d : d.getTime());
  return { ...rest, enable: enabled, connectedAt: ms(connectedAt), disconnectedAt: ms(disconnectedAt) };
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
    @Info() info: GraphQLResolveInfo,
  ) {
    const request = { filter: listFilter(filter), orderBy: orderOf(order), page: pageRequest(page), fields: ownFieldsSelected(info, ['nodes'], ClientType) };
    return toPage(await services.clients.list(request), page);
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
    const input = values.map((v) => ({ attributeId: v.attributeId, attributeValue: v.value ?? null }));
    // The service names an item's value `attributeValue` (`[1].attributeValue`), GraphQL `value`.
    await services.clients.setAttributes(clientId, input).catch((err) => {
      throw withFieldsRenamed(err, (field) => field.replace(/\.attributeValue$/, '.value'));
    });
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
