import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { allocChunk, DEFAULT_TRANSFER_CHUNK_BYTES, type ChunkWithRoom, type Id, type TransferPurpose } from '../../protocol';
import type { Clock } from '../../runtime/clock';
import { sha256File } from '../file-hash';
import type { TransferClient } from './transfer-client';
import { createProgress } from './progress';

const gzipAsync = promisify(gzip);

export interface UploadOptions {
  client: TransferClient;
  clock: Clock;
  signal: AbortSignal;
  filePath: string;
  /** The name the store keeps (the file's base name). */
  name: string;
  purpose: TransferPurpose;
  /** A step's upload: its report, task and step. */
  reportId?: string;
  taskId?: Id;
  stepId?: Id;
  /** A FETCH upload: the remote.fetch requestId. */
  fetchId?: string;
  /** Which of the step's files this is (0-based) and how many it uploads (receivers may stream the last one). */
  fileIndex?: number;
  fileCount?: number;
  /** Give up waiting for a grant after this (the run's deadline), epoch ms. */
  deadline: number;
  chunkSize?: number;
  /** Chunks in flight before an ack is needed. */
  window?: number;
  compress?: boolean;
  message(text: string): void;
  /** How long a request waits for its answer; acks that long overdue make the unacked chunks go again. */
  answerTimeoutMs?: number;
}

export interface Uploaded {
  fileId: number;
  size: number;
  sha256: string;
  /** Chunks sent (resends included). */
  chunksSent: number;
}

/**
 * Chunks in flight before an acknowledgement (upload) or a chunk (download) comes back: 32 × 256 KiB
 * = 8 MiB. The pipeline is bound by round trips through the broker, so a deeper window is faster;
 * it also bounds what a slow side can be sent.
 */
export const TRANSFER_WINDOW = 32;

/** A failure a retry may cure (the step is retried), or not (`final`). */
export class TransferError extends Error {
  constructor(
    message: string,
    readonly final = false,
    /** The gateway no longer knows the grant: ask again at once (the chunks already here stay). */
    readonly reopen = false,
  ) {
    super(message);
  }
}

/**
 * Uploads one file into the gateway's store: open (waiting while the gateway says so, up to the
 * deadline), chunks from `receivedBytes` on with a window of unacked chunks, close. The file is
 * read chunk by chunk (never whole); a nack or a silence rewinds to the first unacked chunk.
 */
export async function uploadFile(o: UploadOptions): Promise<Uploaded> {
  const chunkSize = o.chunkSize ?? DEFAULT_TRANSFER_CHUNK_BYTES;
  const window = o.window ?? TRANSFER_WINDOW;
  const answerMs = o.answerTimeoutMs ?? 15_000;
  const size = (await fs.stat(o.filePath)).size;
  const sha256 = await sha256File(o.filePath);
  let chunksSent = 0;
  for (let opening = 0; ; opening++) {
    const answer = await o.client.request(
      {
        kind: 'upload.open',
        purpose: o.purpose,
        reportId: o.reportId,
        taskId: o.taskId,
        stepId: o.stepId,
        fetchId: o.fetchId,
        name: o.name,
        size,
        sha256,
        chunkSize,
        fileIndex: o.fileIndex,
        fileCount: o.fileCount,
      },
      answerMs,
      o.signal,
    );
    if (!answer) {
      if (o.clock.now().getTime() > o.deadline) throw new TransferError(`no answer from the gateway to the upload of ${o.name} before the run's deadline`);
      if (opening >= 3) throw new TransferError(`no answer from the gateway to the upload of ${o.name}`);
      continue;
    }
    const h = answer.header;
    if (h.kind === 'upload.refused') throw new TransferError(`the gateway refused the upload of ${o.name}: ${h.reason}`, true);
    if (h.kind === 'upload.wait') {
      if (o.clock.now().getTime() + h.retryAfterMs > o.deadline)
        throw new TransferError(`the gateway kept the upload of ${o.name} waiting until the run's deadline: ${h.reason}`);
      o.message(`waiting ${Math.round(h.retryAfterMs / 100) / 10} s to upload ${o.name}: ${h.reason}`);
      await o.clock.sleep(h.retryAfterMs, o.signal);
      opening = -1;
      continue;
    }
    if (h.kind !== 'upload.granted') throw new TransferError(`unexpected answer ${h.kind} to the upload of ${o.name}`);
    if (h.receivedBytes > 0) o.message(`resuming the upload of ${o.name} at byte ${h.receivedBytes} of ${size}`);
    const result = await sendChunks(o, h.fileId, h.chunkSize, h.receivedBytes, size, window, answerMs, h.chunkTopic);
    chunksSent += result.sent;
    if (result.outcome === 'done') return { fileId: h.fileId, size, sha256, chunksSent };
    // The gateway lost the session (it restarted, or another took over): open again, resume.
    if (opening >= 5) throw new TransferError(`the upload of ${o.name} kept losing its session: ${result.reason}`);
  }
}

async function sendChunks(
  o: UploadOptions,
  fileId: number,
  chunkSize: number,
  from: number,
  size: number,
  window: number,
  answerMs: number,
  /** The file's session topic (upload.granted): the chunks go there, once for the gateway and the online receivers. */
  chunkTopic?: string,
): Promise<{ outcome: 'done' | 'reopen'; reason?: string; sent: number }> {
  const total = Math.ceil(size / chunkSize);
  const queue = o.client.follow(fileId);
  const handle = await fs.open(o.filePath, 'r');
  const progress = createProgress(o.clock, size, (text) => o.message(`${o.name}: ${text}`), `↑ ${o.name}`);
  let acked = from / chunkSize;
  let next = acked;
  let sent = 0;
  let silences = 0;
  let topic = chunkTopic;
  // The next chunk is read while this one is hashed and sent: one trip through the thread pool
  // per chunk no longer stands between two publishes.
  // Each chunk is read into a buffer with room for its frame's header: the frame is built around
  // it, without a second buffer and a copy per chunk.
  const reading = new Map<number, Promise<{ chunk: ChunkWithRoom; data: Buffer }>>();
  const read = (index: number): Promise<{ chunk: ChunkWithRoom; data: Buffer }> => {
    let pending = reading.get(index);
    if (!pending) {
      const offset = index * chunkSize;
      const length = Math.min(chunkSize, size - offset);
      const slab = allocChunk(length);
      pending = handle.read(slab.data, 0, length, offset).then(({ bytesRead }) => {
        if (bytesRead !== length) throw new TransferError(`${o.filePath} changed while it was uploaded (short read at ${offset})`);
        return slab;
      });
      // Seen by the await below; a read ahead that is dropped (rewind) must not go unhandled.
      pending.catch(() => undefined);
      reading.set(index, pending);
    }
    return pending;
  };
  try {
    while (acked < total) {
      while (next < total && next - acked < window) {
        const offset = next * chunkSize;
        const { chunk, data } = await read(next);
        reading.delete(next);
        if (next + 1 < total && next + 1 - acked < window) void read(next + 1);
        const chunkSha = createHash('sha256').update(data).digest('hex');
        const body = o.compress ? await gzipAsync(data) : chunk;
        // On the session topic at QoS 0 (§12.3): the gateway's acks confirm each chunk end to end
        // and its nack repairs a gap, so a PUBACK per chunk on every leg would only repeat them
        // (and mqtt.js would keep a copy of each chunk until it came). The file's last chunk goes
        // at QoS 1: no later chunk would reveal its loss in a dropped connection.
        const qos = topic && next < total - 1 ? 0 : 1;
        o.client.send({ kind: 'upload.chunk', fileId, index: next, offset, sha256: chunkSha, encoding: o.compress ? 'gzip' : undefined }, body, topic, qos);
        sent += 1;
        next += 1;
      }
      const frame = await queue.next(answerMs, o.signal);
      if (!frame) {
        if (++silences > 8) throw new TransferError(`no acknowledgement from the gateway for ${(silences * answerMs) / 1000} s while uploading ${o.name}`);
        // Resent on transfer-up: a gateway that no longer holds the session (it restarted) answers
        // there (upload.failed, then a new grant), where the session topic's chunks go unanswered.
        topic = undefined;
        next = acked;
        reading.clear();
        continue;
      }
      silences = 0;
      const h = frame.header;
      if (h.kind === 'upload.ack') {
        if (h.index >= acked) {
          acked = h.index + 1;
          progress.update(Math.min(size, acked * chunkSize));
        }
      } else if (h.kind === 'upload.nack') {
        if (h.index < next) {
          next = Math.max(h.index, acked);
          reading.clear();
        }
      } else if (h.kind === 'upload.failed') return { outcome: 'reopen', reason: h.reason, sent };
    }
    o.client.send({ kind: 'upload.close', fileId });
    // Completing hashes the whole file on the gateway: allow for a big one.
    const closeMs = answerMs + size / 20_000;
    for (;;) {
      const frame = await queue.next(closeMs, o.signal);
      if (!frame) throw new TransferError(`the gateway did not confirm the upload of ${o.name}`);
      if (frame.header.kind === 'upload.done') return { outcome: 'done', sent };
      if (frame.header.kind === 'upload.failed') throw new TransferError(`the gateway did not accept ${o.name}: ${frame.header.reason}`);
    }
  } finally {
    progress.end();
    queue.close();
    await handle.close();
  }
}
