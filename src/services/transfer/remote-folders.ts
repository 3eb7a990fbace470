import { randomUUID } from 'node:crypto';
import type { RemoteFolderEntry, TransferUp } from '../../protocol';
import type { StoredFileRow } from '../../files';
import { errors } from '../errors';
import { forkOf, type TransferDeps } from './transfer-context';

export interface RemoteFolderListing {
  clientId: number;
  /** The folder as the agent resolved it (absolute, inside its roots). */
  path: string;
  entries: RemoteFolderEntry[];
  truncated: boolean;
}

interface Pending {
  mqttClientId: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** How long an agent may take to list a folder. */
export const LIST_TIMEOUT_MS = 10_000;
/** How long a fetch may take, upload included; the file stays in the store if it completes later. */
export const FETCH_TIMEOUT_MS = 5 * 60_000;

/**
 * Operators' remote folders (the original's `dir` and `download`): list a folder of an ONLINE
 * agent, or fetch one of its files into the store, without a job. The request goes down the
 * agent's transfer-down; the answer (a listing, or a FETCH upload) comes back through this
 * gateway's upload sessions. Requests wait in this gateway's memory: with SDES_SHARE_GROUP the
 * answer may reach another gateway, and this one answers UNAVAILABLE at the timeout.
 */
export class RemoteFolderService {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly deps: TransferDeps,
    private readonly timeouts = { listMs: LIST_TIMEOUT_MS, fetchMs: FETCH_TIMEOUT_MS },
  ) {}

  private async onlineClient(clientId: number): Promise<string> {
    if (!Number.isInteger(clientId) || clientId < 1) throw errors.invalid('clientId', 'a positive integer id', clientId);
    const [row] = await forkOf(this.deps.orm).execute<{ mqtt_client_id: string; status: string }[]>('select mqtt_client_id, status from client where id = ?', [
      clientId,
    ]);
    if (!row) throw errors.notFound('client', clientId);
    if (row.status !== 'ONLINE')
      throw errors.conflict('clientId', `client ${clientId} (${row.mqtt_client_id}) is ${row.status}: only an ONLINE agent can answer`);
    return row.mqtt_client_id;
  }

  private ask<T>(mqttClientId: string, ms: number, what: string, send: (requestId: string) => void): Promise<T> {
    const requestId = randomUUID();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(errors.unavailable(`${mqttClientId} did not answer the ${what} within ${Math.round(ms / 1000)} s`));
      }, ms);
      timer.unref();
      this.pending.set(requestId, { mqttClientId, resolve: resolve as (v: unknown) => void, reject, timer });
      send(requestId);
    });
  }

  private settle(mqttClientId: string, requestId: string, fn: (p: Pending) => void): void {
    const p = this.pending.get(requestId);
    if (!p || p.mqttClientId !== mqttClientId) return;
    this.pending.delete(requestId);
    clearTimeout(p.timer);
    fn(p);
  }

  /** A folder of an ONLINE client, within its roots. Empty `path`: its first root. */
  async list(clientId: number, path: string): Promise<RemoteFolderListing> {
    if (typeof path !== 'string' || path.length > 4096) throw errors.invalid('path', 'a folder path of at most 4096 characters', path);
    const mqttClientId = await this.onlineClient(clientId);
    const answer = await this.ask<Extract<TransferUp, { kind: 'remote.listing' }>>(mqttClientId, this.timeouts.listMs, 'folder listing', (requestId) =>
      this.deps.send(mqttClientId, { kind: 'remote.list', requestId, path }),
    );
    return { clientId, path: answer.path, entries: answer.entries, truncated: answer.truncated };
  }

  /** Fetches one file of an ONLINE client into the store (kind `fetch`); resolves with the COMPLETE stored file. */
  async fetch(clientId: number, path: string): Promise<StoredFileRow> {
    if (typeof path !== 'string' || !path || path.length > 4096) throw errors.invalid('path', 'a file path of at most 4096 characters', path);
    const mqttClientId = await this.onlineClient(clientId);
    const fileId = await this.ask<number>(mqttClientId, this.timeouts.fetchMs, 'file fetch', (requestId) =>
      this.deps.send(mqttClientId, { kind: 'remote.fetch', requestId, path }),
    );
    return this.deps.files.get(fileId);
  }

  /** Whether `fetchId` is a fetch this gateway asked `mqttClientId` for (its upload may open). */
  expects(mqttClientId: string, fetchId: string): boolean {
    return this.pending.get(fetchId)?.mqttClientId === mqttClientId;
  }

  /** The FETCH upload is complete. */
  uploaded(mqttClientId: string, fetchId: string, fileId: number): void {
    this.settle(mqttClientId, fetchId, (p) => p.resolve(fileId));
  }

  answer(mqttClientId: string, h: Extract<TransferUp, { kind: 'remote.listing' | 'remote.error' }>): void {
    this.settle(mqttClientId, h.requestId, (p) => {
      if (h.kind === 'remote.listing') p.resolve(h);
      else p.reject(errors.invalid('path', `a path the agent can read: ${h.reason}`));
    });
  }
}
