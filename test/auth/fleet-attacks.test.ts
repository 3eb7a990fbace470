import fs from 'node:fs/promises';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { buildCancel, buildDispatch, buildEventBatch, commandsTopic, encodeMessage, eventsTopic, transferSessionTopic } from '../../src/protocol';
import { wireReportId } from '../../src/services/execution/attempt-id';
import { SettingsService } from '../../src/services/settings.service';
import { runRecords } from '../live/support/records';
import { listen, useFleetHarness, type BrokerKind, type FleetAgent } from './support/fleet-harness';

jest.setTimeout(60_000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A refused publish: the embedded broker closes the connection (no PUBACK ever), Mosquitto drops it. */
const tryPublish = (client: MqttClient, topic: string, payload: string | Buffer) =>
  Promise.race([client.publishAsync(topic, payload, { qos: 1 }).catch(() => undefined), sleep(1_000)]);

/**
 * The attacks of issue 10, each performed by an agent that holds a valid credential of its own
 * (the attacker), against another enrolled agent (the victim), on brokers that authenticate and
 * enforce the ACL: the embedded one and a private Mosquitto with the files `sdes` writes.
 */
describe.each<BrokerKind>(['embedded', 'mosquitto'])('attacks on a fleet (%s broker)', (kind) => {
  const h = useFleetHarness(kind);
  let victim: FleetAgent;
  let attackerId: string;
  let attackerSecret: string;
  const attacker = async (clientId = attackerId): Promise<MqttClient> => h.connect({ clientId, username: attackerId, password: attackerSecret });

  beforeAll(async () => {
    victim = await h.startAgent('victim');
    const a = await h.startAgent('attacker');
    await a.agent.stop();
    attackerId = a.clientId;
    attackerSecret = JSON.parse(await fs.readFile(path.join(a.stateDir, 'credential.json'), 'utf8')).secret;
    await h.t.waitFor('victim ONLINE', async () => (await h.t.statusOf(victim.clientId)) === 'ONLINE');
  });

  it('refuses an anonymous client, and logs it', async () => {
    await expect(h.connect({ clientId: `${h.prefix}-anon` })).rejects.toThrow(/Not authorized|Bad username/);
    expect(await h.eventuallyLogged(/anonymous connections are refused|not authorised/)).toBe(true);
  });

  it("lets an agent that subscribes to # read none of another agent's commands", async () => {
    const spy = await attacker();
    const heard = listen(spy, '#', 2_500);
    await sleep(300);
    await fs.mkdir(path.join(victim.root, 'in'), { recursive: true });
    await fs.writeFile(path.join(victim.root, 'in/secret.txt'), 'x');
    const runId = await h.runScript([{ type: 'GET_FILE_STATUS', filePath: 'in/secret.txt' }], [victim.clientId]);
    await h.t.waitFor('the run to end', async () => (await runRecords(h.t, runId)).run.status !== 'RUNNING');
    const { granted, messages } = await heard;
    expect(messages.filter((m) => m.topic.includes(victim.clientId))).toEqual([]);
    if (kind === 'embedded') {
      expect(granted).toBe(128);
      expect(await h.eventuallyLogged(/MQTT subscription refused/)).toBe(true);
    }
  });

  it("never delivers a forged dispatch, cancel or ack on another agent's commands topic", async () => {
    const forged = [
      buildDispatch({
        reportId: `${h.prefix}-forged`,
        tasks: [{ taskId: 1, steps: [{ id: 1, type: 'COPY_FILE', order: 0, filePath: 'in/secret.txt', targetFilePath: 'stolen.txt' }] }],
      }),
      buildCancel(`${h.prefix}-whatever`, 'forged'),
      { v: 1, type: 'ack', stream: 'x', ranges: [[1, 1_000_000]] },
    ];
    for (const message of forged) {
      const client = await attacker();
      // The embedded broker closes the connection of a refused publish; Mosquitto drops the message.
      await tryPublish(client, commandsTopic(victim.clientId), JSON.stringify(message));
    }
    await sleep(1_000);
    await expect(fs.access(path.join(victim.root, 'stolen.txt'))).rejects.toThrow();
    expect(victim.logs.filter((l) => /dispatch|refused a command/.test(l.msg) && JSON.stringify(l).includes('forged'))).toEqual([]);
    expect(await h.eventuallyLogged(kind === 'embedded' ? /MQTT publish refused/ : /Denied PUBLISH/)).toBe(true);
  });

  it("stores nothing of a forged report.finished on another agent's events topic", async () => {
    await fs.rm(path.join(victim.root, 'in/go.flag'), { force: true });
    const runId = await h.runScript([{ type: 'WAIT_FLAG_FILE', filePath: 'in/go.flag', interval: 50, timeOut: 20_000 }], [victim.clientId]);
    await h.t.waitFor('the report running', async () => (await runRecords(h.t, runId)).reports[0]?.status === 'RUNNING');
    const [report] = (await runRecords(h.t, runId)).reports;
    const now = Date.now();
    const batch = buildEventBatch('forged-stream', [
      { seq: 1, at: now, reportId: wireReportId(report.report_id, report.attempt), type: 'report.finished', status: 'SUCCESS', startTime: now, endTime: now },
    ]);
    const client = await attacker();
    await tryPublish(client, eventsTopic(victim.clientId), encodeMessage(batch));
    await sleep(1_000);
    expect((await runRecords(h.t, runId)).reports[0].status).toBe('RUNNING');
    await fs.writeFile(path.join(victim.root, 'in/go.flag'), '');
    await h.t.waitFor('the real end', async () => (await runRecords(h.t, runId)).reports[0].status === 'SUCCESS');
  });

  it("cannot take over another agent's client id", async () => {
    const before = victim.logs.length;
    if (kind === 'embedded') await expect(attacker(victim.clientId)).rejects.toThrow(/Not authorized/);
    // Mosquitto (use_username_as_clientid) connects it under its own user name instead.
    else await (await attacker(victim.clientId)).endAsync();
    await sleep(1_000);
    expect(victim.logs.slice(before).filter((l) => /disconnected/.test(l.msg))).toEqual([]);
    expect(await h.t.statusOf(victim.clientId)).toBe('ONLINE');
    if (kind === 'embedded') expect(await h.eventuallyLogged(/does not belong to the credential/)).toBe(true);
  });

  it("reads a file's session topic, but publishes chunks only on its own", async () => {
    const watcher = await h.gatewayClient();
    const heard = listen(watcher, 'sdes/v1/transfers/+/+', 1_500);
    await sleep(300);
    const client = await attacker();
    // Reading one file's topic is what a receiver does; publishing there in the victim's name is refused.
    const read = await client.subscribeAsync(transferSessionTopic(victim.clientId, 41), { qos: 1 });
    expect(read[0].qos).toBe(1);
    await tryPublish(client, transferSessionTopic(attackerId, 41), 'own chunk');
    await tryPublish(await attacker(), transferSessionTopic(victim.clientId, 41), 'forged chunk');
    expect((await heard).messages.map((m) => m.payload)).toEqual(['own chunk']);
  });

  it("cannot inject events into the gateways' live relay", async () => {
    const installation = await new SettingsService(h.t.ctx()).installationId();
    const watcher = await h.gatewayClient();
    const heard = listen(watcher, 'sdes/v1/gateways/#', 1_500);
    await sleep(300);
    const client = await attacker();
    const relay = { v: 1, origin: 'evil', events: [{ topic: 'CLIENT_STATUS', payload: { mqttClientId: victim.clientId, status: 'OFFLINE' } }] };
    await tryPublish(client, `sdes/v1/gateways/${installation}/evil/live`, JSON.stringify(relay));
    expect((await heard).messages.filter((m) => m.topic.includes('/evil/'))).toEqual([]);
    expect(await h.eventuallyLogged(kind === 'embedded' ? /MQTT publish refused/ : /Denied PUBLISH/)).toBe(true);
  });
});
