import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { CYCLE_TYPES, type Job } from '../entities';
import { AppError, errors } from './errors';
import type { ServiceContext } from './service-context';
import { SettingsService } from './settings.service';

/**
 * Job schedules: `executionTime` is a cron expression of five fields
 * (minute hour day-of-month month day-of-week), read in the management server's time zone.
 * The original dashboard wrote a sixth field that is always `?`; it is accepted and ignored.
 * `?` in day-of-month or day-of-week means "any", `L` in day-of-month the last day of the month.
 */
export const CRON_FORM = 'cron: minute hour day-of-month month day-of-week';

/** The time zone used when general settings name one this runtime does not know. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** Upper bound of fire times one call lists for one job (calendar views). */
export const MAX_FIRE_TIMES = 1000;

const FIELDS = [
  { name: 'minute', range: '0-59' },
  { name: 'hour', range: '0-23' },
  { name: 'day-of-month', range: '1-31 or L' },
  { name: 'month', range: '1-12 or JAN-DEC' },
  { name: 'day-of-week', range: '0-7 or SUN-SAT (0 and 7 are Sunday)' },
] as const;

/** A parsed, checked schedule expression. */
export interface CronSchedule {
  /** The expression as the operator wrote it (trimmed). */
  source: string;
  /** The five fields cron-parser reads. */
  normalized: string;
}

function fail(expression: string, detail: string): AppError {
  return new AppError('INVALID_INPUT', `executionTime "${expression}": ${detail} (${CRON_FORM})`, 'executionTime');
}

function tryParse(expression: string, tz = DEFAULT_TIME_ZONE): CronExpression {
  // cron-parser reads six fields as seconds-first; we always hand it exactly five.
  return CronExpressionParser.parse(expression, { tz, currentDate: new Date(0) });
}

/**
 * Checks an expression and returns its normalized form. Errors name the field at fault,
 * e.g. `executionTime "0 25 * * *": hour must be 0-23 (cron: minute hour day-of-month month day-of-week)`.
 */
export function parseCron(expression: string): CronSchedule {
  const source = String(expression ?? '').trim();
  if (!source) throw fail(source, 'an expression is required');
  let parts = source.split(/\s+/);
  if (parts.length === 6) {
    if (parts[5] !== '?') throw fail(source, `6 fields are accepted only when the sixth is "?" (got "${parts[5]}"); seconds are not supported`);
    parts = parts.slice(0, 5);
  }
  if (parts.length !== 5) throw fail(source, `expected 5 fields, got ${parts.length}`);
  if (parts[0] === '?' || parts[1] === '?' || parts[3] === '?') {
    const at = parts[0] === '?' ? 0 : parts[1] === '?' ? 1 : 3;
    throw fail(source, `"?" is allowed only in day-of-month or day-of-week, not in ${FIELDS[at].name}`);
  }
  if (parts[2].includes('L') && parts[2] !== 'L') throw fail(source, `day-of-month takes "L" alone (the last day of the month), got "${parts[2]}"`);
  // Check field by field so the message can name the one at fault.
  for (let i = 0; i < 5; i++) {
    const probe = FIELDS.map((_, j) => (j === i ? parts[i] : '*'));
    try {
      tryParse(probe.join(' '));
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const range = /got value (\S+) expected range/.exec(reason);
      const detail = range
        ? `${FIELDS[i].name} must be ${FIELDS[i].range}, got ${range[1]}`
        : `${FIELDS[i].name} "${parts[i]}" is not valid (${FIELDS[i].range})`;
      throw fail(source, detail);
    }
  }
  const normalized = parts.map((p) => (p === '?' ? '*' : p)).join(' ');
  try {
    tryParse(normalized);
  } catch (err) {
    // e.g. "0 0 31 2 *": every field is valid but the date never comes.
    throw fail(source, `the fields never match a date together (${err instanceof Error ? err.message : String(err)})`);
  }
  return { source, normalized };
}

/** Throws unless `tz` is an IANA time zone name this runtime knows. */
export function checkTimeZone(tz: string, field = 'managementServerTimeZone'): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw errors.invalid(field, 'an IANA time zone such as "UTC" or "Asia/Shanghai"', tz);
  }
  return tz;
}

/** The first fire time strictly after `after`, or null when there is none. */
export function nextFireTime(expression: string, after: Date, tz: string = DEFAULT_TIME_ZONE): Date | null {
  const { normalized } = parseCron(expression);
  const it = CronExpressionParser.parse(normalized, { tz: checkTimeZone(tz), currentDate: after });
  try {
    return it.next().toDate();
  } catch {
    return null;
  }
}

/**
 * Fire times in `[from, to]` (both ends included), at most `limit`.
 * Calendar views use it; the scheduler uses nextFireTime.
 */
export function fireTimesBetween(expression: string, from: Date, to: Date, tz: string = DEFAULT_TIME_ZONE, limit = MAX_FIRE_TIMES): Date[] {
  const { normalized } = parseCron(expression);
  if (to.getTime() < from.getTime()) return [];
  // currentDate is exclusive: start one millisecond early so `from` itself can match.
  const it = CronExpressionParser.parse(normalized, {
    tz: checkTimeZone(tz),
    currentDate: new Date(from.getTime() - 1),
    endDate: new Date(to.getTime() + 1),
  });
  const out: Date[] = [];
  while (out.length < limit && it.hasNext()) {
    const at = it.next().toDate();
    if (at.getTime() > to.getTime()) break;
    out.push(at);
  }
  return out;
}

/** What a schedule needs to list its fire times. */
export type ScheduledJob = { executionTime: string; cycleType: number };

/** Fire times of a schedule that is not saved yet, in the time zone they were computed in. */
export interface SchedulePreview {
  timeZone: string;
  fireTimes: Date[];
}

/**
 * Up to `count` fire times of a schedule starting at its first one (`first`, from nextRunOf): a
 * not-repeating job (cycleType 0) fires only then; a repeating one within the year after it.
 */
export function fireTimesFrom(job: ScheduledJob, first: Date, tz: string, count: number, until?: Date): Date[] {
  if (job.cycleType === CYCLE_TYPES.ONCE) return [first];
  const end = until ?? new Date(first.getTime() + 366 * 24 * 3600 * 1000);
  return fireTimesBetween(job.executionTime, first, end, tz, count);
}

/**
 * When the scheduler should fire a job next, counted from `after`:
 * null when the job is disabled or has no schedule; for a not-repeating job (cycleType 0) the
 * first match after `after` (the job runs once: after that run the caller passes `ranOnce`).
 */
export function nextRunOf(job: Pick<Job, 'enabled' | 'executionTime' | 'cycleType'>, after: Date, tz: string, ranOnce = false): Date | null {
  if (!job.enabled || !job.executionTime) return null;
  if (job.cycleType === CYCLE_TYPES.ONCE && ranOnce) return null;
  return nextFireTime(job.executionTime, after, tz);
}

/**
 * The management server's time zone from general settings (`managementServerTimeZone`),
 * DEFAULT_TIME_ZONE when it is unknown to this runtime.
 */
export async function managementTimeZone(ctx: ServiceContext): Promise<string> {
  const { managementServerTimeZone: tz } = await new SettingsService(ctx).get('general');
  try {
    return checkTimeZone(tz);
  } catch {
    return DEFAULT_TIME_ZONE;
  }
}
