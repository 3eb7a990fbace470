import type { Actor, RequestOrigin } from '../auth/actor';
import { credentialsChanged } from '../auth/credential-cache';
import { decoyHash, newSecret, sameDigest, sha256, verifyPassword } from '../auth/secrets';
import { Session, User } from '../entities';
import { AuditService } from './audit.service';
import { errors, isAppError } from './errors';
import type { ServiceContext } from './service-context';
import { DEFAULT_SETTINGS } from './settings.service';
import { UserService } from './user.service';

export interface LoginResult {
  token: string;
  user: User;
  /** When the session ends if no request comes before (adminTimeOut minutes after the last one). */
  expiresAt: Date;
}

/** A session token checked: the actor it stands for, or why it is refused. */
export type SessionCheck = { ok: true; actor: Extract<Actor, { kind: 'user' }>; expiresAt: Date } | { ok: false; problem: string };

/**
 * Statements that check a credential start with this comment, so that a query log (and the
 * statement-counting tests) can tell them from the statements of the operation itself.
 */
export const AUTH_SQL_TAG = '/* sdes:auth */';

/** lastSeenAt is written at most this often: one UPDATE per client per few seconds, not per request. */
const TOUCH_EVERY_MS = 5_000;
const WRONG = 'wrong username or password';

interface SessionRow {
  id: number;
  token_hash: string;
  last_seen_at: Date | string;
  ended_at: Date | string | null;
  end_reason: string | null;
  user_id: number;
  username: string;
  role: 'admin' | 'operator' | 'viewer';
  banned: boolean;
  timeout_minutes: number | null;
}

/** Logins, logouts and session tokens (stored as SHA-256), expiring after the general setting adminTimeOut. */
export class SessionService {
  constructor(private readonly ctx: ServiceContext) {}

  /**
   * Checks the password (Argon2id; an unknown username is checked against a decoy hash so it
   * takes as long), within the login limits, and opens a session. Every try is audited as
   * `auth.login`, with the reason when it fails.
   */
  async login(username: unknown, password: unknown): Promise<LoginResult> {
    if (typeof username !== 'string' || !username.trim()) throw errors.invalid('username', 'a non-empty string', username);
    if (typeof password !== 'string' || !password) throw errors.invalid('password', 'a non-empty string');
    const address = this.ctx.actor?.address;
    const audit = new AuditService(this.ctx);
    const fail = async (reason: string, code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'RATE_LIMITED') =>
      audit.record({ action: 'auth.login', outcome: 'failed', errorCode: code, detail: { username, reason } });
    try {
      await this.ctx.loginLimiter?.check(username, address);
    } catch (err) {
      if (isAppError(err)) await fail('rate limited', 'RATE_LIMITED');
      throw err;
    }
    const user = await new UserService(this.ctx).findByUsername(username);
    const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash()), password);
    if (!user || !valid) {
      await this.ctx.loginLimiter?.failed(username, address);
      await fail(user ? 'wrong password' : 'unknown username', 'UNAUTHENTICATED');
      throw errors.unauthenticated(WRONG);
    }
    if (user.banned) {
      await fail('banned', 'FORBIDDEN');
      throw errors.forbidden(`the account ${user.username} is banned: ask an admin`);
    }
    await this.ctx.loginLimiter?.succeeded(username);
    const token = newSecret();
    const now = this.ctx.clock.now();
    const session = this.ctx.em.create(Session, { tokenHash: sha256(token), user, createdAt: now, lastSeenAt: now, address: address ?? null });
    user.lastLoginAt = now;
    await this.ctx.em.flush();
    const actor: Actor = {
      kind: 'user',
      userId: user.id,
      username: user.username,
      role: user.role,
      sessionId: session.id,
      door: this.ctx.actor?.door ?? 'rest',
      address,
    };
    await audit.record({ action: 'auth.login', outcome: 'ok' }, actor);
    await this.purgeOld();
    return { token, user, expiresAt: new Date(now.getTime() + (await this.timeoutMs())) };
  }

  /** Ends the caller's session (an API key has none: nothing happens). */
  async logout(): Promise<boolean> {
    const actor = this.ctx.actor;
    if (actor?.kind !== 'user') return false;
    const ended = await this.ctx.em.nativeUpdate(Session, { id: actor.sessionId, endedAt: null }, { endedAt: this.ctx.clock.now(), endReason: 'logout' });
    credentialsChanged();
    await new AuditService(this.ctx).record({ action: 'auth.logout', outcome: 'ok' });
    return ended > 0;
  }

  /** The actor a session token stands for; counts as activity (lastSeenAt moves). */
  async check(token: string, origin: RequestOrigin): Promise<SessionCheck> {
    const hash = sha256(token);
    const [row] = await this.ctx.em.getConnection().execute<SessionRow[]>(
      `${AUTH_SQL_TAG} select s.id, s.token_hash, s.last_seen_at, s.ended_at, s.end_reason, u.id as user_id, u.username, u.role, u.banned,
              (select (value->>'adminTimeOut')::int from setting where key = 'general') as timeout_minutes
         from operator_session s join operator_user u on u.id = s.user_id
        where s.token_hash = ?`,
      [hash],
    );
    if (!row || !sameDigest(row.token_hash, hash)) return { ok: false, problem: 'unknown session token' };
    if (row.ended_at) return { ok: false, problem: row.end_reason === 'logout' ? 'the session was logged out' : `the session has ended (${row.end_reason})` };
    if (row.banned) return { ok: false, problem: `the account ${row.username} is banned` };
    const now = this.ctx.clock.now().getTime();
    const timeoutMs = (row.timeout_minutes ?? DEFAULT_SETTINGS.general.adminTimeOut) * 60_000;
    const lastSeen = new Date(row.last_seen_at).getTime();
    if (now - lastSeen > timeoutMs) {
      await this.ctx.em.nativeUpdate(Session, { id: row.id, endedAt: null }, { endedAt: new Date(lastSeen + timeoutMs), endReason: 'expired' });
      return { ok: false, problem: `the session expired after ${timeoutMs / 60_000} minutes without a request (adminTimeOut): log in again` };
    }
    if (now - lastSeen >= TOUCH_EVERY_MS) {
      await this.ctx.em.getConnection().execute(`${AUTH_SQL_TAG} update operator_session set last_seen_at = ? where id = ?`, [new Date(now), row.id]);
    }
    return {
      ok: true,
      actor: { kind: 'user', userId: row.user_id, username: row.username, role: row.role, sessionId: row.id, ...origin },
      expiresAt: new Date(now + timeoutMs),
    };
  }

  /** Of these sessions, the ones still open and not idle past adminTimeOut (for open WebSockets; not activity). */
  async stillOpen(sessionIds: number[]): Promise<Set<number>> {
    if (!sessionIds.length) return new Set();
    const since = new Date(this.ctx.clock.now().getTime() - (await this.timeoutMs()));
    const rows = await this.ctx.em.getConnection().execute<{ id: number }[]>(
      `select s.id from operator_session s join operator_user u on u.id = s.user_id
        where s.id in (${sessionIds.map(() => '?').join(', ')}) and s.ended_at is null and not u.banned and s.last_seen_at >= ?`,
      [...sessionIds, since],
    );
    return new Set(rows.map((r) => r.id));
  }

  private async timeoutMs(): Promise<number> {
    const [row] = await this.ctx.em
      .getConnection()
      .execute<{ minutes: number | null }[]>(`select (value->>'adminTimeOut')::int as minutes from setting where key = 'general'`);
    return (row?.minutes ?? DEFAULT_SETTINGS.general.adminTimeOut) * 60_000;
  }

  /** Sessions idle for a week (and longer than adminTimeOut) are gone for good. */
  private async purgeOld(): Promise<void> {
    const keepMs = Math.max(7 * 24 * 3_600_000, 2 * (await this.timeoutMs()));
    await this.ctx.em.nativeDelete(Session, { lastSeenAt: { $lt: new Date(this.ctx.clock.now().getTime() - keepMs) } });
  }
}
