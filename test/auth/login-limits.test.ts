import { createTestUser, TEST_ADMIN } from '../support/auth';
import { call, startTestGateway, type TestGateway } from '../rest-compat/support/gateway';

/* Failed logins are limited per username and per address, in the database (rate-limiter-flexible). */

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ loginLimits: { perUser: 3, perAddress: 8, windowSeconds: 600 } });
  await createTestUser(t.gateway.db.orm, 'una', 'operator');
  await createTestUser(t.gateway.db.orm, 'ulf', 'operator');
});
afterAll(async () => {
  await t?.stop();
});

const login = (username: string, password: string) =>
  call<{ code?: string; message?: string; token?: string }>(t.base, 'POST', '/auth/login', { username, password });
const loginRaw = (username: string, password: string) =>
  fetch(`${t.base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });

describe('login limits', () => {
  it('a success resets the username count', async () => {
    for (let round = 0; round < 2; round++) {
      expect((await login('una', 'wrong-one')).status).toBe(401);
      expect((await login('una', 'wrong-two')).status).toBe(401);
      expect((await login('una', 'una-password')).status).toBe(200);
    }
  });

  it('refuses a username after too many failures, even with the right password, saying when to retry', async () => {
    for (let i = 0; i < 3; i++) expect((await login('ulf', `wrong-${i}`)).body).toEqual({ code: 'UNAUTHENTICATED', message: 'wrong username or password' });
    const res = await loginRaw('ulf', 'ulf-password');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(500);
    expect(await res.json()).toEqual({ code: 'RATE_LIMITED', message: expect.stringMatching(/too many failed logins .* try again in \d+ s/) });
    // Another username from the same address is not affected yet.
    expect((await login('una', 'una-password')).status).toBe(200);
    const graphql = await fetch(`${t.gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'mutation { login(username: "ulf", password: "ulf-password") { token } }' }),
    });
    expect(((await graphql.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('refuses an address after too many failures, whatever the username', async () => {
    // 7 failures so far from 127.0.0.1 (4 for una, 3 for ulf): one more reaches the limit of 8.
    expect((await login('nobody-at-all', 'guess')).status).toBe(401);
    expect((await login('una', 'una-password')).status).toBe(429);
    expect((await login(TEST_ADMIN.username, TEST_ADMIN.password)).status).toBe(429);
  });

  it('counts in the database, shared by every gateway of the installation', async () => {
    const rows = await t.gateway.db.orm.em.fork().getConnection().execute(`select key, points from login_limit order by key`);
    expect(rows).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'login-user:ulf', points: 3 }), expect.objectContaining({ key: 'login-address:127.0.0.1' })]),
    );
  });

  it('audits the refused tries', async () => {
    const log = await call<{ list: { outcome: string; errorCode: string; detail: { username: string; reason: string } }[] }>(
      t.api,
      'GET',
      '/audit?action=auth.login&outcome=failed&pageSize=100',
    );
    expect(log.body.list).toEqual(
      expect.arrayContaining([expect.objectContaining({ errorCode: 'RATE_LIMITED', detail: { username: 'ulf', reason: 'rate limited' } })]),
    );
  });
});
