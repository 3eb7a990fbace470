import type { EntityManager } from '@mikro-orm/postgresql';
import { OVERWRITE_MODES, STEP_TYPES, Task, type OverwriteMode, type StepBranch, type StepType } from '../entities';
import { MAX_STEP_DEPTH, stepTreeDepth } from '../protocol';
import { errors } from './errors';
import { queryBound } from './execution/sql';
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
  // Before the recursive checks, so that they never meet a tree deeper than the protocol's.
  const depth = stepTreeDepth(input);
  if (depth > MAX_STEP_DEPTH) {
    throw errors.invalid(
      'script',
      `steps nested at most ${MAX_STEP_DEPTH} levels deep (the deepest script an agent can be sent); this one is ${depth} levels deep`,
    );
  }
  const total = countSteps(input);
  if (total > MAX_SCRIPT_STEPS) throw errors.invalid('script', `at most ${MAX_SCRIPT_STEPS} steps in all; this one has ${total}`);
  return checkList('', input, null);
}

/** Every step of a raw tree, branches included (iterative). */
function countSteps(input: unknown[]): number {
  let total = 0;
  const stack: unknown[][] = [input];
  while (stack.length) {
    const list = stack.pop()!;
    total += list.length;
    for (const step of list) {
      if (!isObject(step)) continue;
      for (const [key] of BRANCH_KEYS) if (Array.isArray(step[key])) stack.push(step[key] as unknown[]);
    }
  }
  return total;
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

/** The columns of a step row, in the order of STEP_COLUMNS_SQL. */
interface StepRow {
  id: number;
  task_id: number;
  parent_id: number | null;
  branch: StepBranch | null;
  order: number;
  type: StepType;
  block: boolean;
  retry_times: number | null;
  retry_interval: number | null;
  max_retry_time: number | null;
  file_path: string | null;
  target_file_path: string | null;
  create_file_path: boolean | null;
  ignore_hidden_file: boolean | null;
  over_write: OverwriteMode | null;
  interval: number | null;
  time_out: number | null;
  duration: number | null;
  compress_file: boolean | null;
  groups: number[] | null;
  transfer_option: Record<string, unknown> | null;
  recv_file_script_id: number | null;
}

const STEP_COLUMNS_SQL = `id int, task_id int, parent_id int, branch varchar(255), "order" int, type varchar(255), block boolean,
  retry_times int, retry_interval int, max_retry_time int, file_path text, target_file_path text, create_file_path boolean,
  ignore_hidden_file boolean, over_write varchar(255), "interval" int, time_out int, duration int, compress_file boolean,
  groups jsonb, transfer_option jsonb, recv_file_script_id int`;
const STEP_COLUMNS = STEP_COLUMNS_SQL.split(',').map((c) => c.trim().split(' ')[0]);

function stepRow(id: number, taskId: number, parentId: number | null, branch: StepBranch | null, f: CheckedStep['fields']): StepRow {
  return {
    id,
    task_id: taskId,
    parent_id: parentId,
    branch,
    order: f.order,
    type: f.type,
    block: f.block,
    retry_times: f.retryTimes,
    retry_interval: f.retryInterval,
    max_retry_time: f.maxRetryTime,
    file_path: f.filePath,
    target_file_path: f.targetFilePath,
    create_file_path: f.createFilePath,
    ignore_hidden_file: f.ignoreHiddenFile,
    over_write: f.overWrite,
    interval: f.interval,
    time_out: f.timeOut,
    duration: f.duration,
    compress_file: f.compressFile,
    groups: f.groups,
    transfer_option: f.transferOption,
    recv_file_script_id: f.recvFileScriptId,
  };
}

/**
 * Replaces a task's whole script in one transaction. Steps sent with the `scriptId` (or `id`) of
 * one of the task's steps keep that id; others are created; steps not sent are deleted.
 * Moves the task's `lastEditedAt`. Returns the root steps.
 *
 * A fixed number of statements whatever the script's size or depth: ids for the new steps come
 * from the sequence in one query, so every row (its parent's id included) is known before
 * anything is written; then one insert and one update carry all rows as a JSON array. (Writing
 * level by level through the unit of work cost a flush per level over every managed step:
 * quadratic in deep scripts.)
 */
export async function saveScript(em: EntityManager, task: Task, input: unknown, now: Date): Promise<SavedRootStep[]> {
  const checked = checkScript(input);
  return em.transactional(async (tx) => {
    const rows = await tx.execute<{ id: number; type: string }[]>('select id, type from step where task_id = ?', [task.id]);
    const existing = new Map(rows.map((r) => [r.id, r.type]));
    await checkReferences(tx, task.id, checked, existing);
    const all = [...walk(checked)];
    const keep = all.map((s) => s.keepId).filter((id): id is number => id !== null);
    const fresh = all.length - keep.length;
    const freshIds = fresh
      ? (await tx.execute<{ id: number }[]>(`select nextval(pg_get_serial_sequence('step', 'id'))::int as id from generate_series(1, ?)`, [fresh])).map(
          (r) => r.id,
        )
      : [];
    const ids = new Map<CheckedStep, number>();
    let next = 0;
    for (const s of all) ids.set(s, s.keepId ?? freshIds[next++]);
    const inserts: StepRow[] = [];
    const updates: StepRow[] = [];
    const place = (steps: CheckedStep[], parent: number | null, branch: StepBranch | null) => {
      for (const s of steps) (s.keepId === null ? inserts : updates).push(stepRow(ids.get(s)!, task.id, parent, branch, s.fields));
    };
    place(checked, null, null);
    for (const s of all) for (const c of s.children) place(c.steps, ids.get(s)!, c.branch);

    // Detach first: deleting a dropped IF must not cascade to a kept step that moved out of it.
    await tx.execute('update step set parent_id = null, branch = null where task_id = ?', [task.id]);
    await tx.execute('delete from step where task_id = ? and not (id = any(?::int[]))', [task.id, intArray(keep)]);
    // One statement: PostgreSQL checks the parent references at its end, so parents and children may come in any order.
    if (inserts.length) {
      await queryBound(
        tx,
        `insert into step (${STEP_COLUMNS.join(', ')}) select ${STEP_COLUMNS.map((c) => `x.${c}`).join(', ')} from jsonb_to_recordset(?::jsonb) as x(${STEP_COLUMNS_SQL})`,
        [JSON.stringify(inserts)],
      );
    }
    if (updates.length) {
      const set = STEP_COLUMNS.filter((c) => c !== 'id').map((c) => `${c} = x.${c}`);
      await queryBound(tx, `update step s set ${set.join(', ')} from jsonb_to_recordset(?::jsonb) as x(${STEP_COLUMNS_SQL}) where s.id = x.id`, [
        JSON.stringify(updates),
      ]);
    }
    await tx.nativeUpdate(Task, { id: task.id }, { lastEditedAt: now });
    return checked.map((s) => ({ scriptId: ids.get(s)!, scriptType: s.fields.type }));
  });
}

function view(row: StepRow): ScriptStep {
  return {
    scriptId: row.id,
    id: row.id,
    type: row.type,
    order: row.order,
    block: row.block,
    retryTimes: row.retry_times,
    retryInterval: row.retry_interval,
    maxRetryTime: row.max_retry_time,
    filePath: row.file_path,
    targetFilePath: row.target_file_path,
    createFilePath: row.create_file_path,
    ignoreHiddenFile: row.ignore_hidden_file,
    overWrite: row.over_write,
    interval: row.interval,
    timeOut: row.time_out,
    duration: row.duration,
    compressFile: row.compress_file,
    groups: row.groups,
    transferOption: row.transfer_option,
    recvFileScriptId: row.recv_file_script_id,
  };
}

/** Builds the nested tree of one task's steps (each list sorted by order, then id). */
export function buildTree(rows: readonly StepRow[]): ScriptStep[] {
  const sorted = [...rows].sort((a, b) => a.order - b.order || a.id - b.id);
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
    const parent = s.parent_id !== null ? views.get(s.parent_id) : undefined;
    if (!parent) {
      roots.push(v);
      continue;
    }
    const key = s.branch === 'CONDITION' ? 'conditions' : s.branch === 'FALSE' ? 'false' : 'true';
    (parent[key] ??= []).push(v);
  }
  return roots;
}

/**
 * The scripts of many tasks in one query, as nested trees, in the order of `taskIds`. Plain rows,
 * not entities: hydrating a 10,000-step script into MikroORM entities held the event loop for seconds.
 */
export async function readScripts(em: EntityManager, taskIds: number[]): Promise<ScriptStep[][]> {
  if (!taskIds.length) return [];
  const rows = await em.execute<StepRow[]>(`select ${STEP_COLUMNS.join(', ')} from step where task_id = any(?::int[])`, [intArray(taskIds)]);
  const byTask = new Map<number, StepRow[]>();
  for (const r of rows) {
    const list = byTask.get(r.task_id) ?? [];
    list.push(r);
    byTask.set(r.task_id, list);
  }
  return taskIds.map((id) => buildTree(byTask.get(id) ?? []));
}
