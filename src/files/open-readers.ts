import type { BlobReader, BlobStorage } from './blob-storage';

interface Entry {
  reader: Promise<BlobReader>;
  /** Reads in flight: the reader is not closed under them. */
  busy: number;
  idleSince: number;
}

/**
 * Open readers of the blobs transfers serve, one per blob: opening the file for every chunk cost
 * three system calls (open, read, close) per 256 KiB, each a trip through the thread pool. Readers
 * idle for `idleMs` are closed by `sweep()`; at most `max` stay open; `close(key)` before a blob
 * is removed.
 */
export class OpenReaders {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly storage: BlobStorage,
    private readonly now: () => number,
    private readonly idleMs = 10_000,
    private readonly max = 64,
  ) {}

  /** Up to `length` bytes at `offset` of blob `key`. */
  async readAt(key: string, offset: number, length: number): Promise<Buffer> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { reader: this.storage.openReader(key), busy: 0, idleSince: this.now() };
      this.entries.set(key, entry);
      // A failed open must not stay cached: the next read tries again.
      const opened = entry;
      opened.reader.catch(() => this.entries.get(key) === opened && this.entries.delete(key));
      this.evictOverMax();
    }
    entry.busy++;
    try {
      return await (await entry.reader).readAt(offset, length);
    } finally {
      entry.busy--;
      entry.idleSince = this.now();
    }
  }

  /** Closes the blob's reader once its reads in flight are done. */
  async close(key: string): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    while (entry.busy > 0) await new Promise((resolve) => setImmediate(resolve));
    await (await entry.reader.catch(() => undefined))?.close();
  }

  async sweep(): Promise<void> {
    const limit = this.now() - this.idleMs;
    await Promise.all([...this.entries].filter(([, e]) => e.busy === 0 && e.idleSince <= limit).map(([key]) => this.close(key)));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((key) => this.close(key)));
  }

  private evictOverMax(): void {
    if (this.entries.size <= this.max) return;
    const oldest = [...this.entries].filter(([, e]) => e.busy === 0).sort((a, b) => a[1].idleSince - b[1].idleSince)[0];
    if (oldest) void this.close(oldest[0]);
  }
}
