import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Job } from '../entities';
import type { LivePubSub } from '../live/pubsub';
import type { Clock } from '../runtime/clock';
import type { Logger } from '../runtime/logger';
import { repeatAfterEach, unrefSetTimer, type SetTimer } from '../runtime/timers';
import { ExecutionService } from '../services/execution.service';
import { managementTimeZone, nextFireTime } from '../services/schedule';
import type { RunDispatcher, ServiceContext } from '../services/service-context';
import { SettingsService } from '../services/settings.service';
import { planFire, planSkip } from './fire-plan';

/** The part of the execution lifecycle (src/services/execution/lifecycle.ts) the scheduler drives. */
export interface SweepingLifecycle {
  /** Retries failed reports whose retryWait is over and ends what ran past its deadline. */
  sweep(): Promise<void>;
}

export interface SchedulerOptions {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  /** Called at the end of every tick. */
  lifecycle?: SweepingLifecycle;
  /** Passed to the runs the scheduler creates, so they are dispatched. */
  dispatcher?: RunDispatcher;
  /** Passed to the runs the scheduler creates, so subscribers see them. */
  pubsub?: LivePubSub;
  /** Pause between the end of one tick and the start of the next. */
  tickMs?: number;
  setTimer?: SetTimer;
}

export interface Scheduler {
  /** Ticks every `tickMs` until stopped; the first tick comes `tickMs` after start. */
  start(): void;
  /** Stops ticking and waits for a tick in progress to end. */
  stop(): Promise<void>;
  /** One pass: fire the due jobs, then sweep. Calls never overlap; a call during a tick waits for it and runs after it. */
  tick(): Promise<void>;
}

/**
 * The job scheduler (DOMAIN.md "Schedules"; decisions in docs/scheduler.md).
 *
 * Every tick, when the job settings' scheduler switch (`enable`) is on, it fires each enabled
 * job with an `executionTime` whose `nextRunAt` has come, highest `priority` first, as a
 * SCHEDULE run; then it calls `lifecycle.sweep()`.
 *
 * A fire time is claimed by the run's creation, in its transaction, with one conditional
 * statement (`update job set next_run_at = <next> where id = <id> and next_run_at = <due>`): of
 * several schedulers on one database (several gateways), exactly one wins each fire time, and
 * `nextRunAt` is written once per fire. A creation that fails rolls its claim back: the next tick
 * tries again (still at most one run per fire time).
 *
 * `nextRunAt` itself is set by JobService when a job is created, enabled or its schedule edited;
 * the scheduler only moves it forward once it has come.
 */
export function createScheduler({
  orm,
  clock,
  logger: baseLogger,
  lifecycle,
  dispatcher,
  pubsub,
  tickMs = 1000,
  setTimer = unrefSetTimer,
}: SchedulerOptions): Scheduler {
  const logger = baseLogger.child({ part: 'scheduler' });
  let current: Promise<void> = Promise.resolve();
  let stopTicking: (() => void) | undefined;
  let lastTimeZone: string | undefined;
  let lastSwitch: boolean | undefined;

  const fork = () => orm.em.fork({ useContext: true }) as EntityManager;
  const context = (em: EntityManager): ServiceContext => ({ em, clock, pubsub, dispatcher });

  /** Moves `nextRunAt` from `due` to `next` unless someone else did first; true when this call won. */
  async function claim(em: EntityManager, jobId: number, due: Date, next: Date | null): Promise<boolean> {
    const rows = await em.execute<{ id: number }[]>('update job set next_run_at = ? where id = ? and enabled and next_run_at = ? returning id', [
      next,
      jobId,
      due,
    ]);
    return rows.length === 1;
  }

  async function fire(job: Job, now: Date, tz: string): Promise<void> {
    const due = job.nextRunAt!;
    const em = fork();
    let plan;
    try {
      plan = planFire(job, now, tz);
    } catch (err) {
      // An expression that no longer parses would come due every tick: park the job.
      if (await claim(em, job.id, due, null)) {
        logger.error({ err, jobId: job.id, executionTime: job.executionTime }, `job ${job.id} cannot be scheduled: nextRunAt cleared; fix its executionTime`);
      }
      return;
    }
    // The run's creation claims the fire time: it moves `nextRunAt` from `due` (to `plan.next`,
    // the same time computed from `scheduledAt`) in its own transaction, or finds it moved.
    const run = await new ExecutionService(context(em)).fireScheduled(job.id, { due, scheduledAt: plan.scheduledAt });
    if (!run) {
      logger.debug({ jobId: job.id, due }, 'fire time taken by another scheduler');
      return;
    }
    if (plan.missed > 0) {
      logger.warn(
        { jobId: job.id, missed: plan.missed, firstMissed: due, scheduledAt: plan.scheduledAt },
        `job ${job.id}: ${plan.missed} fire time(s) passed while no scheduler ran; running once for the latest`,
      );
    }
    logger.info({ jobId: job.id, runId: run.id, scheduledAt: plan.scheduledAt, next: plan.next, status: run.status }, `job ${job.id} fired (run ${run.id})`);
  }

  async function skip(job: Job, now: Date, tz: string): Promise<void> {
    const due = job.nextRunAt!;
    let next: Date | null = null;
    try {
      next = planSkip(job, now, tz);
    } catch (err) {
      logger.error({ err, jobId: job.id }, `job ${job.id} cannot be scheduled: nextRunAt cleared; fix its executionTime`);
    }
    if (await claim(fork(), job.id, due, next)) {
      logger.info({ jobId: job.id, skipped: due, next }, `job ${job.id} not fired: the scheduler switch (job settings "enable") is off`);
    }
  }

  /**
   * The management server's time zone changed: pending fire times were computed in the old one.
   * Recompute the ones still in the future (due ones fire as they are).
   */
  async function rezone(now: Date, from: string, tz: string): Promise<void> {
    const em = fork();
    const jobs = await em.find(Job, { enabled: true, executionTime: { $ne: null }, nextRunAt: { $gt: now } });
    let moved = 0;
    for (const job of jobs) {
      try {
        if (await claim(em, job.id, job.nextRunAt!, nextFireTime(job.executionTime!, now, tz))) moved++;
      } catch (err) {
        logger.error({ err, jobId: job.id }, `job ${job.id}: cannot recompute nextRunAt in ${tz}`);
      }
    }
    logger.info({ from, to: tz, jobs: moved }, `managementServerTimeZone changed: next fire times recomputed in ${tz}`);
  }

  async function fireDue(): Promise<void> {
    const now = clock.now();
    const em = fork();
    const ctx = context(em);
    const { enable } = await new SettingsService(ctx).get('job');
    const tz = await managementTimeZone(ctx);
    if (lastTimeZone !== undefined && lastTimeZone !== tz) await rezone(now, lastTimeZone, tz);
    lastTimeZone = tz;
    if (lastSwitch !== enable)
      logger.info({ enable }, enable ? 'scheduler is on' : 'scheduler is off (job settings "enable"): due jobs are skipped, not fired');
    lastSwitch = enable;

    const due = await em.find(
      Job,
      { enabled: true, executionTime: { $ne: null }, nextRunAt: { $lte: now } },
      { orderBy: { priority: 'desc', nextRunAt: 'asc', id: 'asc' } },
    );
    for (const job of due) {
      try {
        await (enable ? fire(job, now, tz) : skip(job, now, tz));
      } catch (err) {
        logger.error({ err, jobId: job.id }, `job ${job.id}: scheduled run failed`);
      }
    }
  }

  async function runTick(): Promise<void> {
    try {
      await fireDue();
    } catch (err) {
      logger.error({ err }, 'scheduler tick failed');
    }
    if (!lifecycle) return;
    try {
      await lifecycle.sweep();
    } catch (err) {
      logger.error({ err }, 'execution sweep failed');
    }
  }

  function tick(): Promise<void> {
    current = current.then(runTick);
    return current;
  }

  return {
    start() {
      stopTicking ??= repeatAfterEach(setTimer, tickMs, tick);
    },
    async stop() {
      stopTicking?.();
      stopTicking = undefined;
      await current;
    },
    tick,
  };
}
