import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { BeginFileInput, FileStoreService, StoredFileRow } from '../../src/files';
import { createLocalBlobStorage, FileStoreService as Store } from '../../src/files';
import type { Clock } from '../../src/runtime/clock';
import { silentLogger } from '../../src/runtime/logger';

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A file store on a temporary folder over `orm`, as the gateway builds it. */
export async function openStore(orm: MikroORM, clock: Clock, options: Partial<ConstructorParameters<typeof Store>[0]> = {}) {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-files-'));
  const store = new Store({ orm, storage: createLocalBlobStorage({ root }), clock, logger: silentLogger(), ...options });
  return {
    store,
    root,
    async close() {
      await store.stop();
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Puts `bytes` into the store as a transfer would: begun, written in `chunkSize` chunks in the
 * given order (default: last chunk first, then the rest), completed.
 */
export async function putFile(
  store: FileStoreService,
  bytes: Buffer,
  input: Partial<BeginFileInput> = {},
  { chunkSize = 64 * 1024, complete = true }: { chunkSize?: number; complete?: boolean } = {},
): Promise<StoredFileRow> {
  const file = await store.begin({ name: 'sales.csv', kind: 'upload', size: bytes.length, sha256: sha256(bytes), ...input });
  const offsets: number[] = [];
  for (let o = 0; o < bytes.length; o += chunkSize) offsets.push(o);
  offsets.unshift(...offsets.splice(-1));
  for (const o of offsets) await store.writeChunk(file.id, o, bytes.subarray(o, o + chunkSize));
  return complete ? store.complete(file.id) : file;
}

export const bytesOf = (n: number) => randomBytes(n);

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
