import type { FilterQuery } from '@mikro-orm/core';
import { Client, CYCLE_TYPES, Group, Job, JobTask, Task } from '../entities';
import { ClientService, type ClientFilter } from './client.service';
import { errors } from './errors';
import { applyNameFilter, intArray } from './filters';
import { orderByOf, type ClientOrderField, type GroupOrderField, type JobOrderField, type OrderBy, type TaskOrderField } from './ordering';
import { pageWindow, type Page, type PageRequest, type PageWindow } from './paging';
import { entityPage, entitiesByIds, fromRelationColumn, relationColumn, relationPages, rowPage, type EntityRow } from './relation-pages';
import { fireTimesFrom, managementTimeZone, nextRunOf, parseCron, type ScheduledJob, type SchedulePreview } from './schedule';
import { publishChange, type ServiceContext } from './service-context';
import { SettingsService } from './settings.service';
import {
  CLIENTS_OF_JOBS,
  GROUPS_OF_JOBS,
  JOB_BINDING_COUNT_COLUMNS,
  JOB_BINDING_COUNTS_SQL,
  JOB_TARGET_COUNTS_SQL,
  TARGET_CLIENTS_OF_JOBS,
  TASKS_OF_JOBS,
  type JobBindingCounts,
} from './job.relations';
import { CLIENTS_OF_JOB_SQL } from './targeting';
import { f } from './schemas/fields';
import { parseInput } from './schemas/parse';
import { jobCreateSchema, jobFields, jobUpdateSchema, type JobInput } from './schemas/job.schema';
import { jobWhere, type JobFilter } from './job.filter';
import { taskWhere, type TaskFilter } from './task.filter';

export interface GroupFilter {
  groupName?: string;
  groupNameContain?: string;
}

export type { JobInput };

export interface JobCounts extends JobBindingCounts {
  /** Distinct clients reached directly or through groups, enabled or not. */
  targetClients: number;
}

/** The default longest run, seconds (1 h). */
export const DEFAULT_JOB_DURATION = 3600;

/** The stored form of a schedule: "" and null both mean none; a cron is kept as written (trimmed). */
function scheduleOf(value: string | null | undefined): string | null {
  return value ? parseCron(value).source : null;
}

/** Jobs: schedule and options, their ordered tasks, their groups and clients. */
export class JobService {
  constructor(private readonly ctx: ServiceContext) {}

  private get em() {
    return this.ctx.em;
  }

  where(filter: JobFilter = {}): FilterQuery<Job> {
    return jobWhere(filter);
  }

  /** Jobs matching `filter` (and `extra`), one page, sorted by `orderBy` (default id ascending). */
  async list(filter: JobFilter = {}, page: PageRequest = {}, extra: FilterQuery<Job> = {}, orderBy?: OrderBy<JobOrderField>): Promise<Page<Job>> {
    return entityPage(this.em, Job, { $and: [jobWhere(filter), extra] } as FilterQuery<Job>, orderByOf('job', orderBy), page);
  }

  /**
   * The same page as `list()` as plain rows (EntityRow, not managed by the EntityManager):
   * for read-only pages such as the GraphQL lists, where hydrating entities costs more than the query.
   */
  async listRows(
    filter: JobFilter = {},
    page: PageRequest = {},
    extra: FilterQuery<Job> = {},
    orderBy?: OrderBy<JobOrderField>,
  ): Promise<Page<EntityRow<Job>>> {
    return rowPage(this.em, Job, { $and: [jobWhere(filter), extra] } as FilterQuery<Job>, orderByOf('job', orderBy), pageWindow(page));
  }

  /**
   * listRows with each job's task, group and direct-client counts, still in one statement: for
   * list pages that show the counts (a dashboard's job list), which would else cost a second one.
   * With `tasks`, each job's window of tasks (as `tasksByJob` gives it) rides along too. With
   * `fields` and `taskFields` (property names), only those are read when they are all plain
   * columns (see scalarFields): the rows then have only them and `id`.
   */
  async listRowsWithCounts(
    filter: JobFilter = {},
    page: PageRequest = {},
    extra: FilterQuery<Job> = {},
    orderBy?: OrderBy<JobOrderField>,
    { tasks, fields, taskFields }: { tasks?: PageWindow; fields?: readonly string[]; taskFields?: readonly string[] } = {},
  ): Promise<Page<{ job: EntityRow<Job>; counts: JobBindingCounts; tasks?: EntityRow<Task>[] }>> {
    const columns: Record<string, string> = { ...JOB_BINDING_COUNT_COLUMNS };
    if (tasks) columns.taskWindow = relationColumn(this.em, TASKS_OF_JOBS, tasks, taskFields);
    const rows = await rowPage(
      this.em,
      Job,
      { $and: [jobWhere(filter), extra] } as FilterQuery<Job>,
      orderByOf('job', orderBy),
      pageWindow(page),
      columns,
      fields,
    );
    return {
      items: rows.items.map((job, i) => {
        const { taskWindow, ...counts } = rows.extras[i];
        return { job, counts: counts as unknown as JobBindingCounts, ...(tasks ? { tasks: fromRelationColumn(this.em, Task, taskWindow) } : {}) };
      }),
      total: rows.total,
    };
  }

  /** Jobs by id in one statement, in the order of `ids` (null where none). */
  async getMany(ids: readonly number[]): Promise<(Job | null)[]> {
    return entitiesByIds(this.em, Job, ids);
  }

  async get(id: number): Promise<Job> {
    const job = await this.em.findOne(Job, { id });
    if (!job) throw errors.notFound('job', id);
    return job;
  }

  /**
   * Fields left out take defaults: maxRetries and retryWait from the job settings
   * (`maxRetried`, `retryWait`), duration 3600 s, cycleType 0, enabled true.
   * `nextRunAt` is computed in the management server's time zone.
   */
  async create(raw: JobInput): Promise<Job> {
    const input = parseInput(jobCreateSchema, raw);
    const defaults = await new SettingsService(this.ctx).get('job');
    const now = this.ctx.clock.now();
    const job = this.em.create(Job, {
      name: input.name,
      description: input.description ?? null,
      enabled: input.enabled ?? true,
      priority: input.priority ?? 0,
      cycleType: input.cycleType ?? CYCLE_TYPES.ONCE,
      executionTime: scheduleOf(input.executionTime),
      maxRetries: input.maxRetries ?? defaults.maxRetried,
      retryWait: input.retryWait ?? defaults.retryWait,
      duration: input.duration ?? DEFAULT_JOB_DURATION,
      createdAt: now,
      lastEditedAt: now,
    });
    job.nextRunAt = nextRunOf(job, now, await managementTimeZone(this.ctx));
    await this.em.flush();
    publishChange(this.ctx, 'JOB', 'CREATED', job.id);
    return job;
  }

  /**
   * Changes the fields given and moves `lastEditedAt`. `nextRunAt` is recomputed when the
   * schedule or `enabled` changes (a not-repeating job then runs once more).
   */
  async update(id: number, raw: JobInput): Promise<Job> {
    const input = parseInput(jobUpdateSchema, raw);
    const job = await this.get(id);
    const before = { enabled: job.enabled, executionTime: job.executionTime, cycleType: job.cycleType };
    if (input.name != null) job.name = input.name;
    if (input.description !== undefined) job.description = input.description;
    if (input.enabled != null) job.enabled = input.enabled;
    if (input.priority != null) job.priority = input.priority;
    if (input.cycleType != null) job.cycleType = input.cycleType;
    if (input.executionTime !== undefined) job.executionTime = scheduleOf(input.executionTime);
    if (input.maxRetries != null) job.maxRetries = input.maxRetries;
    if (input.retryWait != null) job.retryWait = input.retryWait;
    if (input.duration != null) job.duration = input.duration;
    const now = this.ctx.clock.now();
    job.lastEditedAt = now;
    if (before.enabled !== job.enabled || before.executionTime !== job.executionTime || before.cycleType !== job.cycleType) {
      job.nextRunAt = nextRunOf(job, now, await managementTimeZone(this.ctx));
    }
    await this.em.flush();
    publishChange(this.ctx, 'JOB', 'UPDATED', id);
    return job;
  }

  async setEnabled(id: number, enabled: boolean): Promise<Job> {
    return this.update(id, { enabled });
  }

  /**
   * Deletes the job and its bindings; its tasks' and groups' assignmentsChangedAt move.
   * Runs and reports keep the job's id and name.
   */
  async delete(id: number): Promise<void> {
    await this.get(id);
    const now = this.ctx.clock.now();
    await this.em.transactional(async (em) => {
      await em.execute('update task set assignments_changed_at = ? where id in (select task_id from job_task where job_id = ?)', [now, id]);
      await em.execute('update client_group set assignments_changed_at = ? where id in (select group_id from job_group where job_id = ?)', [now, id]);
      await em.nativeDelete(Job, { id });
    });
    const cached = this.em.getUnitOfWork().getById<Job>(Job.name, id);
    if (cached) this.em.getUnitOfWork().unsetIdentity(cached);
    publishChange(this.ctx, 'JOB', 'DELETED', id);
  }

  /** Ids of the job's tasks, in job order. */
  async taskIds(id: number): Promise<number[]> {
    const rows = await this.em.execute<{ task_id: number }[]>('select task_id from job_task where job_id = ? order by position, id', [id]);
    return rows.map((r) => r.task_id);
  }

  /** The job's tasks, filtered like the task list, in job order unless `orderBy` names a task field. */
  async tasks(id: number, filter: TaskFilter = {}, page: PageRequest = {}, orderBy?: OrderBy<TaskOrderField>): Promise<Page<Task>> {
    await this.get(id);
    const { offset, limit } = pageWindow(page);
    const order = orderBy
      ? [...orderByOf('task', orderBy).map((o) => ({ task: o })), { position: 'asc' as const }, { id: 'asc' as const }]
      : [{ position: 'asc' as const, id: 'asc' as const }];
    const [rows, total] = await this.em.findAndCount(JobTask, { job: id, task: taskWhere(filter) } as FilterQuery<JobTask>, {
      populate: ['task'],
      orderBy: order,
      offset,
      limit,
    });
    return { items: rows.map((r) => r.task), total };
  }

  /**
   * Tasks of many jobs in job order, one statement (dataloaders), in the order of `ids`: all of
   * them, or the `window` of each job's list.
   */
  async tasksByJob(ids: readonly number[], window: PageWindow = { offset: 0, limit: 2 ** 31 - 1 }): Promise<EntityRow<Task>[][]> {
    return relationPages(this.em, TASKS_OF_JOBS, ids, window);
  }

  /** One window of the groups each job is aimed at (by id), in one statement. */
  async groupsByJob(ids: readonly number[], window: PageWindow): Promise<EntityRow<Group>[][]> {
    return relationPages(this.em, GROUPS_OF_JOBS, ids, window);
  }

  /** One window of the clients bound to each job directly (by id), in one statement. */
  async clientsByJob(ids: readonly number[], window: PageWindow): Promise<EntityRow<Client>[][]> {
    return relationPages(this.em, CLIENTS_OF_JOBS, ids, window);
  }

  /** One window of everyone each job reaches (directly or through its groups, by id), in one statement. */
  async targetClientsByJob(ids: readonly number[], window: PageWindow): Promise<EntityRow<Client>[][]> {
    return relationPages(this.em, TARGET_CLIENTS_OF_JOBS, ids, window);
  }

  /** The groups the job is aimed at, filtered by name, sorted like the group list. */
  async groups(id: number, filter: GroupFilter = {}, page: PageRequest = {}, orderBy?: OrderBy<GroupOrderField>): Promise<Page<Group>> {
    await this.get(id);
    const where: Record<string, unknown> = {};
    applyNameFilter(where, 'name', filter.groupName, filter.groupNameContain);
    const rows = await this.em.execute<{ group_id: number }[]>('select group_id from job_group where job_id = ?', [id]);
    return entityPage(this.em, Group, { ...where, id: { $in: rows.map((r) => r.group_id) } } as FilterQuery<Group>, orderByOf('group', orderBy), page);
  }

  /** The clients bound to the job directly (what the bind routes change), filtered and sorted like the client list. */
  async clients(id: number, filter: ClientFilter = {}, page: PageRequest = {}, orderBy?: OrderBy<ClientOrderField>): Promise<Page<Client>> {
    await this.get(id);
    const rows = await this.em.execute<{ client_id: number }[]>('select client_id from job_client where job_id = ?', [id]);
    return new ClientService(this.ctx).list(filter, page, { id: { $in: rows.map((r) => r.client_id) } }, orderBy);
  }

  /**
   * The clients the job reaches: bound directly plus members of its groups (static and dynamic).
   * `enabledOnly` leaves out disabled clients (what a run targets).
   */
  async targetClientIds(id: number, { enabledOnly = false }: { enabledOnly?: boolean } = {}): Promise<number[]> {
    const sql = `select t.client_id from (${CLIENTS_OF_JOB_SQL}) t join client c on c.id = t.client_id ${enabledOnly ? 'where c.enable' : ''} order by t.client_id`;
    const rows = await this.em.execute<{ client_id: number }[]>(sql, [id, id]);
    return rows.map((r) => r.client_id);
  }

  /** The effective target clients, filtered, sorted and paged like the client list. */
  async targetClients(id: number, filter: ClientFilter = {}, page: PageRequest = {}, orderBy?: OrderBy<ClientOrderField>): Promise<Page<Client>> {
    await this.get(id);
    return new ClientService(this.ctx).list(filter, page, { id: { $in: await this.targetClientIds(id) } }, orderBy);
  }

  /** The next `count` fire times from now in the management server's time zone ([] without a schedule). */
  async upcoming(id: number, count = 5, until?: Date): Promise<Date[]> {
    const job = await this.get(id);
    if (!job.enabled || !job.executionTime || !job.nextRunAt) return [];
    return fireTimesFrom(job as ScheduledJob, job.nextRunAt, await managementTimeZone(this.ctx), parseInput(f.int(1, 1000), count, 'count'), until);
  }

  /**
   * The fire times a schedule would have if it were saved now, without saving anything: the
   * schedule editor shows them while the operator types. The same rules as a saved job's
   * (`nextRunOf`, then `fireTimesFrom`); an invalid expression is refused naming `executionTime`.
   */
  async previewSchedule(input: { executionTime: string; cycleType?: number }, count = 5): Promise<SchedulePreview> {
    const schedule = {
      executionTime: parseCron(input.executionTime).source,
      cycleType: parseInput(jobFields.cycleType, input.cycleType, 'cycleType') ?? CYCLE_TYPES.DAILY,
    };
    const n = parseInput(f.int(1, 100), count, 'count');
    const timeZone = await managementTimeZone(this.ctx);
    const first = nextRunOf({ ...schedule, enabled: true }, this.ctx.clock.now(), timeZone);
    return { timeZone, fireTimes: first ? fireTimesFrom(schedule, first, timeZone, n) : [] };
  }

  async countInfo(id: number): Promise<JobCounts> {
    await this.get(id);
    const [counts] = await this.countsByJob([id]);
    return counts;
  }

  /** Every count of many jobs (two statements), in the order of `ids` (zeros for an unknown id). */
  async countsByJob(ids: readonly number[]): Promise<JobCounts[]> {
    const [bindings, targets] = await Promise.all([this.bindingCountsByJob(ids), this.targetClientCountsByJob(ids)]);
    return bindings.map((counts, i) => ({ ...counts, targetClients: targets[i] }));
  }

  /** Task, group and direct-client counts of many jobs in one statement, in the order of `ids`. */
  async bindingCountsByJob(ids: readonly number[]): Promise<JobBindingCounts[]> {
    if (!ids.length) return [];
    const rows = await this.em.execute<({ id: number } & JobBindingCounts)[]>(JOB_BINDING_COUNTS_SQL, [intArray(ids)]);
    const byId = new Map(rows.map(({ id, ...counts }) => [id, counts]));
    return ids.map((id) => byId.get(id) ?? { tasks: 0, groups: 0, clients: 0 });
  }

  /** How many distinct clients each job reaches (directly or through its groups), one statement, in the order of `ids`. */
  async targetClientCountsByJob(ids: readonly number[]): Promise<number[]> {
    if (!ids.length) return [];
    const rows = await this.em.execute<{ id: number; n: number }[]>(JOB_TARGET_COUNTS_SQL, [intArray(ids)]);
    const byId = new Map(rows.map((r) => [r.id, r.n]));
    return ids.map((id) => byId.get(id) ?? 0);
  }
}
