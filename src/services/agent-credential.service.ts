import { createHmac } from 'node:crypto';
import { actorName } from '../auth/actor';
import { mosquittoHash } from '../auth/mosquitto-hash';
import { sha256 } from '../auth/secrets';
import { isValidClientId } from '../protocol';
import { errors } from './errors';
import type { ServiceContext } from './service-context';

/** One agent's credential as admins see it (never the secret or keys). */
export interface AgentCredentialInfo {
  mqttClientId: string;
  createdAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
}

/** What the gateway's broker side keeps of each credential (src/fleet/agent-registry.ts). */
export interface AgentCredentialRow {
  mqttClientId: string;
  secretHash: string;
  mosquittoHash: string;
  eventKey: Buffer;
  revoked: boolean;
  updatedAt: Date;
}

/** Client ids an agent may not take: they name the gateways' and the enrolment's own connections. */
const RESERVED = /^sdes-(gateway|enrol)/;

export type EnrolOutcome = { ok: true; secret: string; eventKey: Buffer; renewed: boolean } | { ok: false; error: string };

interface Row {
  mqtt_client_id: string;
  secret_hash: string;
  mosquitto_hash: string;
  event_key: string;
  enrol_public_key: string | null;
  created_at: Date;
  updated_at: Date;
  revoked_at: Date | null;
  revoked_by: string | null;
}

/**
 * Agents' own credentials (docs/protocol.md 9.1). Enrolment gives a client id its credential
 * once. The secret and event key are derived from the installation's credential key, the client
 * id and the agent's one-time enrolment key, so the same request always gets the same
 * credential: a repeated request (a lost answer) or one that several gateways answer at once
 * agree. Any other ask for a taken id is refused, so nobody enrols into another agent's id. A
 * revoked credential stays, so that id cannot enrol again until an admin deletes it.
 */
export class AgentCredentialService {
  constructor(private readonly ctx: ServiceContext) {}

  async enrol({ clientId, publicKey, credentialKey }: { clientId: string; publicKey: string; credentialKey: Buffer }): Promise<EnrolOutcome> {
    if (!isValidClientId(clientId)) return { ok: false, error: `clientId ${JSON.stringify(clientId)}: expected 1-128 characters without "/", "+", "#"` };
    if (RESERVED.test(clientId)) return { ok: false, error: `clientId ${clientId}: ids starting with sdes-gateway or sdes-enrol are reserved` };
    const conn = this.ctx.em.getConnection();
    const [existing] = await conn.execute<Row[]>(`select * from agent_credential where mqtt_client_id = ?`, [clientId]);
    if (existing?.revoked_at) return { ok: false, error: `client ${clientId} has a revoked credential: an admin must delete it before it can enrol again` };
    if (existing && existing.enrol_public_key !== publicKey) return { ok: false, error: `client ${clientId} is already enrolled` };
    const derive = (label: string) => createHmac('sha256', credentialKey).update(`${label}\n${clientId}\n${publicKey}`).digest();
    const secret = derive('sdes-agent-secret-v1').toString('base64url');
    const eventKey = derive('sdes-agent-event-key-v1');
    if (existing) return { ok: true, secret, eventKey, renewed: true };
    // The secret is 32 bytes of HMAC output, not a password: a SHA-256 keeps a database dump from
    // being usable (as for API keys, src/auth/secrets.ts), where Argon2 (~35 ms, 19 MiB) would
    // cost every enrolment and every first connection of a 10,000-agent fleet for nothing.
    const [secretHash, mqHash] = [sha256(secret), await mosquittoHash(secret)];
    const now = this.ctx.clock.now();
    await conn.execute(
      `insert into agent_credential (mqtt_client_id, secret_hash, mosquitto_hash, event_key, enrol_public_key, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?) on conflict (mqtt_client_id) do nothing`,
      [clientId, secretHash, mqHash, eventKey.toString('base64'), publicKey, now, now],
    );
    // Two enrolments of one id at once: only the row's own key gets its credential.
    const [row] = await conn.execute<Row[]>(`select enrol_public_key, revoked_at from agent_credential where mqtt_client_id = ?`, [clientId]);
    if (row?.enrol_public_key !== publicKey || row.revoked_at) return { ok: false, error: `client ${clientId} is already enrolled` };
    return { ok: true, secret, eventKey, renewed: false };
  }

  /** Refuses the client's credential from now on (the broker closes its connection). NOT_FOUND when it has none. */
  async revoke(mqttClientId: string, by: string = actorName(this.ctx.actor)): Promise<AgentCredentialInfo> {
    const now = this.ctx.clock.now();
    const rows = await this.ctx.em
      .getConnection()
      .execute<Row[]>(
        `update agent_credential set revoked_at = coalesce(revoked_at, ?), revoked_by = coalesce(revoked_by, ?), updated_at = ? where mqtt_client_id = ? returning *`,
        [now, by, now, mqttClientId],
      );
    if (!rows.length) throw errors.notFound('agent credential', mqttClientId);
    return info(rows[0]);
  }

  /** Removes a (revoked) credential so the client id may enrol again. NOT_FOUND when it has none. */
  async remove(mqttClientId: string): Promise<void> {
    const rows = await this.ctx.em
      .getConnection()
      .execute<Row[]>(`delete from agent_credential where mqtt_client_id = ? returning mqtt_client_id`, [mqttClientId]);
    if (!rows.length) throw errors.notFound('agent credential', mqttClientId);
  }

  async list(): Promise<AgentCredentialInfo[]> {
    const rows = await this.ctx.em.getConnection().execute<Row[]>(`select * from agent_credential order by mqtt_client_id`);
    return rows.map(info);
  }

  /** Credentials changed after `since` (all without it), for the gateways' broker side. */
  async changedSince(since?: Date): Promise<AgentCredentialRow[]> {
    const rows = await this.ctx.em
      .getConnection()
      .execute<Row[]>(
        since ? `select * from agent_credential where updated_at >= ? order by updated_at` : `select * from agent_credential order by updated_at`,
        since ? [since] : [],
      );
    return rows.map((r) => ({
      mqttClientId: r.mqtt_client_id,
      secretHash: r.secret_hash,
      mosquittoHash: r.mosquitto_hash,
      eventKey: Buffer.from(r.event_key, 'base64'),
      revoked: r.revoked_at !== null,
      updatedAt: new Date(r.updated_at),
    }));
  }
}

function info(r: Row): AgentCredentialInfo {
  return {
    mqttClientId: r.mqtt_client_id,
    createdAt: new Date(r.created_at),
    revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
    revokedBy: r.revoked_by,
  };
}
