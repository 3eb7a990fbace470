import { buildOfflineStatus, encodeMessage, MAX_AGENT_CLOCK_AHEAD_MS, PROTOCOL_VERSION, statusTopic } from '../../src/protocol';
import { rawClient } from './support/broker';
import { useLiveHarness } from './support/live-harness';

type Row = { status: string; hostname: string | null; connected_at: string | null };

describe('presence ingestion: one odd status costs only itself', () => {
  const h = useLiveHarness();
  beforeAll(async () => {
    await h.startGateway();
  });

  const row = async (id: string): Promise<Row | undefined> =>
    (await h.sql<Row>('select status, hostname, connected_at from client where mqtt_client_id = ?', [id]))[0];
  /** A status as an agent would send it, with fields it should not send. */
  const online = (at: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ v: PROTOCOL_VERSION, status: 'ONLINE', at, role: 'STORE', version: '1.0.0', ip: null, hostname: 'h', roots: [], stream: 's', ...extra });
  const ids = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${h.prefix}-${name}-${i}`);

  async function publishAll(messages: [string, string][]): Promise<void> {
    const mqtt = await rawClient(h.broker.url, `${h.prefix}-publisher-${Math.random().toString(36).slice(2, 6)}`);
    for (const [id] of messages) h.cleanUp(id);
    await Promise.all(messages.map(([id, payload]) => mqtt.publishAsync(statusTopic(id), payload, { qos: 1, retain: true })));
    // A broker's PUBACK says nothing about delivery to the gateway: a last status from the same
    // connection, which the broker delivers after the others, tells when they have all arrived.
    const [marker] = ids(`marker-${Math.random().toString(36).slice(2, 6)}`, 1);
    h.cleanUp(marker);
    await mqtt.publishAsync(statusTopic(marker), online(h.clock.now().getTime()), { qos: 1, retain: true });
    await mqtt.endAsync();
    await h.waitFor('the marker status', () => row(marker));
    await h.idle();
  }

  it('applies the other statuses of a batch with an `at` PostgreSQL cannot store (year 275760 and more)', async () => {
    const now = h.clock.now().getTime();
    const [odd, ...others] = ids('far', 6);
    await publishAll([[odd, online(8_640_000_000_000_001)], ...others.map((id): [string, string] => [id, online(now)])]);
    for (const id of others) expect((await row(id))?.status).toBe('ONLINE');
    // Taken at the gateway's time plus the window, not refused.
    expect(new Date((await row(odd))!.connected_at!).getTime()).toBeLessThanOrEqual(now + MAX_AGENT_CLOCK_AHEAD_MS);
  });

  it('stores a hostname with a NUL (cleaned to U+FFFD) and the other statuses of its batch', async () => {
    const now = h.clock.now().getTime();
    const [odd, ...others] = ids('nul', 4);
    await publishAll([[odd, online(now, { hostname: 'bad\u0000host', version: '1.0\ud800' })], ...others.map((id): [string, string] => [id, online(now)])]);
    for (const id of others) expect((await row(id))?.status).toBe('ONLINE');
    expect(await row(odd)).toMatchObject({ status: 'ONLINE', hostname: 'bad\uFFFDhost' });
  });

  it('does not let an ONLINE from year 9999 pin a client: the real agent takes over once the window has passed', async () => {
    const [id] = ids('future', 1);
    const now = h.clock.now().getTime();
    await publishAll([[id, online(Date.UTC(9999, 0, 1))]]);
    expect((await row(id))?.status).toBe('ONLINE');
    // The real agent stops cleanly after the window: its OFFLINE applies.
    h.clock.set(now + MAX_AGENT_CLOCK_AHEAD_MS + 1_000);
    await publishAll([[id, encodeMessage(buildOfflineStatus({ at: h.clock.now().getTime(), reason: 'stopped' })).toString()]]);
    expect((await row(id))?.status).toBe('OFFLINE');
    // And a later ONLINE of the real agent applies too.
    h.clock.set(h.clock.now().getTime() + 1_000);
    await publishAll([[id, online(h.clock.now().getTime())]]);
    expect((await row(id))?.status).toBe('ONLINE');
  });

  it('heals a connection time stored from the future before the window existed', async () => {
    const [id] = ids('healed', 1);
    await publishAll([[id, online(h.clock.now().getTime())]]);
    await h.sql(`update client set connected_at = '9999-01-01T00:00:00Z' where mqtt_client_id = ?`, [id]);
    await publishAll([[id, online(h.clock.now().getTime() + 1)]]);
    expect(new Date((await row(id))!.connected_at!).getUTCFullYear()).toBeLessThan(9999);
  });
});
