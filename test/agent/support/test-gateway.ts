import mqtt, { type MqttClient } from 'mqtt';
import {
  buildDispatch,
  commandsTopic,
  createAckBatcher,
  encodeMessage,
  gatewaySubscriptions,
  parseAgentMessage,
  type AgentEvent,
  type DispatchCommand,
  type ReportFinishedEvent,
  type StatusMessage,
} from '../../../src/protocol';

/**
 * A real MQTT client playing the management server's gateway, built only from the protocol
 * module: it parses what agents publish, de-duplicates events by (clientId, stream, seq) and
 * acknowledges them in batches unless `autoAck` is off.
 */
export interface TestGateway {
  autoAck: boolean;
  statuses(clientId: string): StatusMessage[];
  /** Distinct events of a client, in seq order. */
  events(clientId: string): AgentEvent[];
  /** Event copies received, duplicates included. */
  deliveries(clientId: string): number;
  /** Messages the protocol module refused. */
  rejected: string[];
  dispatch(clientId: string, command: Omit<DispatchCommand, 'v' | 'type'>): void;
  sendRaw(clientId: string, payload: string | Buffer): void;
  waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  reportFinished(clientId: string, reportId: string, timeoutMs?: number): Promise<ReportFinishedEvent>;
  close(): Promise<void>;
}

export async function startTestGateway(brokerUrl: string): Promise<TestGateway> {
  const client: MqttClient = await mqtt.connectAsync(brokerUrl, {
    clientId: `gateway-${process.pid}-${Math.random().toString(16).slice(2)}`,
    protocolVersion: 4,
    reconnectPeriod: 100,
  });
  const statuses = new Map<string, StatusMessage[]>();
  const events = new Map<string, Map<string, AgentEvent>>();
  const deliveries = new Map<string, number>();
  const rejected: string[] = [];
  const acks = createAckBatcher({
    delayMs: 20,
    publish: (clientId, ack) => client.publish(commandsTopic(clientId), encodeMessage(ack), { qos: 1 }),
  });
  const gateway: TestGateway = {
    autoAck: true,
    statuses: (clientId) => statuses.get(clientId) ?? [],
    events: (clientId) => [...(events.get(clientId)?.values() ?? [])].sort((a, b) => a.seq - b.seq),
    deliveries: (clientId) => deliveries.get(clientId) ?? 0,
    rejected,
    dispatch(clientId, command) {
      client.publish(commandsTopic(clientId), encodeMessage(buildDispatch(command)), { qos: 1 });
    },
    sendRaw(clientId, payload) {
      client.publish(commandsTopic(clientId), payload, { qos: 1 });
    },
    async waitFor(what, probe, timeoutMs = 8_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = probe();
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    reportFinished(clientId, reportId, timeoutMs) {
      return gateway.waitFor(
        `report ${reportId} of ${clientId} to finish`,
        () => gateway.events(clientId).find((e): e is ReportFinishedEvent => e.type === 'report.finished' && e.reportId === reportId),
        timeoutMs,
      );
    },
    async close() {
      acks.stop();
      await client.endAsync(true);
    },
  };

  client.on('message', (topic, payload) => {
    const parsed = parseAgentMessage(topic, payload);
    if (!parsed.ok) {
      if (parsed.code !== 'EMPTY') rejected.push(parsed.error);
      return;
    }
    const { clientId } = parsed.value;
    if (parsed.value.channel === 'status') {
      statuses.set(clientId, [...gateway.statuses(clientId), parsed.value.message]);
      return;
    }
    const batch = parsed.value.message;
    const known = events.get(clientId) ?? new Map<string, AgentEvent>();
    events.set(clientId, known);
    for (const event of batch.events) {
      deliveries.set(clientId, gateway.deliveries(clientId) + 1);
      known.set(`${batch.stream}/${event.seq}`, event);
      if (gateway.autoAck) acks.add(clientId, batch.stream, event.seq);
    }
  });
  const { status, events: eventsFilter } = gatewaySubscriptions();
  await client.subscribeAsync([status, eventsFilter], { qos: 1 });
  return gateway;
}
