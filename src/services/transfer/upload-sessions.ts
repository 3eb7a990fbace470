import { createHash, type Hash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { transferSessionTopic, type TransferUp } from '../../protocol';
import { SettingsService } from '../settings.service';
import { progressOf } from './progress';
import { forkOf, messageOf, reportOfRequest, spoolSessionId, type TransferDeps } from './transfer-context';

const gunzipAsync = promisify(gunzip);

type UploadOpen = Extract<TransferUp, { kind: 'upload.open' }>;
type UploadChunk = Extract<TransferUp, { kind: 'upload.chunk' }>;

interface UploadSession {
  fileId: number;
  mqttClientId: string;
  chunkSize: number;
  size: number;
  /** The next chunk to store: chunks are written strictly in order. */
  nextIndex: number;
  /** The index last refused as out of order, so a burst behind a gap is refused once. */
  nackedAt: number;
  lastActivity: number;
  /** A FETCH upload: the operator's request it answers. */
  fetchId?: string;
  progress: ReturnType<typeof progressOf>;
  /** The whole file's hash, fed chunk by chunk as they are written (in order, from byte 0), so close need not read the file again; null after a resume. */
  hash: Hash | null;
  /** The step's report (wire id, with its attempt) and `sessionId` of the stored file; null for a FETCH. */
  reportId: string | null;
  sessionId: string;
  /** The last file of a SEND_FILE step (upload.open fileIndex = fileCount - 1): receivers may pull it while it arrives (§12.5). */
  streamable: boolean;
  /** Bytes in the store, from byte 0 (writes complete in order). */
  storedBytes: number;
  /** The checked SHA-256 of each stored chunk (of `chunkSize`), so serving it to receivers does not hash it again. */
  chunkShas: string[];
  /** The last RECENT_CHUNKS stored chunks of a streamable upload, by index (see recentChunk). */
  recent: Map<number, Buffer>;
  /** Writes queued one after another: the next chunk is checked while the previous one is written. */
  tail: Promise<void>;
  /** Set when a write failed: the session is over. */
  failed?: string;
}

/** What the receivers' side wants to know about uploads in progress (streaming, §12.5). */
export interface UploadWatcher {
  /** `bytes` of `fileId` are in the store, from byte 0. */
  stored(fileId: number, bytes: number): void;
  /** The upload of `fileId` ended: completed, or failed with `error`. */
  ended(fileId: number, error?: string): void;
  /** The last file of a SEND_FILE step of `runId` began: receivers that wait may be offered it now (resolves once they are answered). */
  streaming(runId: number): Promise<void>;
}

/** What the BROADCAST side wants to know about uploads (§12.6). */
export interface BroadcastUploads {
  /** A BROADCAST step's upload is granted next: its members are offered the file first (resolves once they listen, or after a bound). */
  uploading(upload: { mqttClientId: string; fileId: number; reportId: string; taskId: string | number; stepId: string | number }): Promise<void>;
}

/** What the upload sessions ask of the remote folders (FETCH uploads). */
export interface FetchUploads {
  expects(mqttClientId: string, fetchId: string): boolean;
  uploaded(mqttClientId: string, fetchId: string, fileId: number): void;
}

/** A session with no frame for this long no longer counts towards maxConcurrentSession; its PARTIAL file stays for a resume. */
export const UPLOAD_IDLE_MS = 60_000;
/**
 * Chunks of a streamed upload kept in memory once written (the agents' window: 8 MiB of 256 KiB
 * chunks per upload): a receiver that keeps pace with the sender is served them without reading
 * back from the store what was just written (a read and a buffer per chunk).
 */
const RECENT_CHUNKS = 32;
/** While chunks queue behind the one just written, an ack goes every this many (the last chunk taken is always acked). */
const ACK_EVERY = 8;
/** What a session over the bound is told to wait, before it asks again. */
export const UPLOAD_RETRY_AFTER_MS = 2_000;

/**
 * Uploads from agents into the file store (UPLOAD_TO_SERVER, and the spools of SEND_FILE and
 * BROADCAST): grant (or wait, at maxConcurrentSession open sessions), chunks checked and written
 * in order, acked one by one, closed with the whole file's SHA-256. A still-PARTIAL file of the
 * same client, report, step, name and SHA-256 is reused, from the bytes it holds (resume).
 * Sessions live in this gateway's memory: a frame of a session this gateway does not know is
 * answered `upload.failed`, and the agent opens again (and resumes).
 */
export class UploadSessions {
  private readonly sessions = new Map<number, UploadSession>();
  /** Set by the receivers' side (FetchService). */
  watcher?: UploadWatcher;
  /** Set by the BROADCAST side (BroadcastService). */
  broadcasts?: BroadcastUploads;

  constructor(
    private readonly deps: TransferDeps,
    private readonly fetchUploads?: FetchUploads,
  ) {}

  /** Sessions open now (idle ones are dropped first). */
  active(): number {
    const now = Date.now();
    for (const [id, s] of this.sessions) if (now - s.lastActivity > UPLOAD_IDLE_MS) this.sessions.delete(id);
    return this.sessions.size;
  }

  async open(mqttClientId: string, h: UploadOpen): Promise<void> {
    const { files, send, logger } = this.deps;
    const em = forkOf(this.deps.orm);
    const refuse = (reason: string) => send(mqttClientId, { kind: 'upload.refused', requestId: h.requestId, reason });
    let sessionId: string;
    let reportId: string | null = null;
    let keepUntil: Date | null = null;
    let runId: number | undefined;
    if (h.purpose === 'FETCH') {
      // Only a fetch this gateway asked for; another gateway's (or installation's) is not ours to answer.
      if (!h.fetchId || !this.fetchUploads?.expects(mqttClientId, h.fetchId)) return;
      sessionId = `FETCH/${h.fetchId}`;
    } else {
      if (h.reportId === undefined || h.taskId === undefined || h.stepId === undefined) {
        return refuse('reportId, taskId and stepId: required for a step upload');
      }
      const report = await reportOfRequest(em, mqttClientId, h.reportId);
      // Another installation may share the broker: a report this one does not know is not its to answer.
      if (!report) return void logger.debug({ clientId: mqttClientId, reportId: h.reportId }, 'upload for a report this installation does not know: ignored');
      if (report.status !== 'RUNNING' && report.status !== 'PENDING') return refuse(`report ${h.reportId} is ${report.status}`);
      sessionId = spoolSessionId(h.purpose, h.taskId, h.stepId);
      reportId = h.reportId;
      runId = report.runId;
      // A spool must outlive retention while receivers of the run may still fetch it.
      if (h.purpose !== 'UPLOAD_TO_SERVER') keepUntil = report.deadline;
    }
    const existing = (
      await files.list({ mqttClientId, reportId: reportId ?? undefined, sessionId, name: h.name, statuses: ['PARTIAL'] }, { pageSize: 20 })
    ).items.find((f) => f.sha256 === h.sha256 && f.size === h.size);
    const reopening = existing && this.sessions.has(existing.id);
    // The store's size counts only once the chunks already taken are written.
    if (reopening) await this.written(existing.id);
    const { maxConcurrentSession } = await new SettingsService({ em, clock: this.deps.clock }).get('job');
    if (!reopening && this.active() >= maxConcurrentSession) {
      send(mqttClientId, {
        kind: 'upload.wait',
        requestId: h.requestId,
        retryAfterMs: UPLOAD_RETRY_AFTER_MS + Math.floor(Math.random() * 1000),
        reason: `${this.sessions.size} transfer sessions are open on this gateway (job setting maxConcurrentSession = ${maxConcurrentSession})`,
      });
      return;
    }
    let fileId: number;
    let receivedBytes = 0;
    if (existing) {
      fileId = existing.id;
      // Chunks are written in order, so the bytes on disk are a prefix of the file: resume after the last whole chunk.
      const onDisk = (await files.storage.size(existing.storagePath)) ?? 0;
      receivedBytes = Math.min(existing.size, Math.floor(onDisk / h.chunkSize) * h.chunkSize);
    } else {
      try {
        const file = await files.begin({
          name: h.name,
          size: h.size,
          sha256: h.sha256,
          kind: h.purpose === 'UPLOAD_TO_SERVER' ? 'upload' : h.purpose === 'FETCH' ? 'fetch' : 'transfer',
          mqttClientId,
          reportId,
          sessionId,
          keepUntil,
        });
        fileId = file.id;
      } catch (err) {
        return refuse(messageOf(err));
      }
    }
    this.sessions.set(fileId, {
      fileId,
      mqttClientId,
      chunkSize: h.chunkSize,
      size: h.size,
      nextIndex: receivedBytes / h.chunkSize,
      nackedAt: -1,
      lastActivity: Date.now(),
      fetchId: h.purpose === 'FETCH' ? h.fetchId : undefined,
      progress: progressOf(this.deps.pubsub, { fileId, name: h.name, direction: 'UPLOAD', mqttClientId, reportId, size: h.size }),
      hash: receivedBytes === 0 ? createHash('sha256') : null,
      reportId,
      sessionId,
      streamable: h.purpose === 'SEND_FILE' && h.fileCount !== undefined && h.fileIndex === h.fileCount - 1,
      storedBytes: receivedBytes,
      chunkShas: [],
      recent: new Map(),
      tail: Promise.resolve(),
    });
    logger.info({ clientId: mqttClientId, fileId, name: h.name, size: h.size, receivedBytes, purpose: h.purpose }, 'upload granted');
    // The chunks go once on the file's session topic, where receivers offered the file while it arrives listen too (§12.2).
    const chunkTopic = transferSessionTopic(mqttClientId, fileId);
    // Waiting receivers (of a SEND_FILE, or a BROADCAST's stores) are offered the file first: the sooner they listen on the topic, the fewer
    // chunks they must pull because they were published before (a few ms of the sender's start).
    if (runId !== undefined && this.sessions.get(fileId)?.streamable) await this.watcher?.streaming(runId);
    if (h.purpose === 'BROADCAST' && reportId !== null && h.taskId !== undefined && h.stepId !== undefined)
      await this.broadcasts
        ?.uploading({ mqttClientId, fileId, reportId, taskId: h.taskId, stepId: h.stepId })
        .catch((err: unknown) => logger.warn({ err, fileId }, 'offering a broadcast before its upload failed; the stores pull it after the upload'));
    send(mqttClientId, { kind: 'upload.granted', requestId: h.requestId, fileId, chunkSize: h.chunkSize, receivedBytes, chunkTopic });
  }

  /**
   * The file of the SEND_FILE step `sessionId` that `mqttClientId` is uploading now for report
   * `reportId` (any attempt), when it is the step's last file: receivers may pull it while it arrives.
   */
  streamingFile(mqttClientId: string, reportId: string, sessionId: string): number | undefined {
    for (const s of this.sessions.values()) {
      if (s.streamable && !s.failed && s.mqttClientId === mqttClientId && s.sessionId === sessionId && s.reportId?.split('#')[0] === reportId) return s.fileId;
    }
    return undefined;
  }

  /** Resolves once the chunks of `fileId` taken so far are written (and acked, or failed). */
  async written(fileId: number): Promise<void> {
    await this.sessions.get(fileId)?.tail;
  }

  /** Bytes of `fileId` in the store from byte 0, while this gateway takes its upload; undefined otherwise. */
  storedBytes(fileId: number): number | undefined {
    const s = this.sessions.get(fileId);
    return s && !s.failed ? s.storedBytes : undefined;
  }

  /** The checked SHA-256 of chunk `index` (of `chunkSize` bytes) of an upload in progress, when known. */
  chunkSha(fileId: number, index: number, chunkSize: number): string | undefined {
    const s = this.sessions.get(fileId);
    return s?.chunkSize === chunkSize ? s.chunkShas[index] : undefined;
  }

  /** Chunk `index` (of `chunkSize` bytes) of a streamed upload in progress, when it was written recently; undefined otherwise (read it from the store). */
  recentChunk(fileId: number, index: number, chunkSize: number): Buffer | undefined {
    const s = this.sessions.get(fileId);
    return s?.chunkSize === chunkSize ? s.recent.get(index) : undefined;
  }

  /** `quiet`: a chunk from a session topic, which every gateway hears: only the one that granted the upload answers it. */
  private async sessionOf(mqttClientId: string, fileId: number, quiet = false): Promise<UploadSession | undefined> {
    const session = this.sessions.get(fileId);
    if (!session || session.mqttClientId !== mqttClientId) {
      if (quiet) return undefined;
      // Only about a file of this installation (another may share the broker): the agent opens again and resumes.
      const file = await this.deps.files.get(fileId).catch(() => undefined);
      if (file?.mqttClientId === mqttClientId && file.status === 'PARTIAL') {
        this.deps.send(mqttClientId, { kind: 'upload.failed', fileId, reason: `no open upload session for file ${fileId} on this gateway: open it again` });
      }
      return undefined;
    }
    session.lastActivity = Date.now();
    return session;
  }

  async chunk(mqttClientId: string, h: UploadChunk, body: Buffer, fromSession = false): Promise<void> {
    const session = await this.sessionOf(mqttClientId, h.fileId, fromSession);
    if (!session) return;
    const { send } = this.deps;
    const nack = (reason: string) => send(mqttClientId, { kind: 'upload.nack', fileId: h.fileId, index: session.nextIndex, reason });
    // A resend of a chunk already taken (its ack was lost or overtaken): ack it again once it is written.
    if (h.index < session.nextIndex) {
      session.tail = session.tail.then(() => void (session.failed || send(mqttClientId, { kind: 'upload.ack', fileId: h.fileId, index: h.index })));
      return;
    }
    if (h.index > session.nextIndex) {
      if (session.nackedAt === session.nextIndex) return;
      session.nackedAt = session.nextIndex;
      return nack(`chunk ${h.index} arrived before chunk ${session.nextIndex}: send again from ${session.nextIndex}`);
    }
    let data = body;
    if (h.encoding === 'gzip') {
      try {
        data = await gunzipAsync(body, { maxOutputLength: session.chunkSize });
      } catch (err) {
        session.nackedAt = session.nextIndex;
        return nack(`chunk ${h.index} is not valid gzip: ${messageOf(err)}`);
      }
    }
    const expectedLength = Math.min(session.chunkSize, session.size - h.index * session.chunkSize);
    if (h.offset !== h.index * session.chunkSize || data.length !== expectedLength) {
      session.nackedAt = session.nextIndex;
      return nack(`chunk ${h.index} must hold ${expectedLength} bytes at offset ${h.index * session.chunkSize} (got ${data.length} at ${h.offset})`);
    }
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== h.sha256) {
      session.nackedAt = session.nextIndex;
      return nack(`chunk ${h.index}: SHA-256 ${actual} of the bytes received differs from ${h.sha256} in its header`);
    }
    // Taken: the next chunk is checked while this one is written (writes queue in order), so the
    // agent's frames are not held up by a trip through the thread pool each.
    session.nextIndex += 1;
    session.hash?.update(data);
    session.tail = session.tail.then(() => this.write(session, h, data));
  }

  private async write(session: UploadSession, h: UploadChunk, data: Buffer): Promise<void> {
    if (session.failed) return;
    const { send } = this.deps;
    try {
      await this.deps.files.writeChunk(h.fileId, h.offset, data);
    } catch (err) {
      session.failed = `the file store cannot take chunk ${h.index}: ${messageOf(err)}`;
      this.sessions.delete(h.fileId);
      send(session.mqttClientId, { kind: 'upload.failed', fileId: h.fileId, reason: session.failed });
      return this.watcher?.ended(h.fileId, session.failed);
    }
    session.storedBytes = h.offset + data.length;
    session.chunkShas[h.index] = h.sha256;
    if (session.streamable) {
      session.recent.set(h.index, data);
      session.recent.delete(h.index - RECENT_CHUNKS);
    }
    // Acks are cumulative (§12.3): one for the last chunk taken, and one every ACK_EVERY while more
    // are queued behind it, instead of a frame per chunk through the broker each way.
    if (h.index === session.nextIndex - 1 || h.index % ACK_EVERY === ACK_EVERY - 1)
      send(session.mqttClientId, { kind: 'upload.ack', fileId: h.fileId, index: h.index });
    session.progress.update(Math.min(session.size, session.storedBytes));
    this.watcher?.stored(h.fileId, session.storedBytes);
  }

  async close(mqttClientId: string, fileId: number): Promise<void> {
    const session = await this.sessionOf(mqttClientId, fileId);
    if (!session) return;
    await session.tail;
    if (session.failed) return;
    try {
      const whole = session.nextIndex * session.chunkSize >= session.size ? session.hash : null;
      // A digest is taken once: a close that fails (size short) reads the file the next time.
      session.hash = null;
      await this.deps.files.complete(fileId, { hashedWhileWriting: whole?.digest('hex') });
      this.sessions.delete(fileId);
      this.watcher?.ended(fileId);
      this.deps.send(mqttClientId, { kind: 'upload.done', fileId });
      if (session.fetchId) this.fetchUploads?.uploaded(mqttClientId, session.fetchId, fileId);
    } catch (err) {
      // A size short of the declared one leaves the file PARTIAL (the session stays); a SHA-256 that differs fails it.
      const file = await this.deps.files.get(fileId).catch(() => undefined);
      if (file?.status !== 'PARTIAL') {
        this.sessions.delete(fileId);
        this.watcher?.ended(fileId, messageOf(err));
      }
      this.deps.send(mqttClientId, { kind: 'upload.failed', fileId, reason: messageOf(err) });
    }
  }

  async abort(mqttClientId: string, fileId: number, reason: string): Promise<void> {
    const session = this.sessions.get(fileId);
    if (!session || session.mqttClientId !== mqttClientId) return;
    this.sessions.delete(fileId);
    session.failed = `aborted by ${mqttClientId}: ${reason}`;
    this.watcher?.ended(fileId, session.failed);
    await session.tail;
    await this.deps.files.fail(fileId, session.failed).catch(() => undefined);
  }
}
