import { createHash, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { StoredFileRow } from '../../files';
import { DEFAULT_TRANSFER_CHUNK_BYTES, transferSessionTopic, type TransferUp } from '../../protocol';
import { progressOf } from './progress';
import { dispatchedScript, pairedSendStep, senderStates } from './send-pairing';
import { forkOf, messageOf, reportOfRequest, type TransferDeps } from './transfer-context';
import type { UploadSessions, UploadWatcher } from './upload-sessions';

const gzipAsync = promisify(gzip);

type FetchOpen = Extract<TransferUp, { kind: 'fetch.open' }>;
type FetchGet = Extract<TransferUp, { kind: 'fetch.get' }>;

/** How long a receiver waits before asking again while its SERVER has not sent yet. */
export const FETCH_RETRY_AFTER_MS = 2_000;
const FINAL_STATUSES = new Set(['SUCCESS', 'FAILED', 'NOT_EXECUTE']);
/** A fetch.get of chunks not uploaded yet waits at most this long for them (then fetch.error: the receiver's step retries). */
export const PARKED_MAX_MS = 120_000;
/** Parked chunks of a file another gateway takes the upload of are looked for in the store this often. */
const PARKED_CHECK_MS = 1_000;

interface Parked {
  mqttClientId: string;
  file: GrantedFile;
  chunkSize: number;
  index: number;
  encoding?: 'identity' | 'gzip';
  since: number;
}

/**
 * Receivers' side of the store: RECV_FILE asks which files its paired SEND_FILE put in the store
 * (`fetch.open` → offer, wait, or refused), then pulls their chunks (`fetch.get` → `fetch.data`),
 * at its own pace: the receiver asks for the next chunks only when it has room, so a slow store
 * never floods the broker. Chunks are served only of files offered to that client (grants live in
 * this gateway's memory: a client whose grant is unknown here is answered `fetch.error` and opens again).
 */
export class FetchService implements UploadWatcher {
  /** grant → what it lets pull. */
  private readonly grants = new Map<string, { mqttClientId: string; files: Map<number, GrantedFile>; chunkSize: number }>();

  /** Receivers told fetch.wait, by client and step: their offer is pushed when a sender of the run is done. */
  private readonly waiters = new Map<string, { mqttClientId: string; open: FetchOpen; runId: number; until: number }>();
  private watching?: AsyncIterableIterator<{ level: string; runId: number; status: string; taskId?: number }>;
  /** fileId → chunks asked for before they were uploaded (streaming, §12.5). */
  private readonly parked = new Map<number, Parked[]>();
  private parkedTimer?: NodeJS.Timeout;

  constructor(
    private readonly deps: TransferDeps,
    readonly chunkSize = DEFAULT_TRANSFER_CHUNK_BYTES,
    private readonly uploads?: UploadSessions,
  ) {}

  /** UploadWatcher: serves the parked chunks now in the store. */
  stored(fileId: number, bytes: number): void {
    const waiting = this.parked.get(fileId);
    if (!waiting) return;
    const ready = waiting.filter((p) => this.endOf(p) <= bytes);
    if (!ready.length) return;
    this.unpark(fileId, ready);
    for (const p of ready) this.serveSafely(p.mqttClientId, fileId, p.file, p.chunkSize, p.index, p.encoding);
  }

  /** UploadWatcher: the upload ended; parked chunks are served (completed) or answered fetch.error (failed). */
  ended(fileId: number, error?: string): void {
    const waiting = this.parked.get(fileId);
    if (!waiting) return;
    this.unpark(fileId, waiting);
    for (const p of waiting) {
      if (error)
        this.deps.send(p.mqttClientId, { kind: 'fetch.error', fileId, index: p.index, reason: `the sender's upload of file ${fileId} failed: ${error}` });
      else this.serveSafely(p.mqttClientId, fileId, p.file, p.chunkSize, p.index, p.encoding);
    }
  }

  /** UploadWatcher: a SEND_FILE's last file began; receivers of the run that wait are answered again (they may stream it). */
  async streaming(runId: number): Promise<void> {
    await this.answerWaiters((w) => w.runId === runId).catch((err: unknown) => this.deps.logger.warn({ err, runId }, 'offering a streamed file failed'));
  }

  private endOf(p: Parked): number {
    return Math.min(p.file.size, (p.index + 1) * p.chunkSize);
  }

  private unpark(fileId: number, done: Parked[]): void {
    const left = (this.parked.get(fileId) ?? []).filter((p) => !done.includes(p));
    if (left.length) this.parked.set(fileId, left);
    else this.parked.delete(fileId);
  }

  private park(p: Parked, fileId: number): void {
    this.parked.set(fileId, [...(this.parked.get(fileId) ?? []), p]);
    this.parkedTimer ??= setInterval(() => void this.checkParked(), PARKED_CHECK_MS);
    this.parkedTimer.unref?.();
  }

  /**
   * Parked chunks of uploads this gateway does not take (another gateway of the installation
   * does, or it ended): looked for in the store; too old ones are answered fetch.error.
   */
  private async checkParked(): Promise<void> {
    const now = Date.now();
    for (const [fileId, waiting] of [...this.parked]) {
      if (this.uploads?.storedBytes(fileId) !== undefined) {
        const old = waiting.filter((p) => now - p.since > PARKED_MAX_MS);
        this.unpark(fileId, old);
        for (const p of old)
          this.deps.send(p.mqttClientId, {
            kind: 'fetch.error',
            fileId,
            index: p.index,
            reason: `chunk ${p.index} of file ${fileId} was not uploaded within ${PARKED_MAX_MS / 1000} s`,
          });
        continue;
      }
      const row = await this.deps.files.get(fileId).catch(() => undefined);
      if (!row || row.status === 'FAILED') {
        this.ended(fileId, row?.message ?? 'the file is gone from the store');
        continue;
      }
      if (row.status === 'COMPLETE') {
        this.ended(fileId);
        continue;
      }
      const onDisk = (await this.deps.files.storage.size(row.storagePath).catch(() => 0)) ?? 0;
      this.stored(fileId, onDisk);
    }
    if (!this.parked.size && this.parkedTimer) {
      clearInterval(this.parkedTimer);
      this.parkedTimer = undefined;
    }
  }

  private serveSafely(mqttClientId: string, fileId: number, file: GrantedFile, chunkSize: number, index: number, encoding?: 'identity' | 'gzip'): void {
    this.serve(mqttClientId, fileId, file, chunkSize, index, encoding).catch((err: unknown) =>
      this.deps.logger.warn({ err, clientId: mqttClientId, fileId, index }, 'serving a chunk failed'),
    );
  }

  /** Reads one chunk through the store's open reader and sends it as fetch.data (fetch.error when it cannot be read). */
  private async serve(
    mqttClientId: string,
    fileId: number,
    file: GrantedFile,
    chunkSize: number,
    index: number,
    encoding?: 'identity' | 'gzip',
  ): Promise<void> {
    const { send } = this.deps;
    const offset = index * chunkSize;
    const length = Math.min(chunkSize, file.size - offset);
    let data: Buffer;
    try {
      // Offered files never change once written: their bytes come straight from the storage (or
      // from memory, just written by a streamed upload), without a database read per chunk (a
      // removed file fails the read and is reported).
      data = this.uploads?.recentChunk(fileId, index, chunkSize) ?? (await this.deps.files.readBlob(file.key, offset, length));
      if (data.length !== length) throw new Error(`${data.length} of the chunk's ${length} bytes are there`);
    } catch (err) {
      return send(mqttClientId, { kind: 'fetch.error', fileId, index, reason: `file ${fileId} cannot be read from the store: ${messageOf(err)}` });
    }
    // The upload checked each chunk's SHA-256 as it arrived: served while it is known, hashed otherwise.
    const sha256 = this.uploads?.chunkSha(fileId, index, chunkSize) ?? createHash('sha256').update(data).digest('hex');
    const body = encoding === 'gzip' ? await gzipAsync(data) : data;
    send(mqttClientId, { kind: 'fetch.data', fileId, index, sha256, encoding }, body);
    // Progress counts each chunk once, however often it is asked for.
    file.served.add(index);
    file.progress.update(Math.min(file.size, Math.max(file.reported, file.served.size * chunkSize)));
  }

  /** A receiver that takes the file from its sender's session topic says how far it got (fetch.progress): the transfer's progress. */
  progress(mqttClientId: string, grantId: string, fileId: number, bytes: number): void {
    const grant = this.grants.get(grantId);
    const file = grant?.mqttClientId === mqttClientId ? grant.files.get(fileId) : undefined;
    if (!grant || !file) return;
    file.reported = Math.min(file.size, Math.max(file.reported, bytes));
    file.progress.update(Math.max(file.reported, file.served.size * grant.chunkSize));
  }

  /**
   * Watches the executions' progress while receivers wait: a SEND_FILE step or a SERVER report of
   * their run that ends makes the gateway answer the waiting fetch.open again, unasked (an offer,
   * or a refusal), so a receiver does not wait out its retryAfterMs. Asking again stays the fallback.
   */
  private watch(): void {
    const pubsub = this.deps.pubsub;
    if (!pubsub || this.watching) return;
    const events = (this.watching = pubsub.subscribe('EXECUTION_PROGRESS'));
    void (async () => {
      for await (const e of events) {
        if ((e.level !== 'STEP' && e.level !== 'REPORT') || !FINAL_STATUSES.has(e.status)) continue;
        await this.answerWaiters((w) => w.runId === e.runId && (e.level === 'REPORT' || e.taskId === Number(w.open.taskId)));
        if (!this.waiters.size) break;
      }
      this.watching = undefined;
    })();
  }

  /** Answers again, unasked, the waiting receivers `which` picks (a sender of their run moved on). */
  private async answerWaiters(which: (w: { runId: number; open: FetchOpen }) => boolean): Promise<void> {
    const now = Date.now();
    // A copy: open() may put the waiter back (still waiting).
    for (const [key, w] of [...this.waiters]) {
      if (w.until < now) this.waiters.delete(key);
      else if (which(w)) {
        this.waiters.delete(key);
        this.deps.logger.debug({ clientId: w.mqttClientId, requestId: w.open.requestId }, 'a sender of the run moved on: answering the waiting receiver again');
        await this.open(w.mqttClientId, w.open, true).catch((err: unknown) => this.deps.logger.warn({ err }, 'pushing a fetch offer failed'));
      }
    }
  }

  /**
   * Lets `mqttClientId` pull the chunks of `fileIds` (an offer, a broadcast delivery); the grant
   * goes back with every fetch.get. It starts with the installation id: a gateway of another
   * installation sharing the broker ignores it, one of this installation that does not know it
   * (restarted, or not the one that offered) answers fetch.error and the receiver opens again.
   */
  grant(mqttClientId: string, files: readonly StoredFileRow[]): string {
    const id = `${this.deps.installation}:${randomUUID()}`;
    const granted = files.map((f): [number, GrantedFile] => [
      f.id,
      {
        key: f.storagePath,
        growing: f.status === 'PARTIAL',
        size: f.size,
        served: new Set(),
        reported: 0,
        progress: progressOf(this.deps.pubsub, { fileId: f.id, name: f.name, direction: 'DOWNLOAD', mqttClientId, reportId: null, size: f.size }),
      },
    ]);
    this.grants.set(id, { mqttClientId, files: new Map(granted), chunkSize: this.chunkSize });
    return id;
  }

  /** `pushed`: an answer sent unasked to a receiver that waits (watch()); another wait is then not sent again. */
  async open(mqttClientId: string, h: FetchOpen, pushed = false): Promise<void> {
    const { send } = this.deps;
    const refuse = (reason: string) => send(mqttClientId, { kind: 'fetch.refused', requestId: h.requestId, reason });
    const em = forkOf(this.deps.orm);
    const report = await reportOfRequest(em, mqttClientId, h.reportId);
    // Another installation may share the broker: a report this one does not know is not its to answer.
    if (!report)
      return void this.deps.logger.debug({ clientId: mqttClientId, reportId: h.reportId }, 'fetch for a report this installation does not know: ignored');
    const task = await dispatchedScript(em, report.id, h.taskId);
    if (!task) return refuse(`task ${h.taskId} is not part of report ${h.reportId}`);
    const { send: sendStep, recv } = pairedSendStep(task.script, h.stepId);
    if (!recv) return refuse(`step ${h.stepId} is not a step of task ${h.taskId}`);
    if (!sendStep) return refuse(`task ${h.taskId} has no SEND_FILE step before RECV_FILE step ${h.stepId}: nothing pairs with it`);
    const senders = await senderStates(em, report.runId, h.taskId, sendStep.id, this.uploads);
    if (!senders.length) return refuse(`run ${report.runId} has no SERVER client: nobody sends the file of SEND_FILE step ${sendStep.id}`);
    const waiting = senders.filter((s) => s.state === 'waiting').map((s) => s.mqttClientId);
    if (waiting.length) {
      // The receiver waits retryAfterMs for a push of the same requestId before it asks again.
      this.waiters.set(`${mqttClientId}/${h.reportId}/${h.taskId}/${h.stepId}`, {
        mqttClientId,
        open: h,
        runId: report.runId,
        // Until well after the receiver's next ask (which replaces this entry): a push never falls in between.
        until: Date.now() + 2 * FETCH_RETRY_AFTER_MS + 1_000,
      });
      this.watch();
      if (pushed) return;
      return send(mqttClientId, {
        kind: 'fetch.wait',
        requestId: h.requestId,
        retryAfterMs: FETCH_RETRY_AFTER_MS,
        reason: `waiting for SERVER client${waiting.length === 1 ? '' : 's'} ${waiting.join(', ')} to send (SEND_FILE step ${sendStep.id})`,
        waitingFor: waiting,
      });
    }
    const ready = senders.filter((s) => s.state === 'ready');
    if (!ready.length) return refuse(senders.map((s) => s.reason).join('; '));
    const files = ready.flatMap((s) => s.files);
    send(mqttClientId, {
      kind: 'fetch.offer',
      requestId: h.requestId,
      grant: this.grant(mqttClientId, files),
      chunkSize: this.chunkSize,
      files: files.slice(0, 200).map((f) => ({
        fileId: f.id,
        name: f.name,
        size: f.size,
        sha256: f.sha256,
        // Still arriving through this gateway: its sender publishes the chunks once on the session
        // topic; the receiver takes them there and pulls only what it missed (§12.5).
        stream: f.mqttClientId && this.uploads?.storedBytes(f.id) !== undefined ? transferSessionTopic(f.mqttClientId, f.id) : undefined,
      })),
      targetFilePath: sendStep.targetFilePath ?? null,
    });
  }

  /**
   * Serves a run of chunks: each is read and sent on its own (the reads overlap, bound by the
   * receiver's window). A chunk the sender has not uploaded yet (a file offered while it arrives)
   * is parked and sent the moment it is in the store.
   */
  async get(mqttClientId: string, h: FetchGet): Promise<void> {
    const { send } = this.deps;
    const grant = this.grants.get(h.grant);
    const file = grant?.mqttClientId === mqttClientId ? grant.files.get(h.fileId) : undefined;
    if (!grant || !file) {
      // Another installation's grant is not ours to answer; one of ours we do not know: open again.
      if (h.grant.startsWith(`${this.deps.installation}:`)) {
        send(mqttClientId, {
          kind: 'fetch.error',
          fileId: h.fileId,
          reason: `file ${h.fileId} was not offered to ${mqttClientId} on this gateway: open again`,
          reopen: true,
        });
      }
      return;
    }
    const chunks = Math.max(1, Math.ceil(file.size / grant.chunkSize));
    if (h.index >= chunks)
      return send(mqttClientId, { kind: 'fetch.error', fileId: h.fileId, index: h.index, reason: `file ${h.fileId} has ${chunks} chunks` });
    const uploaded = file.growing ? this.uploads?.storedBytes(h.fileId) : undefined;
    if (file.growing && uploaded === undefined) {
      // No upload of it here (done, or taken by another gateway): complete files are served as they are.
      const row = await this.deps.files.get(h.fileId).catch(() => undefined);
      if (row?.status === 'COMPLETE') file.growing = false;
    }
    for (let index = h.index; index < Math.min(chunks, h.index + h.count); index++) {
      const p: Parked = { mqttClientId, file, chunkSize: grant.chunkSize, index, encoding: h.encoding, since: Date.now() };
      if (file.growing && (uploaded === undefined || this.endOf(p) > uploaded)) this.park(p, h.fileId);
      else this.serveSafely(mqttClientId, h.fileId, file, grant.chunkSize, index, h.encoding);
    }
  }
}

interface GrantedFile {
  /** The BlobStorage key. */
  key: string;
  /** Offered while its upload was in progress: chunks not in the store yet wait for it. */
  growing: boolean;
  size: number;
  served: Set<number>;
  /** Bytes the receiver says it holds (fetch.progress, a file taken from its session topic). */
  reported: number;
  progress: ReturnType<typeof progressOf>;
}
