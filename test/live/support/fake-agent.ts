import type { MqttClient } from 'mqtt';
import {
  buildEventBatch,
  buildOfflineStatus,
  buildOnlineStatus,
  commandsTopic,
  encodeMessage,
  eventsTopic,
  inSeqRanges,
  parseCommand,
  statusTopic,
  type AgentEvent,
  type AgentEventDraft,
  type Command,
  type DispatchCommand,
} from '../../../src/protocol';
import { rawClient } from './broker';
import type { LiveHarness } from './live-harness';

/**
 * An agent played by hand with the protocol module: it records the commands it gets and sends
 * exactly the events a test wants, in any order and as often as it likes.
 */
export interface FakeAgent {
  id: string;
  mqtt: MqttClient;
  stream: string;
  commands: Command[];
  dispatches(): DispatchCommand[];
  online(at?: number): Promise<void>;
  offline(at?: number): Promise<void>;
  /** Numbers the drafts (next seqs) and returns the events; does not send them. */
  number(drafts: AgentEventDraft[], at?: number): AgentEvent[];
  send(events: AgentEvent[]): Promise<void>;
  sendRaw(payload: string | Buffer): Promise<void>;
  acked(seq: number): boolean;
  close(): Promise<void>;
}

export async function startFakeAgent(h: LiveHarness, name: string): Promise<FakeAgent> {
  const id = `${h.prefix}-${name}`;
  h.cleanUp(id);
  const mqtt = await rawClient(h.broker.url, id);
  const stream = `stream-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const commands: Command[] = [];
  mqtt.on('message', (topic, payload) => {
    const parsed = parseCommand(topic, payload, id);
    if (parsed.ok) commands.push(parsed.value.message);
  });
  await mqtt.subscribeAsync(commandsTopic(id), { qos: 1 });
  let seq = 0;
  let connectionAt = Date.now();
  return {
    id,
    mqtt,
    stream,
    commands,
    dispatches: () => commands.filter((c): c is DispatchCommand => c.type === 'dispatch'),
    async online(at = Date.now()) {
      connectionAt = at;
      await mqtt.publishAsync(
        statusTopic(id),
        encodeMessage(buildOnlineStatus({ at, role: 'STORE', version: '0.0.1', ip: null, hostname: 'fake', roots: ['/fake'], stream })),
        { qos: 1, retain: true },
      );
    },
    async offline(at = connectionAt) {
      await mqtt.publishAsync(statusTopic(id), encodeMessage(buildOfflineStatus({ at, reason: 'will' })), { qos: 1, retain: true });
    },
    number: (drafts, at = Date.now()) => drafts.map((d) => ({ ...d, seq: ++seq, at }) as AgentEvent),
    async send(events) {
      await mqtt.publishAsync(eventsTopic(id), encodeMessage(buildEventBatch(stream, events)), { qos: 1 });
    },
    async sendRaw(payload) {
      await mqtt.publishAsync(eventsTopic(id), payload, { qos: 1 });
    },
    acked: (s) => commands.some((c) => c.type === 'ack' && c.stream === stream && inSeqRanges(s, c.ranges)),
    close: () => mqtt.endAsync(),
  };
}
