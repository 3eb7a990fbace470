import type { Clock } from '../runtime/clock';
import type { Actor, RequestOrigin } from './actor';
import { sha256 } from './secrets';

export interface CredentialCache {
  /**
   * The actor of `authorization` as it was verified less than `ttlMs` ago, if nothing in this
   * process has changed credentials since, else `verify()`'s answer (kept unless anonymous);
   * either way with `origin`, the request's own. Concurrent misses for one value share a `verify()`.
   */
  actorOf(authorization: string, origin: RequestOrigin, verify: () => Promise<Actor>): Promise<Actor>;
}

export interface CredentialCacheOptions {
  clock: Clock;
  /**
   * How long a verified credential is trusted without asking the database (default 2 s): the
   * bound within which a logout, ban, password change, revoked key or new adminTimeOut made by
   * another process (another gateway, `sdes user ...`) takes effect. Changes made through this
   * process take effect at once (`credentialsChanged`). 0 turns the cache off.
   */
  ttlMs?: number;
  /** Most credentials kept (default 10,000); the oldest goes first. */
  maxEntries?: number;
}

/**
 * Bumped by every change of sessions, users, API keys or the session timeout made in this
 * process. Process-wide rather than per gateway: any EntityManager of the process may make the
 * change (a service, the CLI in-process, a test), and forgetting a few cached credentials of
 * another gateway of the same process is only a database query.
 */
let generation = 0;

/**
 * Call after a change that can end or alter a credential has been committed (logout, ban, role or
 * password change, deleted user, revoked key, adminTimeOut): every cache of this process forgets
 * what it verified before. After the commit, so that a check racing with the change cannot keep
 * the old answer under the new generation.
 */
export function credentialsChanged(): void {
  generation++;
}

interface Entry {
  generation: number;
  verifiedAt: number;
  actor: Promise<Actor>;
}

/** `actor` as the request from `origin` acts: where it came from is never taken from another request. */
function withOrigin(actor: Actor, { address, door, crossSite }: RequestOrigin): Actor {
  const rebased = { ...actor, address, door };
  if (crossSite) rebased.crossSite = crossSite;
  else delete rebased.crossSite;
  return rebased;
}

/**
 * Verified credentials, kept for a short time (issue 12): a dashboard sends several requests a
 * second with the same session, and checking it cost a database round trip each time: half of a
 * `{ __typename }` request over HTTP. Kept by the SHA-256 of the whole Authorization value, so a
 * wrong secret for a known key id is a different entry (checked by the database as before) and no
 * secret is kept in memory. Refused credentials are never kept. A session's activity
 * (lastSeenAt) is written when the cache asks again, so an idle session may expire up to `ttlMs`
 * earlier than it did without the cache.
 */
export function createCredentialCache({ clock, ttlMs = 2_000, maxEntries = 10_000 }: CredentialCacheOptions): CredentialCache {
  const entries = new Map<string, Entry>();
  return {
    async actorOf(authorization, origin, verify) {
      if (ttlMs <= 0) return verify();
      const key = sha256(authorization);
      const now = clock.now().getTime();
      const cached = entries.get(key);
      // A clock that went back counts as expired too.
      if (cached && cached.generation === generation && now >= cached.verifiedAt && now - cached.verifiedAt < ttlMs) {
        return withOrigin(await cached.actor, origin);
      }
      if (cached) entries.delete(key);
      const entry: Entry = { generation, verifiedAt: now, actor: verify() };
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(key, entry);
      const forget = () => void (entries.get(key) === entry && entries.delete(key));
      entry.actor.then((actor) => actor.kind === 'anonymous' && forget(), forget);
      return withOrigin(await entry.actor, origin);
    },
  };
}
