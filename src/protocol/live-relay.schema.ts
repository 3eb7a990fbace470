import { z } from 'zod';
import { PROTOCOL_VERSION, TOPIC_ROOT } from './protocol.topics';

/**
 * Gateway → gateways: the live events one gateway produced (entity changes, client statuses,
 * execution progress, step messages), relayed so that the subscribers of every gateway on the
 * broker see them. Only one gateway stores a given change (the others find nothing to change), so
 * without the relay a dashboard would see only what its own gateway happened to write.
 * See docs/protocol.md section 10.
 */

const GATEWAYS = `${TOPIC_ROOT}/gateways`;

/** An installation or gateway instance id: one topic level. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;

function checkId(what: string, value: string): string {
  if (!ID.test(value)) throw new Error(`invalid ${what} ${JSON.stringify(value)}: 1-64 letters, digits, "_" or "-"`);
  return value;
}

/**
 * Where a gateway (`origin`) of an installation (the gateways sharing one database) publishes
 * its live events.
 */
export function liveRelayTopic(installation: string, origin: string): string {
  return `${GATEWAYS}/${checkId('installation id', installation)}/${checkId('gateway instance id', origin)}/live`;
}

/**
 * Where a gateway announces itself to the others of its installation: retained `{ v, origin }`
 * while it runs, cleared (an empty retained payload, also its Will) when it stops. A gateway
 * relays only while it knows another one.
 */
export function gatewayPresenceTopic(installation: string, origin: string): string {
  return `${GATEWAYS}/${checkId('installation id', installation)}/${checkId('gateway instance id', origin)}/presence`;
}

/** What every gateway of an installation subscribes to: `.../+/live` and `.../+/presence` (its own come back too: it skips them by topic). */
export function gatewaySubscriptionFor(installation: string): string {
  return `${GATEWAYS}/${checkId('installation id', installation)}/+/+`;
}

/** The installation, origin and channel of a gateway topic, or null for any other topic. Never throws. */
export function parseGatewayTopic(topic: string): { installation: string; origin: string; channel: 'live' | 'presence' } | null {
  if (typeof topic !== 'string') return null;
  const parts = topic.split('/');
  if (parts.length !== 6 || `${parts[0]}/${parts[1]}/${parts[2]}` !== GATEWAYS || (parts[5] !== 'live' && parts[5] !== 'presence')) return null;
  const [, , , installation, origin, channel] = parts;
  return ID.test(installation) && ID.test(origin) ? { installation, origin, channel: channel as 'live' | 'presence' } : null;
}

/** The installation and origin of a live relay topic, or null for any other topic. Never throws. */
export function parseLiveRelayTopic(topic: string): { installation: string; origin: string } | null {
  const where = parseGatewayTopic(topic);
  return where?.channel === 'live' ? { installation: where.installation, origin: where.origin } : null;
}

const epochMs = z.number().int().nonnegative();
const id = z.number().int().positive();

export const entityChangedSchema = z.object({
  entity: z.enum(['CLIENT', 'GROUP', 'JOB', 'TASK', 'ATTRIBUTE', 'SETTINGS', 'FILE']),
  action: z.enum(['CREATED', 'UPDATED', 'DELETED']),
  id: z.number().int().nonnegative(),
  at: epochMs,
});

export const clientStatusChangedSchema = z.object({
  clientId: id,
  mqttClientId: z.string().min(1).max(128),
  status: z.enum(['ONLINE', 'OFFLINE']),
  at: epochMs,
});

/** Progress of one level of an execution: the run, a report, a task result or a step result. */
export const executionProgressSchema = z.object({
  level: z.enum(['RUN', 'REPORT', 'TASK', 'STEP']),
  runId: id,
  jobId: id,
  reportId: z.string().min(1).max(200).optional(),
  clientId: id.optional(),
  taskId: id.optional(),
  stepId: id.optional(),
  status: z.string().min(1).max(32),
  startTime: epochMs.nullable().optional(),
  endTime: epochMs.nullable().optional(),
  at: epochMs,
});

export const liveStepMessageSchema = z.object({
  runId: id,
  jobId: id,
  reportId: z.string().min(1).max(200),
  clientId: id,
  taskId: id,
  stepId: id,
  startTime: epochMs,
  endTime: epochMs,
  message: z.string().max(256 * 1024),
});

/** Bytes of one file moving between an agent and the file store (docs/protocol.md §12). */
export const transferProgressSchema = z.object({
  fileId: id,
  name: z.string().min(1).max(1024),
  direction: z.enum(['UPLOAD', 'DOWNLOAD']),
  /** The agent sending (UPLOAD) or receiving (DOWNLOAD). */
  mqttClientId: z.string().min(1).max(128),
  reportId: z.string().max(200).nullable(),
  bytes: z.number().int().nonnegative(),
  size: z.number().int().nonnegative(),
  /** Bytes per second since the transfer began. */
  rate: z.number().nonnegative(),
  done: z.boolean(),
  at: epochMs,
});

export type EntityChangedEvent = z.infer<typeof entityChangedSchema>;
export type TransferProgressEvent = z.infer<typeof transferProgressSchema>;
export type ClientStatusEvent = z.infer<typeof clientStatusChangedSchema>;
export type ExecutionProgressEvent = z.infer<typeof executionProgressSchema>;
export type LiveStepMessage = z.infer<typeof liveStepMessageSchema>;

export const liveRelayEventSchema = z.discriminatedUnion('topic', [
  z.object({ topic: z.literal('ENTITY_CHANGED'), payload: entityChangedSchema }),
  z.object({ topic: z.literal('CLIENT_STATUS'), payload: clientStatusChangedSchema }),
  z.object({ topic: z.literal('EXECUTION_PROGRESS'), payload: executionProgressSchema }),
  z.object({ topic: z.literal('STEP_MESSAGE'), payload: liveStepMessageSchema }),
  z.object({ topic: z.literal('TRANSFER_PROGRESS'), payload: transferProgressSchema }),
]);
export type LiveRelayEvent = z.infer<typeof liveRelayEventSchema>;

/** The payload of a live relay topic: the events of one flush, in the order they were published. */
export const liveRelaySchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  origin: z.string().regex(ID),
  events: z.array(liveRelayEventSchema).min(1).max(5000),
});
export type LiveRelayMessage = z.infer<typeof liveRelaySchema>;

/** The payload of a gateway presence topic while the gateway runs. */
export const gatewayPresenceSchema = z.object({ v: z.literal(PROTOCOL_VERSION), origin: z.string().regex(ID) });
export type GatewayPresence = z.infer<typeof gatewayPresenceSchema>;

/** Most events in one relay message (the schema's limit). */
export const LIVE_RELAY_MAX_EVENTS = 5000;
