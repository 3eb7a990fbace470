import fs from 'node:fs/promises';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import {
  authenticateEvents,
  buildCancel,
  buildDispatch,
  buildEventBatch,
  commandsTopic,
  encodeMessage,
  eventsTopic,
  generateCommandKeys,
  loadCommandKeys,
  signCommand,
} from '../../src/protocol';
import { wireReportId } from '../../src/services/execution/attempt-id';
import { runRecords } from '../live/support/records';
import { useFleetHarness, type FleetAgent } from './support/fleet-harness';

jest.setTimeout(60_000);

/**
 * Defence in depth: a broker with no authentication and no ACL (MQTT_URL's Mosquitto, else an
 * anonymous aedes), where any client may publish anything. Commands must carry the
 * installation's signature for the agent's own topic, event batches the agent's own HMAC.
 */
describe('signed commands and authenticated events on a broker without ACLs', () => {
  const h = useFleetHarness('open');
  let victim: FleetAgent;
  let intruder: MqttClient;
  const refusals = (reason: RegExp) => victim.logs.filter((l) => /refused a command/.test(l.msg) && reason.test(String(l.reason)));
  const forgedDispatch = (reportId: string) =>
    encodeMessage(
      buildDispatch({ reportId, tasks: [{ taskId: 1, steps: [{ id: 1, type: 'COPY_FILE', order: 0, filePath: 'in/a.txt', targetFilePath: 'stolen.txt' }] }] }),
    );

  beforeAll(async () => {
    victim = await h.startAgent('victim');
    await fs.mkdir(path.join(victim.root, 'in'), { recursive: true });
    await fs.writeFile(path.join(victim.root, 'in/a.txt'), 'a');
    intruder = await mqtt.connectAsync(h.brokerUrl, { clientId: `${h.prefix}-intruder`, protocolVersion: 4, reconnectPeriod: 0 });
  });
  afterAll(async () => {
    await intruder?.endAsync(true);
  });

  it('makes the agent refuse an unsigned dispatch, and log it', async () => {
    await intruder.publishAsync(commandsTopic(victim.clientId), forgedDispatch(`${h.prefix}-unsigned`), { qos: 1 });
    await h.t.waitFor('the refusal logged', async () => refusals(/unsigned/).length > 0);
    await expect(fs.access(path.join(victim.root, 'stolen.txt'))).rejects.toThrow();
  });

  it('makes the agent refuse a dispatch signed by another key', async () => {
    const other = loadCommandKeys(generateCommandKeys().privateKeyPem);
    const topic = commandsTopic(victim.clientId);
    await intruder.publishAsync(topic, signCommand(other, topic, forgedDispatch(`${h.prefix}-other-key`)), { qos: 1 });
    await h.t.waitFor('the refusal logged', async () => refusals(/does not match/).length > 0);
    await expect(fs.access(path.join(victim.root, 'stolen.txt'))).rejects.toThrow();
  });

  it("makes the agent refuse a genuine command replayed from another agent's topic", async () => {
    const other = await h.startAgent('other');
    const spy = await mqtt.connectAsync(h.brokerUrl, { clientId: `${h.prefix}-spy`, protocolVersion: 4, reconnectPeriod: 0 });
    const captured: Buffer[] = [];
    spy.on('message', (_t, payload) => captured.push(Buffer.from(payload)));
    await spy.subscribeAsync(commandsTopic(other.clientId), { qos: 1 });
    const runId = await h.runScript([{ type: 'DELETE_FILE', filePath: 'nothing.txt' }], [other.clientId]);
    await h.t.waitFor('the run to end', async () => (await runRecords(h.t, runId)).run.status !== 'RUNNING');
    await spy.endAsync();
    const dispatch = captured.find((p) => p.toString().includes('"dispatch"'));
    expect(dispatch?.toString()).toMatch(/"sig":"/);
    const before = refusals(/does not match/).length;
    await intruder.publishAsync(commandsTopic(victim.clientId), dispatch!, { qos: 1 });
    await h.t.waitFor('the refusal logged', async () => refusals(/does not match/).length > before);
  });

  it('keeps a running report going through a forged cancel and ack', async () => {
    await fs.rm(path.join(victim.root, 'in/go.flag'), { force: true });
    const runId = await h.runScript([{ type: 'WAIT_FLAG_FILE', filePath: 'in/go.flag', interval: 50, timeOut: 20_000 }], [victim.clientId]);
    await h.t.waitFor('the report running', async () => (await runRecords(h.t, runId)).reports[0]?.status === 'RUNNING');
    const [report] = (await runRecords(h.t, runId)).reports;
    const before = refusals(/unsigned/).length;
    await intruder.publishAsync(commandsTopic(victim.clientId), encodeMessage(buildCancel(wireReportId(report.report_id, report.attempt), 'forged')), {
      qos: 1,
    });
    await intruder.publishAsync(commandsTopic(victim.clientId), JSON.stringify({ v: 1, type: 'ack', stream: 'x', ranges: [[1, 1_000_000]] }), { qos: 1 });
    await h.t.waitFor('both refusals logged', async () => refusals(/unsigned/).length >= before + 2);
    expect((await runRecords(h.t, runId)).reports[0].status).toBe('RUNNING');

    // And the gateway records no forged end, with no HMAC or a wrong one.
    const now = Date.now();
    const topic = eventsTopic(victim.clientId);
    const forged = encodeMessage(
      buildEventBatch('forged-stream', [
        { seq: 1, at: now, reportId: wireReportId(report.report_id, report.attempt), type: 'report.finished', status: 'SUCCESS', startTime: now, endTime: now },
      ]),
    );
    await intruder.publishAsync(topic, forged, { qos: 1 });
    await intruder.publishAsync(topic, authenticateEvents(Buffer.alloc(32, 7), topic, forged), { qos: 1 });
    await h.t.waitFor('both drops logged', async () => h.logged(/unauthenticated events/) && h.logged(/events HMAC does not match/));
    expect((await runRecords(h.t, runId)).reports[0].status).toBe('RUNNING');

    // The real agent, signed and authenticated, ends it.
    await fs.writeFile(path.join(victim.root, 'in/go.flag'), '');
    await h.t.waitFor('the real end', async () => (await runRecords(h.t, runId)).reports[0].status === 'SUCCESS');
  });
});
