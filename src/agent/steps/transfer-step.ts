import path from 'node:path';
import type { Step, TransferPurpose } from '../../protocol';
import { TransferError, uploadFile, type Uploaded } from '../transfer/upload';
import { failed, type StepContext, type StepOutcome, type StepTransfer } from './step-executor';

/** Transfer steps without a gateway link (a step tested alone) fail at once. */
export function transferOf(step: Step, context: StepContext): StepTransfer | StepOutcome {
  return context.transfer ?? failed(`${step.type} needs the agent's link to the gateway`, false);
}

export const isOutcome = (value: unknown): value is StepOutcome => typeof value === 'object' && value !== null && 'status' in value;

/** When waits end: the run's deadline, or (from a gateway that sends none) the step's WAIT bound. */
export const deadlineOf = (transfer: StepTransfer, context: StepContext): number =>
  transfer.deadline ?? context.clock.now().getTime() + context.limits.waitTimeoutMs;

/** A TransferError that says no retry helps fails the step without retries. */
export function outcomeOfError(error: unknown): StepOutcome {
  if (error instanceof TransferError) return failed(error.message, !error.final);
  throw error;
}

/** Uploads every file `filePath` matches (wildcards included) for `purpose`; the step's own messages say what went. */
export async function uploadMatches(step: Step, context: StepContext, transfer: StepTransfer, purpose: TransferPurpose): Promise<Uploaded[] | StepOutcome> {
  const sources = await context.paths.expand(step.filePath, { ignoreHiddenFile: step.ignoreHiddenFile ?? false });
  if (sources.length === 0) return failed(`no file matches ${step.filePath}`);
  const uploaded: Uploaded[] = [];
  for (const [fileIndex, source] of sources.entries()) {
    context.signal.throwIfAborted();
    const done = await uploadFile({
      client: transfer.client,
      clock: context.clock,
      signal: context.signal,
      filePath: source,
      name: path.basename(source),
      purpose,
      reportId: transfer.reportId,
      taskId: transfer.taskId,
      stepId: step.id,
      deadline: deadlineOf(transfer, context),
      fileIndex,
      fileCount: sources.length,
      compress: step.compressFile ?? false,
      message: (text) => context.message(text),
    });
    context.message(`${path.basename(source)}: ${done.size} bytes in the file store as file ${done.fileId} (SHA-256 ${done.sha256})`);
    uploaded.push(done);
  }
  return uploaded;
}
