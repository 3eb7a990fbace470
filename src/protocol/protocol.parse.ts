import type { z } from 'zod';
import { commandSchema, type Command } from './command.schema';
import { eventBatchSchema, type EventBatch } from './event.schema';
import { gatewayPresenceSchema, liveRelaySchema, parseGatewayTopic, parseLiveRelayTopic, type LiveRelayMessage } from './live-relay.schema';
import { isTransferChannel, PROTOCOL_VERSION, parseAgentTopic, type AgentChannel } from './protocol.topics';
import { statusMessageSchema, type StatusMessage } from './status.schema';
import { MAX_STEP_DEPTH } from './step.schema';

export type StatusEnvelope = { channel: 'status'; clientId: string; message: StatusMessage };
export type EventsEnvelope = { channel: 'events'; clientId: string; message: EventBatch };
export type CommandEnvelope = { channel: 'commands'; clientId: string; message: Command };
export type ProtocolMessage = StatusEnvelope | EventsEnvelope | CommandEnvelope;
/** What a gateway receives from agents. */
export type AgentMessage = StatusEnvelope | EventsEnvelope;

/**
 * Why a message was refused. `EMPTY` on a status topic is a cleared retained message (the
 * gateway clears it when a client is deleted), not an error worth a warning.
 */
export type ParseErrorCode = 'TOPIC' | 'EMPTY' | 'TOO_LARGE' | 'JSON' | 'VERSION' | 'SCHEMA';
export type ParseResult<T> = { ok: true; value: T } | { ok: false; code: ParseErrorCode; error: string; clientId?: string; channel?: AgentChannel };

const schemas = { status: statusMessageSchema, events: eventBatchSchema, commands: commandSchema } as const;

/**
 * Deepest JSON nesting accepted: a dispatch whose script is MAX_STEP_DEPTH levels deep (each
 * level a step object in a branch array) inside its envelope (command, tasks, task, steps) with
 * a step's `groups`, and a little room.
 */
export const MAX_JSON_DEPTH = 2 * MAX_STEP_DEPTH + 8;

/**
 * Largest payload read on each channel, in bytes, checked before JSON.parse: a status is a few
 * hundred bytes; an agent cuts its event batches at 256 KiB (one large event may go alone);
 * a dispatch carries whole scripts. Brokers should allow at least the largest (docs/protocol.md).
 */
export const MAX_PAYLOAD_BYTES = { status: 64 * 1024, events: 1024 * 1024, commands: 4 * 1024 * 1024, gateway: 4 * 1024 * 1024 } as const;

/** Iterative, so a hostile payload cannot overflow the stack here. */
function nestingExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Readable one-line description of zod issues, e.g. `tasks.0.steps.1.type: Invalid option ...`. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
    .join('; ');
}

/** JSON, protocol version, nesting and schema of a payload; `what` names it in the errors. */
function decodePayload<T>(
  payload: Buffer | Uint8Array | string,
  schema: z.ZodType<T>,
  what: string,
  maxBytes: number,
): { ok: true; value: T } | { ok: false; code: ParseErrorCode; error: string } {
  if (payload.length > maxBytes) return { ok: false, code: 'TOO_LARGE', error: `payload on ${what} is ${payload.length} bytes; the limit is ${maxBytes}` };
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  if (text.length === 0) return { ok: false, code: 'EMPTY', error: `empty payload on ${what}` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: 'JSON', error: `payload on ${what} is not JSON: ${(error as Error).message}` };
  }
  const v = (json as { v?: unknown } | null)?.v;
  if (v !== PROTOCOL_VERSION) {
    return { ok: false, code: 'VERSION', error: `unsupported protocol version ${JSON.stringify(v)} on ${what} (this side speaks v${PROTOCOL_VERSION})` };
  }
  if (nestingExceeds(json, MAX_JSON_DEPTH)) return { ok: false, code: 'SCHEMA', error: `invalid ${what} message: nested deeper than ${MAX_JSON_DEPTH} levels` };
  let result;
  try {
    result = schema.safeParse(json);
  } catch (error) {
    // safeParse only throws on pathological input, e.g. a step tree nested deeper than the stack.
    return { ok: false, code: 'SCHEMA', error: `invalid ${what} message: ${(error as Error)?.message ?? String(error)}` };
  }
  if (!result.success) return { ok: false, code: 'SCHEMA', error: `invalid ${what} message: ${describeIssues(result.error)}` };
  return { ok: true, value: result.data };
}

/**
 * Validates a message received on any SDES agent topic. Pure, and never throws: malformed
 * topics, non-JSON, other protocol versions and schema violations come back as `{ ok: false }`
 * with a message fit for a log line, so the receiver can log and drop.
 */
export function parseMessage(topic: string, payload: Buffer | Uint8Array | string): ParseResult<ProtocolMessage> {
  const where = parseAgentTopic(topic);
  if (!where) return { ok: false, code: 'TOPIC', error: `not an SDES agent topic: ${JSON.stringify(String(topic)).slice(0, 200)}` };
  const { clientId, channel } = where;
  if (isTransferChannel(channel)) {
    return { ok: false, code: 'TOPIC', error: `${channel} carries binary transfer frames (parseTransferUp / parseTransferDown)`, clientId, channel };
  }
  const decoded = decodePayload<StatusMessage | EventBatch | Command>(
    payload,
    schemas[channel] as z.ZodType<StatusMessage | EventBatch | Command>,
    channel,
    MAX_PAYLOAD_BYTES[channel],
  );
  if (!decoded.ok) return { ...decoded, clientId, channel };
  return { ok: true, value: { channel, clientId, message: decoded.value } as ProtocolMessage };
}

/** For gateways: another gateway's live events (live-relay.schema.ts). Never throws. */
export function parseLiveRelay(
  topic: string,
  payload: Buffer | Uint8Array | string,
): ParseResult<{ installation: string; origin: string; message: LiveRelayMessage }> {
  const where = parseLiveRelayTopic(topic);
  if (where === null) return { ok: false, code: 'TOPIC', error: `not an SDES live relay topic: ${JSON.stringify(String(topic)).slice(0, 200)}` };
  const decoded = decodePayload(payload, liveRelaySchema, 'live relay', MAX_PAYLOAD_BYTES.gateway);
  if (!decoded.ok) return decoded;
  if (decoded.value.origin !== where.origin)
    return { ok: false, code: 'SCHEMA', error: `live relay message of ${decoded.value.origin} on the topic of ${where.origin}` };
  return { ok: true, value: { ...where, message: decoded.value } };
}

/**
 * For gateways: another gateway's presence (live-relay.schema.ts); an empty payload is a
 * cleared one (`present: false`). Never throws.
 */
export function parseGatewayPresence(
  topic: string,
  payload: Buffer | Uint8Array | string,
): ParseResult<{ installation: string; origin: string; present: boolean }> {
  const where = parseGatewayTopic(topic);
  if (where?.channel !== 'presence')
    return { ok: false, code: 'TOPIC', error: `not an SDES gateway presence topic: ${JSON.stringify(String(topic)).slice(0, 200)}` };
  const { installation, origin } = where;
  if (payload.length === 0) return { ok: true, value: { installation, origin, present: false } };
  const decoded = decodePayload(payload, gatewayPresenceSchema, 'gateway presence', MAX_PAYLOAD_BYTES.gateway);
  if (!decoded.ok) return decoded;
  if (decoded.value.origin !== origin) return { ok: false, code: 'SCHEMA', error: `gateway presence of ${decoded.value.origin} on the topic of ${origin}` };
  return { ok: true, value: { installation, origin, present: true } };
}

/** For the gateway: a status or events message from an agent; commands are refused. Never throws. */
export function parseAgentMessage(topic: string, payload: Buffer | Uint8Array | string): ParseResult<AgentMessage> {
  const result = parseMessage(topic, payload);
  if (result.ok && result.value.channel === 'commands') {
    return { ok: false, code: 'TOPIC', error: 'a commands topic is not an agent message', clientId: result.value.clientId, channel: 'commands' };
  }
  return result as ParseResult<AgentMessage>;
}

/** For the agent: a command addressed to `expectedClientId`. Never throws. */
export function parseCommand(topic: string, payload: Buffer | Uint8Array | string, expectedClientId?: string): ParseResult<CommandEnvelope> {
  const where = parseAgentTopic(topic);
  if (where && where.channel !== 'commands') {
    return { ok: false, code: 'TOPIC', error: `not a commands topic: ${topic}`, clientId: where.clientId, channel: where.channel };
  }
  if (where && expectedClientId !== undefined && where.clientId !== expectedClientId) {
    return { ok: false, code: 'TOPIC', error: `command for another client (${where.clientId})`, clientId: where.clientId, channel: 'commands' };
  }
  return parseMessage(topic, payload) as ParseResult<CommandEnvelope>;
}
