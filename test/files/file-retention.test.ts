import fs from 'node:fs/promises';
import path from 'node:path';
import { StoredFile } from '../../src/entities';
import type { FileStoreService } from '../../src/files';
import type { FileStoreSettings } from '../../src/services/settings.service';
import { SettingsService } from '../../src/services/settings.service';
import { useServiceHarness } from '../support/services';
import { bytesOf, openStore, putFile } from './support';

const DAY = 86_400_000;
const HOUR = 3_600_000;

const h = useServiceHarness();
let store: FileStoreService;
let root: string;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ store, root, close } = await openStore(h.db.orm, h.clock));
});

afterAll(async () => {
  await close?.();
});

async function settings(patch: Partial<FileStoreSettings>): Promise<void> {
  await new SettingsService(h.ctx()).update('files', { maxAgeDays: 30, maxTotalBytes: 0, partialGraceHours: 24, ...patch });
}

beforeEach(async () => {
  await h.em().nativeDelete(StoredFile, {});
  await settings({});
});

const ids = async () => (await store.list({}, { pageSize: 100 }, { field: 'id' })).items.map((f) => f.id);
const exists = (file: StoredFile) =>
  fs.stat(path.join(root, file.storagePath)).then(
    () => true,
    () => false,
  );

describe('retention by age', () => {
  it('keeps a file until it is maxAgeDays old, then removes its record and its bytes', async () => {
    const file = await putFile(store, bytesOf(100));
    h.clock.advance(30 * DAY - 1000);
    expect(await store.applyRetention()).toMatchObject({ removed: 0 });
    h.clock.advance(2000);
    expect(await store.applyRetention()).toMatchObject({ removed: 1, bytes: 100, files: [{ id: file.id, reason: 'age' }] });
    expect(await ids()).toEqual([]);
    expect(await exists(file)).toBe(false);
  });

  it('keeps files of any age when maxAgeDays is 0', async () => {
    await settings({ maxAgeDays: 0 });
    await putFile(store, bytesOf(100));
    h.clock.advance(3650 * DAY);
    expect((await store.applyRetention()).removed).toBe(0);
  });

  it('leaves a file whose keepUntil has not come, and removes it after', async () => {
    const file = await putFile(store, bytesOf(100));
    await store.keepUntil(file.id, new Date(h.clock.now().getTime() + 40 * DAY));
    h.clock.advance(35 * DAY);
    expect((await store.applyRetention()).removed).toBe(0);
    h.clock.advance(6 * DAY);
    expect((await store.applyRetention()).removed).toBe(1);
  });
});

describe('retention by total size', () => {
  it('removes the oldest complete files when a new one takes the total past maxTotalBytes', async () => {
    await settings({ maxTotalBytes: 1000 });
    const first = await putFile(store, bytesOf(400), { name: 'first' });
    h.clock.advance(1000);
    const second = await putFile(store, bytesOf(400), { name: 'second' });
    h.clock.advance(1000);
    // Completing the third applies retention at once: 1200 bytes > 1000, the oldest goes.
    const third = await putFile(store, bytesOf(400), { name: 'third' });
    expect(await ids()).toEqual([second.id, third.id]);
    expect(await exists(first)).toBe(false);
    expect((await store.usage()).completeBytes).toBe(800);
  });

  it('removes by completion time, not by begin time', async () => {
    await settings({ maxTotalBytes: 1000 });
    const slow = await putFile(store, bytesOf(400), { name: 'slow' }, { complete: false });
    h.clock.advance(1000);
    const quick = await putFile(store, bytesOf(400), { name: 'quick' });
    h.clock.advance(1000);
    await store.complete(slow.id);
    h.clock.advance(1000);
    await putFile(store, bytesOf(400), { name: 'last' });
    expect((await store.list()).items.map((f) => f.name).sort()).toEqual(['last', 'slow']);
    expect(await ids()).not.toContain(quick.id);
  });

  it('counts kept files towards the total without removing them', async () => {
    await settings({ maxTotalBytes: 1000 });
    const kept = await putFile(store, bytesOf(600), { name: 'spool', kind: 'transfer', keepUntil: new Date(h.clock.now().getTime() + DAY) });
    h.clock.advance(1000);
    const other = await putFile(store, bytesOf(300), { name: 'a' });
    h.clock.advance(1000);
    const newest = await putFile(store, bytesOf(300), { name: 'b' });
    expect(await ids()).toEqual([kept.id, newest.id]);
    expect(await ids()).not.toContain(other.id);
  });

  it('sets no bound when maxTotalBytes is 0', async () => {
    for (let i = 0; i < 3; i++) await putFile(store, bytesOf(500));
    expect((await store.list()).total).toBe(3);
  });
});

describe('retention of abandoned files', () => {
  it('removes a PARTIAL file whose last byte is older than partialGraceHours', async () => {
    const file = await putFile(store, bytesOf(100), {}, { complete: false });
    h.clock.advance(24 * HOUR + 1000);
    expect(await store.applyRetention()).toMatchObject({ removed: 1, files: [{ id: file.id, reason: 'abandoned' }] });
    expect(await exists(file)).toBe(false);
  });

  it('keeps a PARTIAL file that still receives bytes', async () => {
    const bytes = bytesOf(100);
    const file = await store.begin({ name: 'slow.bin', size: 100, sha256: 'a'.repeat(64), kind: 'transfer' });
    await store.writeChunk(file.id, 0, bytes.subarray(0, 50));
    h.clock.advance(23 * HOUR);
    await store.writeChunk(file.id, 50, bytes.subarray(50));
    h.clock.advance(2 * HOUR);
    expect((await store.applyRetention()).removed).toBe(0);
  });

  it('removes a FAILED record after the grace period', async () => {
    const file = await store.begin({ name: 'x', size: 10, sha256: 'a'.repeat(64), kind: 'transfer' });
    await store.fail(file.id, 'aborted');
    h.clock.advance(25 * HOUR);
    expect((await store.applyRetention()).files).toEqual([expect.objectContaining({ id: file.id, reason: 'abandoned' })]);
  });
});

describe('retention on a schedule and across gateways', () => {
  it('runs at start and again every retentionEveryMs on the injected timer', async () => {
    const timers: { fn: () => void; ms: number }[] = [];
    const setTimer = (fn: () => void, ms: number) => {
      const t = { fn, ms };
      timers.push(t);
      return () => timers.splice(timers.indexOf(t), 1);
    };
    const other = await openStore(h.db.orm, h.clock, { retentionEveryMs: 5000, setTimer });
    try {
      await putFile(other.store, bytesOf(10));
      other.store.start();
      const first = timers.find((t) => t.ms === 0)!;
      h.clock.advance(31 * DAY);
      timers.splice(timers.indexOf(first), 1);
      first.fn();
      await waitFor(async () => (await other.store.list()).total === 0);
      await waitFor(async () => timers.some((t) => t.ms === 5000));
    } finally {
      await other.close();
    }
    expect(timers).toEqual([]);
  });

  it('removes each file once when two gateways apply it at the same moment', async () => {
    const second = await openStore(h.db.orm, h.clock);
    try {
      for (let i = 0; i < 6; i++) await putFile(store, bytesOf(10));
      h.clock.advance(31 * DAY);
      const [a, b] = await Promise.all([store.applyRetention(), second.store.applyRetention()]);
      expect(a.removed + b.removed).toBe(6);
    } finally {
      await second.close();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
