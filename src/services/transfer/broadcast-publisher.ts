import { createHash } from 'node:crypto';
import type { StoredFileRow } from '../../files';
import { broadcastTopic } from '../../protocol';
import { messageOf, type TransferDeps } from './transfer-context';

/** Chunks published ahead of the leading store's progress: bounds what the broker queues for the stores. */
export const BROADCAST_WINDOW = 32;
/**
 * Publishes awaiting the broker's PUBACK at once: one at a time, each chunk waited for the broker
 * to fan the previous one out to every store before it went.
 */
const PUBLISHES_IN_FLIGHT = 8;
/** How long the publisher waits for the offered stores to subscribe before it starts. */
const LISTEN_WAIT_MS = 2_000;
/** Without any store's progress for this long, the publisher stops: the stores pull what they miss. */
const STALL_MS = 10_000;

interface Publication {
  /** deliveryId → 1 + the highest index that store has seen on the topic. */
  listeners: Map<string, number>;
  lastProgressAt: number;
  wake?: () => void;
}

/**
 * BROADCAST's one-publish-per-chunk (docs/protocol.md §12.6): once a file is offered to the
 * online stores, its chunks go out once on `sdes/v1/broadcasts/{fileId}` for all of them, at most
 * BROADCAST_WINDOW ahead of the leading store's `deliver.progress` (the broker and a slow store are
 * never flooded; a store that falls behind repairs the chunks it missed with fetch.get). The
 * publication lives in this gateway's memory only: if it stops (restart, stall), stores pull.
 */
export class BroadcastPublisher {
  private readonly publications = new Map<number, Publication>();

  constructor(private readonly deps: TransferDeps) {}

  /** The topic to name in offers while the file's chunks are (about to be) published, else undefined. */
  topicOf(fileId: number): string | undefined {
    return this.deps.broadcast && this.publications.has(fileId) ? broadcastTopic(fileId) : undefined;
  }

  /** Marks the file as published from now (offers made next name the topic); false when it already is, or cannot be. */
  begin(fileId: number): boolean {
    if (!this.deps.broadcast || this.publications.has(fileId)) return false;
    this.publications.set(fileId, { listeners: new Map(), lastProgressAt: Date.now() });
    return true;
  }

  /** A store's `deliver.progress`. */
  progress(deliveryId: string, fileId: number, upTo: number): void {
    const p = this.publications.get(fileId);
    if (!p) return;
    p.listeners.set(deliveryId, Math.max(upTo, p.listeners.get(deliveryId) ?? 0));
    p.lastProgressAt = Date.now();
    p.wake?.();
  }

  /** Publishes every chunk of `file` once (in the background); `offered` is how many stores listen. */
  run(file: StoredFileRow, chunkSize: number, offered: number): void {
    const p = this.publications.get(file.id);
    if (!p) return;
    if (!offered) return void this.publications.delete(file.id);
    this.publish(file, chunkSize, offered, p)
      .catch((err: unknown) => this.deps.logger.warn({ fileId: file.id, err: messageOf(err) }, 'broadcast publication stopped; the stores pull the rest'))
      .finally(() => this.publications.delete(file.id));
  }

  private wait(p: Publication, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        p.wake = undefined;
        resolve();
      }
      p.wake = done;
    });
  }

  private async publish(file: StoredFileRow, chunkSize: number, offered: number, p: Publication): Promise<void> {
    const send = this.deps.broadcast!;
    const chunks = Math.max(1, Math.ceil(file.size / chunkSize));
    // Give the offered stores a moment to subscribe (each says so with deliver.progress upTo 0).
    const until = Date.now() + LISTEN_WAIT_MS;
    while (p.listeners.size < offered && Date.now() < until) await this.wait(p, until - Date.now());
    if (!p.listeners.size) return void this.deps.logger.info({ fileId: file.id }, 'no store listens to the broadcast: they pull the file');
    const started = Date.now();
    const inFlight = new Set<Promise<void>>();
    let failure: unknown;
    for (let index = 0; index < chunks; index++) {
      if (failure) throw failure;
      // Pace on the leading store: the others get the same frames queued by the broker, or repair later.
      while (index >= Math.max(...p.listeners.values()) + BROADCAST_WINDOW) {
        if (Date.now() - p.lastProgressAt > STALL_MS) throw new Error(`no store progress for ${STALL_MS / 1000} s at chunk ${index} of ${chunks}`);
        await this.wait(p, 1_000);
      }
      const offset = index * chunkSize;
      const data = await this.deps.files.readBlob(file.storagePath, offset, Math.min(chunkSize, file.size - offset));
      const sha256 = createHash('sha256').update(data).digest('hex');
      const published = send(file.id, { kind: 'broadcast.data', fileId: file.id, fileSha256: file.sha256, index, sha256 }, data).then(
        () => void inFlight.delete(published),
        (err: unknown) => void (failure = err),
      );
      inFlight.add(published);
      if (inFlight.size >= PUBLISHES_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
    await send(file.id, { kind: 'broadcast.end', fileId: file.id, fileSha256: file.sha256, chunks });
    this.deps.logger.info({ fileId: file.id, chunks, stores: p.listeners.size, ms: Date.now() - started }, 'broadcast chunks published once');
  }
}
