import type { EntityManager } from '@mikro-orm/postgresql';
import { sortSteps, type Step } from '../../protocol';
import { StoredFile } from '../../entities';
import { spoolSessionId } from './transfer-context';
import type { UploadSessions } from './upload-sessions';

type ScriptStep = Pick<Step, 'id' | 'type' | 'order' | 'targetFilePath' | 'overWrite' | 'createFilePath' | 'compressFile' | 'groups'> & {
  recvFileScriptId?: number | null;
  conditions?: ScriptStep[];
  true?: ScriptStep[];
  false?: ScriptStep[];
};

/** A task's steps in the order they run, branches in place (condition, true, false). */
function flatten(steps: readonly ScriptStep[] | null | undefined, into: ScriptStep[] = []): ScriptStep[] {
  for (const step of sortSteps(steps as Step[]) as ScriptStep[]) {
    into.push(step);
    flatten(step.conditions, into);
    flatten(step.true, into);
    flatten(step.false, into);
  }
  return into;
}

/** The script of task `taskId` as dispatched in report row `reportRowId` (task_result.script); undefined when the report has no such task. */
export async function dispatchedScript(em: EntityManager, reportRowId: number, taskId: string | number): Promise<{ script: unknown } | undefined> {
  const [task] = await em.execute<{ script: unknown }[]>('select script from task_result where report_id = ? and task_id = ? limit 1', [
    reportRowId,
    Number(taskId),
  ]);
  return task;
}

/** Step `stepId` of a task's script as dispatched (task_result.script), branches included; undefined when it has none. */
export function scriptStep(script: unknown, stepId: string | number): ScriptStep | undefined {
  return flatten(Array.isArray(script) ? (script as ScriptStep[]) : []).find((s) => String(s.id) === String(stepId));
}

/**
 * DOMAIN.md: a RECV_FILE pairs with the nearest SEND_FILE before it in the same task; a SEND_FILE
 * that names it (`recvFileScriptId`, the API's explicit pairing) wins.
 */
export function pairedSendStep(script: unknown, recvStepId: string | number): { send?: ScriptStep; recv?: ScriptStep } {
  const steps = flatten(Array.isArray(script) ? (script as ScriptStep[]) : []);
  const at = steps.findIndex((s) => String(s.id) === String(recvStepId));
  if (at < 0) return {};
  const named = steps.find((s) => s.type === 'SEND_FILE' && s.recvFileScriptId != null && String(s.recvFileScriptId) === String(recvStepId));
  if (named) return { send: named, recv: steps[at] };
  for (let i = at - 1; i >= 0; i--) if (steps[i].type === 'SEND_FILE') return { send: steps[i], recv: steps[at] };
  return { recv: steps[at] };
}

export interface SenderState {
  mqttClientId: string;
  state: 'ready' | 'waiting' | 'failed';
  reason?: string;
  files: StoredFile[];
}

const FINAL = new Set(['SUCCESS', 'FAILED', 'NOT_EXECUTE']);

/**
 * Where each SERVER client of the run stands with the SEND_FILE step: ready (its step succeeded:
 * its files are in the store; or, with `uploads`, this gateway takes the upload of the step's last
 * file now: the files are offered while that one arrives), waiting, or failed (its report ended
 * without the step succeeding).
 */
export async function senderStates(
  em: EntityManager,
  runId: number,
  taskId: string | number,
  sendStepId: string | number,
  uploads?: Pick<UploadSessions, 'streamingFile'>,
): Promise<SenderState[]> {
  const servers = await em.execute<{ id: number; report_id: string; status: string; mqtt_client_id: string; step_status: string | null }[]>(
    `select r.id, r.report_id, r.status, c.mqtt_client_id,
       (select s.status from step_result s join task_result t on t.id = s.task_result_id
         where t.report_id = r.id and t.task_id = ? and s.step_id = ? order by s.id desc limit 1) as step_status
     from report r join client c on c.id = r.client_id
     where r.run_id = ? and c.role = 'SERVER' order by c.mqtt_client_id`,
    [Number(taskId), Number(sendStepId), runId],
  );
  const states: SenderState[] = [];
  const sessionId = spoolSessionId('SEND_FILE', taskId, sendStepId);
  for (const s of servers) {
    const streaming = FINAL.has(s.status) || s.step_status === 'SUCCESS' ? undefined : uploads?.streamingFile(s.mqtt_client_id, s.report_id, sessionId);
    if (s.step_status === 'SUCCESS' || streaming !== undefined) {
      const rows = await em.find(
        StoredFile,
        {
          mqttClientId: s.mqtt_client_id,
          sessionId,
          ...(streaming === undefined ? { status: 'COMPLETE' as const } : { $and: [{ $or: [{ status: 'COMPLETE' as const }, { id: streaming }] }] }),
          $or: [{ reportId: s.report_id }, { reportId: { $like: `${s.report_id.replace(/[\\%_]/g, '\\$&')}#%` } }],
        },
        { orderBy: { id: 'desc' } },
      );
      // A retried SEND uploads again: the newest file of each name counts.
      const byName = new Map<string, StoredFile>();
      for (const row of rows) if (!byName.has(row.name)) byName.set(row.name, row);
      const files = [...byName.values()].sort((a, b) => a.id - b.id);
      states.push(
        files.length
          ? { mqttClientId: s.mqtt_client_id, state: 'ready', files }
          : { mqttClientId: s.mqtt_client_id, state: 'failed', reason: `SERVER client ${s.mqtt_client_id} sent no file`, files },
      );
    } else if (FINAL.has(s.status)) {
      states.push({
        mqttClientId: s.mqtt_client_id,
        state: 'failed',
        reason: `SERVER client ${s.mqtt_client_id}'s report ended ${s.status} without sending (its SEND_FILE step is ${s.step_status ?? 'not run'})`,
        files: [],
      });
    } else states.push({ mqttClientId: s.mqtt_client_id, state: 'waiting', files: [] });
  }
  return states;
}
