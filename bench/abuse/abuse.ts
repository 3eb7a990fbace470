/**
 * Abuse benchmark (issue 11): how long /healthz takes while the worst operations the gateway still
 * admits run back to back, each in its own loop: the costliest GraphQL operations within the
 * limits (docs/graphql.md) and the largest and deepest REST script bodies (docs/rest-compat.md).
 * Target: p99 under 200 ms. Also reports the event loop's longest delay. The load runs in a child
 * process, so that only the gateway's own work shares its event loop.
 *
 * Run it with `bench/abuse/run.sh`. Environment:
 *   DATABASE_URL=postgres://...   a PostgreSQL server (the bench makes its own database and drops it);
 *                                 without it, the embedded PGlite in a temporary folder
 *   BENCH_SECONDS=30              how long the abuse runs
 *   BENCH_OUT=bench/results       where abuse.json and abuse.md go (one entry per database kind)
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parse, type GraphQLSchema } from 'graphql';
import { startGateway, type Gateway } from '../../src/gateway';
import { estimateCost } from '../../src/graphql/cost';
import { DEFAULT_LIMITS } from '../../src/graphql/limits';
import { buildGraphqlSchema } from '../../src/graphql/schema';
import { createLivePubSub } from '../../src/live/pubsub';
import { MAX_STEP_DEPTH } from '../../src/protocol';
import { silentLogger } from '../../src/runtime/logger';
import { ClientService } from '../../src/services/client.service';
import { JobService } from '../../src/services/job.service';
import { MAX_SCRIPT_STEPS } from '../../src/services/step-script';
import { TaskService } from '../../src/services/task.service';
import { scratchDatabase } from '../support/scratch-database';
import { createTestApiKey, type Headers } from '../../test/support/auth';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const OUT = path.resolve(process.env.BENCH_OUT ?? 'bench/results');
const HEALTH_EVERY_MS = 50;

const aliases = (count: number, field: string) => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
const INTROSPECTION_FIELDS =
  '__schema { types { kind name description fields(includeDeprecated: true) { name description args { name type { name } } type { kind name ofType { kind name } } } inputFields { name } enumValues { name } } }';

const cost = (schema: GraphQLSchema, query: string) => estimateCost(schema, parse(query), {}, undefined, Number.MAX_SAFE_INTEGER);

/** build(n) for the largest n from 1 to max that the cost limit admits: the costliest operation of its shape. */
function atTheBound(schema: GraphQLSchema, build: (n: number) => string, max: number): string {
  let lo = 1;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (cost(schema, build(mid)) <= DEFAULT_LIMITS.maxCost) lo = mid;
    else hi = mid - 1;
  }
  return build(lo);
}

/** The costliest operations the limits admit, each as close under DEFAULT_LIMITS.maxCost as its shape allows (src/graphql/cost.ts). */
function graphqlOperations(schema: GraphQLSchema): Record<string, string> {
  return {
    'dashboard in aliases (reports, info, logsCount)': atTheBound(
      schema,
      (n) => aliases(n, 'dashboard { reports { clients clientsOnline } info { __typename } logsCount { __typename } }'),
      1000,
    ),
    'settings in aliases': atTheBound(
      schema,
      (n) => aliases(n, 'settings { general { region managementServerTimeZone } job { maxRetried } task { __typename } client { autoEnableNewClient } }'),
      1000,
    ),
    'introspection in aliases': atTheBound(schema, (n) => aliases(n, INTROSPECTION_FIELDS), 100),
    'a page of jobs with 20 tasks each': atTheBound(
      schema,
      (n) => `{ jobs(pageSize: ${n}) { totalCount nodes { id name enabled cycleType executionTime tasksCount tasks(first: 20) { id name } } } }`,
      500,
    ),
  };
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

/** A wide script of `count` steps: IFs of 9 steps each. */
function largestScript(count: number): unknown[] {
  const cond = [{ type: 'GET_FILE_STATUS', filePath: 'flag' }];
  return Array.from({ length: count / 10 }, (_, i) => ({
    type: 'IF',
    conditions: cond,
    true: Array.from({ length: 8 }, (_, j) => ({ type: 'DELETE_FILE', filePath: `d/${i}/${j}` })),
  }));
}

function deepestScript(levels: number): unknown[] {
  let steps: unknown[] = [{ type: 'DELETE_FILE', filePath: 'leaf' }];
  for (let i = 1; i < levels; i++) steps = [{ type: 'IF', conditions: [{ type: 'GET_FILE_STATUS', filePath: 'flag' }], true: steps }];
  return steps;
}

async function seed(gateway: Gateway): Promise<{ taskIds: number[] }> {
  const ctx = () => ({ em: gateway.db.orm.em.fork(), clock: gateway.clock });
  for (let i = 0; i < 200; i++) await new ClientService(ctx()).create({ mqttClientId: `bench-${i}` });
  const taskIds: number[] = [];
  for (let i = 0; i < 40; i++) taskIds.push((await new TaskService(ctx()).create({ name: `task ${i}` })).id);
  for (let i = 0; i < 500; i++) await new JobService(ctx()).create({ name: `job ${i}` });
  // Full nested lists: each job holds 20 tasks, as many as the page asks for.
  await gateway.db.orm.em
    .fork()
    .execute('insert into job_task (job_id, task_id, position) select j.id, t.id, t.id from job j cross join (select id from task order by id limit 20) t');
  return { taskIds };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-abuse-'));
  const scratch = process.env.DATABASE_URL ? await scratchDatabase(process.env.DATABASE_URL) : undefined;
  const gateway = await startGateway({
    config: { port: 0, host: '127.0.0.1', databaseUrl: scratch?.url, dataDir, mqttPort: 0, mqttHost: '127.0.0.1', logLevel: 'silent' },
    logger: silentLogger(),
  });
  const { taskIds } = await seed(gateway);
  const GRAPHQL_OPERATIONS = graphqlOperations(await buildGraphqlSchema({ pubsub: createLivePubSub() }));
  // As a script would call the API: an admin's key, so that every operation is authorised and its
  // cost is the operation's own (the check of the key is part of every request's cost).
  const { headers: auth } = await createTestApiKey(gateway.db.orm, 'admin');
  const restBodies: Record<string, { path: string; body: string }> = {
    [`script of ${MAX_SCRIPT_STEPS} steps`]: { path: `/v1/tasks/${taskIds[0]}/scripts`, body: JSON.stringify(largestScript(MAX_SCRIPT_STEPS)) },
    [`script ${MAX_STEP_DEPTH} levels deep`]: { path: `/v1/tasks/${taskIds[1]}/scripts`, body: JSON.stringify(deepestScript(MAX_STEP_DEPTH)) },
  };
  console.log(
    `largest REST body: ${Object.values(restBodies)
      .map((b) => b.body.length)
      .join(', ')} bytes`,
  );

  const gql = (query: string) => () =>
    fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ query }) });
  // Warm-up: one of each, so the figures are not JIT compilation.
  for (const q of Object.values(GRAPHQL_OPERATIONS)) await (await gql(q)()).text();
  const child = fork(__filename, ['load'], { stdio: 'inherit' });
  const loadDone = new Promise<Record<string, { ok: number; refused: number; ms: number[] }>>((resolve) => child.once('message', (m) => resolve(m as never)));
  child.send({ url: gateway.url, restBodies, auth, operations: GRAPHQL_OPERATIONS });
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
    healthz,
    eventLoopMaxMs,
    targetMet: healthz.p99 < 200,
    operations,
  };
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
    '| database | seconds | /healthz p50 | p99 | max | event loop max delay | target met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...Object.values(all).map((e) => {
      const x = e as typeof entry;
      return `| ${x.database} | ${x.seconds} | ${x.healthz.p50} ms | ${x.healthz.p99} ms | ${x.healthz.max} ms | ${x.eventLoopMaxMs} ms | ${x.targetMet ? 'yes' : 'no'} |`;
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
  process.once(
    'message',
    (m: { url: string; restBodies: Record<string, { path: string; body: string }>; auth: Headers; operations: Record<string, string> }) => {
      const { url, restBodies, auth, operations } = m;
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
          else if (++c.refused === 1) console.log(`${name}: not admitted (${res.status}): ${text.slice(0, 200)}`);
        }
      };
      const headers = { 'content-type': 'application/json', ...auth };
      const gql = (query: string) => () => fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query }) });
      const rest = (p: string, body: string) => () => fetch(`${url}${p}`, { method: 'POST', headers, body });
      const loops = [
        ...Object.entries(operations).map(([name, q]) => loop(`GraphQL ${name}`, gql(q))),
        ...Object.entries(restBodies).map(([name, b]) => loop(`REST ${name}`, rest(b.path, b.body))),
      ];
      process.once('message', async () => {
        running = false;
        await Promise.all(loops);
        process.send!(counts, () => process.exit(0));
      });
    },
  );
}

if (process.argv[2] === 'load') load();
else
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
