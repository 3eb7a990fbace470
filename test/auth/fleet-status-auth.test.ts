import fs from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { authenticateStatus, buildOfflineStatus, buildOnlineStatus, encodeMessage, statusTopic } from '../../src/protocol';
import { useFleetHarness, type BrokerKind, type FleetAgent, type FleetHarness } from './support/fleet-harness';

jest.setTimeout(60_000);

/** The client row's presence, as the gateway stored it. */
async function presence(h: FleetHarness, mqttClientId: string) {
  const [row] = await h.t.sql<{ status: string; connected_at: Date; hostname: string }>(
    'select status, connected_at, hostname from client where mqtt_client_id = ?',
    [mqttClientId],
  );
  return { status: row?.status, connectedAt: row && new Date(row.connected_at).getTime(), hostname: row?.hostname };
}

const forgedOnline = (at: number) =>
  buildOnlineStatus({ at, role: 'SERVER', version: '6.6.6', ip: '10.6.6.6', hostname: 'forged', roots: ['/'], stream: 'forged-stream' });

/** Two forgeries of one status: without an HMAC, and with the HMAC of another key. */
const forgeries = (topic: string, body: Buffer): Buffer[] => [body, authenticateStatus(Buffer.alloc(32, 9), topic, body)];

/**
 * A second agent comes ONLINE and stops: its statuses go through the presence queue after what
 * was published before, so once its OFFLINE is stored every earlier status has been handled,
 * applied or dropped.
 */
async function fence(h: FleetHarness): Promise<void> {
  const other = await h.startAgent(`fence-${Math.random().toString(36).slice(2, 6)}`);
  await h.t.waitFor('fence ONLINE', async () => (await presence(h, other.clientId)).status === 'ONLINE');
  await other.agent.stop();
  await h.t.waitFor('fence OFFLINE', async () => (await presence(h, other.clientId)).status === 'OFFLINE');
}

/** Whether the gateway warned that a status of `clientId` was dropped for `reason`. */
const warned = (h: FleetHarness, clientId: string, reason: RegExp) =>
  h.gatewayLogs.some((l) => l.level === 40 && l.clientId === clientId && /^status message/.test(l.msg) && reason.test(String(l.reason)));

/** Statuses carry the agent's HMAC (docs/protocol.md 9.3): anyone may publish here, only the agent can seal. */
describe('authenticated statuses on a broker without ACLs', () => {
  const h = useFleetHarness('open');
  let victim: FleetAgent;
  let intruder: MqttClient;

  beforeAll(async () => {
    victim = await h.startAgent('victim');
    intruder = await mqtt.connectAsync(h.brokerUrl, { clientId: `${h.prefix}-intruder`, protocolVersion: 4, reconnectPeriod: 0 });
    await h.t.waitFor('victim ONLINE', async () => (await presence(h, victim.clientId)).status === 'ONLINE');
  });
  afterAll(async () => {
    await intruder?.endAsync(true);
  });

  it.each([
    ['OFFLINE', (now: number) => encodeMessage(buildOfflineStatus({ at: now, reason: 'stopped' }))],
    ['ONLINE of a later connection', (now: number) => encodeMessage(forgedOnline(now))],
  ])('drops a forged %s without the agent HMAC, with a warning, and leaves the presence as it was', async (_what, message) => {
    const before = await presence(h, victim.clientId);
    const topic = statusTopic(victim.clientId);
    const marks = h.gatewayLogs.length;
    for (const payload of forgeries(topic, message(Date.now() + 1_000))) await intruder.publishAsync(topic, payload, { qos: 1 });
    await fence(h);

    expect(await presence(h, victim.clientId)).toEqual(before);
    const logs = { ...h, gatewayLogs: h.gatewayLogs.slice(marks) };
    expect(warned(logs, victim.clientId, /unauthenticated status: no "mac" field/)).toBe(true);
    expect(warned(logs, victim.clientId, /status HMAC does not match the agent key/)).toBe(true);
  });
});

/**
 * On brokers that authenticate, only the agent's own credential may publish on its status topic.
 * A client holding it takes the connection over: the broker publishes the agent's Will, sealed at
 * connect, which must still mark it OFFLINE; what that client then says without the agent's HMAC
 * must not bring it back. The agent's own reconnection must.
 */
describe.each<BrokerKind>(['embedded', 'mosquitto'])('statuses under the agent credential (%s broker)', (kind) => {
  const h = useFleetHarness(kind);
  let victim: FleetAgent;

  beforeAll(async () => {
    // Slow to reconnect, so that the test holds the client id for a while.
    victim = await h.startAgent('victim', { reconnectPeriodMs: 12_000 });
    await h.t.waitFor('victim ONLINE', async () => (await presence(h, victim.clientId)).status === 'ONLINE');
  });

  it("keeps the agent's Will working, ignores a status without its HMAC, and takes its own ONLINE again", async () => {
    const online = await presence(h, victim.clientId);
    const credential = JSON.parse(await fs.readFile(path.join(victim.stateDir, 'credential.json'), 'utf8'));
    const holder = await h.connect({ clientId: victim.clientId, username: credential.username, password: credential.secret });
    await h.t.waitFor('OFFLINE by the Will', async () => (await presence(h, victim.clientId)).status === 'OFFLINE', 10_000);

    const topic = statusTopic(victim.clientId);
    for (const payload of forgeries(topic, encodeMessage(forgedOnline(Date.now())))) await holder.publishAsync(topic, payload, { qos: 1 });
    await fence(h);
    expect((await presence(h, victim.clientId)).status).toBe('OFFLINE');
    expect(warned(h, victim.clientId, /unauthenticated status: no "mac" field/)).toBe(true);
    expect(warned(h, victim.clientId, /status HMAC does not match the agent key/)).toBe(true);
    await holder.endAsync(true);

    await h.t.waitFor('ONLINE again by the agent', async () => (await presence(h, victim.clientId)).status === 'ONLINE', 30_000);
    const again = await presence(h, victim.clientId);
    expect(again.hostname).toBe(online.hostname);
    expect(again.connectedAt).toBeGreaterThan(online.connectedAt!);
  });
});
