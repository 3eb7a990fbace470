import type { MqttClient } from 'mqtt';
import { parseAgentTopic } from '../../src/protocol';
import type { ReplayStats } from './sim-agent';

/**
 * The broker alone moving a run's messages (issue 12: "the bench prints the broker-only time for
 * the same messages beside it"). While a run is measured, `recordTraffic` notes every message the
 * gateway's MQTT connection publishes on an agent's commands topic (dispatches, acks: topic,
 * size, QoS) and every event message it receives (agent, size). `replayThroughBroker` then sends
 * the same messages, same sizes, same QoS, over the same connections of the same broker (the
 * gateway's, the agents'), with nothing done at either end: the gateway's own listeners are
 * detached meanwhile, and the agents only count what they receive (sim-agent.ts `replay`).
 *
 * Each agent gets its first command (the dispatch) at once, answers it with all its event
 * messages at once, and gets each of its later commands (the acks) as one of its event messages
 * arrives, as the gateway acks what it stored. The figure is from the first publish to the last
 * message delivered either way.
 */

interface Down {
  clientId: string;
  topic: string;
  bytes: number;
  qos: 0 | 1;
}

export interface Traffic {
  down: Down[];
  up: { clientId: string; bytes: number }[];
}

export interface BrokerOnlyResult {
  complete: boolean;
  ms: number;
  /** From the first publish to the last event message received by the gateway's connection. */
  upMs: number;
  messagesDown: number;
  bytesDown: number;
  messagesUp: number;
  bytesUp: number;
  /** Commands the agents received, out of messagesDown. */
  delivered: number;
}

/** What the agents' processes are asked during a replay (AgentsProcess in fanout.ts). */
export interface ReplayingAgents {
  replay(upSizes: Record<string, number[]>): Promise<void>;
  /** What the agents received so far; `end` (default) also ends the replay. */
  endReplay(end?: boolean): Promise<ReplayStats>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Publish = (topic: string, message: string | Buffer, ...rest: unknown[]) => MqttClient;

/** Notes the agents' traffic of `mqtt` (the gateway's connection) between `start` and `stop`. */
export function recordTraffic(mqtt: MqttClient): { start(): void; stop(): Traffic } {
  let traffic: Traffic | undefined;
  const original = mqtt.publish as unknown as Publish;
  (mqtt as unknown as { publish: Publish }).publish = function recorded(this: MqttClient, topic, message, ...rest) {
    const where = traffic && parseAgentTopic(topic);
    if (traffic && where && where.channel === 'commands') {
      const options = rest[0] as { qos?: 0 | 1 } | undefined;
      traffic.down.push({ clientId: where.clientId, topic, bytes: Buffer.byteLength(message), qos: typeof options === 'object' && options?.qos ? 1 : 0 });
    }
    return original.call(this, topic, message, ...rest);
  };
  mqtt.on('message', (topic: string, payload: Buffer) => {
    const where = traffic && parseAgentTopic(topic);
    if (traffic && where && where.channel === 'events') traffic.up.push({ clientId: where.clientId, bytes: payload.length });
  });
  return {
    start: () => void (traffic = { down: [], up: [] }),
    stop() {
      const t = traffic ?? { down: [], up: [] };
      traffic = undefined;
      return t;
    },
  };
}

/** Sends `traffic` again through the broker of `mqtt` with nobody doing anything with it. */
export async function replayThroughBroker({
  mqtt,
  traffic,
  agents,
  timeoutMs,
}: {
  mqtt: MqttClient;
  traffic: Traffic;
  agents: ReplayingAgents;
  timeoutMs: number;
}): Promise<BrokerOnlyResult> {
  const downOf = new Map<string, { topic: string; payload: Buffer; qos: 0 | 1 }[]>();
  for (const d of traffic.down) {
    const list = downOf.get(d.clientId) ?? [];
    list.push({ topic: d.topic, payload: Buffer.alloc(d.bytes, 0x20), qos: d.qos });
    downOf.set(d.clientId, list);
  }
  const upSizes: Record<string, number[]> = {};
  for (const u of traffic.up) (upSizes[u.clientId] ??= []).push(u.bytes);
  const expectedUp = traffic.up.length;
  await agents.replay(upSizes);

  // The gateway's connection becomes a plain publisher and subscriber for the replay.
  const held = mqtt.listeners('message') as ((...args: unknown[]) => void)[];
  mqtt.removeAllListeners('message');
  const next = new Map<string, number>();
  const send = (clientId: string) => {
    const list = downOf.get(clientId);
    const i = next.get(clientId) ?? 0;
    if (!list || i >= list.length) return;
    next.set(clientId, i + 1);
    mqtt.publish(list[i].topic, list[i].payload, { qos: list[i].qos });
  };
  let received = 0;
  let lastUpAt = 0;
  let allUp: () => void = () => undefined;
  const allUpReceived = new Promise<void>((resolve) => (allUp = resolve));
  const upLeft = new Map(Object.entries(upSizes).map(([id, sizes]) => [id, sizes.length]));
  const onMessage = (topic: string) => {
    const where = parseAgentTopic(topic);
    if (!where || where.channel !== 'events') return;
    received++;
    lastUpAt = Date.now();
    send(where.clientId);
    const left = (upLeft.get(where.clientId) ?? 1) - 1;
    upLeft.set(where.clientId, left);
    // Commands left over after the agent's last event message (more acks than messages) go now.
    if (left === 0) while ((next.get(where.clientId) ?? 0) < (downOf.get(where.clientId)?.length ?? 0)) send(where.clientId);
    if (received >= expectedUp) allUp();
  };
  mqtt.on('message', onMessage);
  const t0 = Date.now();
  try {
    for (const clientId of downOf.keys()) send(clientId);
    if (expectedUp === 0) allUp();
    const timedOut = await Promise.race([allUpReceived.then(() => false), sleep(timeoutMs).then(() => true)]);
    // The commands sent for the last event messages are on their way: wait until all arrived.
    const messagesDown = traffic.down.length;
    for (let waited = 0; !timedOut && waited < 10_000; waited += 50) {
      if ((await agents.endReplay(false)).received >= messagesDown) break;
      await sleep(50);
    }
    const seen = await agents.endReplay();
    const lastDown = seen.lastReceivedAt ?? t0;
    return {
      // More than sent: the gateway was still at work (a backlog) and published too; not a clean figure.
      complete: !timedOut && seen.received === messagesDown,
      ms: Math.max(lastUpAt, lastDown) - t0,
      upMs: (lastUpAt || t0) - t0,
      messagesDown,
      bytesDown: traffic.down.reduce((n, d) => n + d.bytes, 0),
      messagesUp: expectedUp,
      bytesUp: traffic.up.reduce((n, u) => n + u.bytes, 0),
      delivered: seen.received,
    };
  } finally {
    mqtt.removeListener('message', onMessage);
    for (const listener of held) mqtt.on('message', listener);
  }
}
