import type { AgentEventDraft, Id, Step } from '../protocol';
import { sortSteps } from '../protocol';
import type { Logger } from '../runtime/logger';
import type { Clock } from '../runtime/clock';
import { PathRefusedError, type PathGuard } from './path-guard';
import { executorFor } from './steps/step-dispatcher';
import { failed, type StepContext, type StepLimits, type StepOutcome, type StepTransfer } from './steps/step-executor';
import type { TaskValidation } from './task-validation';

/** Messages beyond this many characters are cut, so one event always fits the protocol's bound. */
const MESSAGE_LIMIT = 200 * 1024;

export interface StepRunnerOptions {
  reportId: string;
  taskId: Id;
  paths: PathGuard;
  clock: Clock;
  limits: StepLimits;
  signal: AbortSignal;
  validation: TaskValidation;
  agentVersion: string;
  emit: (event: AgentEventDraft) => void;
  logger: Logger;
  /** The transfer link, the agent's role and the run's deadline, for transfer steps. */
  transfer?: Omit<StepTransfer, 'reportId' | 'taskId'>;
}

export interface StepRunner {
  /** Runs steps by `order`; false as soon as a blocking step (`block`, default true) fails. */
  runSteps(steps: readonly Step[] | null | undefined): Promise<boolean>;
}

const cut = (text: string) => (text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT)}… (cut)` : text);
const cancelled = (signal: AbortSignal) => failed(`cancelled: ${String(signal.reason ?? 'aborted')}`, false);

/** Runs one executor, turning what it throws into an outcome: refusals and cancels are final, other errors retryable. */
async function attempt(step: Step, context: StepContext): Promise<StepOutcome & { refused?: boolean }> {
  try {
    return await executorFor(step.type)(step, context);
  } catch (error) {
    if (error instanceof PathRefusedError) return { ...failed(error.message, false), refused: true };
    if (context.signal.aborted) return cancelled(context.signal);
    return failed((error as Error)?.message ?? String(error));
  }
}

/** Runs steps with retries and reports each one's start, messages and result. */
export function createStepRunner(options: StepRunnerOptions): StepRunner {
  const { reportId, taskId, clock, limits, signal, emit, logger } = options;

  function contextFor(step: Step, message: (text: string, startTime?: number) => void): StepContext {
    return {
      paths: options.paths,
      clock,
      signal,
      limits,
      agentVersion: options.agentVersion,
      message,
      recordWrite: options.validation.recordWrite,
      recordDelete: options.validation.recordDelete,
      transfer: options.transfer && { ...options.transfer, reportId, taskId },
      runBranch: runSteps,
      evaluate: async (condition) => {
        const outcome = await attempt(
          condition,
          contextFor(condition, (text, start) => message(`  ${condition.type}: ${text}`, start)),
        );
        // A refused path is an error in the script, not a false condition: the IF fails.
        if (outcome.status === 'FAILED' && outcome.refused) throw new PathRefusedError(outcome.message);
        if (outcome.status === 'FAILED') message(`  ${condition.type}: ${outcome.message}`);
        return outcome.status === 'SUCCESS';
      },
    };
  }

  async function runStep(step: Step): Promise<boolean> {
    const stepId = step.id;
    const startTime = clock.now().getTime();
    emit({ type: 'step.started', reportId, taskId, stepId, stepType: step.type, startTime });
    let index = 0;
    const message = (text: string, start = clock.now().getTime()) =>
      emit({ type: 'step.message', reportId, taskId, stepId, index: index++, startTime: start, endTime: clock.now().getTime(), message: cut(text) });
    const context = contextFor(step, message);
    // IF is never retried: its branch steps retry on their own.
    const retries = step.type === 'IF' ? 0 : (step.retryTimes ?? step.maxRetryTime ?? limits.retryTimes);
    const intervalMs = step.retryInterval != null ? step.retryInterval * 1000 : limits.retryIntervalMs;

    let attempts = 0;
    let outcome: StepOutcome;
    for (;;) {
      attempts += 1;
      const attemptStart = clock.now().getTime();
      outcome = signal.aborted ? cancelled(signal) : await attempt(step, context);
      if (outcome.status === 'SUCCESS' || outcome.retryable === false || attempts > retries) break;
      message(`attempt ${attempts} failed: ${outcome.message}; retrying in ${intervalMs / 1000} s`, attemptStart);
      try {
        await clock.sleep(intervalMs, signal);
      } catch {
        outcome = cancelled(signal);
        break;
      }
    }
    const after = attempts > 1 ? ` (after ${attempts} attempts)` : '';
    message(outcome.status === 'SUCCESS' ? `${outcome.message ?? 'done'}${after}` : `${outcome.message}${after}`);
    emit({ type: 'step.finished', reportId, taskId, stepId, stepType: step.type, status: outcome.status, startTime, endTime: clock.now().getTime(), attempts });
    const log = { reportId, taskId, stepId, type: step.type, attempts };
    if (outcome.status === 'SUCCESS') logger.info(log, `step ${step.type} succeeded: ${outcome.message ?? 'done'}`);
    else logger.warn(log, `step ${step.type} failed: ${outcome.message}`);
    return outcome.status === 'SUCCESS';
  }

  async function runSteps(steps: readonly Step[] | null | undefined): Promise<boolean> {
    for (const step of sortSteps(steps)) {
      if (signal.aborted) return false;
      const ok = await runStep(step);
      if (!ok && (step.block ?? true)) return false;
    }
    return true;
  }

  return { runSteps };
}
