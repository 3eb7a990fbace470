import type { AckCommand } from './command.schema';
import { buildAck } from './protocol.build';

export interface AckBatcher {
  /** Marks one stored event; it is acknowledged with the next flush. */
  add(clientId: string, stream: string, seq: number): void;
  /** Sends every pending ack now (one message per client and stream). */
  flush(): void;
  /** Flushes and stops the timer. */
  stop(): void;
}

export interface AckBatcherOptions {
  /** Publishes `ack` on `commandsTopic(clientId)`, QoS 1. */
  publish: (clientId: string, ack: AckCommand) => void;
  /**
   * The longest seqs gather before one ack goes out when nobody calls `flush`. The gateway
   * flushes as each events transaction commits (src/live/mqtt-bridge.ts), so one transaction's
   * events cost one ack per agent, and a gateway working through a backlog acknowledges it step
   * by step; the agent resends only after 10 s, backing off.
   */
  delayMs?: number;
}

/**
 * Gathers the seqs a gateway has stored and acknowledges them in batches of ranges, one
 * command per client instead of one per event. Call `add` only after the event is durable.
 */
export function createAckBatcher({ publish, delayMs = 200 }: AckBatcherOptions): AckBatcher {
  let pending = new Map<string, { clientId: string; stream: string; seqs: number[] }>();
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = new Map();
    for (const { clientId, stream, seqs } of batch.values()) publish(clientId, buildAck(stream, seqs));
  };

  return {
    add(clientId, stream, seq) {
      const key = `${clientId}\u0000${stream}`;
      const entry = pending.get(key) ?? { clientId, stream, seqs: [] };
      entry.seqs.push(seq);
      pending.set(key, entry);
      timer ??= setTimeout(flush, delayMs);
    },
    flush,
    stop: flush,
  };
}
