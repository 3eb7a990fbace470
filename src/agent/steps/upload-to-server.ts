import { succeeded, type StepExecutor } from './step-executor';
import { isOutcome, outcomeOfError, transferOf, uploadMatches } from './transfer-step';

/** UPLOAD_TO_SERVER: puts `filePath` (every match of a wildcard) into the management server's file store. */
export const uploadToServer: StepExecutor = async (step, context) => {
  const transfer = transferOf(step, context);
  if (isOutcome(transfer)) return transfer;
  try {
    const uploaded = await uploadMatches(step, context, transfer, 'UPLOAD_TO_SERVER');
    if (isOutcome(uploaded)) return uploaded;
    return succeeded(`uploaded ${uploaded.length} file${uploaded.length === 1 ? '' : 's'} to the server (file ${uploaded.map((u) => u.fileId).join(', ')})`);
  } catch (error) {
    return outcomeOfError(error);
  }
};
