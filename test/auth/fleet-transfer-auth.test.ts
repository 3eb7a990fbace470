import fs from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { authenticateFrame, encodeFrame, PROTOCOL_VERSION, transferDownTopic, transferSessionTopic, transferUpTopic } from '../../src/protocol';
import { useFleetHarness, type FleetAgent } from './support/fleet-harness';

jest.setTimeout(60_000);

/**
 * Defence in depth for the transfer topics, on a broker with no ACL (as fleet-signing.test.ts for
 * commands): every frame carries the HMAC of the agent's own key in its header, both ways. A
 * forged frame makes the agent list, send or write nothing, and the gateway store nothing.
 */
describe('authenticated transfer frames on a broker without ACLs', () => {
  const h = useFleetHarness('open');
  let victim: FleetAgent;
  let intruder: MqttClient;
  /** What the victim publishes on its transfer-up, as anyone on such a broker can read it. */
  const sentByVictim: Buffer[] = [];
  const refusals = () => victim.logs.filter((l) => /refused a transfer frame/.test(l.msg));
  const remoteList = (requestId: string) => encodeFrame({ v: PROTOCOL_VERSION, kind: 'remote.list', requestId, path: '' });

  beforeAll(async () => {
    victim = await h.startAgent('victim');
    await fs.writeFile(path.join(victim.root, 'secret.txt'), 'secret');
    intruder = await mqtt.connectAsync(h.brokerUrl, { clientId: `${h.prefix}-intruder`, protocolVersion: 4, reconnectPeriod: 0 });
    intruder.on('message', (_topic, payload) => sentByVictim.push(Buffer.from(payload)));
    await intruder.subscribeAsync(transferUpTopic(victim.clientId), { qos: 1 });
  });
  afterAll(async () => {
    await intruder?.endAsync(true);
  });

  it('makes the agent refuse a remote.list without HMAC, and answer nothing', async () => {
    await intruder.publishAsync(transferDownTopic(victim.clientId), remoteList(`${h.prefix}-plain`), { qos: 1 });
    await h.t.waitFor('the refusal logged', async () => refusals().some((l) => /unauthenticated transfer frame/.test(String(l.reason))));
    expect(sentByVictim.filter((p) => p.includes('remote.listing'))).toEqual([]);
  });

  it('makes the agent refuse a frame with the HMAC of another key', async () => {
    const topic = transferDownTopic(victim.clientId);
    await intruder.publishAsync(topic, authenticateFrame(Buffer.alloc(32, 9), topic, remoteList(`${h.prefix}-other-key`)), { qos: 1 });
    await h.t.waitFor('the refusal logged', async () => refusals().some((l) => /does not match/.test(String(l.reason))));
    expect(sentByVictim.filter((p) => p.includes('remote.listing'))).toEqual([]);
  });

  it("drops an upload opened in the agent's name without its HMAC, storing nothing", async () => {
    const frame = encodeFrame({
      v: PROTOCOL_VERSION,
      kind: 'upload.open',
      requestId: `${h.prefix}-forged-upload`,
      purpose: 'UPLOAD_TO_SERVER',
      reportId: 'r-forged',
      taskId: 1,
      stepId: 1,
      name: 'forged.bin',
      size: 4,
      sha256: 'a'.repeat(64),
      chunkSize: 4096,
    });
    await intruder.publishAsync(transferUpTopic(victim.clientId), frame, { qos: 1 });
    await h.t.waitFor('the drop logged', async () => h.logged(/transfer-up message on the topic of .* dropped: unauthenticated transfer frame/));
    expect(await h.t.sql(`select id from stored_file where name = 'forged.bin'`)).toEqual([]);
  });

  it("drops a chunk published on a session topic in the agent's name without its HMAC", async () => {
    const topic = transferSessionTopic(victim.clientId, 987654);
    const body = Buffer.from('forged chunk');
    const frame = encodeFrame({ v: PROTOCOL_VERSION, kind: 'upload.chunk', fileId: 987654, index: 0, offset: 0, sha256: 'b'.repeat(64) }, body);
    await intruder.publishAsync(topic, frame, { qos: 1 });
    await h.t.waitFor('the drop logged', async () => h.logged(new RegExp(`dropped: unauthenticated transfer frame.*${topic.replace(/\//g, '\\/')}`)));
  });

  it("lists the agent's folder for an operator: the gateway's frames carry the agent's HMAC", async () => {
    const [client] = await h.t.sql<{ id: number }>('select id from client where mqtt_client_id = ?', [victim.clientId]);
    const { status, body } = await h.t.rest<{ entries: { name: string }[] }>(`/clients/${client.id}/folder?path=`);
    expect(status).toBe(200);
    expect(body.entries.map((e) => e.name)).toContain('secret.txt');
    // And what the agent answered on its transfer-up carried its HMAC too.
    expect(sentByVictim.some((p) => p.includes('remote.listing') && p.includes('"mac":"'))).toBe(true);
  });
});
