import { JobTask } from '../entities';
import { f } from './schemas/fields';
import { parseInput } from './schemas/parse';
import { JobService } from './job.service';
import { managementTimeZone } from './schedule';
import type { ServiceContext } from './service-context';
import { CLIENTS_OF_JOB_SQL } from './targeting';

/** Client ids of one category, ascending (the doors load as many of the clients as they show). */
export type DryRunTargets = number[];

export interface JobDryRun {
  jobId: number;
  jobName: string;
  enabled: boolean;
  /** Enabled tasks bound to the job: what each reached client would run. */
  enabledTasks: number;
  /** Enabled target clients connected now: a run starts on them at once. */
  online: DryRunTargets;
  /** Enabled target clients not connected now. */
  offline: DryRunTargets;
  /** Disabled target clients: every run skips them. */
  disabled: DryRunTargets;
  /** The next fire times in the management time zone ([] for a job run only when asked). */
  nextFireTimes: Date[];
  /** The management time zone (general settings) the fire times follow: how to show them. */
  timeZone: string;
  /** Whether "run now" would be accepted; when not, `blockers` says why (the same reasons runJob gives). */
  runnable: boolean;
  blockers: string[];
}

/**
 * What a job would do if it ran now, without running it: the same target and task rules as
 * ExecutionService.start (enabled tasks; direct and group clients, disabled ones skipped), read
 * in a few statements and changing nothing.
 */
export class JobDryRunService {
  constructor(private readonly ctx: ServiceContext) {}

  async dryRun(jobId: number, { fireTimes = 5 }: { fireTimes?: number } = {}): Promise<JobDryRun> {
    parseInput(f.int(0, 100), fireTimes, 'fireTimes');
    const jobs = new JobService(this.ctx);
    const job = await jobs.get(jobId);
    const em = this.ctx.em;
    const rows = await em.execute<{ id: number; enable: boolean; status: string }[]>(
      `select c.id, c.enable, c.status from (${CLIENTS_OF_JOB_SQL}) t join client c on c.id = t.client_id order by c.id`,
      [jobId, jobId],
    );
    const ids = { online: [] as number[], offline: [] as number[], disabled: [] as number[] };
    for (const r of rows) ids[!r.enable ? 'disabled' : r.status === 'ONLINE' ? 'online' : 'offline'].push(r.id);
    const enabledTasks = await em.count(JobTask, { job: jobId, task: { enabled: true } });
    const nextFireTimes = fireTimes ? await jobs.upcoming(jobId, fireTimes) : [];
    const blockers: string[] = [];
    if (!job.enabled) blockers.push(`job ${jobId} is disabled: enable it before running it`);
    if (!enabledTasks) blockers.push(`job ${jobId} has no enabled task: bind or enable a task first`);
    if (!ids.online.length && !ids.offline.length) blockers.push(`job ${jobId} reaches no enabled client: bind a client or a group with enabled clients first`);
    return {
      jobId,
      jobName: job.name,
      enabled: job.enabled,
      enabledTasks,
      ...ids,
      nextFireTimes,
      timeZone: await managementTimeZone(this.ctx),
      runnable: blockers.length === 0,
      blockers,
    };
  }
}
