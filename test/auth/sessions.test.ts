import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { SERVED_ROUTES } from '../../src/rest-compat';
import { basic, bearer, createTestUser, loginOverRest, TEST_ADMIN } from '../support/auth';
import { ManualClock } from '../support/clock';
import { call, startTestGateway, type TestGateway } from '../rest-compat/support/gateway';

/*
 * Sessions and keys over real HTTP and WebSocket: what an anonymous caller is told, login and
 * logout through both doors, expiry after adminTimeOut minutes of inactivity (on an injected
 * clock), and the sockets that close when their session ends.
 */

const clock = new ManualClock(Date.now());
let t: TestGateway;
const sockets: WsClient[] = [];
const MINUTE = 60_000;

beforeAll(async () => {
  t = await startTestGateway({ clock, authSweepMs: 50 });
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await t?.stop();
});

const gqlUrl = () => `${t.gateway.url}/graphql`;

async function gql(query: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>) {
  const res = await fetch(gqlUrl(), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { message: string; extensions: { code: string } }[] } };
}

/** Opens a graphql-ws client and answers how its socket closed (code and reason), or 'open' once acknowledged. */
function connect(params: Record<string, unknown> | undefined, headers?: Record<string, string>) {
  let closed!: (c: { code: number; reason: string }) => void;
  const closedP = new Promise<{ code: number; reason: string }>((resolve) => (closed = resolve));
  let opened!: () => void;
  const openedP = new Promise<'open'>((resolve) => (opened = () => resolve('open')));
  class HeaderSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({
    url: gqlUrl().replace(/^http/, 'ws'),
    webSocketImpl: headers ? HeaderSocket : WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: params,
    onNonLazyError: () => undefined,
    on: {
      connected: () => opened(),
      closed: (e) => closed({ code: (e as { code: number; reason: unknown }).code, reason: String((e as { code: number; reason: unknown }).reason) }),
    },
  });
  client.on('error', () => undefined);
  sockets.push(client);
  return { client, opened: openedP, closed: closedP };
}

describe('without a credential', () => {
  it.each(SERVED_ROUTES.filter((r) => r.permission !== 'public').map((r) => [`${r.method.toUpperCase()} /v1${r.path}`, r] as const))(
    '%s answers 401 with a JSON body saying how to log in',
    async (_name, route) => {
      const answer = await call<{ code: string; message: string }>(
        t.base,
        route.method.toUpperCase(),
        route.path.replace(/:[A-Za-z]+/g, '1'),
        route.method === 'get' ? undefined : {},
      );
      expect(answer.status).toBe(401);
      expect(answer.contentType).toMatch(/^application\/json/);
      expect(answer.body.code).toBe('UNAUTHENTICATED');
      expect(answer.body.message).toMatch(/no credential: send Authorization: Bearer <token> \(POST \/v1\/auth\/login/);
    },
  );

  it('sends WWW-Authenticate with the 401', async () => {
    const res = await fetch(`${t.base}/jobs`);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="SDES"');
  });

  it('GraphQL answers HTTP 401 with UNAUTHENTICATED, and runs nothing', async () => {
    const { status, body } = await gql('mutation { createTask(input: { name: "anonymous-task" }) { id } }');
    expect(status).toBe(401);
    expect(body.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(body.data).toBeUndefined();
    const tasks = await call<{ total: number }>(t.api, 'GET', '/tasks?taskName=anonymous-task');
    expect(tasks.body.total).toBe(0);
  });

  it('an unknown token, a revoked key and a username:password over Basic are refused, each saying why', async () => {
    expect((await call<{ message: string }>({ base: t.base, headers: bearer('nonsense') }, 'GET', '/jobs')).body.message).toMatch(/unknown session token/);
    expect((await call<{ message: string }>({ base: t.base, headers: basic('admin', TEST_ADMIN.password) }, 'GET', '/jobs')).body.message).toMatch(
      /HTTP Basic takes an API key/,
    );
    const created = await call<{ keyId: string; secret: string }>(t.api, 'POST', '/apikeys', { name: 'short-lived', role: 'viewer' });
    const key = { base: t.base, headers: basic(created.body.keyId, created.body.secret) };
    expect((await call(key, 'GET', '/jobs')).status).toBe(200);
    expect((await call(key, 'GET', '/jobs', undefined, { headers: { authorization: `Bearer ${created.body.keyId}:${created.body.secret}` } })).status).toBe(
      200,
    );
    expect((await call(t.api, 'DELETE', `/apikeys/${created.body.keyId}`)).status).toBe(200);
    const after = await call<{ message: string }>(key, 'GET', '/jobs');
    expect([after.status, after.body.message]).toEqual([401, expect.stringMatching(/was revoked/)]);
  });
});

describe('login and logout', () => {
  it('POST /v1/auth/login {username, password} gives {token}; the token works until POST /v1/auth/logout', async () => {
    const login = await call<{ token: string; expiresAt: number; user: { username: string; role: string } }>(t.base, 'POST', '/auth/login', TEST_ADMIN);
    expect(login.status).toBe(200);
    expect(login.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(login.body.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(login.body.expiresAt).toBe(clock.now().getTime() + 30 * MINUTE);
    const session = { base: t.base, headers: bearer(login.body.token) };
    expect((await call(session, 'GET', '/auth/me')).body).toEqual({ kind: 'user', name: 'admin', role: 'admin' });
    expect((await call(session, 'POST', '/auth/logout')).body).toEqual({ loggedOut: true });
    const after = await call<{ code: string; message: string }>(session, 'GET', '/jobs');
    expect([after.status, after.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(after.body.message).toMatch(/logged out/);
  });

  it('the login and logout mutations do the same over GraphQL', async () => {
    const login = await gql(
      'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token user { username role } } }',
      {},
      { u: 'admin', p: TEST_ADMIN.password },
    );
    const token = login.body.data.login.token as string;
    expect(login.body.data.login.user).toEqual({ username: 'admin', role: 'ADMIN' });
    expect((await gql('{ me { kind name role } }', bearer(token))).body.data.me).toEqual({ kind: 'user', name: 'admin', role: 'ADMIN' });
    expect((await gql('mutation { logout }', bearer(token))).body.data.logout).toBe(true);
    const after = await gql('{ jobs { totalCount } }', bearer(token));
    expect([after.status, after.body.errors?.[0].extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('a wrong password is 401 and names no more than "wrong username or password"; so is an unknown user', async () => {
    for (const body of [
      { username: 'admin', password: 'not-the-password' },
      { username: 'nobody', password: 'whatever-it-is' },
    ]) {
      const answer = await call(t.base, 'POST', '/auth/login', body);
      expect([answer.status, answer.body]).toEqual([401, { code: 'UNAUTHENTICATED', message: 'wrong username or password' }]);
    }
  });

  it('a banned account cannot log in, and its open sessions end', async () => {
    const user = await createTestUser(t.gateway.db.orm, 'mallory', 'operator', clock);
    const token = await loginOverRest(t.gateway.url, user);
    const id = (await call<{ list: { id: number; username: string }[] }>(t.api, 'GET', '/users')).body.list.find((u) => u.username === 'mallory')!.id;
    expect((await call(t.api, 'PUT', `/users/${id}`, { banned: true })).status).toBe(200);
    expect((await call<{ message: string }>({ base: t.base, headers: bearer(token) }, 'GET', '/jobs')).body.message).toMatch(/ended \(banned\)|banned/);
    const again = await call(t.base, 'POST', '/auth/login', user);
    expect(again.status).toBe(403);
  });
});

describe('sessions expire after adminTimeOut minutes without a request', () => {
  it('is refused over HTTP once idle past the timeout, and kept alive by requests', async () => {
    const token = await loginOverRest(t.gateway.url);
    const session = { base: t.base, headers: bearer(token) };
    clock.advance(20 * MINUTE);
    expect((await call(session, 'GET', '/jobs')).status).toBe(200);
    clock.advance(20 * MINUTE); // 40 minutes after login, 20 after the last request
    expect((await call(session, 'GET', '/jobs')).status).toBe(200);
    clock.advance(30 * MINUTE + 1_000);
    const expired = await call<{ message: string }>(session, 'GET', '/jobs');
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/expired after 30 minutes without a request \(adminTimeOut\)/);
    // Refused for good, even if the clock went back.
    clock.advance(-30 * MINUTE);
    expect((await call(session, 'GET', '/jobs')).status).toBe(401);
    clock.advance(30 * MINUTE);
  });

  it('follows a change of adminTimeOut at once', async () => {
    const token = await loginOverRest(t.gateway.url);
    expect((await call(t.api, 'POST', '/settings', { adminTimeOut: 5 })).status).toBe(200);
    try {
      clock.advance(6 * MINUTE);
      expect((await call({ base: t.base, headers: bearer(token) }, 'GET', '/jobs')).status).toBe(401);
    } finally {
      await call(t.api, 'POST', '/settings', { adminTimeOut: 30 });
    }
  });
});

describe('GraphQL over WebSocket', () => {
  it('closes 4401 without an authorization in connection_init, or with an invalid one', async () => {
    const none = connect(undefined);
    expect(await none.closed).toEqual({ code: 4401, reason: expect.stringMatching(/connection_init payload needs/) });
    const bad = connect({ authorization: 'Bearer nonsense' });
    expect(await bad.closed).toEqual({ code: 4401, reason: expect.stringMatching(/unknown session token/) });
  });

  it('closes 4403 when a browser page of another origin opens it', async () => {
    const token = await loginOverRest(t.gateway.url);
    const evil = connect({ authorization: `Bearer ${token}` }, { origin: 'http://evil.example' });
    expect(await evil.closed).toEqual({ code: 4403, reason: expect.stringMatching(/Origin http:\/\/evil.example/) });
    const own = connect({ authorization: `Bearer ${token}` }, { origin: t.gateway.url });
    expect(await own.opened).toBe('open');
  });

  it('serves a valid session, and closes the socket 4401 when the session expires', async () => {
    const token = await loginOverRest(t.gateway.url);
    const ws = connect({ authorization: `Bearer ${token}` });
    expect(await ws.opened).toBe('open');
    const result = await new Promise((resolve, reject) =>
      ws.client.subscribe({ query: '{ me { name } }' }, { next: resolve, error: reject, complete: () => undefined }),
    );
    expect(result).toEqual({ data: { me: { name: 'admin' } } });
    clock.advance(31 * MINUTE);
    expect(await ws.closed).toEqual({ code: 4401, reason: expect.stringMatching(/expired/) });
  });

  it('closes the socket 4401 when its session logs out', async () => {
    const token = await loginOverRest(t.gateway.url);
    const ws = connect({ authorization: `Bearer ${token}` });
    expect(await ws.opened).toBe('open');
    await call({ base: t.base, headers: bearer(token) }, 'POST', '/auth/logout');
    expect((await ws.closed).code).toBe(4401);
  });

  it('takes an API key too, and closes when it is revoked', async () => {
    const created = await call<{ keyId: string; secret: string }>(t.api, 'POST', '/apikeys', { name: 'ws key', role: 'viewer' });
    const ws = connect({ authorization: `Bearer ${created.body.keyId}:${created.body.secret}` });
    expect(await ws.opened).toBe('open');
    await call(t.api, 'DELETE', `/apikeys/${created.body.keyId}`);
    expect(await ws.closed).toEqual({ code: 4401, reason: expect.stringMatching(/revoked/) });
  });
});

describe('a change never happens on a cross-site request', () => {
  it('GET /v1/jobs/{id}/run from an <img> of another site is refused and runs nothing', async () => {
    const job = await call<{ jobId: number }>(t.api, 'POST', '/jobs', { jobName: 'cross-site target' });
    // What a browser sends for <img src=".../run">: no credential of ours, Sec-Fetch-Site cross-site.
    const img = await call<{ code: string }>(t.base, 'GET', `/jobs/${job.body.jobId}/run`, undefined, {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'image' },
    });
    expect([img.status, img.body.code]).toEqual([403, 'FORBIDDEN']);
    // Even with a credential (a browser holding one, e.g. a future cookie), it stays refused.
    const withKey = await call<{ code: string; message: string }>(t.api, 'GET', `/jobs/${job.body.jobId}/run`, undefined, {
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect([withKey.status, withKey.body.message]).toEqual([403, expect.stringMatching(/cross-site request/)]);
    const foreignOrigin = await call(t.api, 'POST', '/tasks', { taskName: 'from evil' }, { headers: { origin: 'http://evil.example' } });
    expect(foreignOrigin.status).toBe(403);
    const runs = await t.gateway.db.orm.em.fork().getConnection().execute('select count(*)::int as n from job_run where job_id = ?', [job.body.jobId]);
    expect(runs[0].n).toBe(0);
    // Reading cross-site is not a change; the same origin may change.
    expect((await call(t.api, 'GET', '/jobs', undefined, { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
    expect(
      (await call(t.api, 'POST', '/tasks', { taskName: 'same origin' }, { headers: { origin: t.gateway.url, 'sec-fetch-site': 'same-origin' } })).status,
    ).toBe(200);
  });
});

describe('the audit log', () => {
  it('records failed and successful logins, changes and refusals: who, what, when, from where', async () => {
    const since = clock.now().getTime();
    await call(t.base, 'POST', '/auth/login', { username: 'admin', password: 'wrong-password' });
    const token = await loginOverRest(t.gateway.url);
    const viewer = await createTestUser(t.gateway.db.orm, 'vera', 'viewer', clock);
    const viewerToken = await loginOverRest(t.gateway.url, viewer);
    await call({ base: t.base, headers: bearer(token) }, 'POST', '/tasks', { taskName: 'audited task' });
    await gql('mutation { createTask(input: { name: "audited over graphql" }) { id } }', bearer(token));
    await call({ base: t.base, headers: bearer(viewerToken) }, 'POST', '/tasks', { taskName: 'not allowed' });

    const log = await call<{ list: Record<string, unknown>[] }>({ base: t.base, headers: bearer(token) }, 'GET', `/audit?since=${since}&pageSize=50`);
    expect(log.status).toBe(200);
    const entries = log.body.list;
    expect(entries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'auth.login',
          outcome: 'failed',
          actor: 'anonymous',
          address: '127.0.0.1',
          detail: { username: 'admin', reason: 'wrong password' },
        }),
        expect.objectContaining({ action: 'auth.login', outcome: 'ok', actor: 'admin', role: 'admin', address: '127.0.0.1', door: 'rest' }),
        expect.objectContaining({ action: 'POST /v1/tasks', outcome: 'ok', actor: 'admin', door: 'rest', detail: { body: { taskName: 'audited task' } } }),
        expect.objectContaining({ action: 'createTask', outcome: 'ok', actor: 'admin', door: 'graphql', detail: { input: { name: 'audited over graphql' } } }),
        expect.objectContaining({ action: 'POST /v1/tasks', outcome: 'denied', actor: 'vera', role: 'viewer', errorCode: 'FORBIDDEN' }),
      ]),
    );
    for (const e of entries) expect(e.at).toBeGreaterThanOrEqual(since);
    expect(JSON.stringify(entries)).not.toContain(TEST_ADMIN.password);

    const overGraphql = await gql('{ auditLog(filter: { action: "auth.*" }, pageSize: 5) { totalCount nodes { action outcome actor } } }', bearer(token));
    expect(overGraphql.body.data.auditLog.nodes.every((n: { action: string }) => n.action.startsWith('auth.'))).toBe(true);
    // Readable by admins only.
    expect((await call({ base: t.base, headers: bearer(viewerToken) }, 'GET', '/audit')).status).toBe(403);
    expect((await gql('{ auditLog { totalCount } }', bearer(viewerToken))).body.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });
});
