import type { AgentEventDraft, DispatchCommand, DispatchTask, ResultStatus } from '../protocol';
import type { Logger } from '../runtime/logger';
import type { Clock } from '../runtime/clock';
import type { PathGuard } from './path-guard';
import { createStepRunner } from './step-runner';
import type { StepLimits, StepTransfer } from './steps/step-executor';
import { createTaskValidation } from './task-validation';

export interface ExecutionDeps {
  paths: PathGuard;
  clock: Clock;
  limits: StepLimits;
  agentVersion: string;
  emit: (event: AgentEventDraft) => void;
  logger: Logger;
  /** The transfer link and the agent's role (the run's deadline comes with each dispatch). */
  transfer?: Omit<StepTransfer, 'reportId' | 'taskId' | 'deadline'>;
}

export interface ReportResult {
  status: ResultStatus;
  startTime: number;
  endTime: number;
  message?: string;
}

const reasonOf = (signal: AbortSignal) => `cancelled: ${String(signal.reason ?? 'aborted')}`;

/** Runs one task's steps, then validates its targets unless `disableValidation`. */
export async function runTask(
  reportId: string,
  task: DispatchTask,
  signal: AbortSignal,
  deps: Omit<ExecutionDeps, 'transfer'> & { transfer?: Omit<StepTransfer, 'reportId' | 'taskId'> },
): Promise<ResultStatus> {
  const { clock, emit, logger } = deps;
  const startTime = clock.now().getTime();
  emit({ type: 'task.started', reportId, taskId: task.taskId, startTime });
  const validation = createTaskValidation();
  const steps = createStepRunner({ ...deps, reportId, taskId: task.taskId, signal, validation });
  let ok = await steps.runSteps(task.steps);
  let message: string | undefined;
  if (signal.aborted) {
    ok = false;
    message = reasonOf(signal);
  } else if (!ok) {
    message = 'a blocking step failed';
  } else if (!task.disableValidation) {
    const problems = await validation.check();
    if (problems.length > 0) {
      ok = false;
      message = `validation failed: ${problems.slice(0, 20).join('; ')}`;
    }
  }
  const status: ResultStatus = ok ? 'SUCCESS' : 'FAILED';
  emit({ type: 'task.finished', reportId, taskId: task.taskId, status, startTime, endTime: clock.now().getTime(), ...(message ? { message } : {}) });
  logger.info({ reportId, taskId: task.taskId }, `task ${task.name ?? task.taskId} ${status}${message ? `: ${message}` : ''}`);
  return status;
}

/**
 * Runs a dispatched report's tasks in order. The first FAILED task ends the report unless
 * `continueOnTaskFailure`; later tasks are then not run and the report says so.
 */
export async function runReport(dispatch: DispatchCommand, signal: AbortSignal, deps: ExecutionDeps): Promise<ReportResult> {
  const { clock, emit, logger } = deps;
  const { reportId } = dispatch;
  const startTime = clock.now().getTime();
  emit({ type: 'report.started', reportId, startTime });
  logger.info({ reportId }, `report ${reportId} started (${dispatch.tasks.length} task${dispatch.tasks.length === 1 ? '' : 's'})`);

  const failedTasks: string[] = [];
  let message: string | undefined;
  for (const [index, task] of dispatch.tasks.entries()) {
    if (signal.aborted) break;
    const transfer = deps.transfer && { ...deps.transfer, deadline: dispatch.deadline ?? undefined };
    const status = await runTask(reportId, task, signal, { ...deps, transfer });
    if (status === 'FAILED') {
      failedTasks.push(String(task.taskId));
      const left = dispatch.tasks.length - index - 1;
      if (!dispatch.continueOnTaskFailure && left > 0) {
        message = `task ${task.taskId} failed; ${left} later task${left === 1 ? '' : 's'} not run`;
        break;
      }
    }
  }
  if (signal.aborted) message = reasonOf(signal);
  else if (!message && failedTasks.length > 0) message = `failed tasks: ${failedTasks.join(', ')}`;
  const result: ReportResult = {
    status: failedTasks.length > 0 || signal.aborted ? 'FAILED' : 'SUCCESS',
    startTime,
    endTime: clock.now().getTime(),
    ...(message ? { message } : {}),
  };
  emit({ type: 'report.finished', reportId, ...result });
  logger.info({ reportId }, `report ${reportId} ${result.status}${message ? `: ${message}` : ''}`);
  return result;
}
