import { z } from 'zod';
import { PROTOCOL_VERSION } from './protocol.topics';
import { idSchema, MAX_STEP_DEPTH, stepSchema, stepTreeDepth } from './step.schema';

const version = z.literal(PROTOCOL_VERSION);

/** One task of a dispatched report, with its full step tree. */
export const dispatchTaskSchema = z.object({
  taskId: idSchema,
  name: z.string().max(500).nullish(),
  /** When true the agent skips the after-task check of targets and checksums. */
  disableValidation: z.boolean().nullish(),
  steps: z
    .array(stepSchema)
    .max(10_000)
    .refine((steps) => stepTreeDepth(steps) <= MAX_STEP_DEPTH, { message: `steps nested at most ${MAX_STEP_DEPTH} levels deep` }),
});
export type DispatchTask = z.infer<typeof dispatchTaskSchema>;

/**
 * Run a report's work. Idempotent by `reportId`: an agent that already queued, runs or ran the
 * report does not run it again, it re-sends its latest state instead.
 */
export const dispatchCommandSchema = z.object({
  v: version,
  type: z.literal('dispatch'),
  reportId: z.string().min(1).max(200),
  jobId: idSchema.nullish(),
  runId: idSchema.nullish(),
  /** Default false: the first FAILED task ends the report, later tasks do not run. */
  continueOnTaskFailure: z.boolean().nullish(),
  /**
   * The run's deadline (epoch ms): transfer steps that wait for a file (RECV_FILE, BROADCAST
   * deliveries) give up then. Absent from older gateways: the agent then bounds the wait itself.
   */
  deadline: z.number().int().positive().nullish(),
  tasks: z.array(dispatchTaskSchema).max(1000),
});
export type DispatchCommand = z.infer<typeof dispatchCommandSchema>;

/** Inclusive `[from, to]` seq ranges. */
export const seqRangesSchema = z.array(z.tuple([z.number().int().positive(), z.number().int().positive()])).max(10_000);
export type SeqRanges = z.infer<typeof seqRangesSchema>;

/** The gateway has stored these events durably; the agent may forget them. Selective, so several gateways can each ack what they saw. */
export const ackCommandSchema = z.object({
  v: version,
  type: z.literal('ack'),
  stream: z.string().min(1).max(64),
  ranges: seqRangesSchema,
});
export type AckCommand = z.infer<typeof ackCommandSchema>;

/** Stop a queued or running report; it ends FAILED with the reason. */
export const cancelCommandSchema = z.object({
  v: version,
  type: z.literal('cancel'),
  reportId: z.string().min(1).max(200),
  reason: z.string().max(1000).nullish(),
});
export type CancelCommand = z.infer<typeof cancelCommandSchema>;

export const commandSchema = z.discriminatedUnion('type', [dispatchCommandSchema, ackCommandSchema, cancelCommandSchema]);
export type Command = z.infer<typeof commandSchema>;
export type CommandType = Command['type'];
