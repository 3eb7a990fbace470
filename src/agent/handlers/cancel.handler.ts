import type { CancelCommand } from '../../protocol';
import type { CommandDeps } from './command-handler';

/**
 * Aborts a running report (it ends FAILED "cancelled: …" through its runner) or removes a
 * queued one, which ends NOT_EXECUTE: it never ran (docs/protocol.md 3.3). Its `report.finished`
 * carries the moment of the cancel as both `startTime` and `endTime`; the gateway records no
 * start for it. A report the agent has not seen yet is recorded the same way, so a dispatch that
 * arrives late, or again, does not run it.
 */
export function handleCancel(command: CancelCommand, { queue, registry, sender, clock, logger }: CommandDeps): void {
  const { reportId } = command;
  const reason = command.reason ?? 'cancelled by the management server';
  const was = queue.cancel(reportId, reason);
  if (was === 'RUNNING') {
    logger.info({ reportId }, `cancelling running report ${reportId}: ${reason}`);
    return;
  }
  const known = registry.get(reportId);
  if (!was && known) {
    logger.info({ reportId }, `report ${reportId} already finished (${known.state}); nothing to cancel`);
    return;
  }
  const now = clock.now().getTime();
  const message = `cancelled before it started: ${reason}`;
  registry.markFinished({ reportId, state: 'NOT_EXECUTE', startTime: now, endTime: now, message });
  sender.submit({ type: 'report.finished', reportId, status: 'NOT_EXECUTE', startTime: now, endTime: now, message });
  logger.info({ reportId }, `report ${reportId} ${message}`);
}
