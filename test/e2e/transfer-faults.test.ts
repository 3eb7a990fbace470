import fs from 'node:fs/promises';
import path from 'node:path';
import { CHUNK_HEADER_ROOM, decodeFrame, DEFAULT_TRANSFER_CHUNK_BYTES, transferDownTopic, transferSessionTopic } from '../../src/protocol';
import { MQTT_PUBLISH, publishOf, startTcpProxy, type WirePacket } from '../support/tcp-proxy';
import { runEnded } from '../live/support/records';
import { type AgentProcess } from './support/fleet';
import { sha256Of, startTransferFleet, writeRandomFile } from './support/transfer-fleet';

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

  it('a receiver killed halfway and restarted gets only what it was missing: the bytes on its wire', async () => {
    const size = 40 * 1024 * 1024 + 1000;
    const chunkSize = DEFAULT_TRANSFER_CHUNK_BYTES;
    const chunks = Math.ceil(size / chunkSize);
    const sha = await writeRandomFile(path.join(hq.root, 'outbox/big.bin'), size);
    // The receiver reaches the broker only through the proxy: every byte the broker sends it, in
    // both its lives, is counted there, per connection, chunks apart from everything else.
    const wire = new Map<number, WireTally>();
    const proxy = await startTcpProxy({
      target: fleet.gateway.brokerUrl,
      onPacketToClient: (packet, connection) => {
        if (!wire.has(connection)) wire.set(connection, emptyTally());
        tally(wire.get(connection)!, packet);
      },
    });
    try {
      const rx = await fleet.agent('rx', 'STORE', { brokerUrl: proxy.url });
      const { jobId } = await fleet.createJob(
        [
          [
            { type: 'SEND_FILE', filePath: 'outbox/big.bin' },
            { type: 'RECV_FILE', targetFilePath: 'inbox/big.bin', createFilePath: true },
          ],
        ],
        [hq, rx],
        { duration: 90, maxRetries: 2, retryWait: 1 },
      );
      const runId = await fleet.runJob(jobId);
      const sidecar = path.join(rx.root, 'inbox/big.bin.sdes-part.json');
      // Killed once half the file's bytes crossed to it (some of them not yet in its sidecar).
      await fleet.t.waitFor('half the file on the wire to the receiver', async () => sumTallies([...wire.values()]).chunkBytes >= size / 2, 40_000);
      await rx.kill();
      const keptRuns = await runsNoted(sidecar);
      const kept = keptRuns.reduce((sum, [first, last]) => sum + last - first + 1, 0);
      const lastOfFirstLife = proxy.connections;
      await rx.restart();
      const rec = await runEnded(fleet.t, runId, 60_000);

      expect(await sha256Of(path.join(rx.root, 'inbox/big.bin'))).toBe(sha);
      expect(rec.reports.find((r) => r.mqtt_client_id === rx.clientId)!.status).toBe('SUCCESS');
      expect(rec.messages.map((m) => m.message).join('\n')).toMatch(new RegExp(`resuming big.bin: ${kept} of ${chunks} chunks already here`));

      const before = sumTallies([...wire].filter(([connection]) => connection <= lastOfFirstLife).map(([, t]) => t));
      const after = sumTallies([...wire].filter(([connection]) => connection > lastOfFirstLife).map(([, t]) => t));
      // What a chunk costs on the wire beyond its bytes, from the protocol's bounds: the PUBLISH's
      // fixed header (1 byte and at most 4 of remaining length), its topic (the longer of the
      // receiver's transfer-down and a session topic with the largest file id) with its length and
      // packet id, then the frame's 4-byte header length and its header, which CHUNK_HEADER_ROOM
      // holds with its HMAC.
      const topic = Math.max(transferDownTopic(rx.clientId).length, transferSessionTopic(hq.clientId, 999_999_999_999_999).length);
      const framing = 1 + 4 + 2 + topic + 2 + 4 + CHUNK_HEADER_ROOM;
      // Everything else (CONNACK, SUBACKs, PUBACKs of the receiver's fetch.get, PINGRESPs, the
      // commands, fetch.wait and fetch.offer) is counted on the wire, and stays under one chunk per
      // life: no chunk hides there.
      expect(before.control).toBeLessThan(chunkSize);
      expect(after.control).toBeLessThan(chunkSize);
      // Every byte the proxy passed, a chunk cut short by the kill included.
      const delivered = proxy.bytesToClient;
      if (process.env.E2E_WIRE_LOG) process.stderr.write(`${JSON.stringify({ size, chunks, kept, delivered, framing, before, after })}\n`);
      // Over both lives: at most a quarter of the file came twice (the chunks the receiver had
      // taken but not yet noted in its sidecar when it died, and those on their way to it).
      expect(delivered).toBeLessThan(size * 1.25 + Math.ceil(chunks * 1.25) * framing + before.control + after.control);
      // After the restart: exactly the chunks the sidecar did not hold, each once, and no more.
      const missing = chunks - kept;
      const keptBytes = keptRuns.reduce((sum, [first, last]) => sum + Math.min(size, (last + 1) * chunkSize) - first * chunkSize, 0);
      const missingBytes = size - keptBytes;
      expect(after.chunkFrames).toBe(missing);
      expect(after.chunkBytes).toBe(missingBytes);
      expect(after.bytes).toBeLessThanOrEqual(missingBytes + missing * framing + after.control);
    } finally {
      await proxy.close();
    }
  }, 90_000);

  it('a chunk damaged on the way to the receiver is detected and asked for again; the file arrives whole', async () => {
    const size = 2 * 1024 * 1024 + 7;
    const sha = await writeRandomFile(path.join(hq.root, 'outbox/damaged.bin'), size);
    const clientId = `${prefix}-damaged`;
    // Chunk 3 of the file, the first time it crosses to the receiver, gets its last byte flipped.
    const crossings: number[] = [];
    const proxy = await startTcpProxy({
      target: fleet.gateway.brokerUrl,
      alterToClient: (packet) => {
        if (packet.type !== MQTT_PUBLISH) return undefined;
        const { topic, payload } = publishOf(packet);
        const frame = topic === transferDownTopic(clientId) ? decodeFrame(payload) : undefined;
        const header = frame?.ok ? (frame.header as { kind?: unknown; index?: unknown }) : undefined;
        if (header?.kind !== 'fetch.data') return undefined;
        crossings.push(header.index as number);
        if (header.index !== 3 || crossings.filter((i) => i === 3).length > 1) return undefined;
        const damaged = Buffer.from(packet.raw);
        damaged[damaged.length - 1] ^= 0xff;
        return damaged;
      },
    });
    try {
      // Offline while the file is sent, so that it pulls every chunk from the store (fetch.data).
      const rx = await fleet.agent('damaged', 'STORE', { brokerUrl: proxy.url });
      await rx.stop();
      await fleet.t.waitFor('the receiver OFFLINE', async () => (await fleet.t.statusOf(rx.clientId)) === 'OFFLINE');
      const { jobId } = await fleet.createJob(
        [
          [
            { type: 'SEND_FILE', filePath: 'outbox/damaged.bin' },
            { type: 'RECV_FILE', targetFilePath: 'inbox/damaged.bin', createFilePath: true, retryTimes: 0 },
          ],
        ],
        [hq, rx],
        { duration: 60 },
      );
      const runId = await fleet.runJob(jobId);
      await fleet.t.waitFor(
        'the SERVER sent',
        async () =>
          (await fleet.t.sql(`select 1 from stored_file where mqtt_client_id = ? and name = 'damaged.bin' and status = 'COMPLETE'`, [hq.clientId])).length,
        30_000,
      );
      await rx.restart();
      const rec = await runEnded(fleet.t, runId, 40_000);
      const { recv, text } = recvOf(rec, rx);
      expect(recv.status).toBe('SUCCESS');
      expect(text).toContain('chunk 3 of damaged.bin arrived damaged; asking for it again');
      expect(await sha256Of(path.join(rx.root, 'inbox/damaged.bin'))).toBe(sha);
      // Chunk 3 crossed twice, every other chunk once: only the damaged one was asked for again.
      const chunks = Math.ceil(size / DEFAULT_TRANSFER_CHUNK_BYTES);
      expect(crossings.sort((a, b) => a - b)).toEqual([...Array(chunks).keys()].flatMap((i) => (i === 3 ? [3, 3] : [i])));
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('a full disk ends the RECV_FILE FAILED with a message naming the file and the cause', async () => {
    await writeRandomFile(path.join(hq.root, 'outbox/full.bin'), 1024 * 1024);
    // The part file the receiver writes is /dev/full: every write fails with ENOSPC, as on a full disk.
    await fs.mkdir(path.join(s1.root, 'full'), { recursive: true });
    await fs.symlink('/dev/full', path.join(s1.root, 'full/full.bin.sdes-part'));
    const { jobId } = await fleet.createJob(
      [
        [
          { type: 'SEND_FILE', filePath: 'outbox/full.bin' },
          { type: 'RECV_FILE', targetFilePath: 'full/full.bin', retryTimes: 0 },
        ],
      ],
      [hq, s1],
      { duration: 30 },
    );
    const rec = await runEnded(fleet.t, await fleet.runJob(jobId), 30_000);
    const { recv, text } = recvOf(rec, s1);
    expect(recv.status).toBe('FAILED');
    expect(text).toContain(`cannot write ${path.join(s1.root, 'full/full.bin.sdes-part')}: ENOSPC: no space left on device`);
    expect(text).toMatch(/the disk is full; free space there, then run the step again/);
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

/** What the broker sent one connection of the receiver: chunk frames, their bytes, and everything else. */
interface WireTally {
  /** Every byte of every packet. */
  bytes: number;
  /** fetch.data (pulled) and upload.chunk (the sender's session topic) frames. */
  chunkFrames: number;
  /** The chunks' own bytes, without their frame and MQTT headers. */
  chunkBytes: number;
  /** The bytes of every other packet: acks, commands, control frames. */
  control: number;
}

const emptyTally = (): WireTally => ({ bytes: 0, chunkFrames: 0, chunkBytes: 0, control: 0 });

function tally(t: WireTally, packet: WirePacket): void {
  t.bytes += packet.bytes;
  if (packet.type === MQTT_PUBLISH) {
    const { topic, payload } = publishOf(packet);
    const frame = topic.startsWith('sdes/v1/') && topic.includes('/transfer') ? decodeFrame(payload) : undefined;
    const kind = frame?.ok ? (frame.header as { kind?: unknown }).kind : undefined;
    if (frame?.ok && (kind === 'fetch.data' || kind === 'upload.chunk')) {
      t.chunkFrames += 1;
      t.chunkBytes += frame.body.length;
      return;
    }
  }
  t.control += packet.bytes;
}

function sumTallies(tallies: WireTally[]): WireTally {
  return tallies.reduce(
    (sum, t) => ({
      bytes: sum.bytes + t.bytes,
      chunkFrames: sum.chunkFrames + t.chunkFrames,
      chunkBytes: sum.chunkBytes + t.chunkBytes,
      control: sum.control + t.control,
    }),
    emptyTally(),
  );
}

/** The runs of chunk indexes a part file's sidecar notes (docs/protocol.md §12.5). */
async function runsNoted(sidecar: string): Promise<[number, number][]> {
  return (JSON.parse(await fs.readFile(sidecar, 'utf8')) as { runs: [number, number][] }).runs;
}
