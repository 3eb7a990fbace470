/**
 * `npm run demo`: a newcomer's first minute. Starts the gateway on embedded infrastructure in a
 * temporary folder, three local agents (one SERVER, two STORE) in temporary folders, a sample
 * task and job; prints the GraphQL IDE address and a subscription to paste; runs the job and
 * prints its progress as it arrives; runs until Ctrl-C, then stops everything and removes the
 * temporary folder.
 *
 * Environment: PORT (4000), MQTT_PORT (1883): when one is taken a free port is used instead and
 * the demo says so. HOST / MQTT_HOST (127.0.0.1). DEMO_DELAY seconds before the run (5).
 * LOG_LEVEL for the gateway's own log lines (warn). DATABASE_URL and MQTT_URL are ignored: the
 * demo always runs on the embedded database and broker.
 */
import 'reflect-metadata';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createAgent, type Agent } from '../agent/agent';
import { createAgentLogger } from '../runtime/logger';
import { loadConfig } from '../config';
import { startGateway, type Gateway } from '../gateway';
import type { ExecutionProgressEvent, StepMessageEvent } from '../live/pubsub';
import type { AgentRole } from '../protocol';
import { createLogger } from '../runtime/logger';
import { StartupError } from '../runtime/startup-error';
import { BindingService } from '../services/binding.service';
import { ExecutionService } from '../services/execution.service';
import { GroupService } from '../services/group.service';
import { JobService } from '../services/job.service';
import type { ServiceContext } from '../services/service-context';
import { SettingsService } from '../services/settings.service';
import { TaskService } from '../services/task.service';
import { newPassword } from '../auth/secrets';
import { ApiKeyService } from '../services/api-key.service';
import { SessionService } from '../services/session.service';

const AGENTS: { clientId: string; role: AgentRole }[] = [
  { clientId: 'demo-server', role: 'SERVER' },
  { clientId: 'demo-store-1', role: 'STORE' },
  { clientId: 'demo-store-2', role: 'STORE' },
];

const WINDOWS = process.platform === 'win32';
const SCRIPT = WINDOWS ? 'bin/make-prices.cmd' : 'bin/make-prices.sh';
const SCRIPT_TEXT = WINDOWS
  ? '@echo off\r\ncd /d "%~dp0.."\r\nif not exist work mkdir work\r\n(echo sku,price& echo A-100,4.20& echo B-200,13.99) > work\\prices.csv\r\necho wrote %CD%\\work\\prices.csv on %COMPUTERNAME%\r\n'
  : '#!/bin/sh\n# Demo step: writes work/prices.csv under this agent\'s root.\nset -e\ncd "$(dirname "$0")/.."\nmkdir -p work\nprintf \'sku,price\\nA-100,4.20\\nB-200,13.99\\n\' > work/prices.csv\necho "wrote $(pwd)/work/prices.csv ($(wc -c < work/prices.csv | tr -d \' \') bytes) on $(hostname)"\n';

/** The sample script: create a file, copy it, and an IF that only the SERVER answers "true" (its root holds flags/server.flag). */
const SAMPLE_SCRIPT = [
  { type: 'EXECUTE_FILE', order: 0, filePath: SCRIPT, duration: 30, retryTimes: 0 },
  {
    type: 'COPY_FILE',
    order: 1,
    filePath: 'work/prices.csv',
    targetFilePath: 'outbox/',
    createFilePath: true,
    overWrite: 'COMPARE_OVERWRITE',
    retryTimes: 1,
    retryInterval: 2,
  },
  {
    type: 'IF',
    order: 2,
    conditions: [{ type: 'GET_FILE_STATUS', order: 0, filePath: 'flags/server.flag' }],
    true: [{ type: 'COPY_FILE', order: 0, filePath: 'outbox/prices.csv', targetFilePath: 'archive/', createFilePath: true, retryTimes: 1, retryInterval: 2 }],
    false: [{ type: 'GET_FILE_STATUS', order: 0, filePath: 'outbox/prices.csv', retryTimes: 0 }],
  },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `wanted` when it can be listened on, else 0 (a free port, picked at listen time). */
async function portOrFree(wanted: number, host: string): Promise<number> {
  if (wanted === 0) return 0;
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(0));
    probe.listen(wanted, host, () => probe.close(() => resolve(wanted)));
  });
}

function readPort(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new StartupError(`${name}="${raw}" is not a port: expected an integer from 0 to 65535`);
  return value;
}

const time = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString().slice(11, 23) : '            ');

/** Order of lines with the same time: starts outside-in (run, report, task, step), ends inside-out. */
function rank(level: ExecutionProgressEvent['level'], final: boolean): number {
  const depth = { RUN: 0, REPORT: 1, TASK: 2, STEP: 3 }[level];
  return final ? 10 - depth : depth;
}

/** Buffers lines for a moment and prints them by (time, rank). */
function createProgressPrinter(say: (line: string) => void, windowMs = 150) {
  let lines: { at: number; rank: number; seq: number; text: string }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let seq = 0;
  const flush = () => {
    timer = undefined;
    const out = lines.sort((a, b) => a.at - b.at || a.rank - b.rank || a.seq - b.seq);
    lines = [];
    for (const l of out) say(l.text);
  };
  return {
    add(at: number, rank: number, text: string) {
      lines.push({ at, rank, seq: seq++, text });
      timer ??= setTimeout(flush, windowMs);
    },
  };
}

async function main(): Promise<void> {
  const logger = createLogger({ name: 'sdes', level: process.env.LOG_LEVEL || 'warn' });
  const say = (line = '') => process.stdout.write(`${line}\n`);
  for (const name of ['DATABASE_URL', 'MQTT_URL']) if (process.env[name]) say(`(${name} is ignored: the demo runs on the embedded database and broker)`);

  const host = process.env.HOST || '127.0.0.1';
  const mqttHost = process.env.MQTT_HOST || '127.0.0.1';
  const wantedPort = readPort('PORT', 4000);
  const wantedMqttPort = readPort('MQTT_PORT', 1883);
  const [port, mqttPort] = [await portOrFree(wantedPort, host), await portOrFree(wantedMqttPort, mqttHost)];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-demo-'));

  say('Starting the SDES demo: gateway, embedded PostgreSQL (PGlite) and MQTT broker, three agents ...');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: host,
    MQTT_PORT: String(mqttPort),
    MQTT_HOST: mqttHost,
    SDES_DATA_DIR: path.join(dataDir, 'gateway'),
    // The demo's admin: SDES_ADMIN_PASSWORD when given, else a fresh random one (printed below).
    SDES_ADMIN_USER: process.env.SDES_ADMIN_USER || 'admin',
    SDES_ADMIN_PASSWORD: process.env.SDES_ADMIN_PASSWORD || newPassword(),
  };
  delete env.DATABASE_URL;
  delete env.MQTT_URL;
  let gateway: Gateway | undefined;
  const agents: Agent[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      say('\nStopping the agents and the gateway ...');
      await Promise.allSettled(agents.map((a) => a.stop()));
      await gateway?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      say(`Stopped; ${dataDir} removed.`);
    })());
  // Persistent handlers (not `once`): Apollo Server re-raises the signal once it has stopped, which
  // would kill the process before this cleanup ends if no handler were left. Repeats are ignored;
  // a cleanup that hangs is cut after 20 s.
  const onSignal = () => {
    if (stopping) return;
    setTimeout(() => process.exit(1), 20_000).unref();
    void stop().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    gateway = await startGateway({ config: loadConfig(env), logger });
    const gw = gateway;
    const ctx = (): ServiceContext => ({ em: gw.db.orm.em.fork() as EntityManager, clock: gw.clock, pubsub: gw.pubsub, dispatcher: gw.dispatcher });
    // New agents register themselves; in the demo they start enabled.
    await new SettingsService(ctx()).update('client', { autoEnableNewClient: true });

    const roots = new Map<string, string>();
    const agentLogger = createAgentLogger({ level: process.env.SDES_LOG_LEVEL ?? 'warn' });
    for (const { clientId, role } of AGENTS) {
      const root = path.join(dataDir, 'agents', clientId, 'files');
      roots.set(clientId, root);
      fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
      fs.writeFileSync(path.join(root, SCRIPT), SCRIPT_TEXT, { mode: 0o755 });
      if (role === 'SERVER') {
        fs.mkdirSync(path.join(root, 'flags'), { recursive: true });
        fs.writeFileSync(path.join(root, 'flags', 'server.flag'), 'this machine is a SERVER\n');
      }
      agents.push(
        createAgent({
          brokerUrl: gw.brokerUrl,
          clientId,
          role,
          roots: [root],
          stateDir: path.join(dataDir, 'agents', clientId, 'state'),
          logger: agentLogger,
          limits: { retryIntervalMs: 2_000 },
          // Each enrols with the installation's token on its first start (docs/protocol.md 9.1).
          enrolmentToken: gw.fleet.keys.enrolmentTokens[0],
        }),
      );
    }
    await Promise.all(agents.map((a) => a.start()));

    // Wait until the gateway has registered all three as ONLINE.
    const em = () => gw.db.orm.em.fork() as EntityManager;
    let clients: { id: number; mqtt_client_id: string }[] = [];
    for (let i = 0; i < 100; i++) {
      clients = await em().execute(
        `select id, mqtt_client_id from client where mqtt_client_id like 'demo-%' and status = 'ONLINE' and enable order by mqtt_client_id`,
      );
      if (clients.length === AGENTS.length) break;
      await sleep(100);
    }
    if (clients.length !== AGENTS.length) throw new Error(`only ${clients.length} of ${AGENTS.length} agents came ONLINE`);
    const idOf = new Map(clients.map((c) => [c.mqtt_client_id, c.id]));
    const nameOf = new Map(clients.map((c) => [c.id, c.mqtt_client_id]));

    const tasks = new TaskService(ctx());
    const task = await tasks.create({
      name: 'Demo: make, copy, check',
      description: 'Writes work/prices.csv, copies it to outbox/, and archives it on the SERVER only.',
    });
    await tasks.saveScript(task.id, SAMPLE_SCRIPT);
    const stepType = new Map<number, string>();
    const walk = (steps: { id: number; type: string; true?: unknown[]; false?: unknown[]; conditions?: unknown[] }[]) => {
      for (const s of steps) {
        stepType.set(s.id, s.type);
        walk([...(s.conditions ?? []), ...(s.true ?? []), ...(s.false ?? [])] as typeof steps);
      }
    };
    walk(await new TaskService(ctx()).script(task.id));

    const group = await new GroupService(ctx()).create({ groupName: 'Demo stores', description: 'The two STORE agents of the demo.' });
    await new GroupService(ctx()).bindClients(group.id, [idOf.get('demo-store-1')!, idOf.get('demo-store-2')!]);
    const job = await new JobService(ctx()).create({
      name: 'Demo job',
      description: 'Aimed at demo-server directly and at the "Demo stores" group.',
      duration: 300,
      maxRetries: 0,
    });
    const bindings = new BindingService(ctx());
    await bindings.bindJobTasks(job.id, [task.id]);
    await bindings.bindJobClients(job.id, [idOf.get('demo-server')!]);
    await bindings.bindJobGroups(job.id, [group.id]);

    // A session for the IDE and an API key for curl, so that both work at once.
    const login = await new SessionService({ ...ctx(), actor: { kind: 'anonymous', door: 'cli' } }).login(env.SDES_ADMIN_USER!, env.SDES_ADMIN_PASSWORD!);
    const key = await new ApiKeyService(ctx()).create({ name: 'demo curl', role: 'operator' });
    const basic = `${key.apiKey.keyId}:${key.secret}`;

    const url = `http://localhost:${gw.port}`;
    say('');
    say('SDES demo is running.');
    say(`  GraphQL IDE   ${url}/graphql`);
    say(`  REST          ${url}/v1   (API docs: ${url}/v1/docs)`);
    say(`  log in        username ${env.SDES_ADMIN_USER}, password ${env.SDES_ADMIN_PASSWORD}   (POST ${url}/v1/auth/login, or the login mutation)`);
    say(`  IDE headers   {"Authorization": "Bearer ${login.token}"}`);
    say(`  API key       curl -u ${basic} ${url}/v1/jobs   (operator role)`);
    say(`  MQTT broker   ${gw.brokerUrl.replace('127.0.0.1', 'localhost')} (embedded)`);
    if (port !== wantedPort) say(`  note: PORT ${wantedPort} is in use, so the gateway listens on ${gw.port} instead (set PORT to choose)`);
    if (mqttPort !== wantedMqttPort)
      say(`  note: MQTT_PORT ${wantedMqttPort} is in use, so the embedded broker listens on ${new URL(gw.brokerUrl).port} instead (set MQTT_PORT to choose)`);
    say(`  agents        ${AGENTS.map((a) => `${a.clientId} (${a.role})`).join(', ')}`);
    say(`                files under ${path.join(dataDir, 'agents')}/<agent>/files`);
    say(`  sample        task ${task.id} "${task.name}" (EXECUTE_FILE, COPY_FILE, IF), job ${job.id} "${job.name}"`);
    say('');
    say('Paste this subscription into the IDE and press Run to watch the job from there:');
    say('');
    say(`  subscription {\n    executionProgress(jobId: ${job.id}) { level runId clientId taskId stepId status startTime endTime at }\n  }`);
    say('');
    say(`  (step output: subscription { stepMessage(jobId: ${job.id}) { clientId stepId message endTime } })`);
    say('');

    // Print progress as the gateway publishes it. Events of one ingestion batch arrive level by
    // level; each short window is printed in the agents' time order, so it reads like a log.
    const printer = createProgressPrinter(say);
    const progress = gw.pubsub.subscribe('EXECUTION_PROGRESS');
    const messages = gw.pubsub.subscribe('STEP_MESSAGE');
    void (async () => {
      for await (const e of progress as AsyncIterable<ExecutionProgressEvent>) {
        if (e.jobId !== job.id) continue;
        const who = e.clientId ? (nameOf.get(e.clientId) ?? `client ${e.clientId}`) : '';
        const what =
          e.level === 'RUN'
            ? `run ${e.runId}`
            : e.level === 'REPORT'
              ? 'report'
              : e.level === 'TASK'
                ? `task ${e.taskId}`
                : `step ${e.stepId} ${stepType.get(e.stepId ?? 0) ?? ''}`;
        const final = e.status !== 'RUNNING' && e.status !== 'PENDING';
        const at = (final ? e.endTime : e.startTime) ?? e.at;
        printer.add(at, rank(e.level, final), `${time(at)}  ${e.level.padEnd(6)} ${who.padEnd(13)} ${what.padEnd(22)} ${e.status}`);
        if (e.level === 'RUN' && final) {
          printer.add(at, 99, `\nRun ${e.runId} ended ${e.status}. The four levels are in the IDE and under ${url}/v1/logs/jobs.`);
          printer.add(
            at,
            100,
            `Run the job again: curl -u ${basic} ${url}/v1/jobs/${job.id}/run   (the subscription in the IDE shows it live). Ctrl-C stops the demo.`,
          );
        }
      }
    })();
    void (async () => {
      for await (const m of messages as AsyncIterable<StepMessageEvent>) {
        if (m.jobId !== job.id) continue;
        const text = m.message.trim().split('\n').join(' | ');
        printer.add(
          m.endTime,
          4,
          `${time(m.endTime)}         ${(nameOf.get(m.clientId) ?? '').padEnd(13)} step ${m.stepId} says: ${text.length > 160 ? `${text.slice(0, 157)}...` : text}`,
        );
      }
    })();

    const delay = Number(process.env.DEMO_DELAY ?? 5);
    say(`Running job ${job.id} in ${delay} s ...`);
    await sleep(delay * 1000);
    const run = await new ExecutionService(ctx()).createRun(job.id, { trigger: 'MANUAL' });
    say(`Run ${run.id} started: one report per client (3).`);
  } catch (err) {
    await stop();
    throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`sdes demo: ${err instanceof StartupError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
