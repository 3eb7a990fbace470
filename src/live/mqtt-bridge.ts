import type { MqttClient } from 'mqtt';
import {
  commandsTopic,
  createAckBatcher,
  encodeMessage,
  gatewaySubscriptions,
  isTransferChannel,
  parseAgentMessage,
  parseAgentTopic,
  parseEnrolTopic,
  parseGatewayTopic,
  parseTransferSessionTopic,
  type AgentChannel,
} from '../protocol';
import type { Logger } from '../runtime/logger';
import type { AgentInbox, EventsMessage, PresenceChange, StatusUpdate } from './agent-inbox';
import { createBatchQueue } from './batch-queue';
import { createEventBacklog } from './event-backlog';

export interface MqttBridge {
  /** Subscribes to the agents' status and events, then sends the work that waits for ONLINE clients. */
  start(): Promise<void>;
  /** Stops taking messages, finishes those received, sends the last acks. */
  stop(): Promise<void>;
  /** Resolves when every message received so far is stored, acknowledged and followed up. */
  idle(): Promise<void>;
  /**
   * Whether events of this agent may be waiting to be stored: its report may have started
   * although the database does not say so yet (the redispatch sweep waits for them). True for
   * an agent with events received and not yet stored, and for every agent while the bridge is
   * more than a batch behind: the events of an agent may then still be on their way (in the
   * broker, in the socket), and a missing `report.started` says nothing.
   */
  ingesting(mqttClientId: string): boolean;
}

export interface MqttBridgeOptions {
  /** The gateway's connected MQTT client (it reconnects and resubscribes by itself). */
  mqtt: MqttClient;
  logger: Logger;
  /** What the messages mean: presence, execution records, dispatch (src/services/agent-inbox.ts). */
  inbox: AgentInbox;
  /** SDES_SHARE_GROUP: subscribe as `$share/{group}/...` so several gateways split the fleet. */
  shareGroup?: string;
  /** The longest a stored seq waits for its ack (each batch's acks go out as soon as it commits). */
  ackDelayMs?: number;
  /** The most events stored in one transaction: a backlog is stored, and acknowledged, in steps of this size. */
  maxBatchEvents?: number;
  /** The online-clients chart gets at most one point per this interval (and only when the count changed). */
  sampleIntervalMs?: number;
  /**
   * After (re)subscribing, clients ONLINE in the database whose status has not arrived within this
   * long are marked OFFLINE: the broker restarted without them (no retained status, no Will).
   * Longer than the agents' reconnect period (2 s by default). 0 turns the check off.
   */
  presenceAuditMs?: number;
  /** Only agents for which this holds are handled (a gateway confined to part of a shared broker, e.g. tests). */
  acceptClient?: (mqttClientId: string) => boolean;
  /**
   * Checks a message on an agent's topic before it is parsed (src/fleet/agent-message-auth.ts):
   * returns the payload to parse (e.g. without its HMAC) or null to drop it (it logs why).
   */
  authenticate?: (clientId: string, channel: AgentChannel, topic: string, payload: Buffer) => Buffer | null | Promise<Buffer | null>;
  /** Sends an ack on an agent's commands topic (the gateway signs it); default: publish as is. */
  publishCommand?: (topic: string, payload: Buffer, qos: 0 | 1) => void;
}

/**
 * The gateway's side of docs/protocol.md as transport: agents' statuses and events go to the
 * inbox (presence, dispatch of the work waiting for them, execution records), events are then
 * acknowledged.
 * Each kind goes through its own serial queue, in batches, so a burst from a large fleet costs a
 * few transactions and one agent's messages keep the broker's order. Malformed messages are
 * logged and dropped.
 */
export function createMqttBridge({
  mqtt,
  logger,
  inbox,
  shareGroup,
  ackDelayMs = 200,
  maxBatchEvents = 2_000,
  sampleIntervalMs = 5_000,
  presenceAuditMs = 6_000,
  acceptClient = () => true,
  authenticate,
  publishCommand = (topic, payload, qos) => void mqtt.publish(topic, payload, { qos }),
}: MqttBridgeOptions): MqttBridge {
  const acks = createAckBatcher({
    delayMs: ackDelayMs,
    // QoS 0: a lost ack only costs a resend of events already stored (docs/protocol.md 3.2).
    publish: (clientId, ack) => publishCommand(commandsTopic(clientId), encodeMessage(ack), 0),
  });

  // Statuses and presence audits share one queue, so an audit sees every status received before it.
  const statuses = createBatchQueue<StatusUpdate | { audit: Set<string> }>({
    name: 'presence',
    logger,
    handle: async (batch) => {
      let updates: StatusUpdate[] = [];
      const changes: PresenceChange[] = [];
      // One transaction per batch; should it fail, each status alone, so that one unstorable
      // status costs only itself (the others would otherwise wait for their agents to reconnect).
      const flush = async () => {
        const batch = updates;
        updates = [];
        if (!batch.length) return;
        try {
          changes.push(...(await inbox.statuses(batch)));
        } catch (err) {
          if (batch.length === 1) return void logger.error({ err, clientId: batch[0].mqttClientId }, 'status not applied');
          logger.warn({ err, statuses: batch.length }, 'a presence batch failed; applying its statuses one by one');
          for (const update of batch) {
            try {
              changes.push(...(await inbox.statuses([update])));
            } catch (e) {
              logger.error({ err: e, clientId: update.mqttClientId }, 'status not applied');
            }
          }
        }
      };
      for (const item of batch) {
        if (!('audit' in item)) {
          updates.push(item);
          continue;
        }
        await flush();
        const gone = await inbox.audit(item.audit, acceptClient);
        if (gone.length) logger.warn({ clients: gone.length }, 'clients ONLINE in the database but without a status on the broker: marked OFFLINE');
        changes.push(...gone);
      }
      await flush();
      for (const c of changes)
        logger.info({ clientId: c.mqttClientId, created: c.created || undefined }, `client ${c.mqttClientId} ${c.status}${c.created ? ' (registered)' : ''}`);
      if (changes.length) sampler.request();
    },
  });

  // Which agents have shown a status since the last (re)subscribe.
  let heard: Set<string> | undefined;
  let auditTimer: NodeJS.Timeout | undefined;
  const startAudit = () => {
    if (!presenceAuditMs) return;
    clearTimeout(auditTimer);
    const seen = (heard = new Set());
    auditTimer = setTimeout(() => {
      if (heard === seen) heard = undefined;
      statuses.push({ audit: seen });
    }, presenceAuditMs);
  };

  // Received and not yet stored: resends of these are dropped on arrival (coalesced).
  const backlog = createEventBacklog();
  const apply = async (batch: EventsMessage[]) => {
    const started = performance.now();
    const outcome = await inbox.events(batch);
    logger.debug(
      {
        messages: batch.length,
        events: outcome.acks.reduce((n, a) => n + a.seqs.length, 0),
        ms: Math.round(performance.now() - started),
        backlog: backlog.size,
        coalesced: backlog.coalesced,
      },
      'events stored',
    );
    // Only now is it durable: acknowledge everything, duplicates and dropped events included,
    // at once, so that an agent waiting behind a backlog is not moved to resend what is stored.
    for (const { mqttClientId, stream, seqs } of outcome.acks) for (const seq of seqs) acks.add(mqttClientId, stream, seq);
    acks.flush();
    for (const d of outcome.dropped)
      logger.debug({ clientId: d.mqttClientId, reportId: d.event.reportId, type: d.event.type, reason: d.reason }, 'event dropped');
  };
  // One bad message must not hold back the others: a failed batch is split in halves until the
  // message at fault is alone (a few transactions, not one per message); the rest is stored.
  const applyOrSplit = async (batch: EventsMessage[]): Promise<void> => {
    try {
      await apply(batch);
    } catch (err) {
      if (batch.length === 1) return void logger.error({ err, clientId: batch[0].mqttClientId }, 'events not stored; the agent will send them again');
      logger.warn({ err, messages: batch.length }, 'an events batch failed; storing its halves apart');
      const half = Math.ceil(batch.length / 2);
      await applyOrSplit(batch.slice(0, half));
      await applyOrSplit(batch.slice(half));
    }
  };
  // Two queues, each agent always in the same one (its messages keep the broker's order): while
  // one batch waits for PostgreSQL the other is parsed and folded. Their transactions lock
  // disjoint reports (an agent writes only its own) in id order, then runs in id order (the lock
  // order of docs/execution.md), so they wait for each other at worst, never deadlock.
  const eventQueues = [0, 1].map((i) =>
    createBatchQueue<EventsMessage>({
      name: `events-${i}`,
      logger,
      maxBatch: maxBatchEvents,
      sizeOf: (message) => message.batch.events.length,
      handle: async (batch) => {
        try {
          await applyOrSplit(batch);
        } finally {
          backlog.release(batch);
        }
      },
    }),
  );
  const eventsQueueOf = (clientId: string) => {
    let h = 0;
    for (let i = 0; i < clientId.length; i++) h = (h * 31 + clientId.charCodeAt(i)) | 0;
    return eventQueues[(h >>> 0) % eventQueues.length];
  };

  const sampler = createSampler({
    intervalMs: sampleIntervalMs,
    logger,
    take: () => inbox.onlineCount(),
    record: () => inbox.recordOnlineSample(),
  });

  const onMessage = (topic: string, payload: Buffer) => {
    // The gateways' own topics (live events, presence: this one's come back too) share the connection; live-relay.ts reads them.
    if (parseGatewayTopic(topic) !== null) return;
    // Transfer frames share the connection too; transfer-carrier.ts reads them.
    const where = parseAgentTopic(topic);
    if (where && isTransferChannel(where.channel)) return;
    // So do the upload chunks on the files' session topics (§12.2): not agent messages, not to be logged one by one as malformed.
    if (parseTransferSessionTopic(topic) !== null) return;
    // Enrolment requests are src/fleet's.
    if (parseEnrolTopic(topic) !== null) return;
    if (authenticate && where && acceptClient(where.clientId)) {
      const checked = authenticate(where.clientId, where.channel, topic, payload);
      if (checked instanceof Promise) {
        checked.then(
          (body) => body && onChecked(topic, body),
          (err: unknown) => logger.error({ err, topic }, 'agent message not checked; dropped'),
        );
      } else if (checked) onChecked(topic, checked);
      return;
    }
    onChecked(topic, payload);
  };
  const onChecked = (topic: string, payload: Buffer) => {
    const parsed = parseAgentMessage(topic, payload);
    if (!parsed.ok) {
      if (parsed.clientId !== undefined && !acceptClient(parsed.clientId)) return;
      // An empty retained status is a cleared one (a deleted client), not an error; empty events are.
      if (parsed.code === 'EMPTY' && parsed.channel === 'status') logger.debug({ topic }, 'empty status ignored');
      else logger.warn({ topic, code: parsed.code, error: parsed.error }, 'malformed agent message dropped');
      return;
    }
    const { clientId, channel } = parsed.value;
    if (!acceptClient(clientId)) return;
    if (channel === 'status') {
      heard?.add(clientId);
      statuses.push({ mqttClientId: clientId, message: parsed.value.message });
    } else {
      const fresh = backlog.admit({ mqttClientId: clientId, batch: parsed.value.message });
      if (fresh) eventsQueueOf(clientId).push(fresh);
    }
  };
  // After a lost broker connection (mqtt.js resubscribes by itself), commands sent meanwhile may
  // be gone and the broker may have restarted: send pending work again and audit presence.
  let connectedOnce = false;
  const onConnect = () => {
    if (!connectedOnce) return;
    inbox.connected();
    startAudit();
  };
  // Events may be shared among gateways; statuses are not: a shared subscription gets no retained
  // messages (MQTT 5, 4.8.2), and every gateway must learn the fleet's state when it starts.
  // Each status is then applied by every gateway, harmlessly: only the first write changes the row.
  const subscriptions = gatewaySubscriptions({ shareGroup });

  const idle = async () => {
    // A few rounds: a status may lead to a dispatch, a batch to a sample, and so on.
    for (let i = 0; i < 3; i++) {
      await statuses.idle();
      await Promise.all(eventQueues.map((q) => q.idle()));
      await inbox.idle();
      await sampler.idle();
    }
    acks.flush();
  };

  return {
    async start() {
      mqtt.on('message', onMessage);
      mqtt.on('connect', onConnect);
      startAudit();
      await mqtt.subscribeAsync([subscriptions.status, subscriptions.events], { qos: 1 });
      connectedOnce = true;
      logger.info({ status: subscriptions.status, events: subscriptions.events }, 'listening to agents');
      inbox.connected();
      sampler.request();
    },
    async stop() {
      mqtt.off('message', onMessage);
      mqtt.off('connect', onConnect);
      clearTimeout(auditTimer);
      await idle();
      sampler.stop();
      acks.stop();
    },
    idle,
    ingesting: (mqttClientId) => backlog.size > maxBatchEvents || backlog.has(mqttClientId),
  };
}

/** At most one sample per interval, and none when the count has not moved since the last one. */
function createSampler({
  intervalMs,
  logger,
  take,
  record,
}: {
  intervalMs: number;
  logger: Logger;
  take: () => Promise<number>;
  record: () => Promise<number>;
}) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastAt = 0;
  let lastCount: number | undefined;
  const run = () => {
    timer = undefined;
    lastAt = Date.now();
    running = (async () => {
      if ((await take()) !== lastCount) lastCount = await record();
    })()
      .catch((err) => logger.warn({ err }, 'online sample not recorded'))
      .finally(() => (running = undefined));
  };
  return {
    request() {
      timer ??= setTimeout(run, Math.max(0, lastAt + intervalMs - Date.now()));
    },
    async idle() {
      // A sample that is due now is part of "idle"; a throttled one is not waited for.
      if (timer && lastAt + intervalMs <= Date.now()) {
        clearTimeout(timer);
        run();
      }
      await running;
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
