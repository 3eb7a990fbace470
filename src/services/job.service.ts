import type { FilterQuery } from '@mikro-orm/core';
import { Client, CYCLE_TYPES, Group, Job, Task } from '../entities';
import { errors } from './errors';
import { configurationWhere, intArray } from './filters';
import { orderByOf, type JobOrderField } from './ordering';
import { pageWindow, type ListRequest, type Page, type PageWindow } from './paging';
import { entitiesByIds, fromRelationColumn, relationColumn, relationPages, rowPage, scopeWhere, type EntityRow } from './relation-pages';
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
import { CLIENTS_OF_JOB_SQL, JOBS_OF_CLIENT_SQL } from './targeting';
import { f } from './schemas/fields';
import { parseInput } from './schemas/parse';
import { jobCreateSchema, jobFields, jobUpdateSchema, type JobInput } from './schemas/job.schema';
import { jobFilterSchema, parseFilter, type JobFilter } from './schemas/filter.schema';

export type { JobInput };

/** What the job list takes (see JobService.list). */
export interface JobListRequest extends ListRequest<JobFilter, JobOrderField> {
  /** Each job's binding counts, read in the page's statement. */
  counts?: boolean;
  /** Each job's window of tasks, read in the page's statement (only `fields` of them when given). */
  tasks?: { window: PageWindow; fields?: readonly string[] };
}

/** A page of jobs as plain rows; `counts` and `tasks` (when asked for) in the order of `items`. */
export interface JobPage extends Page<EntityRow<Job>> {
  counts?: JobBindingCounts[];
  tasks?: EntityRow<Task>[][];
}

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

  /**
   * The job list of both doors: jobs matching `filter` (with at most one scope: a task's jobs, the
   * jobs reaching a client, the jobs aimed at a group; NOT_FOUND for an unknown one), sorted by
   * `orderBy` (default id ascending), one page of plain rows, in one statement. With `counts`,
   * each job's task, group and direct-client counts ride along in the same statement; with
   * `tasks`, each job's window of tasks (as `tasksByJob` gives it), only `tasks.fields` of them
   * when those are all plain columns.
   */
  async list(request: JobListRequest & { counts: true }): Promise<JobPage & { counts: JobBindingCounts[] }>;
  async list(request?: JobListRequest): Promise<JobPage>;
  async list({ filter, orderBy, page, fields, counts, tasks }: JobListRequest = {}): Promise<JobPage> {
    const { taskId, clientId, groupId, ...rest } = parseFilter(jobFilterSchema, filter);
    const where: FilterQuery<Job>[] = [configurationWhere<Job>(rest)];
    if (taskId != null) {
      where.push(await scopeWhere(this.em, { entity: Task, id: taskId, what: 'task' }, 'select job_id as id from job_task where task_id = ?', [taskId]));
    } else if (clientId != null) {
      const sql = `select job_id as id from (${JOBS_OF_CLIENT_SQL}) j`;
      where.push(await scopeWhere(this.em, { entity: Client, id: clientId, what: 'client' }, sql, [clientId, clientId]));
    } else if (groupId != null) {
      where.push(await scopeWhere(this.em, { entity: Group, id: groupId, what: 'group' }, 'select job_id as id from job_group where group_id = ?', [groupId]));
    }
    const columns: Record<string, string> = counts ? { ...JOB_BINDING_COUNT_COLUMNS } : {};
    if (tasks) columns.taskWindow = relationColumn(this.em, TASKS_OF_JOBS, tasks.window, tasks.fields);
    const rows = await rowPage(this.em, Job, { $and: where } as FilterQuery<Job>, orderByOf('job', orderBy), pageWindow(page), columns, fields);
    const extras = rows.extras.map(({ taskWindow, ...own }) => ({ taskWindow, counts: own as unknown as JobBindingCounts }));
    return {
      items: rows.items,
      total: rows.total,
      ...(counts ? { counts: extras.map((e) => e.counts) } : {}),
      ...(tasks ? { tasks: extras.map((e) => fromRelationColumn(this.em, Task, e.taskWindow)) } : {}),
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

  /**
   * The clients the job reaches: bound directly plus members of its groups (static and dynamic).
   * `enabledOnly` leaves out disabled clients (what a run targets).
   */
  async targetClientIds(id: number, { enabledOnly = false }: { enabledOnly?: boolean } = {}): Promise<number[]> {
    const sql = `select t.client_id from (${CLIENTS_OF_JOB_SQL}) t join client c on c.id = t.client_id ${enabledOnly ? 'where c.enable' : ''} order by t.client_id`;
    const rows = await this.em.execute<{ client_id: number }[]>(sql, [id, id]);
    return rows.map((r) => r.client_id);
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
