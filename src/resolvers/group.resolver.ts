import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Client, Group, Job } from '../entities';
import type { GraphqlContext } from '../graphql/context';
import { Requires } from '../graphql/requires';
import { ownFieldsSelected } from '../graphql/selection';
import type { EntityRow } from '../services/relation-pages';
import { ClientType } from './client.type';
import { checkPageArgs, checkNestedList, listFilter, NestedListArgs, PageArgs, pageRequest, toPage } from './common.type';
import { CreateGroupInput, GroupFilterInput, GroupQueryInput, UpdateGroupInput } from './group.input';
import { GroupObject, GroupPage, GroupQueryPreviewObject } from './group.type';
import { JobObject } from './job.type';
import { GroupOrderInput, orderBy as orderOf } from './ordering.input';

@Resolver(() => GroupObject)
export class GroupResolver {
  @Requires('read')
  @Query(() => GroupObject, { description: 'One group by id (NOT_FOUND when there is none).' })
  group(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Group> {
    return services.groups.get(id);
  }

  @Requires('read')
  @Query(() => GroupQueryPreviewObject, {
    description: "Which clients a dynamic group with this query would hold now (the query builder's live preview); saves nothing.",
  })
  async groupQueryPreview(
    @Arg('query', () => GroupQueryInput) query: GroupQueryInput,
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many clients to list, 0 to 500.' }) first: number,
    @Ctx() { services }: GraphqlContext,
  ): Promise<GroupQueryPreviewObject> {
    const match = await services.groups.previewQuery(query, first);
    const clients = await services.clients.getMany(match.clientIds);
    return { totalCount: match.total, clients: clients.filter((c): c is Client => c !== null) };
  }

  @Requires('read')
  @Query(() => GroupPage, { description: 'Groups, filtered, sorted (by id unless orderBy says otherwise) and paged.' })
  async groups(
    @Arg('filter', () => GroupFilterInput, { nullable: true }) filter: GroupFilterInput | null,
    @Arg('orderBy', () => GroupOrderInput, { nullable: true }) order: GroupOrderInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const request = { filter: listFilter(filter), orderBy: orderOf(order), page: pageRequest(page), fields: ownFieldsSelected(info, ['nodes'], GroupObject) };
    return toPage(await services.groups.list(request), page);
  }

  @FieldResolver(() => [ClientType], { description: 'Its members: bound ones for a static group, matching ones for a dynamic group.' })
  clients(
    @Root() group: EntityRow<Group>,
    @Args({ validateFn: checkNestedList }) { first, offset }: NestedListArgs,
    @Ctx() { loaders }: GraphqlContext,
  ): Promise<EntityRow<Client>[]> {
    return loaders.groupClients({ offset, limit: first }).load(group.id);
  }

  @FieldResolver(() => Int)
  clientsCount(@Root() group: EntityRow<Group>, @Ctx() { loaders }: GraphqlContext): Promise<number> {
    return loaders.groupClientCounts().load(group.id);
  }

  @FieldResolver(() => [JobObject], { description: 'The jobs aimed at it.' })
  jobs(
    @Root() group: EntityRow<Group>,
    @Args({ validateFn: checkNestedList }) { first, offset }: NestedListArgs,
    @Ctx() { loaders }: GraphqlContext,
  ): Promise<EntityRow<Job>[]> {
    return loaders.groupJobs({ offset, limit: first }).load(group.id);
  }

  @FieldResolver(() => Int)
  jobsCount(@Root() group: EntityRow<Group>, @Ctx() { loaders }: GraphqlContext): Promise<number> {
    return loaders.groupJobCounts().load(group.id);
  }

  @Requires('config.write')
  @Mutation(() => GroupObject)
  createGroup(@Arg('input') input: CreateGroupInput, @Ctx() { services }: GraphqlContext): Promise<Group> {
    return services.groups.create(input);
  }

  @Requires('config.write')
  @Mutation(() => GroupObject)
  updateGroup(@Arg('input') input: UpdateGroupInput, @Ctx() { services }: GraphqlContext): Promise<Group> {
    return services.groups.update(input.id, input);
  }

  @Requires('config.write')
  @Mutation(() => Int, { description: 'Deletes a group (its members stay); returns its id.' })
  async deleteGroup(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<number> {
    await services.groups.delete(id);
    return id;
  }

  @Requires('config.write')
  @Mutation(() => GroupObject)
  enableGroup(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Group> {
    return services.groups.setEnabled(id, true);
  }

  @Requires('config.write')
  @Mutation(() => GroupObject, { description: 'A disabled group keeps its members and bindings.' })
  disableGroup(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Group> {
    return services.groups.setEnabled(id, false);
  }

  @Requires('config.write')
  @Mutation(() => GroupObject, { description: 'Binds clients to a static group (a dynamic group is refused: its members follow its query).' })
  async bindGroupClients(
    @Arg('groupId', () => Int) groupId: number,
    @Arg('clientIds', () => [Int]) clientIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Group> {
    await services.groups.bindClients(groupId, clientIds);
    return services.groups.get(groupId);
  }

  @Requires('config.write')
  @Mutation(() => GroupObject, { description: 'Removes clients from a static group.' })
  async unbindGroupClients(
    @Arg('groupId', () => Int) groupId: number,
    @Arg('clientIds', () => [Int]) clientIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Group> {
    await services.groups.unbindClients(groupId, clientIds);
    return services.groups.get(groupId);
  }

  @Requires('config.write')
  @Mutation(() => GroupObject, { description: 'Aims jobs at the group.' })
  async bindGroupJobs(
    @Arg('groupId', () => Int) groupId: number,
    @Arg('jobIds', () => [Int]) jobIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Group> {
    await services.bindings.bindGroupJobs(groupId, jobIds);
    return services.groups.get(groupId);
  }

  @Requires('config.write')
  @Mutation(() => GroupObject)
  async unbindGroupJobs(
    @Arg('groupId', () => Int) groupId: number,
    @Arg('jobIds', () => [Int]) jobIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Group> {
    await services.bindings.unbindGroupJobs(groupId, jobIds);
    return services.groups.get(groupId);
  }

  @Requires('config.write')
  @Mutation(() => [Int], { description: 'Re-evaluates dynamic groups now (all, or those given); returns the ids of the groups whose members changed.' })
  refreshGroups(@Arg('ids', () => [Int], { nullable: true }) ids: number[] | null, @Ctx() { services }: GraphqlContext): Promise<number[]> {
    return services.groups.refreshDynamic(ids ?? undefined);
  }
}
