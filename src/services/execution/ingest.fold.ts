import type { AgentEvent } from '../../protocol';
import { parseWireReportId } from './attempt-id';
import type { EventsMessage } from '../../live/agent-inbox';
import { retryAt } from './rules';
import type { StepIndex } from './script-index';

/** A report an event names, as locked for the batch. */
export interface ReportRow {
  id: number;
  reportId: string;
  attempt: number;
  /** Its status and end when the batch locked it. */
  status: string;
  endedAt: Date | null;
  runId: number;
  clientId: number;
  mqttClientId: string;
  jobId: number;
  maxRetries: number;
  retryWait: number;
  deadlineAt: Date;
}

type Status = 'RUNNING' | 'SUCCESS' | 'FAILED' | 'NOT_EXECUTE';

/** The new state of one record, folded from all its events in the batch (times as ISO strings for jsonb_to_recordset). */
export interface ReportFold {
  id: number;
  attempt: number;
  status: Status;
  started_at: string | null;
  ended_at: string | null;
  retry_at: string | null;
  message: string | null;
}
export interface TaskFold {
  id: number;
  status: Status;
  started_at: string | null;
  ended_at: string | null;
  /** Why it failed (task.finished message). */
  note: string | null;
}
export interface StepFold {
  tr: number;
  step: number;
  parent: number | null;
  type: string;
  ord: number;
  snap: Record<string, unknown>;
  status: Status;
  started_at: string | null;
  ended_at: string | null;
}
export interface MessageFold {
  tr: number;
  step: number;
  idx: number;
  start_time: string;
  end_time: string;
  message: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const earlier = (a: string | null, ms: number) => (a === null || Date.parse(a) > ms ? iso(ms) : a);
/** PostgreSQL text and jsonb cannot hold NUL; program output may contain it. */
const clean = (s: string) => s.replaceAll('\u0000', '');

/** Ids are the server's integers; agents echo them, possibly as strings. */
function toInt(id: string | number): number | null {
  const n = typeof id === 'number' ? id : Number(id);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Folds a batch of events into one new state per record. Pure: the order of events within the
 * batch does not matter (a final status wins over RUNNING, the earliest start wins), which is what
 * makes reordered deliveries harmless; the SQL then refuses to move final records.
 */
export function foldEvents(messages: EventsMessage[], reports: Map<string, ReportRow>, taskResults: Map<string, number>, now: Date) {
  const reportFolds = new Map<number, ReportFold>();
  const taskFolds = new Map<number, TaskFold>();
  const stepFolds = new Map<string, Omit<StepFold, 'parent' | 'type' | 'ord' | 'snap'> & { runId: number; taskId: number; eventType: string }>();
  const messageFolds = new Map<string, MessageFold>();
  const dropped: { event: AgentEvent; mqttClientId: string; reason: string }[] = [];
  const childReports = new Set<number>();

  const reportFold = (row: ReportRow) => {
    let f = reportFolds.get(row.id);
    if (!f)
      reportFolds.set(row.id, (f = { id: row.id, attempt: row.attempt, status: 'RUNNING', started_at: null, ended_at: null, retry_at: null, message: null }));
    return f;
  };
  const taskFold = (id: number) => {
    let f = taskFolds.get(id);
    if (!f) taskFolds.set(id, (f = { id, status: 'RUNNING', started_at: null, ended_at: null, note: null }));
    return f;
  };

  for (const { mqttClientId, batch } of messages) {
    for (const event of batch.events) {
      const wire = parseWireReportId(event.reportId);
      const row = reports.get(wire.reportId);
      const drop = (reason: string) => dropped.push({ event, mqttClientId, reason });
      if (!row) drop('unknown report');
      else if (row.mqttClientId !== mqttClientId) drop(`report of another client (${row.mqttClientId})`);
      else if (wire.attempt !== row.attempt) drop(`attempt ${wire.attempt}, the report is at attempt ${row.attempt}`);
      if (!row || row.mqttClientId !== mqttClientId || wire.attempt !== row.attempt) continue;

      const report = reportFold(row);
      if (event.type === 'report.started' || event.type === 'report.finished') {
        // A report the agent dropped before starting it (a cancel) never ran: it has no start.
        if (event.type === 'report.started' || event.status !== 'NOT_EXECUTE') report.started_at = earlier(report.started_at, event.startTime);
        if (event.type === 'report.finished' && report.status === 'RUNNING') {
          report.status = event.status;
          report.ended_at = iso(event.endTime);
          report.message = event.message ? clean(event.message) : null;
          if (event.status === 'FAILED') report.retry_at = retryAt(row, now);
        }
        continue;
      }
      childReports.add(row.id);
      const taskId = toInt(event.taskId);
      const tr = taskId === null ? undefined : taskResults.get(`${row.id}|${taskId}`);
      if (tr === undefined || taskId === null) {
        drop(`task ${event.taskId} is not part of the report`);
        continue;
      }
      const task = taskFold(tr);
      if (event.type === 'task.started' || event.type === 'task.finished') {
        task.started_at = earlier(task.started_at, event.startTime);
        if (event.type === 'task.finished' && task.status === 'RUNNING') {
          task.status = event.status;
          task.ended_at = iso(event.endTime);
          task.note = event.message ? clean(event.message) : null;
        }
        continue;
      }
      const stepId = toInt(event.stepId);
      if (stepId === null) {
        drop(`step ${event.stepId} is not a step id of this server`);
        continue;
      }
      const key = `${tr}|${stepId}`;
      let step = stepFolds.get(key);
      if (!step)
        stepFolds.set(key, (step = { tr, step: stepId, runId: row.runId, taskId, eventType: event.type, status: 'RUNNING', started_at: null, ended_at: null }));
      if (event.type === 'step.message') {
        const mk = `${key}|${event.index}`;
        if (!messageFolds.has(mk)) {
          messageFolds.set(mk, {
            tr,
            step: stepId,
            idx: event.index,
            start_time: iso(event.startTime),
            end_time: iso(event.endTime),
            message: clean(event.message),
          });
        }
        continue;
      }
      step.eventType = event.stepType;
      step.started_at = earlier(step.started_at, event.startTime);
      if (event.type === 'step.finished' && step.status === 'RUNNING') {
        step.status = event.status;
        step.ended_at = iso(event.endTime);
      }
    }
  }

  return {
    reports: [...reportFolds.values()],
    tasks: [...taskFolds.values()],
    messages: [...messageFolds.values()],
    dropped,
    /** Reports (database ids) with task or step events in the batch. */
    childReports,
    /** Task results whose steps reported: their scripts are needed for the step snapshots. */
    stepTaskResults: new Set([...stepFolds.values()].map((s) => s.tr)),
    /** Step folds completed with what the script snapshot says of each step. */
    steps(lookup: (runId: number, taskId: number) => StepIndex | undefined): StepFold[] {
      return [...stepFolds.values()].map(({ runId, taskId, eventType, ...s }) => {
        const known = lookup(runId, taskId)?.get(s.step);
        // A step missing from the snapshot (should not happen) is still recorded, with what the event says.
        const type = known?.type ?? (eventType.includes('.') ? 'UNKNOWN' : eventType);
        return { ...s, parent: known?.parent ?? null, type, ord: known?.order ?? 0, snap: known?.snap ?? { id: s.step, type } };
      });
    },
  };
}
