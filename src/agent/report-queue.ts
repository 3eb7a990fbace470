import type { DispatchCommand } from '../protocol';
import type { Logger } from '../runtime/logger';

export type QueuedState = 'QUEUED' | 'RUNNING';

export interface ReportQueue {
  /** Adds a report; false when it is already queued or running. */
  enqueue(dispatch: DispatchCommand): boolean;
  state(reportId: string): QueuedState | undefined;
  /** Removes a queued report or aborts the running one; returns what it was. */
  cancel(reportId: string, reason: string): QueuedState | undefined;
  /** Drops queued reports, aborts the running one and resolves when it has wound down. */
  stop(reason: string): Promise<void>;
}

/**
 * Runs reports one at a time, in arrival order: two jobs writing the same folders at once
 * would make each other's results meaningless.
 */
export function createReportQueue({ run, logger }: { run: (dispatch: DispatchCommand, signal: AbortSignal) => Promise<void>; logger: Logger }): ReportQueue {
  const queued: DispatchCommand[] = [];
  let running: { reportId: string; controller: AbortController; done: Promise<void> } | undefined;
  let stopped = false;

  const next = () => {
    if (running || stopped) return;
    const dispatch = queued.shift();
    if (!dispatch) return;
    const controller = new AbortController();
    const done = run(dispatch, controller.signal)
      .catch((error) => logger.error({ err: error, reportId: dispatch.reportId }, 'report runner crashed'))
      .finally(() => {
        running = undefined;
        next();
      });
    running = { reportId: dispatch.reportId, controller, done };
  };

  const state = (reportId: string): QueuedState | undefined => {
    if (running?.reportId === reportId) return 'RUNNING';
    return queued.some((d) => d.reportId === reportId) ? 'QUEUED' : undefined;
  };

  return {
    enqueue(dispatch) {
      if (stopped || state(dispatch.reportId)) return false;
      queued.push(dispatch);
      setImmediate(next);
      return true;
    },
    state,
    cancel(reportId, reason) {
      if (running?.reportId === reportId) {
        running.controller.abort(reason);
        return 'RUNNING';
      }
      const index = queued.findIndex((d) => d.reportId === reportId);
      if (index < 0) return undefined;
      queued.splice(index, 1);
      return 'QUEUED';
    },
    async stop(reason) {
      stopped = true;
      queued.length = 0;
      if (running) {
        running.controller.abort(reason);
        await running.done;
      }
    },
  };
}
