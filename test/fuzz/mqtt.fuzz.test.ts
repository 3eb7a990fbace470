import { Writable } from 'node:stream';
import fc from 'fast-check';
import mqtt from 'mqtt';
import pino from 'pino';
import { eventsTopic, PROTOCOL_VERSION, statusTopic } from '../../src/protocol';
import { startTestGateway, type TestGateway } from '../rest-compat/support/gateway';
import { seedFleet } from '../rest-compat/support/seed';
import { fuzzOptions, tooDeepText, unstorableString, watchRecords, type RecordWatch } from './support';

/**
 * The gateway's MQTT topics under generated bad messages: malformed payloads of every kind on
 * the status, events and gateway topics, and statuses that are valid but odd (times far in the
 * future, unstorable text). Malformed ones store nothing; odd ones are stored, cleaned, each on
 * its own; the gateway logs no error, stays connected and healthy, and the records made before
 * are unchanged.
 */
const lines: { level: number; msg: string }[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
    done();
  },
});
let t: TestGateway;
let records: RecordWatch;
let n = 0;
const nextId = (kind: string) => `fuzz-${kind}-${++n}`;

beforeAll(async () => {
  // Anonymous publishers and agents without credential (SDES_ALLOW_UNENROLLED_AGENTS): this suite
  // is about what the gateway does with what it reads; test/auth/fleet-*.test.ts about who may write.
  t = await startTestGateway({ logger: pino({ level: 'info' }, sink), config: { allowUnenrolledAgents: true } });
  await seedFleet(t.gateway.db.orm, t.gateway.clock);
  records = await watchRecords(t.gateway.db.orm);
}, 120_000);

afterAll(async () => {
  await t?.stop();
});

const online = (extra: Record<string, unknown>) => ({
  v: PROTOCOL_VERSION,
  status: 'ONLINE',
  at: Date.now(),
  role: 'STORE',
  version: '1.0.0',
  ip: null,
  hostname: 'h',
  roots: [],
  stream: 's',
  ...extra,
});

type Message = { topic: string; payload: Buffer | string; clientId?: string; stored: boolean };

/** Payloads no schema takes. */
const malformedPayload = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  tooDeepText,
  fc.string({ maxLength: 50 }).map((s) => `{"v":1,${s}`),
  fc.constantFrom('{"v":2,"status":"ONLINE"}', '{"v":1,"status":"ONLINE","at":-1}', '{"v":1,"status":"ONLINE","at":1.5}', '{"v":1,"status":"SLEEPING","at":1}'),
  fc
    .record({ key: fc.constantFrom('role', 'version', 'hostname', 'roots', 'stream', 'at'), value: fc.jsonValue({ maxDepth: 2 }) })
    .map(({ key, value }) => JSON.stringify(online({ [key]: typeof value === 'string' ? { not: value } : value === null ? { not: 1 } : [value, value] }))),
);

const messages: fc.Arbitrary<Message> = fc.oneof(
  malformedPayload.map((payload): Message => {
    const clientId = nextId('bad');
    return { topic: statusTopic(clientId), payload, clientId, stored: false };
  }),
  malformedPayload.map((payload): Message => ({ topic: eventsTopic(nextId('events')), payload, stored: false })),
  fc
    .tuple(fc.constantFrom('live', 'presence'), malformedPayload)
    .map(([channel, payload]): Message => ({ topic: `sdes/v1/gateways/fuzzinst/fuzzgw/${channel}`, payload, stored: false })),
  fc
    .tuple(fc.string({ maxLength: 30 }), malformedPayload)
    .map(([topic, payload]): Message => ({ topic: `sdes/v1/agents/${topic.replace(/[#+]/g, '').replaceAll('\u0000', '')}`, payload, stored: false })),
  // Valid but odd: stored, cleaned, on its own.
  fc
    .record({
      at: fc.oneof(fc.constant(8_640_000_000_000_001), fc.constant(Date.UTC(9999, 0, 1)), fc.integer({ min: 0, max: 2 ** 52 })),
      hostname: unstorableString,
      version: unstorableString.map((s) => s.slice(0, 60)),
    })
    .map((odd): Message => {
      const clientId = nextId('odd');
      return { topic: statusTopic(clientId), payload: JSON.stringify(online(odd)), clientId, stored: true };
    }),
);

async function clientRow(id: string): Promise<{ status: string } | undefined> {
  const [row] = await t.gateway.db.orm.em.fork().getConnection().execute<{ status: string }[]>('select status from client where mqtt_client_id = ?', [id]);
  return row;
}

describe('MQTT under generated bad messages', () => {
  it('stores nothing from a malformed message, each odd status on its own, and logs no error', async () => {
    const before = await records.counts();
    const publisher = await mqtt.connectAsync(t.gateway.brokerUrl, { clientId: 'fuzz-publisher', reconnectPeriod: 0 });
    const sent: Message[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(messages, { minLength: 1, maxLength: 20 }), async (batch) => {
        // Published together, so that they share the gateway's batches.
        await Promise.all(batch.map((m) => publisher.publishAsync(m.topic, m.payload, { qos: 1 })));
        sent.push(...batch);
      }),
      fuzzOptions(15),
    );
    // The status queue is serial and keeps the broker's order: once the last status is in, all are.
    const sentinel = nextId('sentinel');
    await publisher.publishAsync(statusTopic(sentinel), JSON.stringify(online({})), { qos: 1 });
    for (let i = 0; i < 200 && !(await clientRow(sentinel)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await publisher.endAsync();

    for (const m of sent.filter((x) => x.clientId)) {
      const row = await clientRow(m.clientId!);
      if (m.stored) expect(row?.status).toBe('ONLINE');
      else expect(row).toBeUndefined();
    }
    const after = await records.counts();
    const oddAndSentinel = sent.filter((m) => m.stored).length + 1;
    expect(after.client - before.client).toBe(oddAndSentinel);
    // Execution records: untouched by malformed events.
    for (const table of ['job_run', 'report', 'task_result', 'step_result', 'step_message']) expect(after[table]).toBe(before[table]);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(t.gateway.mqtt.connected).toBe(true);
    expect((await fetch(`${t.gateway.url}/healthz`)).status).toBe(200);
  });

  it('leaves every record made before the run as it was (dynamic groups follow the accepted statuses: their refresh times move)', async () => {
    expect(await records.changedSinceStart(['client_group'])).toEqual([]);
  });
});
