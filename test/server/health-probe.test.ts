import net from 'node:net';
import { Client as PgClient } from 'pg';
import type { Gateway } from '../../src/gateway';
import { DatabaseProbe } from '../../src/http/health';
import { createE2eDatabase, startE2eGateway } from '../e2e/support/fleet';

/** A TCP server that takes connections and never says a word: a database that hangs. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => void sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const pingAt = (port: number) => async () => {
  const client = new PgClient({ host: '127.0.0.1', port, user: 'postgres', connectionTimeoutMillis: 60_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } finally {
    void client.end().catch(() => undefined);
  }
};

describe('DatabaseProbe', () => {
  it('reports a refused connection as down', async () => {
    const probe = new DatabaseProbe(pingAt(1));
    await probe.ask();
    expect(probe.state()).toMatchObject({ status: 'down', reason: 'select 1 failed', latencyMs: null });
  });

  it('reports a database that stops answering as down once the stall limit passes, without waiting for it', async () => {
    const hung = await silentServer();
    let now = 1_000_000;
    let asked = 0;
    // The first question answers; from the second on, the database takes the connection and says nothing.
    const probe = new DatabaseProbe(() => (asked++ === 0 ? Promise.resolve(true) : pingAt(hung.port)()), { now: () => now, stallMs: 5000 });
    try {
      await probe.ask();
      expect(probe.state()).toMatchObject({ status: 'up', latencyMs: 0 });
      void probe.ask();
      void probe.ask(); // not asked twice while a question is out
      now += 4999;
      expect(probe.state().status).toBe('up');
      now += 1;
      expect(probe.state()).toMatchObject({ status: 'down', reason: 'no answer to select 1 for 5000 ms' });
      expect(asked).toBe(2);
    } finally {
      await hung.close();
    }
  });
});

describe('/healthz while the database is busy', () => {
  let db: Awaited<ReturnType<typeof createE2eDatabase>>;
  let gateway: Gateway;

  beforeAll(async () => {
    db = await createE2eDatabase();
    gateway = await startE2eGateway({ databaseUrl: db.databaseUrl, dataDir: db.dataDir });
  });
  afterAll(async () => {
    await gateway?.stop();
    await db?.drop();
  });

  it('answers up, with the time and latency of the last probe, before a long statement ends', async () => {
    const order: string[] = [];
    const sleep = gateway.db.orm.em
      .fork()
      .execute('select pg_sleep(2)')
      .then(() => order.push('statement'));
    await new Promise((resolve) => setTimeout(resolve, 200)); // the statement is running
    const res = await fetch(`${gateway.url}/healthz`);
    order.push('healthz');
    const body = (await res.json()) as { database: { status: string; latencyMs: unknown; checkedAt: string } };
    await sleep;
    expect(order).toEqual(['healthz', 'statement']);
    expect(res.status).toBe(200);
    expect(body.database).toMatchObject({ status: 'up', kind: process.env.DATABASE_URL ? 'external' : 'embedded' });
    expect(typeof body.database.latencyMs).toBe('number');
    expect(Date.parse(body.database.checkedAt)).toBeGreaterThan(Date.now() - 10_000);
  });
});
