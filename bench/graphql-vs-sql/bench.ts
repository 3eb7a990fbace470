/**
 * GraphQL vs hand-written SQL (issue 3): how much the GraphQL door costs over the SQL a person
 * would write for the same dashboard page.
 *
 * Seeds 10,000 clients, 2,000 jobs, 5,000 tasks and their bindings with bulk SQL, starts the
 * gateway in this process, then times "a page of 20 jobs with their task, group and client
 * counts and the names of their first 5 tasks" as a GraphQL query over HTTP against the same data
 * read with hand-written SQL over `pg` and, on PostgreSQL, as PostGraphile 4's equivalent query over
 * HTTP (postgraphile-peer.ts, same process, same database). Every side reads the same page in each
 * iteration (pages cycle through the whole job list) and the sides are interleaved with their order
 * rotating, so a busy machine slows all of them. Besides wall times it reports the CPU this
 * process spends per request on each side, which a busy machine changes much less. The process
 * runs as `sdes serve` does: NODE_ENV production unless set (src/runtime/node-env.ts).
 *
 * Run it with `bench/graphql-vs-sql/run.sh` (compiles src/ and this folder with swc, then runs it).
 * Environment:
 *   DATABASE_URL=postgres://...   a PostgreSQL server: the bench creates its own database on it and
 *                                 drops it afterwards; without it, the embedded PGlite in a temp folder
 *   BENCH_ITERATIONS=200          measured requests per side (after BENCH_WARMUP=40 of each)
 *   BENCH_OUT=bench/results       where graphql-vs-sql.json and .md go (one entry per database kind)
 */
// As `sdes serve` runs (src/cli.ts): production unless NODE_ENV says otherwise.
import '../../src/runtime/node-env';
import 'reflect-metadata';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { execute, parse } from 'graphql';
import { Client as PgClient } from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authenticate } from '../../src/auth/authenticate';
import { loadConfig } from '../../src/config';
import { loginOverRest, TEST_ADMIN } from '../../test/support/auth';
import { startGateway, type Gateway } from '../../src/gateway';
import { createGraphqlContext } from '../../src/graphql/context';
import { buildGraphqlSchema } from '../../src/graphql/schema';
import { silentLogger } from '../../src/runtime/logger';
import { summarize, writeResults, type BenchEntry, type Stats } from './results';
import { scratchDatabase } from '../support/scratch-database';
import { POSTGRAPHILE_PAGE_QUERY, startPostGraphile, type PostGraphilePage, type PostGraphilePeer } from './postgraphile-peer';

const SIZES = { clients: 10_000, jobs: 2_000, tasks: 5_000, groups: 500, membersPerGroup: 20 };
const PAGE_SIZE = 20;
const PAGES = SIZES.jobs / PAGE_SIZE;

/** The dashboard page, as a dashboard sends it. */
export const JOBS_PAGE_QUERY = `query JobsPage($pageNo: Int!) {
  jobs(pageNo: $pageNo, pageSize: ${PAGE_SIZE}) {
    totalCount
    nodes { id name tasksCount groupsCount clientsCount tasks(first: 5) { name } }
  }
}`;

/**
 * The same page as a person would read it: one statement for the page, one for the total. The
 * page is cut in a subquery first, else PostgreSQL evaluates the per-row subqueries for every
 * skipped row too (50 ms instead of 2 at page 50).
 */
const PAGE_SQL = `select j.id, j.name,
    (select count(*)::int from job_task x where x.job_id = j.id) as tasks_count,
    (select count(*)::int from job_group x where x.job_id = j.id) as groups_count,
    (select count(*)::int from job_client x where x.job_id = j.id) as clients_count,
    array(select t.name from job_task jt join task t on t.id = jt.task_id where jt.job_id = j.id order by jt.position, jt.id limit 5) as first_tasks
  from (select id, name from job order by id limit $1 offset $2) j order by j.id`;
const TOTAL_SQL = 'select count(*)::int as n from job';

interface JobsPage {
  totalCount: number;
  nodes: { id: number; name: string; tasksCount: number; groupsCount: number; clientsCount: number; tasks: { name: string }[] }[];
}

/** Bulk inserts: every table in one statement from generate_series (ids run from 1 in the fresh database). */
const SEED_SQL = [
  `insert into client (mqtt_client_id, username, role, enable, status, created_at, updated_at)
     select 'agent-' || lpad(g::text, 5, '0'), 'user-' || g, case when g % 10 = 0 then 'SERVER' else 'STORE' end, g % 7 <> 0, 'OFFLINE', now(), now()
     from generate_series(1, ${SIZES.clients}) g`,
  `insert into client_group (name, type, enabled, created_at, last_edited_at)
     select 'group-' || g, 0, true, now(), now() from generate_series(1, ${SIZES.groups}) g`,
  `insert into group_client (group_id, client_id)
     select g, ((g - 1) * ${SIZES.membersPerGroup} + k) % ${SIZES.clients} + 1 from generate_series(1, ${SIZES.groups}) g, generate_series(0, ${SIZES.membersPerGroup - 1}) k`,
  `insert into task (name, description, priority, enabled, disable_validation, created_at, last_edited_at)
     select 'task-' || g, 'bench task ' || g, g % 5, true, false, now(), now() from generate_series(1, ${SIZES.tasks}) g`,
  `insert into step (task_id, "order", type, block, file_path) select t, 0, 'DELETE_FILE', true, '/tmp/bench-' || t from generate_series(1, ${SIZES.tasks}) t`,
  `insert into job (name, description, enabled, priority, cycle_type, max_retries, retry_wait, duration, created_at, last_edited_at)
     select 'job-' || g, 'bench job ' || g, true, g % 3, 0, 0, 0, 3600, now(), now() from generate_series(1, ${SIZES.jobs}) g`,
  // 2 to 4 tasks per job (3 on average), 1 to 3 groups (2), 3 to 7 direct clients (5).
  `insert into job_task (job_id, task_id, position)
     select j, (j * 7 + k * 13) % ${SIZES.tasks} + 1, k from generate_series(1, ${SIZES.jobs}) j, generate_series(0, 3) k where k < 2 + j % 3`,
  `insert into job_group (job_id, group_id)
     select j, (j * 3 + k * 17) % ${SIZES.groups} + 1 from generate_series(1, ${SIZES.jobs}) j, generate_series(0, 2) k where k < 1 + j % 3`,
  `insert into job_client (job_id, client_id)
     select j, (j * 37 + k * 101) % ${SIZES.clients} + 1 from generate_series(1, ${SIZES.jobs}) j, generate_series(0, 6) k where k < 3 + j % 5`,
  'analyze',
];

async function seed(gw: Gateway): Promise<Record<string, number>> {
  const conn = gw.db.orm.em.fork().getConnection();
  for (const sql of SEED_SQL) await conn.execute(sql);
  const [counts] = await conn.execute<Record<string, number>[]>(
    `select (select count(*)::int from client) as clients, (select count(*)::int from job) as jobs, (select count(*)::int from task) as tasks,
       (select count(*)::int from client_group) as groups, (select count(*)::int from group_client) as "groupMembers",
       (select count(*)::int from job_task) as "jobTasks", (select count(*)::int from job_group) as "jobGroups", (select count(*)::int from job_client) as "jobClients",
       (select min(id) from job) as "firstJob"`,
  );
  const { firstJob, ...seeded } = counts;
  if (seeded.clients !== SIZES.clients || seeded.jobs !== SIZES.jobs || firstJob !== 1) throw new Error(`seeding went wrong: ${JSON.stringify(counts)}`);
  return seeded;
}

/**
 * The HTTP client of the GraphQL side: node:http with a keep-alive agent, one connection reused
 * like the SQL side's `pg` connection, so that the figure is the gateway's and not the client's.
 * (Node's `fetch` costs about 0.5 ms more per request on this path; the bench reports that
 * figure too.)
 */
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
/** PostGraphile's side gets a connection of its own, kept alive the same way. */
const peerKeepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
/** The bench's session (set once the gateway is up): every GraphQL request carries it, as a console's would. */
let authorization = '';

function postJson(url: string, body: string, agent = keepAlive, auth = authorization): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
          'content-length': Buffer.byteLength(body),
          // PostGraphile without a JWT secret refuses any bearer token, so its side sends none.
          ...(auth ? { authorization: auth } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function graphqlPage(url: string, pageNo: number): Promise<JobsPage> {
  const res = await postJson(url, JSON.stringify({ query: JOBS_PAGE_QUERY, variables: { pageNo } }));
  const body = res.body as { data?: { jobs: JobsPage }; errors?: unknown[] };
  if (res.status !== 200 || body.errors) throw new Error(`GraphQL answered ${res.status}: ${JSON.stringify(body.errors)}`);
  return body.data!.jobs;
}

/** The same page from PostGraphile, reshaped to the SDES answer so that the two can be compared. */
async function postgraphilePage(url: string, pageNo: number): Promise<JobsPage> {
  const res = await postJson(
    url,
    JSON.stringify({ query: POSTGRAPHILE_PAGE_QUERY, variables: { first: PAGE_SIZE, offset: (pageNo - 1) * PAGE_SIZE } }),
    peerKeepAlive,
    '',
  );
  const body = res.body as { data?: { allJobs: PostGraphilePage }; errors?: unknown[] };
  if (res.status !== 200 || body.errors) throw new Error(`PostGraphile answered ${res.status}: ${JSON.stringify(body.errors)}`);
  const { totalCount, nodes } = body.data!.allJobs;
  return {
    totalCount,
    nodes: nodes.map((n) => ({
      id: n.id,
      name: n.name,
      tasksCount: n.jobTasksByJobId.totalCount,
      groupsCount: n.jobGroupsByJobId.totalCount,
      clientsCount: n.jobClientsByJobId.totalCount,
      tasks: n.firstTasks.nodes.map((t) => ({ name: t.taskByTaskId.name })),
    })),
  };
}

/** The same request sent with Node's `fetch` (undici), for comparison. */
async function graphqlPageWithFetch(url: string, pageNo: number): Promise<JobsPage> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization },
    body: JSON.stringify({ query: JOBS_PAGE_QUERY, variables: { pageNo } }),
  });
  const body = (await res.json()) as { data?: { jobs: JobsPage }; errors?: unknown[] };
  if (!res.ok || body.errors) throw new Error(`GraphQL answered ${res.status}: ${JSON.stringify(body.errors)}`);
  return body.data!.jobs;
}

/** `{ __typename }`: the HTTP client, express, Apollo and graphql-js, and no database. */
async function graphqlTrivial(url: string): Promise<void> {
  const res = await postJson(url, '{"query":"{ __typename }"}');
  if (res.status !== 200) throw new Error(`GraphQL answered ${res.status}`);
}

async function sqlPage(pg: PgClient, pageNo: number): Promise<JobsPage> {
  const rows = (await pg.query(PAGE_SQL, [PAGE_SIZE, (pageNo - 1) * PAGE_SIZE])).rows as {
    id: number;
    name: string;
    tasks_count: number;
    groups_count: number;
    clients_count: number;
    first_tasks: string[];
  }[];
  const [{ n }] = (await pg.query(TOTAL_SQL)).rows as { n: number }[];
  return {
    totalCount: n,
    nodes: rows.map((r) => ({
      id: r.id,
      name: r.name,
      tasksCount: r.tasks_count,
      groupsCount: r.groups_count,
      clientsCount: r.clients_count,
      tasks: r.first_tasks.map((name) => ({ name })),
    })),
  };
}

/** SQL statements the gateway sends for one GraphQL request (every `pg` client of the process). */
async function countStatements(fn: () => Promise<unknown>): Promise<string[]> {
  const statements: string[] = [];
  const proto = PgClient.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
    if (text) statements.push(text.replace(/\s+/g, ' ').slice(0, 120));
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return statements;
}

/** CPU time of this process (user + system, ms) spent in each timed call, by the timings' arrays. */
const cpuOf = new WeakMap<number[], number[]>();

/**
 * Times `fn` in wall-clock ms; with `into`, pushes the time there and the CPU this process spent
 * meanwhile (the HTTP client and the gateway or PostGraphile; PostgreSQL's own CPU is another
 * process's) into `cpuOf(into)`. On a busy machine wall time waits for a core, CPU time less so.
 */
async function time(fn: () => Promise<unknown>, into?: number[]): Promise<number> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await fn();
  const ms = performance.now() - start;
  if (into) {
    const used = process.cpuUsage(cpu);
    into.push(ms);
    let cpus = cpuOf.get(into);
    if (!cpus) cpuOf.set(into, (cpus = []));
    cpus.push((used.user + used.system) / 1000);
  }
  return ms;
}

async function main(): Promise<void> {
  const iterations = Number(process.env.BENCH_ITERATIONS || 200);
  const warmup = Number(process.env.BENCH_WARMUP || 40);
  const outDir = path.resolve(process.env.BENCH_OUT || 'bench/results');
  const serverUrl = process.env.DATABASE_URL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-bench-gql-'));
  const benchDb = serverUrl ? await scratchDatabase(serverUrl) : undefined;
  const loadBefore = os.loadavg();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_HOST: '127.0.0.1',
    SDES_DATA_DIR: dataDir,
    DATABASE_URL: benchDb?.url,
    LOG_LEVEL: 'warn',
    SDES_ADMIN_PASSWORD: TEST_ADMIN.password,
  });
  let gw: Gateway | undefined;
  let pg: PgClient | undefined;
  let peer: PostGraphilePeer | undefined;
  try {
    let t = performance.now();
    gw = await startGateway({ config, logger: silentLogger() });
    const startMs = performance.now() - t;
    authorization = `Bearer ${await loginOverRest(gw.url)}`;
    t = performance.now();
    const seeded = await seed(gw);
    const seedMs = performance.now() - t;
    const kind = gw.db.kind;
    console.log(
      `database: ${kind === 'embedded' ? 'embedded PGlite' : gw.db.displayUrl}; gateway up in ${startMs.toFixed(0)} ms; seeded in ${seedMs.toFixed(0)} ms: ${JSON.stringify(seeded)}`,
    );

    // The hand-written side talks to the same database over its own `pg` connection.
    pg = new PgClient({ connectionString: String(gw.db.orm.config.get('clientUrl')) });
    await pg.connect();
    const url = `${gw.url}/graphql`;
    // PostGraphile only on PostgreSQL: the embedded PGlite serves one connection at a time.
    if (kind === 'external') peer = await startPostGraphile(String(gw.db.orm.config.get('clientUrl')));
    const peerUrl = peer?.url;

    // Every side answers the same page the same way.
    for (const pageNo of [1, 2, 57, PAGES]) {
      const [a, b] = [await graphqlPage(url, pageNo), await sqlPage(pg, pageNo)];
      const c = peerUrl ? await postgraphilePage(peerUrl, pageNo) : b;
      if (JSON.stringify(a) !== JSON.stringify(b) || JSON.stringify(c) !== JSON.stringify(b))
        throw new Error(
          `page ${pageNo} differs:\nGraphQL ${JSON.stringify(a).slice(0, 400)}\nSQL     ${JSON.stringify(b).slice(0, 400)}\nPostGraphile ${JSON.stringify(c).slice(0, 400)}`,
        );
    }
    const sample = await graphqlPage(url, 1);
    // The gateway's scheduler queries the database every second: take the fewest of a few tries.
    let statements: string[] = [];
    for (let i = 0; i < 5; i++) {
      const seen = await countStatements(() => graphqlPage(url, 3));
      if (!i || seen.length < statements.length) statements = seen;
    }

    const pageOf = (i: number) => (i % PAGES) + 1;
    for (let i = 0; i < warmup; i++) {
      await graphqlPage(url, pageOf(i));
      await graphqlPageWithFetch(url, pageOf(i));
      await sqlPage(pg, pageOf(i));
      if (peerUrl) await postgraphilePage(peerUrl, pageOf(i));
    }
    const gqlTimes: number[] = [];
    const sqlTimes: number[] = [];
    const floorTimes: number[] = [];
    const fetchTimes: number[] = [];
    const peerTimes: number[] = [];
    for (let i = 0; i < iterations; i++) {
      // Rotate which side goes first, so none always follows another's cache warm-up.
      const round: (() => Promise<unknown>)[] = [
        () => time(() => graphqlPage(url, pageOf(i)), gqlTimes),
        () => time(() => sqlPage(pg!, pageOf(i)), sqlTimes),
        ...(peerUrl ? [() => time(() => postgraphilePage(peerUrl, pageOf(i)), peerTimes)] : []),
      ];
      for (let k = 0; k < round.length; k++) await round[(i + k) % round.length]();
      // The fixed cost of the door: an operation that reads nothing, over the same HTTP path.
      await time(() => graphqlTrivial(url), floorTimes);
      fetchTimes.push(await time(() => graphqlPageWithFetch(url, pageOf(i))));
    }

    // Where the GraphQL time goes: the same operation executed in-process (resolvers, loaders,
    // services, ORM; no HTTP, no Apollo), for the breakdown.
    const schema = await buildGraphqlSchema({ pubsub: gw.pubsub });
    const document = parse(JOBS_PAGE_QUERY);
    const deps = { orm: gw.db.orm, clock: gw.clock, pubsub: gw.pubsub, logger: silentLogger() };
    const actor = await authenticate({ em: gw.db.orm.em.fork() as EntityManager, clock: gw.clock }, authorization, { door: 'graphql' });
    const inProcess: number[] = [];
    for (let i = 0; i < warmup + iterations; i++) {
      const ms = await time(async () => {
        const result = await execute({ schema, document, variableValues: { pageNo: pageOf(i) }, contextValue: createGraphqlContext(deps, actor) });
        if (result.errors) throw result.errors[0];
      });
      if (i >= warmup) inProcess.push(ms);
    }

    const loadAfter = os.loadavg();
    const graphql = summarize(gqlTimes);
    const sql = summarize(sqlTimes);
    const postgraphile = peer ? summarize(peerTimes) : undefined;
    const entry: BenchEntry = {
      database: kind,
      databaseVersion: ((await pg.query('select version() as v')).rows[0] as { v: string }).v.split(' on ')[0],
      at: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      loadAverageBefore: loadBefore.map((x) => Number(x.toFixed(2))),
      loadAverageAfter: loadAfter.map((x) => Number(x.toFixed(2))),
      data: seeded,
      query: JOBS_PAGE_QUERY,
      sql: [PAGE_SQL, TOTAL_SQL],
      iterations,
      warmup,
      graphqlOverHttp: graphql,
      handWrittenSql: sql,
      graphqlInProcess: summarize(inProcess),
      graphqlTrivialOverHttp: summarize(floorTimes),
      graphqlOverHttpWithFetch: summarize(fetchTimes),
      cpuPerRequest: {
        graphqlOverHttp: summarize(cpuOf.get(gqlTimes)!),
        handWrittenSql: summarize(cpuOf.get(sqlTimes)!),
        graphqlTrivialOverHttp: summarize(cpuOf.get(floorTimes)!),
        ...(peer ? { postgraphile: summarize(cpuOf.get(peerTimes)!) } : {}),
      },
      ratioMedian: Number((graphql.median / sql.median).toFixed(2)),
      ratioP95: Number((graphql.p95 / sql.p95).toFixed(2)),
      sqlStatementsPerGraphqlRequest: statements.length,
      graphqlStatements: statements,
      samplePage: { totalCount: sample.totalCount, firstNode: sample.nodes[0] },
      ...(peer && postgraphile
        ? {
            postgraphile: {
              version: peer.version,
              query: POSTGRAPHILE_PAGE_QUERY,
              overHttp: postgraphile,
              ratioMedian: Number((graphql.median / postgraphile.median).toFixed(2)),
              ratioP95: Number((graphql.p95 / postgraphile.p95).toFixed(2)),
              ratioToSqlMedian: Number((postgraphile.median / sql.median).toFixed(2)),
            },
          }
        : {}),
    };
    const fmt = (s: Stats) => `median ${s.median.toFixed(2)} ms, p95 ${s.p95.toFixed(2)} ms, mean ${s.mean.toFixed(2)} ms`;
    console.log(`GraphQL over HTTP:   ${fmt(graphql)}`);
    console.log(`hand-written SQL:    ${fmt(sql)}`);
    if (entry.postgraphile) console.log(`PostGraphile ${entry.postgraphile.version} over HTTP: ${fmt(entry.postgraphile.overHttp)}`);
    console.log(`GraphQL in-process:  ${fmt(entry.graphqlInProcess)} (resolvers, loaders, services, ORM; no HTTP, no Apollo)`);
    console.log(`{ __typename } over HTTP: ${fmt(entry.graphqlTrivialOverHttp)} (the door alone: HTTP client, express, Apollo; no database)`);
    console.log(`GraphQL with fetch:  ${fmt(entry.graphqlOverHttpWithFetch!)} (the same request sent with Node's fetch)`);
    const cpu = entry.cpuPerRequest!;
    console.log(
      `CPU of this process per request (median): GraphQL ${cpu.graphqlOverHttp.median.toFixed(2)} ms, SQL ${cpu.handWrittenSql.median.toFixed(2)} ms${cpu.postgraphile ? `, PostGraphile ${cpu.postgraphile.median.toFixed(2)} ms` : ''}, { __typename } ${cpu.graphqlTrivialOverHttp.median.toFixed(2)} ms (HTTP client and server; PostgreSQL's CPU not counted)`,
    );
    console.log(`ratio (GraphQL / SQL): median ${entry.ratioMedian}, p95 ${entry.ratioP95}; target <= 2.0: ${entry.ratioMedian <= 2 ? 'met' : 'NOT met'}`);
    if (entry.postgraphile)
      console.log(
        `ratio (SDES / PostGraphile): median ${entry.postgraphile.ratioMedian}, p95 ${entry.postgraphile.ratioP95}; target <= 0.8: ${entry.postgraphile.ratioMedian <= 0.8 ? 'met' : 'NOT met'} (PostGraphile / SQL: median ${entry.postgraphile.ratioToSqlMedian})`,
      );
    console.log(
      `SQL statements per GraphQL request: ${statements.length}; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} -> ${loadAfter.map((x) => x.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`,
    );
    const written = writeResults(outDir, entry);
    console.log(`wrote ${written.join(', ')}`);
  } finally {
    keepAlive.destroy();
    peerKeepAlive.destroy();
    await peer?.stop().catch(() => undefined);
    await pg?.end().catch(() => undefined);
    await gw?.stop();
    await benchDb?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
