import type { Readable } from 'node:stream';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { Client, StoredFile } from '../entities';
import type { EntityChangedEvent, LivePubSub } from '../live/pubsub';
import type { Clock } from '../runtime/clock';
import type { Logger } from '../runtime/logger';
import { repeatAfterEach, unrefSetTimer, type SetTimer } from '../runtime/timers';
import { errors } from '../services/errors';
import { parseFilter, storedFileFilterSchema, type StoredFileFilter } from '../services/schemas/filter.schema';
import { applyNameFilter, applyTimeRanges, type Where } from '../services/filters';
import { orderByOf, type FileOrderField, type OrderBy } from '../services/ordering';
import type { Page, PageRequest } from '../services/paging';
import { entityPage } from '../services/relation-pages';
import type { BlobStorage, ByteRange } from './blob-storage';
import { readFileStoreSettings, type FileStoreSettings } from './file-store.settings';
import { deleteExpiredRows, readUsage, type FileStoreUsage, type RemovedFile } from './file-retention';
import { OpenReaders } from './open-readers';
import { OpenWriters, type WritingFile } from './open-writers';
import { checkBeginInput, newBlobKey, type BeginFileInput } from './stored-file.rules';

/** A stored file's record, as every method returns it. */
export type StoredFileRow = StoredFile;

/** Filters of `list`; every field given must hold. */
export type { StoredFileFilter } from '../services/schemas/filter.schema';

export interface OpenedContent {
  file: StoredFileRow;
  /** The bytes asked for; undefined: the whole file. */
  range?: ByteRange;
  stream: Readable;
}

export interface RetentionResult {
  removed: number;
  bytes: number;
  files: RemovedFile[];
}

export interface FileStoreServiceOptions {
  orm: MikroORM;
  storage: BlobStorage;
  clock: Clock;
  logger: Logger;
  /** Where FILE change events go (dashboards refresh their lists). */
  pubsub?: LivePubSub;
  /** How often `start()` applies retention (default 10 minutes); it also runs after every completed file. */
  retentionEveryMs?: number;
  setTimer?: SetTimer;
}

/** `updatedAt` is written at most this often while chunks arrive: retention only needs hours. */
const TOUCH_EVERY_MS = 60_000;
const WRITER_SWEEP_MS = 10_000;

/**
 * The management server's file store: metadata in PostgreSQL (`stored_file`, so every gateway on
 * the database agrees), bytes in a BlobStorage. A file is begun (PARTIAL), written in chunks at
 * any offsets, then completed: its bytes are streamed once to check size and SHA-256. One
 * instance per gateway (it keeps the open writers and the retention timer); every method runs on
 * its own EntityManager fork, so the transfer code calls it as the front doors do.
 * Decisions: docs/files.md.
 */
export class FileStoreService {
  private readonly orm: MikroORM;
  readonly storage: BlobStorage;
  private readonly clock: Clock;
  /** The store's logger (part: files), for the code that streams its files. */
  readonly logger: Logger;
  private readonly pubsub?: LivePubSub;
  private readonly retentionEveryMs: number;
  private readonly setTimer: SetTimer;
  private readonly writers: OpenWriters;
  private readonly readers: OpenReaders;
  private retention: Promise<unknown> = Promise.resolve();
  private stopTimers: (() => void)[] = [];

  constructor({ orm, storage, clock, logger, pubsub, retentionEveryMs = 600_000, setTimer = unrefSetTimer }: FileStoreServiceOptions) {
    this.orm = orm;
    this.storage = storage;
    this.clock = clock;
    this.logger = logger.child({ part: 'files' });
    this.pubsub = pubsub;
    this.retentionEveryMs = retentionEveryMs;
    this.setTimer = setTimer;
    this.writers = new OpenWriters(storage, () => Date.now());
    this.readers = new OpenReaders(storage, () => Date.now());
  }

  private em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  private publish(action: EntityChangedEvent['action'], id: number): void {
    this.pubsub?.publish('ENTITY_CHANGED', { entity: 'FILE', action, id, at: this.clock.now().getTime() });
  }

  /** The retention settings (settings section `files`). */
  settings(): Promise<FileStoreSettings> {
    return readFileStoreSettings(this.em());
  }

  /**
   * Starts a file: a PARTIAL row and an empty blob. Throws INVALID_INPUT naming the field (a size
   * over the store's maxTotalBytes included), NOT_FOUND for an unknown clientId.
   */
  async begin(input: BeginFileInput): Promise<StoredFileRow> {
    const checked = checkBeginInput(input, (await this.settings()).maxTotalBytes);
    const em = this.em();
    let client: Client | null = null;
    if (checked.clientId) {
      client = await em.findOne(Client, { id: checked.clientId });
      if (!client) throw errors.notFound('client', checked.clientId);
    } else if (checked.mqttClientId) {
      client = await em.findOne(Client, { mqttClientId: checked.mqttClientId });
    }
    const now = this.clock.now();
    const file = em.create(StoredFile, {
      client,
      mqttClientId: client?.mqttClientId ?? checked.mqttClientId ?? null,
      reportId: checked.reportId ?? null,
      sessionId: checked.sessionId ?? null,
      kind: checked.kind,
      status: 'PARTIAL',
      name: checked.name,
      storagePath: newBlobKey(now),
      size: checked.size,
      sha256: checked.sha256,
      createdAt: now,
      updatedAt: now,
      keepUntil: checked.keepUntil ?? null,
    });
    await em.flush();
    try {
      // The blob exists from the start, so an empty file completes and a resumed one is found.
      await this.writers.write(this.writingOf(file), 0, Buffer.alloc(0));
    } catch (err) {
      await em.nativeDelete(StoredFile, { id: file.id });
      throw errors.unavailable(`cannot create file ${file.id} in the file store at ${this.storage.location}: ${(err as Error).message}`);
    }
    this.logger.info({ fileId: file.id, name: file.name, size: file.size, kind: file.kind, sessionId: file.sessionId }, 'file begun');
    this.publish('CREATED', file.id);
    return file;
  }

  private writingOf(file: StoredFile): WritingFile {
    return { id: file.id, key: file.storagePath, size: file.size, touchedAt: file.updatedAt.getTime() };
  }

  /**
   * Writes `bytes` at `offset` of a PARTIAL file. INVALID_INPUT when the chunk does not fit in the
   * declared size, CONFLICT when the file is no longer PARTIAL, NOT_FOUND when it does not exist.
   */
  async writeChunk(id: number, offset: number, bytes: Buffer): Promise<void> {
    let file = this.writers.cached(id);
    if (!file) {
      const row = await this.get(id);
      if (row.status !== 'PARTIAL') throw errors.conflict('fileId', `file ${id} is ${row.status}: it takes no more bytes`);
      file = this.writingOf(row);
    }
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + bytes.length > file.size) {
      throw errors.invalid('offset', `a chunk within the file's ${file.size} bytes (this one covers ${offset} to ${offset + bytes.length})`, offset);
    }
    await this.writers.write(file, offset, bytes);
    const now = this.clock.now();
    if (now.getTime() - file.touchedAt >= TOUCH_EVERY_MS) {
      file.touchedAt = now.getTime();
      await this.em().nativeUpdate(StoredFile, { id, status: 'PARTIAL' }, { updatedAt: now });
    }
  }

  /**
   * Checks a PARTIAL file's bytes (size, then SHA-256, streamed once) and marks it COMPLETE; a
   * COMPLETE file is returned as it is. Too few or too many bytes: INVALID_INPUT `size`, the file
   * stays PARTIAL (write the rest, complete again). A SHA-256 that differs: INVALID_INPUT
   * `sha256`, the file becomes FAILED and its bytes are removed. Retention runs afterwards.
   * `hashedWhileWriting`: the SHA-256 of all the bytes, from a caller that wrote them all in order.
   */
  async complete(id: number, { hashedWhileWriting }: { hashedWhileWriting?: string } = {}): Promise<StoredFileRow> {
    const file = await this.get(id);
    if (file.status === 'COMPLETE') return file;
    if (file.status === 'FAILED') throw errors.conflict('fileId', `file ${id} FAILED (${file.message ?? 'no reason given'}): begin it again`);
    await this.writers.close(id);
    const onDisk = await this.storage.size(file.storagePath);
    if (onDisk !== file.size) {
      throw errors.invalid('size', `${file.size} bytes in file ${id}: the store holds ${onDisk ?? 'none'} of them; write the rest and complete again`);
    }
    const started = Date.now();
    // A writer that hashed every byte as it wrote them in order (an upload not resumed) spares the second read.
    const sha256 = hashedWhileWriting ?? (await this.storage.sha256(file.storagePath));
    if (sha256 !== file.sha256) {
      const message = `sha256: expected ${file.sha256} (declared when the file was begun), the bytes stored hash to ${sha256}`;
      await this.fail(id, message);
      throw errors.invalid('sha256', `${file.sha256} for file ${id}, the bytes stored hash to ${sha256}; the file FAILED`);
    }
    const now = this.clock.now();
    const changed = await this.em().nativeUpdate(StoredFile, { id, status: 'PARTIAL' }, { status: 'COMPLETE', completedAt: now, updatedAt: now });
    const done = await this.get(id);
    if (changed) {
      this.logger.info({ fileId: id, name: done.name, size: done.size, kind: done.kind, hashMs: Date.now() - started }, 'file complete');
      this.publish('UPDATED', id);
      await this.applyRetentionSafely();
    }
    return done;
  }

  /** Marks a file FAILED with `message` and removes its bytes (an aborted transfer); a COMPLETE file is left as it is. */
  async fail(id: number, message: string): Promise<StoredFileRow> {
    const file = await this.get(id);
    if (file.status === 'COMPLETE') return file;
    await this.writers.close(id);
    await this.readers.close(file.storagePath);
    await this.em().nativeUpdate(StoredFile, { id, status: { $ne: 'COMPLETE' } }, { status: 'FAILED', message, updatedAt: this.clock.now() });
    await this.storage.remove(file.storagePath);
    this.logger.warn({ fileId: id, name: file.name, message }, 'file failed');
    this.publish('UPDATED', id);
    return this.get(id);
  }

  /** Keeps a file from retention until `until` (null: retention applies again). */
  async keepUntil(id: number, until: Date | null): Promise<StoredFileRow> {
    await this.get(id);
    await this.em().nativeUpdate(StoredFile, { id }, { keepUntil: until });
    return this.get(id);
  }

  /** NOT_FOUND (`fileId`) when there is no such file. */
  async get(id: number): Promise<StoredFileRow> {
    if (!Number.isInteger(id) || id < 1) throw errors.invalid('fileId', 'a positive integer id', id);
    const file = await this.em().findOne(StoredFile, { id });
    if (!file) throw errors.notFound('file', id);
    return file;
  }

  /** One page of files matching `filter`, newest first unless `orderBy` says otherwise. */
  async list(raw: StoredFileFilter = {}, page: PageRequest = {}, orderBy?: OrderBy<FileOrderField> | null): Promise<Page<StoredFileRow>> {
    const filter = parseFilter(storedFileFilterSchema, raw);
    const where: Where<StoredFile> = {};
    if (filter.clientId != null) where.client = filter.clientId;
    if (filter.mqttClientId) where.mqttClientId = filter.mqttClientId;
    if (filter.reportId) where.reportId = filter.reportId;
    if (filter.sessionId) where.sessionId = filter.sessionId;
    if (filter.kinds?.length) where.kind = { $in: [...filter.kinds] };
    if (filter.statuses?.length) where.status = { $in: [...filter.statuses] };
    applyNameFilter(where, 'name', filter.name, filter.nameContains);
    applyTimeRanges<StoredFile>(where, { createdAt: filter.createdAt, completedAt: filter.completedAt });
    return entityPage(this.em(), StoredFile, where, orderByOf('file', orderBy ?? { field: 'id', direction: 'desc' }), page);
  }

  /**
   * A stream of the file's bytes, or of `range` (inclusive) of them. Only COMPLETE files (CONFLICT
   * otherwise) unless `allowPartial` (a transfer serving what arrived so far). INVALID_INPUT
   * `range` outside the file; UNAVAILABLE when the bytes are not in this gateway's storage.
   */
  async openContent(
    id: number,
    range?: ByteRange,
    { allowPartial = false, highWaterMark }: { allowPartial?: boolean; highWaterMark?: number } = {},
  ): Promise<OpenedContent> {
    const file = await this.get(id);
    if (file.status !== 'COMPLETE' && !(allowPartial && file.status === 'PARTIAL')) {
      throw errors.conflict('fileId', `file ${id} is ${file.status}: ${file.status === 'PARTIAL' ? 'its bytes are still arriving' : 'its bytes were removed'}`);
    }
    if (
      range &&
      !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.start <= range.end && range.end < file.size)
    ) {
      throw errors.invalid('range', `start <= end within 0 to ${file.size - 1} (the file's bytes)`, range);
    }
    await this.checkBytesPresent(file);
    return { file, range, stream: this.storage.createReadStream(file.storagePath, range, { highWaterMark }) };
  }

  /** Up to `length` bytes at `offset` (a transfer's chunk), from a COMPLETE or PARTIAL file. */
  async readChunk(id: number, offset: number, length: number): Promise<Buffer> {
    const file = await this.get(id);
    if (file.status === 'FAILED') throw errors.conflict('fileId', `file ${id} FAILED: its bytes were removed`);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > file.size) throw errors.invalid('offset', `an offset from 0 to ${file.size}`, offset);
    if (!Number.isSafeInteger(length) || length < 0) throw errors.invalid('length', 'a non-negative integer', length);
    return this.readers.readAt(file.storagePath, offset, Math.min(length, file.size - offset));
  }

  /**
   * Up to `length` bytes at `offset` of the blob `key`, through a reader kept open (no database
   * read): for transfers serving the chunks of files they already hold the record of.
   */
  readBlob(key: string, offset: number, length: number): Promise<Buffer> {
    return this.readers.readAt(key, offset, length);
  }

  private async checkBytesPresent(file: StoredFile): Promise<void> {
    const onDisk = await this.storage.size(file.storagePath);
    if (onDisk === undefined || (file.status === 'COMPLETE' && onDisk !== file.size)) {
      this.logger.error({ fileId: file.id, key: file.storagePath, onDisk, size: file.size, location: this.storage.location }, 'stored file bytes missing');
      throw errors.unavailable(
        `the bytes of file ${file.id} are not in the file store at ${this.storage.location}: gateways that share a database must share that folder (SDES_FILES_DIR)`,
      );
    }
  }

  /** Deletes the record, then the bytes; returns the record as it was. */
  async delete(id: number): Promise<StoredFileRow> {
    const file = await this.get(id);
    const deleted = await this.em().nativeDelete(StoredFile, { id });
    if (!deleted) throw errors.notFound('file', id);
    await this.writers.close(id);
    await this.readers.close(file.storagePath);
    await this.storage.remove(file.storagePath);
    this.logger.info({ fileId: id, name: file.name, size: file.size }, 'file deleted');
    this.publish('DELETED', id);
    return file;
  }

  /** What the store holds. */
  usage(): Promise<FileStoreUsage> {
    return readUsage(this.em());
  }

  /**
   * Removes what the retention settings say must go (file-retention.ts): by age, abandoned
   * PARTIAL/FAILED files, then the oldest COMPLETE files over the total size. Calls in one gateway
   * never overlap (a call waits for the one in progress, then runs).
   */
  applyRetention(now: Date = this.clock.now()): Promise<RetentionResult> {
    const run = this.retention.then(() => this.retain(now));
    this.retention = run.catch(() => undefined);
    return run;
  }

  private async retain(now: Date): Promise<RetentionResult> {
    const settings = await this.settings();
    const files = await deleteExpiredRows(this.em(), settings, now);
    for (const file of files) {
      await this.writers.close(file.id);
      await this.readers.close(file.storagePath);
      try {
        await this.storage.remove(file.storagePath);
      } catch (err) {
        this.logger.warn({ err, fileId: file.id, key: file.storagePath }, 'cannot remove the bytes of a file retention removed');
      }
      this.publish('DELETED', file.id);
    }
    const bytes = files.reduce((sum, f) => sum + (f.status === 'COMPLETE' ? f.size : 0), 0);
    if (files.length) this.logger.info({ removed: files.length, bytes, files: files.map((f) => ({ id: f.id, reason: f.reason })) }, 'retention removed files');
    return { removed: files.length, bytes, files };
  }

  private async applyRetentionSafely(): Promise<void> {
    try {
      await this.applyRetention();
    } catch (err) {
      this.logger.error({ err }, 'file retention failed');
    }
  }

  /** Applies retention now and every `retentionEveryMs`, and closes idle writers. */
  start(): void {
    if (this.stopTimers.length) return;
    this.stopTimers = [
      repeatAfterEach(this.setTimer, this.retentionEveryMs, () => this.applyRetentionSafely(), 0),
      repeatAfterEach(this.setTimer, WRITER_SWEEP_MS, () => Promise.all([this.writers.sweep(), this.readers.sweep()])),
    ];
  }

  /** Stops the timers, waits for retention in progress and closes the writers. */
  async stop(): Promise<void> {
    for (const stop of this.stopTimers) stop();
    this.stopTimers = [];
    await this.retention;
    await this.writers.closeAll();
    await this.readers.closeAll();
  }
}
