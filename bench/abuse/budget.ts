/**
 * Event-loop budget (issue 11: "long synchronous work never blocks the event loop for more than
 * ~100 ms"): the costliest operation of each shape the limits admit, and the largest REST answers
 * and bodies (test/support/costliest-operations.ts), each sent alone three times to a gateway whose
 * lists are full, while the event loop's longest delay is measured. The client runs in the same
 * process, so its own work counts too: each figure is an upper bound of the gateway's.
 *
 * Run it with `bench/abuse/run.sh budget`. Environment:
 *   DATABASE_URL=postgres://...   a PostgreSQL server (a scratch database, dropped at the end);
 *                                 without it, the embedded PGlite in a temporary folder
 *   BENCH_OUT=bench/results       where event-loop-budget.json and .md go (one entry per database kind)
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startGateway } from '../../src/gateway';
import { buildGraphqlSchema } from '../../src/graphql/schema';
import { createLivePubSub } from '../../src/live/pubsub';
import { silentLogger } from '../../src/runtime/logger';
import { bearer, createTestUser, loginOverGraphql } from '../../test/support/auth';
import { costliestGraphqlOperations, costOf, largestRestRequests, MAX_COST, seedFullLists } from '../../test/support/costliest-operations';
import { scratchDatabase } from '../support/scratch-database';

const BUDGET_MS = 100;
const RUNS = 3;
const OUT = path.resolve(process.env.BENCH_OUT ?? 'bench/results');

interface Row {
  shape: string;
  door: 'GraphQL' | 'REST';
  cost?: number;
  longestBlockMs: number;
  answerBytes: number;
  withinBudget: boolean;
}

async function main() {
  const serverUrl = process.env.DATABASE_URL;
  const scratch = serverUrl ? await scratchDatabase(serverUrl) : undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-budget-'));
  const gateway = await startGateway({
    config: { port: 0, host: '127.0.0.1', databaseUrl: scratch?.url, dataDir, mqttPort: 0, mqttHost: '127.0.0.1', logLevel: 'silent' },
    logger: silentLogger(),
  });
  const schema = await buildGraphqlSchema({ pubsub: createLivePubSub() });
  const auth = bearer(await loginOverGraphql(`${gateway.url}/graphql`, await createTestUser(gateway.db.orm, 'budget', 'admin')));
  const request = async (method: string, url: string, body?: string) => {
    const res = await fetch(`${gateway.url}${url}`, { method, headers: { 'content-type': 'application/json', ...auth }, body });
    return { status: res.status, text: await res.text() };
  };
  const scriptTaskId = await seedFullLists(gateway, async (taskId, body) => (await request('POST', `/v1/tasks/${taskId}/scripts`, body)).status);
  const loadBefore = os.loadavg();

  /** The longest the event loop was blocked over RUNS sends (after one warm-up), and the last answer. */
  const measure = async (send: () => Promise<{ status: number; text: string }>) => {
    await send();
    let longest = 0;
    let answer = { status: 0, text: '' };
    for (let i = 0; i < RUNS; i++) {
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      answer = await send();
      delay.disable();
      longest = Math.max(longest, delay.max / 1e6);
    }
    return { longest: Math.round(longest * 10) / 10, answer };
  };

  const rows: Row[] = [];
  for (const [shape, query] of costliestGraphqlOperations(schema)) {
    const body = JSON.stringify({ query });
    const { longest, answer } = await measure(() => request('POST', '/graphql', body));
    if ((JSON.parse(answer.text) as { errors?: unknown[] }).errors) throw new Error(`${shape}: answered with errors: ${answer.text.slice(0, 300)}`);
    rows.push({
      shape,
      door: 'GraphQL',
      cost: costOf(schema, query),
      longestBlockMs: longest,
      answerBytes: answer.text.length,
      withinBudget: longest < BUDGET_MS,
    });
  }
  for (const [shape, method, url, body] of largestRestRequests(scriptTaskId)) {
    const { longest, answer } = await measure(() => request(method, url, body));
    if (answer.status !== 200) throw new Error(`${shape}: answered ${answer.status}`);
    rows.push({ shape, door: 'REST', longestBlockMs: longest, answerBytes: answer.text.length, withinBudget: longest < BUDGET_MS });
  }
  const entry = {
    when: new Date().toISOString(),
    database: serverUrl ? 'PostgreSQL' : 'embedded PGlite',
    budgetMs: BUDGET_MS,
    maxCost: MAX_COST,
    loadAverage: {
      before: loadBefore.map((l) => Math.round(l * 100) / 100),
      after: os.loadavg().map((l) => Math.round(l * 100) / 100),
      cpus: os.cpus().length,
    },
    rows,
  };
  for (const r of rows)
    console.log(
      `${r.door} ${r.shape}${r.cost === undefined ? '' : ` (cost ${r.cost})`}: longest block ${r.longestBlockMs} ms, ${r.answerBytes} bytes${r.withinBudget ? '' : ' (over budget)'}`,
    );

  fs.mkdirSync(OUT, { recursive: true });
  const jsonFile = path.join(OUT, 'event-loop-budget.json');
  const previous = fs.existsSync(jsonFile) ? (JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as Record<string, typeof entry>) : {};
  const all = { ...previous, [entry.database]: entry };
  fs.writeFileSync(jsonFile, `${JSON.stringify(all, null, 2)}\n`);
  const md = [
    '# Event-loop budget: the costliest admitted operations',
    '',
    `Written by \`bench/abuse/run.sh budget\` (see bench/abuse/budget.ts). Budget: ${BUDGET_MS} ms of event-loop block per operation; GraphQL cost limit ${MAX_COST}.`,
    '',
    ...Object.values(all).flatMap((e) => [
      `## ${e.database}, ${e.when}, load average ${e.loadAverage.before.join(' ')} → ${e.loadAverage.after.join(' ')} (${e.loadAverage.cpus} CPUs)`,
      '',
      '| door | operation | cost | longest block | answer | within budget |',
      '| --- | --- | ---: | ---: | ---: | --- |',
      ...e.rows.map(
        (r) => `| ${r.door} | ${r.shape} | ${r.cost ?? '–'} | ${r.longestBlockMs} ms | ${r.answerBytes} B | ${r.withinBudget ? 'yes' : '**no**'} |`,
      ),
      '',
    ]),
  ].join('\n');
  fs.writeFileSync(path.join(OUT, 'event-loop-budget.md'), md);
  console.log(`results: ${jsonFile}`);
  await gateway.stop();
  await scratch?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
