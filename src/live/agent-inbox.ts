import type { AgentEvent, EventBatch, StatusMessage } from '../protocol';

/**
 * What the MQTT bridge hands the services, and what it gets back: the bridge carries messages
 * (subscribe, parse, queue, acknowledge), the services decide what they mean. `startGateway`
 * wires an implementation in (src/services/agent-inbox.ts), so src/live imports no service.
 */
export interface AgentInbox {
  /** Applies status messages in the order given; returns the clients whose presence changed. */
  statuses(updates: StatusUpdate[]): Promise<PresenceChange[]>;
  /** Marks OFFLINE the clients ONLINE in the database whose id is not in `heard` and passes `accept`. */
  audit(heard: ReadonlySet<string>, accept: (mqttClientId: string) => boolean): Promise<PresenceChange[]>;
  /** Applies events messages in one transaction; once it resolves, every event may be acknowledged. */
  events(messages: EventsMessage[]): Promise<IngestOutcome>;
  /** The broker connection is (re)established: commands sent meanwhile may be lost. */
  connected(): void;
  /** Presence changed: the online-clients chart may take a point (the bridge throttles). */
  onlineCount(): Promise<number>;
  recordOnlineSample(): Promise<number>;
  /** Resolves when the work the inbox started (dispatches) is done. */
  idle(): Promise<void>;
}

/** One status message as the bridge received it. */
export interface StatusUpdate {
  mqttClientId: string;
  message: StatusMessage;
}

/** A client whose presence changed. */
export interface PresenceChange {
  clientId: number;
  mqttClientId: string;
  status: 'ONLINE' | 'OFFLINE';
  /** connectedAt for ONLINE (the agent's connection time), disconnectedAt for OFFLINE (ours). */
  at: Date;
  /** Registered by this status (it was unknown). */
  created: boolean;
}

/** One events message as the bridge received it. */
export interface EventsMessage {
  mqttClientId: string;
  batch: EventBatch;
}

export interface IngestOutcome {
  /** Every event of the messages, applied or not: all may be acknowledged. */
  acks: { mqttClientId: string; stream: string; seqs: number[] }[];
  /** Events that changed nothing because they were not for a current report of their sender. */
  dropped: { event: AgentEvent; mqttClientId: string; reason: string }[];
}
