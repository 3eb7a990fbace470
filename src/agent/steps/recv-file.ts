import { randomUUID } from 'node:crypto';
import { TransferError } from '../transfer/upload';
import { failed, succeeded, type StepExecutor } from './step-executor';
import { receiveInto } from './receive-into';
import { deadlineOf, isOutcome, outcomeOfError, transferOf } from './transfer-step';

/** Asking again after a lost answer, at most this often. */
const LOST_ANSWER_PAUSE_MS = 1_000;

/**
 * RECV_FILE: a STORE asks the gateway for the files of the paired SEND_FILE (the nearest one
 * before it in the task, sent by the run's SERVER clients), waits while the gateway says they are
 * not in the store yet (up to the run's deadline), then pulls them and writes them at
 * `targetFilePath` (or the SEND_FILE's). A SERVER skips it (DOMAIN.md).
 */
export const recvFile: StepExecutor = async (step, context) => {
  const transfer = transferOf(step, context);
  if (isOutcome(transfer)) return transfer;
  if (transfer.role !== 'STORE') return succeeded('skipped: RECV_FILE runs on STORE clients; this client is a SERVER');
  const deadline = deadlineOf(transfer, context);
  const at = new Date(deadline).toISOString();
  let lastReason = '';
  let reopened = 0;
  /** An offer the gateway pushed while this step waited (it sends one the moment the senders are done). */
  let pushed: Awaited<ReturnType<typeof transfer.client.awaitPush>>;
  // One id while the step waits: the gateway pushes its offer to it, whichever ask it last answered.
  let requestId = randomUUID();
  try {
    for (;;) {
      const answer =
        pushed ??
        (await transfer.client.request(
          { kind: 'fetch.open', reportId: transfer.reportId, taskId: transfer.taskId, stepId: step.id },
          15_000,
          context.signal,
          requestId,
        ));
      pushed = undefined;
      const h = answer?.header;
      if (!h) {
        if (context.clock.now().getTime() + LOST_ANSWER_PAUSE_MS > deadline)
          return failed(`no answer from the gateway about the file to receive before the run's deadline (${at})`, false);
        await context.clock.sleep(LOST_ANSWER_PAUSE_MS, context.signal);
        continue;
      }
      if (h.kind === 'fetch.refused') return failed(`nothing to receive: ${h.reason}`, false);
      if (h.kind === 'fetch.wait') {
        if (context.clock.now().getTime() + h.retryAfterMs > deadline) {
          return failed(`no file from SERVER client ${h.waitingFor.join(', ')} before the run's deadline (${at}): ${h.reason}`, false);
        }
        if (h.reason !== lastReason) context.message(`${h.reason}; asking again until ${at}`);
        lastReason = h.reason;
        // Asking again after retryAfterMs is the fallback; a pushed offer ends the wait at once.
        const push = await transfer.client.awaitPush(h.requestId, h.retryAfterMs, context.signal);
        if (push?.header.kind === 'fetch.offer' || push?.header.kind === 'fetch.refused') pushed = push;
        continue;
      }
      if (h.kind !== 'fetch.offer') return failed(`unexpected answer ${h.kind} to the request for files`);
      requestId = randomUUID();
      const raw = step.targetFilePath || h.targetFilePath;
      if (!raw) return failed('RECV_FILE has no targetFilePath, nor has its SEND_FILE', false);
      if (!h.files.length) return failed('the sender sent no file', false);
      let outcome;
      try {
        outcome = await receiveInto(
          h.files,
          h,
          { raw, overWrite: step.overWrite ?? 'OVERWRITE', createFilePath: step.createFilePath ?? false, compress: step.compressFile ?? false },
          context,
          transfer,
        );
      } catch (error) {
        // The gateway lost the offer (it restarted): ask again; what arrived stays in the part files.
        if (error instanceof TransferError && error.reopen && reopened++ < 3) continue;
        throw error;
      }
      if (isOutcome(outcome)) return outcome;
      const unchanged = outcome.unchanged ? `, ${outcome.unchanged} left unchanged` : '';
      return succeeded(`received ${outcome.written} file${outcome.written === 1 ? '' : 's'}${unchanged}`);
    }
  } catch (error) {
    return outcomeOfError(error);
  }
};
