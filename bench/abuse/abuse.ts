/**
 * Abuse benchmark (issue 11): how long /healthz takes while the worst operations the gateway still
 * admits run back to back, each in its own loop: the costliest GraphQL operation of each shape
 * within the limits (docs/graphql.md) and the largest REST answers and bodies, on full lists (one
 * definition with the event-loop budget: test/support/costliest-operations.ts). Costly requests
 * wait for an admission slot (src/http/admission.ts, default limits); a refusal is counted.
 * Target: p99 under 200 ms. Also reports the event loop's longest delay. The load runs in a child
 * process, so that only the gateway's own work shares its event loop.
 *
 * Run it with `bench/abuse/run.sh`. Environment:
 *   DATABASE_URL=postgres://...   a PostgreSQL server (the bench makes its own database and drops it);
 *                                 without it, the embedded PGlite in a temporary folder
 *   BENCH_SECONDS=30              how long the abuse runs
 *   BENCH_OUT=bench/results       where abuse.json and abuse.md go (one entry per database kind)
 *   SDES_ADMISSION_*              the admission limits, as for `sdes serve` (docs/graphql.md, Admission)
 *   BENCH_IGNORE_RETRY_AFTER=1    a refused request (429) is sent again at once, not after its Retry-After
 *   BENCH_CALLERS=each            each loop with an API key of its own (default), so that every shape gets
 *                                 its turn at the slots; `one`: every loop with the same key (its share of
 *                                 the queue fills, and the caller's further costly requests are refused)
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { startGateway } from '../../src/gateway';
import { admissionLimitsFromEnv } from '../../src/http/admission';
import { buildGraphqlSchema } from '../../src/graphql/schema';
import { createLivePubSub } from '../../src/live/pubsub';
import { silentLogger } from '../../src/runtime/logger';
import { scratchDatabase } from '../support/scratch-database';
import { createTestApiKey, type Headers } from '../../test/support/auth';
import { costliestGraphqlOperations, largestRestRequests, seedFullLists } from '../../test/support/costliest-operations';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const OUT = path.resolve(process.env.BENCH_OUT ?? 'bench/results');
const HEALTH_EVERY_MS = 50;
const IGNORE_RETRY_AFTER = process.env.BENCH_IGNORE_RETRY_AFTER === '1';
const ONE_CALLER = process.env.BENCH_CALLERS === 'one';

interface RestRequest {
  method: string;
  path: string;
  body?: string;
}

interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (v: number) => Math.round(v * 10) / 10;
  return { n: sorted.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1] ?? 0) };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-abuse-'));
  const scratch = process.env.DATABASE_URL ? await scratchDatabase(process.env.DATABASE_URL) : undefined;
  const gateway = await startGateway({
    config: {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: scratch?.url,
      dataDir,
      mqttPort: 0,
      mqttHost: '127.0.0.1',
      logLevel: 'silent',
      admission: admissionLimitsFromEnv(process.env),
    },
    logger: silentLogger(),
  });
  // As a script would call the API: an admin's key, so that every operation is authorised and its
  // cost is the operation's own (the check of the key is part of every request's cost).
  const { headers: auth } = await createTestApiKey(gateway.db.orm, 'admin');
  const save = async (taskId: number, body: string) =>
    (await fetch(`${gateway.url}/v1/tasks/${taskId}/scripts`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body })).status;
  const scriptTaskId = await seedFullLists(gateway, save);
  // One definition of the worst the limits admit, shared with the event-loop budget (test/support/costliest-operations.ts).
  const GRAPHQL_OPERATIONS = Object.fromEntries(costliestGraphqlOperations(await buildGraphqlSchema({ pubsub: createLivePubSub() })));
  const restRequests: Record<string, RestRequest> = Object.fromEntries(
    largestRestRequests(scriptTaskId).map(([name, method, url, body]) => [name, { method, path: url, body }]),
  );
  const loopCount = Object.keys(GRAPHQL_OPERATIONS).length + Object.keys(restRequests).length;
  const auths = ONE_CALLER
    ? [auth]
    : await Promise.all(Array.from({ length: loopCount }, async () => (await createTestApiKey(gateway.db.orm, 'admin')).headers));
  const loadBefore = os.loadavg();

  const gql = (query: string) => () =>
    fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query }) });
  // Warm-up: one of each, so the figures are not JIT compilation.
  for (const q of Object.values(GRAPHQL_OPERATIONS)) await (await gql(q)()).text();
  const child = fork(__filename, ['load'], { stdio: 'inherit' });
  const loadDone = new Promise<Record<string, { ok: number; refused: number; ms: number[] }>>((resolve) => child.once('message', (m) => resolve(m as never)));
  child.send({ url: gateway.url, restRequests, auths, operations: GRAPHQL_OPERATIONS });
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  // A fixed schedule, and each latency from its scheduled time: a stall of the gateway's loop
  // between two probes delays the next one and is counted, not hidden (coordinated omission).
  const health: number[] = [];
  const startedAt = performance.now();
  for (let i = 0; performance.now() - startedAt < SECONDS * 1000; i++) {
    const scheduled = startedAt + i * HEALTH_EVERY_MS;
    const wait = scheduled - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const res = await fetch(`${gateway.url}/healthz`);
    await res.text();
    health.push(performance.now() - scheduled);
  }
  loopDelay.disable();
  child.send('stop');
  const counts = await loadDone;

  const healthz = stats(health);
  const eventLoopMaxMs = Math.round(loopDelay.max / 1e5) / 10;
  const operations = Object.fromEntries(Object.entries(counts).map(([name, c]) => [name, { ok: c.ok, refused: c.refused, ...stats(c.ms) }]));
  const entry = {
    at: new Date().toISOString(),
    database: scratch ? 'postgres' : 'embedded',
    seconds: SECONDS,
    cpus: os.cpus().length,
    loadAverage: { before: loadBefore.map((l) => Math.round(l * 100) / 100), after: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    healthz,
    eventLoopMaxMs,
    targetMet: healthz.p99 < 200,
    admission: admissionLimitsFromEnv(process.env),
    honoursRetryAfter: !IGNORE_RETRY_AFTER,
    callers: auths.length,
    operations,
  };
  console.log(`${entry.callers} caller(s); load average ${entry.loadAverage.before.join(' ')} → ${entry.loadAverage.after.join(' ')} (${entry.cpus} CPUs)`);
  console.log(
    `/healthz over ${SECONDS} s (${healthz.n} requests): p50 ${healthz.p50} ms, p99 ${healthz.p99} ms, max ${healthz.max} ms; event loop max delay ${eventLoopMaxMs} ms`,
  );
  for (const [name, o] of Object.entries(operations)) console.log(`  ${name}: ${o.ok} answered, ${o.refused} refused, p50 ${o.p50} ms, p99 ${o.p99} ms`);

  fs.mkdirSync(OUT, { recursive: true });
  const jsonFile = path.join(OUT, 'abuse.json');
  const previous = fs.existsSync(jsonFile) ? (JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as Record<string, unknown>) : {};
  const all = { ...previous, [entry.database]: entry };
  fs.writeFileSync(jsonFile, `${JSON.stringify(all, null, 2)}\n`);
  const md = [
    '# Abuse benchmark: /healthz under the worst admitted load',
    '',
    'Written by `bench/abuse/run.sh` (see bench/abuse/abuse.ts). Target: /healthz p99 under 200 ms.',
    '',
    '| database | seconds | callers | load average (1 min, before → after) | /healthz p50 | p99 | max | event loop max delay | target met |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...Object.values(all).map((e) => {
      const x = e as typeof entry;
      const load = x.loadAverage ? `${x.loadAverage.before[0]} → ${x.loadAverage.after[0]} (${x.cpus} CPUs)` : '–';
      return `| ${x.database} | ${x.seconds} | ${x.callers ?? 1} | ${load} | ${x.healthz.p50} ms | ${x.healthz.p99} ms | ${x.healthz.max} ms | ${x.eventLoopMaxMs} ms | ${x.targetMet ? 'yes' : 'no'} |`;
    }),
    '',
    '| operation (last run) | answered | refused | p50 | p99 |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(operations).map(([name, o]) => `| ${name} | ${o.ok} | ${o.refused} | ${o.p50} ms | ${o.p99} ms |`),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(OUT, 'abuse.md'), md);
  console.log(`results: ${jsonFile}`);

  await gateway.stop();
  await scratch?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/** The child process: every operation in its own loop until told to stop, then the counts back. */
function load(): void {
  process.once('message', (m: { url: string; restRequests: Record<string, RestRequest>; auths: Headers[]; operations: Record<string, string> }) => {
    const { url, restRequests, auths, operations } = m;
    let running = true;
    const counts: Record<string, { ok: number; refused: number; ms: number[] }> = {};
    const loop = async (name: string, send: () => Promise<Response>) => {
      const c: { ok: number; refused: number; ms: number[] } = (counts[name] = { ok: 0, refused: 0, ms: [] });
      while (running) {
        const started = performance.now();
        const res = await send();
        const text = await res.text();
        c.ms.push(performance.now() - started);
        if (res.status === 200 && !text.includes('"errors"')) c.ok++;
        else if (++c.refused === 1) console.log(`${name}: not admitted (${res.status}): ${text.slice(0, 300)}`);
        // As the gateway asks (docs/graphql.md, Admission); BENCH_IGNORE_RETRY_AFTER=1 sends again at once.
        const retryAfter = Number(res.headers.get('retry-after'));
        if (res.status === 429 && retryAfter > 0 && !IGNORE_RETRY_AFTER) await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
      }
    };
    // Loop i sends with auths[i] (or the one key of BENCH_CALLERS=one).
    const headersOf = (i: number) => ({ 'content-type': 'application/json', ...auths[i % auths.length] });
    const gql = (query: string, i: number) => () => fetch(`${url}/graphql`, { method: 'POST', headers: headersOf(i), body: JSON.stringify({ query }) });
    const rest =
      ({ method, path: p, body }: RestRequest, i: number) =>
      () =>
        fetch(`${url}${p}`, { method, headers: headersOf(i), body });
    const graphqlCount = Object.keys(operations).length;
    const loops = [
      ...Object.entries(operations).map(([name, q], i) => loop(`GraphQL ${name}`, gql(q, i))),
      ...Object.entries(restRequests).map(([name, r], i) => loop(`REST ${name}`, rest(r, graphqlCount + i))),
    ];
    process.once('message', async () => {
      running = false;
      await Promise.all(loops);
      process.send!(counts, () => process.exit(0));
    });
  });
}

if (process.argv[2] === 'load') load();
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
