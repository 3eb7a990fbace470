import type { DispatchCommand } from '../../protocol';
import type { CommandDeps } from './command-handler';

/**
 * Queues a report's work, once. A dispatch for a report the agent already knows is answered
 * with its current state instead (the gateway re-sends dispatches after reconnects and restarts):
 * a fresh `report.started` while it runs, a fresh `report.finished` once it has finished.
 */
export function handleDispatch(command: DispatchCommand, { queue, registry, sender, logger }: CommandDeps): void {
  const { reportId } = command;
  const known = registry.get(reportId);
  if (known && known.state !== 'RUNNING') {
    logger.info({ reportId }, `report ${reportId} already finished (${known.state}); re-sending its result`);
    sender.submit({
      type: 'report.finished',
      reportId,
      status: known.state,
      startTime: known.startTime,
      endTime: known.endTime ?? known.startTime,
      ...(known.message ? { message: known.message } : {}),
    });
    return;
  }
  const state = queue.state(reportId);
  if (state === 'RUNNING' && known) {
    logger.info({ reportId }, `report ${reportId} is already running; re-sending its start`);
    sender.submit({ type: 'report.started', reportId, startTime: known.startTime });
    return;
  }
  if (state) {
    logger.debug({ reportId }, `report ${reportId} is already queued`);
    return;
  }
  queue.enqueue(command);
  logger.info({ reportId, tasks: command.tasks.length }, `accepted report ${reportId}`);
}
