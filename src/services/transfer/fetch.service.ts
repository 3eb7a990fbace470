import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { DEFAULT_TRANSFER_CHUNK_BYTES, type TransferUp } from '../../protocol';
import { pairedSendStep, senderStates } from './send-pairing';
import { forkOf, messageOf, reportOfRequest, type TransferDeps } from './transfer-context';

const gzipAsync = promisify(gzip);

type FetchOpen = Extract<TransferUp, { kind: 'fetch.open' }>;
type FetchGet = Extract<TransferUp, { kind: 'fetch.get' }>;

/** How long a receiver waits before asking again while its SERVER has not sent yet. */
export const FETCH_RETRY_AFTER_MS = 2_000;

/**
 * Receivers' side of the store: RECV_FILE asks which files its paired SEND_FILE put in the store
 * (`fetch.open` → offer, wait, or refused), then pulls their chunks (`fetch.get` → `fetch.data`),
 * at its own pace: the receiver asks for the next chunks only when it has room, so a slow store
 * never floods the broker. Chunks are served only of files offered to that client (grants live in
 * this gateway's memory: a client whose grant is unknown here is answered `fetch.error` and opens again).
 */
export class FetchService {
  private readonly grants = new Map<string, { chunkSize: number; at: number }>();

  constructor(
    private readonly deps: TransferDeps,
    readonly chunkSize = DEFAULT_TRANSFER_CHUNK_BYTES,
  ) {}

  /** Lets `mqttClientId` pull the chunks of `fileId` (an offer, a broadcast delivery). */
  grant(mqttClientId: string, fileId: number): void {
    this.grants.set(`${mqttClientId}\u0000${fileId}`, { chunkSize: this.chunkSize, at: Date.now() });
  }

  async open(mqttClientId: string, h: FetchOpen): Promise<void> {
    const { send } = this.deps;
    const refuse = (reason: string) => send(mqttClientId, { kind: 'fetch.refused', requestId: h.requestId, reason });
    const em = forkOf(this.deps.orm);
    const report = await reportOfRequest(em, mqttClientId, h.reportId);
    if (!report) return refuse(`report ${h.reportId} is not a current report of client ${mqttClientId}`);
    const [task] = await em.execute<{ script: unknown }[]>('select script from task_result where report_id = ? and task_id = ? limit 1', [
      report.id,
      Number(h.taskId),
    ]);
    if (!task) return refuse(`task ${h.taskId} is not part of report ${h.reportId}`);
    const { send: sendStep, recv } = pairedSendStep(task.script, h.stepId);
    if (!recv) return refuse(`step ${h.stepId} is not a step of task ${h.taskId}`);
    if (!sendStep) return refuse(`task ${h.taskId} has no SEND_FILE step before RECV_FILE step ${h.stepId}: nothing pairs with it`);
    const senders = await senderStates(em, report.runId, h.taskId, sendStep.id);
    if (!senders.length) return refuse(`run ${report.runId} has no SERVER client: nobody sends the file of SEND_FILE step ${sendStep.id}`);
    const waiting = senders.filter((s) => s.state === 'waiting').map((s) => s.mqttClientId);
    if (waiting.length) {
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
    for (const f of files) this.grant(mqttClientId, f.id);
    send(mqttClientId, {
      kind: 'fetch.offer',
      requestId: h.requestId,
      chunkSize: this.chunkSize,
      files: files.slice(0, 200).map((f) => ({ fileId: f.id, name: f.name, size: f.size, sha256: f.sha256 })),
      targetFilePath: sendStep.targetFilePath ?? null,
    });
  }

  async get(mqttClientId: string, h: FetchGet): Promise<void> {
    const { send, files } = this.deps;
    const grant = this.grants.get(`${mqttClientId}\u0000${h.fileId}`);
    if (!grant)
      return send(mqttClientId, {
        kind: 'fetch.error',
        fileId: h.fileId,
        reason: `file ${h.fileId} was not offered to ${mqttClientId} on this gateway: open again`,
      });
    let size: number;
    try {
      size = (await files.get(h.fileId)).size;
    } catch (err) {
      return send(mqttClientId, { kind: 'fetch.error', fileId: h.fileId, reason: messageOf(err) });
    }
    const chunks = Math.max(1, Math.ceil(size / grant.chunkSize));
    for (let index = h.index; index < Math.min(chunks, h.index + h.count); index++) {
      let data: Buffer;
      try {
        data = await files.readChunk(h.fileId, index * grant.chunkSize, grant.chunkSize);
      } catch (err) {
        return send(mqttClientId, { kind: 'fetch.error', fileId: h.fileId, index, reason: messageOf(err) });
      }
      const sha256 = createHash('sha256').update(data).digest('hex');
      const body = h.encoding === 'gzip' ? await gzipAsync(data) : data;
      send(mqttClientId, { kind: 'fetch.data', fileId: h.fileId, index, sha256, encoding: h.encoding }, body);
    }
    if (h.index >= chunks) send(mqttClientId, { kind: 'fetch.error', fileId: h.fileId, index: h.index, reason: `file ${h.fileId} has ${chunks} chunks` });
  }
}
