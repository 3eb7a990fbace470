import { Client as PgClient } from 'pg';
import { sha256 } from '../../src/auth/secrets';
import { AUTH_SQL_TAG } from '../../src/services/session.service';
import { basic, bearer, createTestApiKey, createTestUser, loginOverRest } from '../support/auth';
import { ManualClock } from '../support/clock';
import { call, startTestGateway, type TestGateway } from '../rest-compat/support/gateway';

/*
 * Verified credentials are kept for 2 s (src/auth/credential-cache.ts), over real HTTP against a
 * real gateway: a change made through this gateway takes effect at once, one made behind its
 * back (another gateway, the CLI: here a plain SQL update) within the 2 s, and nothing of the
 * request itself (its origin) is ever taken from a kept entry.
 */

const clock = new ManualClock(Date.now());
const TTL_MS = 2_000;
let t: TestGateway;

beforeAll(async () => {
  t = await startTestGateway({ clock });
});

afterAll(async () => {
  await t?.stop();
});

/** The credential checks (statements tagged AUTH_SQL_TAG) that `fn` sends to the database. */
async function authStatements(fn: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const proto = PgClient.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
    if (text?.startsWith(AUTH_SQL_TAG)) count++;
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return count;
}

/** Runs SQL on the gateway's database, as another gateway or `sdes user ...` would. */
const behindItsBack = (sql: string, params: unknown[]) => t.gateway.db.orm.em.fork().getConnection().execute(sql, params);

const gql = async (query: string, headers: Record<string, string>) => {
  const res = await fetch(`${t.gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as { data?: Record<string, unknown>; errors?: { extensions: { code: string } }[] } };
};

describe('a verified credential', () => {
  it('is checked against the database once for the requests of the next 2 s, through both doors', async () => {
    const session = bearer(await loginOverRest(t.gateway.url));
    const checks = await authStatements(async () => {
      for (let i = 0; i < 3; i++) {
        expect((await call({ base: t.base, headers: session }, 'GET', '/jobs')).status).toBe(200);
        expect((await gql('{ jobs { totalCount } }', session)).status).toBe(200);
      }
    });
    expect(checks).toBe(1);
    clock.advance(TTL_MS);
    expect(await authStatements(() => call({ base: t.base, headers: session }, 'GET', '/jobs'))).toBeGreaterThanOrEqual(1);
  });

  it('is not kept when refused: a wrong secret for a kept key id is refused every time', async () => {
    const key = await createTestApiKey(t.gateway.db.orm, 'viewer', clock);
    expect((await call({ base: t.base, headers: key.headers }, 'GET', '/jobs')).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const wrong = await call<{ message: string }>({ base: t.base, headers: basic(key.keyId, `${key.secret}x`) }, 'GET', '/jobs');
      expect([wrong.status, wrong.body.message]).toEqual([401, expect.stringMatching(/wrong secret/)]);
    }
  });

  it('takes where the request comes from from the request itself: a kept session still may not change anything cross-site', async () => {
    const session = bearer(await loginOverRest(t.gateway.url));
    const sameSite = await call(
      { base: t.base, headers: session },
      'POST',
      '/tasks',
      { taskName: 'kept same-site' },
      { headers: { 'sec-fetch-site': 'same-origin' } },
    );
    expect(sameSite.status).toBe(200);
    const crossSite = await call(
      { base: t.base, headers: session },
      'POST',
      '/tasks',
      { taskName: 'kept cross-site' },
      { headers: { 'sec-fetch-site': 'cross-site' } },
    );
    expect(crossSite.status).toBe(403);
    const again = await call({ base: t.base, headers: session }, 'POST', '/tasks', { taskName: 'kept same-site again' });
    expect(again.status).toBe(200);
  });
});

describe('a change made through this gateway takes effect at once', () => {
  it('a logout', async () => {
    const session = { base: t.base, headers: bearer(await loginOverRest(t.gateway.url)) };
    expect((await call(session, 'GET', '/jobs')).status).toBe(200);
    expect((await call(session, 'POST', '/auth/logout')).status).toBe(200);
    const after = await call<{ message: string }>(session, 'GET', '/jobs');
    expect([after.status, after.body.message]).toEqual([401, expect.stringMatching(/logged out/)]);
  });

  it('a revoked API key', async () => {
    const key = await createTestApiKey(t.gateway.db.orm, 'viewer', clock);
    expect((await call({ base: t.base, headers: key.headers }, 'GET', '/jobs')).status).toBe(200);
    expect((await call(t.api, 'DELETE', `/apikeys/${key.keyId}`)).status).toBe(200);
    expect((await call({ base: t.base, headers: key.headers }, 'GET', '/jobs')).status).toBe(401);
  });

  it('a new role, and a ban', async () => {
    const user = await createTestUser(t.gateway.db.orm, 'trent', 'operator', clock);
    const session = { base: t.base, headers: bearer(await loginOverRest(t.gateway.url, user)) };
    expect((await call(session, 'POST', '/tasks', { taskName: 'by an operator' })).status).toBe(200);
    const id = (await call<{ list: { id: number; username: string }[] }>(t.api, 'GET', '/users')).body.list.find((u) => u.username === 'trent')!.id;
    expect((await call(t.api, 'PUT', `/users/${id}`, { role: 'viewer' })).status).toBe(200);
    expect((await call(session, 'POST', '/tasks', { taskName: 'by a viewer' })).status).toBe(403);
    expect((await call(t.api, 'PUT', `/users/${id}`, { banned: true })).status).toBe(200);
    expect((await call(session, 'GET', '/jobs')).status).toBe(401);
  });
});

describe('a change made behind its back takes effect within 2 s', () => {
  it('an ended session', async () => {
    const token = await loginOverRest(t.gateway.url);
    const session = { base: t.base, headers: bearer(token) };
    expect((await call(session, 'GET', '/jobs')).status).toBe(200);
    await behindItsBack(`update operator_session set ended_at = now(), end_reason = 'logout' where token_hash = ?`, [sha256(token)]);
    clock.advance(TTL_MS - 1);
    expect((await call(session, 'GET', '/jobs')).status).toBe(200);
    clock.advance(1);
    const after = await call<{ message: string }>(session, 'GET', '/jobs');
    expect([after.status, after.body.message]).toEqual([401, expect.stringMatching(/logged out/)]);
  });

  it('a revoked API key, over GraphQL too', async () => {
    const key = await createTestApiKey(t.gateway.db.orm, 'viewer', clock);
    const headers = { authorization: `Bearer ${key.keyId}:${key.secret}` };
    expect((await gql('{ jobs { totalCount } }', headers)).status).toBe(200);
    await behindItsBack('update api_key set revoked_at = now() where key_id = ?', [key.keyId]);
    clock.advance(TTL_MS);
    const after = await gql('{ jobs { totalCount } }', headers);
    expect([after.status, after.body.errors?.[0].extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('a clock that goes back does not stretch the 2 s', async () => {
    const key = await createTestApiKey(t.gateway.db.orm, 'viewer', clock);
    expect((await call({ base: t.base, headers: key.headers }, 'GET', '/jobs')).status).toBe(200);
    await behindItsBack('update api_key set revoked_at = now() where key_id = ?', [key.keyId]);
    clock.advance(-1);
    expect((await call({ base: t.base, headers: key.headers }, 'GET', '/jobs')).status).toBe(401);
    clock.advance(1);
  });
});
