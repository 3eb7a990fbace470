import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import pino from 'pino';
import { eventsTopic, MAX_PAYLOAD_BYTES, PROTOCOL_VERSION, statusTopic } from '../../src/protocol';
import { startTestGateway, type TestGateway } from '../rest-compat/support/gateway';

type LogLine = { level: number; msg: string; topic?: string; code?: string; size?: number };

const lines: LogLine[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
    done();
  },
});
const MAX_PACKET = 2 * 1024 * 1024;
let t: TestGateway;

beforeAll(async () => {
  // Anonymous clients (SDES_ALLOW_UNENROLLED_AGENTS): this suite is about what the gateway makes of what it reads.
  t = await startTestGateway({ logger: pino({ level: 'debug' }, sink), config: { mqttMaxPacketBytes: MAX_PACKET, allowUnenrolledAgents: true } });
  await new Promise((resolve) => setTimeout(resolve, 300));
});
afterAll(async () => {
  await t?.stop();
});

const WARN = 40;
const connect = () => mqtt.connectAsync(t.gateway.brokerUrl, { clientId: `edge-${Math.random().toString(36).slice(2, 8)}`, reconnectPeriod: 0 });

async function until(what: string, probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the gateway's MQTT edge", () => {
  it('does not log its own presence on sdes/v1/gateways/... as a malformed agent message', () => {
    expect(lines.filter((l) => l.msg === 'malformed agent message dropped')).toEqual([]);
  });

  it('logs an empty events payload as a warning, and an empty status (a cleared one) at debug only', async () => {
    const client = await connect();
    await client.publishAsync(eventsTopic('edge-agent'), Buffer.alloc(0), { qos: 1 });
    await client.publishAsync(statusTopic('edge-agent-2'), Buffer.alloc(0), { qos: 1, retain: true });
    await until('the empty events warning', () => lines.some((l) => l.topic === eventsTopic('edge-agent') && l.level === WARN && l.code === 'EMPTY'));
    await until('the empty status line', () => lines.some((l) => l.topic === statusTopic('edge-agent-2')));
    expect(lines.find((l) => l.topic === statusTopic('edge-agent-2'))?.level).toBeLessThan(WARN);
    await client.endAsync();
  });

  it('drops an events payload over the protocol limit before parsing it, naming the limit', async () => {
    const client = await connect();
    const payload = Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, stream: 's', events: [], pad: 'x'.repeat(MAX_PAYLOAD_BYTES.events) }));
    await client.publishAsync(eventsTopic('edge-big'), payload, { qos: 1 });
    await until('the too-large warning', () => lines.some((l) => l.topic === eventsTopic('edge-big') && l.code === 'TOO_LARGE'));
    await client.endAsync();
  });

  it('closes a connection that sends a packet over MQTT_MAX_PACKET_BYTES, and keeps serving the others', async () => {
    const big = await connect();
    const closed = new Promise<void>((resolve) => big.once('close', () => resolve()));
    big.publish(statusTopic('edge-huge'), Buffer.alloc(MAX_PACKET + 1, 0x20), { qos: 0 });
    await closed;
    await until('the broker warning', () => lines.some((l) => l.msg.includes('MQTT_MAX_PACKET_BYTES')));
    const other = await connect();
    await other.publishAsync(statusTopic('edge-after'), Buffer.alloc(0), { qos: 1 });
    await other.endAsync();
    big.end(true);
    expect(t.gateway.mqtt.connected).toBe(true);
  });
});
