import { CYCLE_TYPES, Job, type ExecutionStatus } from '../entities';
import { errors } from './errors';
import { intArray } from './filters';
import { fireTimesBetween, managementTimeZone, MAX_FIRE_TIMES } from './schedule';
import type { ServiceContext } from './service-context';
import { SettingsService } from './settings.service';
import { reach } from './targeting';

/** `GET /v1/dashboard/reports`. Client counts are over all clients; job counts are runs by status. */
export interface ReportsAggregate {
  clients: number;
  groups: number;
  jobs: number;
  tasks: number;
  /** Clients connected now (enabled or not). */
  clientsOnline: number;
  clientsOffline: number;
  clientsDisabled: number;
  /** Runs that ended FAILED / SUCCESS / NOT_EXECUTE (since `startAt` when given). */
  jobFailed: number;
  jobSuccess: number;
  jobNotExecuted: number;
}

/** `GET /v1/dashboard/info`. */
export interface BasicInfo {
  clients: number;
  tasks: number;
  jobs: number;
  groups: number;
  /** Task executions recorded (task results). */
  tasksHistory: number;
  /** Client executions (reports) that ended FAILED in the last ALERT_WINDOW_MS. */
  alerts: number;
}

export interface OnlinePoint {
  /** Start of the bucket. */
  time: Date;
  clientCount: number;
}

/** One entry of the job calendar (`GET /v1/dashboard/scheduledJobs`). */
export interface CalendarEntry {
  jobId: number;
  jobName: string;
  /** The run, for past entries; null for UPCOMING ones. */
  runId: number | null;
  /** The planned start (the fire time). */
  startAt: Date;
  /** startAt + the job's duration. */
  endAt: Date;
  result: 'SUCCESS' | 'FAILED' | 'RUNNING' | 'UPCOMING';
  /** Reports of the run; for UPCOMING the enabled clients the job reaches now. */
  clients: number;
  actualStartAt: Date | null;
  actualEndAt: Date | null;
}

export const ALERT_WINDOW_MS = 24 * 3600 * 1000;
export const DEFAULT_CHART_WINDOW_MS = 24 * 3600 * 1000;
export const DEFAULT_CHART_INTERVAL_MS = 3600 * 1000;
export const MAX_CHART_POINTS = 2000;
/** The longest calendar window, days. */
export const MAX_CALENDAR_DAYS = 400;
/**
 * The most entries one calendar answers: a window holding more (a job firing every minute over
 * months) is refused naming `end`, after reading or computing at most one entry more, so the
 * work of a request is bounded whatever the window and the number of jobs.
 */
export const MAX_CALENDAR_ENTRIES = 5000;

const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;

function checkMs(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw errors.invalid(field, 'epoch milliseconds', value);
  return value;
}

/** A past run's status as the calendar names it. */
function calendarResult(status: ExecutionStatus): CalendarEntry['result'] {
  if (status === 'SUCCESS') return 'SUCCESS';
  if (status === 'FAILED' || status === 'NOT_EXECUTE') return 'FAILED';
  return 'RUNNING';
}

/** Numbers and charts for the dashboards. */
export class DashboardService {
  constructor(private readonly ctx: ServiceContext) {}

  private get em() {
    return this.ctx.em;
  }

  async reports({ startAt }: { startAt?: number } = {}): Promise<ReportsAggregate> {
    const since = checkMs('startAt', startAt);
    const runs = (status: string) => `(select count(*)::int from job_run where status = '${status}'${since === undefined ? '' : ' and started_at >= ?'})`;
    const params = since === undefined ? [] : [new Date(since), new Date(since), new Date(since)];
    const [row] = await this.em.execute<ReportsAggregate[]>(
      `select (select count(*)::int from client) as clients, (select count(*)::int from client_group) as groups,
              (select count(*)::int from job) as jobs, (select count(*)::int from task) as tasks,
              (select count(*)::int from client where status = 'ONLINE') as "clientsOnline",
              (select count(*)::int from client where status = 'OFFLINE') as "clientsOffline",
              (select count(*)::int from client where not enable) as "clientsDisabled",
              ${runs('FAILED')} as "jobFailed", ${runs('SUCCESS')} as "jobSuccess", ${runs('NOT_EXECUTE')} as "jobNotExecuted"`,
      params,
    );
    return row;
  }

  async basicInfo(): Promise<BasicInfo> {
    const [row] = await this.em.execute<BasicInfo[]>(
      `select (select count(*)::int from client) as clients, (select count(*)::int from task) as tasks,
              (select count(*)::int from job) as jobs, (select count(*)::int from client_group) as groups,
              (select count(*)::int from task_result) as "tasksHistory",
              (select count(*)::int from report where status = 'FAILED' and coalesce(ended_at, created_at) >= ?) as alerts`,
      [new Date(this.ctx.clock.now().getTime() - ALERT_WINDOW_MS)],
    );
    return row;
  }

  /** `GET /v1/dashboard/logs/count`: client logs (reports) and job logs (runs), since `startAt` when given. */
  async logsCount({ startAt }: { startAt?: number } = {}): Promise<{ clients: number; jobs: number }> {
    const since = checkMs('startAt', startAt);
    const cond = since === undefined ? '' : 'where jr.started_at >= ?';
    const [row] = await this.em.execute<{ clients: number; jobs: number }[]>(
      `select (select count(*)::int from report r join job_run jr on jr.id = r.run_id ${cond}) as clients,
              (select count(*)::int from job_run jr ${cond}) as jobs`,
      since === undefined ? [] : [new Date(since), new Date(since)],
    );
    return row;
  }

  /**
   * How many points `onlineClients` answers for these arguments (at most MAX_CHART_POINTS):
   * what the GraphQL cost estimate counts for the chart.
   */
  static chartPoints({ startTime, endTime, interval }: { startTime?: number; endTime?: number; interval?: number }, now: number): number {
    const end = endTime ?? now;
    const start = startTime ?? end - DEFAULT_CHART_WINDOW_MS;
    return Math.min(MAX_CHART_POINTS, Math.max(1, Math.ceil((end - start) / Math.max(1000, interval ?? DEFAULT_CHART_INTERVAL_MS))));
  }

  /**
   * The online-clients chart: buckets of `interval` ms from `startTime` to `endTime` (defaults:
   * the last 24 h in 1 h buckets). A bucket holds the peak of the samples in it; a bucket without
   * samples repeats the last known count (0 before the first sample).
   */
  async onlineClients({ startTime, endTime, interval }: { startTime?: number; endTime?: number; interval?: number } = {}): Promise<OnlinePoint[]> {
    const end = checkMs('endTime', endTime) ?? this.ctx.clock.now().getTime();
    const start = checkMs('startTime', startTime) ?? end - DEFAULT_CHART_WINDOW_MS;
    const step = interval ?? DEFAULT_CHART_INTERVAL_MS;
    if (!Number.isInteger(step) || step < 1000) throw errors.invalid('interval', 'an integer number of milliseconds from 1000', interval);
    if (end <= start) throw errors.invalid('endTime', `a time after startTime (${start})`, end);
    const buckets = Math.ceil((end - start) / step);
    if (buckets > MAX_CHART_POINTS)
      throw errors.invalid('interval', `at least ${Math.ceil((end - start) / MAX_CHART_POINTS)} ms for this range (at most ${MAX_CHART_POINTS} points)`, step);
    const [rows, before] = await Promise.all([
      this.em.execute<{ b: number; peak: number; last: number }[]>(
        `select floor((${ms('time')} - ?) / ?)::int as b, max(count)::int as peak, (array_agg(count order by time desc))[1]::int as last
         from online_sample where time >= ? and time < ? group by 1`,
        [start, step, new Date(start), new Date(end)],
      ),
      this.em.execute<{ count: number }[]>('select count from online_sample where time < ? order by time desc limit 1', [new Date(start)]),
    ]);
    const byBucket = new Map(rows.map((r) => [r.b, r]));
    let carry = before[0]?.count ?? 0;
    const points: OnlinePoint[] = [];
    for (let b = 0; b < buckets; b++) {
      const r = byBucket.get(b);
      points.push({ time: new Date(start + b * step), clientCount: r ? r.peak : carry });
      if (r) carry = r.last;
    }
    return points;
  }

  /**
   * The job calendar between `start` and `end` (epoch ms): past runs planned in the window
   * (SUCCESS, FAILED — NOT_EXECUTE shows as FAILED —, RUNNING — PENDING shows as RUNNING —) and
   * the fire times still to come after `now` (UPCOMING), from each enabled job's schedule in the
   * management server's time zone (or `timeZone`). No UPCOMING entries while the scheduler switch
   * (job settings `enable`) is off. At most MAX_FIRE_TIMES upcoming entries per job and
   * MAX_CALENDAR_ENTRIES in all (more is refused, naming `end`).
   */
  async scheduledJobs({ start, end, now, timeZone }: { start: number; end: number; now?: number; timeZone?: string }): Promise<CalendarEntry[]> {
    const from = checkMs('start', start);
    const to = checkMs('end', end);
    if (from === undefined) throw errors.invalid('start', 'epoch milliseconds');
    if (to === undefined) throw errors.invalid('end', 'epoch milliseconds');
    if (to < from) throw errors.invalid('end', `a time at or after start (${from})`, to);
    if (to - from > MAX_CALENDAR_DAYS * 24 * 3600 * 1000) throw errors.invalid('end', `at most ${MAX_CALENDAR_DAYS} days after start`, to);
    const current = checkMs('now', now) ?? this.ctx.clock.now().getTime();
    const past = await this.em.execute<Record<string, unknown>[]>(
      `select r.id, r.job_id, r.job_name, r.status, ${ms('r.scheduled_at')} as scheduled_at, ${ms('r.started_at')} as started_at,
              ${ms('r.deadline_at')} as deadline_at, ${ms('r.ended_at')} as ended_at, (select count(*)::int from report x where x.run_id = r.id) as clients
       from job_run r where r.scheduled_at >= ? and r.scheduled_at <= ? order by r.scheduled_at, r.id limit ?`,
      [new Date(from), new Date(to), MAX_CALENDAR_ENTRIES + 1],
    );
    const tooMany = () => errors.invalid('end', `a window with at most ${MAX_CALENDAR_ENTRIES} runs and fire times after start (${from})`, to);
    if (past.length > MAX_CALENDAR_ENTRIES) throw tooMany();
    const entries: CalendarEntry[] = past.map((r) => {
      const scheduled = r.scheduled_at as number;
      return {
        jobId: r.job_id as number,
        jobName: r.job_name as string,
        runId: r.id as number,
        startAt: new Date(scheduled),
        endAt: new Date(scheduled + ((r.deadline_at as number) - (r.started_at as number))),
        result: calendarResult(r.status as ExecutionStatus),
        clients: r.clients as number,
        actualStartAt: new Date(r.started_at as number),
        actualEndAt: r.ended_at === null ? null : new Date(r.ended_at as number),
      };
    });
    const upcomingFrom = Math.max(from, current + 1);
    if (upcomingFrom <= to && (await new SettingsService(this.ctx).get('job')).enable) {
      const jobs = await this.em.find(Job, { enabled: true, executionTime: { $ne: null } }, { orderBy: { id: 'asc' } });
      const tz = timeZone ?? (await managementTimeZone(this.ctx));
      const clients = await this.enabledTargetCounts(jobs.map((j) => j.id));
      for (const job of jobs) {
        const fires =
          job.cycleType === CYCLE_TYPES.ONCE
            ? job.nextRunAt && job.nextRunAt.getTime() >= upcomingFrom && job.nextRunAt.getTime() <= to
              ? [job.nextRunAt]
              : []
            : fireTimesBetween(
                job.executionTime!,
                new Date(upcomingFrom),
                new Date(to),
                tz,
                Math.min(MAX_FIRE_TIMES, MAX_CALENDAR_ENTRIES + 1 - entries.length),
              );
        if (entries.length + fires.length > MAX_CALENDAR_ENTRIES) throw tooMany();
        for (const at of fires) {
          entries.push({
            jobId: job.id,
            jobName: job.name,
            runId: null,
            startAt: at,
            endAt: new Date(at.getTime() + job.duration * 1000),
            result: 'UPCOMING',
            clients: clients.get(job.id) ?? 0,
            actualStartAt: null,
            actualEndAt: null,
          });
        }
      }
    }
    return entries.sort((a, b) => a.startAt.getTime() - b.startAt.getTime() || a.jobId - b.jobId);
  }

  /** Enabled clients each job reaches now, in one grouped statement. */
  private async enabledTargetCounts(jobIds: number[]): Promise<Map<number, number>> {
    if (!jobIds.length) return new Map();
    const rows = await this.em.execute<{ id: number; n: number }[]>(
      `select t.job_id as id, count(*)::int as n from (${reach({ select: 'pair', job: '= any(?::int[])' })}) t join client c on c.id = t.client_id where c.enable group by t.job_id`,
      [intArray(jobIds), intArray(jobIds)],
    );
    return new Map(rows.map((r) => [r.id, r.n]));
  }
}
