import { succeeded, type StepExecutor } from './step-executor';
import { isOutcome, outcomeOfError, transferOf, uploadMatches } from './transfer-step';

/**
 * SEND_FILE: a SERVER puts `filePath` (every match of a wildcard) into the gateway's store, once;
 * the STOREs of the run pull it from there with their paired RECV_FILE (docs/protocol.md §12). The
 * step is done when the store holds the files: no receiver holds it up. A STORE skips it (DOMAIN.md).
 */
export const sendFile: StepExecutor = async (step, context) => {
  const transfer = transferOf(step, context);
  if (isOutcome(transfer)) return transfer;
  if (transfer.role !== 'SERVER') return succeeded('skipped: SEND_FILE runs on SERVER clients; this client is a STORE');
  try {
    const uploaded = await uploadMatches(step, context, transfer, 'SEND_FILE');
    if (isOutcome(uploaded)) return uploaded;
    return succeeded(`sent ${uploaded.length} file${uploaded.length === 1 ? '' : 's'} to the file store for the run's receivers`);
  } catch (error) {
    return outcomeOfError(error);
  }
};
