import { constants, createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BlobReader, BlobStorage, BlobWriter, ByteRange } from './blob-storage';
import { hashFile } from './hash-file';

/** File store keys are the store's own (`2026/12/<uuid>`): anything else is a bug, never a path to follow. */
const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new TypeError(`not a blob key: ${JSON.stringify(key)}`);
  return key;
}

async function readFully(handle: fs.FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * Blobs as plain files under `root` (one file per key; the key's folders are made on the first
 * write). Writes are positional (`pwrite`), so chunks land at their offsets in any order, and
 * every gateway sharing `root` (a network folder) sees the same bytes.
 */
export function createLocalBlobStorage({ root }: { root: string }): BlobStorage {
  const fileOf = (key: string) => path.join(root, checkKey(key));
  return {
    location: root,

    async openWriter(key: string): Promise<BlobWriter> {
      const file = fileOf(key);
      await fs.mkdir(path.dirname(file), { recursive: true });
      // O_RDWR | O_CREAT without O_APPEND: on Linux an appending descriptor ignores the position of pwrite.
      const handle = await fs.open(file, constants.O_RDWR | constants.O_CREAT, 0o640);
      return {
        async writeAt(offset: number, bytes: Buffer): Promise<void> {
          let done = 0;
          while (done < bytes.length) {
            const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, offset + done);
            done += bytesWritten;
          }
        },
        close: () => handle.close(),
      };
    },

    createReadStream(key: string, range?: ByteRange, { highWaterMark = 64 * 1024 } = {}) {
      return createReadStream(fileOf(key), range ? { start: range.start, end: range.end, highWaterMark } : { highWaterMark });
    },

    async readAt(key: string, offset: number, length: number): Promise<Buffer> {
      const handle = await fs.open(fileOf(key), 'r');
      try {
        return await readFully(handle, offset, length);
      } finally {
        await handle.close();
      }
    },

    async sha256(key: string): Promise<string> {
      return (await hashFile(fileOf(key))).sha256;
    },

    async openReader(key: string): Promise<BlobReader> {
      const handle = await fs.open(fileOf(key), 'r');
      return { readAt: (offset, length) => readFully(handle, offset, length), close: () => handle.close() };
    },

    async remove(key: string): Promise<void> {
      try {
        await fs.unlink(fileOf(key));
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    },

    async size(key: string): Promise<number | undefined> {
      try {
        return (await fs.stat(fileOf(key))).size;
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
  };
}
