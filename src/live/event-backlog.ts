import type { EventsMessage } from './agent-inbox';

/**
 * The events the gateway has received and not yet stored (queued, or in a transaction). It
 * coalesces resends: an event already in the backlog is dropped on arrival, since the copy ahead
 * of it is stored and acknowledged first; only while no copy is in the backlog does a resend count.
 * It also tells which agents have events waiting: their reports may have started although the
 * database does not show it yet (the redispatch sweep then leaves them alone).
 */
export interface EventBacklog {
  /** The message without the events already in the backlog (null when none is left); those left are now in it. */
  admit(message: EventsMessage): EventsMessage | null;
  /** These messages were handled (stored, or given up): their events leave the backlog. */
  release(messages: readonly EventsMessage[]): void;
  /** Whether events of this agent wait to be stored. */
  has(mqttClientId: string): boolean;
  /** Events dropped on arrival as copies of queued ones, since the backlog was made. */
  readonly coalesced: number;
  /** Events in the backlog. */
  readonly size: number;
}

export function createEventBacklog(): EventBacklog {
  /** clientId → stream → seqs (a restarted agent with a wiped state folder starts a new stream). */
  const queued = new Map<string, Map<string, Set<number>>>();
  let coalesced = 0;
  let size = 0;
  return {
    admit(message) {
      const { mqttClientId, batch } = message;
      let streams = queued.get(mqttClientId);
      if (!streams) queued.set(mqttClientId, (streams = new Map()));
      let seqs = streams.get(batch.stream);
      if (!seqs) streams.set(batch.stream, (seqs = new Set()));
      const admitted = batch.events.filter((e) => {
        // A copy of a queued event, or a second copy within this message.
        if (seqs.has(e.seq)) return false;
        seqs.add(e.seq);
        return true;
      });
      coalesced += batch.events.length - admitted.length;
      size += admitted.length;
      if (!admitted.length) {
        if (!seqs.size) streams.delete(batch.stream);
        if (!streams.size) queued.delete(mqttClientId);
        return null;
      }
      return admitted.length === batch.events.length ? message : { mqttClientId, batch: { ...batch, events: admitted } };
    },
    release(messages) {
      for (const { mqttClientId, batch } of messages) {
        const streams = queued.get(mqttClientId);
        const seqs = streams?.get(batch.stream);
        if (!streams || !seqs) continue;
        for (const e of batch.events) if (seqs.delete(e.seq)) size--;
        if (!seqs.size) streams.delete(batch.stream);
        if (!streams.size) queued.delete(mqttClientId);
      }
    },
    has: (mqttClientId) => queued.has(mqttClientId),
    get coalesced() {
      return coalesced;
    },
    get size() {
      return size;
    },
  };
}
