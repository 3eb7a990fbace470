import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { LivePubSub } from '../../live/pubsub';
import type { TransferDownDraft } from '../../protocol';
import type { FileStoreService } from '../../files/file-store.service';
import type { Clock } from '../../runtime/clock';
import type { Logger } from '../../runtime/logger';
import { parseWireReportId } from '../execution/attempt-id';

/** Publishes one frame on an agent's transfer-down (the carrier in src/live does the MQTT part). */
export type SendFrame = (mqttClientId: string, header: TransferDownDraft, body?: Buffer) => void;

/** What the transfer services share. */
export interface TransferDeps {
  orm: MikroORM;
  files: FileStoreService;
  clock: Clock;
  logger: Logger;
  send: SendFrame;
  /** The installation's id (settings): grants carry it, so a gateway of another installation on the same broker stays silent. */
  installation: string;
  /** Where TRANSFER_PROGRESS goes (GraphQL transferProgress). */
  pubsub?: LivePubSub;
}

export const forkOf = (orm: MikroORM): EntityManager => orm.em.fork() as EntityManager;

/** The report a transfer request names, as the gateway knows it. */
export interface ReportOfRequest {
  id: number;
  /** The report's own id (without the attempt suffix). */
  reportId: string;
  attempt: number;
  status: string;
  runId: number;
  runStatus: string;
  deadline: Date;
  mqttClientId: string;
  clientId: number;
}

/**
 * The report of a wire report id, only when it belongs to `mqttClientId`: an agent acts for its
 * own reports only. Undefined otherwise.
 */
export async function reportOfRequest(em: EntityManager, mqttClientId: string, wireReportId: string): Promise<ReportOfRequest | undefined> {
  const { reportId, attempt } = parseWireReportId(wireReportId);
  const [row] = await em.execute<
    { id: number; report_id: string; attempt: number; status: string; run_id: number; run_status: string; deadline_at: Date; client_id: number }[]
  >(
    `select r.id, r.report_id, r.attempt, r.status, r.run_id, jr.status as run_status, jr.deadline_at, r.client_id
     from report r join job_run jr on jr.id = r.run_id join client c on c.id = r.client_id
     where r.report_id = ? and c.mqtt_client_id = ?`,
    [reportId, mqttClientId],
  );
  if (!row || row.attempt !== attempt) return undefined;
  return {
    id: row.id,
    reportId: row.report_id,
    attempt: row.attempt,
    status: row.status,
    runId: row.run_id,
    runStatus: row.run_status,
    deadline: new Date(row.deadline_at),
    mqttClientId,
    clientId: row.client_id,
  };
}

/** `sessionId` of a stored file a step uploads: which step of which task, for what. */
export const spoolSessionId = (purpose: string, taskId: string | number, stepId: string | number): string => `${purpose}/${taskId}/${stepId}`;

export const messageOf = (err: unknown): string => (err as Error)?.message ?? String(err);
