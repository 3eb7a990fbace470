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

export interface LivePubSub {
  publish<K extends keyof LiveTopics>(topic: K, ...payload: LiveTopics[K]): void;
  subscribe<K extends keyof LiveTopics>(topic: K): AsyncIterableIterator<LiveTopics[K][0]>;
}

/**
 * The in-process pub/sub behind every subscription. Each subscriber gets a bounded sliding
 * buffer: a fan-out over thousands of clients publishes faster than a dashboard's WebSocket
 * drains, and an unbounded or overflowing queue would grow without end or throw inside the
 * publisher (graphql-yoga's default buffer throws past 1,024 pending events). A subscriber
 * that falls that far behind loses the oldest progress events, never the gateway.
 */
export function createLivePubSub({ bufferSize = SUBSCRIBER_BUFFER }: { bufferSize?: number } = {}): LivePubSub {
  const listeners = new Map<keyof LiveTopics, Set<(payload: unknown) => void>>();
  return {
    publish(topic, ...payload) {
      for (const listener of listeners.get(topic) ?? []) listener(payload[0]);
    },
    subscribe<K extends keyof LiveTopics>(topic: K) {
      return new Repeater<LiveTopics[K][0]>(async (push, stop) => {
        const listener = (event: unknown) => void push(event as LiveTopics[K][0]).catch(() => undefined);
        let set = listeners.get(topic);
        if (!set) listeners.set(topic, (set = new Set()));
        set.add(listener);
        await stop;
        set.delete(listener);
      }, new SlidingBuffer(bufferSize));
    },
  };
}
