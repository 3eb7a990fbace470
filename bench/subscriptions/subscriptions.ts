/**
 * Subscription fan-out (issue 12): how long an agent's status change takes to reach N GraphQL
 * subscribers of `clientStatusChanged`, against N plain MQTT subscribers of the same status topic.
 *
 * Starts the gateway in this process (embedded broker, SDES_ALLOW_UNENROLLED_AGENTS so that an
 * anonymous agent is heard), opens N graphql-ws sockets (one each, authenticated with the admin's
 * session as the tests do) and N MQTT clients subscribed to `sdes/v1/agents/<agent>/status`, then
 * lets one agent flip ONLINE/OFFLINE (QoS 1, retained, docs/protocol.md section 2) for a number of
 * rounds. Latency is from just before the agent's publish to each subscriber's receipt. Both kinds
 * of subscriber live in one child process (subscribers-process.ts), off the gateway's event loop,
 * so each pays the same client-side cost and the gateway's figure is its own.
 *
 * Run it with `bench/subscriptions/run.sh`. Environment:
 *   DATABASE_URL=postgres://...   a PostgreSQL server (the bench makes its own database); without it, PGlite
 *   BENCH_SUBSCRIBERS=1000        N (comma-separated for several runs, e.g. 1000,10000)
 *   BENCH_MQTT_MAX=9000           at most this many MQTT subscribers (see mqttSubscribers); 0 runs the
 *                                 GraphQL side alone
 *   BENCH_SIDES=apart             apart: the GraphQL subscribers are measured in one phase and the MQTT
 *                                 ones in the next, on the same gateway, broker and agent, so each side
 *                                 has the machine's two cores to itself (on two cores, N subscribers of
 *                                 each kind at once slow both: every receipt competes for the same CPU);
 *                                 together: both kinds subscribed and timed on the same flips
 *   BENCH_ROUNDS=10               status flips measured per N (after one that checks every subscriber is ready)
 *   BENCH_OUT=bench/results       where subscriptions.json and .md go
 *   BENCH_PROFILE=/tmp/prof       a CPU profile of the measured flips only (subscriptions-n<N>.cpuprofile)
 */
import 'reflect-metadata';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fork } from 'node:child_process';
import mqtt, { type MqttClient } from 'mqtt';
import { loadConfig } from '../../src/config';
import { startGateway, type Gateway } from '../../src/gateway';
import { buildOfflineStatus, buildOnlineStatus, encodeMessage } from '../../src/protocol/protocol.build';
import { statusTopic } from '../../src/protocol/protocol.topics';
import { silentLogger } from '../../src/runtime/logger';
import { loginOverRest, TEST_ADMIN } from '../../test/support/auth';
import { processCpuMs, startCpuProfile } from '../fanout/profiling';
import { summarize } from '../graphql-vs-sql/results';
import { scratchDatabase } from '../support/scratch-database';
import { writeSubscriptionResults, type SubscriptionRun } from './results';
import type { FromSubscribers, ToSubscribers } from './subscribers-process';

const AGENT = 'bench-status-agent';
const SUBSCRIPTION = `subscription { clientStatusChanged(mqttClientId: "${AGENT}") { mqttClientId status at } }`;
/** A flip that has not reached every subscriber by then (10 s + 2 ms a subscriber) counts its missing deliveries as lost. */
const roundTimeoutMs = (n: number) => 10_000 + 2 * n;

/** The subscribers' process (subscribers-process.ts) and its messages, awaited by type. */
function forkSubscribers() {
  const child = fork(path.join(__dirname, 'subscribers-process.js'), { stdio: 'inherit' });
  const inbox: FromSubscribers[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (m: FromSubscribers) => {
    if (m.type === 'failed') console.error(`subscribers: ${m.message}`);
    else inbox.push(m);
    wake?.();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    send: (m: ToSubscribers) => child.send(m),
    /** The next message of this type, or undefined after `timeoutMs`. */
    async next<T extends FromSubscribers['type']>(type: T, timeoutMs: number): Promise<Extract<FromSubscribers, { type: T }> | undefined> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = inbox.findIndex((m) => m.type === type);
        if (i >= 0) return inbox.splice(i, 1)[0] as Extract<FromSubscribers, { type: T }>;
        const left = deadline - Date.now();
        if (left <= 0 || child.exitCode !== null) return undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, left).unref();
        });
      }
    },
    async close() {
      if (child.exitCode === null) child.send({ type: 'close' } satisfies ToSubscribers);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      child.kill();
    },
  };
}
type Subscribers = ReturnType<typeof forkSubscribers>;

let lastAt = 0;

/** Flips the agent's status once; answers the latencies (ms) of the subscribers that got it in time. */
async function flip(agent: MqttClient, sides: Subscribers[], online: boolean, n: number): Promise<{ gql: number[]; mqtt: number[] }> {
  // `at` must grow, or the gateway takes the status for an old one (docs/protocol.md section 8).
  const at = (lastAt = Math.max(Date.now(), lastAt + 1));
  const status = online ? 'ONLINE' : 'OFFLINE';
  for (const side of sides) side.send({ type: 'arm', at, status });
  for (const side of sides) if (!(await side.next('armed', 10_000))) throw new Error('a subscribers process does not answer');
  const message = online
    ? buildOnlineStatus({ at, role: 'STORE', version: 'bench', ip: '127.0.0.1', hostname: 'bench', roots: [], stream: 'bench-stream' })
    : buildOfflineStatus({ at, reason: 'stopped' });
  // Every process reads the same clock: performance.timeOrigin + performance.now().
  const start = performance.timeOrigin + performance.now();
  await agent.publishAsync(statusTopic(AGENT), encodeMessage(message), { qos: 1, retain: true });
  const all = await Promise.all(
    sides.map(async (side) => {
      const receipts = await side.next('receipts', roundTimeoutMs(n));
      if (receipts) return receipts;
      side.send({ type: 'collect' });
      return side.next('receipts', 10_000);
    }),
  );
  return { gql: all.flatMap((r) => r?.gql ?? []).map((x) => x - start), mqtt: all.flatMap((r) => r?.mqtt ?? []).map((x) => x - start) };
}

/**
 * How many MQTT subscribers go beside N GraphQL ones. A process may open 20,000 files here
 * (`ulimit -Hn`), and the gateway process holds the server end of both kinds (its WebSocket server
 * and the embedded broker), so at 10,000 GraphQL subscribers the MQTT side is capped.
 */
const mqttSubscribers = (n: number) => Math.min(n, Number(process.env.BENCH_MQTT_MAX || 9_000));

/** One size: both kinds of subscriber on the same flips (`together`), or one phase per kind (`apart`, the default). */
async function measure(gw: Gateway, authorization: string, n: number, rounds: number): Promise<SubscriptionRun> {
  const mqttN = mqttSubscribers(n);
  if ((process.env.BENCH_SIDES || 'apart') === 'together' || mqttN === 0) return measureSides(gw, authorization, n, mqttN, rounds);
  const graphql = await measureSides(gw, authorization, n, 0, rounds);
  const plain = await measureSides(gw, authorization, 0, mqttN, rounds);
  return {
    ...graphql,
    sides: 'apart',
    connectMs: graphql.connectMs + plain.connectMs,
    measureMs: graphql.measureMs + plain.measureMs,
    mqttSubscribers: mqttN,
    mqtt: plain.mqtt,
    // Each side's gateway figure is of its own phase (the gateway forwards to graphql-ws in the first; in the second only its MQTT client hears the flip).
    cpuMsPerFlip: {
      gateway: graphql.cpuMsPerFlip!.gateway,
      graphqlSubscribers: graphql.cpuMsPerFlip!.graphqlSubscribers,
      mqttSubscribers: plain.cpuMsPerFlip!.mqttSubscribers,
    },
    loadAverageAfter: plain.loadAverageAfter,
  };
}

async function measureSides(gw: Gateway, authorization: string, n: number, mqttN: number, rounds: number): Promise<SubscriptionRun> {
  const loadBefore = os.loadavg();
  // Each kind of subscriber in a process of its own: one side's client work (parsing frames or
  // packets, on its own event loop) then never delays the other side's receipts.
  const graphqlSide = n ? forkSubscribers() : undefined;
  const mqttSide = mqttN ? forkSubscribers() : undefined;
  const sides = [graphqlSide, mqttSide].filter((side): side is Subscribers => side !== undefined);
  const agent = await mqtt.connectAsync(gw.brokerUrl, { clientId: AGENT, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
  try {
    let t = performance.now();
    const open = { wsUrl: `${gw.url.replace(/^http/, 'ws')}/graphql`, brokerUrl: gw.brokerUrl, authorization, agent: AGENT } as const;
    graphqlSide?.send({ type: 'open', ...open, n, mqttN: 0 });
    mqttSide?.send({ type: 'open', ...open, n: 0, mqttN });
    for (const side of sides) if (!(await side.next('opened', 60_000 + n * 60))) throw new Error(`the ${n} subscribers did not connect`);
    const connectMs = performance.now() - t;
    // Subscriptions start asynchronously after `connected`: flip until one reaches everyone.
    let ready = false;
    for (let i = 0; i < 10 && !ready; i++) {
      const round = await flip(agent, sides, i % 2 === 0, n);
      ready = round.gql.length === n && round.mqtt.length === mqttN;
    }
    if (!ready) throw new Error(`not every subscriber got the warm-up status (${n} GraphQL and ${mqttN} MQTT wanted)`);
    const gql: number[] = [];
    const plain: number[] = [];
    const profileDir = process.env.BENCH_PROFILE;
    const profile = profileDir ? await startCpuProfile() : undefined;
    const cpuBefore = process.cpuUsage();
    const sideCpu = (side: Subscribers | undefined) => (side ? (processCpuMs(side.pid) ?? NaN) : 0);
    const sidesCpuBefore = [sideCpu(graphqlSide), sideCpu(mqttSide)];
    t = performance.now();
    for (let r = 0; r < rounds; r++) {
      const round = await flip(agent, sides, r % 2 === 1, n);
      gql.push(...round.gql);
      plain.push(...round.mqtt);
    }
    const measureMs = performance.now() - t;
    const cpu = process.cpuUsage(cpuBefore);
    const sidesCpu = [sideCpu(graphqlSide) - sidesCpuBefore[0]!, sideCpu(mqttSide) - sidesCpuBefore[1]!];
    await profile?.stop(path.join(profileDir!, `subscriptions-n${n}.cpuprofile`));
    const loadAfter = os.loadavg();
    // A side without subscribers (BENCH_MQTT_MAX=0) has no figures.
    const stats = (xs: number[]) => (xs.length ? summarize(xs) : { n: 0, median: NaN, p95: NaN, mean: NaN, min: NaN, max: NaN });
    const delivery = (xs: number[], of: number) => ({
      ...stats(xs),
      p50: stats(xs).median,
      p99: percentile(xs, 0.99),
      delivered: xs.length,
      expected: of * rounds,
    });
    return {
      at: new Date().toISOString(),
      sides: 'together',
      subscribers: n,
      rounds,
      connectMs: Math.round(connectMs),
      measureMs: Math.round(measureMs),
      mqttSubscribers: mqttN,
      cpuMsPerFlip: {
        gateway: Number(((cpu.user + cpu.system) / 1000 / rounds).toFixed(1)),
        graphqlSubscribers: Number((sidesCpu[0]! / rounds).toFixed(1)),
        mqttSubscribers: Number((sidesCpu[1]! / rounds).toFixed(1)),
      },
      graphql: delivery(gql, n),
      mqtt: delivery(plain, mqttN),
      loadAverageBefore: loadBefore.map((x) => Number(x.toFixed(2))),
      loadAverageAfter: loadAfter.map((x) => Number(x.toFixed(2))),
    };
  } finally {
    await agent.endAsync(true).catch(() => undefined);
    await Promise.all(sides.map((side) => side.close()));
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
    // An external broker (Mosquitto) does the MQTT side's fan-out in its own process; the embedded
    // one (aedes) does it on the gateway's event loop, so there the MQTT subscribers slow the GraphQL ones.
    MQTT_URL: process.env.MQTT_URL,
  });
  let gw: Gateway | undefined;
  try {
    gw = await startGateway({ config, logger: silentLogger() });
    const authorization = `Bearer ${await loginOverRest(gw.url)}`;
    const broker = process.env.MQTT_URL ? 'external' : 'embedded';
    console.log(
      `database: ${gw.db.kind === 'embedded' ? 'embedded PGlite' : gw.db.displayUrl}; broker: ${broker === 'embedded' ? 'embedded (aedes)' : 'external'} at ${gw.brokerUrl}`,
    );
    const runs: SubscriptionRun[] = [];
    for (const n of sizes) {
      const run = await measure(gw, authorization, n, rounds);
      runs.push(run);
      const line = (s: SubscriptionRun['graphql']) =>
        `p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms, delivered ${s.delivered}/${s.expected}`;
      console.log(
        `N=${n}: connected in ${run.connectMs} ms; ${rounds} flips in ${run.measureMs} ms (${run.sides === 'apart' ? 'each kind of subscriber in a phase of its own' : 'both kinds on the same flips'})`,
      );
      console.log(
        `  GraphQL (clientStatusChanged over graphql-ws): ${line(run.graphql)}; target p99 < 50 ms: ${run.graphql.p99 < 50 && run.graphql.delivered === run.graphql.expected ? 'met' : 'NOT met'}`,
      );
      if (run.mqttSubscribers) console.log(`  MQTT (the broker's own fan-out):               ${line(run.mqtt)}`);
      const c = run.cpuMsPerFlip!;
      console.log(`  CPU per flip: gateway process ${c.gateway} ms, GraphQL subscribers ${c.graphqlSubscribers} ms, MQTT subscribers ${c.mqttSubscribers} ms`);
      console.log(`  load average ${run.loadAverageBefore.join(' ')} -> ${run.loadAverageAfter.join(' ')} on ${os.cpus().length} CPUs`);
    }
    const written = writeSubscriptionResults(outDir, {
      database: gw.db.kind,
      broker,
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
