import type { BlobStorage, BlobWriter } from './blob-storage';

/** What the store keeps in memory about a file it is writing. */
export interface WritingFile {
  id: number;
  key: string;
  size: number;
  /** When `updatedAt` was last written to the row (it is recorded at most once a minute). */
  touchedAt: number;
}

interface Entry {
  file: WritingFile;
  writer: Promise<BlobWriter>;
  /** Writes in flight: the writer is not closed under them. */
  busy: number;
  idleSince: number;
}

/**
 * The open writers of the files being written, one per file: a transfer writes hundreds of chunks
 * per second and a file opened per chunk would cost two system calls and a database read each.
 * Writers left idle for `idleMs` are closed by `sweep()`; at most `max` stay open.
 */
export class OpenWriters {
  private readonly entries = new Map<number, Entry>();

  constructor(
    private readonly storage: BlobStorage,
    private readonly now: () => number,
    private readonly idleMs = 30_000,
    private readonly max = 256,
  ) {}

  /** The file's record as cached, if a writer is open for it. */
  cached(id: number): WritingFile | undefined {
    return this.entries.get(id)?.file;
  }

  /** Writes through the file's writer, opening one (and closing the oldest idle one past `max`) when needed. */
  async write(file: WritingFile, offset: number, bytes: Buffer): Promise<void> {
    let entry = this.entries.get(file.id);
    if (!entry) {
      entry = { file, writer: this.storage.openWriter(file.key), busy: 0, idleSince: this.now() };
      this.entries.set(file.id, entry);
      // A failed open must not stay cached: the next write tries again.
      entry.writer.catch(() => this.entries.get(file.id) === entry && this.entries.delete(file.id));
      this.evictOverMax();
    }
    entry.busy++;
    try {
      await (await entry.writer).writeAt(offset, bytes);
    } finally {
      entry.busy--;
      entry.idleSince = this.now();
    }
  }

  /** Closes the file's writer once its writes in flight are done (before hashing or removing it). */
  async close(id: number): Promise<void> {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    while (entry.busy > 0) await new Promise((resolve) => setImmediate(resolve));
    await (await entry.writer.catch(() => undefined))?.close();
  }

  /** Closes the writers idle for `idleMs`. */
  async sweep(): Promise<void> {
    const limit = this.now() - this.idleMs;
    const idle = [...this.entries.values()].filter((e) => e.busy === 0 && e.idleSince <= limit);
    await Promise.all(idle.map((e) => this.close(e.file.id)));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.close(id)));
  }

  get size(): number {
    return this.entries.size;
  }

  private evictOverMax(): void {
    if (this.entries.size <= this.max) return;
    const oldest = [...this.entries.values()].filter((e) => e.busy === 0).sort((a, b) => a.idleSince - b.idleSince)[0];
    if (oldest) void this.close(oldest.file.id);
  }
}
