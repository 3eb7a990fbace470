import type { FilterQuery } from '@mikro-orm/core';
import { Client, Job, JobTask, Task } from '../entities';
import { errors } from './errors';
import { configurationWhere, intArray } from './filters';
import { orderByOf, type OrderBy, type TaskOrderField } from './ordering';
import { pageWindow, type ListRequest, type Page, type PageRequest, type PageWindow } from './paging';
import { assertExists, entitiesByIds, scopeWhere, relationPages, rowPage, type EntityRow, type RelationQuery } from './relation-pages';
import { publishChange, type ServiceContext } from './service-context';
import { SettingsService } from './settings.service';
import { parseInput } from './schemas/parse';
import { taskCreateSchema, taskUpdateSchema, type TaskInput } from './schemas/task.schema';
import { parseFilter, taskFilterSchema, type TaskFilter } from './schemas/filter.schema';
import { JOBS_OF_CLIENT_SQL, jobsOfTask, reach } from './targeting';
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

/** What the task list takes (see TaskService.list). */
export interface TaskListRequest extends ListRequest<TaskFilter, TaskOrderField> {
  /** Each task's counts (one more statement). */
  counts?: boolean;
}

/** A page of tasks; `counts` (when asked for) in the order of `items`. */
export interface TaskPage extends Page<EntityRow<Task>> {
  counts?: TaskCounts[];
}

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

  /**
   * The task list of both doors: tasks matching `filter` (with at most one scope: a job's tasks,
   * in job order unless `orderBy` names a field; the tasks of the jobs reaching a client;
   * NOT_FOUND for an unknown one), sorted by `orderBy` (default id ascending), one page of plain
   * rows. With `counts`, each task's counts (one more statement, see countsByTask).
   */
  async list(request: TaskListRequest & { counts: true }): Promise<TaskPage & { counts: TaskCounts[] }>;
  async list(request?: TaskListRequest): Promise<TaskPage>;
  async list({ filter, orderBy, page, fields, counts }: TaskListRequest = {}): Promise<TaskPage> {
    const { jobId, clientId, ...rest } = parseFilter(taskFilterSchema, filter);
    let rows: Page<EntityRow<Task>>;
    if (jobId != null) rows = await this.ofJob(jobId, configurationWhere<Task>(rest), page, orderBy);
    else {
      const where: FilterQuery<Task>[] = [configurationWhere<Task>(rest)];
      if (clientId != null) {
        const sql = `select distinct task_id as id from job_task where job_id in (${JOBS_OF_CLIENT_SQL})`;
        where.push(await scopeWhere(this.em, { entity: Client, id: clientId, what: 'client' }, sql, [clientId, clientId]));
      }
      const { items, total } = await rowPage(this.em, Task, { $and: where } as FilterQuery<Task>, orderByOf('task', orderBy), pageWindow(page), {}, fields);
      rows = { items, total };
    }
    return counts ? { ...rows, counts: await this.countsByTask(rows.items.map((t) => t.id)) } : rows;
  }

  /** One page of a job's tasks, in job order after `orderBy` (when given). */
  private async ofJob(jobId: number, where: FilterQuery<Task>, page: PageRequest = {}, orderBy?: OrderBy<TaskOrderField> | null): Promise<Page<Task>> {
    await assertExists(this.em, Job, jobId, 'job');
    const { offset, limit } = pageWindow(page);
    const order = orderBy
      ? [...orderByOf('task', orderBy).map((o) => ({ task: o })), { position: 'asc' as const }, { id: 'asc' as const }]
      : [{ position: 'asc' as const, id: 'asc' as const }];
    const [rows, total] = await this.em.findAndCount(JobTask, { job: jobId, task: where } as FilterQuery<JobTask>, {
      populate: ['task'],
      orderBy: order,
      offset,
      limit,
    });
    return { items: rows.map((r) => r.task), total };
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
}
