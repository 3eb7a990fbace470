import type { MikroORM, PostgreSqlConnection } from '@mikro-orm/postgresql';
import { RateLimiterMemory, RateLimiterPostgres, type RateLimiterAbstract, type RateLimiterStoreAbstract } from 'rate-limiter-flexible';
import { errors } from '../services/errors';

/**
 * Failed logins are counted per username (whatever the address) and per address (whatever the
 * username) with rate-limiter-flexible. The counters live in PostgreSQL (table `login_limit`,
 * through the ORM's own connection pool) rather than in memory: every gateway of an installation
 * shares the database, so an attacker gains nothing by spreading tries over gateways or by waiting
 * for a restart. A success resets the username's counter; an address's counter only expires.
 * A username over its limit is refused before its password is checked, so the limit cannot be
 * used to learn the password; the price is that someone can lock an account for one window by
 * failing on purpose: `sdes user passwd` (or an admin) still works, and the window is short.
 */
export interface LoginLimits {
  /** Failed logins of one username per window (default 10). */
  perUser: number;
  /** Failed logins from one address per window (default 30). */
  perAddress: number;
  /** The window, in seconds (default 900). */
  windowSeconds: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perUser: 10, perAddress: 30, windowSeconds: 900 };

export interface LoginLimiter {
  readonly limits: LoginLimits;
  /** Throws RATE_LIMITED (with the seconds to wait) when the username or the address is over its limit. */
  check(username: string, address: string | undefined): Promise<void>;
  failed(username: string, address: string | undefined): Promise<void>;
  succeeded(username: string): Promise<void>;
}

/** Reads SDES_LOGIN_MAX_FAILS_PER_USER, SDES_LOGIN_MAX_FAILS_PER_ADDRESS, SDES_LOGIN_WINDOW_SECONDS. */
export function loginLimitsFromEnv(env: NodeJS.ProcessEnv): LoginLimits {
  const num = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name}="${raw}": expected an integer from 1`);
    return value;
  };
  return {
    perUser: num('SDES_LOGIN_MAX_FAILS_PER_USER', DEFAULT_LOGIN_LIMITS.perUser),
    perAddress: num('SDES_LOGIN_MAX_FAILS_PER_ADDRESS', DEFAULT_LOGIN_LIMITS.perAddress),
    windowSeconds: num('SDES_LOGIN_WINDOW_SECONDS', DEFAULT_LOGIN_LIMITS.windowSeconds),
  };
}

const CLEAR_EVERY_MS = 5 * 60_000;

type PgQuery = { text: string; values?: unknown[] };
type PgConnection = { query(q: PgQuery): Promise<unknown> };
type KnexClient = { acquireConnection(): Promise<PgConnection>; releaseConnection(c: PgConnection): Promise<unknown> };

/**
 * The library names its prepared statements; the embedded database serves every connection from
 * one session, where a second connection preparing the same name fails. Unnamed statements,
 * through the ORM's pool, work on both.
 */
function unnamedStatements(orm: MikroORM): PgConnection {
  const client = (orm.em.getConnection() as PostgreSqlConnection).getKnex().client as unknown as KnexClient;
  return {
    async query({ text, values }) {
      const conn = await client.acquireConnection();
      try {
        return await conn.query({ text, values });
      } finally {
        await client.releaseConnection(conn);
      }
    },
  };
}

/** `orm` stores the counters in the database; without it they are kept in memory (tests of one process). */
export function createLoginLimiter({ orm, limits = DEFAULT_LOGIN_LIMITS }: { orm?: MikroORM; limits?: LoginLimits } = {}): LoginLimiter {
  const store = orm ? unnamedStatements(orm) : undefined;
  const make = (keyPrefix: string, points: number): RateLimiterAbstract | RateLimiterStoreAbstract =>
    store
      ? new RateLimiterPostgres({
          storeClient: store,
          // Any name but the library's own (pool, knex, ...) makes it call storeClient.query directly.
          storeType: 'client',
          tableName: 'login_limit',
          tableCreated: true,
          clearExpiredByTimeout: false,
          keyPrefix,
          points,
          duration: limits.windowSeconds,
          // Should the database fail a count, memory keeps counting rather than the login failing.
          insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration: limits.windowSeconds }),
        })
      : new RateLimiterMemory({ keyPrefix, points, duration: limits.windowSeconds });
  const byUser = make('login-user', limits.perUser);
  const byAddress = make('login-address', limits.perAddress);
  const userKey = (username: string) => username.trim().toLowerCase();
  let lastClear = Date.now();

  return {
    limits,
    async check(username, address) {
      const u = await byUser.get(userKey(username));
      const a = address ? await byAddress.get(address) : null;
      const over = [u && u.consumedPoints >= limits.perUser ? u : null, a && a.consumedPoints >= limits.perAddress ? a : null].filter((r) => r !== null);
      if (!over.length) return;
      const seconds = Math.max(1, Math.ceil(Math.max(...over.map((r) => r.msBeforeNext)) / 1000));
      throw errors.rateLimited(`too many failed logins for this username or from this address: try again in ${seconds} s`, seconds);
    },
    async failed(username, address) {
      // A count the store could not write is lost rather than turned into a failed request; the
      // insurance limiter keeps reads going meanwhile.
      await byUser.penalty(userKey(username)).catch(() => undefined);
      if (address) await byAddress.penalty(address).catch(() => undefined);
      if (orm && Date.now() - lastClear > CLEAR_EVERY_MS) {
        lastClear = Date.now();
        await (byUser as RateLimiterPostgres & { clearExpired(before: number): Promise<void> }).clearExpired(Date.now());
      }
    },
    async succeeded(username) {
      await byUser.delete(userKey(username)).catch(() => undefined);
    },
  };
}
