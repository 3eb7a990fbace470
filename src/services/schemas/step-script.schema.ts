import { OVERWRITE_MODES, STEP_TYPES, type StepBranch, type StepType } from '../../entities';
import { MAX_STEP_DEPTH, stepTreeDepth } from '../../protocol';
import { errors } from '../errors';
import { expect, f, intSchema, MAX_INT, noNul, nulText } from './fields';
import { parseInput, type RuleParams } from './parse';
import { z } from './zod';

/**
 * A task's script: a tree of steps. Root steps run in order; an IF step holds `conditions`
 * (GET_FILE_STATUS steps, all must hold) and a `true` and/or `false` branch of steps. This is the
 * shape of `POST /v1/tasks/{taskId}/scripts` (the document's request example); GraphQL's
 * `whenTrue`/`whenFalse` are renamed by its resolver. Every field may be null for "not given".
 */
export interface StepInput extends Partial<Nullable<Omit<StepFields, 'type' | 'overWrite' | 'order' | 'block'>>> {
  /** An existing step of this task to keep (its id stays the same); `id` is read too. */
  scriptId?: number | null;
  id?: number | null;
  type?: string;
  order?: number | null;
  block?: boolean | null;
  overWrite?: string | null;
  conditions?: StepInput[] | null;
  true?: StepInput[] | null;
  false?: StepInput[] | null;
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

/** Most steps one script may hold, branches included: a dispatch carries the whole script (docs/rest-compat.md). */
export const MAX_SCRIPT_STEPS = 2_000;

/** DOMAIN.md: retries default to 4 attempts, 20 s apart. */
export const DEFAULT_RETRY_TIMES = 4;
export const DEFAULT_RETRY_INTERVAL = 20;

/** Steps that read a source path: all but IF and RECV_FILE (which only writes targetFilePath). */
const NEEDS_FILE_PATH: ReadonlySet<string> = new Set(STEP_TYPES.filter((t) => t !== 'IF' && t !== 'RECV_FILE'));
const NEEDS_TARGET_PATH: ReadonlySet<string> = new Set(['COPY_FILE', 'RECV_FILE']);
const BRANCH_KEYS = [
  ['conditions', 'CONDITION'],
  ['true', 'TRUE'],
  ['false', 'FALSE'],
] as const;

const count = (min: number) => intSchema(min, MAX_INT, min === 0 ? 'a non-negative integer' : `an integer from ${min}`).nullish();
/** "" and null: no path; blank text is refused (it names no file). */
const path = () =>
  z
    .string(expect('a non-empty path'))
    .refine((v) => v === '' || v.trim() !== '', expect('a non-empty path'))
    .refine(noNul, nulText)
    .nullish();
const stepList = (step: () => z.ZodType<ParsedStep>): z.ZodType<ParsedStep[] | null | undefined> =>
  z.array(z.lazy(step), expect('an array of steps')).nullish();

/** A step as the schema gives it (before defaults), written out: the schema refers to itself. */
interface ParsedStep extends Partial<Nullable<Omit<StepFields, 'type' | 'groups'>>> {
  scriptId?: number | null;
  id?: number | null;
  type: StepType;
  groups?: unknown[] | null;
  conditions?: ParsedStep[] | null;
  true?: ParsedStep[] | null;
  false?: ParsedStep[] | null;
}

/** One step's own fields, its branches aside; the rules between them are in `stepRules`. */
export const stepFields = {
  scriptId: intSchema(1, MAX_INT, 'the id of a step of this task, or nothing for a new step').nullish(),
  id: intSchema(1, MAX_INT, 'the id of a step of this task, or nothing for a new step').nullish(),
  type: f.enum(STEP_TYPES),
  order: count(0),
  block: f.bool().nullish(),
  retryTimes: count(0),
  retryInterval: count(0),
  maxRetryTime: count(0),
  filePath: path(),
  targetFilePath: path(),
  createFilePath: f.bool().nullish(),
  ignoreHiddenFile: f.bool().nullish(),
  overWrite: f.enum(OVERWRITE_MODES).nullish(),
  interval: count(1),
  timeOut: count(0),
  duration: count(1),
  compressFile: f.bool().nullish(),
  groups: z.array(z.unknown(), expect('a non-empty array of group ids (the stores to broadcast to)')).nullish(),
  transferOption: z.record(z.string(), z.unknown(), expect('an object')).nullish(),
  recvFileScriptId: count(1),
};

const stepShape = {
  ...stepFields,
  conditions: stepList(() => conditionSchema),
  true: stepList(() => stepSchema),
  false: stepList(() => stepSchema),
};

/** The rules between a step's fields: which paths its type needs, where groups and branches may be. */
function stepRules(s: ParsedStep, ctx: z.core.$RefinementCtx<ParsedStep>): void {
  const refuse = (path: PropertyKey[], expected: string) =>
    ctx.addIssue({ code: 'custom', path, message: `expected ${expected}`, input: s, params: { ruleOnOptional: true } satisfies RuleParams });
  if (NEEDS_FILE_PATH.has(s.type) && !s.filePath) refuse(['filePath'], 'a non-empty path');
  if (NEEDS_TARGET_PATH.has(s.type) && !s.targetFilePath) refuse(['targetFilePath'], 'a non-empty path');
  if (s.type === 'BROADCAST') {
    if (!s.groups?.length || !s.groups.every((g) => Number.isInteger(g) && (g as number) > 0))
      refuse(['groups'], 'a non-empty array of group ids (the stores to broadcast to)');
  } else if (s.groups?.length) refuse(['groups'], 'groups only on BROADCAST steps');
  if (s.recvFileScriptId != null && s.type !== 'SEND_FILE') refuse(['recvFileScriptId'], 'recvFileScriptId only on SEND_FILE steps');
  for (const [key] of BRANCH_KEYS) {
    if (s.type !== 'IF' && s[key]?.length) refuse([key], `"${key}" only on IF steps (this step is ${s.type})`);
  }
  if (s.type === 'IF') {
    if (!s.conditions?.length) refuse(['conditions'], 'at least one GET_FILE_STATUS condition');
    else if (!s.true?.length && !s.false?.length) refuse(['true'], 'steps in "true" or "false" (an IF needs at least one branch)');
  }
}

const stepObject: z.ZodType<ParsedStep> = z.object(stepShape, expect('a step object'));
const stepSchema: z.ZodType<ParsedStep> = stepObject.superRefine(stepRules);
const conditionSchema: z.ZodType<ParsedStep> = stepObject
  .refine((s) => s.type === 'GET_FILE_STATUS', { path: ['type'], error: () => 'expected GET_FILE_STATUS (an IF condition looks at a file)' })
  .superRefine(stepRules);

/** A whole script, as both doors send it. */
export const scriptSchema = z.array(stepSchema, expect('an array of steps'));

/** A checked step with its place in the tree: what saving writes. */
export interface CheckedStep {
  path: string;
  keepId: number | null;
  fields: StepFields;
  children: { branch: StepBranch; steps: CheckedStep[] }[];
}

/** A step's own fields as stored and read back (one column each), its place in the tree aside. */
export interface StepFields {
  type: StepType;
  order: number;
  block: boolean;
  retryTimes: number | null;
  retryInterval: number | null;
  maxRetryTime: number | null;
  filePath: string | null;
  targetFilePath: string | null;
  createFilePath: boolean | null;
  ignoreHiddenFile: boolean | null;
  overWrite: (typeof OVERWRITE_MODES)[number] | null;
  interval: number | null;
  timeOut: number | null;
  duration: number | null;
  compressFile: boolean | null;
  groups: number[] | null;
  transferOption: Record<string, unknown> | null;
  recvFileScriptId: number | null;
}

/**
 * Checks a whole script before anything is written and gives it with its defaults. Every error
 * names the step by its position, e.g. `[0].true[1].filePath: expected a non-empty path`.
 */
export function parseScript(input: unknown): CheckedStep[] {
  if (!Array.isArray(input)) throw errors.invalid('script', 'an array of steps', typeof input);
  // Before the schema, so that its recursion never meets a tree deeper than the protocol's.
  const depth = stepTreeDepth(input);
  if (depth > MAX_STEP_DEPTH) {
    throw errors.invalid(
      'script',
      `steps nested at most ${MAX_STEP_DEPTH} levels deep (the deepest script an agent can be sent); this one is ${depth} levels deep`,
    );
  }
  const total = countSteps(input);
  if (total > MAX_SCRIPT_STEPS) throw errors.invalid('script', `at most ${MAX_SCRIPT_STEPS} steps in all; this one has ${total}`);
  return checkedList('', parseInput(scriptSchema, input, 'script'));
}

/** Every step of a raw tree, branches included (iterative). */
function countSteps(input: unknown[]): number {
  let total = 0;
  const stack: unknown[][] = [input];
  while (stack.length) {
    const list = stack.pop()!;
    total += list.length;
    for (const step of list) {
      if (typeof step !== 'object' || step === null) continue;
      for (const [key] of BRANCH_KEYS) {
        const branch = (step as Record<string, unknown>)[key];
        if (Array.isArray(branch)) stack.push(branch);
      }
    }
  }
  return total;
}

/**
 * Siblings run by their `order`, ties (and steps without one) by their place in the array; the
 * stored `order` is then renumbered 0, 1, 2... so that it always matches what is read back.
 */
function checkedList(prefix: string, list: ParsedStep[]): CheckedStep[] {
  const steps = list.map((s, i) => checkedStep(`${prefix}[${i}]`, s, i));
  const ranked = steps.map((s, i) => ({ s, i })).sort((a, b) => a.s.fields.order - b.s.fields.order || a.i - b.i);
  ranked.forEach(({ s }, rank) => (s.fields.order = rank));
  return ranked.map(({ s }) => s);
}

function checkedStep(path: string, s: ParsedStep, index: number): CheckedStep {
  const maxRetryTime = s.maxRetryTime ?? null;
  const children: CheckedStep['children'] = [];
  if (s.type === 'IF') {
    for (const [key, branch] of BRANCH_KEYS) if (s[key]) children.push({ branch, steps: checkedList(`${path}.${key}`, s[key]) });
  }
  return {
    path,
    keepId: s.scriptId ?? s.id ?? null,
    children,
    fields: {
      type: s.type,
      order: s.order ?? index,
      block: s.block ?? true,
      retryTimes: s.retryTimes ?? maxRetryTime ?? DEFAULT_RETRY_TIMES,
      retryInterval: s.retryInterval ?? DEFAULT_RETRY_INTERVAL,
      maxRetryTime,
      filePath: s.filePath || null,
      targetFilePath: s.targetFilePath || null,
      createFilePath: s.createFilePath ?? null,
      ignoreHiddenFile: s.ignoreHiddenFile ?? null,
      overWrite: s.overWrite ?? null,
      interval: s.interval ?? null,
      timeOut: s.timeOut ?? null,
      duration: s.duration ?? null,
      compressFile: s.compressFile ?? null,
      groups: s.type === 'BROADCAST' ? [...new Set(s.groups as number[])] : null,
      transferOption: s.transferOption ?? null,
      recvFileScriptId: s.recvFileScriptId ?? null,
    },
  };
}
