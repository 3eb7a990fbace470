import type { EntityManager } from '@mikro-orm/postgresql';
import type { ExecutionStatus } from '../../entities';
import { intArray } from '../filters';
import type { ProgressOutbox } from './progress-events';
import { FINAL_SQL, runStatusOf } from './rules';
import { queryBound } from './sql';

export interface CompletedRun {
  id: number;
  jobId: number;
  status: ExecutionStatus;
  startedAt: Date;
  endedAt: Date;
}

/**
 * Ends the runs among `runIds` whose reports are all final (and none waits for a retry), with the
 * status of runStatusOf; `endedAt` is when the last report ended (never before the run started).
 * Runs already ended are left alone, so calling it twice, or from two gateways, is harmless.
 * Their RUN events go to `outbox`.
 */
export async function completeRuns(em: EntityManager, runIds: Iterable<number>, now: Date, outbox?: ProgressOutbox): Promise<CompletedRun[]> {
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
  const reports = await queryBound<{ run_id: number; statuses: ExecutionStatus[]; ended_at: Date | null }[]>(
    em,
    'select run_id, array_agg(status) as statuses, max(ended_at) as ended_at from report where run_id = any(?::int[]) group by run_id',
    [intArray(done.map((r) => r.id))],
  );
  const ends = done.map(({ id }) => {
    const own = reports.find((r) => r.run_id === id);
    return { id, status: runStatusOf(own?.statuses ?? []), ended_at: own?.ended_at ?? now };
  });
  const rows = await queryBound<{ id: number; job_id: number; status: ExecutionStatus; started_at: Date; ended_at: Date }[]>(
    em,
    `update job_run jr set status = x.status, ended_at = greatest(x.ended_at, jr.started_at)
     from jsonb_to_recordset(?::jsonb) as x(id int, status text, ended_at timestamptz)
     where jr.id = x.id and jr.status not in ${FINAL_SQL}
     returning jr.id, jr.job_id, jr.status, jr.started_at, jr.ended_at`,
    [JSON.stringify(ends)],
  );
  const completed = rows.map((r) => ({ id: r.id, jobId: r.job_id, status: r.status, startedAt: new Date(r.started_at), endedAt: new Date(r.ended_at) }));
  for (const run of completed) outbox?.run(run);
  return completed;
}
