import { randomUUID } from 'node:crypto';
import { PROTOCOL_VERSION, type TransferUp } from '../../protocol';
import type { StoredFileRow } from '../../files';
import { intArray, textArray } from '../filters';
import type { BroadcastPublisher } from './broadcast-publisher';
import type { FetchService } from './fetch.service';
import { forkOf, reportOfRequest, spoolSessionId, type TransferDeps } from './transfer-context';

type BroadcastStart = Extract<TransferUp, { kind: 'broadcast.start' }>;
type BroadcastStatus = Extract<TransferUp, { kind: 'broadcast.status' }>;

/** Open deliveries of a broadcast whose sender still waits are offered again this often. */
const REOFFER_EVERY_MS = 15_000;

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

/**
 * BROADCAST: the SERVER's file is in the store once; each client of the step's groups gets a
 * `deliver.offer` on its transfer-down and pulls the chunks as a RECV_FILE does (`fetch.get`).
 * Deliveries are rows (`transfer_delivery`), so a store that is offline now gets its offer when it
 * comes ONLINE, through any gateway, until the run's deadline; the sender's step polls
 * `broadcast.status` for the count.
 */
export class BroadcastService {
  /** When each file's open deliveries were last offered again (see status()). */
  private readonly reofferedAt = new Map<number, number>();
  /** The sender's last broadcast.status of each file: its answer is pushed again with this requestId when the last delivery settles. */
  private readonly askers = new Map<number, { mqttClientId: string; requestId: string }>();

  constructor(
    private readonly deps: TransferDeps,
    private readonly fetches: FetchService,
    readonly publisher: BroadcastPublisher,
  ) {}

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
    const groups = h.groups.map(Number).filter((g) => Number.isInteger(g));
    const members = await em.execute<{ id: number; mqtt_client_id: string }[]>(
      `select distinct c.id, c.mqtt_client_id from group_client gc join client c on c.id = gc.client_id
       where gc.group_id = any(?::int[]) and c.mqtt_client_id <> ? and c.enable order by c.mqtt_client_id`,
      [intArray(groups), mqttClientId],
    );
    const now = this.deps.clock.now();
    const target = {
      targetFilePath: h.targetFilePath ?? null,
      overWrite: h.overWrite ?? null,
      createFilePath: h.createFilePath ?? null,
      compressFile: h.compressFile ?? null,
    };
    // One statement for every member (a group of thousands is one round trip, not thousands).
    await em.execute(
      `insert into transfer_delivery (id, file_id, run_id, sender_report_id, task_id, step_id, client_id, mqtt_client_id, status, target, deadline_at, created_at, updated_at)
       select m.id, ?, ?, ?, ?, ?, m.client_id, m.mqtt_client_id, 'PENDING', ?, ?, ?, ?
       from unnest(?::text[], ?::int[], ?::text[]) as m(id, client_id, mqtt_client_id)
       on conflict (file_id, client_id) do nothing`,
      [
        h.fileId,
        report.runId,
        h.reportId,
        Number(h.taskId),
        Number(h.stepId),
        JSON.stringify(target),
        report.deadline,
        now,
        now,
        textArray(members.map(() => randomUUID())),
        intArray(members.map((m) => m.id)),
        textArray(members.map((m) => m.mqtt_client_id)),
      ],
    );
    logger.info({ clientId: mqttClientId, fileId: h.fileId, groups, stores: members.length }, 'broadcast started');
    send(mqttClientId, { kind: 'broadcast.accepted', requestId: h.requestId, fileId: h.fileId, total: members.length });
    // The stores offered now listen on the broadcast topic: each chunk goes out once for all of them.
    const publishing = this.publisher.begin(h.fileId);
    const offered = await this.offer({ fileId: h.fileId });
    if (publishing) this.publisher.run(file, this.fetches.chunkSize, offered);
  }

  /**
   * Offers the open deliveries (of a file, or of clients that came ONLINE) to their ONLINE clients,
   * within their deadlines; while the file is being published, the offer names the broadcast topic.
   * Returns how many were offered.
   */
  async offer(scope: { fileId?: number; clientIds?: number[] }): Promise<number> {
    const em = forkOf(this.deps.orm);
    const rows = await em.execute<DeliveryRow[]>(
      `select d.*, c.status as client_status from transfer_delivery d join client c on c.id = d.client_id
       where d.status in ('PENDING', 'OFFERED') and d.deadline_at > ? and c.status = 'ONLINE'
         and (?::int is null or d.file_id = ?) and (?::int[] is null or d.client_id = any(?::int[]))`,
      [
        this.deps.clock.now(),
        scope.fileId ?? null,
        scope.fileId ?? null,
        scope.clientIds ? intArray(scope.clientIds) : null,
        scope.clientIds ? intArray(scope.clientIds) : null,
      ],
    );
    let offered = 0;
    const filesById = new Map<number, StoredFileRow | undefined>();
    const nowOffered: string[] = [];
    for (const d of rows) {
      if (!filesById.has(d.file_id)) filesById.set(d.file_id, await this.deps.files.get(d.file_id).catch(() => undefined));
      const file = filesById.get(d.file_id);
      if (!file || file.status !== 'COMPLETE') continue;
      const broadcastTopic = this.publisher.topicOf(file.id);
      const target = d.target as {
        targetFilePath?: string | null;
        overWrite?: 'OVERWRITE' | 'NOT_OVERWRITE' | 'COMPARE_OVERWRITE' | null;
        createFilePath?: boolean | null;
        compressFile?: boolean | null;
      };
      this.deps.send(d.mqtt_client_id, {
        kind: 'deliver.offer',
        deliveryId: d.id,
        grant: this.fetches.grant(d.mqtt_client_id, [file]),
        chunkSize: this.fetches.chunkSize,
        file: { fileId: file.id, name: file.name, size: file.size, sha256: file.sha256 },
        deadline: new Date(d.deadline_at).getTime(),
        ...(broadcastTopic ? { broadcastTopic } : {}),
        ...target,
      });
      offered += 1;
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
