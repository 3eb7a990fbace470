import type { EntityManager } from '@mikro-orm/postgresql';
import type { ProgressOutbox, ReportKey } from './progress-events';
import { childClosingSql, FINAL_SQL, OPEN_CHILD_SQL, stepClosingNote, taskClosingLine } from './rules';
import { indexScript } from './script-index';
import { queryBound } from './sql';

/** A report that has reached a final state, whose open children are to be closed. */
export interface ReportClosing {
  /** The report's database id. */
  reportRowId: number;
  /** Its final status and end time: children end then (never before they started). */
  status: string;
  endedAt: Date | string;
  /** Why the report ended (the agent's message, "timed out: …"), or null when it does not say. */
  reason: string | null;
}

type Row = Record<string, unknown>;

/**
 * Closes every child a final report left open (rules.ts, CHILD_CLOSING): RUNNING task results and
 * open step results end FAILED, PENDING task results NOT_EXECUTE, all at the report's end time;
 * each closed step gets a last message saying why, each closed RUNNING task a line in the
 * report's message. Set-based (three statements whatever the number of reports). Children
 * already final are left alone, so closing a report twice changes nothing the second time.
 * Give only final reports. Progress goes to `outbox`.
 *
 * The caller holds the reports' row locks (ingestion, the sweep), so no event of the same report
 * can interleave.
 */
export async function closeOpenChildren(
  em: EntityManager,
  closings: ReportClosing[],
  keyOf: (reportRowId: number) => ReportKey,
  outbox: ProgressOutbox,
): Promise<void> {
  if (!closings.length) return;
  const x = JSON.stringify(
    closings.map((c) => ({ id: c.reportRowId, ended_at: new Date(c.endedAt).toISOString(), note: stepClosingNote(c.status, c.reason) })),
  );
  const tasks = await queryBound<Row[]>(
    em,
    `update task_result t set status = ${childClosingSql('t.status')},
       ended_at = coalesce(t.ended_at, greatest(x.ended_at, coalesce(t.started_at, x.ended_at)))
     from jsonb_to_recordset(?::jsonb) as x(id int, ended_at timestamptz)
     where t.report_id = x.id and t.status in ${OPEN_CHILD_SQL}
     returning t.report_id, t.task_id, t.status, t.started_at, t.ended_at`,
    [x],
  );
  const steps = await queryBound<Row[]>(
    em,
    `with x as (select * from jsonb_to_recordset(?::jsonb) as x(id int, ended_at timestamptz, note text)),
     closed as (
       update step_result s set status = 'FAILED', ended_at = coalesce(s.ended_at, greatest(x.ended_at, coalesce(s.started_at, x.ended_at)))
       from task_result t, x where t.id = s.task_result_id and t.report_id = x.id and s.status not in ${FINAL_SQL}
       returning s.id, t.report_id, t.task_id, s.step_id, s.status, s.started_at, s.ended_at, x.note),
     noted as (
       insert into step_message (step_result_id, seq, start_time, end_time, message)
       select c.id, coalesce((select max(m.seq) + 1 from step_message m where m.step_result_id = c.id), 0), c.ended_at, c.ended_at, c.note from closed c
       on conflict (step_result_id, seq) do nothing
       returning step_result_id, seq)
     select c.*, n.seq as note_seq from closed c left join noted n on n.step_result_id = c.id order by c.id`,
    [x],
  );
  const lines = new Map<number, string[]>();
  for (const t of tasks) {
    const report = t.report_id as number;
    outbox.task(keyOf(report), t.task_id as number, t as never);
    if (t.status === 'FAILED') lines.set(report, [...(lines.get(report) ?? []), taskClosingLine(t.task_id as number)]);
  }
  for (const s of steps) {
    const key = keyOf(s.report_id as number);
    outbox.step(key, s.task_id as number, s.step_id as number, s as never);
    if (s.note_seq !== null)
      outbox.message(key, {
        taskId: s.task_id as number,
        stepId: s.step_id as number,
        startTime: s.ended_at as Date,
        endTime: s.ended_at as Date,
        message: s.note as string,
      });
  }
  if (lines.size) {
    await queryBound(
      em,
      `update report r set message = concat_ws(E'\\n', r.message, x.lines) from jsonb_to_recordset(?::jsonb) as x(id int, lines text) where r.id = x.id`,
      [JSON.stringify([...lines].map(([id, l]) => ({ id, lines: l.join('\n') })))],
    );
  }
}

/** A step result the gateway ends on its own (transfers: a receive whose sender never sent). */
export interface StepClosing {
  /** The report's database id; the caller holds its row lock. */
  reportRowId: number;
  taskId: number;
  stepId: number;
  status: 'FAILED' | 'SUCCESS';
  /** Appended to the step's messages. */
  message: string;
  at: Date;
}

/**
 * Ends one step result of a report with a message, unless it is already final. A step the agent
 * has not reported yet is recorded from the task result's script snapshot, so the message has a
 * home. Returns false when the task is not part of the report or the step not part of its script.
 */
export async function closeStepResult(em: EntityManager, c: StepClosing, key: ReportKey, outbox: ProgressOutbox): Promise<boolean> {
  const [task] = await queryBound<{ id: number; script: unknown }[]>(em, 'select id, script from task_result where report_id = ? and task_id = ?', [
    c.reportRowId,
    c.taskId,
  ]);
  const known = task && indexScript(task.script).get(c.stepId);
  if (!task || !known) return false;
  const at = c.at.toISOString();
  const [step] = await queryBound<Row[]>(
    em,
    `insert into step_result (task_result_id, step_id, parent_step_id, type, "order", step, status, started_at, ended_at)
     values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)
     on conflict (task_result_id, step_id) do update set status = excluded.status, ended_at = greatest(excluded.ended_at, coalesce(step_result.started_at, excluded.ended_at))
     where step_result.status not in ${FINAL_SQL}
     returning id, status, started_at, ended_at`,
    [task.id, c.stepId, known.parent, known.type, known.order, JSON.stringify(known.snap), c.status, at, at],
  );
  if (!step) return true;
  outbox.step(key, c.taskId, c.stepId, step as never);
  const [note] = await queryBound<Row[]>(
    em,
    `insert into step_message (step_result_id, seq, start_time, end_time, message)
     select ?, coalesce((select max(seq) + 1 from step_message where step_result_id = ?), 0), ?, ?, ?
     on conflict (step_result_id, seq) do nothing returning seq`,
    [step.id, step.id, at, at, c.message],
  );
  if (note) outbox.message(key, { taskId: c.taskId, stepId: c.stepId, startTime: c.at, endTime: c.at, message: c.message });
  // The task is under way as far as its records go: a step of it has a result.
  const [started] = await queryBound<Row[]>(
    em,
    `update task_result set status = 'RUNNING', started_at = coalesce(started_at, ?) where id = ? and status = 'PENDING' returning status, started_at, ended_at`,
    [at, task.id],
  );
  if (started) outbox.task(key, c.taskId, started as never);
  return true;
}
