import type { OfferedFile } from '../../protocol';
import type { FrameQueue, TransferClient } from './transfer-client';

/** Where a BROADCAST offer says the chunks are published once (docs/protocol.md §12.6). */
export interface BroadcastListen {
  topic: string;
  deliveryId: string;
}

/** The listening ends after this long without a chunk: the rest is pulled with fetch.get. */
export const BROADCAST_QUIET_MS = 3_000;
/** A store reports how far it got every this many chunks (the publisher paces on it). */
const PROGRESS_EVERY = 8;

/**
 * Test hook (never set in production): `SDES_TEST_BROADCAST_DROP=1,5` makes this agent ignore those
 * chunk indexes on the broadcast topic, as if the broker had lost them, so tests can see the repair.
 */
const droppedForTests = (): Set<number> => new Set((process.env.SDES_TEST_BROADCAST_DROP ?? '').split(',').filter(Boolean).map(Number));

/**
 * Takes the chunks published once on the broadcast topic into the part file (`store`), from the
 * subscription until the last chunk, `broadcast.end` or a quiet spell; the caller then pulls only
 * what is still missing. Returns how many chunks came this way.
 */
export async function listenToBroadcast(o: {
  client: TransferClient;
  queue: FrameQueue;
  signal: AbortSignal;
  file: OfferedFile;
  chunkSize: number;
  have: ReadonlySet<number>;
  listen: BroadcastListen;
  store(index: number, data: Buffer): Promise<void>;
  quietMs?: number;
}): Promise<number> {
  const total = Math.ceil(o.file.size / o.chunkSize);
  const drop = droppedForTests();
  const report = (upTo: number) => o.client.send({ kind: 'deliver.progress', deliveryId: o.listen.deliveryId, fileId: o.file.fileId, upTo });
  await o.client.subscribe(o.listen.topic);
  let got = 0;
  let upTo = 0;
  try {
    report(0);
    for (;;) {
      const frame = await o.queue.next(o.quietMs ?? BROADCAST_QUIET_MS, o.signal);
      if (!frame) break;
      const h = frame.header;
      if ((h.kind !== 'broadcast.data' && h.kind !== 'broadcast.end') || h.fileSha256 !== o.file.sha256) continue;
      if (h.kind === 'broadcast.end') break;
      upTo = Math.max(upTo, h.index + 1);
      if (!drop.has(h.index) && !o.have.has(h.index) && h.index < total) {
        const expected = Math.min(o.chunkSize, o.file.size - h.index * o.chunkSize);
        // A chunk of the wrong length is left for the pull. Its bytes are not hashed here: the
        // header is sealed for no store, so the whole file's SHA-256 of the (sealed) offer is
        // what checks them, and a mismatch pulls the broadcast chunks again (downloadFile).
        if (frame.body.length === expected) {
          await o.store(h.index, frame.body);
          got += 1;
        }
      }
      if (upTo % PROGRESS_EVERY === 0) report(upTo);
      // QoS 1 keeps the topic's order: after the last chunk nothing more comes.
      if (h.index >= total - 1) break;
    }
  } finally {
    o.client.unsubscribe(o.listen.topic);
  }
  return got;
}
