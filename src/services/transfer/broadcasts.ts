import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { PROTOCOL_VERSION, transferSessionTopic, type Id, type TransferUp } from '../../protocol';
import type { StoredFileRow } from '../../files';
import { intArray, textArray } from '../filters';
import type { FetchService } from './fetch.service';
import { dispatchedScript, scriptStep } from './send-pairing';
import { forkOf, reportOfRequest, spoolSessionId, type ReportOfRequest, type TransferDeps } from './transfer-context';
import type { BroadcastUploads, UploadSessions } from './upload-sessions';

type BroadcastStart = Extract<TransferUp, { kind: 'broadcast.start' }>;
type BroadcastStatus = Extract<TransferUp, { kind: 'broadcast.status' }>;

/** Where a delivery writes the file: the BROADCAST step's target options, as dispatched or as broadcast.start carries them. */
function deliveryTarget(o: { [K in keyof DeliveryTarget]?: DeliveryTarget[K] }): DeliveryTarget {
  return {
    targetFilePath: o.targetFilePath ?? null,
    overWrite: o.overWrite ?? null,
    createFilePath: o.createFilePath ?? null,
    compressFile: o.compressFile ?? null,
  };
}

/** Open deliveries of a broadcast whose sender still waits are offered again this often. */
const REOFFER_EVERY_MS = 15_000;
/** The grant of a BROADCAST upload waits at most this long for the stores offered the file to say they listen on its session topic. */
export const LISTEN_WAIT_MS = 2_000;

interface DeliveryRow {
  id: string;
  file_id: number;
  client_id: number;
  mqtt_client_id: string;
  status: 'PENDING' | 'OFFERED' | 'DONE' | 'FAILED';
  message: string | null;
  target: Record<string, unknown>;
  deadline_at: Date;
  client_status: string;
}

/** Where and how the stores write a broadcast file (the BROADCAST step's options). */
interface DeliveryTarget {
  targetFilePath: string | null;
  overWrite: 'OVERWRITE' | 'NOT_OVERWRITE' | 'COMPARE_OVERWRITE' | null;
  createFilePath: boolean | null;
  compressFile: boolean | null;
}

/** One file's deliveries to add: the BROADCAST step that sends it, its groups and options. */
interface Deliveries {
  fileId: number;
  /** The sender's report as on the wire (with its attempt). */
  senderReportId: string;
  taskId: Id;
  stepId: Id;
  groups: readonly Id[];
  target: DeliveryTarget;
}

/**
 * BROADCAST (docs/protocol.md §12.6): the SERVER's file goes into the store once, and each
 * enabled client of the step's groups gets a `deliver.offer` on its transfer-down. The members
 * ONLINE when the upload is opened are offered it before the grant goes out, naming the upload's
 * session topic: they take the chunks from the sender's own publish (each crosses the broker once
 * for all of them) and pull from the store only what they missed. Deliveries are rows
 * (`transfer_delivery`), so a store that is offline now gets its offer when it comes ONLINE,
 * through any gateway, until the run's deadline, and pulls the file from the store; the sender's
 * step polls `broadcast.status` for the count.
 */
export class BroadcastService implements BroadcastUploads {
  /** When each file's open deliveries were last offered again (see status()). */
  private readonly reofferedAt = new Map<number, number>();
  /** The sender's last broadcast.status of each file: its answer is pushed again with this requestId when the last delivery settles. */
  private readonly askers = new Map<number, { mqttClientId: string; requestId: string }>();
  /** Uploads whose grant waits for the offered stores to listen: the deliveries heard from so far. */
  private readonly listening = new Map<number, { heard: Set<string>; wake?: () => void }>();

  constructor(
    private readonly deps: TransferDeps,
    private readonly fetches: FetchService,
    private readonly uploads?: Pick<UploadSessions, 'storedBytes'>,
  ) {}

  /**
   * BroadcastUploads: the upload of a BROADCAST step's file is about to be granted. Its members
   * get their deliveries now and the ONLINE ones an offer naming the session topic; resolves when
   * every offered store said it listens there (`deliver.progress` with `upTo` 0), or after
   * LISTEN_WAIT_MS, so the sender's first chunks find them subscribed.
   */
  async uploading(upload: { mqttClientId: string; fileId: number; reportId: string; taskId: Id; stepId: Id }): Promise<void> {
    const em = forkOf(this.deps.orm);
    const report = await reportOfRequest(em, upload.mqttClientId, upload.reportId);
    const task = report && (await dispatchedScript(em, report.id, upload.taskId));
    // The step as dispatched says where the file goes (broadcast.start carries the same options later).
    const step = task && scriptStep(task.script, upload.stepId);
    if (!report || step?.type !== 'BROADCAST' || !step.groups?.length) return;
    await this.addDeliveries(em, upload.mqttClientId, report, {
      fileId: upload.fileId,
      senderReportId: upload.reportId,
      taskId: upload.taskId,
      stepId: upload.stepId,
      groups: step.groups,
      target: deliveryTarget(step),
    });
    const waiting: { heard: Set<string>; wake?: () => void } = { heard: new Set() };
    this.listening.set(upload.fileId, waiting);
    try {
      const offered = await this.offer({ fileId: upload.fileId });
      const until = Date.now() + LISTEN_WAIT_MS;
      while (offered.some((id) => !waiting.heard.has(id)) && Date.now() < until) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, until - Date.now());
          waiting.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      this.deps.logger.info(
        { clientId: upload.mqttClientId, fileId: upload.fileId, offered: offered.length, listening: offered.filter((id) => waiting.heard.has(id)).length },
        'broadcast offered before its upload',
      );
    } finally {
      this.listening.delete(upload.fileId);
    }
  }

  /** A store's `deliver.progress`: with `upTo` 0, it listens on the session topic of the file it was offered. */
  progress(deliveryId: string, fileId: number, upTo: number): void {
    const waiting = this.listening.get(fileId);
    if (!waiting || upTo !== 0) return;
    waiting.heard.add(deliveryId);
    waiting.wake?.();
  }

  /** Adds a delivery for every enabled member of the groups (the sender excluded; one already there stays); returns how many members there are. */
  private async addDeliveries(em: EntityManager, mqttClientId: string, report: ReportOfRequest, d: Deliveries): Promise<number> {
    const groups = d.groups.map(Number).filter((g) => Number.isInteger(g));
    const members = await em.execute<{ id: number; mqtt_client_id: string }[]>(
      `select distinct c.id, c.mqtt_client_id from group_client gc join client c on c.id = gc.client_id
       where gc.group_id = any(?::int[]) and c.mqtt_client_id <> ? and c.enable order by c.mqtt_client_id`,
      [intArray(groups), mqttClientId],
    );
    const now = this.deps.clock.now();
    // One statement for every member (a group of thousands is one round trip, not thousands).
    await em.execute(
      `insert into transfer_delivery (id, file_id, run_id, sender_report_id, task_id, step_id, client_id, mqtt_client_id, status, target, deadline_at, created_at, updated_at)
       select m.id, ?, ?, ?, ?, ?, m.client_id, m.mqtt_client_id, 'PENDING', ?, ?, ?, ?
       from unnest(?::text[], ?::int[], ?::text[]) as m(id, client_id, mqtt_client_id)
       on conflict (file_id, client_id) do nothing`,
      [
        d.fileId,
        report.runId,
        d.senderReportId,
        Number(d.taskId),
        Number(d.stepId),
        JSON.stringify(d.target),
        report.deadline,
        now,
        now,
        textArray(members.map(() => randomUUID())),
        intArray(members.map((m) => m.id)),
        textArray(members.map((m) => m.mqtt_client_id)),
      ],
    );
    return members.length;
  }

  async start(mqttClientId: string, h: BroadcastStart): Promise<void> {
    const { send, logger, files } = this.deps;
    const em = forkOf(this.deps.orm);
    const report = await reportOfRequest(em, mqttClientId, h.reportId);
    if (!report) return void logger.debug({ clientId: mqttClientId, reportId: h.reportId }, 'broadcast for a report this installation does not know: ignored');
    const refuse = (reason: string) => send(mqttClientId, { kind: 'broadcast.refused', requestId: h.requestId, reason });
    const file = await files.get(h.fileId).catch(() => undefined);
    if (!file || file.mqttClientId !== mqttClientId || file.sessionId !== spoolSessionId('BROADCAST', h.taskId, h.stepId)) {
      return refuse(`file ${h.fileId} is not a BROADCAST upload of step ${h.stepId} by ${mqttClientId}`);
    }
    if (file.status !== 'COMPLETE') return refuse(`file ${h.fileId} is ${file.status}: upload it completely first`);
    // Usually added when the upload was opened; these are the ones missing (none, or all if the step was not found then).
    const total = await this.addDeliveries(em, mqttClientId, report, {
      fileId: h.fileId,
      senderReportId: h.reportId,
      taskId: h.taskId,
      stepId: h.stepId,
      groups: h.groups,
      target: deliveryTarget(h),
    });
    logger.info({ clientId: mqttClientId, fileId: h.fileId, groups: h.groups, stores: total }, 'broadcast started');
    send(mqttClientId, { kind: 'broadcast.accepted', requestId: h.requestId, fileId: h.fileId, total });
    // The stores offered during the upload are at work already: only those not offered yet (they pull it).
    await this.offer({ fileId: h.fileId, pendingOnly: true });
  }

  /**
   * Offers the open deliveries (of a file, or of clients that came ONLINE; `pendingOnly`: those
   * not offered yet) to their ONLINE clients, within their deadlines. A file this gateway takes
   * the upload of now is offered with `stream`, its session topic. Returns the deliveries offered.
   */
  async offer(scope: { fileId?: number; clientIds?: number[]; pendingOnly?: boolean }): Promise<string[]> {
    const em = forkOf(this.deps.orm);
    const rows = await em.execute<DeliveryRow[]>(
      `select d.*, c.status as client_status from transfer_delivery d join client c on c.id = d.client_id
       where d.status in ('PENDING', ?) and d.deadline_at > ? and c.status = 'ONLINE'
         and (?::int is null or d.file_id = ?) and (?::int[] is null or d.client_id = any(?::int[]))`,
      [
        scope.pendingOnly ? 'PENDING' : 'OFFERED',
        this.deps.clock.now(),
        scope.fileId ?? null,
        scope.fileId ?? null,
        scope.clientIds ? intArray(scope.clientIds) : null,
        scope.clientIds ? intArray(scope.clientIds) : null,
      ],
    );
    const offered: string[] = [];
    const filesById = new Map<number, StoredFileRow | undefined>();
    const nowOffered: string[] = [];
    for (const d of rows) {
      if (!filesById.has(d.file_id)) filesById.set(d.file_id, await this.deps.files.get(d.file_id).catch(() => undefined));
      const file = filesById.get(d.file_id);
      // Still arriving through this gateway: the store takes the chunks from the sender's session topic (§12.5, Streaming).
      const arriving = file?.status === 'PARTIAL' && file.mqttClientId && this.uploads?.storedBytes(file.id) !== undefined;
      if (!file || (file.status !== 'COMPLETE' && !arriving)) continue;
      this.deps.send(d.mqtt_client_id, {
        kind: 'deliver.offer',
        deliveryId: d.id,
        grant: this.fetches.grant(d.mqtt_client_id, [file]),
        chunkSize: this.fetches.chunkSize,
        file: {
          fileId: file.id,
          name: file.name,
          size: file.size,
          sha256: file.sha256,
          ...(arriving ? { stream: transferSessionTopic(file.mqttClientId!, file.id) } : {}),
        },
        deadline: new Date(d.deadline_at).getTime(),
        ...(d.target as Partial<DeliveryTarget>),
      });
      offered.push(d.id);
      if (d.status === 'PENDING') nowOffered.push(d.id);
    }
    if (nowOffered.length)
      await em.execute(`update transfer_delivery set status = 'OFFERED', updated_at = ? where id = any(?::text[]) and status = 'PENDING'`, [
        this.deps.clock.now(),
        textArray(nowOffered),
      ]);
    return offered;
  }

  /** A store's answer to its offer (only its own deliveries count). */
  async settle(mqttClientId: string, deliveryId: string, status: 'DONE' | 'FAILED', message: string | null): Promise<void> {
    const em = forkOf(this.deps.orm);
    const [row] = await em.execute<{ file_id: number }[]>(
      `update transfer_delivery set status = ?, message = ?, updated_at = ? where id = ? and mqtt_client_id = ? and status in ('PENDING', 'OFFERED') returning file_id`,
      [status, message, this.deps.clock.now(), deliveryId, mqttClientId],
    );
    this.deps.logger.info({ clientId: mqttClientId, deliveryId, status, message }, 'broadcast delivery settled');
    // The sender waits for the last ONLINE member: tell it now instead of at its next poll.
    const asking = row && this.askers.get(row.file_id);
    if (!asking) return;
    const [open] = await em.execute<{ n: number }[]>(
      `select count(*)::int as n from transfer_delivery d join client c on c.id = d.client_id
       where d.file_id = ? and d.status in ('PENDING', 'OFFERED') and c.status = 'ONLINE'`,
      [row.file_id],
    );
    if (open.n === 0)
      await this.status(asking.mqttClientId, { v: PROTOCOL_VERSION, kind: 'broadcast.status', requestId: asking.requestId, fileId: row.file_id });
  }

  async status(mqttClientId: string, h: BroadcastStatus): Promise<void> {
    const em = forkOf(this.deps.orm);
    const file = await this.deps.files.get(h.fileId).catch(() => undefined);
    if (!file || file.mqttClientId !== mqttClientId) return;
    const rows = await em.execute<DeliveryRow[]>(
      `select d.*, c.status as client_status from transfer_delivery d join client c on c.id = d.client_id where d.file_id = ? order by d.mqtt_client_id`,
      [h.fileId],
    );
    const open = rows.filter((r) => r.status === 'PENDING' || r.status === 'OFFERED');
    if (open.some((r) => r.client_status === 'ONLINE')) this.askers.set(h.fileId, { mqttClientId, requestId: h.requestId });
    else this.askers.delete(h.fileId);
    // An offer lost on its way, or a grant this gateway no longer knows (it restarted): while the
    // sender waits, the open deliveries are offered again now and then (receivers drop duplicates).
    const now = Date.now();
    if (open.some((r) => r.client_status === 'ONLINE') && now - (this.reofferedAt.get(h.fileId) ?? now) > REOFFER_EVERY_MS) {
      this.reofferedAt.set(h.fileId, now);
      await this.offer({ fileId: h.fileId });
    } else if (!open.length) this.reofferedAt.delete(h.fileId);
    else if (!this.reofferedAt.has(h.fileId)) this.reofferedAt.set(h.fileId, now);
    this.deps.send(mqttClientId, {
      kind: 'broadcast.progress',
      requestId: h.requestId,
      fileId: h.fileId,
      total: rows.length,
      delivered: rows.filter((r) => r.status === 'DONE').map((r) => r.mqtt_client_id),
      failed: rows.filter((r) => r.status === 'FAILED').map((r) => ({ clientId: r.mqtt_client_id, reason: r.message ?? 'no reason given' })),
      offline: open.filter((r) => r.client_status !== 'ONLINE').map((r) => r.mqtt_client_id),
      pending: open.filter((r) => r.client_status === 'ONLINE').map((r) => r.mqtt_client_id),
    });
  }
}
