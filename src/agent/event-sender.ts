import type { AgentEvent, AgentEventDraft, AckCommand, EventBatch } from '../protocol';
import { buildEventBatch, createResendSchedule, DEFAULT_RESEND_BASE_MS } from '../protocol';
import type { Logger } from '../runtime/logger';
import type { Clock } from '../runtime/clock';
import { unrefSetTimer, type SetTimer } from '../runtime/timers';
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
  /**
   * An event unacknowledged this long is sent again; then twice as long after each resend, up to
   * `resendMaxMs`, with jitter, and from this again after any ack (src/protocol/resend-backoff.ts).
   */
  resendIntervalMs?: number;
  resendMaxMs?: number;
  /** [0, 1) for the resend jitter (tests pass their own). */
  random?: () => number;
  /** Arms the resend timer (tests pass their own, with a ManualClock). */
  setTimer?: SetTimer;
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
 * may drop QoS 1 messages under load (STACK.md) and a broker restart loses in-flight ones. Resends
 * back off (docs/protocol.md 6): a gateway still storing a backlog is not buried under copies of it.
 */
export function createEventSender({
  journal,
  publish,
  isConnected,
  clock,
  logger,
  resendIntervalMs = DEFAULT_RESEND_BASE_MS,
  resendMaxMs,
  random,
  setTimer = unrefSetTimer,
  maxBatchEvents = 100,
  maxBatchBytes = 256 * 1024,
  lingerMs = DEFAULT_EVENT_LINGER_MS,
}: EventSenderOptions): EventSender {
  /** When each event published on this connection is due again; absent = never published on it. */
  const schedule = createResendSchedule({ baseMs: resendIntervalMs, maxMs: resendMaxMs, random });
  let flushScheduled = false;
  let lingerTimer: NodeJS.Timeout | undefined;
  let started = false;
  let cancelResend: (() => void) | undefined;
  let resendArmedFor: number | undefined;

  const send = (events: AgentEvent[]) => {
    if (!isConnected()) return;
    let batch: AgentEvent[] = [];
    let bytes = 0;
    const flush = () => {
      if (batch.length === 0) return;
      try {
        publish(buildEventBatch(journal.stream, batch));
      } catch (error) {
        logger.error({ err: error }, 'could not publish events; they stay in the journal');
      }
      // Scheduled even when the publish threw: they go out again with the next resend.
      schedule.sent(
        batch.map((e) => e.seq),
        clock.now().getTime(),
      );
      batch = [];
      bytes = 0;
    };
    for (const event of events) {
      const size = JSON.stringify(event).length;
      if (batch.length >= maxBatchEvents || (batch.length > 0 && bytes + size > maxBatchBytes)) flush();
      batch.push(event);
      bytes += size;
    }
    flush();
    arm();
  };

  const resendDue = () => {
    const pending = new Map(journal.pending().map((e) => [e.seq, e]));
    const due = schedule.due(clock.now().getTime());
    // Dropped from a full journal meanwhile: nothing left to send.
    schedule.forget(due.filter((seq) => !pending.has(seq)));
    const events = due.flatMap((seq) => pending.get(seq) ?? []);
    if (events.length) logger.debug({ events: events.length }, 'resending unacknowledged events');
    send(events);
  };

  /** One timer, for the earliest resend due; a disconnected sender waits for resendAll instead. */
  function arm() {
    if (!started) return;
    const next = schedule.nextDueAt();
    if (next === undefined || (resendArmedFor !== undefined && resendArmedFor <= next)) return;
    cancelResend?.();
    resendArmedFor = next;
    cancelResend = setTimer(
      () => {
        cancelResend = undefined;
        resendArmedFor = undefined;
        if (!isConnected()) return;
        resendDue();
        arm();
      },
      Math.max(10, next - clock.now().getTime()),
    );
  }

  const flushNew = () => {
    flushScheduled = false;
    lingerTimer = undefined;
    send(journal.pending().filter((event) => !schedule.has(event.seq)));
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
      const before = journal.pending().map((event) => event.seq);
      const removed = journal.acknowledge(ack.stream, ack.ranges);
      if (ack.stream !== journal.stream) logger.debug({ stream: ack.stream }, 'ignored an ack for another event stream');
      if (removed) {
        const pendingSeqs = new Set(journal.pending().map((event) => event.seq));
        schedule.acknowledged(
          before.filter((seq) => !pendingSeqs.has(seq)),
          clock.now().getTime(),
        );
        arm();
      }
      logger.debug({ removed, pending: journal.size }, 'events acknowledged');
    },
    resendAll() {
      schedule.clear();
      const count = journal.size;
      if (count > 0) logger.info({ pending: count }, `sending ${count} unacknowledged event${count === 1 ? '' : 's'}`);
      send(journal.pending());
    },
    start() {
      started = true;
      arm();
    },
    stop() {
      started = false;
      cancelResend?.();
      cancelResend = undefined;
      resendArmedFor = undefined;
      // What lingers goes out now (the agent publishes its last events before disconnecting).
      if (lingerTimer) {
        clearTimeout(lingerTimer);
        flushNew();
      }
    },
  };
}
