import { z } from 'zod';
import { OVERWRITE_MODES, STEP_TYPES, type OverwriteMode, type StepType } from './step-kinds';

/** Ids chosen by the management server (database ids or UUIDs); the agent only echoes them. */
export const idSchema = z.union([z.string().min(1).max(200), z.number().int()]);
export type Id = z.infer<typeof idSchema>;

export { OVERWRITE_MODES, STEP_TYPES, type OverwriteMode, type StepType };

export const stepTypeSchema = z.enum(STEP_TYPES);

/** Steps that move bytes between machines; v1 agents answer them FAILED "not supported" (docs/protocol.md, Transfers). */
export const TRANSFER_STEP_TYPES: readonly StepType[] = ['SEND_FILE', 'RECV_FILE', 'BROADCAST', 'UPLOAD_TO_SERVER'];

/**
 * One step of a task's script. Optional fields may be absent or null (the management server
 * stores them as nullable columns); the agent applies the defaults listed in docs/protocol.md.
 * Unknown fields are dropped, so a newer server can add fields without breaking v1 agents.
 *
 * Units follow the legacy API: `retryInterval` in seconds; `interval`, `timeOut` and
 * `duration` in milliseconds.
 */
export interface Step {
  id: Id;
  type: StepType;
  order: number;
  block?: boolean | null;
  retryTimes?: number | null;
  retryInterval?: number | null;
  maxRetryTime?: number | null;
  filePath?: string | null;
  targetFilePath?: string | null;
  createFilePath?: boolean | null;
  ignoreHiddenFile?: boolean | null;
  overWrite?: OverwriteMode | null;
  interval?: number | null;
  timeOut?: number | null;
  duration?: number | null;
  compressFile?: boolean | null;
  groups?: Id[] | null;
  conditions?: Step[] | null;
  true?: Step[] | null;
  false?: Step[] | null;
}

/**
 * Deepest script the protocol carries: a root step is level 1, a step in the branch of a level-1 IF
 * is level 2, and so on. The management server refuses to save a deeper script (it could never be
 * dispatched), and the JSON nesting limit of every message is derived from it (protocol.parse.ts).
 */
export const MAX_STEP_DEPTH = 60;

/** The level of the deepest step of a script (0 for no steps). Iterative: any input is safe. */
export function stepTreeDepth(steps: readonly unknown[] | null | undefined): number {
  let deepest = 0;
  const stack: { list: readonly unknown[]; level: number }[] = steps ? [{ list: steps, level: 1 }] : [];
  while (stack.length) {
    const { list, level } = stack.pop()!;
    if (!list.length) continue;
    deepest = Math.max(deepest, level);
    for (const step of list) {
      if (step === null || typeof step !== 'object') continue;
      const s = step as Record<string, unknown>;
      for (const key of ['conditions', 'true', 'false', 'whenTrue', 'whenFalse']) {
        const branch = s[key];
        if (Array.isArray(branch)) stack.push({ list: branch, level: level + 1 });
      }
    }
  }
  return deepest;
}

const count = z.number().int().min(0).max(1_000_000);
const milliseconds = z
  .number()
  .min(0)
  .max(366 * 24 * 3600 * 1000);
const path = z.string().max(4096);

export const stepSchema: z.ZodType<Step> = z.lazy(() =>
  z.object({
    id: idSchema,
    type: stepTypeSchema,
    order: z.number().int(),
    block: z.boolean().nullish(),
    retryTimes: count.nullish(),
    retryInterval: z
      .number()
      .min(0)
      .max(7 * 24 * 3600)
      .nullish(),
    maxRetryTime: count.nullish(),
    filePath: path.nullish(),
    targetFilePath: path.nullish(),
    createFilePath: z.boolean().nullish(),
    ignoreHiddenFile: z.boolean().nullish(),
    overWrite: z.enum(OVERWRITE_MODES).nullish(),
    interval: milliseconds.nullish(),
    timeOut: milliseconds.nullish(),
    duration: milliseconds.nullish(),
    compressFile: z.boolean().nullish(),
    groups: z.array(idSchema).nullish(),
    conditions: z.array(stepSchema).nullish(),
    true: z.array(stepSchema).nullish(),
    false: z.array(stepSchema).nullish(),
  }),
);

/** Steps run by ascending `order`; equal orders keep their position in the array. */
export function sortSteps(steps: readonly Step[] | null | undefined): Step[] {
  return [...(steps ?? [])]
    .map((step, index) => ({ step, index }))
    .sort((a, b) => a.step.order - b.step.order || a.index - b.index)
    .map(({ step }) => step);
}
