import fs from 'node:fs/promises';
import path from 'node:path';
import { Client, StoredFile } from '../../src/entities';
import type { FileStoreService } from '../../src/files';
import { createLivePubSub } from '../../src/live/pubsub';
import { AppError } from '../../src/services/errors';
import { SettingsService } from '../../src/services/settings.service';
import { useServiceHarness } from '../support/services';
import { bytesOf, openStore, putFile, readAll, sha256 } from './support';

const h = useServiceHarness();
let store: FileStoreService;
let root: string;
let close: () => Promise<void>;
const pubsub = createLivePubSub();

beforeAll(async () => {
  ({ store, root, close } = await openStore(h.db.orm, h.clock, { pubsub }));
  const em = h.em();
  em.create(Client, { mqttClientId: 'store-001', role: 'STORE' });
  em.create(Client, { mqttClientId: 'store-002', role: 'STORE' });
  await em.flush();
});

afterAll(async () => {
  await close?.();
});

beforeEach(async () => {
  await h.em().nativeDelete(StoredFile, {});
});

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}

const blobOf = (file: StoredFile) => path.join(root, file.storagePath);

describe('FileStoreService.begin', () => {
  it('records a PARTIAL file with what the sender declared, the sender looked up by MQTT client id', async () => {
    const file = await store.begin({
      name: 'sales.csv',
      size: 10,
      sha256: 'AB'.repeat(32),
      kind: 'upload',
      mqttClientId: 'store-001',
      reportId: 'r-1',
      sessionId: 's-1',
    });
    const row = await store.get(file.id);
    expect(row).toMatchObject({
      name: 'sales.csv',
      size: 10,
      sha256: 'ab'.repeat(32),
      kind: 'upload',
      status: 'PARTIAL',
      mqttClientId: 'store-001',
      reportId: 'r-1',
      sessionId: 's-1',
    });
    expect(row.client?.id).toBeGreaterThan(0);
    expect(row.createdAt).toEqual(h.clock.now());
  });

  it('creates the blob at once, empty, under a key that holds nothing of the name', async () => {
    const file = await store.begin({ name: '../../etc/passwd', size: 3, sha256: 'a'.repeat(64), kind: 'upload' });
    expect(file.storagePath).toMatch(/^\d{4}\/\d{2}\/[0-9a-f-]{36}$/);
    expect((await fs.stat(blobOf(file))).size).toBe(0);
  });

  it('keeps the same name from two clients as two files', async () => {
    const bytes = bytesOf(100);
    const a = await putFile(store, bytes, { name: 'eod.csv', mqttClientId: 'store-001' });
    const b = await putFile(store, bytes, { name: 'eod.csv', mqttClientId: 'store-002' });
    expect(a.id).not.toBe(b.id);
    expect(a.storagePath).not.toBe(b.storagePath);
    expect((await store.list({ name: 'eod.csv' })).total).toBe(2);
  });

  it.each([
    ['name', { name: '  ' }, /name: expected a non-empty file name/],
    ['name', { name: 'a\u0000b' }, /without NUL/],
    ['size', { size: -1 }, /size: expected a non-negative integer/],
    ['size', { size: 1.5 }, /size: expected a non-negative integer/],
    ['sha256', { sha256: 'abc' }, /sha256: expected 64 hexadecimal digits/],
    ['kind', { kind: 'backup' }, /kind: expected one of upload, transfer, fetch/],
    ['clientId', { clientId: 0 }, /clientId: expected a positive integer id/],
    ['reportId', { reportId: 'r'.repeat(300) }, /reportId: expected a string of at most 255/],
  ])('refuses a bad %s, naming it', async (field, patch, message) => {
    const err = await refusal(store.begin({ name: 'x.csv', size: 1, sha256: 'a'.repeat(64), kind: 'upload', ...(patch as object) }));
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field });
    expect(err.message).toMatch(message);
  });

  it('refuses an unknown clientId as NOT_FOUND', async () => {
    const err = await refusal(store.begin({ name: 'x.csv', size: 1, sha256: 'a'.repeat(64), kind: 'upload', clientId: 999_999 }));
    expect(err).toMatchObject({ code: 'NOT_FOUND', field: 'clientId' });
  });

  it("refuses a file larger than the store's maxTotalBytes", async () => {
    await new SettingsService(h.ctx()).update('files', { maxTotalBytes: 1000 });
    try {
      const err = await refusal(store.begin({ name: 'big.bin', size: 1001, sha256: 'a'.repeat(64), kind: 'upload' }));
      expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'size' });
      expect(err.message).toMatch(/at most 1000 bytes \(the file store's maxTotalBytes setting\)/);
    } finally {
      await new SettingsService(h.ctx()).update('files', { maxTotalBytes: 10 * 1024 ** 3 });
    }
  });
});

describe('FileStoreService.writeChunk and complete', () => {
  it('takes chunks in any order and completes with the bytes sent', async () => {
    const bytes = bytesOf(300_000);
    const file = await putFile(store, bytes, {}, { chunkSize: 65_536 });
    expect(file).toMatchObject({ status: 'COMPLETE', size: 300_000 });
    expect(file.completedAt).toEqual(h.clock.now());
    expect(sha256(await fs.readFile(blobOf(file)))).toBe(sha256(bytes));
  });

  it('completes an empty file', async () => {
    const file = await putFile(store, Buffer.alloc(0));
    expect(file.status).toBe('COMPLETE');
  });

  it('returns a COMPLETE file as it is when completed again', async () => {
    const file = await putFile(store, bytesOf(10));
    expect((await store.complete(file.id)).completedAt).toEqual(file.completedAt);
  });

  it('refuses a chunk that ends past the declared size', async () => {
    const file = await store.begin({ name: 'a.bin', size: 10, sha256: 'a'.repeat(64), kind: 'upload' });
    const err = await refusal(store.writeChunk(file.id, 8, Buffer.alloc(3)));
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'offset' });
    expect(err.message).toMatch(/within the file's 10 bytes \(this one covers 8 to 11\)/);
  });

  it('refuses bytes for a COMPLETE file', async () => {
    const file = await putFile(store, bytesOf(10));
    expect(await refusal(store.writeChunk(file.id, 0, Buffer.alloc(1)))).toMatchObject({ code: 'CONFLICT', field: 'fileId' });
  });

  it('keeps a file with missing bytes PARTIAL, and completes it once the rest arrives', async () => {
    const bytes = bytesOf(1000);
    const file = await store.begin({ name: 'a.bin', size: 1000, sha256: sha256(bytes), kind: 'transfer' });
    await store.writeChunk(file.id, 0, bytes.subarray(0, 600));
    const err = await refusal(store.complete(file.id));
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'size' });
    expect(err.message).toMatch(/the store holds 600 of them/);
    expect((await store.get(file.id)).status).toBe('PARTIAL');
    await store.writeChunk(file.id, 600, bytes.subarray(600));
    expect((await store.complete(file.id)).status).toBe('COMPLETE');
  });

  it('fails a file whose bytes hash to another SHA-256, naming both, and removes its bytes', async () => {
    const bytes = bytesOf(100);
    const file = await store.begin({ name: 'a.bin', size: 100, sha256: 'f'.repeat(64), kind: 'upload' });
    await store.writeChunk(file.id, 0, bytes);
    const err = await refusal(store.complete(file.id));
    expect(err).toMatchObject({ code: 'INVALID_INPUT', field: 'sha256' });
    expect(err.message).toContain(sha256(bytes));
    const row = await store.get(file.id);
    expect(row.status).toBe('FAILED');
    expect(row.message).toContain('f'.repeat(64));
    await expect(fs.stat(blobOf(file))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('records the last write at most once a minute (retention reads it)', async () => {
    const file = await store.begin({ name: 'a.bin', size: 10, sha256: 'a'.repeat(64), kind: 'upload' });
    h.clock.advance(30_000);
    await store.writeChunk(file.id, 0, Buffer.alloc(1));
    expect((await store.get(file.id)).updatedAt).toEqual(file.updatedAt);
    h.clock.advance(31_000);
    await store.writeChunk(file.id, 1, Buffer.alloc(1));
    expect((await store.get(file.id)).updatedAt).toEqual(h.clock.now());
  });

  it('does not hold the event loop for 100 ms while hashing 64 MiB', async () => {
    const bytes = bytesOf(64 * 1024 * 1024);
    const file = await putFile(store, bytes, {}, { chunkSize: 4 * 1024 * 1024, complete: false });
    let longest = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 5);
    try {
      expect((await store.complete(file.id)).status).toBe('COMPLETE');
    } finally {
      clearInterval(timer);
    }
    expect(longest).toBeLessThan(100);
  });
});

describe('FileStoreService.fail', () => {
  it('marks a PARTIAL file FAILED with the reason and removes its bytes', async () => {
    const file = await store.begin({ name: 'a.bin', size: 10, sha256: 'a'.repeat(64), kind: 'transfer' });
    const failed = await store.fail(file.id, 'the sender went away');
    expect(failed).toMatchObject({ status: 'FAILED', message: 'the sender went away' });
    await expect(fs.stat(blobOf(file))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('leaves a COMPLETE file as it is', async () => {
    const file = await putFile(store, bytesOf(10));
    expect((await store.fail(file.id, 'late abort')).status).toBe('COMPLETE');
  });
});

describe('FileStoreService.get and list', () => {
  it('answers NOT_FOUND naming fileId for an unknown id', async () => {
    const err = await refusal(store.get(424242));
    expect(err).toMatchObject({ code: 'NOT_FOUND', field: 'fileId', message: 'file 424242 does not exist' });
  });

  it('lists newest first, with the total of every match', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await putFile(store, bytesOf(10), { name: `f${i}.csv` })).id);
    const page = await store.list({}, { pageNo: 1, pageSize: 2 });
    expect(page.total).toBe(5);
    expect(page.items.map((f) => f.id)).toEqual([ids[4], ids[3]]);
  });

  it.each([
    ['client', { mqttClientId: 'store-002' }, ['b.csv']],
    ['report', { reportId: 'r-7' }, ['c.log']],
    ['name', { name: 'a.csv' }, ['a.csv']],
    ['name contains, any case', { nameContains: 'CSV' }, ['a.csv', 'b.csv']],
    ['kind', { kinds: ['transfer' as const] }, ['c.log']],
    ['status', { statuses: ['PARTIAL' as const] }, ['d.tmp']],
  ])('filters by %s', async (_label, filter, names) => {
    await putFile(store, bytesOf(10), { name: 'a.csv', mqttClientId: 'store-001' });
    await putFile(store, bytesOf(10), { name: 'b.csv', mqttClientId: 'store-002' });
    await putFile(store, bytesOf(10), { name: 'c.log', kind: 'transfer', reportId: 'r-7' });
    await putFile(store, bytesOf(10), { name: 'd.tmp' }, { complete: false });
    const page = await store.list(filter);
    expect(page.items.map((f) => f.name).sort()).toEqual(names);
  });

  it('filters by client record id', async () => {
    const client = await h.em().findOneOrFail(Client, { mqttClientId: 'store-001' });
    await putFile(store, bytesOf(10), { name: 'mine.csv', clientId: client.id });
    await putFile(store, bytesOf(10), { name: 'other.csv' });
    expect((await store.list({ clientId: client.id })).items.map((f) => f.name)).toEqual(['mine.csv']);
  });

  it('sorts by size when asked', async () => {
    await putFile(store, bytesOf(30), { name: 'm' });
    await putFile(store, bytesOf(10), { name: 's' });
    await putFile(store, bytesOf(50), { name: 'l' });
    expect((await store.list({}, {}, { field: 'size', direction: 'asc' })).items.map((f) => f.name)).toEqual(['s', 'm', 'l']);
  });

  it('refuses a sort field off the list', async () => {
    expect(await refusal(store.list({}, {}, { field: 'sha256' as never }))).toMatchObject({ code: 'INVALID_INPUT', field: 'orderBy.field' });
  });
});

describe('FileStoreService.openContent and readChunk', () => {
  it('streams the whole file, or an inclusive range of it', async () => {
    const bytes = bytesOf(1000);
    const file = await putFile(store, bytes);
    expect(await readAll((await store.openContent(file.id)).stream)).toEqual(bytes);
    expect(await readAll((await store.openContent(file.id, { start: 10, end: 19 })).stream)).toEqual(bytes.subarray(10, 20));
  });

  it('refuses a range outside the file', async () => {
    const file = await putFile(store, bytesOf(100));
    expect(await refusal(store.openContent(file.id, { start: 50, end: 100 }))).toMatchObject({ code: 'INVALID_INPUT', field: 'range' });
  });

  it('refuses a PARTIAL file unless the caller takes partial bytes', async () => {
    const bytes = bytesOf(100);
    const file = await putFile(store, bytes, {}, { complete: false });
    const err = await refusal(store.openContent(file.id));
    expect(err).toMatchObject({ code: 'CONFLICT' });
    expect(err.message).toMatch(/PARTIAL: its bytes are still arriving/);
    expect(await readAll((await store.openContent(file.id, { start: 0, end: 9 }, { allowPartial: true })).stream)).toEqual(bytes.subarray(0, 10));
  });

  it('answers UNAVAILABLE naming the folder when the bytes are gone from disk', async () => {
    const file = await putFile(store, bytesOf(100));
    await fs.unlink(blobOf(file));
    const err = await refusal(store.openContent(file.id));
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain(root);
  });

  it('reads one chunk, shorter at the end of the file', async () => {
    const bytes = bytesOf(1000);
    const file = await putFile(store, bytes);
    expect(await store.readChunk(file.id, 900, 256)).toEqual(bytes.subarray(900));
  });
});

describe('FileStoreService.delete', () => {
  it('removes the record and the bytes', async () => {
    const file = await putFile(store, bytesOf(100));
    expect((await store.delete(file.id)).id).toBe(file.id);
    expect(await refusal(store.get(file.id))).toMatchObject({ code: 'NOT_FOUND' });
    await expect(fs.stat(blobOf(file))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('answers NOT_FOUND for a file already deleted', async () => {
    const file = await putFile(store, bytesOf(10));
    await store.delete(file.id);
    expect(await refusal(store.delete(file.id))).toMatchObject({ code: 'NOT_FOUND', field: 'fileId' });
  });

  it('publishes FILE changes as a file is begun, completed and deleted', async () => {
    const events = pubsub.subscribe('ENTITY_CHANGED');
    const seen: string[] = [];
    const reading = (async () => {
      for await (const e of events) {
        seen.push(`${e.entity} ${e.action}`);
        if (e.action === 'DELETED') break;
      }
    })();
    const file = await putFile(store, bytesOf(10));
    await store.delete(file.id);
    await reading;
    expect(seen).toEqual(['FILE CREATED', 'FILE UPDATED', 'FILE DELETED']);
  });
});
