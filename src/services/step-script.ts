import type { EntityManager } from '@mikro-orm/postgresql';
import { Task, type StepBranch, type StepType } from '../entities';
import { errors } from './errors';
import { queryBound } from './execution/sql';
import { intArray } from './filters';
import { parseScript, type CheckedStep, type StepFields } from './schemas/step-script.schema';
import { STEP_COLUMNS, STEP_COLUMNS_SQL, type StepRow } from './step-script.read';

/*
 * Saving a task's script: the schema (schemas/step-script.schema.ts) checks its shape, this
 * module what only the database can tell, then writes it. Reading it back is step-script.read.ts.
 */
export { MAX_SCRIPT_STEPS, type StepInput } from './schemas/step-script.schema';
export { buildTree, readScripts, type ScriptStep } from './step-script.read';

/** What saving answers: the root steps (the document's `[{scriptId, scriptType}]`). */
export interface SavedRootStep {
  scriptId: number;
  scriptType: StepType;
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

function stepRow(id: number, taskId: number, parentId: number | null, branch: StepBranch | null, f: StepFields): StepRow {
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
  const checked = parseScript(input);
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
