import type { ClientLogRow, ClientOverviewRow, JobLogRow, StepLogRow, TaskLogRow } from '../../services/execution-log.rows';
import { ms } from '../../services/filters';
import { z } from '../zod';
import { epochMs, epochMsOrNull } from './common';

/*
 * Execution records as the /v1/logs routes show them. A job log row is a run of a job; a client
 * log row is one client's part of a run (a report, `reportId`); a task log row is one task's
 * result in a report; a script log row is one step's result, with its timed messages.
 * `startTime`/`endTime` are null until they happen; `nowTime` is the server's clock, so a page can
 * show how long a running execution has taken.
 */

const status = z.string().openapi({ description: 'PENDING, RUNNING, SUCCESS, FAILED or NOT_EXECUTE.' });

/** GET /logs/jobs: the union of its two documented forms. `LastEditedAt` (sic) is the job's, null once deleted. */
export const jobLogItem = z.object({
  status,
  startTime: epochMs,
  endTime: epochMsOrNull,
  jobId: z.int(),
  jobName: z.string(),
  jobDesc: z.string().nullable(),
  LastEditedAt: epochMsOrNull,
  priority: z.int(),
  executionTime: z.string().nullable(),
  duration: z.int().nullable().openapi({ description: "The job's longest run, seconds; null once the job is deleted." }),
});
export const toJobLogItem = (r: JobLogRow): z.input<typeof jobLogItem> => ({
  status: r.status,
  startTime: r.startTime.getTime(),
  endTime: ms(r.endTime),
  jobId: r.jobId,
  jobName: r.jobName,
  jobDesc: r.jobDescription,
  LastEditedAt: ms(r.lastEditedAt),
  priority: r.priority,
  executionTime: r.executionTime,
  duration: r.duration,
});

/** GET /logs/clients: the union of its two documented forms (client fields and job fields). */
export const clientLogItem = z.object({
  status,
  mqttClientId: z.string(),
  clientId: z.int(),
  ipAddress: z.string().nullable(),
  username: z.string().nullable(),
  role: z.enum(['SERVER', 'STORE']),
  startTime: epochMsOrNull,
  endTime: epochMsOrNull,
  jobId: z.int(),
  jobName: z.string(),
  jobDesc: z.string().nullable(),
});
export const toClientLogItem = (r: ClientLogRow): z.input<typeof clientLogItem> => ({
  status: r.status,
  mqttClientId: r.mqttClientId,
  clientId: r.clientId,
  ipAddress: r.ip,
  username: r.username,
  role: r.role as 'SERVER' | 'STORE',
  startTime: ms(r.startTime),
  endTime: ms(r.endTime),
  jobId: r.jobId,
  jobName: r.jobName,
  jobDesc: r.jobDescription,
});

/** GET /logs/clients/jobs: a client's executions as job rows. */
export const clientJobLogItem = z.object({
  status,
  startTime: epochMsOrNull,
  endTime: epochMsOrNull,
  nowTime: epochMs,
  reportId: z.string(),
  jobId: z.int(),
  jobName: z.string(),
  jobDesc: z.string().nullable(),
});
export const toClientJobLogItem = (r: ClientLogRow, now: number): z.input<typeof clientJobLogItem> => ({
  status: r.status,
  startTime: ms(r.startTime),
  endTime: ms(r.endTime),
  nowTime: now,
  reportId: r.reportId,
  jobId: r.jobId,
  jobName: r.jobName,
  jobDesc: r.jobDescription,
});

/** GET /logs/jobs/clients: a job's executions as client rows. */
export const jobClientLogItem = z.object({
  status,
  mqttClientId: z.string(),
  clientId: z.int(),
  username: z.string().nullable(),
  ipAddress: z.string().nullable(),
  reportId: z.string(),
});
export const toJobClientLogItem = (r: ClientLogRow): z.input<typeof jobClientLogItem> => ({
  status: r.status,
  mqttClientId: r.mqttClientId,
  clientId: r.clientId,
  username: r.username,
  ipAddress: r.ip,
  reportId: r.reportId,
});

/** GET /logs/clients/jobs/tasks and GET /logs/jobs/clients/tasks. */
export const reportTaskLogItem = z.object({
  status,
  startTime: epochMsOrNull,
  endTime: epochMsOrNull,
  nowTime: epochMs,
  taskId: z.int(),
  taskName: z.string(),
  taskDesc: z.string().nullable(),
  order: z.int(),
  priority: z.int(),
  disableValidation: z.boolean(),
});
export const toReportTaskLogItem = (r: TaskLogRow, now: number): z.input<typeof reportTaskLogItem> => ({
  status: r.status,
  startTime: ms(r.startTime),
  endTime: ms(r.endTime),
  nowTime: now,
  taskId: r.taskId,
  taskName: r.taskName,
  taskDesc: r.taskDescription,
  order: r.order,
  priority: r.priority,
  disableValidation: r.disableValidation,
});

/** GET /logs/tasks. */
export const taskLogItem = z.object({
  status,
  startTime: epochMsOrNull,
  endTime: epochMsOrNull,
  taskId: z.int(),
  taskName: z.string(),
  reportId: z.string(),
  order: z.int(),
  priority: z.int(),
  disableValidation: z.boolean(),
});
export const toTaskLogItem = (r: TaskLogRow): z.input<typeof taskLogItem> => ({
  status: r.status,
  startTime: ms(r.startTime),
  endTime: ms(r.endTime),
  taskId: r.taskId,
  taskName: r.taskName,
  reportId: r.reportId,
  order: r.order,
  priority: r.priority,
  disableValidation: r.disableValidation,
});

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);

/** The `{code, data}` envelope: only the two report script-log routes use it, as documented. */
export const reportScriptLogBody = z.object({
  code: z.literal('SUCCESS'),
  data: z.object({
    total: z.int(),
    list: z.array(
      z.object({
        reportId: z.string(),
        filePath: z.string().nullable(),
        type: z.string(),
        messages: z.array(z.object({ startTime: epochMs, endTime: epochMs, message: z.string() })),
        scriptId: z.int(),
        targetFilePath: z.string().nullable(),
        block: z.boolean(),
        id: z.int().openapi({ description: "The step result's id." }),
        createFilePath: z.boolean().nullable(),
        order: z.int(),
      }),
    ),
  }),
});
export const toReportScriptLogItem = (r: StepLogRow): z.input<typeof reportScriptLogBody>['data']['list'][number] => ({
  reportId: r.reportId,
  filePath: text(r.step.filePath),
  type: r.type,
  messages: r.messages.map((m) => ({ startTime: m.startTime.getTime(), endTime: m.endTime.getTime(), message: m.message })),
  scriptId: r.scriptId,
  targetFilePath: text(r.step.targetFilePath),
  block: bool(r.step.block) ?? true,
  id: r.id,
  createFilePath: bool(r.step.createFilePath),
  order: r.order,
});

/** GET /logs/scripts: one row per step result; `message` is the step's messages, one per line. */
export const scriptLogItem = z.object({
  transferOperation: z.null(),
  filePath: z.string().nullable(),
  type: z.string(),
  message: z.string(),
  ignoreHiddenFile: z.boolean().nullable(),
  recvFileScriptId: z.int().nullable(),
  scriptId: z.int(),
  targetFilePath: z.string().nullable(),
  maxRetryTime: z.int().nullable(),
  isItem: z.boolean().openapi({ description: 'true for a step inside an IF (a condition or branch item).' }),
  startTime: epochMsOrNull,
  endTime: epochMsOrNull,
  createFilePath: z.boolean().nullable(),
  order: z.int(),
  status,
});
export const toScriptLogItem = (r: StepLogRow): z.input<typeof scriptLogItem> => ({
  transferOperation: null,
  filePath: text(r.step.filePath),
  type: r.type,
  message: r.messages.map((m) => m.message).join('\n'),
  ignoreHiddenFile: bool(r.step.ignoreHiddenFile),
  recvFileScriptId: int(r.step.recvFileScriptId),
  scriptId: r.scriptId,
  targetFilePath: text(r.step.targetFilePath),
  maxRetryTime: int(r.step.maxRetryTime),
  isItem: r.isItem,
  startTime: ms(r.startTime),
  endTime: ms(r.endTime),
  createFilePath: bool(r.step.createFilePath),
  order: r.order,
  status: r.status,
});

/** GET /logs/clients/overview: each client with the status of its latest finished execution. */
export const clientOverviewItem = z.object({
  status: z.enum(['SUCCESS', 'FAILED', 'NOT_EXECUTE']),
  mqttClientId: z.string(),
  clientId: z.int(),
  username: z.string().nullable(),
  ipAddress: z.string().nullable(),
});
export const toClientOverviewItem = (r: ClientOverviewRow): z.input<typeof clientOverviewItem> => ({
  status: r.status,
  mqttClientId: r.mqttClientId,
  clientId: r.clientId,
  username: r.username,
  ipAddress: r.ip,
});
