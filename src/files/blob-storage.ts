import type { Readable } from 'node:stream';

/** An inclusive byte range `[start, end]`, as HTTP ranges count. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Writes one blob at any offset: the chunks of a transfer arrive in any order. */
export interface BlobWriter {
  /** Writes all of `bytes` at `offset` (positional: concurrent writes at distinct offsets are fine). */
  writeAt(offset: number, bytes: Buffer): Promise<void>;
  /** Flushes and releases the writer; the bytes written stay. */
  close(): Promise<void>;
}

/** Reads one blob at any offset through one open handle (a transfer serves hundreds of chunks a second). */
export interface BlobReader {
  /** Up to `length` bytes at `offset`; fewer at the end of the blob. */
  readAt(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * Where the bytes of stored files live: local disk under `$SDES_DATA_DIR/files` by default
 * (local-blob-storage.ts); an object store could implement the same six methods. Keys are made
 * by the file store (`2026/12/<uuid>`), never from a sender's file name.
 */
export interface BlobStorage {
  /** Opens (creating when absent, never truncating) the blob `key` for positional writes. */
  openWriter(key: string): Promise<BlobWriter>;
  /** A streamed read of the whole blob or of `range` (inclusive); errors (a missing blob) arrive as stream errors. */
  createReadStream(key: string, range?: ByteRange, options?: { highWaterMark?: number }): Readable;
  /** Up to `length` bytes at `offset` in one read (a transfer's chunk); fewer at the end of the blob. */
  readAt(key: string, offset: number, length: number): Promise<Buffer>;
  /** The SHA-256 (hex) of the whole blob, computed off the caller's event loop. */
  sha256(key: string): Promise<string>;
  /** Opens the blob for many positional reads; rejects when it is not there. */
  openReader(key: string): Promise<BlobReader>;
  /** Removes the blob; a blob that is not there is no error. */
  remove(key: string): Promise<void>;
  /** The blob's size in bytes, or undefined when there is none. */
  size(key: string): Promise<number | undefined>;
  /** Where the blobs are, for messages and logs (`/var/lib/sdes/files`). */
  readonly location: string;
}
