import { buildDispatch, type DispatchCommand, type DispatchTask, type Step } from '../../protocol';
import type { ScriptStep } from '../step-script';

/** A task result's script snapshot as createRun stored it (a ScriptStep tree). */
type Snapshot = Partial<ScriptStep> & Record<string, unknown>;

const steps = (list: unknown): Step[] | null => (Array.isArray(list) ? (list as Snapshot[]).map(toProtocolStep) : null);

/**
 * One step of a stored script in the protocol's form. Units differ in one place: the server
 * keeps EXECUTE_FILE's `duration` in seconds (as the API shows it), the protocol carries
 * milliseconds (docs/protocol.md 4). `retryInterval` is seconds on both sides; `interval` and
 * `timeOut` milliseconds on both.
 */
export function toProtocolStep(s: Snapshot): Step {
  return {
    id: s.id as number,
    type: s.type as Step['type'],
    order: s.order ?? 0,
    block: s.block ?? null,
    retryTimes: s.retryTimes ?? null,
    retryInterval: s.retryInterval ?? null,
    maxRetryTime: s.maxRetryTime ?? null,
    filePath: s.filePath ?? null,
    targetFilePath: s.targetFilePath ?? null,
    createFilePath: s.createFilePath ?? null,
    ignoreHiddenFile: s.ignoreHiddenFile ?? null,
    overWrite: s.overWrite ?? null,
    interval: s.interval ?? null,
    timeOut: s.timeOut ?? null,
    duration: typeof s.duration === 'number' ? s.duration * 1000 : null,
    compressFile: s.compressFile ?? null,
    groups: s.groups ?? null,
    conditions: steps(s.conditions),
    true: steps(s.true),
    false: steps(s.false),
  };
}

export interface DispatchTaskSource {
  taskId: number;
  name: string;
  disableValidation: boolean;
  script: unknown;
}

export function toDispatchTask(t: DispatchTaskSource): DispatchTask {
  return { taskId: t.taskId, name: t.name, disableValidation: t.disableValidation, steps: steps(t.script) ?? [] };
}

/**
 * Builds dispatches that differ only by `reportId` cheaply: the first is validated by the
 * protocol's builder (a bad script throws ProtocolBuildError there), the rest reuse it.
 */
export function dispatchTemplate(fields: { jobId: number; runId: number; deadline?: number; tasks: DispatchTask[] }): (reportId: string) => Buffer {
  const marker = '\u0000report\u0000';
  const template: DispatchCommand = buildDispatch({ reportId: marker, continueOnTaskFailure: false, ...fields });
  // The JSON around the id is the same for every report: serialise it once.
  const [before, after] = JSON.stringify(template).split(JSON.stringify(marker));
  return (reportId) => Buffer.from(before + JSON.stringify(reportId) + after, 'utf8');
}
