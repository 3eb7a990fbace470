import { CronExpressionParser } from 'cron-parser';
import { CYCLE_TYPES, type Job } from '../entities';
import { checkTimeZone, fireTimesBetween, nextFireTime, parseCron } from '../services/schedule';

/** The schedule fields the scheduler reads. */
export type ScheduledJob = Pick<Job, 'cycleType' | 'executionTime' | 'nextRunAt'>;

/** What to do with a job whose `nextRunAt` has come. */
export interface FirePlan {
  /** The fire time the run stands for (its `scheduledAt`). */
  scheduledAt: Date;
  /** The job's next `nextRunAt`: the first fire time after now, null for a not-repeating job. */
  next: Date | null;
  /** Fire times between `nextRunAt` and `scheduledAt` that are not run (the scheduler was not running). */
  missed: number;
}

/** Upper bound of the missed fire times counted for the log line. */
export const MAX_MISSED_COUNTED = 1000;

/** The latest fire time at or before `at`, or null. */
export function latestFireTime(expression: string, at: Date, tz: string): Date | null {
  const { normalized } = parseCron(expression);
  // prev() is strictly before currentDate: one millisecond later lets `at` itself match.
  const it = CronExpressionParser.parse(normalized, { tz: checkTimeZone(tz), currentDate: new Date(at.getTime() + 1) });
  try {
    return it.prev().toDate();
  } catch {
    return null;
  }
}

/**
 * Plans the fire of a due job (`nextRunAt <= now`).
 *
 * - Not repeating (cycleType 0): the run stands for `nextRunAt`, and there is no next time.
 * - Repeating (1-4): fire times missed while no scheduler ran collapse into ONE run, which
 *   stands for the latest of them (the one closest to now); the next time is the first fire
 *   time after now. The run's `scheduledAt` is chosen so that "the next fire time after
 *   `scheduledAt`" (what ExecutionService.createRun writes to `nextRunAt` for a SCHEDULE run)
 *   is exactly `next`: both writers agree, so a missed slot can never come due again.
 *
 * Throws AppError when the expression or the time zone is invalid.
 */
export function planFire(job: ScheduledJob, now: Date, tz: string): FirePlan {
  const due = job.nextRunAt!;
  const expression = job.executionTime!;
  if (job.cycleType === CYCLE_TYPES.ONCE) {
    parseCron(expression);
    return { scheduledAt: due, next: null, missed: 0 };
  }
  const latest = latestFireTime(expression, now, tz);
  // `due` is normally a fire time, so latest >= due; it is not when the expression or the
  // time zone changed under it, and then the run stands for `due` itself.
  const scheduledAt = latest && latest.getTime() > due.getTime() ? latest : due;
  const missed =
    scheduledAt.getTime() > due.getTime() ? fireTimesBetween(expression, due, new Date(scheduledAt.getTime() - 1), tz, MAX_MISSED_COUNTED).length : 0;
  return { scheduledAt, next: nextFireTime(expression, now, tz), missed };
}

/**
 * The `nextRunAt` of a due job that is NOT fired because the scheduler switch is off: the
 * first fire time after now, also for a not-repeating job (it has not run yet, so it stays
 * pending for its next match).
 */
export function planSkip(job: ScheduledJob, now: Date, tz: string): Date | null {
  return nextFireTime(job.executionTime!, now, tz);
}
