import 'reflect-metadata';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startGateway, type Gateway } from '../../src/gateway';
import type { Release } from '../../src/http/admission';
import { silentLogger } from '../../src/runtime/logger';
import { MAX_SCRIPT_STEPS } from '../../src/services/step-script';
import { bearer, createTestApiKey, createTestUser, loginOverGraphql, type Headers } from '../support/auth';
import { wideScript } from '../support/costliest-operations';
import { createE2eDatabase } from '../e2e/support/fleet';

/**
 * Admission over real HTTP and WebSocket (src/http/admission.ts; docs/graphql.md, Admission): the
 * gateway has one slot for costly requests and lets each caller queue two. The test holds the slot
 * itself, so what waits and what is refused does not depend on how fast the machine is.
 */
let gateway: Gateway;
let db: Awaited<ReturnType<typeof createE2eDatabase>>;
let admin: Headers;
let otherCaller: Headers;
let token: string;
const sockets: WsClient[] = [];

/** Estimated 3,400 (a root field and 500 rows of one field): over the threshold of 2,000. */
const COSTLY = '{ jobs(pageSize: 500) { nodes { id } } }';
const CHEAP = '{ jobs(pageSize: 5) { nodes { id } } }';

beforeAll(async () => {
  // A fresh database (on the DATABASE_URL server, else embedded), so the file can run again.
  db = await createE2eDatabase();
  gateway = await startGateway({
    config: {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      mqttPort: 0,
      mqttHost: '127.0.0.1',
      logLevel: 'silent',
      admission: { costlyAbove: 2_000, slots: 1, maxQueued: 3, maxQueuedPerCaller: 2, maxWaitMs: 30_000 },
    },
    logger: silentLogger(),
  });
  token = await loginOverGraphql(`${gateway.url}/graphql`, await createTestUser(gateway.db.orm, 'admission', 'admin'));
  admin = bearer(token);
  const key = await createTestApiKey(gateway.db.orm, 'admin');
  otherCaller = key.headers;
}, 180_000);

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.dispose()));
  await gateway?.stop();
  await db?.drop();
});

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[]; code?: string; message?: string };
}

async function send(method: string, url: string, headers: Headers, body?: unknown, signal?: AbortSignal): Promise<Answer> {
  const res = await fetch(`${gateway.url}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Answer['body'] };
}

const graphql = (query: string, headers = admin, signal?: AbortSignal) => send('POST', '/graphql', headers, { query }, signal);
const rest = (url: string, headers = admin) => send('GET', url, headers);

/** Resolves once `n` costly requests wait for the slot. */
async function queued(n: number): Promise<void> {
  for (let i = 0; i < 500 && gateway.admission.stats().queued !== n; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(gateway.admission.stats().queued).toBe(n);
}

const held: Release[] = [];
/** Takes the only slot for the test: every costly request waits until `release` (or the test's end). */
async function holdTheSlot(): Promise<Release> {
  const release = await gateway.admission.admit({ caller: 'the test', cost: Number.MAX_SAFE_INTEGER });
  held.push(release);
  return release;
}
afterEach(() => held.splice(0).forEach((release) => release()));

function ws(): WsClient {
  const client = createClient({
    url: `${gateway.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${token}` },
  });
  sockets.push(client);
  return client;
}

function wsQuery(client: WsClient, query: string): Promise<{ data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] }> {
  return new Promise((resolve, reject) => {
    let result: { data?: unknown } = {};
    client.subscribe(
      { query },
      {
        next: (value) => (result = value as typeof result),
        error: (err) => (Array.isArray(err) ? resolve({ errors: err as never }) : reject(err instanceof Error ? err : new Error(String(err)))),
        complete: () => resolve(result),
      },
    );
  });
}

describe('costly requests beyond the slots', () => {
  it('wait, then are answered once the slot is free (GraphQL and REST)', async () => {
    const release = await holdTheSlot();
    const answers = Promise.all([graphql(COSTLY), rest('/v1/jobs?pageSize=500', otherCaller)]);
    await queued(2);
    release();
    const [gql, page] = await answers;
    expect(gql).toMatchObject({ status: 200, body: { data: { jobs: { nodes: [] } } } });
    expect(gql.body.errors).toBeUndefined();
    expect(page.status).toBe(200);
  });

  it('wait by the size of their body too: a 2,000-step script saved over REST', async () => {
    const task = await send('POST', '/v1/tasks', admin, { taskName: 'admission' });
    expect(task.status).toBe(200);
    const taskId = (task.body as unknown as { taskId: number }).taskId;
    const release = await holdTheSlot();
    const saved = send('POST', `/v1/tasks/${taskId}/scripts`, admin, wideScript(MAX_SCRIPT_STEPS));
    await queued(1);
    release();
    expect((await saved).status).toBe(200);
  });

  it('wait over graphql-ws too, then are answered', async () => {
    const client = ws();
    const release = await holdTheSlot();
    const answer = wsQuery(client, COSTLY);
    await queued(1);
    release();
    expect(await answer).toEqual({ data: { jobs: { nodes: [] } } });
  });

  it('leave the queue when their client goes away', async () => {
    const release = await holdTheSlot();
    const gone = new AbortController();
    const answer = graphql(COSTLY, admin, gone.signal).catch((err: Error) => err.name);
    await queued(1);
    gone.abort();
    expect(await answer).toBe('AbortError');
    await queued(0);
    release();
  });
});

describe('beyond the queue', () => {
  /** The caller's share of the queue (2) filled, by both doors. */
  async function fillMyShare(): Promise<{ release: Release; waiting: Promise<Answer[]> }> {
    const release = await holdTheSlot();
    const waiting = Promise.all([graphql(COSTLY), rest('/v1/jobs?pageSize=500')]);
    await queued(2);
    return { release, waiting };
  }

  it('GraphQL answers 429, RATE_LIMITED with Retry-After, naming the limit', async () => {
    const { release, waiting } = await fillMyShare();
    const refused = await graphql(COSTLY);
    release();
    await waiting;
    expect(refused.status).toBe(429);
    expect(refused.retryAfter).toBe('5');
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toEqual([
      {
        message: expect.stringMatching(/^Too many costly requests of yours at once: .* 2 of yours already wait, .*\(SDES_ADMISSION_QUEUE_PER_CALLER\)/),
        extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 5 },
      },
    ]);
  });

  it('REST answers 429, RATE_LIMITED with Retry-After, naming the limit', async () => {
    const { release, waiting } = await fillMyShare();
    const refused = await rest('/v1/clients?pageSize=500');
    release();
    await waiting;
    expect(refused).toMatchObject({ status: 429, retryAfter: '5', body: { code: 'RATE_LIMITED' } });
    expect(refused.body.message).toMatch(/SDES_ADMISSION_QUEUE_PER_CALLER/);
  });

  it('graphql-ws answers RATE_LIMITED, naming the limit', async () => {
    const client = ws();
    const { release, waiting } = await fillMyShare();
    const refused = await wsQuery(client, COSTLY);
    release();
    await waiting;
    expect(refused.errors).toEqual([
      { message: expect.stringMatching(/SDES_ADMISSION_QUEUE_PER_CALLER/), extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 5 } },
    ]);
  });

  it('a caller whose share is full is refused even cheap requests, before they are read; another caller is served', async () => {
    const { release, waiting } = await fillMyShare();
    const [mine, myPage, theirs] = await Promise.all([graphql(CHEAP), rest('/v1/jobs?pageSize=5'), graphql(CHEAP, otherCaller)]);
    release();
    await waiting;
    expect(mine).toMatchObject({ status: 429, retryAfter: '5', body: { errors: [{ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 5 } }] } });
    expect(myPage).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
    expect(theirs).toMatchObject({ status: 200, body: { data: { jobs: { nodes: [] } } } });
  });

  it("another caller may still wait: the queue is shared, not one caller's", async () => {
    const { release, waiting } = await fillMyShare();
    const other = graphql(COSTLY, otherCaller);
    await queued(3);
    release();
    expect((await other).status).toBe(200);
    await waiting;
  });
});

describe('while costly requests wait', () => {
  it('cheap operations, cheap REST reads and /healthz are answered at once', async () => {
    const release = await holdTheSlot();
    const waiting = Promise.all([graphql(COSTLY), graphql(COSTLY, otherCaller)]);
    await queued(2);
    const [cheap, page, health] = await Promise.all([graphql(CHEAP), rest('/v1/jobs?pageSize=20'), fetch(`${gateway.url}/healthz`)]);
    expect(gateway.admission.stats()).toEqual({ running: 1, queued: 2 });
    release();
    await waiting;
    expect(cheap).toMatchObject({ status: 200, body: { data: { jobs: { nodes: [] } } } });
    expect(page.status).toBe(200);
    expect(health.status).toBe(200);
  });
});
