import { errors } from './errors';
import { escapeLike, intArray, textArray } from './filters';
import { pageWindow, type Page, type PageRequest } from './paging';
import { groupRows } from './relation-pages';
import type { ServiceContext } from './service-context';
import {
  ms,
  withDates,
  checkStatus,
  checkMs,
  checkIdParam,
  CLIENT_LOG_SELECT,
  CLIENT_LOG_FROM,
  CLIENT_LOG_DATES,
  TASK_LOG_SELECT,
  TASK_LOG_FROM,
  TASK_LOG_DATES,
  STEP_LOG_SELECT,
  STEP_LOG_FROM,
  STEP_LOG_DATES,
  STEP_LOG_ORDER,
  Where,
  type StatusFilter,
  type LogFilter,
  type JobLogRow,
  type ClientLogRow,
  type TaskLogRow,
  type StepLogRow,
  type ClientOverviewRow,
  type TaskHistoryRow,
} from './execution-log.rows';

/**
 * The read side of execution records, for the `/v1/logs/*` routes, the task history and the
 * dashboards. Every list is paged (newest first) and takes `startAt` (epoch ms): only runs that
 * started at or after it count. `status` takes ALL (the default) or one execution status.
 * History outlives deletes: job and task names come from the records, not from the live rows.
 */
export class ExecutionLogService {
  constructor(private readonly ctx: ServiceContext) {}

  private get em() {
    return this.ctx.em;
  }

  /** One page of `select ... from ... where ... order by ...` and the count of all matching rows. */
  private async page<R>(select: string, from: string, where: Where, orderBy: string, page: PageRequest, dates: string[]): Promise<Page<R>> {
    const { offset, limit } = pageWindow(page);
    const [rows, [{ n }]] = await Promise.all([
      this.em.execute<Record<string, unknown>[]>(`select ${select} from ${from} ${where} order by ${orderBy} limit ${limit} offset ${offset}`, where.params),
      this.em.execute<{ n: number }[]>(`select count(*)::int as n from ${from} ${where}`, where.params),
    ]);
    return { items: rows.map((r) => withDates<R>(r, dates)), total: n };
  }

  /** Runs of jobs (`GET /v1/logs/jobs`), optionally of one job. */
  async jobLogs(filter: LogFilter & { jobId?: number } = {}, page: PageRequest = {}): Promise<Page<JobLogRow>> {
    const w = new Where();
    const status = checkStatus(filter.status);
    if (status !== 'ALL') w.add('r.status = ?', status);
    const startAt = checkMs('startAt', filter.startAt);
    if (startAt) w.add('r.started_at >= ?', startAt);
    const jobId = checkIdParam('jobId', filter.jobId);
    if (jobId) w.add('r.job_id = ?', jobId);
    return this.page<JobLogRow>(
      `r.id as "runId", r.job_id as "jobId", r.job_name as "jobName", r.job_description as "jobDescription", r.status, r.trigger, r.priority,
       ${ms('r.scheduled_at')} as "scheduledAt", ${ms('r.started_at')} as "startTime", ${ms('r.ended_at')} as "endTime", ${ms('r.deadline_at')} as "deadlineAt",
       (select count(*)::int from report x where x.run_id = r.id) as clients,
       ${ms('j.last_edited_at')} as "lastEditedAt", j.execution_time as "executionTime", j.duration`,
      'job_run r left join job j on j.id = r.job_id',
      w,
      'r.started_at desc, r.id desc',
      page,
      ['scheduledAt', 'startTime', 'endTime', 'deadlineAt', 'lastEditedAt'],
    );
  }

  /**
   * Client executions (reports): `GET /v1/logs/clients` (by client), `GET /v1/logs/jobs/clients`
   * (by job), `GET /v1/logs/clients/jobs`. Every filter is optional.
   */
  async clientLogs(filter: LogFilter & { clientId?: number; jobId?: number; runId?: number } = {}, page: PageRequest = {}): Promise<Page<ClientLogRow>> {
    const w = new Where();
    const status = checkStatus(filter.status);
    if (status !== 'ALL') w.add('r.status = ?', status);
    const startAt = checkMs('startAt', filter.startAt);
    if (startAt) w.add('jr.started_at >= ?', startAt);
    const clientId = checkIdParam('clientId', filter.clientId);
    if (clientId) w.add('r.client_id = ?', clientId);
    const jobId = checkIdParam('jobId', filter.jobId);
    if (jobId) w.add('jr.job_id = ?', jobId);
    const runId = checkIdParam('runId', filter.runId);
    if (runId) w.add('r.run_id = ?', runId);
    return this.page<ClientLogRow>(CLIENT_LOG_SELECT, CLIENT_LOG_FROM, w, 'jr.started_at desc, r.id desc', page, CLIENT_LOG_DATES);
  }

  /** Throws NOT_FOUND unless the report exists (and belongs to the client and job given). */
  private async checkReport(reportId: string, clientId?: number, jobId?: number): Promise<void> {
    if (typeof reportId !== 'string' || !reportId) throw errors.invalid('reportId', 'a report id', reportId);
    const [row] = await this.em.execute<{ client_id: number; job_id: number }[]>(
      'select r.client_id, jr.job_id from report r join job_run jr on jr.id = r.run_id where r.report_id = ?',
      [reportId],
    );
    if (!row || (clientId !== undefined && row.client_id !== clientId) || (jobId !== undefined && row.job_id !== jobId)) {
      throw errors.notFound('report', reportId);
    }
  }

  /**
   * Task results: of one report (`reportId`, the `/logs/.../tasks` routes), or of every report of
   * a client and/or job (`GET /v1/logs/tasks`), newest report first, then in job order.
   */
  async taskLogs(
    filter: LogFilter & { reportId?: string; clientId?: number; jobId?: number; taskId?: number } = {},
    page: PageRequest = {},
  ): Promise<Page<TaskLogRow>> {
    const w = new Where();
    const clientId = checkIdParam('clientId', filter.clientId);
    const jobId = checkIdParam('jobId', filter.jobId);
    if (filter.reportId !== undefined) {
      await this.checkReport(filter.reportId, clientId, jobId);
      w.add('r.report_id = ?', filter.reportId);
    }
    if (clientId) w.add('r.client_id = ?', clientId);
    if (jobId) w.add('jr.job_id = ?', jobId);
    const taskId = checkIdParam('taskId', filter.taskId);
    if (taskId) w.add('t.task_id = ?', taskId);
    const status = checkStatus(filter.status);
    if (status !== 'ALL') w.add('t.status = ?', status);
    const startAt = checkMs('startAt', filter.startAt);
    if (startAt) w.add('jr.started_at >= ?', startAt);
    return this.page<TaskLogRow>(TASK_LOG_SELECT, TASK_LOG_FROM, w, 'jr.started_at desc, r.id desc, t."order" asc', page, TASK_LOG_DATES);
  }

  /**
   * Step results with their messages of one task of one report. Without `reportId`, the latest
   * report of `clientId` and `jobId` that ran the task is read (`GET /v1/logs/scripts`).
   */
  async stepLogs(filter: { taskId: number; reportId?: string; clientId?: number; jobId?: number }, page: PageRequest = {}): Promise<Page<StepLogRow>> {
    const taskId = checkIdParam('taskId', filter.taskId);
    if (!taskId) throw errors.invalid('taskId', 'an id (a positive integer)');
    const clientId = checkIdParam('clientId', filter.clientId);
    const jobId = checkIdParam('jobId', filter.jobId);
    let reportId = filter.reportId;
    if (reportId !== undefined) await this.checkReport(reportId, clientId, jobId);
    else {
      if (!clientId || !jobId) throw errors.invalid('reportId', 'a report id, or both clientId and jobId');
      const [latest] = await this.em.execute<{ report_id: string }[]>(
        `select r.report_id from report r join job_run jr on jr.id = r.run_id join task_result t on t.report_id = r.id
         where r.client_id = ? and jr.job_id = ? and t.task_id = ? order by jr.started_at desc, r.id desc limit 1`,
        [clientId, jobId, taskId],
      );
      if (!latest) return { items: [], total: 0 };
      reportId = latest.report_id;
    }
    const result = await this.page<StepLogRow>(
      STEP_LOG_SELECT,
      STEP_LOG_FROM,
      new Where().add('r.report_id = ?', reportId).add('t.task_id = ?', taskId),
      STEP_LOG_ORDER,
      page,
      STEP_LOG_DATES,
    );
    await this.attachMessages(result.items);
    return result;
  }

  /** Reads the messages of the step rows (one statement) and sets each row's `messages`. */
  private async attachMessages(rows: StepLogRow[]): Promise<void> {
    const ids = rows.map((r) => r.id);
    const messages = ids.length
      ? await this.em.execute<Record<string, unknown>[]>(
          `select step_result_id as "stepResultId", ${ms('start_time')} as "startTime", ${ms('end_time')} as "endTime", message
           from step_message where step_result_id = any(?::int[]) order by seq`,
          [intArray(ids)],
        )
      : [];
    const byStep = groupRows(ids, messages, (m) => m.stepResultId as number);
    rows.forEach((row, i) => {
      row.step ??= {};
      row.messages = byStep[i].map((m) => ({
        startTime: new Date(m.startTime as number),
        endTime: new Date(m.endTime as number),
        message: m.message as string,
      }));
    });
  }

  // ---- batches for many parents at once (GraphQL dataloaders): a fixed number of statements ----

  /**
   * One page of the reports of each run (newest first, as clientLogs), optionally of one status,
   * with each run's total: two statements for all the runs, in the order of `runIds`.
   */
  async reportsByRun(runIds: readonly number[], filter: { status?: StatusFilter | string } = {}, page: PageRequest = {}): Promise<Page<ClientLogRow>[]> {
    const { offset, limit } = pageWindow(page);
    const status = checkStatus(filter.status);
    if (!runIds.length) return [];
    const statusSql = status === 'ALL' ? '' : 'and r.status = ?';
    const params = status === 'ALL' ? [intArray(runIds)] : [intArray(runIds), status];
    const [rows, totals] = await Promise.all([
      this.em.execute<Record<string, unknown>[]>(
        `select * from (
           select ${CLIENT_LOG_SELECT}, row_number() over (partition by r.run_id order by r.id desc) as "__rn"
           from ${CLIENT_LOG_FROM} where r.run_id = any(?::int[]) ${statusSql}
         ) x where "__rn" > ${offset} and "__rn" <= ${offset + limit} order by "runId", "__rn"`,
        params,
      ),
      this.reportCounts(runIds, status),
    ]);
    const items = rows.map(({ __rn, ...row }) => withDates<ClientLogRow>(row, CLIENT_LOG_DATES));
    const byRun = groupRows(runIds, items, (r) => r.runId);
    return runIds.map((_, i) => ({ items: byRun[i], total: totals[i] }));
  }

  /** How many reports each run has (of one status, or all), one statement, in the order of `runIds`. */
  async reportCountsByRun(runIds: readonly number[], filter: { status?: StatusFilter | string } = {}): Promise<number[]> {
    return this.reportCounts(runIds, checkStatus(filter.status));
  }

  private async reportCounts(runIds: readonly number[], status: StatusFilter): Promise<number[]> {
    if (!runIds.length) return [];
    const rows = await this.em.execute<{ run_id: number; n: number }[]>(
      `select run_id, count(*)::int as n from report where run_id = any(?::int[]) ${status === 'ALL' ? '' : 'and status = ?'} group by run_id`,
      status === 'ALL' ? [intArray(runIds)] : [intArray(runIds), status],
    );
    const byRun = new Map(rows.map((r) => [r.run_id, r.n]));
    return runIds.map((id) => byRun.get(id) ?? 0);
  }

  /** The task results of each report in job order, one statement, in the order of `reportIds` ([] for an unknown one). */
  async taskResultsByReport(reportIds: readonly string[]): Promise<TaskLogRow[][]> {
    if (!reportIds.length) return [];
    const rows = await this.em.execute<Record<string, unknown>[]>(
      `select ${TASK_LOG_SELECT} from ${TASK_LOG_FROM} where r.report_id = any(?::text[]) order by r.id, t."order" asc, t.id`,
      [textArray(reportIds)],
    );
    return groupRows(
      reportIds,
      rows.map((r) => withDates<TaskLogRow>(r, TASK_LOG_DATES)),
      (r) => r.reportId,
    );
  }

  /** The step results (with their messages) of each task result, two statements, in the order of `taskResultIds`. */
  async stepResultsByTaskResult(taskResultIds: readonly number[]): Promise<StepLogRow[][]> {
    if (!taskResultIds.length) return [];
    const rows = await this.em.execute<Record<string, unknown>[]>(
      `select ${STEP_LOG_SELECT}, s.task_result_id as "__parent" from ${STEP_LOG_FROM} where s.task_result_id = any(?::int[]) order by s.task_result_id, ${STEP_LOG_ORDER}`,
      [intArray(taskResultIds)],
    );
    const parents = rows.map((r) => r.__parent as number);
    const items = rows.map(({ __parent, ...row }) => withDates<StepLogRow>(row, STEP_LOG_DATES));
    await this.attachMessages(items);
    const byParent = groupRows(
      taskResultIds,
      items.map((row, i) => ({ row, parent: parents[i] })),
      (x) => x.parent,
    );
    return byParent.map((list) => list.map((x) => x.row));
  }

  /**
   * Every client with the status of its latest finished report since `startAt`
   * (`GET /v1/logs/clients/overview`); a client with none is NOT_EXECUTE. `status` filters on it.
   */
  async clientOverview(filter: LogFilter = {}, page: PageRequest = {}): Promise<Page<ClientOverviewRow>> {
    const status = checkStatus(filter.status);
    if (status !== 'ALL' && !['SUCCESS', 'FAILED', 'NOT_EXECUTE'].includes(status))
      throw errors.invalid('status', 'ALL, SUCCESS, FAILED or NOT_EXECUTE', status);
    const startAt = checkMs('startAt', filter.startAt);
    const latest = `left join lateral (
        select r.status, r.report_id, jr.job_id, jr.job_name, coalesce(r.started_at, jr.started_at) as started_at, r.ended_at
        from report r join job_run jr on jr.id = r.run_id
        where r.client_id = c.id and r.status in ('SUCCESS', 'FAILED', 'NOT_EXECUTE') ${startAt ? 'and jr.started_at >= ?' : ''}
        order by jr.started_at desc, r.id desc limit 1) lr on true`;
    const w = new Where();
    if (startAt) w.params.push(startAt);
    if (status !== 'ALL') w.add(`coalesce(lr.status, 'NOT_EXECUTE') = ?`, status);
    return this.page<ClientOverviewRow>(
      `c.id as "clientId", c.mqtt_client_id as "mqttClientId", c.username, c.ip, c.role, c.enable,
       coalesce(lr.status, 'NOT_EXECUTE') as status, lr.report_id as "reportId", lr.job_id as "jobId", lr.job_name as "jobName",
       ${ms('lr.started_at')} as "startTime", ${ms('lr.ended_at')} as "endTime"`,
      `client c ${latest}`,
      w,
      'c.id asc',
      page,
      ['startTime', 'endTime'],
    );
  }

  /** Every task execution, newest first (`GET /v1/tasks/histories`). */
  async taskHistories(
    filter: { mqttClientId?: string; clientId?: number; taskName?: string; taskNameContains?: string; taskId?: number; status?: string; startAt?: number } = {},
    page: PageRequest = {},
  ): Promise<Page<TaskHistoryRow>> {
    const w = new Where();
    if (filter.mqttClientId) w.add('c.mqtt_client_id = ?', filter.mqttClientId);
    const clientId = checkIdParam('clientId', filter.clientId);
    if (clientId) w.add('c.id = ?', clientId);
    if (filter.taskName) w.add('t.task_name = ?', filter.taskName);
    else if (filter.taskNameContains) w.add(`t.task_name ilike ('%' || ? || '%')`, escapeLike(filter.taskNameContains));
    const taskId = checkIdParam('taskId', filter.taskId);
    if (taskId) w.add('t.task_id = ?', taskId);
    const status = checkStatus(filter.status);
    if (status !== 'ALL') w.add('t.status = ?', status);
    const startAt = checkMs('startAt', filter.startAt);
    if (startAt) w.add('jr.started_at >= ?', startAt);
    const ts = 'coalesce(t.ended_at, t.started_at, r.created_at)';
    return this.page<TaskHistoryRow>(
      `t.id as "taskResultId", r.report_id as "reportId", jr.job_id as "jobId", jr.job_name as "jobName", t.task_id as "taskId", t.task_name as "taskName",
       c.id as "clientId", c.mqtt_client_id as "mqttClientId", k.enabled, t.script as "taskScript", t.priority, t.status, ${ms(ts)} as ts`,
      'task_result t join report r on r.id = t.report_id join job_run jr on jr.id = r.run_id join client c on c.id = r.client_id left join task k on k.id = t.task_id',
      w,
      `${ts} desc, t.id desc`,
      page,
      ['ts'],
    );
  }
}
