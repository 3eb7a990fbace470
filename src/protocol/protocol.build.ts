import { ackCommandSchema, cancelCommandSchema, dispatchCommandSchema, type AckCommand, type CancelCommand, type DispatchCommand } from './command.schema';
import { eventBatchSchema, type AgentEvent, type EventBatch } from './event.schema';
import { PROTOCOL_VERSION } from './protocol.topics';
import { toSeqRanges } from './seq-ranges';
import { statusMessageSchema, type OfflineStatus, type OnlineStatus, type StatusMessage } from './status.schema';
import type { z } from 'zod';

type WithoutHeader<T> = Omit<T, 'v' | 'type'>;

/** Thrown by the builders: the caller built a message the peer would refuse. A programming error, not input. */
export class ProtocolBuildError extends Error {
  constructor(what: string, error: z.ZodError) {
    super(`cannot build ${what}: ${error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ')}`);
    this.name = 'ProtocolBuildError';
  }
}

function checked<T>(what: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ProtocolBuildError(what, result.error);
  return result.data;
}

/** A dispatch command for `commandsTopic(clientId)`. Throws ProtocolBuildError when the tasks or steps are invalid. */
export function buildDispatch(dispatch: WithoutHeader<DispatchCommand>): DispatchCommand {
  return checked('dispatch', dispatchCommandSchema, { ...dispatch, v: PROTOCOL_VERSION, type: 'dispatch' });
}

/** A selective ack of the given seqs of one agent stream, compressed to ranges. */
export function buildAck(stream: string, seqs: Iterable<number>): AckCommand {
  return checked('ack', ackCommandSchema, { v: PROTOCOL_VERSION, type: 'ack', stream, ranges: toSeqRanges(seqs) });
}

export function buildCancel(reportId: string, reason?: string): CancelCommand {
  return checked('cancel', cancelCommandSchema, { v: PROTOCOL_VERSION, type: 'cancel', reportId, reason });
}

export function buildOnlineStatus(status: Omit<OnlineStatus, 'v' | 'status'>): StatusMessage {
  return checked('status', statusMessageSchema, { ...status, v: PROTOCOL_VERSION, status: 'ONLINE' });
}

export function buildOfflineStatus(status: Omit<OfflineStatus, 'v' | 'status'>): StatusMessage {
  return checked('status', statusMessageSchema, { ...status, v: PROTOCOL_VERSION, status: 'OFFLINE' });
}

export function buildEventBatch(stream: string, events: AgentEvent[]): EventBatch {
  return checked('event batch', eventBatchSchema, { v: PROTOCOL_VERSION, stream, events });
}

/** The wire form of any protocol message: UTF-8 JSON. */
export function encodeMessage(message: DispatchCommand | AckCommand | CancelCommand | StatusMessage | EventBatch): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}
