import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { downloadFile, runsOf, sidecarOf } from '../../../src/agent/transfer/download';
import { createTransferClient, MAX_QUEUED_STREAM_FRAMES } from '../../../src/agent/transfer/transfer-client';
import { encodeFrame, PROTOCOL_VERSION, transferSessionTopic, type OfferedFile, type TransferUp } from '../../../src/protocol';
import { systemClock } from '../../../src/runtime/clock';
import { silentLogger } from '../../../src/runtime/logger';

const CHUNK = 4096;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const chunkOf = (data: Buffer, index: number) => data.subarray(index * CHUNK, Math.min(data.length, (index + 1) * CHUNK));

/**
 * A receiver against a scripted gateway and sender, in memory: fetch.get is answered with sealed
 * fetch.data frames (the agent's transfer-down, already checked), and `stream(from)` publishes the
 * chunks from `from` on the file's session topic as the sender would.
 */
function harness(data: Buffer, { fileId = 7 } = {}) {
  const topic = transferSessionTopic('hq-1', fileId);
  const file: OfferedFile = { fileId, name: 'prices.bin', size: data.length, sha256: sha(data), stream: topic };
  const total = Math.ceil(data.length / CHUNK);
  const pulled: number[] = [];
  const subscribed: string[] = [];
  let onSubscribe: () => void = () => undefined;
  const client = createTransferClient({
    logger: silentLogger(),
    publish: (header) => {
      const h = header as Extract<TransferUp, { kind: 'fetch.get' }>;
      if (h.kind !== 'fetch.get') return;
      for (let index = h.index; index < Math.min(total, h.index + h.count); index++) {
        pulled.push(index);
        const body = chunkOf(data, index);
        setImmediate(() => client.receive(encodeFrame({ v: PROTOCOL_VERSION, kind: 'fetch.data', fileId, index, sha256: sha(body) }, body)));
      }
    },
    subscribe: async (t) => {
      subscribed.push(t);
      setImmediate(onSubscribe);
    },
  });
  /** What the sender publishes on the session topic, chunk `index` (its header names the chunk's SHA-256, unsealed for receivers). */
  const publish = (index: number, body = chunkOf(data, index)) =>
    client.receiveSession(fileId, encodeFrame({ v: PROTOCOL_VERSION, kind: 'upload.chunk', fileId, index, offset: index * CHUNK, sha256: sha(body) }, body));
  return {
    client,
    file,
    total,
    pulled,
    subscribed,
    publish,
    /** Once subscribed, the sender publishes these chunks, in order. */
    streamOnSubscribe(indexes: number[], body?: (index: number) => Buffer | undefined) {
      onSubscribe = () => indexes.forEach((i) => publish(i, body?.(i) ?? chunkOf(data, i)));
    },
  };
}

describe('downloadFile with a sender stream (docs/protocol.md §12.5)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-download-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const download = (h: ReturnType<typeof harness>, messages: string[] = []) =>
    downloadFile({
      client: h.client,
      clock: systemClock,
      signal: new AbortController().signal,
      file: h.file,
      grant: 'installation:grant',
      chunkSize: CHUNK,
      partPath: path.join(dir, 'prices.bin.sdes-part'),
      message: (text) => messages.push(text),
      streamQuietMs: 200,
      answerTimeoutMs: 2_000,
    });

  it('takes every chunk from the session topic when it listens from the first one: nothing is pulled', async () => {
    const data = randomBytes(10 * CHUNK + 100);
    const h = harness(data);
    h.streamOnSubscribe([...Array(h.total).keys()]);
    const got = await download(h);
    expect(h.subscribed).toEqual([h.file.stream]);
    expect(got).toMatchObject({ fromStream: h.total, chunksReceived: h.total });
    expect(h.pulled).toEqual([]);
    expect(sha(await fs.readFile(path.join(dir, 'prices.bin.sdes-part')))).toBe(h.file.sha256);
  });

  it('a receiver that subscribes late pulls the chunks before the first it saw, and takes the rest from the topic', async () => {
    const data = randomBytes(12 * CHUNK);
    const h = harness(data);
    h.streamOnSubscribe([5, 6, 7, 8, 9, 10, 11]);
    const got = await download(h);
    expect(got.fromStream).toBe(7);
    expect(h.pulled.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    expect(sha(await fs.readFile(path.join(dir, 'prices.bin.sdes-part')))).toBe(h.file.sha256);
  });

  it('pulls what the stream left out once it falls quiet', async () => {
    const data = randomBytes(8 * CHUNK);
    const h = harness(data);
    h.streamOnSubscribe([0, 1, 2, 4, 5]);
    await download(h);
    expect(h.pulled.sort((a, b) => a - b)).toEqual([3, 6, 7]);
    expect(sha(await fs.readFile(path.join(dir, 'prices.bin.sdes-part')))).toBe(h.file.sha256);
  });

  it('cuts a stream it cannot keep up with instead of buffering it: the chunks dropped are pulled', async () => {
    const data = randomBytes((MAX_QUEUED_STREAM_FRAMES + 44) * CHUNK);
    const h = harness(data);
    // Every chunk arrives before the receiver takes the first one.
    h.streamOnSubscribe([...Array(h.total).keys()]);
    const got = await download(h);
    expect(got.fromStream).toBe(MAX_QUEUED_STREAM_FRAMES);
    expect(h.pulled.sort((a, b) => a - b)).toEqual([...Array(44).keys()].map((i) => MAX_QUEUED_STREAM_FRAMES + i));
    expect(sha(await fs.readFile(path.join(dir, 'prices.bin.sdes-part')))).toBe(h.file.sha256);
  });

  it('refuses a forged chunk on the session topic: the file does not match the sealed offer, so the streamed chunks are pulled again', async () => {
    const data = randomBytes(6 * CHUNK);
    const h = harness(data);
    // Someone else publishes chunk 2 first, with a header that names the forged bytes' own SHA-256.
    const forged = randomBytes(CHUNK);
    h.streamOnSubscribe([0, 1, 2, 3, 4, 5], (i) => (i === 2 ? forged : undefined));
    const messages: string[] = [];
    await download(h, messages);
    expect(messages.join('\n')).toMatch(/do not match the offered SHA-256; pulling them from the store/);
    expect(h.pulled.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sha(await fs.readFile(path.join(dir, 'prices.bin.sdes-part')))).toBe(h.file.sha256);
  });

  it("drops a session frame that is not a chunk of the topic's file", async () => {
    const data = randomBytes(3 * CHUNK);
    const h = harness(data);
    h.streamOnSubscribe([0, 1, 2]);
    // A chunk of another file on this file's topic, and a control frame there: neither is taken.
    h.client.receiveSession(7, encodeFrame({ v: PROTOCOL_VERSION, kind: 'upload.chunk', fileId: 8, index: 0, offset: 0, sha256: sha(data) }, data));
    h.client.receiveSession(7, encodeFrame({ v: PROTOCOL_VERSION, kind: 'upload.close', fileId: 7 }));
    const got = await download(h);
    expect(got.fromStream).toBe(3);
  });

  it('notes the chunks it holds as runs of indexes, so a restart asks only for the rest', async () => {
    expect(runsOf([5, 0, 1, 2, 7, 8, 3])).toEqual([
      [0, 3],
      [5, 5],
      [7, 8],
    ]);
    const data = randomBytes(6 * CHUNK);
    const part = path.join(dir, 'prices.bin.sdes-part');
    await fs.writeFile(part, Buffer.concat([chunkOf(data, 0), chunkOf(data, 1), Buffer.alloc(CHUNK), chunkOf(data, 3)]));
    const h = harness(data);
    await fs.writeFile(
      sidecarOf(part),
      JSON.stringify({
        sha256: h.file.sha256,
        size: data.length,
        chunkSize: CHUNK,
        runs: [
          [0, 1],
          [3, 3],
        ],
      }),
    );
    const messages: string[] = [];
    await downloadFile({
      client: h.client,
      clock: systemClock,
      signal: new AbortController().signal,
      file: { ...h.file, stream: undefined },
      grant: 'g',
      chunkSize: CHUNK,
      partPath: part,
      message: (t) => messages.push(t),
    });
    expect(messages[0]).toBe('resuming prices.bin: 3 of 6 chunks already here');
    expect(h.pulled.sort((a, b) => a - b)).toEqual([2, 4, 5]);
    expect(sha(await fs.readFile(part))).toBe(h.file.sha256);
  });
});
