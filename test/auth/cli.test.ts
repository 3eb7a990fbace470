import fs from 'node:fs/promises';
import path from 'node:path';
import { bearer, basic, loginOverRest } from '../support/auth';
import { createE2eDatabase } from '../e2e/support/fleet';
import { runCli, startServeProcess } from '../support/serve-process';

/*
 * `sdes user ...` and `sdes apikey ...` in real processes on a real database, then the real
 * `sdes serve` on the same one; and the first start without SDES_ADMIN_PASSWORD.
 */

// Each command is a process that opens the database: slow on a loaded machine.
jest.setTimeout(600_000);
const external = { DATABASE_URL: process.env.DATABASE_URL ?? '', MQTT_URL: process.env.MQTT_URL ?? '' };

async function json(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as any };
}

describe('the first start', () => {
  it('creates admin with a random password, shows it once, writes it to a file, and removes the file when it changes', async () => {
    const db = await createE2eDatabase();
    const dir = db.dataDir;
    const env = { SDES_DATA_DIR: dir, SDES_ADMIN_PASSWORD: '', DATABASE_URL: db.databaseUrl ?? '', MQTT_URL: external.MQTT_URL };
    try {
      const serve = await startServeProcess(env);
      try {
        const file = path.join(dir, 'initial-admin-password');
        const password = (await fs.readFile(file, 'utf8')).trim();
        expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
        expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
        expect(serve.output().split(password).length - 1).toBe(1);
        const token = await loginOverRest(serve.url, { username: 'admin', password });
        const changed = await json(`${serve.url}/v1/auth/password`, {
          method: 'PUT',
          headers: bearer(token),
          body: JSON.stringify({ currentPassword: password, newPassword: 'a-new-admin-password' }),
        });
        expect(changed.status).toBe(200);
        await expect(fs.stat(file)).rejects.toThrow(/ENOENT/);
        expect(await loginOverRest(serve.url, { username: 'admin', password: 'a-new-admin-password' })).toBeTruthy();
      } finally {
        expect(await serve.stop()).toBe(0);
      }
      // A second start creates nothing and shows no password.
      const again = await startServeProcess(env);
      await again.stop();
      expect(again.output()).not.toMatch(/password:/);
    } finally {
      await db.drop();
    }
  });
});

describe('sdes user and sdes apikey', () => {
  let db: Awaited<ReturnType<typeof createE2eDatabase>>;
  beforeAll(async () => {
    db = await createE2eDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('manage accounts and keys that the gateway then takes', async () => {
    const env = { SDES_DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl ?? '' };
    const add = await runCli(['user', 'add', 'alice', '--role', 'operator', '--password-stdin'], env, 'alice-secret-pw\n');
    expect([add.code, add.output]).toEqual([0, expect.stringContaining('created alice (operator)')]);
    const dup = await runCli(['user', 'add', 'Alice', '--password-stdin'], env, 'short\n');
    expect([dup.code, dup.output]).toEqual([1, expect.stringContaining('password: expected a string of 8 to 1024 characters')]);
    const random = await runCli(['user', 'add', 'carol'], env);
    const carolPassword = /password: (\S+)/.exec(random.output)![1];
    const list = await runCli(['user', 'list'], env);
    expect(list.output).toMatch(/alice\toperator\tno/);
    expect(list.output).toMatch(/carol\tviewer\tno/);
    const passwd = await runCli(['user', 'passwd', 'alice', '--password-stdin'], env, 'alice-second-pw\n');
    expect([passwd.code, passwd.output]).toEqual([0, expect.stringContaining('password of alice changed')]);
    const created = await runCli(['apikey', 'create', '--name', 'legacy dashboard', '--role', 'viewer'], env);
    const keyId = /keyId: (\S+)/.exec(created.output)![1];
    const secret = /secret: (\S+)/.exec(created.output)![1];
    const doomed = await runCli(['apikey', 'create', '--name', 'to revoke'], env);
    const doomedId = /keyId: (\S+)/.exec(doomed.output)![1];
    const doomedSecret = /secret: (\S+)/.exec(doomed.output)![1];
    expect((await runCli(['apikey', 'revoke', doomedId], env)).output).toContain(`revoked ${doomedId}`);

    const serve = await startServeProcess({ ...env, SDES_ADMIN_PASSWORD: 'admin-password-1', MQTT_URL: external.MQTT_URL });
    try {
      expect(await loginOverRest(serve.url, { username: 'alice', password: 'alice-second-pw' })).toBeTruthy();
      expect(await loginOverRest(serve.url, { username: 'carol', password: carolPassword })).toBeTruthy();
      expect(
        (await json(`${serve.url}/v1/auth/login`, { method: 'POST', body: JSON.stringify({ username: 'alice', password: 'alice-secret-pw' }) })).status,
      ).toBe(401);
      expect((await json(`${serve.url}/v1/jobs`, { headers: basic(keyId, secret) })).status).toBe(200);
      expect((await json(`${serve.url}/v1/jobs`, { method: 'POST', headers: basic(keyId, secret), body: '{"jobName":"x"}' })).status).toBe(403);
      expect((await json(`${serve.url}/v1/jobs`, { headers: basic(doomedId, doomedSecret) })).status).toBe(401);
      const token = await loginOverRest(serve.url, { username: 'admin', password: 'admin-password-1' });
      const audit = await json(`${serve.url}/v1/audit?action=user.*&pageSize=50`, { headers: bearer(token) });
      expect(audit.body.list.map((e: { action: string; actor: string }) => [e.action, e.actor.split(':')[0]])).toEqual(
        expect.arrayContaining([
          ['user.add', 'cli'],
          ['user.passwd', 'cli'],
        ]),
      );
    } finally {
      await serve.stop();
    }
  });
});
