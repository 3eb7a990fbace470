import { failed, succeeded, type StepExecutor } from './step-executor';
import { deadlineOf, isOutcome, outcomeOfError, transferOf, uploadMatches } from './transfer-step';

/** How often the sender asks how the deliveries stand. */
const POLL_MS = 1_000;

/**
 * BROADCAST: a SERVER uploads `filePath` once, then the gateway offers it to every client of the
 * step's `groups`; the step waits (up to the run's deadline) for the clients ONLINE now to answer
 * and says who got it. Offline clients get it when they connect within the run's duration; they
 * do not fail the step. A STORE skips it (DOMAIN.md).
 */
export const broadcast: StepExecutor = async (step, context) => {
  const transfer = transferOf(step, context);
  if (isOutcome(transfer)) return transfer;
  if (transfer.role !== 'SERVER') return succeeded('skipped: BROADCAST runs on SERVER clients; this client is a STORE');
  if (!step.groups?.length) return failed('BROADCAST needs groups: the ids of the groups whose clients receive the file', false);
  const deadline = deadlineOf(transfer, context);
  const until = new Date(deadline).toISOString();
  try {
    const uploaded = await uploadMatches(step, context, transfer, 'BROADCAST');
    if (isOutcome(uploaded)) return uploaded;
    const summaries: string[] = [];
    let anyFailed = false;
    for (const file of uploaded) {
      const started = await transfer.client.request(
        {
          kind: 'broadcast.start',
          reportId: transfer.reportId,
          taskId: transfer.taskId,
          stepId: step.id,
          fileId: file.fileId,
          groups: step.groups,
          targetFilePath: step.targetFilePath ?? null,
          overWrite: step.overWrite ?? null,
          createFilePath: step.createFilePath ?? null,
          compressFile: step.compressFile ?? null,
        },
        15_000,
        context.signal,
      );
      if (!started) return failed(`no answer from the gateway to the broadcast of file ${file.fileId}`);
      if (started.header.kind === 'broadcast.refused') return failed(`the gateway refused the broadcast: ${started.header.reason}`, false);
      if (started.header.kind !== 'broadcast.accepted') return failed(`unexpected answer ${started.header.kind} to the broadcast`);
      context.message(
        `file ${file.fileId} offered to ${started.header.total} client${started.header.total === 1 ? '' : 's'} of groups ${step.groups.join(', ')}`,
      );
      let answer = await transfer.client.request({ kind: 'broadcast.status', fileId: file.fileId }, 15_000, context.signal);
      for (;;) {
        const p = answer?.header.kind === 'broadcast.progress' ? answer.header : undefined;
        const late = context.clock.now().getTime() + POLL_MS > deadline;
        if (p && (p.pending.length === 0 || late)) {
          const offline = p.offline.length ? `; offline: ${p.offline.join(', ')} (they receive it when they connect until ${until})` : '';
          const stillPending = p.pending.length ? `; no answer before the deadline from ${p.pending.join(', ')}` : '';
          const failures = p.failed.length ? `; failed: ${p.failed.map((f) => `${f.clientId} (${f.reason})`).join(', ')}` : '';
          summaries.push(`delivered to ${p.delivered.length} of ${p.total}${offline}${failures}${stillPending}`);
          anyFailed ||= p.failed.length > 0 || p.pending.length > 0;
          break;
        }
        if (late) return failed(`no broadcast status from the gateway before the run's deadline (${until})`, false);
        // The gateway pushes the status (same requestId) when the last delivery settles; asking again after POLL_MS is the fallback.
        const pushed = p ? await transfer.client.awaitPush(p.requestId, POLL_MS, context.signal) : await context.clock.sleep(POLL_MS, context.signal);
        answer =
          pushed?.header.kind === 'broadcast.progress'
            ? pushed
            : await transfer.client.request({ kind: 'broadcast.status', fileId: file.fileId }, 15_000, context.signal);
      }
    }
    const text = summaries.join('\n');
    return anyFailed ? failed(text, false) : succeeded(text);
  } catch (error) {
    return outcomeOfError(error);
  }
};
