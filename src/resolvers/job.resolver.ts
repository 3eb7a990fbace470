import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Extensions, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Client, Group, Job, Task } from '../entities';
import type { GraphqlContext } from '../graphql/context';
import { FIRE_TIME_COST, SERVICE_CALL } from '../graphql/cost';
import { Requires } from '../graphql/requires';
import type { Loaders } from '../graphql/loaders';
import { ownFieldsSelected, selectedArguments, selectsAny } from '../graphql/selection';
import type { EntityRow } from '../services/relation-pages';
import type { JobBindingCounts } from '../services/job.relations';
import { ClientType } from './client.type';
import { checkPageArgs, checkNestedList, listFilter, validNestedList, NestedListArgs, PageArgs, pageRequest, toPage } from './common.type';
import { GroupObject } from './group.type';
import { CreateJobInput, JobFilterInput, UpdateJobInput } from './job.input';
import { CycleType } from './enums';
import { JobObject, JobPage, SchedulePreviewObject } from './job.type';
import { JobOrderInput, orderBy as orderOf } from './ordering.input';
import { TaskObject } from './task.type';

/** The fields of a job read with the job list when asked for (see JobService.listRowsWithCounts). */
const JOB_BINDING_COUNT_FIELDS = ['tasksCount', 'groupsCount', 'clientsCount'];

/**
 * One of a job's binding counts: read with the page when the page looked ahead (then without a
 * promise, which spares graphql-js a tick per field), else through the count loader.
 */
function bindingCount(loaders: Loaders, job: Job, key: keyof JobBindingCounts): number | Promise<number> {
  const read = loaders.prefetched<JobBindingCounts>(job, 'counts');
  return read
    ? read[key]
    : loaders
        .jobCounts()
        .load(job.id)
        .then((counts) => counts[key]);
}

@Resolver(() => JobObject)
export class JobResolver {
  @Requires('read')
  @Query(() => JobObject, { description: 'One job by id (NOT_FOUND when there is none).' })
  job(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Job> {
    return services.jobs.get(id);
  }

  @Requires('read')
  @Query(() => SchedulePreviewObject, {
    description:
      "The next fire times of a schedule before it is saved (the schedule editor's preview); an invalid executionTime is refused (BAD_USER_INPUT, field executionTime).",
  })
  schedulePreview(
    @Arg('executionTime') executionTime: string,
    @Arg('cycleType', () => CycleType, { defaultValue: CycleType.DAILY }) cycleType: CycleType,
    @Arg('count', () => Int, { defaultValue: 5, description: '1 to 100.' }) count: number,
    @Ctx() { services }: GraphqlContext,
  ): Promise<SchedulePreviewObject> {
    return services.jobs.previewSchedule({ executionTime, cycleType }, count);
  }

  @Requires('read')
  @Query(() => JobPage, { description: 'Jobs, filtered, sorted (by id unless orderBy says otherwise) and paged.' })
  async jobs(
    @Arg('filter', () => JobFilterInput, { nullable: true }) filter: JobFilterInput | null,
    @Arg('orderBy', () => JobOrderInput, { nullable: true }) order: JobOrderInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services, loaders }: GraphqlContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    // Look-ahead: a page that shows its jobs' counts reads them with the page, in the same
    // statement, and hands them to the count loader (a dashboard's job list: one statement fewer).
    // So does the window of tasks when the page asks for one (one `tasks` field, valid
    // arguments), kept on each job row. Only the columns the fields ask for are read.
    const tasksArgs = selectedArguments(info, ['nodes'], 'tasks');
    const window = tasksArgs.length === 1 && validNestedList(tasksArgs[0]) ? { offset: tasksArgs[0].offset, limit: tasksArgs[0].first } : undefined;
    const result = await services.jobs.list({
      filter: listFilter(filter),
      orderBy: orderOf(order),
      page: pageRequest(page),
      fields: ownFieldsSelected(info, ['nodes'], JobObject),
      counts: selectsAny(info, ['nodes'], JOB_BINDING_COUNT_FIELDS),
      tasks: window && { window, fields: ownFieldsSelected(info, ['nodes', 'tasks'], TaskObject) },
    });
    const counts = loaders.jobCounts();
    result.items.forEach((job, i) => {
      if (result.counts) {
        counts.prime(job.id, result.counts[i]);
        loaders.prefetch(job, 'counts', result.counts[i]);
      }
      if (result.tasks) loaders.prefetch(job, 'tasks', result.tasks[i]);
    });
    return toPage(result, page);
  }

  @FieldResolver(() => [TaskObject], { description: 'Its tasks, in job order.' })
  tasks(
    @Root() job: Job,
    @Args({ validateFn: checkNestedList }) { first, offset }: NestedListArgs,
    @Ctx() { loaders }: GraphqlContext,
  ): Promise<EntityRow<Task>[]> {
    const read = loaders.prefetched<EntityRow<Task>[]>(job, 'tasks');
    return read ? Promise.resolve(read) : loaders.jobTasks({ offset, limit: first }).load(job.id);
  }

  @FieldResolver(() => Int)
  tasksCount(@Root() job: Job, @Ctx() { loaders }: GraphqlContext): number | Promise<number> {
    return bindingCount(loaders, job, 'tasks');
  }

  @FieldResolver(() => [GroupObject], { description: 'The groups it is aimed at.' })
  groups(
    @Root() job: Job,
    @Args({ validateFn: checkNestedList }) { first, offset }: NestedListArgs,
    @Ctx() { loaders }: GraphqlContext,
  ): Promise<EntityRow<Group>[]> {
    return loaders.jobGroups({ offset, limit: first }).load(job.id);
  }

  @FieldResolver(() => Int)
  groupsCount(@Root() job: Job, @Ctx() { loaders }: GraphqlContext): number | Promise<number> {
    return bindingCount(loaders, job, 'groups');
  }

  @FieldResolver(() => [ClientType], { description: 'The clients it is aimed at directly (see targetClients for everyone it reaches).' })
  clients(
    @Root() job: Job,
    @Args({ validateFn: checkNestedList }) { first, offset }: NestedListArgs,
    @Ctx() { loaders }: GraphqlContext,
  ): Promise<EntityRow<Client>[]> {
    return loaders.jobClients({ offset, limit: first }).load(job.id);
  }

  @FieldResolver(() => Int)
  clientsCount(@Root() job: Job, @Ctx() { loaders }: GraphqlContext): number | Promise<number> {
    return bindingCount(loaders, job, 'clients');
  }

  @FieldResolver(() => [ClientType], { description: 'Every client it reaches: bound directly, plus the members of its groups (enabled or not).' })
  targetClients(
    @Root() job: Job,
    @Args({ validateFn: checkNestedList }) { first, offset }: NestedListArgs,
    @Ctx() { loaders }: GraphqlContext,
  ): Promise<EntityRow<Client>[]> {
    return loaders.jobTargetClients({ offset, limit: first }).load(job.id);
  }

  @FieldResolver(() => Int)
  async targetClientsCount(@Root() job: Job, @Ctx() { loaders }: GraphqlContext): Promise<number> {
    return loaders.jobTargetClientCounts().load(job.id);
  }

  // One service call per job, and each fire time is computed from the cron expression (src/graphql/cost.ts).
  @FieldResolver(() => [Date], {
    ...SERVICE_CALL,
    description: "The next fire times in the management server's time zone (empty without a schedule). Not batched: ask for it on single jobs.",
  })
  @Extensions({ itemCost: FIRE_TIME_COST })
  upcomingRuns(@Root() job: Job, @Arg('count', () => Int, { defaultValue: 5 }) count: number, @Ctx() { services }: GraphqlContext): Promise<Date[]> {
    return services.jobs.upcoming(job.id, count);
  }

  @Requires('config.write')
  @Mutation(() => JobObject, { description: 'Creates a job; an invalid executionTime is refused with the expected form.' })
  createJob(@Arg('input') input: CreateJobInput, @Ctx() { services }: GraphqlContext): Promise<Job> {
    return services.jobs.create(input);
  }

  @Requires('config.write')
  @Mutation(() => JobObject)
  updateJob(@Arg('input') input: UpdateJobInput, @Ctx() { services }: GraphqlContext): Promise<Job> {
    return services.jobs.update(input.id, input);
  }

  @Requires('config.write')
  @Mutation(() => Int, { description: 'Deletes a job and its bindings (its run history stays); returns its id.' })
  async deleteJob(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<number> {
    await services.jobs.delete(id);
    return id;
  }

  @Requires('config.write')
  @Mutation(() => JobObject)
  enableJob(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Job> {
    return services.jobs.setEnabled(id, true);
  }

  @Requires('config.write')
  @Mutation(() => JobObject, { description: 'Disabled jobs are not scheduled.' })
  disableJob(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Job> {
    return services.jobs.setEnabled(id, false);
  }

  @Requires('config.write')
  @Mutation(() => JobObject, { description: "Appends tasks (in the order given) after the job's last task; tasks already in it stay where they are." })
  async bindJobTasks(
    @Arg('jobId', () => Int) jobId: number,
    @Arg('taskIds', () => [Int]) taskIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Job> {
    await services.bindings.bindJobTasks(jobId, taskIds);
    return services.jobs.get(jobId);
  }

  @Requires('config.write')
  @Mutation(() => JobObject)
  async unbindJobTasks(
    @Arg('jobId', () => Int) jobId: number,
    @Arg('taskIds', () => [Int]) taskIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Job> {
    await services.bindings.unbindJobTasks(jobId, taskIds);
    return services.jobs.get(jobId);
  }

  @Requires('config.write')
  @Mutation(() => JobObject, { description: "Sets the order of the job's tasks: taskIds must name each of its tasks once." })
  async reorderJobTasks(
    @Arg('jobId', () => Int) jobId: number,
    @Arg('taskIds', () => [Int]) taskIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Job> {
    await services.bindings.reorderJobTasks(jobId, taskIds);
    return services.jobs.get(jobId);
  }

  @Requires('config.write')
  @Mutation(() => JobObject)
  async bindJobGroups(
    @Arg('jobId', () => Int) jobId: number,
    @Arg('groupIds', () => [Int]) groupIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Job> {
    await services.bindings.bindJobGroups(jobId, groupIds);
    return services.jobs.get(jobId);
  }

  @Requires('config.write')
  @Mutation(() => JobObject)
  async unbindJobGroups(
    @Arg('jobId', () => Int) jobId: number,
    @Arg('groupIds', () => [Int]) groupIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Job> {
    await services.bindings.unbindJobGroups(jobId, groupIds);
    return services.jobs.get(jobId);
  }

  @Requires('config.write')
  @Mutation(() => JobObject)
  async bindJobClients(
    @Arg('jobId', () => Int) jobId: number,
    @Arg('clientIds', () => [Int]) clientIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Job> {
    await services.bindings.bindJobClients(jobId, clientIds);
    return services.jobs.get(jobId);
  }

  @Requires('config.write')
  @Mutation(() => JobObject)
  async unbindJobClients(
    @Arg('jobId', () => Int) jobId: number,
    @Arg('clientIds', () => [Int]) clientIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Job> {
    await services.bindings.unbindJobClients(jobId, clientIds);
    return services.jobs.get(jobId);
  }
}
