import { z } from 'zod';
import { PROTOCOL_VERSION } from './protocol.topics';
import { idSchema, stepTypeSchema } from './step.schema';

/** Every execution record is RUNNING (started, not finished) then SUCCESS or FAILED. */
export const EXECUTION_STATUSES = ['RUNNING', 'SUCCESS', 'FAILED'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
export const resultStatusSchema = z.enum(['SUCCESS', 'FAILED']);
export type ResultStatus = z.infer<typeof resultStatusSchema>;
/**
 * A report may also end NOT_EXECUTE: the agent dropped it before it started (a `cancel` of a
 * queued or unseen report). Tasks and steps only end SUCCESS or FAILED.
 */
export const reportResultStatusSchema = z.enum(['SUCCESS', 'FAILED', 'NOT_EXECUTE']);
export type ReportResultStatus = z.infer<typeof reportResultStatusSchema>;

const epochMs = z.number().int().nonnegative();
const text = z.string().max(256 * 1024);

/** Fields every event carries. `seq` is per agent stream, starts at 1 and grows by 1. */
const base = {
  seq: z.number().int().positive(),
  reportId: z.string().min(1).max(200),
  /** When the agent recorded the event (epoch ms, agent clock). */
  at: epochMs,
};

export const reportStartedSchema = z.object({
  ...base,
  type: z.literal('report.started'),
  startTime: epochMs,
});
export const reportFinishedSchema = z.object({
  ...base,
  type: z.literal('report.finished'),
  status: reportResultStatusSchema,
  startTime: epochMs,
  endTime: epochMs,
  message: text.optional(),
});
export const taskStartedSchema = z.object({
  ...base,
  type: z.literal('task.started'),
  taskId: idSchema,
  startTime: epochMs,
});
export const taskFinishedSchema = z.object({
  ...base,
  type: z.literal('task.finished'),
  taskId: idSchema,
  status: resultStatusSchema,
  startTime: epochMs,
  endTime: epochMs,
  message: text.optional(),
});
export const stepStartedSchema = z.object({
  ...base,
  type: z.literal('step.started'),
  taskId: idSchema,
  stepId: idSchema,
  stepType: stepTypeSchema,
  startTime: epochMs,
});
export const stepFinishedSchema = z.object({
  ...base,
  type: z.literal('step.finished'),
  taskId: idSchema,
  stepId: idSchema,
  stepType: stepTypeSchema,
  status: resultStatusSchema,
  startTime: epochMs,
  endTime: epochMs,
  /** How many times the step ran (1 + retries used). */
  attempts: z.number().int().nonnegative(),
});
export const stepMessageSchema = z.object({
  ...base,
  type: z.literal('step.message'),
  taskId: idSchema,
  stepId: idSchema,
  /** 0, 1, 2, ... per (reportId, taskId, stepId): with it a message is idempotent without seq. */
  index: z.number().int().nonnegative(),
  startTime: epochMs,
  endTime: epochMs,
  message: text,
});

export const agentEventSchema = z.discriminatedUnion('type', [
  reportStartedSchema,
  reportFinishedSchema,
  taskStartedSchema,
  taskFinishedSchema,
  stepStartedSchema,
  stepFinishedSchema,
  stepMessageSchema,
]);
export type AgentEvent = z.infer<typeof agentEventSchema>;
export type AgentEventType = AgentEvent['type'];
export type ReportStartedEvent = z.infer<typeof reportStartedSchema>;
export type ReportFinishedEvent = z.infer<typeof reportFinishedSchema>;
export type TaskStartedEvent = z.infer<typeof taskStartedSchema>;
export type TaskFinishedEvent = z.infer<typeof taskFinishedSchema>;
export type StepStartedEvent = z.infer<typeof stepStartedSchema>;
export type StepFinishedEvent = z.infer<typeof stepFinishedSchema>;
export type StepMessageEvent = z.infer<typeof stepMessageSchema>;

/** An event before the journal numbers it: what the agent's runners produce. */
export type AgentEventDraft = AgentEvent extends infer E ? (E extends AgentEvent ? Omit<E, 'seq' | 'at'> : never) : never;

/** The payload of `.../events`: one or more events of one stream, in seq order. */
export const eventBatchSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  /** Random id of the agent's event journal; a wiped state dir starts a new stream at seq 1. */
  stream: z.string().min(1).max(64),
  events: z.array(agentEventSchema).min(1).max(1000),
});
export type EventBatch = z.infer<typeof eventBatchSchema>;

/**
 * A key that is the same for a resent copy of an event, whatever its seq: use it to make
 * database writes idempotent when de-duplicating by (clientId, stream, seq) is not possible.
 */
export function eventIdentity(event: AgentEvent): string {
  switch (event.type) {
    case 'report.started':
    case 'report.finished':
      return `${event.reportId}|${event.type}`;
    case 'task.started':
    case 'task.finished':
      return `${event.reportId}|${event.type}|${event.taskId}`;
    case 'step.started':
    case 'step.finished':
      return `${event.reportId}|${event.type}|${event.taskId}|${event.stepId}`;
    case 'step.message':
      return `${event.reportId}|${event.type}|${event.taskId}|${event.stepId}|${event.index}`;
  }
}
