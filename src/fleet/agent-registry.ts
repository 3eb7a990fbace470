import { createHash } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sameDigest, verifyPassword } from '../auth/secrets';
import { systemClock } from '../runtime/clock';
import type { Logger } from '../runtime/logger';
import { AgentCredentialService, type AgentCredentialRow } from '../services/agent-credential.service';

/** What the registry knows of a client id. */
/** A revoked agent keeps its event key here: its last OFFLINE (the Will) must still be its own. */
export type AgentStanding = { kind: 'active'; eventKey: Buffer } | { kind: 'revoked'; eventKey: Buffer } | { kind: 'unknown' };

export interface AgentRegistry {
  /** Loads every credential, then follows changes (enrolments, revocations, by any gateway) every `refreshMs`. */
  start(): Promise<void>;
  stop(): void;
  standing(clientId: string): AgentStanding;
  /** Reads the changes now (coalesced); for a client id not known yet. */
  refresh(): Promise<void>;
  /** Checks an agent's broker password; a secret once checked is remembered (Argon2 costs ~35 ms a connection). */
  checkSecret(clientId: string, secret: string): Promise<boolean>;
  /** Called with each client id whose credential was revoked since the last refresh. */
  onRevoked(listener: (clientId: string) => void): void;
  /** Called after a refresh that changed any credential. */
  onChange(listener: () => void): void;
  /** Every credential, for the Mosquitto files. */
  all(): AgentCredentialRow[];
}

/**
 * The gateway's in-memory view of the agents' credentials, so that checking a message costs no
 * query. Changes are read incrementally by `updated_at`, with a second of overlap for
 * transactions that committed out of order.
 */
export function createAgentRegistry({ orm, logger, refreshMs = 2_000 }: { orm: MikroORM; logger: Logger; refreshMs?: number }): AgentRegistry {
  const rows = new Map<string, AgentCredentialRow>();
  const verified = new Map<string, string>();
  const revokedListeners: ((clientId: string) => void)[] = [];
  const changeListeners: (() => void)[] = [];
  let since: Date | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const load = async () => {
    const changed = await new AgentCredentialService({ em: orm.em.fork() as EntityManager, clock: systemClock }).changedSince(since);
    let news = false;
    for (const row of changed) {
      const before = rows.get(row.mqttClientId);
      if (before?.updatedAt.getTime() !== row.updatedAt.getTime() || before.revoked !== row.revoked) news = true;
      rows.set(row.mqttClientId, row);
      if (before?.secretHash !== row.secretHash || row.revoked) verified.delete(row.mqttClientId);
      if (row.revoked && before && !before.revoked) for (const l of revokedListeners) l(row.mqttClientId);
      if (!since || row.updatedAt.getTime() - 1_000 > since.getTime()) since = new Date(row.updatedAt.getTime() - 1_000);
    }
    if (news) for (const l of changeListeners) l();
  };
  const refresh = () => {
    running ??= load()
      .catch((err) => logger.warn({ err }, 'agent credentials not refreshed'))
      .finally(() => (running = undefined));
    return running;
  };

  return {
    async start() {
      await load();
      const tick = () => {
        timer = setTimeout(() => void refresh().finally(() => timer && tick()), refreshMs);
        timer.unref();
      };
      tick();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
    standing(clientId) {
      const row = rows.get(clientId);
      if (!row) return { kind: 'unknown' };
      return { kind: row.revoked ? 'revoked' : 'active', eventKey: row.eventKey };
    },
    refresh,
    async checkSecret(clientId, secret) {
      let row = rows.get(clientId);
      if (!row) {
        await refresh();
        row = rows.get(clientId);
      }
      if (!row || row.revoked) return false;
      const digest = createHash('sha256').update(secret).digest('hex');
      if (verified.get(clientId) === digest) return true;
      // Argon2 for credentials enrolled before secrets were stored as a SHA-256 (agent-credential.service.ts).
      const ok = row.secretHash.startsWith('$argon2') ? await verifyPassword(row.secretHash, secret) : sameDigest(row.secretHash, digest);
      if (!ok) return false;
      verified.set(clientId, digest);
      return true;
    },
    onRevoked: (listener) => void revokedListeners.push(listener),
    onChange: (listener) => void changeListeners.push(listener),
    all: () => [...rows.values()],
  };
}
