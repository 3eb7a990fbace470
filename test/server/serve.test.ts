import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { bearer, loginOverRest, TEST_ADMIN } from '../support/auth';
import { runCli, startServeProcess } from '../support/serve-process';

/** Service env for this run: embedded unless DATABASE_URL / MQTT_URL are set (CI's second pass). */
const external = { DATABASE_URL: process.env.DATABASE_URL ?? '', MQTT_URL: process.env.MQTT_URL ?? '' };

async function json(url: string, init?: RequestInit) {
  const res = await fetch(url, { ...init, headers: { 'content-type': 'application/json', ...(init?.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as any };
}

// Each test starts real processes, each opening its own database: slow on a loaded machine.
jest.setTimeout(180_000);

describe('sdes serve (the real process)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-serve-'));
  });
  afterAll(async () => {
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('answers /healthz 200 with the state and kind of database and broker', async () => {
    const serve = await startServeProcess({ SDES_DATA_DIR: dataDir, ...external });
    try {
      const { status, body } = await json(`${serve.url}/healthz`);
      expect(status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.database).toMatchObject({ status: 'up', kind: process.env.DATABASE_URL ? 'external' : 'embedded' });
      expect(body.broker).toMatchObject({ status: 'up', kind: process.env.MQTT_URL ? 'external' : 'embedded' });
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });

  (process.env.DATABASE_URL ? it.skip : it)('keeps every row across a stop and a start on the embedded database', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-restart-'));
    const admin = { SDES_ADMIN_PASSWORD: TEST_ADMIN.password };
    let serve = await startServeProcess({ SDES_DATA_DIR: dir, ...admin });
    const created = await json(`${serve.url}/v1/clients`, {
      method: 'POST',
      headers: bearer(await loginOverRest(serve.url)),
      body: JSON.stringify({ mqttClientId: 'survivor-1', username: 'keeper', role: 'SERVER', enable: true }),
    });
    expect(created.status).toBe(200);
    expect(await serve.stop()).toBe(0);

    serve = await startServeProcess({ SDES_DATA_DIR: dir, ...admin });
    try {
      const list = await json(`${serve.url}/v1/clients?mqttClientId=survivor-1&pageNo=1&pageSize=10`, { headers: bearer(await loginOverRest(serve.url)) });
      expect(list.body.total).toBe(1);
      expect(list.body.list[0]).toMatchObject({ username: 'keeper', enable: true, role: 'SERVER' });
    } finally {
      await serve.stop();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('ends with one line naming MQTT_PORT and MQTT_URL when the broker port is busy', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '0.0.0.0', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { code, output } = await runCli(['serve'], {
        SDES_DATA_DIR: dataDir,
        PORT: '0',
        MQTT_PORT: String(port),
        DATABASE_URL: external.DATABASE_URL,
        MQTT_URL: '',
      });
      expect(code).toBe(1);
      expect(output).toMatch(new RegExp(`MQTT_PORT ${port} is already in use.*MQTT_URL`));
    } finally {
      blocker.close();
    }
  });

  it('ends with one line naming DATABASE_URL when the database cannot be reached', async () => {
    const { code, output } = await runCli(['serve'], { PORT: '0', MQTT_PORT: '0', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', MQTT_URL: '' });
    expect(code).toBe(1);
    expect(output).toContain('cannot reach DATABASE_URL=postgres://nobody@127.0.0.1:1/none');
  });

  it('ends with one line naming MQTT_URL when the broker cannot be reached', async () => {
    const { code, output } = await runCli(['serve'], {
      SDES_DATA_DIR: dataDir,
      PORT: '0',
      DATABASE_URL: external.DATABASE_URL,
      MQTT_URL: 'mqtt://127.0.0.1:1',
    });
    expect(code).toBe(1);
    expect(output).toContain('cannot reach MQTT_URL=mqtt://127.0.0.1:1');
  });

  it('refuses a malformed PORT naming the variable and the expected form', async () => {
    const { code, output } = await runCli(['serve'], { PORT: 'eighty' });
    expect(code).toBe(1);
    expect(output).toContain('PORT="eighty" is not a port: expected an integer from 0 to 65535');
  });

  it('migrates and exits with `sdes migrate`, and every command has --help', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-migrate-'));
    try {
      const first = await runCli(['migrate'], { SDES_DATA_DIR: dir, DATABASE_URL: '' });
      expect(first.code).toBe(0);
      expect(first.output).toContain('InitialSchema20261129');
      const second = await runCli(['migrate'], { SDES_DATA_DIR: dir, DATABASE_URL: '' });
      expect(second.output).toContain('database is up to date');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    for (const cmd of [
      ['--help'],
      ['serve', '--help'],
      ['migrate', '--help'],
      ['user', '--help'],
      ['user', 'add', '--help'],
      ['user', 'passwd', '--help'],
      ['user', 'list', '--help'],
      ['apikey', '--help'],
      ['apikey', 'create', '--help'],
      ['apikey', 'revoke', '--help'],
      ['apikey', 'list', '--help'],
    ]) {
      const { code, output } = await runCli(cmd);
      expect(code).toBe(0);
      expect(output).toMatch(/Usage: sdes/);
    }
  });
});
