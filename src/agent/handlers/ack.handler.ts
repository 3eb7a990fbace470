import type { AckCommand } from '../../protocol';
import type { CommandDeps } from './command-handler';

/** The gateway stored these events: the journal may forget them. */
export function handleAck(command: AckCommand, { sender }: CommandDeps): void {
  sender.acknowledge(command);
}
