import { parseCommand, type Command } from '../../protocol';
import { handleAck } from './ack.handler';
import { handleCancel } from './cancel.handler';
import type { CommandDeps } from './command-handler';
import { handleDispatch } from './dispatch.handler';

/**
 * Validates a message from the commands topic and hands it to its handler. Malformed
 * messages are logged and dropped: one bad publisher must not stop the agent.
 */
export function createCommandDispatcher(clientId: string, deps: CommandDeps): (topic: string, payload: Buffer) => void {
  const handle = (command: Command) => {
    switch (command.type) {
      case 'dispatch':
        return handleDispatch(command, deps);
      case 'ack':
        return handleAck(command, deps);
      case 'cancel':
        return handleCancel(command, deps);
      default: {
        const unknown: never = command;
        throw new Error(`no handler for ${JSON.stringify(unknown)}`);
      }
    }
  };
  return (topic, payload) => {
    const parsed = parseCommand(topic, payload, clientId);
    if (!parsed.ok) {
      deps.logger.warn({ topic, code: parsed.code, bytes: payload.length }, `dropped a command: ${parsed.error}`);
      return;
    }
    try {
      handle(parsed.value.message);
    } catch (error) {
      deps.logger.error({ err: error, topic }, 'a command handler failed; the agent keeps running');
    }
  };
}
