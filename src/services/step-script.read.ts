import type { EntityManager } from '@mikro-orm/postgresql';
import type { OverwriteMode, StepBranch, StepType } from '../entities';
import { intArray } from './filters';
import type { StepFields } from './schemas/step-script.schema';

/*
 * Reading tasks' scripts back as nested trees (the shape `GET /v1/tasks/{taskId}/scripts` and
 * GraphQL's `steps` answer, and a dispatch carries).
 */

/** A step as read back: every field, and for IF its three lists. */
export interface ScriptStep extends StepFields {
  scriptId: number;
  id: number;
  conditions?: ScriptStep[];
  true?: ScriptStep[];
  false?: ScriptStep[];
}

/** The columns of a step row, in the order of STEP_COLUMNS_SQL. */
export interface StepRow {
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

export const STEP_COLUMNS_SQL = `id int, task_id int, parent_id int, branch varchar(255), "order" int, type varchar(255), block boolean,
  retry_times int, retry_interval int, max_retry_time int, file_path text, target_file_path text, create_file_path boolean,
  ignore_hidden_file boolean, over_write varchar(255), "interval" int, time_out int, duration int, compress_file boolean,
  groups jsonb, transfer_option jsonb, recv_file_script_id int`;
export const STEP_COLUMNS = STEP_COLUMNS_SQL.split(',').map((c) => c.trim().split(' ')[0]);

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
