/**
 * When an agent sends an unacknowledged event again (docs/protocol.md 6). Shared by the agent
 * (src/agent/event-sender.ts) and the bench's simulated agent, so both back off alike.
 *
 * A gateway that has not acknowledged an event is either missing it (lost by the broker) or still
 * storing a backlog. Resending at a fixed interval multiplies that backlog: 10,000 agents resent
 * 1.3 million events to a gateway that was 70 s behind. So each event waits `baseMs` before its
 * first resend, then twice as long after each resend up to `maxMs`, each wait stretched by a
 * random part of up to `jitter` so that a fleet dispatched at once does not resend at once. Any
 * ack from the gateway shows it is making progress: the events still waiting start again from
 * `baseMs`.
 */
export interface ResendBackoffOptions {
  /** The wait before the first resend (the agent's `resendIntervalMs`, 10 s by default). */
  baseMs?: number;
  /** The longest wait between two resends of one event; default 16 × `baseMs` (160 s), after 4 resends. */
  maxMs?: number;
  /** Each wait is `delay × (1 + jitter × random())`: never shorter than the nominal delay. */
  jitter?: number;
  /** [0, 1); injected so tests decide the jitter. */
  random?: () => number;
}

export const DEFAULT_RESEND_BASE_MS = 10_000;
export const DEFAULT_RESEND_JITTER = 0.5;

/** The wait after the `resends`-th resend of an event (0: after its first send). */
export function resendDelayMs(
  resends: number,
  { baseMs = DEFAULT_RESEND_BASE_MS, maxMs = 16 * baseMs, jitter = DEFAULT_RESEND_JITTER, random = Math.random }: ResendBackoffOptions = {},
): number {
  const nominal = Math.min(maxMs, baseMs * 2 ** Math.min(resends, 30));
  return Math.round(nominal * (1 + jitter * random()));
}

/** The resend schedule of the events an agent has sent and not yet seen acknowledged. */
export interface ResendSchedule {
  /** These seqs were just published (first send or resend) at `now`. */
  sent(seqs: Iterable<number>, now: number): void;
  /** These seqs were acknowledged: forgotten; those still waiting start again from `baseMs`. */
  acknowledged(seqs: Iterable<number>, now: number): void;
  /** Forgets seqs no longer pending (dropped from a journal). */
  forget(seqs: Iterable<number>): void;
  /**
   * Seqs whose resend is due at `now`, with every earlier seq still waiting, in seq order: the
   * jitter must not send an event ahead of an earlier one (a `report.finished` stored before its
   * step's `step.finished` closes the step FAILED, docs/protocol.md 5).
   */
  due(now: number): number[];
  /** Whether this seq was published since the last `clear`. */
  has(seq: number): boolean;
  /** The earliest time a resend is due, or undefined when nothing waits. */
  nextDueAt(): number | undefined;
  /** Forgets everything (a new connection: nothing is known to have arrived). */
  clear(): void;
  readonly size: number;
}

export function createResendSchedule(options: ResendBackoffOptions = {}): ResendSchedule {
  const entries = new Map<number, { resends: number; dueAt: number }>();
  return {
    sent(seqs, now) {
      for (const seq of seqs) {
        const previous = entries.get(seq);
        const resends = previous ? previous.resends + 1 : 0;
        entries.set(seq, { resends, dueAt: now + resendDelayMs(resends, options) });
      }
    },
    acknowledged(seqs, now) {
      let removed = 0;
      for (const seq of seqs) if (entries.delete(seq)) removed++;
      if (!removed) return;
      for (const entry of entries.values()) {
        if (entry.resends === 0) continue;
        entry.resends = 0;
        entry.dueAt = Math.min(entry.dueAt, now + resendDelayMs(0, options));
      }
    },
    forget(seqs) {
      for (const seq of seqs) entries.delete(seq);
    },
    due(now) {
      let last = -Infinity;
      for (const [seq, entry] of entries) if (entry.dueAt <= now && seq > last) last = seq;
      const due: number[] = [];
      for (const seq of entries.keys()) if (seq <= last) due.push(seq);
      return due.sort((a, b) => a - b);
    },
    has: (seq) => entries.has(seq),
    nextDueAt() {
      let next: number | undefined;
      for (const entry of entries.values()) if (next === undefined || entry.dueAt < next) next = entry.dueAt;
      return next;
    },
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
  };
}
