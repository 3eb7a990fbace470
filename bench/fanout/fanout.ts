/**
 * Fan-out benchmark (issue 5): N simulated agents on a real broker, the gateway in this process,
 * a 3-step job on all of them; time from the run request to the last report stored FINAL.
 *
 * Run it with `bench/fanout/run.sh` (compiles src/ and bench/ with swc, then runs this file).
 * Environment:
 *   BENCH_SIZES=100,500,2000   fleet sizes measured (the agents of the largest are started once)
 *   BENCH_REPEAT=3             measured runs per size (after one warm-up run)
 *   BENCH_AGENT_PROCESSES=1    child processes hosting the simulated agents (1 or 2)
 *   MQTT_URL                   an external broker instead of the embedded one
 *   MOSQUITTO_CONF             that broker's mosquitto.conf, to report its queue limits
 *   BENCH_MOSQUITTO=unlimited|default   start a private Mosquitto (from PATH) with those limits: unlimited
 *                              writes max_queued_messages 0 and max_inflight_messages 0 into the
 *                              mosquitto.conf it makes (Mosquitto's defaults, 1000 and 20 per
 *                              client, drop QoS 1 messages of a 10,000-agent fan-out)
 *   BENCH_MOSQUITTO_PORT       that private Mosquitto's port (default: a free one)
 *   DATABASE_URL               a PostgreSQL server: the bench creates (and drops) its own database on it
 *   BENCH_OUT=bench/results    where the results go: {BENCH_NAME}.json and .md
 *   BENCH_NAME=fanout          their file name (e.g. fanout-postgres-mosquitto for another setup)
 *   BENCH_PROFILE=/tmp/prof    profile the gateway process during each measured run: a .cpuprofile
 *                              per run (summarize with bench/fanout/profile-summary.ts)
 *   BENCH_SQL=1                time the SQL statements the gateway sends, printed after each run
 *   BENCH_ENROL_CONCURRENCY    enrolments at once (default 50; 1 on a private Mosquitto, where enrolling
 *                              clients share the client id sdes-enrol and close each other's connection)
 *   BENCH_SECURITY=on|off      on (default): agents enrol and connect with their own credentials,
 *                              commands are signed and verified, statuses and events carry HMACs;
 *                              off: the same bench without any of it (security-setup.ts)
 * bench/fanout/run.sh security runs both modes and compares them (security.ts).
 * After the runs of each size, the broker alone moves the last run's messages again, same count,
 * sizes and QoS, over the same connections (broker-only.ts); it is printed beside the runs.
 */
import 'reflect-metadata';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { createTestApiKey } from '../../test/support/auth';
import { startGateway, type Gateway } from '../../src/gateway';
import type { ExecutionProgressEvent } from '../../src/live/pubsub';
import { BindingService } from '../../src/services/binding.service';
import { JobService } from '../../src/services/job.service';
import type { ServiceContext } from '../../src/services/service-context';
import { SettingsService } from '../../src/services/settings.service';
import { TaskService } from '../../src/services/task.service';
import { cpuMs, mergeStats, type FromAgents, type ToAgents } from './agents-process';
import { processCpuMs, startCpuProfile, traceStatements, type StatementStats } from './profiling';
import type { ReplayStats, SimAgentStats } from './sim-agent';
import { recordTraffic, replayThroughBroker, type BrokerOnlyResult, type Traffic } from './broker-only';
import { scratchDatabase } from '../support/scratch-database';
import { prepareSecurity, readSecurity, type BenchSecurity } from './security-setup';

interface BenchOptions {
  sizes: number[];
  repeat: number;
  agentProcesses: number;
  mqttUrl?: string;
  mosquittoConf?: string;
  privateMosquitto?: 'unlimited' | 'default';
  mosquittoPort?: number;
  databaseUrl?: string;
  outDir: string;
  name: string;
  timeoutMs: number;
  profileDir?: string;
  traceSql: boolean;
  security: BenchSecurity;
  enrolConcurrency?: number;
}

/** One measured run. Times are ms after the run request was sent. */
interface RunResult {
  n: number;
  repeat: number;
  complete: boolean;
  /** Run request to the last report stored FINAL (the figure the target is about). */
  endToEndMs: number;
  executionsPerSecond: number;
  /** The HTTP `GET /v1/jobs/{id}/run` round trip (createRun: run, reports, task results). */
  runRequestMs: number;
  firstDispatchReceivedMs: number | null;
  lastDispatchReceivedMs: number | null;
  /** The last agent published its `report.finished`. */
  lastReportFinishedSentMs: number | null;
  /** The run itself ended (all reports final). */
  runEndedMs: number | null;
  reports: Record<string, number>;
  /** Commands the agents refused (a failed signature check); 0 unless something is wrong. */
  commandsRefused: number;
  eventsResent: number;
  /** Dispatches the agents received again for a report they already had (redispatches). */
  repeatedDispatches: number;
  /** Event messages the agents published (first sends), and the events in them, per client. */
  eventMessagesPerClient: number;
  eventsPerClient: number;
  /** Acks per client (commands besides the dispatch, each signed when security is on). */
  acksPerClient: number;
  /** CPU the gateway process used (user + system) from the request to the last report stored: gateway, and the embedded broker and database when they are used. */
  gatewayCpuMs: number;
  /** CPU the simulated agents' processes used over the whole measurement. */
  agentsCpuMs: number;
  /** CPU of the PostgreSQL server processes serving the gateway (a local DATABASE_URL only; embedded: inside gatewayCpuMs). */
  databaseCpuMs: number | null;
  /** CPU of the private Mosquitto (BENCH_MOSQUITTO only; embedded: inside gatewayCpuMs). */
  brokerCpuMs: number | null;
  /** The dispatcher's passes ("dispatched N reports" lines): reports sent, total ms (and its select, build, publish parts when logged). */
  gatewayDispatchPasses: { reports: number; ms: number; selectMs?: number; buildMs?: number; publishMs?: number }[];
  /** The bridge's event ingestion transactions during the run (its "events stored" debug lines). */
  ingestion: { transactions: number; messages: number; events: number; totalMs: number; maxMs: number };
}

const EMPTY_STATS: SimAgentStats = {
  dispatches: 0,
  repeatedDispatches: 0,
  firstDispatchAt: null,
  lastDispatchAt: null,
  lastFinishedSentAt: null,
  refused: 0,
  acks: 0,
  resent: 0,
  unacked: 0,
  eventMessages: 0,
  events: 0,
};

function readOptions(env = process.env): BenchOptions {
  const sizes = (env.BENCH_SIZES ?? '100,500,2000')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
  if (!sizes.length) throw new Error('BENCH_SIZES must list positive integers, e.g. 100,500,2000');
  const privateMosquitto = env.BENCH_MOSQUITTO as BenchOptions['privateMosquitto'] | undefined;
  if (privateMosquitto && privateMosquitto !== 'unlimited' && privateMosquitto !== 'default')
    throw new Error('BENCH_MOSQUITTO must be "unlimited" or "default"');
  return {
    sizes: sizes.sort((a, b) => a - b),
    repeat: Math.max(1, Number(env.BENCH_REPEAT ?? 3)),
    agentProcesses: Math.min(4, Math.max(1, Number(env.BENCH_AGENT_PROCESSES ?? 1))),
    mqttUrl: env.MQTT_URL || undefined,
    mosquittoConf: env.MOSQUITTO_CONF || undefined,
    privateMosquitto,
    mosquittoPort: env.BENCH_MOSQUITTO_PORT ? Number(env.BENCH_MOSQUITTO_PORT) : undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    outDir: path.resolve(env.BENCH_OUT ?? 'bench/results'),
    name: env.BENCH_NAME || 'fanout',
    timeoutMs: Number(env.BENCH_TIMEOUT_MS ?? 120_000),
    profileDir: env.BENCH_PROFILE ? path.resolve(env.BENCH_PROFILE) : undefined,
    traceSql: !!env.BENCH_SQL && env.BENCH_SQL !== '0',
    security: readSecurity(env.BENCH_SECURITY),
    enrolConcurrency: env.BENCH_ENROL_CONCURRENCY ? Math.max(1, Number(env.BENCH_ENROL_CONCURRENCY)) : undefined,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What a mosquitto.conf (and its include_dir) says about the two limits that drop QoS 1 messages. */
function mosquittoLimits(confPath: string): { maxQueuedMessages: string; maxInflightMessages: string; unlimited: boolean } {
  const files = [confPath];
  const values: Record<string, string> = {};
  for (let i = 0; i < files.length; i++) {
    let text = '';
    try {
      text = fs.readFileSync(files[i], 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const [key, value] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (key === 'include_dir' && value) {
        try {
          files.push(
            ...fs
              .readdirSync(value)
              .filter((f) => f.endsWith('.conf'))
              .sort()
              .map((f) => path.join(value, f)),
          );
        } catch {
          /* missing folder: nothing to include */
        }
      } else if (key === 'max_queued_messages' || key === 'max_inflight_messages') values[key] = value;
    }
  }
  const queued = values.max_queued_messages ?? '1000 (default)';
  const inflight = values.max_inflight_messages ?? '20 (default)';
  return { maxQueuedMessages: queued, maxInflightMessages: inflight, unlimited: queued === '0' && inflight === '0' };
}

/** A private Mosquitto for the bench, so a shared broker's other users are not disturbed. */
async function startMosquitto(
  limits: 'unlimited' | 'default',
  dir: string,
  securityLines: string[],
  port?: number,
): Promise<{ url: string; conf: string; pid?: number; stop(): Promise<void> }> {
  port ??= await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  const lines = [
    `listener ${port} 127.0.0.1`,
    ...securityLines,
    'persistence false',
    'set_tcp_nodelay true',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
  ];
  // Per client: the messages queued while it is busy, and those sent and not yet acknowledged
  // (QoS 1). The defaults (1000, 20) drop what a fan-out of thousands queues for the gateway's
  // one connection; 0 is no limit. Bytes are unlimited by default (max_queued_bytes 0).
  if (limits === 'unlimited') lines.push('max_queued_messages 0', 'max_inflight_messages 0', 'max_queued_bytes 0', 'max_inflight_bytes 0');
  fs.writeFileSync(conf, `${lines.join('\n')}\n`);
  const child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited: ${log}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.end();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) break;
    await sleep(50);
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    conf,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      if (/dropped/i.test(log))
        console.log(
          `mosquitto reported dropped messages:\n${log
            .split('\n')
            .filter((l) => /dropped/i.test(l))
            .slice(0, 3)
            .join('\n')}`,
        );
    },
  };
}

/** One child process hosting simulated agents, driven over IPC. */
class AgentsProcess {
  private readonly child: ChildProcess;
  private waiting: ((m: FromAgents) => void)[] = [];
  constructor() {
    // BENCH_AGENTS_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/agents-prof" profiles the agents' processes.
    this.child = fork(path.join(__dirname, 'agents-process.js'), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: (process.env.BENCH_AGENTS_NODE_ARGS ?? '').split(' ').filter(Boolean),
    });
    this.child.on('message', (m: FromAgents) => {
      if (m.type === 'error') console.error(`agents process: ${m.message}`);
      this.waiting.shift()?.(m);
    });
  }
  private ask(m: ToAgents): Promise<FromAgents> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.send(m);
    });
  }
  async start(m: Extract<ToAgents, { type: 'start' }>): Promise<number> {
    const answer = await this.ask(m);
    if (answer.type !== 'ready') throw new Error(`agents process did not start: ${JSON.stringify(answer)}`);
    return answer.count;
  }
  async stats(reset = false): Promise<SimAgentStats & { cpuMs: number }> {
    const answer = await this.ask({ type: reset ? 'reset' : 'stats' });
    return answer.type === 'stats' ? { ...answer.stats, cpuMs: answer.cpuMs } : { ...EMPTY_STATS, cpuMs: 0 };
  }
  async replay(upSizes: Record<string, number[]>): Promise<void> {
    const answer = await this.ask({ type: 'replay', upSizes });
    if (answer.type !== 'replaying') throw new Error(`agents process did not start the replay: ${JSON.stringify(answer)}`);
  }
  async endReplay(end = true): Promise<ReplayStats> {
    const answer = await this.ask({ type: end ? 'replay-end' : 'replay-stats' });
    return answer.type === 'replayed' ? answer.stats : { received: 0, lastReceivedAt: null, published: 0 };
  }
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || !this.child.connected) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await Promise.race([this.ask({ type: 'stop' }), sleep(15_000)]);
    await Promise.race([exited, sleep(3_000)]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/** Sums the bridge's "events stored" lines: one per ingestion transaction. */
function ingestionOf(lines: { msg: string; ms?: number; messages?: number; events?: number }[]): RunResult['ingestion'] {
  const stored = lines.filter((l) => l.msg === 'events stored' && typeof l.ms === 'number');
  return {
    transactions: stored.length,
    messages: stored.reduce((n, l) => n + (l.messages ?? 0), 0),
    events: stored.reduce((n, l) => n + (l.events ?? 0), 0),
    totalMs: stored.reduce((n, l) => n + (l.ms ?? 0), 0),
    maxMs: Math.max(0, ...stored.map((l) => l.ms ?? 0)),
  };
}

/**
 * Collects progress events as the gateway publishes them (after each commit). It wraps
 * `pubsub.publish` rather than subscribing: a subscription's Repeater throws
 * RepeaterOverflowError when one synchronous burst publishes more than 1,024 events, which a
 * 2,000-client fan-out does (see the report of this bench).
 */
function collectProgress(gateway: Gateway) {
  const runsOfJob = new Map<number, { runId: number; at: number }[]>();
  const finals = new Map<number, Map<string, number>>();
  const runEnded = new Map<number, number>();
  const FINAL = new Set(['SUCCESS', 'FAILED', 'NOT_EXECUTE']);
  const onEvent = (e: ExecutionProgressEvent) => {
    const at = Date.now();
    if (e.level === 'RUN') {
      if (e.status === 'RUNNING') runsOfJob.set(e.jobId, [...(runsOfJob.get(e.jobId) ?? []), { runId: e.runId, at }]);
      else if (FINAL.has(e.status)) runEnded.set(e.runId, at);
    } else if (e.level === 'REPORT' && e.reportId && FINAL.has(e.status)) {
      const byReport = finals.get(e.runId) ?? new Map<string, number>();
      if (!byReport.has(e.reportId)) byReport.set(e.reportId, at);
      finals.set(e.runId, byReport);
    }
  };
  const pubsub = gateway.pubsub as { publish: (...args: unknown[]) => void };
  const original = pubsub.publish;
  pubsub.publish = (...args: unknown[]) => {
    if (args[0] === 'EXECUTION_PROGRESS') onEvent(args[1] as ExecutionProgressEvent);
    original.apply(pubsub, args);
  };
  return {
    runOf: (jobId: number, after: number) => runsOfJob.get(jobId)?.find((r) => r.at >= after)?.runId,
    finals: (runId: number) => finals.get(runId) ?? new Map<string, number>(),
    runEnded: (runId: number) => runEnded.get(runId),
    stop: () => void (pubsub.publish = original),
  };
}

async function main(): Promise<void> {
  const options = readOptions();
  const loadAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const stamp = Date.now().toString(36);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-bench-'));
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => console.error('cleanup:', err));
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    let databaseUrl: string | undefined;
    if (options.databaseUrl) {
      const scratch = await scratchDatabase(options.databaseUrl);
      cleanups.push(() => scratch.drop());
      databaseUrl = scratch.url;
    }
    const mosquittoDir = options.privateMosquitto ? path.join(dataDir, 'mosquitto') : undefined;
    if (mosquittoDir) fs.mkdirSync(mosquittoDir);
    const setup = await prepareSecurity({ security: options.security, mosquittoDir, databaseUrl, dataDir });
    let mqttUrl = options.mqttUrl;
    let brokerPid: number | undefined;
    let broker: Record<string, unknown> = { kind: mqttUrl ? 'external' : 'embedded (aedes, in the gateway process)' };
    if (options.privateMosquitto) {
      const m = await startMosquitto(options.privateMosquitto, mosquittoDir!, setup.mosquittoLines, options.mosquittoPort);
      cleanups.push(() => m.stop());
      mqttUrl = m.url;
      brokerPid = m.pid;
      broker = { kind: 'mosquitto (private instance started by the bench)', ...mosquittoLimits(m.conf) };
    } else if (mqttUrl) {
      const conf = options.mosquittoConf ?? '/etc/mosquitto/mosquitto.conf';
      broker =
        fs.existsSync(conf) && options.mosquittoConf
          ? { kind: 'external', conf, ...mosquittoLimits(conf) }
          : { kind: 'external', note: 'queue limits unknown: set MOSQUITTO_CONF=/path/mosquitto.conf to report max_queued_messages / max_inflight_messages' };
    }

    // The gateway's log lines stay in memory: the dispatcher's "dispatched N reports" and the
    // bridge's "events stored" (debug) lines time the gateway's passes.
    const logLines: {
      level: number;
      msg: string;
      reports?: number;
      ms?: number;
      totalMs?: number;
      selectMs?: number;
      buildMs?: number;
      publishMs?: number;
      messages?: number;
      events?: number;
    }[] = [];
    const logger = pino({ level: process.env.LOG_LEVEL ?? 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      MQTT_PORT: '0',
      MQTT_HOST: '127.0.0.1',
      SDES_DATA_DIR: dataDir,
      // on: the agents enrol with a fleet token; off: they connect anonymously.
      ...setup.gatewayEnv,
      ...(mqttUrl ? { MQTT_URL: mqttUrl } : {}),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    });
    const gateway = await startGateway({ config, logger, signCommands: options.security === 'on' });
    cleanups.push(() => gateway.stop());
    // The run is asked for as a script would: HTTP Basic with an operator's API key.
    const apiKey = await createTestApiKey(gateway.db.orm, 'operator');
    const ctx = (): ServiceContext => ({
      em: gateway.db.orm.em.fork() as EntityManager,
      clock: gateway.clock,
      pubsub: gateway.pubsub,
      dispatcher: gateway.dispatcher,
    });
    await new SettingsService(ctx()).update('client', { autoEnableNewClient: true });

    // The fleet: the largest size, split over the agent processes.
    const fleet = Math.max(...options.sizes);
    const ids = Array.from({ length: fleet }, (_, i) => `bench-${stamp}-${String(i).padStart(5, '0')}`);
    const processes = Array.from({ length: options.agentProcesses }, () => new AgentsProcess());
    cleanups.push(async () => void (await Promise.all(processes.map((p) => p.stop()))));
    const connectStart = Date.now();
    const per = Math.ceil(fleet / processes.length);
    await Promise.all(
      processes.map((p, i) =>
        p.start({
          type: 'start',
          brokerUrl: gateway.brokerUrl,
          clientIds: ids.slice(i * per, (i + 1) * per),
          resendAfterMs: 10_000,
          protocolVersion: 4,
          stateBase: path.join(dataDir, 'agents'),
          enrolmentToken: setup.enrolmentToken,
          enrolConcurrency: options.enrolConcurrency ?? (options.privateMosquitto ? 1 : 50),
        }),
      ),
    );
    const connectedMs = Date.now() - connectStart;
    const em = () => gateway.db.orm.em.fork() as EntityManager;
    for (let waited = 0; ; waited += 200) {
      const [{ n }] = await em().execute<{ n: number }[]>(
        `select count(*)::int as n from client where mqtt_client_id like ? and status = 'ONLINE' and enable`,
        [`bench-${stamp}-%`],
      );
      if (n >= fleet) break;
      if (waited > options.timeoutMs) throw new Error(`only ${n} of ${fleet} agents registered ONLINE within ${options.timeoutMs} ms`);
      await sleep(200);
    }
    const registeredMs = Date.now() - connectStart;
    console.log(
      `${fleet} simulated agents in ${processes.length} process(es), security ${options.security}: ${options.security === 'on' ? 'enrolled and ' : ''}connected in ${connectedMs} ms, registered ONLINE in ${registeredMs} ms`,
    );
    // The server processes of this database's connections (the pool's), when the server is on this machine.
    const local = databaseUrl && ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(new URL(databaseUrl).hostname);
    const databasePids = async (): Promise<number[]> =>
      local ? (await em().execute<{ pid: number }[]>('select pid from pg_stat_activity where datname = current_database()')).map((r) => r.pid) : [];
    const clientIds = (
      await em().execute<{ id: number }[]>('select id from client where mqtt_client_id like ? order by mqtt_client_id', [`bench-${stamp}-%`])
    ).map((r) => r.id);

    const task = await new TaskService(ctx()).create({ name: 'bench: 3 steps' });
    await new TaskService(ctx()).saveScript(task.id, [
      { type: 'COPY_FILE', order: 0, filePath: 'in/prices.csv', targetFilePath: 'out/', createFilePath: true },
      { type: 'GET_FILE_STATUS', order: 1, filePath: 'out/prices.csv' },
      { type: 'DELETE_FILE', order: 2, filePath: 'in/prices.csv' },
    ]);
    const jobFor = async (n: number) => {
      const job = await new JobService(ctx()).create({ name: `fanout ${n}`, duration: 600 });
      await new BindingService(ctx()).bindJobTasks(job.id, [task.id]);
      await new BindingService(ctx()).bindJobClients(job.id, clientIds.slice(0, n));
      return job.id;
    };

    const progress = collectProgress(gateway);
    cleanups.push(async () => progress.stop());
    const statsOfAll = async (reset = false) => {
      const all = await Promise.all(processes.map((p) => p.stats(reset)));
      return { ...mergeStats(all), cpuMs: all.reduce((n, s) => n + s.cpuMs, 0) };
    };

    const statements: StatementStats | undefined = options.traceSql ? traceStatements() : undefined;
    const traffic = recordTraffic(gateway.mqtt);
    const replayingAgents = {
      replay: async (upSizes: Record<string, number[]>) => void (await Promise.all(processes.map((p) => p.replay(upSizes)))),
      endReplay: async (end = true): Promise<ReplayStats> => {
        const all = await Promise.all(processes.map((p) => p.endReplay(end)));
        return {
          received: all.reduce((n, s) => n + s.received, 0),
          published: all.reduce((n, s) => n + s.published, 0),
          lastReceivedAt: all.reduce<number | null>((t, s) => (s.lastReceivedAt === null ? t : Math.max(t ?? 0, s.lastReceivedAt)), null),
        };
      },
    };
    const measure = async (n: number, jobId: number, repeat: number): Promise<RunResult> => {
      const agentsCpu0 = (await statsOfAll(true)).cpuMs;
      const dbCpu0 = new Map((await databasePids()).map((pid) => [pid, processCpuMs(pid) ?? 0]));
      const brokerCpu0 = brokerPid ? processCpuMs(brokerPid) : null;
      const gatewayCpu0 = cpuMs();
      const logMark = logLines.length;
      statements?.reset();
      const profile = options.profileDir && repeat > 0 ? await startCpuProfile() : undefined;
      traffic.start();
      const t0 = Date.now();
      const response = await fetch(`${gateway.url}/v1/jobs/${jobId}/run`, { headers: apiKey.headers });
      const runRequestMs = Date.now() - t0;
      if (!response.ok) throw new Error(`GET /v1/jobs/${jobId}/run answered ${response.status}: ${await response.text()}`);
      let runId: number | undefined;
      let complete = false;
      while (Date.now() - t0 < options.timeoutMs) {
        runId ??= progress.runOf(jobId, t0);
        if (runId !== undefined && progress.finals(runId).size >= n) {
          complete = true;
          break;
        }
        await sleep(5);
      }
      if (runId === undefined) throw new Error(`no run of job ${jobId} was published`);
      const lastStored = Math.max(...progress.finals(runId).values(), t0);
      const gatewayCpuMs = cpuMs() - gatewayCpu0;
      // Connections opened during the run count whole.
      const dbPids = [...new Set([...dbCpu0.keys(), ...(await databasePids())])];
      const dbCpu1 = dbPids.length ? dbPids.reduce((n, pid) => n + (processCpuMs(pid) ?? dbCpu0.get(pid) ?? 0) - (dbCpu0.get(pid) ?? 0), 0) : null;
      const brokerCpu1 = brokerPid ? processCpuMs(brokerPid) : null;
      for (let i = 0; i < 100 && progress.runEnded(runId) === undefined; i++) await sleep(10);
      if (profile) {
        const file = path.join(options.profileDir!, `gateway-n${n}-run${repeat}.cpuprofile`);
        await profile.stop(file);
        console.log(`profile: ${file}`);
      }
      if (statements && repeat > 0) console.log(statements.report(`SQL during N=${n} run ${repeat}`));
      const agents = await statsOfAll();
      const rows = await em().execute<{ status: string; n: number }[]>('select status, count(*)::int as n from report where run_id = ? group by status', [
        runId,
      ]);
      const rel = (at: number | null | undefined) => (at === null || at === undefined ? null : at - t0);
      const endToEndMs = lastStored - t0;
      return {
        n,
        repeat,
        complete,
        endToEndMs: complete ? endToEndMs : options.timeoutMs,
        executionsPerSecond: complete ? Math.round((n / endToEndMs) * 1000) : 0,
        runRequestMs,
        firstDispatchReceivedMs: rel(agents.firstDispatchAt),
        lastDispatchReceivedMs: rel(agents.lastDispatchAt),
        lastReportFinishedSentMs: rel(agents.lastFinishedSentAt),
        runEndedMs: rel(progress.runEnded(runId)),
        reports: Object.fromEntries(rows.map((r) => [r.status, r.n])),
        commandsRefused: agents.refused,
        eventsResent: agents.resent,
        repeatedDispatches: agents.repeatedDispatches,
        eventMessagesPerClient: Math.round((agents.eventMessages / n) * 100) / 100,
        eventsPerClient: Math.round((agents.events / n) * 100) / 100,
        acksPerClient: Math.round((agents.acks / n) * 100) / 100,
        gatewayCpuMs,
        agentsCpuMs: agents.cpuMs - agentsCpu0,
        databaseCpuMs: dbCpu1,
        brokerCpuMs: brokerCpu0 !== null && brokerCpu1 !== null ? brokerCpu1 - brokerCpu0 : null,
        gatewayDispatchPasses: logLines
          .slice(logMark)
          .filter((l) => typeof l.msg === 'string' && l.msg.startsWith('dispatched '))
          .map((l) => ({ reports: l.reports ?? 0, ms: l.totalMs ?? l.ms ?? 0, selectMs: l.selectMs, buildMs: l.buildMs, publishMs: l.publishMs })),
        ingestion: ingestionOf(logLines.slice(logMark)),
      };
    };

    // Warm-up: JIT, prepared paths, caches; not reported.
    const warm = Math.min(50, fleet);
    const warmResult = await measure(warm, await jobFor(warm), 0);
    console.log(`warm-up (${warm} clients): ${warmResult.endToEndMs} ms`);
    await sleep(500);

    const results: RunResult[] = [];
    const brokerOnly: (BrokerOnlyResult & { n: number })[] = [];
    console.log('\n     N  run  e2e ms  exec/s  run req  1st disp  last disp  last sent  run end  resent  gw cpu  db cpu  mq cpu  agents cpu  reports');
    for (const n of options.sizes) {
      const jobId = await jobFor(n);
      let lastTraffic: Traffic = { down: [], up: [] };
      for (let r = 1; r <= options.repeat; r++) {
        const result = await measure(n, jobId, r);
        results.push(result);
        const f = (v: number | null, w: number) => String(v ?? '-').padStart(w);
        console.log(
          `${f(n, 6)} ${f(r, 4)} ${f(result.endToEndMs, 7)} ${f(result.executionsPerSecond, 7)} ${f(result.runRequestMs, 8)} ${f(result.firstDispatchReceivedMs, 9)} ${f(result.lastDispatchReceivedMs, 10)} ${f(result.lastReportFinishedSentMs, 10)} ${f(result.runEndedMs, 8)} ${f(result.eventsResent, 7)} ${f(result.gatewayCpuMs, 7)} ${f(result.databaseCpuMs, 7)} ${f(result.brokerCpuMs, 7)} ${f(result.agentsCpuMs, 11)}  ${JSON.stringify(result.reports)}${result.repeatedDispatches ? `  ${result.repeatedDispatches} repeated dispatches` : ''}${result.commandsRefused ? `  ${result.commandsRefused} COMMANDS REFUSED` : ''}${result.complete ? '' : '  INCOMPLETE'}`,
        );
        const d = result.gatewayDispatchPasses;
        const g = result.ingestion;
        console.log(
          `         dispatch passes: ${d.map((p) => `${p.reports} in ${p.ms} ms${p.selectMs !== undefined ? ` (select ${p.selectMs}, build ${p.buildMs}, publish ${p.publishMs})` : ''}`).join(', ') || '-'}; ingestion: ${g.transactions} transactions, ${g.messages} messages, ${g.events} events, ${g.totalMs} ms in all (max ${g.maxMs} ms)`,
        );
        // Let acks and the scheduler's sweep settle between runs.
        await sleep(1_000);
        lastTraffic = traffic.stop();
      }
      // The broker alone, the same messages as the last run: as many replays as runs.
      for (let r = 1; r <= options.repeat; r++) {
        const alone = await replayThroughBroker({ mqtt: gateway.mqtt, traffic: lastTraffic, agents: replayingAgents, timeoutMs: options.timeoutMs });
        brokerOnly.push({ ...alone, n });
        console.log(
          `${String(n).padStart(6)} broker alone ${r}: ${alone.ms} ms (last event message at the gateway ${alone.upMs} ms) for ${alone.messagesDown} commands down (${alone.bytesDown} bytes, ${alone.delivered} delivered) and ${alone.messagesUp} event messages up (${alone.bytesUp} bytes)${alone.complete ? '' : '  INCOMPLETE'}`,
        );
        await sleep(500);
      }
    }

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    const summary = options.sizes.map((n) => {
      const of = results.filter((r) => r.n === n);
      const e2e = median(of.map((r) => r.endToEndMs));
      return {
        n,
        medianEndToEndMs: e2e,
        bestEndToEndMs: Math.min(...of.map((r) => r.endToEndMs)),
        medianExecutionsPerSecond: median(of.map((r) => r.executionsPerSecond)),
        allComplete: of.every((r) => r.complete),
        brokerOnlyMs: median(brokerOnly.filter((b) => b.n === n).map((b) => b.ms)),
        brokerOnlyComplete: brokerOnly.filter((b) => b.n === n).every((b) => b.complete),
      };
    });
    // Issue 12: 2,000 in < 2 s on the embedded database and broker, 10,000 in < 3 s on PostgreSQL + Mosquitto.
    const embedded = gateway.db.kind === 'embedded' && !mqttUrl;
    const target = embedded ? { n: 2000, ms: 2000 } : { n: 10000, ms: 3000 };
    const measured = summary.find((s) => s.n === target.n);
    const report = {
      date: new Date().toISOString(),
      command:
        `${[options.security === 'off' ? 'BENCH_SECURITY=off' : '', options.privateMosquitto ? `BENCH_MOSQUITTO=${options.privateMosquitto}` : '', options.mqttUrl ? 'MQTT_URL=…' : '', options.databaseUrl ? 'DATABASE_URL=…' : '', options.agentProcesses > 1 ? `BENCH_AGENT_PROCESSES=${options.agentProcesses}` : ''].filter(Boolean).join(' ')} bench/fanout/run.sh`.trim(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
        node: process.version,
      },
      security: options.security,
      broker,
      database: gateway.db.kind,
      agents: { fleet, processes: processes.length, connectedMs, registeredMs, job: '1 task of 3 steps (COPY_FILE, GET_FILE_STATUS, DELETE_FILE)' },
      target: `${target.n.toLocaleString('en')} clients in < ${target.ms / 1000} s`,
      targetMet: measured ? measured.medianEndToEndMs < target.ms : null,
      summary,
      brokerOnly,
      runs: results,
    };
    fs.mkdirSync(options.outDir, { recursive: true });
    fs.writeFileSync(path.join(options.outDir, `${options.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(path.join(options.outDir, `${options.name}.md`), markdown(report));
    console.log('\nsummary (median of runs):');
    for (const s of summary)
      console.log(
        `  N=${s.n}: ${s.medianEndToEndMs} ms end to end, ${s.medianExecutionsPerSecond} client executions/s (best ${s.bestEndToEndMs} ms)${s.allComplete ? '' : ' INCOMPLETE'}; the broker alone, same messages: ${s.brokerOnlyMs} ms${s.brokerOnlyComplete ? '' : ' INCOMPLETE'}`,
      );
    console.log(`target: ${report.target}: ${report.targetMet === null ? `not measured (BENCH_SIZES=${target.n})` : report.targetMet ? 'met' : 'not met'}`);
    console.log(
      `broker: ${JSON.stringify(broker)}; database: ${gateway.db.kind}; load average ${report.machine.loadAverageAtEnd.join(' ')} on ${report.machine.cpus} CPUs`,
    );
    console.log(`written: ${path.join(options.outDir, options.name)}.json and .md`);
  } finally {
    await cleanup();
  }
}

function markdown(report: {
  date: string;
  command: string;
  machine: { cpus: number; cpuModel?: string; loadAverageAtStart: number[]; loadAverageAtEnd: number[]; node: string };
  security: BenchSecurity;
  broker: Record<string, unknown>;
  database: string;
  agents: { fleet: number; processes: number; job: string };
  target: string;
  targetMet: boolean | null;
  summary: {
    n: number;
    medianEndToEndMs: number;
    bestEndToEndMs: number;
    medianExecutionsPerSecond: number;
    allComplete: boolean;
    brokerOnlyMs: number;
    brokerOnlyComplete: boolean;
  }[];
  brokerOnly: (BrokerOnlyResult & { n: number })[];
  runs: RunResult[];
}): string {
  const lines = [
    '# Fan-out benchmark',
    '',
    `${report.date} · \`${report.command}\` · Node ${report.machine.node} · ${report.machine.cpus} CPUs (${report.machine.cpuModel ?? '?'}), load average (1, 5, 15 min) at the start ${report.machine.loadAverageAtStart.join(' ')}, at the end ${report.machine.loadAverageAtEnd.join(' ')}`,
    '',
    `Security: ${report.security === 'on' ? 'on (enrolled agents, broker authentication and ACL, signed commands, HMAC on statuses and events)' : 'off (anonymous agents, unsigned commands, no HMACs)'}. Broker: ${Object.entries(
      report.broker,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}. Database: ${report.database}. Agents: ${report.agents.fleet} simulated, in ${report.agents.processes} process(es); job: ${report.agents.job}.`,
    '',
    'End to end = from `GET /v1/jobs/{id}/run` being sent to the last report stored FINAL (its progress event, published after the commit).',
    '',
    `Target (issue 12): ${report.target}: ${report.targetMet === null ? 'that size was not measured' : report.targetMet ? 'met' : 'not met'}.`,
    '',
    '| N | median end to end | best | client executions/s (median) | the broker alone, same messages (median) |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...report.summary.map(
      (s) =>
        `| ${s.n} | ${s.medianEndToEndMs} ms${s.allComplete ? '' : ' (incomplete)'} | ${s.bestEndToEndMs} ms | ${s.medianExecutionsPerSecond} | ${s.brokerOnlyMs} ms${s.brokerOnlyComplete ? '' : ' (incomplete)'} |`,
    ),
    '',
    "The broker alone: after the runs of a size, the last run's messages (commands down, event messages up; same count, sizes and QoS) sent again over the same connections of the same broker, with nothing done at either end (bench/fanout/broker-only.ts); from the first publish to the last delivery.",
    '',
    '| N | broker alone | commands down (bytes, delivered) | event messages up (bytes) |',
    '| ---: | ---: | ---: | ---: |',
    ...report.brokerOnly.map(
      (b) =>
        `| ${b.n} | ${b.ms} ms${b.complete ? '' : ' (incomplete)'} | ${b.messagesDown} (${b.bytesDown}, ${b.delivered}) | ${b.messagesUp} (${b.bytesUp}) |`,
    ),
    '',
    "Every run (ms after the request): run request round trip, first and last dispatch received by an agent, last `report.finished` sent, last report stored, run ended; events resent, events and event messages per client (the agents let events linger 20 ms, as the real agent does, so quick steps share messages); then the CPU time used meanwhile by the gateway process (with the embedded database and broker when they are used), a local PostgreSQL, the private Mosquitto and the agents processes; the gateway's ingestion transactions (count, summed and longest duration).",
    '',
    '| N | # | request | first dispatch | last dispatch | last finished sent | last stored | run ended | resent events | repeated dispatches | events / messages per client | gateway CPU | PostgreSQL CPU | Mosquitto CPU | agents CPU | ingestion transactions (sum, max) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.runs.map(
      (r) =>
        `| ${r.n} | ${r.repeat} | ${r.runRequestMs} | ${r.firstDispatchReceivedMs ?? '-'} | ${r.lastDispatchReceivedMs ?? '-'} | ${r.lastReportFinishedSentMs ?? '-'} | ${r.endToEndMs} | ${r.runEndedMs ?? '-'} | ${r.eventsResent} | ${r.repeatedDispatches} | ${r.eventsPerClient} / ${r.eventMessagesPerClient} | ${r.gatewayCpuMs} ms | ${r.databaseCpuMs === null ? '-' : `${r.databaseCpuMs} ms`} | ${r.brokerCpuMs === null ? '-' : `${r.brokerCpuMs} ms`} | ${r.agentsCpuMs} ms | ${r.ingestion.transactions} (${r.ingestion.totalMs} ms, ${r.ingestion.maxMs} ms) |`,
    ),
    '',
    'The machine is shared: figures move with its load; compare runs made at the same load average.',
    '',
  ];
  return lines.join('\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
