import type { EntityManager } from '@mikro-orm/postgresql';
import { OVERWRITE_MODES, Step, STEP_TYPES, Task, type OverwriteMode, type StepBranch, type StepType } from '../entities';
import { errors } from './errors';
import { intArray } from './filters';

/**
 * A task's script: a tree of steps. Root steps run in order; an IF step holds `conditions`
 * (GET_FILE_STATUS steps, all must hold) and a `true` and/or `false` branch of steps.
 * This is the shape of `POST /v1/tasks/{taskId}/scripts` (the document's request example), and
 * the shape the script is read back in.
 */
export interface StepInput {
  /** An existing step of this task to keep (its id stays the same); `id` is read too. */
  scriptId?: number | null;
  id?: number | null;
  type?: string;
  order?: number;
  block?: boolean;
  retryTimes?: number | null;
  retryInterval?: number | null;
  maxRetryTime?: number | null;
  filePath?: string | null;
  targetFilePath?: string | null;
  createFilePath?: boolean | null;
  ignoreHiddenFile?: boolean | null;
  overWrite?: string | null;
  interval?: number | null;
  timeOut?: number | null;
  duration?: number | null;
  compressFile?: boolean | null;
  groups?: number[] | null;
  transferOption?: Record<string, unknown> | null;
  recvFileScriptId?: number | null;
  conditions?: StepInput[] | null;
  true?: StepInput[] | null;
  false?: StepInput[] | null;
}

/** A step as read back: every field, and for IF its three lists. */
export interface ScriptStep {
  scriptId: number;
  id: number;
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
  overWrite: OverwriteMode | null;
  interval: number | null;
  timeOut: number | null;
  duration: number | null;
  compressFile: boolean | null;
  groups: number[] | null;
  transferOption: Record<string, unknown> | null;
  recvFileScriptId: number | null;
  conditions?: ScriptStep[];
  true?: ScriptStep[];
  false?: ScriptStep[];
}

/** What saving answers: the root steps (the document's `[{scriptId, scriptType}]`). */
export interface SavedRootStep {
  scriptId: number;
  scriptType: StepType;
}

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

/** A validated step with its place in the tree. */
interface CheckedStep {
  path: string;
  keepId: number | null;
  fields: Omit<ScriptStep, 'scriptId' | 'id' | 'conditions' | 'true' | 'false'>;
  children: { branch: StepBranch; steps: CheckedStep[] }[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optInt(path: string, field: string, v: unknown, min: number): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw errors.invalid(`${path}.${field}`, min === 0 ? 'a non-negative integer' : `an integer from ${min}`, v);
  return v;
}

function optBool(path: string, field: string, v: unknown): boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw errors.invalid(`${path}.${field}`, 'true or false', v);
  return v;
}

function optPath(path: string, field: string, v: unknown, required: boolean): string | null {
  if (v === undefined || v === null || v === '') {
    if (required) throw errors.invalid(`${path}.${field}`, 'a non-empty path', v === undefined ? undefined : v);
    return null;
  }
  if (typeof v !== 'string' || !v.trim()) throw errors.invalid(`${path}.${field}`, 'a non-empty path', v);
  return v;
}

/**
 * Checks a whole script before anything is written. Every error names the step by its position,
 * e.g. `[0].true[1].filePath: expected a non-empty path`.
 */
export function checkScript(input: unknown): CheckedStep[] {
  if (!Array.isArray(input)) throw errors.invalid('script', 'an array of steps', typeof input);
  return checkList('', input, null);
}

/**
 * Siblings run by their `order`, ties (and steps without one) by their place in the array; the
 * stored `order` is then renumbered 0, 1, 2... so that it always matches what is read back.
 */
function checkList(prefix: string, list: unknown[], branch: StepBranch | null): CheckedStep[] {
  const steps = list.map((raw, i) => checkStep(`${prefix}[${i}]`, raw, i, branch));
  const ranked = steps.map((s, i) => ({ s, i })).sort((a, b) => a.s.fields.order - b.s.fields.order || a.i - b.i);
  ranked.forEach(({ s }, rank) => (s.fields.order = rank));
  return ranked.map(({ s }) => s);
}

function checkStep(path: string, raw: unknown, index: number, branch: StepBranch | null): CheckedStep {
  if (!isObject(raw)) throw errors.invalid(path, 'a step object', raw);
  const s = raw as StepInput & Record<string, unknown>;
  const type = s.type;
  if (typeof type !== 'string' || !(STEP_TYPES as readonly string[]).includes(type)) {
    throw errors.invalid(`${path}.type`, `one of ${STEP_TYPES.join(', ')}`, type);
  }
  if (branch === 'CONDITION' && type !== 'GET_FILE_STATUS') {
    throw errors.invalid(`${path}.type`, 'GET_FILE_STATUS (an IF condition looks at a file)', type);
  }
  const idValue = s.scriptId ?? s.id ?? null;
  if (idValue !== null && (typeof idValue !== 'number' || !Number.isInteger(idValue) || idValue < 1)) {
    throw errors.invalid(`${path}.scriptId`, 'the id of a step of this task, or nothing for a new step', idValue);
  }
  let overWrite: OverwriteMode | null = null;
  if (s.overWrite !== undefined && s.overWrite !== null) {
    if (typeof s.overWrite !== 'string' || !(OVERWRITE_MODES as readonly string[]).includes(s.overWrite)) {
      throw errors.invalid(`${path}.overWrite`, `one of ${OVERWRITE_MODES.join(', ')}`, s.overWrite);
    }
    overWrite = s.overWrite as OverwriteMode;
  }
  let groups: number[] | null = null;
  if (type === 'BROADCAST') {
    if (!Array.isArray(s.groups) || !s.groups.length || !s.groups.every((g) => Number.isInteger(g) && g > 0)) {
      throw errors.invalid(`${path}.groups`, 'a non-empty array of group ids (the stores to broadcast to)', s.groups);
    }
    groups = [...new Set(s.groups)];
  } else if (s.groups !== undefined && s.groups !== null && !(Array.isArray(s.groups) && s.groups.length === 0)) {
    throw errors.invalid(`${path}.groups`, 'groups only on BROADCAST steps', s.groups);
  }
  if (s.transferOption !== undefined && s.transferOption !== null && !isObject(s.transferOption)) {
    throw errors.invalid(`${path}.transferOption`, 'an object', s.transferOption);
  }
  const order = optInt(path, 'order', s.order, 0) ?? index;
  const maxRetryTime = optInt(path, 'maxRetryTime', s.maxRetryTime, 0);
  const retryTimes = optInt(path, 'retryTimes', s.retryTimes, 0) ?? maxRetryTime ?? DEFAULT_RETRY_TIMES;
  const block = optBool(path, 'block', s.block) ?? true;
  const fields: CheckedStep['fields'] = {
    type: type as StepType,
    order,
    block,
    retryTimes,
    retryInterval: optInt(path, 'retryInterval', s.retryInterval, 0) ?? DEFAULT_RETRY_INTERVAL,
    maxRetryTime,
    filePath: optPath(path, 'filePath', s.filePath, NEEDS_FILE_PATH.has(type)),
    targetFilePath: optPath(path, 'targetFilePath', s.targetFilePath, NEEDS_TARGET_PATH.has(type)),
    createFilePath: optBool(path, 'createFilePath', s.createFilePath),
    ignoreHiddenFile: optBool(path, 'ignoreHiddenFile', s.ignoreHiddenFile),
    overWrite,
    interval: optInt(path, 'interval', s.interval, 1),
    timeOut: optInt(path, 'timeOut', s.timeOut, 0),
    duration: optInt(path, 'duration', s.duration, 1),
    compressFile: optBool(path, 'compressFile', s.compressFile),
    groups,
    transferOption: (s.transferOption as Record<string, unknown> | null | undefined) ?? null,
    recvFileScriptId: optInt(path, 'recvFileScriptId', s.recvFileScriptId, 1),
  };
  if (fields.recvFileScriptId !== null && type !== 'SEND_FILE') {
    throw errors.invalid(`${path}.recvFileScriptId`, 'recvFileScriptId only on SEND_FILE steps', fields.recvFileScriptId);
  }
  const children: CheckedStep['children'] = [];
  for (const [key, b] of BRANCH_KEYS) {
    const list = s[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw errors.invalid(`${path}.${key}`, 'an array of steps', list);
    if (type !== 'IF') {
      if (list.length) throw errors.invalid(`${path}.${key}`, `"${key}" only on IF steps (this step is ${type})`);
      continue;
    }
    children.push({ branch: b, steps: checkList(`${path}.${key}`, list, b) });
  }
  if (type === 'IF') {
    const count = (b: StepBranch) => children.find((c) => c.branch === b)?.steps.length ?? 0;
    if (!count('CONDITION')) throw errors.invalid(`${path}.conditions`, 'at least one GET_FILE_STATUS condition');
    if (!count('TRUE') && !count('FALSE')) throw errors.invalid(`${path}.true`, 'steps in "true" or "false" (an IF needs at least one branch)');
  }
  return { path, keepId: idValue, fields, children };
}

function* walk(steps: CheckedStep[]): Generator<CheckedStep> {
  for (const s of steps) {
    yield s;
    for (const c of s.children) yield* walk(c.steps);
  }
}

/** Checks what only the database can tell: kept ids, BROADCAST groups, SEND_FILE pairs. */
async function checkReferences(em: EntityManager, taskId: number, checked: CheckedStep[], existing: Map<number, string>): Promise<void> {
  const all = [...walk(checked)];
  const seen = new Set<number>();
  for (const s of all) {
    if (s.keepId === null) continue;
    if (!existing.has(s.keepId)) throw errors.invalid(`${s.path}.scriptId`, `the id of a step of task ${taskId}, or nothing for a new step`, s.keepId);
    if (seen.has(s.keepId)) throw errors.invalid(`${s.path}.scriptId`, 'each step id once', s.keepId);
    seen.add(s.keepId);
  }
  const groupIds = [...new Set(all.flatMap((s) => s.fields.groups ?? []))];
  if (groupIds.length) {
    const rows = await em.execute<{ id: number }[]>('select id from client_group where id = any(?::int[])', [intArray(groupIds)]);
    const found = new Set(rows.map((r) => r.id));
    for (const s of all) {
      const missing = (s.fields.groups ?? []).filter((g) => !found.has(g));
      if (missing.length) throw errors.invalid(`${s.path}.groups`, 'ids of existing groups', missing);
    }
  }
  const recvIds = [...new Set(all.map((s) => s.fields.recvFileScriptId).filter((id): id is number => id !== null))];
  if (recvIds.length) {
    const rows = await em.execute<{ id: number; type: string }[]>('select id, type from step where id = any(?::int[])', [intArray(recvIds)]);
    const types = new Map(rows.map((r) => [r.id, r.type]));
    for (const s of all) if (s.keepId !== null) types.set(s.keepId, s.fields.type);
    for (const s of all) {
      const id = s.fields.recvFileScriptId;
      if (id !== null && types.get(id) !== 'RECV_FILE') throw errors.invalid(`${s.path}.recvFileScriptId`, 'the id of a RECV_FILE step', id);
    }
  }
}

/**
 * Replaces a task's whole script in one transaction. Steps sent with the `scriptId` (or `id`) of
 * one of the task's steps keep that id; others are created; steps not sent are deleted.
 * Moves the task's `lastEditedAt`. Returns the root steps.
 */
export async function saveScript(em: EntityManager, task: Task, input: unknown, now: Date): Promise<SavedRootStep[]> {
  const checked = checkScript(input);
  return em.transactional(async (tx) => {
    const rows = await tx.execute<{ id: number; type: string }[]>('select id, type from step where task_id = ?', [task.id]);
    const existing = new Map(rows.map((r) => [r.id, r.type]));
    await checkReferences(tx, task.id, checked, existing);
    const keep = [...walk(checked)].map((s) => s.keepId).filter((id): id is number => id !== null);
    // Detach first: deleting a dropped IF must not cascade to a kept step that moved out of it.
    await tx.nativeUpdate(Step, { task: task.id }, { parent: null, branch: null });
    await tx.nativeDelete(Step, { task: task.id, id: { $nin: keep } });
    const kept = new Map((keep.length ? await tx.find(Step, { id: { $in: keep } }, { refresh: true }) : []).map((s) => [s.id, s]));
    const taskRef = tx.getReference(Task, task.id);
    // Level by level, so every parent has its id before its children are written.
    let level: { step: CheckedStep; parent: Step | null; branch: StepBranch | null }[] = checked.map((step) => ({ step, parent: null, branch: null }));
    const roots: Step[] = [];
    while (level.length) {
      const written: { checked: CheckedStep; entity: Step }[] = [];
      for (const { step, parent, branch } of level) {
        let entity: Step;
        if (step.keepId !== null) entity = Object.assign(kept.get(step.keepId)!, step.fields, { parent, branch });
        else entity = tx.create(Step, { task: taskRef, ...step.fields, parent, branch });
        if (!parent) roots.push(entity);
        written.push({ checked: step, entity });
      }
      await tx.flush();
      level = written.flatMap(({ checked: c, entity }) => c.children.flatMap((ch) => ch.steps.map((step) => ({ step, parent: entity, branch: ch.branch }))));
    }
    await tx.nativeUpdate(Task, { id: task.id }, { lastEditedAt: now });
    return roots.map((s) => ({ scriptId: s.id, scriptType: s.type }));
  });
}

function view(step: Step): ScriptStep {
  return {
    scriptId: step.id,
    id: step.id,
    type: step.type,
    order: step.order,
    block: step.block,
    retryTimes: step.retryTimes,
    retryInterval: step.retryInterval,
    maxRetryTime: step.maxRetryTime,
    filePath: step.filePath,
    targetFilePath: step.targetFilePath,
    createFilePath: step.createFilePath,
    ignoreHiddenFile: step.ignoreHiddenFile,
    overWrite: step.overWrite,
    interval: step.interval,
    timeOut: step.timeOut,
    duration: step.duration,
    compressFile: step.compressFile,
    groups: step.groups,
    transferOption: step.transferOption,
    recvFileScriptId: step.recvFileScriptId,
  };
}

/** Builds the nested tree of one task's steps (each list sorted by order, then id). */
export function buildTree(steps: Step[]): ScriptStep[] {
  const sorted = [...steps].sort((a, b) => a.order - b.order || a.id - b.id);
  const views = new Map(sorted.map((s) => [s.id, view(s)]));
  for (const v of views.values()) {
    if (v.type !== 'IF') continue;
    v.conditions = [];
    v.true = [];
    v.false = [];
  }
  const roots: ScriptStep[] = [];
  for (const s of sorted) {
    const v = views.get(s.id)!;
    const parent = s.parent ? views.get(s.parent.id) : undefined;
    if (!parent) {
      roots.push(v);
      continue;
    }
    const key = s.branch === 'CONDITION' ? 'conditions' : s.branch === 'FALSE' ? 'false' : 'true';
    (parent[key] ??= []).push(v);
  }
  return roots;
}

/** The scripts of many tasks in one query, as nested trees, in the order of `taskIds`. */
export async function readScripts(em: EntityManager, taskIds: number[]): Promise<ScriptStep[][]> {
  if (!taskIds.length) return [];
  const steps = await em.find(Step, { task: { $in: taskIds } }, { orderBy: { order: 'asc', id: 'asc' } });
  const byTask = new Map<number, Step[]>();
  for (const s of steps) {
    const list = byTask.get(s.task.id) ?? [];
    list.push(s);
    byTask.set(s.task.id, list);
  }
  return taskIds.map((id) => buildTree(byTask.get(id) ?? []));
}
