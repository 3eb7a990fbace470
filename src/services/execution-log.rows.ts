import { EXECUTION_STATUSES, type ExecutionStatus } from '../entities';
import { errors } from './errors';

/**
 * What the execution log reads return (rows of the `/v1/logs/*` routes and the GraphQL execution
 * types), and the SQL that reads them: columns, joins, and the checks of the filters.
 * ExecutionLogService (execution-log.service.ts) puts them together.
 */

export type StatusFilter = ExecutionStatus | 'ALL';

export interface LogFilter {
  status?: StatusFilter | string;
  /** Epoch ms: runs started at or after. */
  startAt?: number;
}

export interface JobLogRow {
  runId: number;
  jobId: number;
  jobName: string;
  jobDescription: string | null;
  status: ExecutionStatus;
  trigger: string;
  priority: number;
  scheduledAt: Date;
  startTime: Date;
  endTime: Date | null;
  deadlineAt: Date;
  /** Reports (client executions) of the run. */
  clients: number;
  /** From the job as it is now; null once the job is deleted. */
  lastEditedAt: Date | null;
  executionTime: string | null;
  duration: number | null;
}

/** One client's part of one run (a report). */
export interface ClientLogRow {
  reportId: string;
  runId: number;
  jobId: number;
  jobName: string;
  jobDescription: string | null;
  clientId: number;
  mqttClientId: string;
  username: string | null;
  ip: string | null;
  role: string;
  status: ExecutionStatus;
  attempt: number;
  message: string | null;
  /** When the client started (null while it has not), else when the run started. */
  startTime: Date | null;
  endTime: Date | null;
  runStartedAt: Date;
}

export interface TaskLogRow {
  taskResultId: number;
  reportId: string;
  jobId: number;
  clientId: number;
  taskId: number;
  taskName: string;
  taskDescription: string | null;
  order: number;
  priority: number;
  disableValidation: boolean;
  status: ExecutionStatus;
  startTime: Date | null;
  endTime: Date | null;
}

export interface StepMessageRow {
  startTime: Date;
  endTime: Date;
  message: string;
}

export interface StepLogRow {
  /** The step result's own id. */
  id: number;
  reportId: string;
  taskId: number;
  /** The step's id in the task script. */
  scriptId: number;
  parentScriptId: number | null;
  /** True for a step nested under an IF (a condition or branch item). */
  isItem: boolean;
  type: string;
  order: number;
  status: ExecutionStatus;
  startTime: Date | null;
  endTime: Date | null;
  /** The step's fields as they were run (filePath, targetFilePath, block, ...). */
  step: Record<string, unknown>;
  messages: StepMessageRow[];
}

export interface ClientOverviewRow {
  clientId: number;
  mqttClientId: string;
  username: string | null;
  ip: string | null;
  role: string;
  enable: boolean;
  /** The client's latest finished report's status; NOT_EXECUTE when it has none. */
  status: 'SUCCESS' | 'FAILED' | 'NOT_EXECUTE';
  reportId: string | null;
  jobId: number | null;
  jobName: string | null;
  startTime: Date | null;
  endTime: Date | null;
}

export interface TaskHistoryRow {
  taskResultId: number;
  reportId: string;
  jobId: number;
  jobName: string;
  taskId: number;
  taskName: string;
  clientId: number;
  mqttClientId: string;
  /** The task's current switch; null once the task is deleted. */
  enabled: boolean | null;
  /** The script as it was run (nested tree). */
  taskScript: unknown;
  priority: number;
  status: ExecutionStatus;
  /** When the task ended, else started, else when the report was created. */
  ts: Date;
}

export const ms = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;

/** Turns the epoch-ms columns named into dates (null stays null). */
export function withDates<T>(row: Record<string, unknown>, fields: string[]): T {
  for (const f of fields) row[f] = row[f] === null || row[f] === undefined ? null : new Date(row[f] as number);
  return row as T;
}

export function checkStatus(value: string | undefined, field = 'status'): StatusFilter {
  if (value === undefined || value === '' || value === 'ALL') return 'ALL';
  if (!(EXECUTION_STATUSES as readonly string[]).includes(value)) throw errors.invalid(field, `ALL or one of ${EXECUTION_STATUSES.join(', ')}`, value);
  return value as ExecutionStatus;
}

export function checkMs(field: string, value: number | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw errors.invalid(field, 'epoch milliseconds', value);
  return new Date(value);
}

export function checkIdParam(field: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw errors.invalid(field, 'an id (a positive integer)', value);
  return value;
}

/** The columns of a ClientLogRow (a report), over CLIENT_LOG_FROM. */
export const CLIENT_LOG_SELECT = `r.report_id as "reportId", r.run_id as "runId", jr.job_id as "jobId", jr.job_name as "jobName", jr.job_description as "jobDescription",
       c.id as "clientId", c.mqtt_client_id as "mqttClientId", c.username, c.ip, c.role, r.status, r.attempt, r.message,
       ${ms('coalesce(r.started_at, jr.started_at)')} as "startTime", ${ms('r.ended_at')} as "endTime", ${ms('jr.started_at')} as "runStartedAt"`;
export const CLIENT_LOG_FROM = 'report r join job_run jr on jr.id = r.run_id join client c on c.id = r.client_id';
export const CLIENT_LOG_DATES = ['startTime', 'endTime', 'runStartedAt'];

/** The columns of a TaskLogRow (a task result), over TASK_LOG_FROM. */
export const TASK_LOG_SELECT = `t.id as "taskResultId", r.report_id as "reportId", jr.job_id as "jobId", r.client_id as "clientId", t.task_id as "taskId",
       t.task_name as "taskName", t.task_description as "taskDescription", t."order", t.priority, t.disable_validation as "disableValidation", t.status,
       ${ms('t.started_at')} as "startTime", ${ms('t.ended_at')} as "endTime"`;
export const TASK_LOG_FROM = 'task_result t join report r on r.id = t.report_id join job_run jr on jr.id = r.run_id';
export const TASK_LOG_DATES = ['startTime', 'endTime'];

/** The columns of a StepLogRow without its messages, over STEP_LOG_FROM. */
export const STEP_LOG_SELECT = `s.id, r.report_id as "reportId", t.task_id as "taskId", s.step_id as "scriptId", s.parent_step_id as "parentScriptId",
       s.parent_step_id is not null as "isItem", s.type, s."order", s.status, s.step,
       ${ms('s.started_at')} as "startTime", ${ms('s.ended_at')} as "endTime"`;
export const STEP_LOG_FROM = 'step_result s join task_result t on t.id = s.task_result_id join report r on r.id = t.report_id';
export const STEP_LOG_DATES = ['startTime', 'endTime'];
export const STEP_LOG_ORDER = 's.started_at asc nulls last, s.id asc';

/** A WHERE clause built from optional parts. */
export class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];
  add(sql: string, ...params: unknown[]): this {
    this.parts.push(sql);
    this.params.push(...params);
    return this;
  }
  toString(): string {
    return this.parts.length ? `where ${this.parts.join(' and ')}` : '';
  }
}
