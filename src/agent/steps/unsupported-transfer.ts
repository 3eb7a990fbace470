import { failed, type StepExecutor } from './step-executor';

/**
 * SEND_FILE, RECV_FILE, BROADCAST, UPLOAD_TO_SERVER: transfers are a later issue
 * (docs/protocol.md, Transfers). Refused without retries so the task does not wait for nothing.
 */
export const unsupportedTransfer: StepExecutor = async (step, { agentVersion }) =>
  failed(`${step.type} is not supported by this agent version (sdes-agent ${agentVersion})`, false);
