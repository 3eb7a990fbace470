import os from 'node:os';
import { buildOfflineStatus, buildOnlineStatus, encodeMessage, statusTopic } from '../../src/protocol';
import type { ClientStatusEvent } from '../../src/live/pubsub';
import { GroupService } from '../../src/services/group.service';
import { SettingsService } from '../../src/services/settings.service';
import { rawClient } from './support/broker';
import { clientIdOf, useLiveHarness } from './support/live-harness';

type ClientRow = {
  id: number;
  status: string;
  enable: boolean;
  role: string;
  hostname: string | null;
  agent_version: string | null;
  ip: string | null;
  connected_at: Date | null;
  disconnected_at: Date | null;
};

describe('presence', () => {
  const h = useLiveHarness();
  const statusEvents: ClientStatusEvent[] = [];

  beforeAll(async () => {
    await h.startGateway();
    void (async () => {
      for await (const e of h.pubsub.subscribe('CLIENT_STATUS')) statusEvents.push(e);
    })();
  });

  const client = async (mqttClientId: string): Promise<ClientRow | undefined> => {
    const [row] = await h.sql<ClientRow>('select * from client where mqtt_client_id = ?', [mqttClientId]);
    // Raw rows carry timestamps as text.
    return (
      row && { ...row, connected_at: row.connected_at && new Date(row.connected_at), disconnected_at: row.disconnected_at && new Date(row.disconnected_at) }
    );
  };
  const statusOf = async (mqttClientId: string) => (await client(mqttClientId))?.status;

  /** An MQTT client speaking the protocol by hand, for statuses a real agent would not send in that order. */
  const fakeAgent = async (name: string, will?: number) => {
    const id = `${h.prefix}-${name}`;
    h.cleanUp(id);
    const mqtt = await rawClient(h.broker.url, id);
    return { id, mqtt, will };
  };
  const online = (at: number) =>
    encodeMessage(buildOnlineStatus({ at, role: 'SERVER', version: '9.9.9', ip: '10.0.0.9', hostname: 'fake', roots: ['/x'], stream: 's' }));

  it('registers an unknown agent on its first ONLINE, disabled while autoEnableNewClient is false', async () => {
    const agent = await h.startAgent('first');
    await h.waitFor('ONLINE', async () => (await statusOf(agent.clientId)) === 'ONLINE');
    const row = (await client(agent.clientId))!;
    expect(row).toMatchObject({ status: 'ONLINE', enable: false, role: 'STORE', hostname: os.hostname() });
    expect(row.agent_version).toMatch(/^\d+\.\d+\.\d+/);
    expect(row.connected_at).toBeInstanceOf(Date);
    expect(statusEvents).toContainEqual(expect.objectContaining({ clientId: row.id, mqttClientId: agent.clientId, status: 'ONLINE' }));
    await h.idle();
    const [sample] = await h.sql<{ count: number }>('select count from online_sample order by id desc limit 1');
    expect(sample.count).toBeGreaterThanOrEqual(1);
  });

  it('registers it enabled when autoEnableNewClient is true', async () => {
    await new SettingsService(h.ctx()).update('client', { autoEnableNewClient: true });
    try {
      const agent = await h.startAgent('auto');
      await h.waitFor('ONLINE', async () => (await statusOf(agent.clientId)) === 'ONLINE');
      expect(await client(agent.clientId)).toMatchObject({ enable: true });
    } finally {
      await new SettingsService(h.ctx()).update('client', { autoEnableNewClient: false });
    }
  });

  it('marks a client OFFLINE on a clean stop and ONLINE again when it comes back, with both times', async () => {
    const agent = await h.startAgent('stopper');
    await h.waitFor('ONLINE', async () => (await statusOf(agent.clientId)) === 'ONLINE');
    const firstConnect = (await client(agent.clientId))!.connected_at!.getTime();
    await agent.agent.stop();
    await h.waitFor('OFFLINE', async () => (await statusOf(agent.clientId)) === 'OFFLINE');
    expect((await client(agent.clientId))!.disconnected_at).toEqual(h.clock.now());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await h.startAgent('stopper', { stateDir: agent.stateDir, roots: [agent.root] });
    await h.waitFor('ONLINE again', async () => (await statusOf(again.clientId)) === 'ONLINE');
    expect((await client(agent.clientId))!.connected_at!.getTime()).toBeGreaterThan(firstConnect);
  });

  it('marks a client OFFLINE through its Will when the connection is cut', async () => {
    const connectedAt = Date.now();
    const id = `${h.prefix}-cut`;
    h.cleanUp(id);
    const { default: mqtt } = await import('mqtt');
    const agent = await mqtt.connectAsync(h.broker.url, {
      clientId: id,
      protocolVersion: 4,
      reconnectPeriod: 0,
      will: { topic: statusTopic(id), payload: encodeMessage(buildOfflineStatus({ at: connectedAt, reason: 'will' })), qos: 1, retain: true },
    });
    await agent.publishAsync(statusTopic(id), online(connectedAt), { qos: 1, retain: true });
    await h.waitFor('ONLINE', async () => (await statusOf(id)) === 'ONLINE');
    // A pulled cable: the socket dies without DISCONNECT, so the broker publishes the Will.
    agent.stream.destroy();
    await h.waitFor('OFFLINE by the Will', async () => (await statusOf(id)) === 'OFFLINE');
    agent.end(true);
  });

  it('ignores stale statuses: an older connection never overrides a newer one', async () => {
    const { id, mqtt } = await fakeAgent('stale');
    const t = Date.now();
    await mqtt.publishAsync(statusTopic(id), online(t), { qos: 1, retain: true });
    await h.waitFor('ONLINE', async () => (await statusOf(id)) === 'ONLINE');
    // The Will of an older connection, delivered late.
    await mqtt.publishAsync(statusTopic(id), encodeMessage(buildOfflineStatus({ at: t - 5_000, reason: 'will' })), { qos: 1 });
    // An ONLINE of an older connection.
    await mqtt.publishAsync(statusTopic(id), online(t - 10_000), { qos: 1 });
    await h.idle();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await h.idle();
    expect(await client(id)).toMatchObject({ status: 'ONLINE', connected_at: new Date(t) });
    // The Will of this very connection does apply.
    await mqtt.publishAsync(statusTopic(id), encodeMessage(buildOfflineStatus({ at: t, reason: 'will' })), { qos: 1, retain: true });
    await h.waitFor('OFFLINE', async () => (await statusOf(id)) === 'OFFLINE');
    await mqtt.endAsync();
  });

  it('drops malformed status messages and keeps going', async () => {
    const { id, mqtt } = await fakeAgent('garbage');
    for (const payload of ['not json', '{"v":2,"status":"ONLINE"}', JSON.stringify({ v: 1, status: 'ONLINE', at: 'yesterday' }), '[]']) {
      await mqtt.publishAsync(statusTopic(id), payload, { qos: 1 });
    }
    await mqtt.publishAsync(`${statusTopic(id)}/extra`, online(Date.now()), { qos: 1 });
    await h.idle();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await h.idle();
    expect(await client(id)).toBeUndefined();
    await mqtt.publishAsync(statusTopic(id), online(Date.now()), { qos: 1, retain: true });
    await h.waitFor('the valid status after the garbage', async () => (await statusOf(id)) === 'ONLINE');
    await mqtt.endAsync();
  });

  it('moves clients in and out of dynamic groups on presence fields', async () => {
    const group = await new GroupService(h.ctx()).create({
      groupName: `${h.prefix}-online`,
      type: 1,
      queryProperty: 'status',
      queryOperation: 'EQ',
      queryValue: 'ONLINE',
    });
    const agent = await h.startAgent('grouped');
    const id = await clientIdOf(h, agent.clientId);
    const members = async () =>
      (await h.sql<{ client_id: number }>('select client_id from group_client where group_id = ?', [group.id])).map((r) => r.client_id);
    await h.waitFor('member while ONLINE', async () => (await members()).includes(id));
    await agent.agent.stop();
    await h.waitFor('not a member once OFFLINE', async () => !(await members()).includes(id));
  });

  it('marks OFFLINE, after (re)subscribing, clients ONLINE in the database that the broker has no status of', async () => {
    const alive = await h.startAgent('alive');
    await h.waitFor('ONLINE', async () => (await statusOf(alive.clientId)) === 'ONLINE');
    await h.stopGateway();
    // A client that died while broker and gateway were down: no Will, no retained status.
    const ghost = `${h.prefix}-ghost`;
    await h.sql(`insert into client (mqtt_client_id, status, enable, connected_at, created_at, updated_at) values (?, 'ONLINE', true, now(), now(), now())`, [
      ghost,
    ]);
    await h.startGateway({ presenceAuditMs: 300 });
    await h.waitFor('the ghost OFFLINE', async () => (await statusOf(ghost)) === 'OFFLINE');
    expect(await statusOf(alive.clientId)).toBe('ONLINE');
    expect(statusEvents).toContainEqual(expect.objectContaining({ mqttClientId: ghost, status: 'OFFLINE' }));
  });

  it('learns the fleet from retained statuses when the gateway starts after the agents', async () => {
    await h.stopGateway();
    const stays = await h.startAgent('before-gateway');
    const leaves = await h.startAgent('left-before-gateway');
    await leaves.agent.stop();
    await h.startGateway();
    await h.waitFor('ONLINE from the retained status', async () => (await statusOf(stays.clientId)) === 'ONLINE');
    await h.idle();
    // Registered from an OFFLINE status? No: only an ONLINE registers a client.
    expect(await client(leaves.clientId)).toBeUndefined();
  });
});
