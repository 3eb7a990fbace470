/**
 * Subscription fan-out (issue 12): how long an agent's status change takes to reach N GraphQL
 * subscribers of `clientStatusChanged`, against N plain MQTT subscribers of the same status topic.
 *
 * Starts the gateway in this process (embedded broker, SDES_ALLOW_UNENROLLED_AGENTS so that an
 * anonymous agent is heard), opens N graphql-ws sockets (one each, authenticated with the admin's
 * session as the tests do) and N MQTT clients subscribed to `sdes/v1/agents/<agent>/status`, then
 * lets one agent flip ONLINE/OFFLINE (QoS 1, retained, docs/protocol.md section 2) for a number of
 * rounds. Latency is from just before the agent's publish to each subscriber's receipt; both kinds
 * of subscriber live in this process, so each pays the same client-side cost.
 *
 * Run it with `bench/subscriptions/run.sh`. Environment:
 *   DATABASE_URL=postgres://...   a PostgreSQL server (the bench makes its own database); without it, PGlite
 *   BENCH_SUBSCRIBERS=1000        N (comma-separated for several runs, e.g. 1000,10000)
 *   BENCH_ROUNDS=10               status flips measured per N (after one that checks every subscriber is ready)
 *   BENCH_OUT=bench/results       where subscriptions.json and .md go
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient, type Client as WsClient } from 'graphql-ws';
import mqtt, { type MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config';
import { startGateway, type Gateway } from '../../src/gateway';
import { buildOfflineStatus, buildOnlineStatus, encodeMessage } from '../../src/protocol/protocol.build';
import { statusTopic } from '../../src/protocol/protocol.topics';
import { silentLogger } from '../../src/runtime/logger';
import { loginOverRest, TEST_ADMIN } from '../../test/support/auth';
import { summarize } from '../graphql-vs-sql/results';
import { scratchDatabase } from '../support/scratch-database';
import { writeSubscriptionResults, type SubscriptionRun } from './results';

const AGENT = 'bench-status-agent';
const SUBSCRIPTION = `subscription { clientStatusChanged(mqttClientId: "${AGENT}") { mqttClientId status at } }`;
/** A round that has not reached every subscriber by then counts its missing deliveries as lost. */
const ROUND_TIMEOUT_MS = 10_000;

/** Receipts of the current round (arrival times, performance.now()). */
interface Round {
  /** The agent's `at`: MQTT subscribers see the agent's own message. */
  at: number;
  /** GraphQL subscribers see the status (an OFFLINE's `at` there is the gateway's receive time). */
  status: 'ONLINE' | 'OFFLINE';
  gql: number[];
  mqtt: number[];
}
let current: Round | undefined;
let settle: (() => void) | undefined;
let expected = 0;

function received(side: 'gql' | 'mqtt', key: number | string): void {
  const now = performance.now();
  // A retained status, or a late one of an earlier round (rounds alternate their status).
  if (!current || (side === 'mqtt' ? current.at : current.status) !== key) return;
  current[side].push(now);
  if (current.gql.length + current.mqtt.length === expected) settle?.();
}

async function openGraphqlSubscribers(url: string, authorization: string, n: number): Promise<WsClient[]> {
  const clients: WsClient[] = [];
  const batch = 100; // sockets opened at once, so the gateway's accept queue is not flooded
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, async () => {
        const client = createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, connectionParams: { authorization } });
        await new Promise<void>((resolve, reject) => {
          client.on('connected', () => resolve());
          client.on('closed', (e) => reject(new Error(`graphql-ws closed: ${JSON.stringify((e as { code?: number }).code)}`)));
        });
        client.subscribe<{ clientStatusChanged: { status: string } }>(
          { query: SUBSCRIPTION },
          {
            next: (r) => {
              if (r.errors) throw new Error(`subscription error: ${JSON.stringify(r.errors)}`);
              received('gql', r.data!.clientStatusChanged.status);
            },
            error: (err) => console.error('subscription failed', err),
            complete: () => undefined,
          },
        );
        clients.push(client);
      }),
    );
  }
  return clients;
}

async function openMqttSubscribers(brokerUrl: string, n: number): Promise<MqttClient[]> {
  const clients: MqttClient[] = [];
  const batch = 100;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, async (_, k) => {
        const client = await mqtt.connectAsync(brokerUrl, { clientId: `bench-watcher-${i + k}`, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
        client.on('message', (_topic, payload) => {
          if (payload.length) received('mqtt', (JSON.parse(payload.toString('utf8')) as { at: number }).at);
        });
        await client.subscribeAsync(statusTopic(AGENT), { qos: 1 });
        clients.push(client);
      }),
    );
  }
  return clients;
}

/** Flips the agent's status once and waits for every subscriber (or the timeout). */
async function flip(agent: MqttClient, online: boolean, n: number): Promise<{ round: Round; start: number }> {
  // `at` must grow, or the gateway takes the status for an old one (docs/protocol.md section 8).
  const at = Math.max(Date.now(), (current?.at ?? 0) + 1);
  const round: Round = { at, status: online ? 'ONLINE' : 'OFFLINE', gql: [], mqtt: [] };
  expected = 2 * n;
  const done = new Promise<void>((resolve) => {
    settle = resolve;
    setTimeout(resolve, ROUND_TIMEOUT_MS).unref();
  });
  current = round;
  const message = online
    ? buildOnlineStatus({ at, role: 'STORE', version: 'bench', ip: '127.0.0.1', hostname: 'bench', roots: [], stream: 'bench-stream' })
    : buildOfflineStatus({ at, reason: 'stopped' });
  const start = performance.now();
  await agent.publishAsync(statusTopic(AGENT), encodeMessage(message), { qos: 1, retain: true });
  await done;
  return { round, start };
}

async function measure(gw: Gateway, authorization: string, n: number, rounds: number): Promise<SubscriptionRun> {
  const wsUrl = `${gw.url.replace(/^http/, 'ws')}/graphql`;
  const loadBefore = os.loadavg();
  let t = performance.now();
  const gqlClients = await openGraphqlSubscribers(wsUrl, authorization, n);
  const mqttClients = await openMqttSubscribers(gw.brokerUrl, n);
  const connectMs = performance.now() - t;
  const agent = await mqtt.connectAsync(gw.brokerUrl, { clientId: AGENT, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
  try {
    // Subscriptions start asynchronously after `connected`: flip until one round reaches everyone.
    let ready = false;
    for (let i = 0; i < 10 && !ready; i++) {
      const { round } = await flip(agent, i % 2 === 0, n);
      ready = round.gql.length === n && round.mqtt.length === n;
    }
    if (!ready) throw new Error(`not every subscriber got the warm-up status (${n} of each wanted)`);
    const gql: number[] = [];
    const plain: number[] = [];
    let gqlDelivered = 0;
    let mqttDelivered = 0;
    t = performance.now();
    for (let r = 0; r < rounds; r++) {
      const { round, start } = await flip(agent, r % 2 === 1, n);
      gql.push(...round.gql.map((x) => x - start));
      plain.push(...round.mqtt.map((x) => x - start));
      gqlDelivered += round.gql.length;
      mqttDelivered += round.mqtt.length;
    }
    const measureMs = performance.now() - t;
    const loadAfter = os.loadavg();
    return {
      subscribers: n,
      rounds,
      connectMs: Math.round(connectMs),
      measureMs: Math.round(measureMs),
      graphql: { ...summarize(gql), p50: summarize(gql).median, p99: percentile(gql, 0.99), delivered: gqlDelivered, expected: n * rounds },
      mqtt: { ...summarize(plain), p50: summarize(plain).median, p99: percentile(plain, 0.99), delivered: mqttDelivered, expected: n * rounds },
      loadAverageBefore: loadBefore.map((x) => Number(x.toFixed(2))),
      loadAverageAfter: loadAfter.map((x) => Number(x.toFixed(2))),
    };
  } finally {
    await agent.endAsync(true).catch(() => undefined);
    await Promise.all(gqlClients.map((c) => c.dispose()));
    await Promise.all(mqttClients.map((c) => c.endAsync(true).catch(() => undefined)));
  }
}

/** Nearest-rank percentile of timings in ms. */
function percentile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Number((sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN).toFixed(3));
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SUBSCRIBERS || '1000').split(',').map(Number);
  const rounds = Number(process.env.BENCH_ROUNDS || 10);
  const outDir = path.resolve(process.env.BENCH_OUT || 'bench/results');
  const serverUrl = process.env.DATABASE_URL;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-bench-subs-'));
  const benchDb = serverUrl ? await scratchDatabase(serverUrl) : undefined;
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    MQTT_PORT: '0',
    MQTT_HOST: '127.0.0.1',
    SDES_DATA_DIR: dataDir,
    DATABASE_URL: benchDb?.url,
    LOG_LEVEL: 'warn',
    SDES_ADMIN_PASSWORD: TEST_ADMIN.password,
    SDES_ALLOW_UNENROLLED_AGENTS: 'true',
  });
  let gw: Gateway | undefined;
  try {
    gw = await startGateway({ config, logger: silentLogger() });
    const authorization = `Bearer ${await loginOverRest(gw.url)}`;
    console.log(`database: ${gw.db.kind === 'embedded' ? 'embedded PGlite' : gw.db.displayUrl}; broker: embedded (aedes) at ${gw.brokerUrl}`);
    const runs: SubscriptionRun[] = [];
    for (const n of sizes) {
      const run = await measure(gw, authorization, n, rounds);
      runs.push(run);
      const line = (s: SubscriptionRun['graphql']) =>
        `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms, delivered ${s.delivered}/${s.expected}`;
      console.log(`N=${n}: connected in ${run.connectMs} ms; ${rounds} flips in ${run.measureMs} ms`);
      console.log(
        `  GraphQL (clientStatusChanged over graphql-ws): ${line(run.graphql)}; target p99 < 50 ms: ${run.graphql.p99 < 50 && run.graphql.delivered === run.graphql.expected ? 'met' : 'NOT met'}`,
      );
      console.log(`  MQTT (the broker's own fan-out):               ${line(run.mqtt)}`);
      console.log(`  load average ${run.loadAverageBefore.join(' ')} -> ${run.loadAverageAfter.join(' ')} on ${os.cpus().length} CPUs`);
    }
    const written = writeSubscriptionResults(outDir, {
      database: gw.db.kind,
      at: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      subscription: SUBSCRIPTION,
      runs,
    });
    console.log(`wrote ${written.join(', ')}`);
  } finally {
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
