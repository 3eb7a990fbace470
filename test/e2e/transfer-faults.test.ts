import fs from 'node:fs/promises';
import path from 'node:path';
import { parseTransferDown, transferDownTopic } from '../../src/protocol';
import { TRANSFER_WINDOW } from '../../src/agent/transfer/upload';
import { rawClient } from '../live/support/broker';
import { runEnded } from '../live/support/records';
import { gatewayLogin, type AgentProcess } from './support/fleet';
import { sha256Of, startTransferFleet, writeRandomFile } from './support/transfer-fleet';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type RunRecords = Awaited<ReturnType<typeof runEnded>>;
/** The RECV_FILE step result of `store` in a run, and its messages as one text. */
function recvOf(rec: RunRecords, store: AgentProcess) {
  const recv = rec.steps.find((s) => s.type === 'RECV_FILE' && rec.reports.find((r) => r.id === s.report_id)?.mqtt_client_id === store.clientId)!;
  const text = rec.messages
    .filter((m) => m.step_result_id === recv.id)
    .map((m) => m.message)
    .join('\n');
  return { recv, text };
}

/** Transfers when things go wrong: stores offline, senders that never send, receivers killed halfway. */
describe('transfer faults (end to end)', () => {
  const prefix = `xf-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  let fleet: Awaited<ReturnType<typeof startTransferFleet>>;
  let hq: AgentProcess;
  let s1: AgentProcess;

  beforeAll(async () => {
    fleet = await startTransferFleet(prefix);
    [hq, s1] = await Promise.all([fleet.agent('hq', 'SERVER'), fleet.agent('s1', 'STORE')]);
  }, 60_000);

  afterAll(async () => {
    await fleet?.stop();
  });

  it('a store offline when the file is sent receives it after reconnecting within the run (gzip on the wire)', async () => {
    const late = await fleet.agent('late', 'STORE');
    await late.stop();
    await fleet.t.waitFor('late OFFLINE', async () => (await fleet.t.statusOf(late.clientId)) === 'OFFLINE');
    const sha = await writeRandomFile(path.join(hq.root, 'outbox/late.bin'), 2 * 1024 * 1024 + 7);
    const { jobId } = await fleet.createJob(
      [
        [
          { type: 'SEND_FILE', filePath: 'outbox/late.bin', compressFile: true },
          { type: 'RECV_FILE', targetFilePath: 'inbox/late.bin', createFilePath: true, compressFile: true },
        ],
      ],
      [hq, late],
      { duration: 60 },
    );
    const runId = await fleet.runJob(jobId);
    await fleet.t.waitFor(
      'the SERVER sent',
      async () => (await fleet.t.sql(`select 1 from stored_file where mqtt_client_id = ? and status = 'COMPLETE'`, [hq.clientId])).length > 0,
      30_000,
    );
    await late.restart();
    const rec = await runEnded(fleet.t, runId, 40_000);
    expect(rec.reports.map((r) => `${r.mqtt_client_id}:${r.status}`)).toEqual([`${hq.clientId}:SUCCESS`, `${late.clientId}:SUCCESS`]);
    expect(await sha256Of(path.join(late.root, 'inbox/late.bin'))).toBe(sha);
  }, 60_000);

  it('a RECV whose SERVER never sends fails within the run, naming the missing sender', async () => {
    const absent = await fleet.agent('absent', 'SERVER');
    await absent.stop();
    await fleet.t.waitFor('absent OFFLINE', async () => (await fleet.t.statusOf(absent.clientId)) === 'OFFLINE');
    const { jobId } = await fleet.createJob(
      [
        [
          { type: 'SEND_FILE', filePath: 'outbox/none.bin' },
          { type: 'RECV_FILE', targetFilePath: 'inbox/none.bin', createFilePath: true },
        ],
      ],
      [absent, s1],
      { duration: 8 },
    );
    const started = Date.now();
    const runId = await fleet.runJob(jobId);
    const rec = await runEnded(fleet.t, runId, 30_000);
    const { recv, text } = recvOf(rec, s1);
    expect(recv.status).toBe('FAILED');
    expect(text).toMatch(new RegExp(`no file from SERVER client ${absent.clientId} before the run's deadline`));
    expect(recv.ended_at! - started).toBeLessThan(8_000 + 5_000);
    expect(recv.ended_at!).toBeLessThanOrEqual(rec.run.deadline_at + 1_000);
  }, 60_000);

  it('a receiver killed halfway resumes after restarting: only the missing chunks come again', async () => {
    const size = 40 * 1024 * 1024;
    const chunks = size / (256 * 1024);
    const sha = await writeRandomFile(path.join(hq.root, 'outbox/big.bin'), size);
    const spy = await rawClient(fleet.gateway.brokerUrl, `${prefix}-spy`, gatewayLogin(fleet.gateway));
    let dataFrames = 0;
    spy.on('message', (_topic, payload) => {
      const parsed = parseTransferDown(payload);
      if (parsed.ok && parsed.value.header.kind === 'fetch.data') dataFrames += 1;
    });
    await spy.subscribeAsync(transferDownTopic(s1.clientId), { qos: 0 });
    const { jobId } = await fleet.createJob(
      [
        [
          { type: 'SEND_FILE', filePath: 'outbox/big.bin' },
          { type: 'RECV_FILE', targetFilePath: 'inbox/big.bin', createFilePath: true },
        ],
      ],
      [hq, s1],
      { duration: 90, maxRetries: 2, retryWait: 1 },
    );
    const runId = await fleet.runJob(jobId);
    const sidecar = path.join(s1.root, 'inbox/big.bin.sdes-part.json');
    await fleet.t.waitFor(
      'a third of the chunks on the receiver',
      async () => {
        return (await chunksNoted(sidecar)) >= chunks / 3;
      },
      40_000,
    );
    await s1.kill();
    const kept = await chunksNoted(sidecar);
    const beforeRestart = dataFrames;
    await sleep(200);
    await s1.restart();
    const rec = await runEnded(fleet.t, runId, 60_000);
    await spy.endAsync();
    expect(await sha256Of(path.join(s1.root, 'inbox/big.bin'))).toBe(sha);
    const store = rec.reports.find((r) => r.mqtt_client_id === s1.clientId)!;
    expect(store.status).toBe('SUCCESS');
    expect(store.attempt).toBeGreaterThanOrEqual(1);
    expect(rec.messages.map((m) => m.message).join('\n')).toMatch(new RegExp(`resuming big.bin: ${kept} of ${chunks} chunks already here`));
    // After the restart only what the sidecar did not hold was asked for (plus at most a window of
    // chunks already on their way when the receiver died); over both runs, at most a window and a
    // sidecar interval (chunks written but not yet noted) came twice.
    expect(dataFrames - beforeRestart).toBeLessThanOrEqual(chunks - kept + TRANSFER_WINDOW);
    expect(dataFrames).toBeLessThanOrEqual(chunks + TRANSFER_WINDOW + 16);
  }, 60_000);

  it('an unwritable target ends the RECV_FILE FAILED with a message naming it', async () => {
    await writeRandomFile(path.join(hq.root, 'outbox/ro.bin'), 10_000);
    // A file where the target's folder should be: no folder can be made there (tests run as root,
    // so permissions would not stop a write).
    await fs.writeFile(path.join(s1.root, 'blocker'), 'not a folder');
    const { jobId } = await fleet.createJob(
      [
        [
          { type: 'SEND_FILE', filePath: 'outbox/ro.bin' },
          { type: 'RECV_FILE', targetFilePath: 'blocker/sub/ro.bin', createFilePath: true, retryTimes: 0 },
        ],
      ],
      [hq, s1],
      { duration: 30 },
    );
    const rec = await runEnded(fleet.t, await fleet.runJob(jobId), 30_000);
    const { recv, text } = recvOf(rec, s1);
    expect(recv.status).toBe('FAILED');
    expect(text).toMatch(/ENOTDIR|EEXIST|not a directory/i);
    expect(text).toContain(path.join(s1.root, 'blocker'));
  }, 60_000);
});

/** How many chunks a part file's sidecar notes (its runs of indexes, docs/protocol.md §12.5). */
async function chunksNoted(sidecar: string): Promise<number> {
  const side = JSON.parse(await fs.readFile(sidecar, 'utf8')) as { runs: [number, number][] };
  return side.runs.reduce((sum, [first, last]) => sum + last - first + 1, 0);
}
