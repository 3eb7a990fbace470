import type { EntityManager } from '@mikro-orm/postgresql';
import type { ExecutionStatus } from '../entities';
import type { ExecutionProgressEvent, LivePubSub } from '../live/pubsub';
import { queryBound } from './execution-progress.sql';
import { intArray } from './filters';

/** SQL list of the final statuses (FINAL_STATUSES), for conditions that must never move them back. */
export const FINAL_SQL = `('SUCCESS', 'FAILED', 'NOT_EXECUTE')`;

export interface CompletedRun {
  id: number;
  jobId: number;
  status: ExecutionStatus;
  startedAt: Date;
  endedAt: Date;
}

/**
 * Ends the runs among `runIds` whose reports are all final (and none waits for a retry).
 *
 * The run's status (a decision DOMAIN.md leaves open, see docs/execution.md):
 * - SUCCESS when every report is SUCCESS;
 * - NOT_EXECUTE when every report is NOT_EXECUTE (nothing ran anywhere);
 * - FAILED otherwise: a client failed, or some clients never ran it, so the job did not reach
 *   all its targets.
 * `endedAt` is when the last report ended (never before the run started).
 * Runs already ended are left alone, so calling it twice, or from two gateways, is harmless.
 */
export async function completeRuns(em: EntityManager, runIds: Iterable<number>, now: Date): Promise<CompletedRun[]> {
  const ids = [...new Set(runIds)];
  if (!ids.length) return [];
  // Lock the runs first: two transactions (two gateways) ending the last two reports of a run
  // would otherwise each miss the other's uncommitted report and leave the run open. The second
  // waits here, and its next statement sees the first one's commit.
  const locked = await queryBound<{ id: number }[]>(
    em,
    `select id from job_run where id = any(?::int[]) and status not in ${FINAL_SQL} order by id for update`,
    [intArray(ids)],
  );
  if (!locked.length) return [];
  // Cheap first: while a fan-out runs, most batches find an open report at once.
  const done = await queryBound<{ id: number }[]>(
    em,
    `select jr.id from job_run jr where jr.id = any(?::int[])
       and not exists (select 1 from report x where x.run_id = jr.id and (x.status not in ${FINAL_SQL} or x.retry_at is not null))`,
    [intArray(locked.map((r) => r.id))],
  );
  if (!done.length) return [];
  const rows = await queryBound<{ id: number; job_id: number; status: ExecutionStatus; started_at: Date; ended_at: Date }[]>(
    em,
    `update job_run jr set status = agg.status, ended_at = greatest(coalesce(agg.ended_at, ?), jr.started_at)
     from (
       select r.run_id,
         case when bool_and(r.status = 'SUCCESS') then 'SUCCESS' when bool_and(r.status = 'NOT_EXECUTE') then 'NOT_EXECUTE' else 'FAILED' end as status,
         max(r.ended_at) as ended_at
       from report r where r.run_id = any(?::int[]) group by r.run_id
       having bool_and(r.status in ${FINAL_SQL} and r.retry_at is null)
     ) agg
     where jr.id = agg.run_id and jr.status not in ${FINAL_SQL}
     returning jr.id, jr.job_id, jr.status, jr.started_at, jr.ended_at`,
    [now, intArray(done.map((r) => r.id))],
  );
  return rows.map((r) => ({ id: r.id, jobId: r.job_id, status: r.status, startedAt: new Date(r.started_at), endedAt: new Date(r.ended_at) }));
}

/** Publishes the RUN-level progress of ended runs. */
export function publishRunsEnded(pubsub: LivePubSub | undefined, runs: CompletedRun[], at: Date): void {
  for (const run of runs) {
    const event: ExecutionProgressEvent = {
      level: 'RUN',
      runId: run.id,
      jobId: run.jobId,
      status: run.status,
      startTime: run.startedAt.getTime(),
      endTime: run.endedAt.getTime(),
      at: at.getTime(),
    };
    pubsub?.publish('EXECUTION_PROGRESS', event);
  }
}

const time = (d: Date | string | null | undefined) => (d === null || d === undefined ? null : new Date(d).getTime());

/** What a progress event needs to know about the report a row belongs to. */
export interface ReportKey {
  runId: number;
  jobId: number;
  reportId: string;
  clientId: number;
}

/** A progress event of one level of one report. */
export function progressEvent(
  level: 'REPORT' | 'TASK' | 'STEP',
  report: ReportKey,
  row: { status: string; started_at?: Date | string | null; ended_at?: Date | string | null; taskId?: number; stepId?: number },
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
