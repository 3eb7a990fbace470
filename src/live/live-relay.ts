import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import {
  gatewayPresenceTopic,
  gatewaySubscriptionFor,
  LIVE_RELAY_MAX_EVENTS,
  liveRelayTopic,
  parseGatewayPresence,
  parseGatewayTopic,
  parseLiveRelay,
  PROTOCOL_VERSION,
  type GatewayPresence,
  type LiveRelayEvent,
  type LiveRelayMessage,
} from '../protocol';
import type { Logger } from '../runtime/logger';
import type { LivePubSub, LiveTopics } from './pubsub';

export interface LiveRelay {
  /** Publishes to this gateway's subscribers and, batched, to the other gateways'. */
  pubsub: LivePubSub;
  /** Instance ids of the other gateways of the installation known to be running. */
  peers(): string[];
  start(): Promise<void>;
  /** Sends what is batched, withdraws this gateway's presence and stops taking the others' events. */
  stop(): Promise<void>;
}

export interface LiveRelayOptions {
  /** The gateway's MQTT connection, opened with `gatewayWill(installation, origin)`. */
  mqtt: MqttClient;
  /** The in-process pub/sub the subscriptions read. */
  local: LivePubSub;
  /** The gateways sharing this id (SettingsService.installationId: one database) relay to each other. */
  installation: string;
  /** This gateway's instance id (newGatewayId()). */
  origin: string;
  logger: Logger;
}

/** A random gateway instance id, one topic level. */
export function newGatewayId(): string {
  return randomUUID().replace(/-/g, '');
}

/** The Will of a gateway's MQTT connection: a crashed gateway's presence is cleared by the broker. */
export function gatewayWill(installation: string, origin: string): { topic: string; payload: Buffer; qos: 1; retain: true } {
  return { topic: gatewayPresenceTopic(installation, origin), payload: Buffer.alloc(0), qos: 1, retain: true };
}

/**
 * Makes the live subscriptions of every gateway of an installation see the same events. A change
 * is stored by one gateway only (the others find nothing to change: statuses and events are
 * applied idempotently, and with a share group each gateway gets only part of the events), and a
 * run is created by the gateway that was asked; so each gateway publishes what it produced to
 * `sdes/v1/gateways/{installation}/{origin}/live`, at QoS 0 (a live view: the records are in the
 * database), one message per tick, and pushes what the others publish into its own pub/sub.
 * Gateways announce themselves (retained presence, cleared by a Will), and one that knows no
 * other relays nothing: a lone gateway pays nothing for it. See docs/protocol.md 10.
 */
export function createLiveRelay({ mqtt, local, installation, origin, logger }: LiveRelayOptions): LiveRelay {
  const liveTopic = liveRelayTopic(installation, origin);
  const presenceTopic = gatewayPresenceTopic(installation, origin);
  const subscription = gatewaySubscriptionFor(installation);
  const peers = new Set<string>();
  let pending: LiveRelayEvent[] = [];
  let scheduled = false;
  let stopped = false;

  const flush = () => {
    scheduled = false;
    const events = pending;
    pending = [];
    for (let i = 0; i < events.length; i += LIVE_RELAY_MAX_EVENTS) {
      const message: LiveRelayMessage = { v: PROTOCOL_VERSION, origin, events: events.slice(i, i + LIVE_RELAY_MAX_EVENTS) };
      mqtt.publish(liveTopic, JSON.stringify(message), { qos: 0 }, (err) => {
        if (err) logger.debug({ err }, 'live events not relayed to other gateways');
      });
    }
  };

  const pubsub: LivePubSub = {
    publish(name, ...payload) {
      local.publish(name, ...payload);
      if (stopped || peers.size === 0) return;
      pending.push({ topic: name, payload: payload[0] } as LiveRelayEvent);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    subscribe: (name, key) => local.subscribe(name, key),
  };

  const announce = () => {
    const presence: GatewayPresence = { v: PROTOCOL_VERSION, origin };
    mqtt.publish(presenceTopic, JSON.stringify(presence), { qos: 1, retain: true }, (err) => {
      if (err) logger.warn({ err }, 'gateway presence not published');
    });
  };

  const onMessage = (topic: string, payload: Buffer) => {
    const where = parseGatewayTopic(topic);
    // Other topics are the bridge's; this gateway's own messages come back from the broker too.
    if (where === null || where.installation !== installation || where.origin === origin) return;
    if (where.channel === 'presence') {
      const parsed = parseGatewayPresence(topic, payload);
      if (!parsed.ok) return void logger.warn({ topic, code: parsed.code, error: parsed.error }, 'malformed gateway presence dropped');
      const known = peers.has(where.origin);
      if (parsed.value.present) peers.add(where.origin);
      else peers.delete(where.origin);
      if (known !== parsed.value.present)
        logger.info(
          { gateway: where.origin, peers: peers.size },
          parsed.value.present ? 'another gateway joined: relaying live events' : 'another gateway left',
        );
      return;
    }
    const parsed = parseLiveRelay(topic, payload);
    if (!parsed.ok) return void logger.warn({ topic, code: parsed.code, error: parsed.error }, 'malformed live relay message dropped');
    // The schema pairs each topic with its payload; TypeScript cannot follow the pair through the union.
    for (const event of parsed.value.message.events) (local.publish as (topic: keyof LiveTopics, payload: unknown) => void)(event.topic, event.payload);
  };

  return {
    pubsub,
    peers: () => [...peers],
    async start() {
      mqtt.on('message', onMessage);
      // A restarted broker may have lost the retained presence: say it again on every connect.
      mqtt.on('connect', announce);
      await mqtt.subscribeAsync(subscription, { qos: 1 });
      announce();
    },
    async stop() {
      if (scheduled) flush();
      stopped = true;
      mqtt.off('message', onMessage);
      mqtt.off('connect', announce);
      if (mqtt.connected) {
        await mqtt.publishAsync(presenceTopic, Buffer.alloc(0), { qos: 1, retain: true }).catch(() => undefined);
        await mqtt.unsubscribeAsync(subscription).catch(() => undefined);
      }
    },
  };
}
