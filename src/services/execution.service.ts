import { CYCLE_TYPES, Job, JobRun, JobTask, Report, RUN_TRIGGERS, TaskResult, type RunTrigger } from '../entities';
import { errors } from './errors';
import { createProgressOutbox, initialRunStatus } from './execution';
import { intArray } from './filters';
import { JobService } from './job.service';
import { entitiesByIds } from './relation-pages';
import { managementTimeZone, nextRunOf } from './schedule';
import { publishChange, type ServiceContext } from './service-context';
import { readScripts } from './step-script';

/**
 * A run of at least this many reports refreshes the planner's statistics of the tables it grew.
 * Without them PostgreSQL plans for the tables it last analyzed (or guesses, for tables never
 * analyzed: PGlite has no autovacuum, and autovacuum waits up to a minute): after a first
 * fan-out to 10,000 clients it still took `report` for a few rows and joined the redispatch
 * sweep's PENDING reports to `client` by a scan of all clients per report, 16-40 s a sweep
 * (issue 12). ANALYZE samples at most 30,000 rows a table whatever its size: some tens of ms.
 */
const ANALYZE_AFTER_REPORTS = 1_000;

export interface CreateRunOptions {
  trigger?: RunTrigger;
  /** The fire time the scheduler meant (SCHEDULE runs); defaults to now. */
  scheduledAt?: Date;
}

/**
 * Creating runs of a job.
 *
 * Decisions (DOMAIN.md leaves them open):
 * - A disabled job is refused (CONFLICT) for both triggers: an operator must enable it first, and
 *   the scheduler never fires one (its `nextRunAt` is null).
 * - MANUAL: a job with no enabled task, or that reaches no enabled client, is refused (CONFLICT),
 *   so the operator learns at once why nothing happens.
 * - SCHEDULE: the same case is recorded as a run that ends at once as NOT_EXECUTE (no reports),
 *   so the calendar and the logs show the fire; nothing is dispatched.
 * - Targets are the clients bound directly plus the members of the job's groups; disabled clients
 *   are skipped, offline ones get a PENDING report (they get the work when they connect, within
 *   the run's duration). Disabled tasks are skipped.
 * - A SCHEDULE run moves the job's `nextRunAt` to the next fire after `scheduledAt` (none for a
 *   not-repeating job), in the run's own transaction and with one statement; a MANUAL run leaves
 *   the schedule alone.
 */
export class ExecutionService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Creates the run, one report per target client (uuid `reportId`), and a PENDING task result
   * per enabled task in job order with a snapshot of its script; moves `lastRunAt` of the job and
   * of those tasks; all in one transaction. Then hands the run to the dispatcher.
   */
  async createRun(jobId: number, options: CreateRunOptions = {}): Promise<JobRun> {
    return (await this.create(jobId, options))!;
  }

  /**
   * The scheduler's fire of a due job: a SCHEDULE run for `scheduledAt`, created only if the job's
   * `nextRunAt` is still `due`, which the same statement moves on (one write of `nextRunAt` per
   * fire). Of several schedulers (gateways) firing the same time, one creates the run; the others
   * get null. Run and claim are one transaction: a failure loses neither (the next tick tries again).
   */
  async fireScheduled(jobId: number, { due, scheduledAt }: { due: Date; scheduledAt: Date }): Promise<JobRun | null> {
    return this.create(jobId, { trigger: 'SCHEDULE', scheduledAt }, due);
  }

  private async create(jobId: number, { trigger = 'MANUAL', scheduledAt }: CreateRunOptions, due?: Date): Promise<JobRun | null> {
    if (!(RUN_TRIGGERS as readonly string[]).includes(trigger)) throw errors.invalid('trigger', RUN_TRIGGERS.join(' or '), trigger);
    if (scheduledAt !== undefined && !(scheduledAt instanceof Date && Number.isFinite(scheduledAt.getTime()))) {
      throw errors.invalid('scheduledAt', 'a date', scheduledAt);
    }
    const job = await new JobService(this.ctx).get(jobId);
    if (!job.enabled) throw errors.conflict('jobId', `job ${jobId} is disabled: enable it before running it`);
    const now = this.ctx.clock.now();
    const created = await this.ctx.em.transactional(async (em) => {
      const j = await em.findOneOrFail(Job, jobId);
      if (trigger === 'SCHEDULE') {
        // The claim comes first: it locks the job's row, so a second scheduler waits for this
        // transaction and then finds `nextRunAt` moved.
        const next = nextRunOf(j, scheduledAt ?? now, await managementTimeZone({ ...this.ctx, em }), j.cycleType === CYCLE_TYPES.ONCE);
        const claimed = await em.execute<{ id: number }[]>(
          `update job set next_run_at = ? where id = ? and enabled and (?::timestamptz is null or next_run_at = ?) returning id`,
          [next, jobId, due ?? null, due ?? null],
        );
        if (!claimed.length) return null;
      }
      const jobs = new JobService({ ...this.ctx, em });
      const placements = await em.find(JobTask, { job: jobId }, { populate: ['task'], orderBy: { position: 'asc', id: 'asc' } });
      const tasks = placements.map((p) => p.task).filter((t) => t.enabled);
      const clientIds = await jobs.targetClientIds(jobId, { enabledOnly: true });
      if ((!tasks.length || !clientIds.length) && trigger === 'MANUAL') {
        throw errors.conflict(
          'jobId',
          !tasks.length
            ? `job ${jobId} has no enabled task: bind or enable a task first`
            : `job ${jobId} reaches no enabled client: bind a client or a group with enabled clients first`,
        );
      }
      const status = initialRunStatus(tasks.length, clientIds.length);
      const empty = status === 'NOT_EXECUTE';
      const run = em.create(JobRun, {
        jobId,
        jobName: job.name,
        jobDescription: job.description,
        trigger,
        status,
        priority: job.priority,
        maxRetries: job.maxRetries,
        retryWait: job.retryWait,
        scheduledAt: scheduledAt ?? now,
        startedAt: now,
        deadlineAt: new Date(now.getTime() + job.duration * 1000),
        endedAt: empty ? now : null,
      });
      if (!empty) {
        j.lastRunAt = now;
        for (const t of tasks) t.lastRunAt = now;
      }
      await em.flush();
      if (!empty) {
        // Set-based: one statement for the reports, one for their task results, so a run
        // over thousands of clients is created in milliseconds, not one ORM row at a time.
        const scripts = await readScripts(
          em,
          tasks.map((t) => t.id),
        );
        await em.execute(
          `insert into report (report_id, run_id, client_id, status, attempt, created_at)
           select gen_random_uuid()::text, ?, c, 'PENDING', 0, ? from unnest(?::int[]) c`,
          [run.id, now, intArray(clientIds)],
        );
        const taskRows = tasks.map((task, order) => ({
          task_id: task.id,
          task_name: task.name,
          task_description: task.description,
          ord: order,
          priority: task.priority,
          disable_validation: task.disableValidation,
          script: scripts[order],
        }));
        await em.execute(
          `insert into task_result (report_id, task_id, task_name, task_description, "order", priority, disable_validation, script, status)
           select r.id, t.task_id, t.task_name, t.task_description, t.ord, t.priority, t.disable_validation, t.script, 'PENDING'
           from report r cross join jsonb_to_recordset(?::jsonb)
             as t(task_id int, task_name text, task_description text, ord int, priority int, disable_validation boolean, script jsonb)
           where r.run_id = ?`,
          [JSON.stringify(taskRows), run.id],
        );
      }
      return { run, reports: empty ? 0 : clientIds.length };
    });
    if (!created) return null;
    const { run, reports } = created;
    // After the commit (ANALYZE then sees the rows as any transaction does) and before the
    // dispatch, whose queries are the first to read the new rows.
    if (reports >= ANALYZE_AFTER_REPORTS) await this.ctx.em.getConnection().execute('analyze report, task_result');
    publishChange(this.ctx, 'JOB', 'UPDATED', jobId);
    const outbox = createProgressOutbox(now);
    outbox.run(run);
    outbox.publish(this.ctx.pubsub);
    if (reports) this.ctx.dispatcher?.runCreated(run.id);
    return run;
  }

  /** One run by id. */
  async getRun(runId: number): Promise<JobRun> {
    const run = await this.ctx.em.findOne(JobRun, { id: runId });
    if (!run) throw errors.notFound('run', runId);
    return run;
  }

  /** Runs by id in one statement, in the order of `ids` (null where none). */
  async getRuns(ids: readonly number[]): Promise<(JobRun | null)[]> {
    return entitiesByIds(this.ctx.em, JobRun, ids);
  }

  /** One report by its `reportId` (the uuid agents and the log routes use). */
  async getReport(reportId: string): Promise<Report> {
    const report = await this.ctx.em.findOne(Report, { reportId }, { populate: ['run', 'client'] });
    if (!report) throw errors.notFound('report', reportId);
    return report;
  }

  /** The reports of a run with their clients, by client id. */
  async reportsOfRun(runId: number): Promise<Report[]> {
    await this.getRun(runId);
    return this.ctx.em.find(Report, { run: runId }, { populate: ['client'], orderBy: { client: 'asc' } });
  }

  /** The task results of a report, in job order. */
  async taskResults(reportId: string): Promise<TaskResult[]> {
    const report = await this.getReport(reportId);
    return this.ctx.em.find(TaskResult, { report }, { orderBy: { order: 'asc' } });
  }
}
