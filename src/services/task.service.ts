import type { FilterQuery } from '@mikro-orm/core';
import { Client, Job, Task } from '../entities';
import { ClientService, type ClientFilter } from './client.service';
import { errors } from './errors';
import { intArray } from './filters';
import { jobWhere, type JobFilter } from './job.filter';
import { taskWhere, type TaskFilter } from './task.filter';
import { orderByOf, type ClientOrderField, type JobOrderField, type OrderBy, type TaskOrderField } from './ordering';
import { pageWindow, type Page, type PageRequest, type PageWindow } from './paging';
import { entityPage, entitiesByIds, relationPages, rowPage, type EntityRow, type RelationQuery } from './relation-pages';
import { publishChange, type ServiceContext } from './service-context';
import { SettingsService } from './settings.service';
import { parseInput } from './schemas/parse';
import { taskCreateSchema, taskUpdateSchema, type TaskInput } from './schemas/task.schema';
import { jobsOfTask, reach } from './targeting';
import { readScripts, saveScript, type SavedRootStep, type ScriptStep } from './step-script';

export type { TaskInput };

export interface TaskCounts {
  /** Jobs the task is part of. */
  jobs: number;
  /** Distinct clients those jobs reach (directly or through groups). */
  clients: number;
  /** Steps of the script, nested ones included. */
  scripts: number;
}

/** Clients reached by the jobs of the tasks in `any(?)`: pairs (task_id, client_id). */
const TASK_CLIENTS_SQL = `
  select distinct jt.task_id, x.client_id from job_task jt join (${reach({ select: 'pair' })}) x on x.job_id = jt.job_id
  where jt.task_id = any(?::int[])`;

const JOBS_OF_TASKS: RelationQuery<Job> = { entity: Job, table: 'job', children: 'select job_id as child_id from job_task where task_id = p.id' };

/** The clients the jobs of the task `p.id` reach, directly or through groups. */
const CLIENTS_OF_TASKS: RelationQuery<Client> = {
  entity: Client,
  table: 'client',
  children: reach({ select: 'client', job: jobsOfTask('p.id'), as: 'child_id' }),
};

/** Every count of many tasks in one statement (one row per id of the array). */
const TASK_COUNTS_SQL = `select k.id,
    (select count(*)::int from job_task x where x.task_id = k.id) as jobs,
    (select count(*)::int from (${reach({ select: 'client', job: jobsOfTask('k.id') })}) t) as clients,
    (select count(*)::int from step x where x.task_id = k.id) as scripts
  from unnest(?::int[]) as k(id)`;

/** Tasks: scripts of steps, their jobs and the clients those jobs reach. */
export class TaskService {
  constructor(private readonly ctx: ServiceContext) {}

  private get em() {
    return this.ctx.em;
  }

  where(filter: TaskFilter = {}): FilterQuery<Task> {
    return taskWhere(filter);
  }

  /** Tasks matching `filter` (and `extra`), one page, sorted by `orderBy` (default id ascending). */
  async list(filter: TaskFilter = {}, page: PageRequest = {}, extra: FilterQuery<Task> = {}, orderBy?: OrderBy<TaskOrderField>): Promise<Page<Task>> {
    return entityPage(this.em, Task, { $and: [taskWhere(filter), extra] } as FilterQuery<Task>, orderByOf('task', orderBy), page);
  }

  /**
   * The same page as `list()` as plain rows (EntityRow, not managed by the EntityManager):
   * for read-only pages such as the GraphQL lists, where hydrating entities costs more than the query.
   */
  async listRows(
    filter: TaskFilter = {},
    page: PageRequest = {},
    extra: FilterQuery<Task> = {},
    orderBy?: OrderBy<TaskOrderField>,
  ): Promise<Page<EntityRow<Task>>> {
    return rowPage(this.em, Task, { $and: [taskWhere(filter), extra] } as FilterQuery<Task>, orderByOf('task', orderBy), pageWindow(page));
  }

  /** Tasks by id in one statement, in the order of `ids` (null where none). */
  async getMany(ids: readonly number[]): Promise<(Task | null)[]> {
    return entitiesByIds(this.em, Task, ids);
  }

  async get(id: number): Promise<Task> {
    const task = await this.em.findOne(Task, { id });
    if (!task) throw errors.notFound('task', id);
    return task;
  }

  /** Fields left out take the task settings' defaults (`enable`, `priority`, `disableValidation`). */
  async create(raw: TaskInput): Promise<Task> {
    const input = parseInput(taskCreateSchema, raw);
    const defaults = await new SettingsService(this.ctx).get('task');
    const now = this.ctx.clock.now();
    const task = this.em.create(Task, {
      name: input.name,
      description: input.description ?? null,
      priority: input.priority ?? defaults.priority,
      enabled: input.enabled ?? defaults.enable,
      disableValidation: input.disableValidation ?? defaults.disableValidation,
      createdAt: now,
      lastEditedAt: now,
    });
    await this.em.flush();
    publishChange(this.ctx, 'TASK', 'CREATED', task.id);
    return task;
  }

  /** Changes the fields given and moves `lastEditedAt`. */
  async update(id: number, raw: TaskInput): Promise<Task> {
    const input = parseInput(taskUpdateSchema, raw);
    const task = await this.get(id);
    if (input.name != null) task.name = input.name;
    if (input.description !== undefined) task.description = input.description;
    if (input.priority != null) task.priority = input.priority;
    if (input.enabled != null) task.enabled = input.enabled;
    if (input.disableValidation != null) task.disableValidation = input.disableValidation;
    task.lastEditedAt = this.ctx.clock.now();
    await this.em.flush();
    publishChange(this.ctx, 'TASK', 'UPDATED', id);
    return task;
  }

  async setEnabled(id: number, enabled: boolean): Promise<Task> {
    return this.update(id, { enabled });
  }

  /**
   * Deletes the task, its script and its places in jobs (whose assignmentsChangedAt moves).
   * Execution history keeps the task's id and name.
   */
  async delete(id: number): Promise<void> {
    await this.get(id);
    const now = this.ctx.clock.now();
    const jobIds = await this.jobIds(id);
    await this.em.transactional(async (em) => {
      if (jobIds.length) await em.nativeUpdate(Job, { id: { $in: jobIds } }, { assignmentsChangedAt: now });
      await em.nativeDelete(Task, { id });
    });
    const cached = this.em.getUnitOfWork().getById<Task>(Task.name, id);
    if (cached) this.em.getUnitOfWork().unsetIdentity(cached);
    publishChange(this.ctx, 'TASK', 'DELETED', id);
    for (const jid of jobIds) publishChange(this.ctx, 'JOB', 'UPDATED', jid);
  }

  /** Ids of the jobs the task is part of. */
  async jobIds(id: number): Promise<number[]> {
    const rows = await this.em.execute<{ job_id: number }[]>('select job_id from job_task where task_id = ? order by job_id', [id]);
    return rows.map((r) => r.job_id);
  }

  /** The jobs the task is part of, filtered and sorted like the job list. */
  async jobs(id: number, filter: JobFilter = {}, page: PageRequest = {}, orderBy?: OrderBy<JobOrderField>): Promise<Page<Job>> {
    await this.get(id);
    return entityPage(this.em, Job, { $and: [jobWhere(filter), { id: { $in: await this.jobIds(id) } }] } as FilterQuery<Job>, orderByOf('job', orderBy), page);
  }

  /** Jobs of many tasks in one statement (dataloaders), in the order of `ids`. */
  async jobIdsByTask(ids: number[]): Promise<number[][]> {
    if (!ids.length) return [];
    const rows = await this.em.execute<{ task_id: number; job_id: number }[]>(
      'select task_id, job_id from job_task where task_id = any(?::int[]) order by job_id',
      [intArray(ids)],
    );
    return ids.map((id) => rows.filter((r) => r.task_id === id).map((r) => r.job_id));
  }

  /** One window of the jobs each task is part of (by id), in one statement, in the order of `ids`. */
  async jobsByTask(ids: readonly number[], window: PageWindow): Promise<EntityRow<Job>[][]> {
    return relationPages(this.em, JOBS_OF_TASKS, ids, window);
  }

  /** One window of the clients each task's jobs reach (by id), in one statement, in the order of `ids`. */
  async clientsByTask(ids: readonly number[], window: PageWindow): Promise<EntityRow<Client>[][]> {
    return relationPages(this.em, CLIENTS_OF_TASKS, ids, window);
  }

  /** Ids of the clients the task's jobs reach, directly or through groups. */
  async clientIds(id: number): Promise<number[]> {
    const rows = await this.em.execute<{ client_id: number }[]>(`${TASK_CLIENTS_SQL} order by x.client_id`, [intArray([id])]);
    return rows.map((r) => r.client_id);
  }

  /** The clients the task's jobs reach, filtered and sorted like the client list. */
  async clients(id: number, filter: ClientFilter = {}, page: PageRequest = {}, orderBy?: OrderBy<ClientOrderField>): Promise<Page<Client>> {
    await this.get(id);
    const ids = await this.clientIds(id);
    return new ClientService(this.ctx).list(filter, page, { id: { $in: ids } }, orderBy);
  }

  /** The task's script as a nested tree. */
  async script(id: number): Promise<ScriptStep[]> {
    await this.get(id);
    const [tree] = await readScripts(this.em, [id]);
    return tree;
  }

  /** Scripts of many tasks in one query (dataloaders); unknown ids give empty scripts. */
  async scripts(ids: number[]): Promise<ScriptStep[][]> {
    return readScripts(this.em, ids);
  }

  /** Replaces the script (see step-script.ts); answers the root steps `[{scriptId, scriptType}]`. */
  async saveScript(id: number, steps: unknown): Promise<SavedRootStep[]> {
    const task = await this.get(id);
    const saved = await saveScript(this.em, task, steps, this.ctx.clock.now());
    await this.em.refresh(task);
    publishChange(this.ctx, 'TASK', 'UPDATED', id);
    return saved;
  }

  async countInfo(id: number): Promise<TaskCounts> {
    await this.get(id);
    const [counts] = await this.countsByTask([id]);
    return counts;
  }

  /** Counts for many tasks in one statement, in the order of `ids` (zeros for an unknown id). */
  async countsByTask(ids: readonly number[]): Promise<TaskCounts[]> {
    if (!ids.length) return [];
    const rows = await this.em.execute<({ id: number } & TaskCounts)[]>(TASK_COUNTS_SQL, [intArray(ids)]);
    const byId = new Map(rows.map(({ id, ...counts }) => [id, counts]));
    return ids.map((id) => byId.get(id) ?? { jobs: 0, clients: 0, scripts: 0 });
  }

  /** The task list with each task's counts. */
  async allInfo(filter: TaskFilter = {}, page: PageRequest = {}): Promise<Page<{ task: Task; counts: TaskCounts }>> {
    const { items, total } = await this.list(filter, page);
    const counts = await this.countsByTask(items.map((t) => t.id));
    return { items: items.map((task, i) => ({ task, counts: counts[i] })), total };
  }
}
