import type { EntityManager } from '@mikro-orm/postgresql';
import { parseWireReportId } from '../live/report-wire-id';
import type { AgentEvent, EventBatch } from '../protocol';
import { queryBound } from './execution-progress.sql';
import { intArray } from './filters';
import { completeRuns, FINAL_SQL, progressEvent, publishRunsEnded, type ReportKey } from './run-completion';
import type { ServiceContext } from './service-context';
import { foldEvents, type ReportRow, type StepIndex } from './execution-progress.fold';

/** One events message as the bridge received it. */
export interface EventsMessage {
  mqttClientId: string;
  batch: EventBatch;
}

export interface IngestOutcome {
  /** Every event of the messages, applied or not: all may be acknowledged once this resolves. */
  acks: { mqttClientId: string; stream: string; seqs: number[] }[];
  /** Events that changed nothing because they were not for a current report of their sender. */
  dropped: { event: AgentEvent; mqttClientId: string; reason: string }[];
}

const SCRIPT_CACHE_MAX = 2000;

type Row = Record<string, unknown>;

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
 * - events of another attempt of the report (see report-wire-id.ts), of an unknown report, or of
 *   a report of another client are dropped (and still acknowledged: resending cannot help).
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

  async applyEvents(messages: EventsMessage[]): Promise<IngestOutcome> {
    const now = this.ctx.clock.now();
    const acks = new Map<string, IngestOutcome['acks'][number]>();
    for (const { mqttClientId, batch } of messages) {
      const key = `${mqttClientId}\u0000${batch.stream}`;
      const entry = acks.get(key) ?? { mqttClientId, stream: batch.stream, seqs: [] };
      entry.seqs.push(...batch.events.map((e) => e.seq));
      acks.set(key, entry);
    }
    const publish = await this.ctx.em.transactional((em) => this.apply(em, messages, now));
    for (const p of publish.progress) this.ctx.pubsub?.publish('EXECUTION_PROGRESS', p);
    for (const m of publish.messages) this.ctx.pubsub?.publish('STEP_MESSAGE', m);
    publishRunsEnded(this.ctx.pubsub, publish.runs, now);
    return { acks: [...acks.values()], dropped: publish.dropped };
  }

  private async apply(em: EntityManager, messages: EventsMessage[], now: Date) {
    const reports = await this.lockReports(em, messages);
    const needTasks = new Set<number>();
    for (const { batch } of messages) {
      for (const e of batch.events) {
        const row = reports.get(parseWireReportId(e.reportId).reportId);
        if (row && e.type !== 'report.started' && e.type !== 'report.finished') needTasks.add(row.id);
      }
    }
    const taskRows = needTasks.size
      ? await queryBound<{ id: number; report_id: number; task_id: number }[]>(
          em,
          'select id, report_id, task_id from task_result where report_id = any(?::int[])',
          [intArray([...needTasks])],
        )
      : [];
    const taskResults = new Map(taskRows.map((t) => [`${t.report_id}|${t.task_id}`, t.id]));
    const fold = foldEvents(messages, reports, taskResults, now);
    await this.loadScripts(em, fold.stepTaskResults, taskRows, reports);
    const steps = fold.steps((runId, taskId) => this.scriptCache.get(`${runId}:${taskId}`));

    const keyOfReport = new Map<number, ReportKey>(
      [...reports.values()].map((r) => [r.id, { runId: r.runId, jobId: r.jobId, reportId: r.reportId, clientId: r.clientId }]),
    );
    const taskOf = new Map(taskRows.map((t) => [t.id, { reportRowId: t.report_id, taskId: t.task_id }]));
    const progress: ReturnType<typeof progressEvent>[] = [];
    const stepMessages: {
      runId: number;
      jobId: number;
      reportId: string;
      clientId: number;
      taskId: number;
      stepId: number;
      startTime: number;
      endTime: number;
      message: string;
    }[] = [];

    if (steps.length) {
      const changed = await queryBound<Row[]>(
        em,
        `insert into step_result (task_result_id, step_id, parent_step_id, type, "order", step, status, started_at, ended_at)
         select x.tr, x.step, x.parent, x.type, x.ord, x.snap, x.status, x.started_at, x.ended_at
         from jsonb_to_recordset(?::jsonb) as x(tr int, step int, parent int, type text, ord int, snap jsonb, status text, started_at timestamptz, ended_at timestamptz)
         on conflict (task_result_id, step_id) do update set
           status = case when step_result.status in ${FINAL_SQL} then step_result.status else excluded.status end,
           started_at = coalesce(step_result.started_at, excluded.started_at),
           ended_at = case when step_result.status in ${FINAL_SQL} then step_result.ended_at else coalesce(excluded.ended_at, step_result.ended_at) end
         where (step_result.status not in ${FINAL_SQL} and step_result.status is distinct from excluded.status)
            or (step_result.started_at is null and excluded.started_at is not null)
         returning task_result_id, step_id, status, started_at, ended_at`,
        [JSON.stringify(steps)],
      );
      for (const s of changed) {
        const task = taskOf.get(s.task_result_id as number)!;
        progress.push(
          progressEvent(
            'STEP',
            keyOfReport.get(task.reportRowId)!,
            { ...s, status: s.status as string, taskId: task.taskId, stepId: s.step_id as number },
            now,
          ),
        );
      }
    }
    if (fold.messages.length) {
      const inserted = await queryBound<Row[]>(
        em,
        `with x as (select * from jsonb_to_recordset(?::jsonb) as x(tr int, step int, idx int, start_time timestamptz, end_time timestamptz, message text)),
         ins as (
           insert into step_message (step_result_id, seq, start_time, end_time, message)
           select s.id, x.idx, x.start_time, x.end_time, x.message from x join step_result s on s.task_result_id = x.tr and s.step_id = x.step
           on conflict (step_result_id, seq) do nothing
           returning step_result_id, seq, start_time, end_time, message)
         select s.task_result_id, s.step_id, ins.seq, ins.start_time, ins.end_time, ins.message from ins join step_result s on s.id = ins.step_result_id order by ins.step_result_id, ins.seq`,
        [JSON.stringify(fold.messages)],
      );
      for (const m of inserted) {
        const task = taskOf.get(m.task_result_id as number)!;
        const key = keyOfReport.get(task.reportRowId)!;
        stepMessages.push({
          ...key,
          taskId: task.taskId,
          stepId: m.step_id as number,
          startTime: new Date(m.start_time as Date).getTime(),
          endTime: new Date(m.end_time as Date).getTime(),
          message: m.message as string,
        });
      }
    }
    const notes = new Map<number, string[]>();
    if (fold.tasks.length) {
      const changed = await queryBound<Row[]>(
        em,
        `update task_result t set status = x.status, started_at = coalesce(t.started_at, x.started_at), ended_at = coalesce(x.ended_at, t.ended_at)
         from jsonb_to_recordset(?::jsonb) as x(id int, status text, started_at timestamptz, ended_at timestamptz)
         where t.id = x.id and t.status not in ${FINAL_SQL}
           and (t.status is distinct from x.status or (t.started_at is null and x.started_at is not null))
         returning t.id, t.report_id, t.task_id, t.status, t.started_at, t.ended_at`,
        [JSON.stringify(fold.tasks.map(({ note: _note, ...t }) => t))],
      );
      const noteOf = new Map(fold.tasks.map((t) => [t.id, t.note]));
      for (const t of changed) {
        progress.push(progressEvent('TASK', keyOfReport.get(t.report_id as number)!, { ...t, status: t.status as string, taskId: t.task_id as number }, now));
        const note = noteOf.get(t.id as number);
        // Why a task failed is kept on its report (task results have no message of their own).
        if (note && t.status === 'FAILED') notes.set(t.report_id as number, [...(notes.get(t.report_id as number) ?? []), `task ${t.task_id}: ${note}`]);
      }
    }
    const reportUpdates = fold.reports.map((r) => ({ ...r, message: [...(notes.get(r.id) ?? []), ...(r.message ? [r.message] : [])].join('\n') || null }));
    const finals: number[] = [];
    const runsToCheck = new Set<number>();
    if (reportUpdates.length) {
      const changed = await queryBound<Row[]>(
        em,
        `update report r set status = x.status, started_at = coalesce(r.started_at, x.started_at), ended_at = coalesce(x.ended_at, r.ended_at),
           retry_at = x.retry_at, message = case when x.message is null then r.message else concat_ws(E'\\n', r.message, x.message) end
         from jsonb_to_recordset(?::jsonb) as x(id int, attempt int, status text, started_at timestamptz, ended_at timestamptz, retry_at timestamptz, message text)
         where r.id = x.id and r.attempt = x.attempt and r.status not in ${FINAL_SQL}
           and (r.status is distinct from x.status or (r.started_at is null and x.started_at is not null) or x.message is not null)
         returning r.id, r.run_id, r.status, r.started_at, r.ended_at, r.retry_at`,
        [JSON.stringify(reportUpdates)],
      );
      for (const r of changed) {
        progress.push(progressEvent('REPORT', keyOfReport.get(r.id as number)!, { ...r, status: r.status as string }, now));
        if (r.status !== 'RUNNING' && r.status !== 'PENDING') {
          finals.push(r.id as number);
          if (r.retry_at === null) runsToCheck.add(r.run_id as number);
        }
      }
    }
    if (finals.length) {
      // Tasks a finished report never started (an earlier task failed) did not execute.
      const skipped = await queryBound<Row[]>(
        em,
        `update task_result set status = 'NOT_EXECUTE' where report_id = any(?::int[]) and status = 'PENDING' returning report_id, task_id, status, started_at, ended_at`,
        [intArray(finals)],
      );
      for (const t of skipped)
        progress.push(progressEvent('TASK', keyOfReport.get(t.report_id as number)!, { ...t, status: t.status as string, taskId: t.task_id as number }, now));
    }
    const runs = await completeRuns(em, runsToCheck, now);
    return { progress, messages: stepMessages, runs, dropped: fold.dropped };
  }

  /** The reports the events name, locked so a concurrent retry or time-out waits for this batch. */
  private async lockReports(em: EntityManager, messages: EventsMessage[]): Promise<Map<string, ReportRow>> {
    const ids = new Set<string>();
    for (const { batch } of messages) for (const e of batch.events) ids.add(parseWireReportId(e.reportId).reportId);
    const rows = await queryBound<Row[]>(
      em,
      `select r.id, r.report_id, r.attempt, r.run_id, r.client_id, c.mqtt_client_id, jr.job_id, jr.max_retries, jr.retry_wait, jr.deadline_at
       from report r join client c on c.id = r.client_id join job_run jr on jr.id = r.run_id
       where r.report_id in (select jsonb_array_elements_text(?::jsonb)) order by r.id for update of r`,
      [JSON.stringify([...ids])],
    );
    return new Map(
      rows.map((r) => [
        r.report_id as string,
        {
          id: r.id as number,
          reportId: r.report_id as string,
          attempt: r.attempt as number,
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

/** Every step of a script snapshot (a ScriptStep tree) by id, with its parent IF and its fields. */
export function indexScript(script: unknown): StepIndex {
  const index: StepIndex = new Map();
  const walk = (steps: unknown, parent: number | null) => {
    if (!Array.isArray(steps)) return;
    for (const s of steps as Record<string, unknown>[]) {
      if (!s || typeof s !== 'object' || typeof s.id !== 'number') continue;
      // Branch steps have results of their own; conditions stay in their IF (their results are its messages).
      const { true: yes, false: no, ...snap } = s;
      index.set(s.id, { parent, order: typeof s.order === 'number' ? s.order : 0, type: String(s.type), snap });
      walk(yes, s.id);
      walk(no, s.id);
    }
  };
  walk(script, null);
  return index;
}
