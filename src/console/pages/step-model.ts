/**
 * The step-script editor's model: a draft of a task's script as the form holds it, read from
 * `Task.script` (one JSON value in the StepInput shape: a tree of any depth could not be asked for
 * field by field within the API's cost limit) and written back as `StepInput` for `saveTaskScript`. The server checks the script
 * (required paths per type, IF shape) and names the step at fault by its position, e.g.
 * `[0].true[1].filePath`; `stepPath` builds the same names so the error lands on its input.
 */
import { OVERWRITE_MODES, STEP_TYPES, type StepType } from '../../protocol/step-kinds';

export { OVERWRITE_MODES, STEP_TYPES, type StepType };

export type Branch = 'conditions' | 'whenTrue' | 'whenFalse';

/** The options a step type has beyond type, block and the retry options (docs: shared DOMAIN.md, Step in schema.graphql). */
export type OptionField =
  'filePath' | 'targetFilePath' | 'createFilePath' | 'ignoreHiddenFile' | 'overWrite' | 'interval' | 'timeOut' | 'duration' | 'compressFile' | 'groups';

/** Which options each type shows; a Record, so a new step type fails the type check until it is listed. */
export const STEP_OPTIONS: Record<StepType, readonly OptionField[]> = {
  COPY_FILE: ['filePath', 'targetFilePath', 'createFilePath', 'overWrite'],
  DELETE_FILE: ['filePath', 'ignoreHiddenFile'],
  EXECUTE_FILE: ['filePath', 'duration'],
  WAIT_FLAG_FILE: ['filePath', 'interval', 'timeOut'],
  GET_FILE_STATUS: ['filePath'],
  IF: [],
  SEND_FILE: ['filePath', 'targetFilePath', 'overWrite', 'createFilePath', 'ignoreHiddenFile', 'compressFile'],
  RECV_FILE: ['targetFilePath', 'overWrite', 'createFilePath'],
  BROADCAST: ['filePath', 'targetFilePath', 'groups', 'overWrite', 'createFilePath', 'ignoreHiddenFile', 'compressFile'],
  UPLOAD_TO_SERVER: ['filePath', 'compressFile'],
};

export const STEP_HELP: Record<StepType, string> = {
  COPY_FILE: 'Copy the file to the target path on the same agent.',
  DELETE_FILE: 'Delete a file or a folder.',
  EXECUTE_FILE: 'Run the file; exit code 0 is success, its output goes into the step messages.',
  WAIT_FLAG_FILE: 'Wait until the file exists, polling every interval, up to the time-out.',
  GET_FILE_STATUS: 'Look at the file (exists, size, modified); as an IF condition it holds when the file exists.',
  IF: 'Check the conditions (all must hold), then run the true or the false steps.',
  SEND_FILE: 'On a SERVER client: push the file to the STORE clients of the run that run the paired RECV_FILE.',
  RECV_FILE: 'On a STORE client: receive the file of the paired SEND_FILE and write it to the target path.',
  BROADCAST: 'On a SERVER client: send the file to every client of the chosen groups at once.',
  UPLOAD_TO_SERVER: "Send the file to the management server's file store.",
};

export interface DraftStep {
  /** React's key: stable while steps move. */
  key: string;
  /** The saved step's id (kept on save, so execution records still refer to it). */
  id?: number;
  type: StepType;
  block: boolean;
  retryTimes: number | null;
  retryInterval: number | null;
  filePath: string;
  targetFilePath: string;
  createFilePath: boolean;
  ignoreHiddenFile: boolean;
  overWrite: string | null;
  interval: number | null;
  timeOut: number | null;
  duration: number | null;
  compressFile: boolean;
  groups: number[];
  conditions: DraftStep[];
  whenTrue: DraftStep[];
  whenFalse: DraftStep[];
  /** Options the editor does not show (maxRetryTime, transferOption, recvFileScriptId): saved back as they were read. */
  kept: Record<string, unknown>;
}

let counter = 0;
const newKey = () => `s${++counter}`;

export function newStep(type: StepType): DraftStep {
  return {
    key: newKey(),
    type,
    block: true,
    retryTimes: null,
    retryInterval: null,
    filePath: '',
    targetFilePath: '',
    createFilePath: false,
    ignoreHiddenFile: false,
    overWrite: null,
    interval: null,
    timeOut: null,
    duration: null,
    compressFile: false,
    groups: [],
    kept: {},
    // A new IF starts with the condition it needs, so it can be filled in rather than assembled.
    conditions: type === 'IF' ? [newStep('GET_FILE_STATUS')] : [],
    whenTrue: [],
    whenFalse: [],
  };
}

const KEPT = ['maxRetryTime', 'transferOption', 'recvFileScriptId'] as const;

/** A step of `Task.script` (the StepInput shape, read as one JSON value however deep it nests). */
export type ApiStep = Partial<Omit<DraftStep, 'key' | 'kept' | 'conditions' | 'whenTrue' | 'whenFalse'>> & {
  maxRetryTime?: number | null;
  transferOption?: Record<string, unknown> | null;
  recvFileScriptId?: number | null;
  id: number;
  type: StepType;
  conditions?: ApiStep[] | null;
  whenTrue?: ApiStep[] | null;
  whenFalse?: ApiStep[] | null;
};

export function fromApi(steps: readonly ApiStep[] | null | undefined): DraftStep[] {
  return (steps ?? []).map((s) => ({
    ...newStep(s.type),
    id: s.id,
    block: s.block ?? true,
    retryTimes: s.retryTimes ?? null,
    retryInterval: s.retryInterval ?? null,
    filePath: s.filePath ?? '',
    targetFilePath: s.targetFilePath ?? '',
    createFilePath: s.createFilePath ?? false,
    ignoreHiddenFile: s.ignoreHiddenFile ?? false,
    overWrite: s.overWrite ?? null,
    interval: s.interval ?? null,
    timeOut: s.timeOut ?? null,
    duration: s.duration ?? null,
    compressFile: s.compressFile ?? false,
    groups: s.groups ?? [],
    conditions: fromApi(s.conditions),
    whenTrue: fromApi(s.whenTrue),
    whenFalse: fromApi(s.whenFalse),
    kept: Object.fromEntries(KEPT.filter((k) => s[k] !== undefined && s[k] !== null).map((k) => [k, s[k]])),
  }));
}

/** The `StepInput` list for saveTaskScript: only the options of each step's type; order is the position. */
export function toInput(steps: readonly DraftStep[]): Record<string, unknown>[] {
  return steps.map((s, order) => {
    const input: Record<string, unknown> = { ...s.kept, type: s.type, order, block: s.block };
    if (s.id !== undefined) input.id = s.id;
    if (s.retryTimes !== null) input.retryTimes = s.retryTimes;
    if (s.retryInterval !== null) input.retryInterval = s.retryInterval;
    for (const f of STEP_OPTIONS[s.type]) {
      const v = s[f];
      // Empty text and unset numbers are left out: the server applies its defaults or names the missing path.
      if (v === '' || v === null || (f === 'groups' && !(v as number[]).length)) continue;
      input[f] = v;
    }
    if (s.type === 'IF') {
      input.conditions = toInput(s.conditions);
      input.whenTrue = toInput(s.whenTrue);
      input.whenFalse = toInput(s.whenFalse);
    }
    return input;
  });
}

/** The server's name of a step: `[0]`, `[0].true[1]`, `[2].conditions[0]`. */
export function stepPath(parent: string, branch: Branch | null, index: number): string {
  if (!branch) return `${parent}[${index}]`;
  const name = branch === 'whenTrue' ? 'true' : branch === 'whenFalse' ? 'false' : 'conditions';
  return `${parent}.${name}[${index}]`;
}

/** The list with the item at `from` moved to `to` (both within bounds). */
export function move<T>(list: readonly T[], from: number, to: number): T[] {
  const out = [...list];
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item);
  return out;
}
