import { GraphQLJSON } from 'graphql-scalars';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Client, Job, Task } from '../entities';
import type { GraphqlContext } from '../graphql/context';
import { SCRIPT_STEP_COST } from '../graphql/cost';
import { Requires } from '../graphql/requires';
import { ownFieldsSelected } from '../graphql/selection';
import { withFieldsRenamed } from '../services/errors';
import type { EntityRow } from '../services/relation-pages';
import { MAX_SCRIPT_STEPS, type ScriptStep, type StepInput as ServiceStepInput } from '../services/step-script';
import { ClientType } from './client.type';
import { checkPageArgs, checkNestedList, defined, listFilter, NestedListArgs, PageArgs, pageRequest, toPage } from './common.type';
import { JobObject } from './job.type';
import { orderBy as orderOf, TaskOrderInput } from './ordering.input';
import { StepInput } from './step.input';
import { StepObject } from './step.type';
import { CreateTaskInput, TaskFilterInput, UpdateTaskInput } from './task.input';
import { TaskObject, TaskPage } from './task.type';

/** GraphQL's StepInput shape (`whenTrue`/`whenFalse`, unset options left out) from the service's script. */
function scriptOutput(steps: readonly ScriptStep[] | undefined): Record<string, unknown>[] {
  return (steps ?? []).map(({ scriptId: _scriptId, conditions, true: whenTrue, false: whenFalse, ...fields }) => ({
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== null && v !== undefined)),
    ...(fields.type === 'IF' ? { conditions: scriptOutput(conditions), whenTrue: scriptOutput(whenTrue), whenFalse: scriptOutput(whenFalse) } : {}),
  }));
}

/** The service's script shape (the REST document's: `true`/`false` lists) from GraphQL's. */
function scriptInput(steps: StepInput[] | null | undefined): ServiceStepInput[] | undefined {
  if (!steps) return undefined;
  return steps.map(({ conditions, whenTrue, whenFalse, ...fields }) => ({
    ...defined(fields),
    ...(conditions ? { conditions: scriptInput(conditions) } : {}),
    ...(whenTrue ? { true: scriptInput(whenTrue) } : {}),
    ...(whenFalse ? { false: scriptInput(whenFalse) } : {}),
  }));
}

/** A service field path (`[1].false[0].filePath`) in GraphQL's names (`[1].whenFalse[0].filePath`). */
const graphqlStepPath = (field: string) => field.replace(/\.true\[/g, '.whenTrue[').replace(/\.false\[/g, '.whenFalse[');

@Resolver(() => TaskObject)
export class TaskResolver {
  @Requires('read')
  @Query(() => TaskObject, { description: 'One task by id (NOT_FOUND when there is none).' })
  task(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Task> {
    return services.tasks.get(id);
  }

  @Requires('read')
  @Query(() => TaskPage, {
    description: 'Tasks, filtered, sorted and paged (by id unless orderBy says otherwise; with filter.jobId, in job order unless orderBy says otherwise).',
  })
  async tasks(
    @Arg('filter', () => TaskFilterInput, { nullable: true }) filter: TaskFilterInput | null,
    @Arg('orderBy', () => TaskOrderInput, { nullable: true }) order: TaskOrderInput | null,
    @Args({ validateFn: checkPageArgs }) page: PageArgs,
    @Ctx() { services }: GraphqlContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    const request = { filter: listFilter(filter), orderBy: orderOf(order), page: pageRequest(page), fields: ownFieldsSelected(info, ['nodes'], TaskObject) };
    return toPage(await services.tasks.list(request), page);
  }

  @FieldResolver(() => [StepObject], { description: 'The script: root steps in order, IF steps with their conditions and branches.' })
  steps(@Root() task: Task, @Ctx() { loaders }: GraphqlContext): Promise<ScriptStep[]> {
    return loaders.taskSteps().load(task.id);
  }

  // A whole script in one value: costed as the largest script's steps (src/graphql/cost.ts).
  @FieldResolver(() => GraphQLJSON, {
    complexity: MAX_SCRIPT_STEPS * SCRIPT_STEP_COST,
    description:
      "The script as one JSON value in saveTaskScript's shape (StepInput: id, type, options, IF's conditions/whenTrue/whenFalse), however deep it nests; for editors, which cannot ask for a tree of unknown depth field by field.",
  })
  async script(@Root() task: Task, @Ctx() { loaders }: GraphqlContext): Promise<Record<string, unknown>[]> {
    return scriptOutput(await loaders.taskSteps().load(task.id));
  }

  @FieldResolver(() => Int, { description: 'Steps of the script, nested ones included.' })
  async stepsCount(@Root() task: Task, @Ctx() { loaders }: GraphqlContext): Promise<number> {
    return (await loaders.taskCounts().load(task.id)).scripts;
  }

  @FieldResolver(() => [JobObject], { description: 'The jobs it is part of.' })
  jobs(
    @Root() task: Task,
    @Args({ validateFn: checkNestedList }) { first, offset }: NestedListArgs,
    @Ctx() { loaders }: GraphqlContext,
  ): Promise<EntityRow<Job>[]> {
    return loaders.taskJobs({ offset, limit: first }).load(task.id);
  }

  @FieldResolver(() => Int)
  async jobsCount(@Root() task: Task, @Ctx() { loaders }: GraphqlContext): Promise<number> {
    return (await loaders.taskCounts().load(task.id)).jobs;
  }

  @FieldResolver(() => [ClientType], { description: 'The clients its jobs reach (directly or through groups).' })
  clients(
    @Root() task: Task,
    @Args({ validateFn: checkNestedList }) { first, offset }: NestedListArgs,
    @Ctx() { loaders }: GraphqlContext,
  ): Promise<EntityRow<Client>[]> {
    return loaders.taskClients({ offset, limit: first }).load(task.id);
  }

  @FieldResolver(() => Int)
  async clientsCount(@Root() task: Task, @Ctx() { loaders }: GraphqlContext): Promise<number> {
    return (await loaders.taskCounts().load(task.id)).clients;
  }

  @Requires('config.write')
  @Mutation(() => TaskObject)
  createTask(@Arg('input') input: CreateTaskInput, @Ctx() { services }: GraphqlContext): Promise<Task> {
    return services.tasks.create(input);
  }

  @Requires('config.write')
  @Mutation(() => TaskObject)
  updateTask(@Arg('input') input: UpdateTaskInput, @Ctx() { services }: GraphqlContext): Promise<Task> {
    return services.tasks.update(input.id, input);
  }

  @Requires('config.write')
  @Mutation(() => Int, { description: 'Deletes a task, its script and its places in jobs (execution history stays); returns its id.' })
  async deleteTask(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<number> {
    await services.tasks.delete(id);
    return id;
  }

  @Requires('config.write')
  @Mutation(() => TaskObject)
  enableTask(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Task> {
    return services.tasks.setEnabled(id, true);
  }

  @Requires('config.write')
  @Mutation(() => TaskObject, { description: 'Disabled tasks are skipped by runs.' })
  disableTask(@Arg('id', () => Int) id: number, @Ctx() { services }: GraphqlContext): Promise<Task> {
    return services.tasks.setEnabled(id, false);
  }

  @Requires('config.write')
  @Mutation(() => TaskObject, {
    description:
      'Replaces the task\'s script in one transaction after checking every step (errors name the step, e.g. "[0].true[1].filePath"). Steps given with their id keep it.',
  })
  async saveTaskScript(
    @Arg('taskId', () => Int) taskId: number,
    @Arg('steps', () => [StepInput]) steps: StepInput[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Task> {
    await services.tasks.saveScript(taskId, scriptInput(steps)).catch((err) => {
      throw withFieldsRenamed(err, graphqlStepPath);
    });
    return services.tasks.get(taskId);
  }

  @Requires('config.write')
  @Mutation(() => TaskObject, { description: "Adds the task to jobs (after each job's last task)." })
  async bindTaskJobs(
    @Arg('taskId', () => Int) taskId: number,
    @Arg('jobIds', () => [Int]) jobIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Task> {
    await services.bindings.bindTaskJobs(taskId, jobIds);
    return services.tasks.get(taskId);
  }

  @Requires('config.write')
  @Mutation(() => TaskObject)
  async unbindTaskJobs(
    @Arg('taskId', () => Int) taskId: number,
    @Arg('jobIds', () => [Int]) jobIds: number[],
    @Ctx() { services }: GraphqlContext,
  ): Promise<Task> {
    await services.bindings.unbindTaskJobs(taskId, jobIds);
    return services.tasks.get(taskId);
  }
}
