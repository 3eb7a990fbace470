import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventsMessage, IngestOutcome } from '../../live/agent-inbox';
import { storableEvent } from '../../protocol';
import { intArray, textArray } from '../filters';
import type { ServiceContext } from '../service-context';
import { parseWireReportId } from './attempt-id';
import { closeOpenChildren, type ReportClosing } from './close';
import { completeRuns } from './completion';
import { foldEvents, type ReportRow } from './ingest.fold';
import { createProgressOutbox, type ReportKey } from './progress-events';
import { FINAL_SQL, isFinal } from './rules';
import { indexScript, type StepIndex } from './script-index';
import { queryBound } from './sql';

export type { EventsMessage, IngestOutcome };

const SCRIPT_CACHE_MAX = 2000;

type Row = Record<string, unknown>;

/**
 * One array literal of a column of `rows`, to bind as one parameter of `unnest(?::int[], ?::text[], ...)`:
 * PostgreSQL reads typed arrays in about half the time it takes to read the same rows as one
 * jsonb document for jsonb_to_recordset (issue 12: ingestion's DB work per event).
 */
const column = <T>(rows: readonly T[], pick: (row: T) => string | number | null) => textArray(rows.map(pick));

/**
 * Applies agent progress events to the execution records on four levels (report, task result,
 * step result, step message), idempotently and in any order:
 *
 * - a record only moves forward: PENDING → RUNNING → a final status (FINAL_STATUSES), never back,
 *   whatever arrives late or twice; times come from the events, first writer wins;
 * - step results and messages are upserts on their unique keys (task result, step) and
 *   (step result, index), so a resent event never makes a second row;
 * - an event implies its parents are RUNNING (a lost `report.started` does not leave a report
 *   PENDING while its steps report);
 * - events of another attempt of the report (see attempt-id.ts), of an unknown report, or of
 *   a report of another client are dropped (and still acknowledged: resending cannot help);
 * - a report that is final after the batch has no open child left (closeOpenChildren): what its
 *   agent never closed (a crash) the gateway closes, and a late `*.started` of a report already
 *   final is closed again at once.
 *
 * All messages given are applied in one transaction, with a handful of set-based statements
 * whatever their number. Then the run ends when all its reports are final (completeRuns).
 * Progress is published after the commit.
 */
export class ExecutionProgressService {
  /**
   * @param scriptCache step indexes by `runId:taskId`: scripts never change within a run, so the
   * bridge keeps one cache for all batches (one per database).
   */
  constructor(
    private readonly ctx: ServiceContext,
    private readonly scriptCache: Map<string, StepIndex> = new Map(),
  ) {}

  async applyEvents(received: EventsMessage[]): Promise<IngestOutcome> {
    const now = this.ctx.clock.now();
    // Made storable event by event first (times clamped, text cleaned), so the transaction below meets nothing PostgreSQL refuses.
    const messages = received.map((m) => ({ ...m, batch: { ...m.batch, events: m.batch.events.map((e) => storableEvent(e, now.getTime())) } }));
    const acks = new Map<string, IngestOutcome['acks'][number]>();
    for (const { mqttClientId, batch } of messages) {
      const key = `${mqttClientId}\u0000${batch.stream}`;
      const entry = acks.get(key) ?? { mqttClientId, stream: batch.stream, seqs: [] };
      entry.seqs.push(...batch.events.map((e) => e.seq));
      acks.set(key, entry);
    }
    const outbox = createProgressOutbox(now);
    const dropped = await this.ctx.em.transactional((em) => this.apply(em, messages, now, outbox));
    outbox.publish(this.ctx.pubsub);
    return { acks: [...acks.values()], dropped };
  }

  private async apply(em: EntityManager, messages: EventsMessage[], now: Date, outbox: ReturnType<typeof createProgressOutbox>) {
    const { reports, taskRows } = await this.lockReports(em, messages);
    const taskResults = new Map(taskRows.map((t) => [`${t.report_id}|${t.task_id}`, t.id]));
    const fold = foldEvents(messages, reports, taskResults, now);
    await this.loadScripts(em, fold.stepTaskResults, taskRows, reports);
    const steps = fold.steps((runId, taskId) => this.scriptCache.get(`${runId}:${taskId}`));

    const keyOfReport = new Map<number, ReportKey>(
      [...reports.values()].map((r) => [r.id, { runId: r.runId, jobId: r.jobId, reportId: r.reportId, clientId: r.clientId }]),
    );
    const keyOf = (reportRowId: number) => keyOfReport.get(reportRowId)!;
    const taskOf = new Map(taskRows.map((t) => [t.id, { reportRowId: t.report_id, taskId: t.task_id }]));

    if (steps.length) {
      // The steps of a run's reports share a few snapshots: each is sent once, the rows name it by position.
      const snapAt = new Map<string, number>();
      const snapOf = steps.map((st) => {
        const json = JSON.stringify(st.snap);
        let at = snapAt.get(json);
        if (at === undefined) snapAt.set(json, (at = snapAt.size + 1));
        return at;
      });
      const changed = await queryBound<Row[]>(
        em,
        `insert into step_result (task_result_id, step_id, parent_step_id, type, "order", step, status, started_at, ended_at)
         select x.tr, x.step, x.parent, x.type, x.ord, s.snap, x.status, x.started_at, x.ended_at
         from unnest(?::int[], ?::int[], ?::int[], ?::text[], ?::int[], ?::int[], ?::text[], ?::timestamptz[], ?::timestamptz[])
           as x(tr, step, parent, type, ord, snap_at, status, started_at, ended_at)
         join unnest(?::jsonb[]) with ordinality as s(snap, at) on s.at = x.snap_at
         on conflict (task_result_id, step_id) do update set
           status = case when step_result.status in ${FINAL_SQL} then step_result.status else excluded.status end,
           started_at = coalesce(step_result.started_at, excluded.started_at),
           ended_at = case when step_result.status in ${FINAL_SQL} then step_result.ended_at else coalesce(excluded.ended_at, step_result.ended_at) end
         where (step_result.status not in ${FINAL_SQL} and step_result.status is distinct from excluded.status)
            or (step_result.started_at is null and excluded.started_at is not null)
         returning task_result_id, step_id, status, started_at, ended_at`,
        [
          column(steps, (st) => st.tr),
          column(steps, (st) => st.step),
          column(steps, (st) => st.parent),
          column(steps, (st) => st.type),
          column(steps, (st) => st.ord),
          textArray(snapOf),
          column(steps, (st) => st.status),
          column(steps, (st) => st.started_at),
          column(steps, (st) => st.ended_at),
          textArray([...snapAt.keys()]),
        ],
      );
      for (const s of changed) {
        const task = taskOf.get(s.task_result_id as number)!;
        outbox.step(keyOf(task.reportRowId), task.taskId, s.step_id as number, s as never);
      }
    }
    if (fold.messages.length) {
      const inserted = await queryBound<Row[]>(
        em,
        `with x as (select * from unnest(?::int[], ?::int[], ?::int[], ?::timestamptz[], ?::timestamptz[], ?::text[]) as x(tr, step, idx, start_time, end_time, message)),
         ins as (
           insert into step_message (step_result_id, seq, start_time, end_time, message)
           select s.id, x.idx, x.start_time, x.end_time, x.message from x join step_result s on s.task_result_id = x.tr and s.step_id = x.step
           on conflict (step_result_id, seq) do nothing
           returning step_result_id, seq, start_time, end_time, message)
         select s.task_result_id, s.step_id, ins.seq, ins.start_time, ins.end_time, ins.message from ins join step_result s on s.id = ins.step_result_id order by ins.step_result_id, ins.seq`,
        [
          column(fold.messages, (m) => m.tr),
          column(fold.messages, (m) => m.step),
          column(fold.messages, (m) => m.idx),
          column(fold.messages, (m) => m.start_time),
          column(fold.messages, (m) => m.end_time),
          column(fold.messages, (m) => m.message),
        ],
      );
      for (const m of inserted) {
        const task = taskOf.get(m.task_result_id as number)!;
        outbox.message(keyOf(task.reportRowId), {
          taskId: task.taskId,
          stepId: m.step_id as number,
          startTime: m.start_time as Date,
          endTime: m.end_time as Date,
          message: m.message as string,
        });
      }
    }
    const notes = new Map<number, string[]>();
    if (fold.tasks.length) {
      const changed = await queryBound<Row[]>(
        em,
        `update task_result t set status = x.status, started_at = coalesce(t.started_at, x.started_at), ended_at = coalesce(x.ended_at, t.ended_at)
         from unnest(?::int[], ?::text[], ?::timestamptz[], ?::timestamptz[]) as x(id, status, started_at, ended_at)
         where t.id = x.id and t.status not in ${FINAL_SQL}
           and (t.status is distinct from x.status or (t.started_at is null and x.started_at is not null))
         returning t.id, t.report_id, t.task_id, t.status, t.started_at, t.ended_at`,
        [column(fold.tasks, (t) => t.id), column(fold.tasks, (t) => t.status), column(fold.tasks, (t) => t.started_at), column(fold.tasks, (t) => t.ended_at)],
      );
      const noteOf = new Map(fold.tasks.map((t) => [t.id, t.note]));
      for (const t of changed) {
        outbox.task(keyOf(t.report_id as number), t.task_id as number, t as never);
        const note = noteOf.get(t.id as number);
        // Why a task failed is kept on its report (task results have no message of their own).
        if (note && t.status === 'FAILED') notes.set(t.report_id as number, [...(notes.get(t.report_id as number) ?? []), `task ${t.task_id}: ${note}`]);
      }
    }
    const reportUpdates = fold.reports.map((r) => ({ ...r, message: [...(notes.get(r.id) ?? []), ...(r.message ? [r.message] : [])].join('\n') || null }));
    const closings = new Map<number, ReportClosing>();
    const runsToCheck = new Set<number>();
    if (reportUpdates.length) {
      const changed = await queryBound<Row[]>(
        em,
        `update report r set status = x.status, started_at = coalesce(r.started_at, x.started_at), ended_at = coalesce(x.ended_at, r.ended_at),
           retry_at = x.retry_at, message = case when x.message is null then r.message else concat_ws(E'\\n', r.message, x.message) end
         from unnest(?::int[], ?::int[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[], ?::text[])
           as x(id, attempt, status, started_at, ended_at, retry_at, message)
         where r.id = x.id and r.attempt = x.attempt and r.status not in ${FINAL_SQL}
           and (r.status is distinct from x.status or (r.started_at is null and x.started_at is not null) or x.message is not null)
         returning r.id, r.run_id, r.status, r.started_at, r.ended_at, r.retry_at`,
        [
          column(reportUpdates, (r) => r.id),
          column(reportUpdates, (r) => r.attempt),
          column(reportUpdates, (r) => r.status),
          column(reportUpdates, (r) => r.started_at),
          column(reportUpdates, (r) => r.ended_at),
          column(reportUpdates, (r) => r.retry_at),
          column(reportUpdates, (r) => r.message),
        ],
      );
      const reasonOf = new Map(fold.reports.map((r) => [r.id, r.message]));
      for (const r of changed) {
        outbox.report(keyOf(r.id as number), r as never);
        if (isFinal(r.status as string)) {
          closings.set(r.id as number, {
            reportRowId: r.id as number,
            status: r.status as string,
            endedAt: r.ended_at as Date,
            reason: reasonOf.get(r.id as number) ?? null,
          });
          if (r.retry_at === null) runsToCheck.add(r.run_id as number);
        }
      }
    }
    // A report final before this batch whose events reopened nothing needs no closing; one whose
    // late `*.started` created a RUNNING child gets it closed again (its agent will not).
    for (const row of reports.values()) {
      if (fold.childReports.has(row.id) && isFinal(row.status) && !closings.has(row.id))
        closings.set(row.id, { reportRowId: row.id, status: row.status, endedAt: row.endedAt ?? now, reason: null });
    }
    await closeOpenChildren(em, [...closings.values()], keyOf, outbox);
    await completeRuns(em, runsToCheck, now, outbox);
    return fold.dropped;
  }

  /**
   * The reports the events name, locked so a concurrent retry or time-out waits for this batch,
   * with their task results (id, task) read by the same statement: one round trip less per batch,
   * which on a loaded machine is worth more than the task results of the few reports whose events
   * do not need them.
   */
  private async lockReports(
    em: EntityManager,
    messages: EventsMessage[],
  ): Promise<{ reports: Map<string, ReportRow>; taskRows: { id: number; report_id: number; task_id: number }[] }> {
    const ids = new Set<string>();
    for (const { batch } of messages) for (const e of batch.events) ids.add(parseWireReportId(e.reportId).reportId);
    const rows = await queryBound<Row[]>(
      em,
      `select r.id, r.report_id, r.attempt, r.status, r.ended_at, r.run_id, r.client_id, c.mqtt_client_id, jr.job_id, jr.max_retries, jr.retry_wait, jr.deadline_at,
         array(select array[t.id, t.task_id] from task_result t where t.report_id = r.id) as tasks
       from report r join client c on c.id = r.client_id join job_run jr on jr.id = r.run_id
       where r.report_id = any(?::text[]) order by r.id for update of r`,
      [textArray([...ids])],
    );
    const taskRows = rows.flatMap((r) => (r.tasks as [number, number][]).map(([id, taskId]) => ({ id, report_id: r.id as number, task_id: taskId })));
    const reports = new Map(
      rows.map((r) => [
        r.report_id as string,
        {
          id: r.id as number,
          reportId: r.report_id as string,
          attempt: r.attempt as number,
          status: r.status as string,
          endedAt: r.ended_at === null ? null : new Date(r.ended_at as Date),
          runId: r.run_id as number,
          clientId: r.client_id as number,
          mqttClientId: r.mqtt_client_id as string,
          jobId: r.job_id as number,
          maxRetries: r.max_retries as number,
          retryWait: r.retry_wait as number,
          deadlineAt: new Date(r.deadline_at as Date),
        },
      ]),
    );
    return { reports, taskRows };
  }

  /** Loads (once per run and task) the script snapshots the step events refer to. */
  private async loadScripts(
    em: EntityManager,
    taskResultIds: Set<number>,
    taskRows: { id: number; report_id: number; task_id: number }[],
    reports: Map<string, ReportRow>,
  ) {
    const runOf = new Map([...reports.values()].map((r) => [r.id, r.runId]));
    const missing = new Map<string, number>();
    for (const t of taskRows) {
      if (!taskResultIds.has(t.id)) continue;
      const key = `${runOf.get(t.report_id)}:${t.task_id}`;
      if (!this.scriptCache.has(key) && !missing.has(key)) missing.set(key, t.id);
    }
    if (!missing.size) return;
    const rows = await queryBound<{ id: number; script: unknown }[]>(em, 'select id, script from task_result where id = any(?::int[])', [
      intArray([...missing.values()]),
    ]);
    const scriptOf = new Map(rows.map((r) => [r.id, r.script]));
    for (const [key, id] of missing) {
      if (this.scriptCache.size >= SCRIPT_CACHE_MAX) this.scriptCache.delete(this.scriptCache.keys().next().value!);
      this.scriptCache.set(key, indexScript(scriptOf.get(id)));
    }
  }
}
