import type { AgentEvent, AgentEventDraft, AckCommand, EventBatch } from '../protocol';
import { buildEventBatch } from '../protocol';
import type { Logger } from '../runtime/logger';
import type { Clock } from '../runtime/clock';
import type { EventJournal } from './event-journal';

export interface EventSender {
  /** Journals the event and publishes it with the next flush (events within `lingerMs` share one message). */
  submit(draft: AgentEventDraft): AgentEvent;
  /** Applies a gateway ack. */
  acknowledge(ack: AckCommand): void;
  /** Publishes every pending event again: after a (re)connect nothing is known to have arrived. */
  resendAll(): void;
  start(): void;
  stop(): void;
}

export interface EventSenderOptions {
  journal: EventJournal;
  /** Publishes a batch (QoS 1); only called while `isConnected()`. */
  publish: (batch: EventBatch) => void;
  isConnected: () => boolean;
  clock: Clock;
  logger: Logger;
  /** An event unacknowledged this long is sent again. */
  resendIntervalMs?: number;
  maxBatchEvents?: number;
  maxBatchBytes?: number;
  /**
   * How long the first new event waits for others before they leave together (0: the same
   * tick only). Steps that end quickly then cost one message for several events instead of one
   * each, for the agent, the broker and the gateway alike; progress shows this much later.
   */
  lingerMs?: number;
}

/** The default linger: well under what an operator notices, long enough for a few quick steps. */
export const DEFAULT_EVENT_LINGER_MS = 20;

/**
 * Sends journaled events and resends them until a gateway acknowledges them, because a broker
 * may drop QoS 1 messages under load (STACK.md) and a broker restart loses in-flight ones.
 */
export function createEventSender({
  journal,
  publish,
  isConnected,
  clock,
  logger,
  resendIntervalMs = 10_000,
  maxBatchEvents = 100,
  maxBatchBytes = 256 * 1024,
  lingerMs = DEFAULT_EVENT_LINGER_MS,
}: EventSenderOptions): EventSender {
  /** seq → when it was last published; absent = never published on this connection. */
  const lastSent = new Map<number, number>();
  let flushScheduled = false;
  let lingerTimer: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;

  const sendDue = (isDue: (event: AgentEvent) => boolean) => {
    if (!isConnected()) return;
    const due = journal.pending().filter(isDue);
    let batch: AgentEvent[] = [];
    let bytes = 0;
    const send = () => {
      if (batch.length === 0) return;
      try {
        publish(buildEventBatch(journal.stream, batch));
        const now = clock.now().getTime();
        for (const event of batch) lastSent.set(event.seq, now);
      } catch (error) {
        logger.error({ err: error }, 'could not publish events; they stay in the journal');
      }
      batch = [];
      bytes = 0;
    };
    for (const event of due) {
      const size = JSON.stringify(event).length;
      if (batch.length >= maxBatchEvents || (batch.length > 0 && bytes + size > maxBatchBytes)) send();
      batch.push(event);
      bytes += size;
    }
    send();
  };

  const flushNew = () => {
    flushScheduled = false;
    lingerTimer = undefined;
    sendDue((event) => !lastSent.has(event.seq));
  };

  return {
    submit(draft) {
      const event = journal.append(draft);
      if (!flushScheduled) {
        flushScheduled = true;
        if (lingerMs > 0) lingerTimer = setTimeout(flushNew, lingerMs);
        else setImmediate(flushNew);
      }
      return event;
    },
    acknowledge(ack) {
      const removed = journal.acknowledge(ack.stream, ack.ranges);
      if (ack.stream !== journal.stream) logger.debug({ stream: ack.stream }, 'ignored an ack for another event stream');
      const pendingSeqs = new Set(journal.pending().map((event) => event.seq));
      for (const seq of lastSent.keys()) if (!pendingSeqs.has(seq)) lastSent.delete(seq);
      logger.debug({ removed, pending: journal.size }, 'events acknowledged');
    },
    resendAll() {
      lastSent.clear();
      const count = journal.size;
      if (count > 0) logger.info({ pending: count }, `sending ${count} unacknowledged event${count === 1 ? '' : 's'}`);
      sendDue(() => true);
    },
    start() {
      timer ??= setInterval(
        () => {
          const cutoff = clock.now().getTime() - resendIntervalMs;
          sendDue((event) => (lastSent.get(event.seq) ?? 0) <= cutoff);
        },
        Math.max(10, Math.floor(resendIntervalMs / 2)),
      );
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      // What lingers goes out now (the agent publishes its last events before disconnecting).
      if (lingerTimer) {
        clearTimeout(lingerTimer);
        flushNew();
      }
    },
  };
}
