import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { LivePubSub } from '../../live/pubsub';
import type { Clock } from '../../runtime/clock';
import type { Logger } from '../../runtime/logger';
import { intArray } from '../filters';
import { closeOpenChildren } from './close';
import { completeRuns } from './completion';
import type { Dispatcher } from './dispatcher';
import { createProgressOutbox, reportKeys } from './progress-events';
import { DEADLINE_CANCEL_REASON, deadlineOutcome, FINAL_SQL, retryLine } from './rules';

export interface ExecutionLifecycle {
  /**
   * One pass over the open runs (the scheduler calls it on every tick; it is cheap when nothing
   * is due, and safe to run from several gateways at once):
   * 1. runs past their deadline end: RUNNING reports FAILED ("timed out"), PENDING ones
   *    NOT_EXECUTE, their open task and step results likewise, agents told to cancel;
   * 2. FAILED reports whose `retryAt` has come are reset for their next attempt and dispatched;
   * 3. PENDING reports of ONLINE clients dispatched longer ago than `redispatchAfterMs` (or never,
   *    when created longer ago than that) are dispatched again, in case the dispatch was lost,
   *    unless their agent's events are still being stored (Dispatcher.reportsMaybeLost);
   * 4. runs whose reports are all final end (a safety net; ingestion normally does it).
   */
  sweep(): Promise<void>;
}

export interface ExecutionLifecycleOptions {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  pubsub?: LivePubSub;
  dispatcher: Dispatcher;
  redispatchAfterMs?: number;
}

type Row = Record<string, unknown>;

export function createExecutionLifecycle({
  orm,
  clock,
  logger,
  pubsub,
  dispatcher,
  redispatchAfterMs = 30_000,
}: ExecutionLifecycleOptions): ExecutionLifecycle {
  const fork = () => orm.em.fork() as EntityManager;
  let running: Promise<void> | undefined;

  /** 1. Deadlines. */
  async function endOverdueRuns(now: Date): Promise<void> {
    const outbox = createProgressOutbox(now);
    const result = await fork().transactional(async (tx) => {
      const due = await tx.execute<{ id: number }[]>(`select id from job_run where status not in ${FINAL_SQL} and deadline_at <= ? order by id limit 200`, [
        now,
      ]);
      if (!due.length) return undefined;
      // Reports before runs, each in id order: the order ingestion takes its locks in, so the two never deadlock.
      const open = await tx.execute<{ id: number; status: string; deadline_at: Date }[]>(
        `select r.id, r.status, jr.deadline_at from report r join job_run jr on jr.id = r.run_id
         where r.run_id = any(?::int[]) order by r.id for update of r`,
        [intArray(due.map((r) => r.id))],
      );
      const overdue = await tx.execute<{ id: number }[]>(
        `select id from job_run where id = any(?::int[]) and status not in ${FINAL_SQL} order by id for update`,
        [intArray(due.map((r) => r.id))],
      );
      if (!overdue.length) return undefined;
      const runs = intArray(overdue.map((r) => r.id));
      const ends = open
        .filter((r) => r.status === 'PENDING' || r.status === 'RUNNING')
        .map((r) => ({ id: r.id, ...deadlineOutcome(r.status, new Date(r.deadline_at)) }));
      const reports = await tx.execute<Row[]>(
        `update report r set status = x.status, ended_at = ?, retry_at = null, message = concat_ws(E'\\n', r.message, x.message)
         from jsonb_to_recordset(?::jsonb) as x(id int, status text, message text), client c
         where r.id = x.id and c.id = r.client_id and r.run_id = any(?::int[]) and r.status in ('PENDING', 'RUNNING')
         returning r.id, r.report_id, r.attempt, r.status, r.started_at, r.ended_at, r.dispatched_at, c.mqtt_client_id, x.message as reason`,
        [now, JSON.stringify(ends), runs],
      );
      // A failure waiting for a retry that can no longer come is final now.
      await tx.execute('update report set retry_at = null where run_id = any(?::int[]) and retry_at is not null', [runs]);
      const keys = await reportKeys(
        tx,
        reports.map((r) => r.id as number),
      );
      for (const r of reports) outbox.report(keys.get(r.id as number)!, r as never);
      // Nothing of theirs stays open: not a task that was running, not a step.
      await closeOpenChildren(
        tx,
        reports.map((r) => ({ reportRowId: r.id as number, status: r.status as string, endedAt: now, reason: r.reason as string })),
        (id) => keys.get(id)!,
        outbox,
      );
      const ended = await completeRuns(
        tx,
        overdue.map((r) => r.id),
        now,
        outbox,
      );
      return { reports, ended };
    });
    if (!result) return;
    const { reports, ended } = result;
    logger.info(
      {
        runs: ended.length,
        timedOut: reports.filter((r) => r.status === 'FAILED').length,
        notExecuted: reports.filter((r) => r.status === 'NOT_EXECUTE').length,
      },
      'runs past their duration ended',
    );
    // A report still queued or running on an agent would only be wasted work now.
    const cancel = reports.filter((r) => r.status === 'FAILED' || r.dispatched_at !== null);
    dispatcher.cancel(
      cancel.map((r) => ({ mqttClientId: r.mqtt_client_id as string, reportId: r.report_id as string, attempt: r.attempt as number })),
      DEADLINE_CANCEL_REASON,
    );
    outbox.publish(pubsub);
  }

  /** 2. Retries: the failed attempt's step results give way to the next attempt's; its story stays in the report's message. */
  async function retryDue(now: Date): Promise<void> {
    const outbox = createProgressOutbox(now);
    const reset = await fork().transactional(async (tx) => {
      const due = await tx.execute<Row[]>(
        `select r.id, r.attempt, jr.max_retries from report r join job_run jr on jr.id = r.run_id
         where r.status = 'FAILED' and r.retry_at is not null and r.retry_at <= ? and jr.status not in ${FINAL_SQL} and jr.deadline_at > ?
         order by r.id limit 500 for update of r`,
        [now, now],
      );
      if (!due.length) return [];
      const ids = intArray(due.map((r) => r.id as number));
      const failedSteps = await tx.execute<Row[]>(
        `select t.report_id, s.type, s.step_id, (select m.message from step_message m where m.step_result_id = s.id order by m.seq desc limit 1) as last
         from step_result s join task_result t on t.id = s.task_result_id where t.report_id = any(?::int[]) and s.status = 'FAILED' order by s.id`,
        [ids],
      );
      const lines = due.map((r) => ({
        id: r.id,
        line: retryLine(
          r.attempt as number,
          r.max_retries as number,
          failedSteps
            .filter((s) => s.report_id === r.id)
            .map((s) => ({ type: s.type as string, stepId: s.step_id as number, last: (s.last as string | null) ?? null })),
          now,
        ),
      }));
      const rows = await tx.execute<Row[]>(
        `update report r set status = 'PENDING', attempt = r.attempt + 1, retry_at = null, started_at = null, ended_at = null, dispatched_at = null,
           message = concat_ws(E'\\n', r.message, x.line)
         from jsonb_to_recordset(?::jsonb) as x(id int, line text) where r.id = x.id
         returning r.id, r.status, r.started_at, r.ended_at`,
        [JSON.stringify(lines)],
      );
      await tx.execute('delete from step_result where task_result_id in (select id from task_result where report_id = any(?::int[]))', [ids]);
      await tx.execute(`update task_result set status = 'PENDING', started_at = null, ended_at = null where report_id = any(?::int[])`, [ids]);
      const keys = await reportKeys(
        tx,
        rows.map((r) => r.id as number),
      );
      for (const r of rows) outbox.report(keys.get(r.id as number)!, r as never);
      return rows;
    });
    if (!reset.length) return;
    logger.info({ reports: reset.length }, 'failed reports retried');
    dispatcher.reportsDue(reset.map((r) => r.id as number));
    outbox.publish(pubsub);
  }

  /** 3. Dispatches that may have been lost (agents answer a repeated dispatch harmlessly). */
  async function redispatchStale(now: Date): Promise<void> {
    // Passes asked for meanwhile (a fresh run, the retries of step 2) store their dispatchedAt first.
    await dispatcher.idle();
    const cutoff = new Date(now.getTime() - redispatchAfterMs);
    // Never dispatched counts only for reports older than the cut-off: a run just created is the
    // dispatcher's (it stores dispatchedAt before publishing), not a lost dispatch.
    const rows = await fork().execute<{ id: number }[]>(
      `select r.id from report r join client c on c.id = r.client_id join job_run jr on jr.id = r.run_id
       where r.status = 'PENDING' and r.retry_at is null and c.status = 'ONLINE' and c.enable
         and jr.status not in ${FINAL_SQL} and jr.deadline_at > ?
         and (r.dispatched_at < ? or (r.dispatched_at is null and r.created_at < ?))`,
      [now, cutoff, cutoff],
    );
    dispatcher.reportsMaybeLost(rows.map((r) => r.id));
  }

  /** 4. Runs left open although every report is final (rare: ingestion normally ends them). */
  async function completeStragglers(now: Date): Promise<void> {
    const em = fork();
    const done = await em.execute<{ id: number }[]>(
      `select jr.id from job_run jr where jr.status not in ${FINAL_SQL}
         and not exists (select 1 from report x where x.run_id = jr.id and (x.status not in ${FINAL_SQL} or x.retry_at is not null))`,
    );
    if (!done.length) return;
    const outbox = createProgressOutbox(now);
    await em.transactional((tx) =>
      completeRuns(
        tx,
        done.map((r) => r.id),
        now,
        outbox,
      ),
    );
    outbox.publish(pubsub);
  }

  async function sweepOnce(): Promise<void> {
    const now = clock.now();
    for (const [name, step] of [
      ['deadlines', endOverdueRuns],
      ['retries', retryDue],
      ['redispatch', redispatchStale],
      ['completion', completeStragglers],
    ] as const) {
      try {
        await step(now);
      } catch (err) {
        logger.error({ err, step: name }, 'execution sweep step failed; the next sweep tries again');
      }
    }
  }

  // A call during a pass gets a fresh pass after it (its clock reading may be past a deadline the
  // running pass has not seen); calls during that wait share it.
  let next: Promise<void> | undefined;
  const sweep = (): Promise<void> => {
    if (!running) {
      running = sweepOnce().finally(() => (running = undefined));
      return running;
    }
    next ??= running.then(() => {
      next = undefined;
      return sweep();
    });
    return next;
  };

  return { sweep };
}
