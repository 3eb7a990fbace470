import type * as RepeaterModule from '@repeaterjs/repeater' with { 'resolution-mode': 'import' };

// The package ships CommonJS too, but its types are declared as ESM only: load the CommonJS build
// and take the types from the ESM declaration.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Repeater, SlidingBuffer } = require('@repeaterjs/repeater') as typeof RepeaterModule;

// The payloads are part of the wire protocol: gateways relay them to each other (src/live/live-relay.ts).
import type { ClientStatusEvent, EntityChangedEvent, ExecutionProgressEvent, LiveStepMessage, TransferProgressEvent } from '../protocol';

export type { ClientStatusEvent, EntityChangedEvent, ExecutionProgressEvent, TransferProgressEvent };
export type StepMessageEvent = LiveStepMessage;

/** Every live topic and its payload type, in one place (graphql-yoga's typed pub/sub). */
export type LiveTopics = {
  ENTITY_CHANGED: [EntityChangedEvent];
  CLIENT_STATUS: [ClientStatusEvent];
  EXECUTION_PROGRESS: [ExecutionProgressEvent];
  STEP_MESSAGE: [StepMessageEvent];
  TRANSFER_PROGRESS: [TransferProgressEvent];
};

/** How many events a slow subscriber may fall behind before its oldest ones are dropped. */
export const SUBSCRIBER_BUFFER = 10_000;

/**
 * The field a topic's events are indexed by, for subscribers that name one value of it
 * (type-graphql's `topicId`): an event then wakes only the subscribers of its own value, not
 * every subscriber of the topic, so a thousand dashboards watching a thousand different agents
 * cost one delivery per status change, not a thousand filter calls.
 */
const TOPIC_KEYS: { [K in keyof LiveTopics]?: (event: LiveTopics[K][0]) => string } = {
  CLIENT_STATUS: (event) => event.mqttClientId,
};

export interface LivePubSub {
  publish<K extends keyof LiveTopics>(topic: K, ...payload: LiveTopics[K]): void;
  /**
   * The topic's events from now on. With `key`, only those whose indexed field (TOPIC_KEYS)
   * equals it; a topic without an index ignores `key` (its subscriber filters for itself).
   */
  subscribe<K extends keyof LiveTopics>(topic: K, key?: string): AsyncIterableIterator<LiveTopics[K][0]>;
}

type Listener = (payload: unknown) => void;

/**
 * The in-process pub/sub behind every subscription. Each subscriber gets a bounded sliding
 * buffer: a fan-out over thousands of clients publishes faster than a dashboard's WebSocket
 * drains, and an unbounded or overflowing queue would grow without end or throw inside the
 * publisher (graphql-yoga's default buffer throws past 1,024 pending events). A subscriber
 * that falls that far behind loses the oldest progress events, never the gateway.
 */
export function createLivePubSub({ bufferSize = SUBSCRIBER_BUFFER }: { bufferSize?: number } = {}): LivePubSub {
  /** Per topic: the listeners of every event (key ''), and those of one indexed value. */
  const listeners = new Map<keyof LiveTopics, Map<string, Set<Listener>>>();
  const ALL = '';
  return {
    publish(topic, ...payload) {
      const byKey = listeners.get(topic);
      if (!byKey) return;
      for (const listener of byKey.get(ALL) ?? []) listener(payload[0]);
      const keyOf = TOPIC_KEYS[topic] as ((event: LiveTopics[typeof topic][0]) => string) | undefined;
      if (keyOf) for (const listener of byKey.get(keyOf(payload[0])) ?? []) listener(payload[0]);
    },
    subscribe<K extends keyof LiveTopics>(topic: K, key?: string) {
      // An empty key could not be told from "all"; no indexed value is empty.
      const slot = key !== undefined && key !== ALL && TOPIC_KEYS[topic] ? key : ALL;
      return new Repeater<LiveTopics[K][0]>(async (push, stop) => {
        const listener = (event: unknown) => void push(event as LiveTopics[K][0]).catch(() => undefined);
        let byKey = listeners.get(topic);
        if (!byKey) listeners.set(topic, (byKey = new Map()));
        let set = byKey.get(slot);
        if (!set) byKey.set(slot, (set = new Set()));
        set.add(listener);
        await stop;
        set.delete(listener);
        if (!set.size && byKey.get(slot) === set) byKey.delete(slot);
      }, new SlidingBuffer(bufferSize));
    },
  };
}
