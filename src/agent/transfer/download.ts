import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { OfferedFile } from '../../protocol';
import type { Clock } from '../../runtime/clock';
import { sha256File } from '../file-hash';
import { createProgress } from './progress';
import type { FollowedFrame, TransferClient } from './transfer-client';
import { TRANSFER_WINDOW, TransferError } from './upload';

const gunzipAsync = promisify(gunzip);

/**
 * What survives a restart beside `{target}.sdes-part`: which chunks of which file are already in
 * it, as runs `[first, last]` of indexes (a file mostly arrives in order, so it stays a few pairs
 * long however many chunks the file has: writing it every few chunks costs the same at the end of
 * a 2 GB file as at its start).
 */
interface Sidecar {
  sha256: string;
  size: number;
  chunkSize: number;
  runs: [number, number][];
}

/** Runs of consecutive indexes, in order. */
export function runsOf(indexes: Iterable<number>): [number, number][] {
  const sorted = [...indexes].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const i of sorted) {
    const last = runs[runs.length - 1];
    if (last && i === last[1] + 1) last[1] = i;
    else if (!last || i > last[1]) runs.push([i, i]);
  }
  return runs;
}

export interface DownloadOptions {
  client: TransferClient;
  clock: Clock;
  signal: AbortSignal;
  file: OfferedFile;
  /** The offer's grant, sent back with every fetch.get. */
  grant: string;
  chunkSize: number;
  /** The part file; its sidecar is `{part}.json`. */
  partPath: string;
  window?: number;
  compress?: boolean;
  message(text: string): void;
  answerTimeoutMs?: number;
  /** Called once this receiver is subscribed to the file's `stream` (a BROADCAST store says so: the sender's grant waits for it, §12.6). */
  listening?: () => void;
  /** How long the session topic may stay silent before the rest is pulled (STREAM_QUIET_MS). */
  streamQuietMs?: number;
}

export interface Downloaded {
  /** Chunks that arrived in this call (a resumed download receives only the missing ones). */
  chunksReceived: number;
  resumedFrom: number;
  /** Of chunksReceived, how many came from the sender's session topic (a file offered while it arrived). */
  fromStream: number;
}

export const sidecarOf = (partPath: string) => `${partPath}.json`;

/** The part file is synced and its sidecar written every this many chunks, in the background: a restart receives about these again. */
export const SAVE_EVERY = 8;
/** The sender's stream is left for the pull after this long without a frame (the sender stalled, or the chunks go elsewhere). */
export const STREAM_QUIET_MS = 3_000;
/**
 * The same when nothing at all came since the receiver subscribed: it subscribed after the last
 * chunk (a small file is published in a few ms), and a sender that streams publishes its first
 * chunk within ms of its grant, which goes out after this receiver's offer.
 */
export const STREAM_FIRST_MS = 1_000;
/** Chunk writes a download keeps queued before it waits for the disk (8 MiB of 256 KiB chunks). */
const MAX_PENDING_WRITES = 32;
/** A receiver taking a file from its session topic tells the gateway how far it got every this many chunks (fetch.progress). */
const REPORT_EVERY = 16;
/** Chunks held in memory ahead of a gap for the whole file's hash (16 MiB of 256 KiB chunks). */
const HELD_AHEAD = 64;
/**
 * Test hook (never set in production): `SDES_TEST_STREAM_DROP=1,5` makes this agent ignore those
 * chunk indexes on a session topic, as if the broker had lost them, so tests can see the repair.
 */
const droppedForTests = (): Set<number> => new Set((process.env.SDES_TEST_STREAM_DROP ?? '').split(',').filter(Boolean).map(Number));

async function readSidecar(partPath: string, file: OfferedFile, chunkSize: number): Promise<Set<number>> {
  try {
    const side = JSON.parse(await fs.readFile(sidecarOf(partPath), 'utf8')) as Sidecar & { have?: number[] };
    // The same content in the same chunking: the chunks there are still good (the file id may differ after a re-offer).
    if (side.sha256 === file.sha256 && side.size === file.size && side.chunkSize === chunkSize) {
      const total = Math.ceil(file.size / chunkSize);
      const have = new Set<number>();
      if (Array.isArray(side.runs)) {
        for (const [first, last] of side.runs) {
          if (!Number.isInteger(first) || !Number.isInteger(last)) continue;
          for (let i = Math.max(0, first); i <= Math.min(last, total - 1); i++) have.add(i);
        }
      } else if (Array.isArray(side.have)) {
        // Written by an agent before the runs (a list of every index).
        for (const i of side.have) if (Number.isInteger(i)) have.add(i);
      }
      await fs.access(partPath);
      return have;
    }
  } catch {
    // No sidecar, or unreadable: start again.
  }
  return new Set();
}

async function writeSidecar(partPath: string, side: Sidecar): Promise<void> {
  const temporary = `${sidecarOf(partPath)}.tmp`;
  await fs.writeFile(temporary, JSON.stringify(side));
  await fs.rename(temporary, sidecarOf(partPath));
}

/**
 * Pulls one offered file into `partPath`: asks for missing chunks, at most `window` at a time (the
 * receiver sets the pace), checks each chunk's SHA-256, writes it at its offset and notes it in the
 * sidecar, so a retry or a restart asks only for what is missing. Checks the whole file's SHA-256
 * at the end (a mismatch removes the part: the next attempt starts clean).
 */
export async function downloadFile(o: DownloadOptions): Promise<Downloaded> {
  const { file, chunkSize } = o;
  const window = o.window ?? TRANSFER_WINDOW;
  const answerMs = o.answerTimeoutMs ?? 15_000;
  const total = Math.ceil(file.size / chunkSize);
  const have = await readSidecar(o.partPath, file, chunkSize);
  const resumedFrom = have.size;
  if (resumedFrom > 0) o.message(`resuming ${file.name}: ${resumedFrom} of ${total} chunks already here`);
  const handle = await fs.open(o.partPath, resumedFrom > 0 ? 'r+' : 'w+');
  const queue = o.client.follow(file.fileId);
  const progress = createProgress(o.clock, file.size, (text) => o.message(`${file.name}: ${text}`), `↓ ${file.name}`);
  const inFlight = new Set<number>();
  let received = 0;
  let unsaved = 0;
  let fromStream = 0;
  /** Chunks taken from the session topic: not sealed for this agent, so pulled again if the whole file does not match. */
  const streamed = new Set<number>();
  // Writes queue one after another without holding up the frames behind them; the sidecar lists
  // only chunks whose writes are done (and synced), so a restart never trusts a chunk not on disk.
  let writes: Promise<void> = Promise.resolve();
  let writeError: unknown;
  /** Chunk writes queued and not done: past MAX_PENDING_WRITES, taking a chunk waits for the disk (a stream is not paced by this receiver). */
  let pendingWrites = 0;
  let saving: Promise<void> | undefined;
  /** Chunks whose write has completed (those of the sidecar were on disk already). */
  const onDisk = new Set(have);
  const save = async () => {
    await writes;
    if (writeError) throw writeError;
    // Taken once the queued writes are done and just before the sync, not when the save was
    // asked for: on a busy machine the save's steps wait for the event loop while chunks keep
    // landing, and every chunk on disk the sidecar leaves out comes again after a restart.
    const durable = runsOf([...onDisk]);
    await handle.datasync();
    await writeSidecar(o.partPath, { sha256: file.sha256, size: file.size, chunkSize, runs: durable });
  };
  // The whole file's hash, fed in index order as chunks land: a chunk ahead of the gap waits in
  // memory (at most HELD_AHEAD of them; past that the end reads the file again), so the end need
  // not read the file again.
  let whole = resumedFrom === 0 ? createHash('sha256') : null;
  let hashedUpTo = 0;
  const ahead = new Map<number, Buffer>();
  const store = async (index: number, data: Buffer) => {
    if (writeError) throw writeError;
    have.add(index);
    pendingWrites += 1;
    writes = writes.then(async () => {
      try {
        if (!writeError) {
          await handle.write(data, 0, data.length, index * chunkSize);
          onDisk.add(index);
        }
      } catch (error) {
        writeError = error;
      } finally {
        pendingWrites -= 1;
      }
    });
    if (pendingWrites > MAX_PENDING_WRITES) await writes;
    if (whole && index === hashedUpTo) {
      whole.update(data);
      for (hashedUpTo++; ahead.has(hashedUpTo); hashedUpTo++) {
        whole.update(ahead.get(hashedUpTo)!);
        ahead.delete(hashedUpTo);
      }
    } else if (whole && index > hashedUpTo) {
      ahead.set(index, data);
      if (ahead.size > HELD_AHEAD) {
        whole = null;
        ahead.clear();
      }
    }
    inFlight.delete(index);
    received += 1;
    progress.update(have.size * chunkSize);
    // The gateway serves none of the streamed chunks: it learns the progress from the receiver.
    if (file.stream && streamed.size && (have.size % REPORT_EVERY === 0 || have.size === total)) {
      o.client.send({ kind: 'fetch.progress', grant: o.grant, fileId: file.fileId, bytes: Math.min(file.size, have.size * chunkSize) });
    }
    // Synced and noted every SAVE_EVERY chunks, in the background (one save at a time).
    if (++unsaved >= SAVE_EVERY && !saving) {
      unsaved = 0;
      saving = save().finally(() => (saving = undefined));
      saving.catch(() => undefined);
    }
  };
  const ask = (indexes: number[]) => {
    // Contiguous runs in one request each.
    for (let i = 0; i < indexes.length;) {
      let j = i;
      while (j + 1 < indexes.length && indexes[j + 1] === indexes[j] + 1 && j - i < 63) j++;
      o.client.send({ kind: 'fetch.get', grant: o.grant, fileId: file.fileId, index: indexes[i], count: j - i + 1, encoding: o.compress ? 'gzip' : undefined });
      i = j + 1;
    }
  };
  /** Takes one pulled chunk (fetch.data, sealed by the gateway): its SHA-256 checked, then stored. False: not a chunk to take. */
  const takePulled = async (frame: FollowedFrame): Promise<boolean> => {
    const h = frame.header;
    if (h.kind === 'fetch.error') throw new TransferError(`the gateway cannot serve ${file.name}: ${h.reason}`, false, h.reopen ?? false);
    if (h.kind !== 'fetch.data' || have.has(h.index) || h.index >= total) return false;
    const data = h.encoding === 'gzip' ? await gunzipAsync(frame.body, { maxOutputLength: chunkSize }).catch(() => Buffer.alloc(0)) : frame.body;
    const expected = Math.min(chunkSize, file.size - h.index * chunkSize);
    if (data.length !== expected || createHash('sha256').update(data).digest('hex') !== h.sha256) {
      // A damaged chunk: ask for it again.
      o.message(`chunk ${h.index} of ${file.name} arrived damaged; asking for it again`);
      ask([h.index]);
      return false;
    }
    await store(h.index, data);
    return true;
  };
  /** Pulls every chunk not here yet, `window` at a time. */
  const pullMissing = async () => {
    const missing: number[] = [];
    for (let i = 0; i < total; i++) if (!have.has(i)) missing.push(i);
    inFlight.clear();
    let cursor = 0;
    let silences = 0;
    while (have.size < total) {
      const more: number[] = [];
      while (inFlight.size + more.length < window && cursor < missing.length) {
        const index = missing[cursor++];
        if (!have.has(index)) more.push(index);
      }
      for (const index of more) inFlight.add(index);
      ask(more);
      const frame = await queue.next(answerMs, o.signal);
      if (!frame) {
        if (++silences > 8) throw new TransferError(`no chunk of ${file.name} from the gateway for ${(silences * answerMs) / 1000} s`);
        ask([...inFlight].sort((a, b) => a - b));
        continue;
      }
      silences = 0;
      await takePulled(frame);
    }
  };
  /**
   * A file still arriving (offer `stream`): its sender publishes each chunk once on the session
   * topic, for the gateway and for this receiver. Chunks are taken there in order; the ones
   * before the first seen (the receiver subscribed late) are pulled meanwhile. Listening ends at
   * the last chunk or after STREAM_QUIET_MS without a frame; the caller pulls what is missing.
   * A session chunk is not sealed for this agent: its length is checked here, its bytes by the
   * whole file's SHA-256 of the (sealed) offer at the end.
   */
  const listenToStream = async (topic: string) => {
    await o.client.subscribe(topic);
    o.listening?.();
    const drop = droppedForTests();
    const prefix: number[] = [];
    let first = -1;
    let sawLast = false;
    try {
      for (;;) {
        const quietMs = o.streamQuietMs ?? STREAM_QUIET_MS;
        const frame = await queue.next(first < 0 ? Math.min(quietMs, STREAM_FIRST_MS) : quietMs, o.signal);
        if (!frame) break;
        const h = frame.header;
        if (h.kind === 'upload.chunk') {
          sawLast ||= h.index >= total - 1;
          if (first < 0) {
            first = h.index;
            for (let i = 0; i < first; i++) if (!have.has(i)) prefix.push(i);
          }
          if (h.index < total && !have.has(h.index) && !drop.has(h.index)) {
            const data = h.encoding === 'gzip' ? await gunzipAsync(frame.body, { maxOutputLength: chunkSize }).catch(() => Buffer.alloc(0)) : frame.body;
            // A chunk of the wrong length is left for the pull.
            if (data.length === Math.min(chunkSize, file.size - h.index * chunkSize)) {
              streamed.add(h.index);
              fromStream += 1;
              await store(h.index, data);
            }
          }
        } else await takePulled(frame);
        if (have.size >= total) break;
        // The prefix is pulled beside the stream, a window at a time.
        const more: number[] = [];
        while (inFlight.size + more.length < window && prefix.length) {
          const index = prefix.shift()!;
          if (!have.has(index)) more.push(index);
        }
        for (const index of more) inFlight.add(index);
        ask(more);
        // The topic keeps the sender's order: after its last chunk nothing more comes there.
        if (sawLast && !inFlight.size && !prefix.length) break;
      }
    } finally {
      o.client.unsubscribe(topic);
    }
  };
  try {
    if (file.stream && have.size < total) {
      await listenToStream(file.stream);
      if (have.size < total) o.message(`${file.name}: ${fromStream} chunks from the sender's stream, pulling the ${total - have.size} missing`);
    }
    await pullMissing();
    let actual = whole && hashedUpTo === total ? whole.digest('hex') : undefined;
    if (actual !== undefined && actual !== file.sha256 && streamed.size) {
      // A session chunk was not the sender's (forged, or damaged on the way): pull those from the store, sealed, and hash again.
      o.message(`${file.name}: the chunks from the sender's stream do not match the offered SHA-256; pulling them from the store`);
      for (const index of streamed) have.delete(index);
      streamed.clear();
      whole = null;
      await pullMissing();
      actual = undefined;
    }
    await saving;
    await save();
    await handle.close();
    actual ??= await sha256File(o.partPath);
    if (actual !== file.sha256) {
      await fs.rm(o.partPath, { force: true });
      await fs.rm(sidecarOf(o.partPath), { force: true });
      throw new TransferError(`${file.name}: the bytes received hash to ${actual}, the sender's SHA-256 is ${file.sha256}`);
    }
  } catch (error) {
    await saving?.catch(() => undefined);
    await save().catch(() => undefined);
    await handle.close().catch(() => undefined);
    throw error;
  } finally {
    progress.end();
    queue.close();
  }
  return { chunksReceived: received, resumedFrom, fromStream };
}
