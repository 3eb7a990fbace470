/**
 * The execution state machine: every status transition and every progress event of runs,
 * reports, task results, step results and step messages (docs/execution.md, "The execution
 * module"). Transports (src/live) carry its messages; nothing else decides a status.
 */
export { parseWireReportId, wireReportId } from './attempt-id';
export { closeOpenChildren, closeStepResult, type ReportClosing, type StepClosing } from './close';
export { completeRuns, type CompletedRun } from './completion';
export { createDispatcher, type Dispatcher, type DispatcherOptions, type DispatchStats } from './dispatcher';
export { ExecutionProgressService, type EventsMessage, type IngestOutcome } from './ingest.service';
export { foldEvents, type ReportRow } from './ingest.fold';
export { createExecutionLifecycle, type ExecutionLifecycle, type ExecutionLifecycleOptions } from './lifecycle';
export {
  createProgressOutbox,
  progressEvent,
  reportKeys,
  runEvent,
  stepMessageEvent,
  type ProgressOutbox,
  type ProgressRow,
  type ReportKey,
} from './progress-events';
export { CHILD_CLOSING, deadlineOutcome, initialRunStatus, isFinal, retryAt, runStatusOf } from './rules';
export { indexScript, type StepIndex } from './script-index';
export { queryBound } from './sql';
export { ExecutionStateService, type CloseStepOutcome, type StepRef } from './state.service';
