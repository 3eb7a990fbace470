import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { AgentEventDraft, DispatchTask, Id, Step, StepType } from '../../../src/protocol';
import { systemClock } from '../../../src/runtime/clock';
import { createPathGuard } from '../../../src/agent/path-guard';
import { runReport, type ReportResult } from '../../../src/agent/report-runner';
import { DEFAULT_STEP_LIMITS, type StepLimits } from '../../../src/agent/steps/step-executor';

let nextId = 1;

/** A step with a fresh id; its order follows creation order. */
export function step(type: StepType, fields: Partial<Step> = {}): Step {
  const id = nextId++;
  return { id, type, order: id, ...fields };
}

/** Small retry waits so failing steps finish in milliseconds; the retry count keeps the domain default. */
export const TEST_LIMITS: StepLimits = { ...DEFAULT_STEP_LIMITS, retryIntervalMs: 5, waitIntervalMs: 10, waitTimeoutMs: 2_000, executeTimeoutMs: 10_000 };

export interface StepRecord {
  status?: 'SUCCESS' | 'FAILED';
  attempts?: number;
  messages: string[];
  started: boolean;
}

export interface ScriptRun {
  result: ReportResult;
  events: AgentEventDraft[];
  step(id: Id): StepRecord;
  task(id: Id): { status?: 'SUCCESS' | 'FAILED'; message?: string };
}

/** A temporary folder standing in for an agent's root; removed by `removeTempDirs`. */
const created: string[] = [];
export async function tempDir(prefix = 'sdes-agent-'): Promise<string> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  created.push(dir);
  return dir;
}
export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
}

export async function write(file: string, content: string | Buffer = 'content'): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
  return file;
}
export const read = (file: string) => fs.readFile(file, 'utf8');
export const exists = (file: string) =>
  fs.access(file).then(
    () => true,
    () => false,
  );

/**
 * Runs tasks the way the agent does (same runners, real files, real clock) and collects the
 * events it would publish, without a broker: for the step executors' tests.
 */
export async function runScript(
  tasks: Array<Step[] | Omit<DispatchTask, 'taskId'>>,
  {
    roots,
    limits = {},
    signal = new AbortController().signal,
    continueOnTaskFailure,
  }: {
    roots: string[];
    limits?: Partial<StepLimits>;
    signal?: AbortSignal;
    continueOnTaskFailure?: boolean;
  },
): Promise<ScriptRun> {
  const events: AgentEventDraft[] = [];
  const dispatchTasks: DispatchTask[] = tasks.map((task, index) => ({ taskId: `task-${index + 1}`, ...(Array.isArray(task) ? { steps: task } : task) }));
  const result = await runReport({ v: 1, type: 'dispatch', reportId: 'report-1', tasks: dispatchTasks, continueOnTaskFailure }, signal, {
    paths: await createPathGuard(roots),
    clock: systemClock,
    limits: { ...TEST_LIMITS, ...limits },
    agentVersion: 'test',
    emit: (event) => events.push(event),
    logger: pino({ level: 'silent' }),
  });
  return {
    result,
    events,
    step(id) {
      const record: StepRecord = { messages: [], started: false };
      for (const event of events) {
        if (!('stepId' in event) || event.stepId !== id) continue;
        if (event.type === 'step.started') record.started = true;
        if (event.type === 'step.message') record.messages.push(event.message);
        if (event.type === 'step.finished') Object.assign(record, { status: event.status, attempts: event.attempts });
      }
      return record;
    },
    task(id) {
      const finished = events.find((e) => e.type === 'task.finished' && e.taskId === id);
      return finished?.type === 'task.finished' ? { status: finished.status, message: finished.message } : {};
    },
  };
}
