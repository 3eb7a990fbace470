import { actorName, type Actor, type RequestOrigin } from '../auth/actor';
import type { Role } from '../auth/permissions';
import { credentialsChanged } from '../auth/credential-cache';
import { newSecret, sameDigest, sha256 } from '../auth/secrets';
import { ApiKey } from '../entities';
import { errors } from './errors';
import type { Page, PageRequest } from './paging';
import { entityPage } from './relation-pages';
import type { ServiceContext } from './service-context';
import { AUTH_SQL_TAG } from './session.service';
import { checkRole } from './user.service';

export interface ApiKeyCreated {
  apiKey: ApiKey;
  /** Shown once, at creation; only its SHA-256 is kept. */
  secret: string;
}

export type ApiKeyCheck = { ok: true; actor: Extract<Actor, { kind: 'apikey' }> } | { ok: false; problem: string };

/** lastUsedAt is written at most once a minute per key. */
const TOUCH_EVERY_MS = 60_000;
const KEY_ID = /^ak_[A-Za-z0-9_-]{16}$/;

/**
 * API keys for scripts and legacy REST consumers: `keyId:secret`, sent as HTTP Basic (as EMQX 4's
 * REST API takes its AppID:AppSecret) or as `Authorization: Bearer keyId:secret`. A key carries a
 * role of its own and does not expire; an admin revokes it.
 */
export class ApiKeyService {
  constructor(private readonly ctx: ServiceContext) {}

  async create({ name, role }: { name?: string; role?: string }): Promise<ApiKeyCreated> {
    const label = typeof name === 'string' ? name.trim() : '';
    if (!label || label.length > 100) throw errors.invalid('name', '1 to 100 characters naming what the key is for', name);
    const secret = newSecret();
    const apiKey = this.ctx.em.create(ApiKey, {
      keyId: `ak_${newSecret(12)}`,
      secretHash: sha256(secret),
      name: label,
      role: checkRole(role ?? 'operator'),
      createdBy: actorName(this.ctx.actor),
      createdAt: this.ctx.clock.now(),
    });
    await this.ctx.em.flush();
    return { apiKey, secret };
  }

  /** Revoked keys too, newest first. */
  list(page: PageRequest = {}): Promise<Page<ApiKey>> {
    return entityPage(this.ctx.em, ApiKey, {}, { id: 'desc' }, page);
  }

  /** By its keyId (`ak_...`); revoking twice is not an error. */
  async revoke(keyId: string): Promise<ApiKey> {
    const apiKey = await this.ctx.em.findOne(ApiKey, { keyId });
    if (!apiKey) throw errors.notFound('apiKey', keyId);
    apiKey.revokedAt ??= this.ctx.clock.now();
    await this.ctx.em.flush();
    credentialsChanged();
    return apiKey;
  }

  async check(keyId: string, secret: string, origin: RequestOrigin): Promise<ApiKeyCheck> {
    if (!KEY_ID.test(keyId)) return { ok: false, problem: 'not an API key id (ak_ and 16 characters)' };
    const conn = this.ctx.em.getConnection();
    const [apiKey] = await conn.execute<{ id: number; secret_hash: string; name: string; role: Role; last_used_at: Date | null; revoked_at: Date | null }[]>(
      `${AUTH_SQL_TAG} select id, secret_hash, name, role, last_used_at, revoked_at from api_key where key_id = ?`,
      [keyId],
    );
    if (!apiKey || !sameDigest(apiKey.secret_hash, sha256(secret))) return { ok: false, problem: 'unknown API key or wrong secret' };
    if (apiKey.revoked_at) return { ok: false, problem: `the API key ${keyId} was revoked` };
    const now = this.ctx.clock.now();
    if (!apiKey.last_used_at || now.getTime() - new Date(apiKey.last_used_at).getTime() >= TOUCH_EVERY_MS) {
      await conn.execute(`${AUTH_SQL_TAG} update api_key set last_used_at = ? where id = ?`, [now, apiKey.id]);
    }
    return { ok: true, actor: { kind: 'apikey', apiKeyId: apiKey.id, keyId, name: apiKey.name, role: apiKey.role, ...origin } };
  }

  /** Of these keys, the ones not revoked (for open WebSockets). */
  async stillValid(ids: number[]): Promise<Set<number>> {
    if (!ids.length) return new Set();
    const rows = await this.ctx.em.fork().find(ApiKey, { id: { $in: ids }, revokedAt: null }, { fields: ['id'] });
    return new Set(rows.map((r) => r.id));
  }
}
