import type { EntityManager } from '@mikro-orm/postgresql';
import type { ExecutionProgressEvent, LivePubSub, StepMessageEvent } from '../../live/pubsub';
import { intArray } from '../filters';
import { queryBound } from './sql';

/**
 * The one place that builds the live progress of executions (the EXECUTION_PROGRESS events of
 * every level, RUN, REPORT, TASK, STEP, and the STEP_MESSAGE lines). Changes are gathered in an
 * outbox while their transaction runs and published once it has committed, so a subscriber never
 * sees a change that was rolled back.
 */

/** What a progress event needs to know about the report a row belongs to. */
export interface ReportKey {
  runId: number;
  jobId: number;
  reportId: string;
  clientId: number;
}

type Time = Date | string | number | null | undefined;
const time = (d: Time) => (d === null || d === undefined ? null : new Date(d).getTime());

/** A row of one level as the SQL returns it (snake_case times). */
export interface ProgressRow {
  status: string;
  started_at?: Time;
  ended_at?: Time;
}

/** The RUN-level event of a run. */
export function runEvent(run: { id: number; jobId: number; status: string; startedAt: Date; endedAt: Date | null }, at: Date): ExecutionProgressEvent {
  return {
    level: 'RUN',
    runId: run.id,
    jobId: run.jobId,
    status: run.status,
    startTime: run.startedAt.getTime(),
    endTime: run.endedAt?.getTime() ?? null,
    at: at.getTime(),
  };
}

/** The event of one report, task result (`taskId`) or step result (`taskId`, `stepId`). */
export function progressEvent(
  level: 'REPORT' | 'TASK' | 'STEP',
  report: ReportKey,
  row: ProgressRow & { taskId?: number; stepId?: number },
  at: Date,
): ExecutionProgressEvent {
  return {
    level,
    runId: report.runId,
    jobId: report.jobId,
    reportId: report.reportId,
    clientId: report.clientId,
    ...(row.taskId !== undefined ? { taskId: row.taskId } : {}),
    ...(row.stepId !== undefined ? { stepId: row.stepId } : {}),
    status: row.status,
    startTime: time(row.started_at),
    endTime: time(row.ended_at),
    at: at.getTime(),
  };
}

/** One line of a step result's messages, as subscribers see it. */
export function stepMessageEvent(report: ReportKey, m: { taskId: number; stepId: number; startTime: Time; endTime: Time; message: string }): StepMessageEvent {
  return { ...report, taskId: m.taskId, stepId: m.stepId, startTime: time(m.startTime)!, endTime: time(m.endTime)!, message: m.message };
}

/** The progress of one transaction, published after its commit. */
export interface ProgressOutbox {
  run(run: Parameters<typeof runEvent>[0]): void;
  report(key: ReportKey, row: ProgressRow): void;
  task(key: ReportKey, taskId: number, row: ProgressRow): void;
  step(key: ReportKey, taskId: number, stepId: number, row: ProgressRow): void;
  message(key: ReportKey, m: Parameters<typeof stepMessageEvent>[1]): void;
  /** How many events it holds (tests, logs). */
  size(): number;
  /** Progress first (in the order recorded), then step messages, then the runs that ended. */
  publish(pubsub: LivePubSub | undefined): void;
}

/** An outbox whose events are stamped `at` (the gateway's clock when the change was made). */
export function createProgressOutbox(at: Date): ProgressOutbox {
  const progress: ExecutionProgressEvent[] = [];
  const messages: StepMessageEvent[] = [];
  const runs: ExecutionProgressEvent[] = [];
  return {
    run: (run) => runs.push(runEvent(run, at)),
    report: (key, row) => progress.push(progressEvent('REPORT', key, row, at)),
    task: (key, taskId, row) => progress.push(progressEvent('TASK', key, { ...row, taskId }, at)),
    step: (key, taskId, stepId, row) => progress.push(progressEvent('STEP', key, { ...row, taskId, stepId }, at)),
    message: (key, m) => messages.push(stepMessageEvent(key, m)),
    size: () => progress.length + messages.length + runs.length,
    publish(pubsub) {
      if (!pubsub) return;
      for (const e of progress) pubsub.publish('EXECUTION_PROGRESS', e);
      for (const m of messages) pubsub.publish('STEP_MESSAGE', m);
      for (const e of runs) pubsub.publish('EXECUTION_PROGRESS', e);
    },
  };
}

/** Report keys of report rows (database ids), in one query. */
export async function reportKeys(em: EntityManager, reportRowIds: Iterable<number>): Promise<Map<number, ReportKey>> {
  const ids = [...new Set(reportRowIds)];
  if (!ids.length) return new Map();
  const rows = await queryBound<{ id: number; run_id: number; job_id: number; report_id: string; client_id: number }[]>(
    em,
    'select r.id, r.run_id, jr.job_id, r.report_id, r.client_id from report r join job_run jr on jr.id = r.run_id where r.id = any(?::int[])',
    [intArray(ids)],
  );
  return new Map(rows.map((r) => [r.id, { runId: r.run_id, jobId: r.job_id, reportId: r.report_id, clientId: r.client_id }]));
}
