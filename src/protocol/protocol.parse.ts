import type { z } from 'zod';
import { commandSchema, type Command } from './command.schema';
import { eventBatchSchema, type EventBatch } from './event.schema';
import { PROTOCOL_VERSION, parseAgentTopic, type AgentChannel } from './protocol.topics';
import { statusMessageSchema, type StatusMessage } from './status.schema';

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
export type ParseErrorCode = 'TOPIC' | 'EMPTY' | 'JSON' | 'VERSION' | 'SCHEMA';
export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: ParseErrorCode; error: string; clientId?: string; channel?: AgentChannel };

const schemas = { status: statusMessageSchema, events: eventBatchSchema, commands: commandSchema } as const;

/** Deepest JSON nesting accepted: an IF tree about 60 levels deep, far beyond any real script. */
const MAX_JSON_DEPTH = 128;

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

/**
 * Validates a message received on any SDES agent topic. Pure, and never throws: malformed
 * topics, non-JSON, other protocol versions and schema violations come back as `{ ok: false }`
 * with a message fit for a log line, so the receiver can log and drop.
 */
export function parseMessage(topic: string, payload: Buffer | Uint8Array | string): ParseResult<ProtocolMessage> {
  const where = parseAgentTopic(topic);
  if (!where) return { ok: false, code: 'TOPIC', error: `not an SDES agent topic: ${JSON.stringify(String(topic)).slice(0, 200)}` };
  const { clientId, channel } = where;
  const fail = (code: ParseErrorCode, error: string): ParseResult<ProtocolMessage> => ({ ok: false, code, error, clientId, channel });

  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  if (text.length === 0) return fail('EMPTY', `empty payload on ${channel}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail('JSON', `payload on ${channel} is not JSON: ${(error as Error).message}`);
  }
  const v = (json as { v?: unknown } | null)?.v;
  if (v !== PROTOCOL_VERSION) {
    return fail('VERSION', `unsupported protocol version ${JSON.stringify(v)} on ${channel} (this side speaks v${PROTOCOL_VERSION})`);
  }
  if (nestingExceeds(json, MAX_JSON_DEPTH)) return fail('SCHEMA', `invalid ${channel} message: nested deeper than ${MAX_JSON_DEPTH} levels`);
  let result;
  try {
    result = schemas[channel].safeParse(json);
  } catch (error) {
    // safeParse only throws on pathological input, e.g. a step tree nested deeper than the stack.
    return fail('SCHEMA', `invalid ${channel} message: ${(error as Error)?.message ?? String(error)}`);
  }
  if (!result.success) return fail('SCHEMA', `invalid ${channel} message: ${describeIssues(result.error)}`);
  return { ok: true, value: { channel, clientId, message: result.data } as ProtocolMessage };
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
export function parseCommand(
  topic: string,
  payload: Buffer | Uint8Array | string,
  expectedClientId?: string,
): ParseResult<CommandEnvelope> {
  const where = parseAgentTopic(topic);
  if (where && where.channel !== 'commands') {
    return { ok: false, code: 'TOPIC', error: `not a commands topic: ${topic}`, clientId: where.clientId, channel: where.channel };
  }
  if (where && expectedClientId !== undefined && where.clientId !== expectedClientId) {
    return { ok: false, code: 'TOPIC', error: `command for another client (${where.clientId})`, clientId: where.clientId, channel: 'commands' };
  }
  return parseMessage(topic, payload) as ParseResult<CommandEnvelope>;
}
