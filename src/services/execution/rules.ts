import { FINAL_STATUSES, type ExecutionStatus } from '../../entities';

/**
 * The execution state machine's rules, as pure functions over data (docs/execution.md). The SQL of
 * this module applies them; nothing outside it decides a status of a run, report, task result or
 * step result.
 *
 * Every record moves PENDING → RUNNING → a final status (SUCCESS, FAILED, NOT_EXECUTE), never
 * back, except a FAILED report reset for its next attempt (retry bookkeeping, lifecycle.ts).
 */

/** SQL list of the final statuses, for conditions that must never move them back. */
export const FINAL_SQL = `(${FINAL_STATUSES.map((s) => `'${s}'`).join(', ')})`;

export const isFinal = (status: string): boolean => (FINAL_STATUSES as readonly string[]).includes(status);

/**
 * A new run is RUNNING; one with no enabled task or no enabled target client (a scheduled fire
 * with nothing to do; a manual run is refused instead) is NOT_EXECUTE at once, with no reports.
 */
export function initialRunStatus(tasks: number, clients: number): ExecutionStatus {
  return tasks && clients ? 'RUNNING' : 'NOT_EXECUTE';
}

/**
 * A run's status once all its reports are final (and none waits for a retry): SUCCESS when every
 * report succeeded, NOT_EXECUTE when none ran anywhere, FAILED otherwise (a client failed, or some
 * never ran it: the job did not reach all its targets).
 */
export function runStatusOf(reports: readonly ExecutionStatus[]): ExecutionStatus {
  if (reports.every((s) => s === 'SUCCESS')) return 'SUCCESS';
  if (reports.every((s) => s === 'NOT_EXECUTE')) return 'NOT_EXECUTE';
  return 'FAILED';
}

/**
 * When a failed report is due for its next attempt: `retryWait` seconds from now (the gateway's
 * clock, so an agent's clock cannot move it), if attempts are left and that is still within the
 * run's duration; otherwise null, and the failure is final.
 */
export function retryAt(row: { attempt: number; maxRetries: number; retryWait: number; deadlineAt: Date }, now: Date): string | null {
  if (row.attempt >= row.maxRetries) return null;
  const at = now.getTime() + row.retryWait * 1000;
  return at < row.deadlineAt.getTime() ? new Date(at).toISOString() : null;
}

/** Why the agents are told to cancel the reports of a run past its duration. */
export const DEADLINE_CANCEL_REASON = "the job run's duration ended";

/**
 * What the deadline does to a report still open: one that runs ends FAILED, one that never started
 * (client offline, disabled or busy, or a queued report the agent was told to cancel) NOT_EXECUTE.
 */
export function deadlineOutcome(status: string, deadline: Date): { status: ExecutionStatus; message: string } {
  const at = deadline.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return status === 'RUNNING'
    ? { status: 'FAILED', message: `timed out: still running when the run's duration ended at ${at}` }
    : { status: 'NOT_EXECUTE', message: `not executed: the client had not started when the run's duration ended at ${at} (offline, disabled or busy)` };
}

/** The line a failed attempt leaves in its report's message when the next one starts. */
export function retryLine(attempt: number, maxRetries: number, failedSteps: { type: string; stepId: number; last: string | null }[], now: Date): string {
  const failed = failedSteps.map((s) => `${s.type} step ${s.stepId}${s.last ? `: ${s.last.slice(0, 300)}` : ''}`);
  const n = attempt + 1;
  return `attempt ${n} of ${maxRetries + 1} failed${failed.length ? ` (${failed.join('; ')})` : ''}; attempt ${n + 1} at ${now.toISOString()}`;
}

/**
 * Children a report leaves open when it reaches a final state (by any path: the agent's
 * `report.finished`, the deadline, a cancel, an attempt given up) are closed by the gateway:
 * a RUNNING task or step result ends FAILED, a PENDING task result (never started) NOT_EXECUTE,
 * each at the report's end time. The notes say why: the step's as its last message, a task's
 * (task results have no message of their own) as a line of the report's message.
 */
export const CHILD_CLOSING = { RUNNING: 'FAILED', PENDING: 'NOT_EXECUTE' } as const satisfies Record<string, ExecutionStatus>;

/** The statuses CHILD_CLOSING closes, as an SQL list. */
export const OPEN_CHILD_SQL = `(${Object.keys(CHILD_CLOSING)
  .map((s) => `'${s}'`)
  .join(', ')})`;

/** CHILD_CLOSING as an SQL expression over a task result's status column. */
export const childClosingSql = (column: string): string =>
  `case ${Object.entries(CHILD_CLOSING)
    .map(([from, to]) => `when ${column} = '${from}' then '${to}'`)
    .join(' ')} end`;

/** The step message of a step result the gateway closed. */
export function stepClosingNote(reportStatus: string, reason: string | null): string {
  const why = reason ? `: ${firstLine(reason)}` : '';
  return `closed FAILED by the gateway: the report ended ${reportStatus} before this step finished${why}`;
}

/** The report-message line of a RUNNING task result the gateway closed. */
export function taskClosingLine(taskId: number): string {
  return `task ${taskId}: closed FAILED by the gateway (the report ended before the task finished)`;
}

const firstLine = (s: string) => {
  const i = s.indexOf('\n');
  return (i < 0 ? s : s.slice(0, i)).slice(0, 500);
};
