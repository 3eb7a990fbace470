import type { AgentRole, Id, Step } from '../../protocol';
import type { TransferClient } from '../transfer/transfer-client';
import type { Clock } from '../../runtime/clock';
import type { PathGuard } from '../path-guard';
import type { FileIdentity } from '../task-validation';

/** SUCCESS, or FAILED with a message for the step's record; `retryable: false` skips the remaining retries. */
export type StepOutcome = { status: 'SUCCESS'; message?: string } | { status: 'FAILED'; message: string; retryable?: boolean };

export const succeeded = (message?: string): StepOutcome => ({ status: 'SUCCESS', message });
export const failed = (message: string, retryable = true): StepOutcome => ({ status: 'FAILED', message, retryable });

/** Defaults for fields a step leaves empty, and bounds the agent keeps whatever the script says. */
export interface StepLimits {
  /** Retries of a failed step when it sets neither `retryTimes` nor `maxRetryTime`. DOMAIN.md: 4. */
  retryTimes: number;
  /** Wait between retries when a step has no `retryInterval`. DOMAIN.md: 20 s. */
  retryIntervalMs: number;
  /** EXECUTE_FILE bound when the step has no `duration`. */
  executeTimeoutMs: number;
  /** How much of a program's output the step keeps (the tail). */
  outputLimitBytes: number;
  /** WAIT_FLAG_FILE polling when the step has no `interval`. */
  waitIntervalMs: number;
  /** WAIT_FLAG_FILE bound when the step has no `timeOut`. */
  waitTimeoutMs: number;
}

export const DEFAULT_STEP_LIMITS: StepLimits = {
  retryTimes: 4,
  retryIntervalMs: 20_000,
  executeTimeoutMs: 60 * 60_000,
  outputLimitBytes: 64 * 1024,
  waitIntervalMs: 1_000,
  waitTimeoutMs: 10 * 60_000,
};

/** What transfer steps need: the broker link to the gateway's store, and where the step runs. */
export interface StepTransfer {
  client: TransferClient;
  role: AgentRole;
  reportId: string;
  taskId: Id;
  /** The run's deadline (epoch ms) from the dispatch; waits for files end then. */
  deadline?: number;
}

/** What an executor may use; built per step by the step runner. */
export interface StepContext {
  paths: PathGuard;
  clock: Clock;
  /** Aborts when the report is cancelled or the agent stops. */
  signal: AbortSignal;
  limits: StepLimits;
  agentVersion: string;
  /** Adds a timed message to the step's record (`startTime` defaults to now). */
  message(text: string, startTime?: number): void;
  /** Remembers a file this step wrote, for the after-task validation (`hashedAs`: TaskValidation.recordWrite). */
  recordWrite(filePath: string, sha256: string, hashedAs?: FileIdentity): void;
  /** Remembers a path this step removed, for the after-task validation. */
  recordDelete(filePath: string): void;
  /** Absent where no gateway link exists (tests of single steps): transfer steps then fail. */
  transfer?: StepTransfer;
  /** IF: runs a condition step once, without retries; true when it succeeds. Throws PathRefusedError. */
  evaluate(condition: Step): Promise<boolean>;
  /** IF: runs a branch as a task runs its steps; false when a blocking step failed. */
  runBranch(steps: readonly Step[] | null | undefined): Promise<boolean>;
}

/** One step type's behaviour. May throw: PathRefusedError fails the step without retries, other errors are retried. */
export type StepExecutor = (step: Step, context: StepContext) => Promise<StepOutcome>;
