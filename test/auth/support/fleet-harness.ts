import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import pino from 'pino';
import { createAgent, type Agent, type AgentOptions } from '../../../src/agent/agent';
import { DEFAULT_STEP_LIMITS } from '../../../src/agent/steps/step-executor';
import { loadFleetKeys } from '../../../src/fleet/fleet-keys';
import { writeMosquittoFiles } from '../../../src/fleet/mosquitto-files';
import { startGateway, type Gateway } from '../../../src/gateway';
import { openDatabase } from '../../../src/runtime/database';
import { silentLogger } from '../../../src/runtime/logger';
import { BindingService } from '../../../src/services/binding.service';
import { ClientService } from '../../../src/services/client.service';
import { ExecutionService } from '../../../src/services/execution.service';
import { JobService } from '../../../src/services/job.service';
import type { StepInput } from '../../../src/services/step-script';
import { TaskService } from '../../../src/services/task.service';
import { createE2eDatabase, gatewayTools } from '../../e2e/support/fleet';
import { statusTopic } from '../../../src/protocol';
import { clearRetained, freePort, startTestBroker, type TestBroker } from '../../live/support/broker';
import { TEST_ADMIN } from '../../support/auth';

/** Random per test process: on a shared broker no other run's gateway holds it. */
export const ENROLMENT_TOKEN = `test-enrolment-${randomBytes(12).toString('hex')}`;

export type LogLine = { level: number; msg: string; [key: string]: unknown };
export interface FleetAgent {
  agent: Agent;
  clientId: string;
  root: string;
  stateDir: string;
  logs: LogLine[];
}
/**
 * `embedded`: the gateway's own aedes with authentication; `mosquitto`: a private Mosquitto with
 * the files of `sdes mosquitto-config`; `open`: a broker with no authentication or ACL at all
 * (MQTT_URL's shared Mosquitto, else an anonymous aedes), where only signatures and HMACs protect.
 */
export type BrokerKind = 'embedded' | 'mosquitto' | 'open';

const LIMITS = { ...DEFAULT_STEP_LIMITS, retryIntervalMs: 10, waitIntervalMs: 20, waitTimeoutMs: 3_000, executeTimeoutMs: 10_000 };

const capture = (lines: LogLine[]) => pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });

/**
 * A gateway with broker authentication on (no SDES_ALLOW_UNENROLLED_AGENTS): its embedded broker,
 * or a private Mosquitto the test starts on a free port with the files `sdes mosquitto-config`
 * writes, kept up to date by the gateway (SDES_MOSQUITTO_DIR + pid file). Agents enrol with
 * ENROLMENT_TOKEN. Gateway, agent and Mosquitto logs are kept for the assertions.
 */
export function useFleetHarness(kind: BrokerKind) {
  const prefix = `fa-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const gatewayLogs: LogLine[] = [];
  const brokerLog: string[] = [];
  const agents: { agent: Agent; clientId: string }[] = [];
  const clients: MqttClient[] = [];
  const dirs: string[] = [];
  let db: Awaited<ReturnType<typeof createE2eDatabase>>;
  let mosquitto: ChildProcess | undefined;
  let openBroker: TestBroker | undefined;
  const state = { gateway: undefined as unknown as Gateway };
  const t = gatewayTools(() => state.gateway);
  const h = {
    prefix,
    get gateway(): Gateway {
      return state.gateway;
    },
    brokerUrl: '',
    gatewayLogs,
    brokerLog,
    t,
    /** Whether a log line of the gateway (or, for Mosquitto, of the broker) matches. */
    logged(pattern: RegExp): boolean {
      if (h.mosquittoLog) brokerLog.splice(0, brokerLog.length, ...fsSync.readFileSync(h.mosquittoLog, 'utf8').split('\n'));
      return gatewayLogs.some((l) => pattern.test(`${l.msg} ${JSON.stringify(l)}`)) || brokerLog.some((l) => pattern.test(l));
    },
    /** Whether such a line appears within `timeoutMs`: the broker writes its log file, and the gateway logs, a little after the refusal. */
    async eventuallyLogged(pattern: RegExp, timeoutMs = 5_000): Promise<boolean> {
      const deadline = Date.now() + timeoutMs;
      while (!h.logged(pattern)) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return true;
    },
    mosquittoLog: undefined as string | undefined,
    mosquittoDir: undefined as string | undefined,
    async startAgent(name: string, overrides: Partial<AgentOptions> = {}): Promise<FleetAgent> {
      const base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-fa-')));
      dirs.push(base);
      const logs: LogLine[] = [];
      const clientId = overrides.clientId ?? `${prefix}-${name}`;
      const agent = createAgent({
        brokerUrl: h.brokerUrl,
        clientId,
        role: 'STORE',
        roots: [path.join(base, 'root')],
        stateDir: path.join(base, 'state'),
        enrolmentToken: ENROLMENT_TOKEN,
        limits: LIMITS,
        resendIntervalMs: 300,
        reconnectPeriodMs: 200,
        logger: capture(logs),
        ...overrides,
      });
      await agent.start();
      agents.push({ agent, clientId });
      return { agent, clientId, root: path.join(base, 'root'), stateDir: path.join(base, 'state'), logs };
    },
    /** A raw MQTT client; resolves with the client or rejects with the broker's refusal. */
    async connect(options: IClientOptions): Promise<MqttClient> {
      const client = await mqtt.connectAsync(h.brokerUrl, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000, ...options });
      clients.push(client);
      return client;
    },
    /** A client with the gateways' own identity (it sees everything). */
    gatewayClient(clientId = `sdes-gateway-test-${Math.random().toString(36).slice(2, 8)}`) {
      return h.connect({ clientId, username: 'sdes-gateway', password: h.gateway.fleet.keys.gatewaySecret });
    },
    async clientRow(mqttClientId: string) {
      return h.t.waitFor(
        `client ${mqttClientId} registered`,
        async () => (await h.t.sql<{ id: number }>('select id from client where mqtt_client_id = ?', [mqttClientId]))[0]?.id,
      );
    },
    async runScript(script: StepInput[], mqttClientIds: string[]): Promise<number> {
      const ctx = h.t.ctx();
      const task = await new TaskService(ctx).create({ name: `${prefix}-task-${Math.random().toString(36).slice(2, 6)}` });
      await new TaskService(ctx).saveScript(task.id, script);
      const job = await new JobService(ctx).create({ name: `${prefix}-job-${task.id}` });
      await new BindingService(ctx).bindJobTasks(job.id, [task.id]);
      const ids = await Promise.all(mqttClientIds.map((id) => h.clientRow(id)));
      for (const id of ids) await new ClientService(h.t.ctx()).setEnabled(id, true);
      await new BindingService(ctx).bindJobClients(job.id, ids);
      return (await new ExecutionService(h.t.ctx()).createRun(job.id)).id;
    },
    em: (): EntityManager => state.gateway.db.orm.em.fork() as EntityManager,
  };

  beforeAll(async () => {
    db = await createE2eDatabase();
    let mosquittoConfig: { mosquittoDir?: string; mosquittoPidFile?: string; mqttUrl: string } | undefined;
    if (kind === 'open') {
      openBroker = await startTestBroker();
      mosquittoConfig = { mqttUrl: openBroker.url };
    }
    if (kind === 'mosquitto') {
      // What an operator does: `sdes mosquitto-config --out DIR`, then start Mosquitto with it.
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-mosq-auth-'));
      dirs.push(dir);
      const opened = await openDatabase({ databaseUrl: db.databaseUrl, dataDir: db.dataDir, logger: silentLogger() });
      const keys = await loadFleetKeys(opened.orm.em.fork() as EntityManager, new Date(), [ENROLMENT_TOKEN]);
      await opened.close();
      await writeMosquittoFiles(dir, { gatewaySecret: keys.gatewaySecret, enrolmentToken: ENROLMENT_TOKEN, agents: [] });
      const port = await freePort();
      const pidFile = path.join(dir, 'mosquitto.pid');
      const sdes = await fs.readFile(path.join(dir, 'sdes-mosquitto.conf'), 'utf8');
      await fs.writeFile(
        path.join(dir, 'mosquitto.conf'),
        `listener ${port} 127.0.0.1\n${sdes}user root\npid_file ${pidFile}\nlog_dest file ${path.join(dir, 'mosquitto.log')}\nlog_type error\nlog_type warning\nlog_type notice\nlog_type information\nlog_type debug\nmax_queued_messages 0\nmax_inflight_messages 0\npersistence false\n`,
      );
      mosquitto = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
      mosquitto.stdout!.on('data', (d: Buffer) => brokerLog.push(...d.toString().split('\n')));
      mosquitto.stderr!.on('data', (d: Buffer) => brokerLog.push(...d.toString().split('\n')));
      for (let i = 0; ; i++) {
        const up = await new Promise<boolean>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
          socket.on('error', () => resolve(false));
        });
        if (up) break;
        if (i > 100) throw new Error(`mosquitto did not listen on ${port}: ${brokerLog.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      h.mosquittoLog = path.join(dir, 'mosquitto.log');
      h.mosquittoDir = dir;
      mosquittoConfig = { mosquittoDir: dir, mosquittoPidFile: pidFile, mqttUrl: `mqtt://127.0.0.1:${port}` };
    }
    state.gateway = await startGateway({
      config: {
        port: 0,
        host: '127.0.0.1',
        databaseUrl: db.databaseUrl,
        dataDir: db.dataDir,
        mqttPort: 0,
        mqttHost: '127.0.0.1',
        logLevel: 'debug',
        adminPassword: TEST_ADMIN.password,
        enrolmentTokens: [ENROLMENT_TOKEN],
        ...mosquittoConfig,
      },
      logger: capture(gatewayLogs),
    });
    h.brokerUrl = state.gateway.brokerUrl;
  });

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.agent.stop().catch(() => undefined)));
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    // The private brokers keep nothing; a shared open one would keep the agents' statuses.
    if (kind === 'open')
      await clearRetained(
        h.brokerUrl,
        agents.map((a) => statusTopic(a.clientId)),
      ).catch(() => undefined);
    await state.gateway?.stop();
    if (mosquitto && mosquitto.exitCode === null && mosquitto.signalCode === null) {
      const exited = once(mosquitto, 'exit');
      mosquitto.kill('SIGKILL');
      await exited;
    }
    await openBroker?.close();
    await db?.drop();
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  });
  return h;
}
export type FleetHarness = ReturnType<typeof useFleetHarness>;

/** Resolves with what a subscription to `filter` receives within `ms` (the SUBACK code too). */
export async function listen(client: MqttClient, filter: string, ms: number): Promise<{ granted: number; messages: { topic: string; payload: string }[] }> {
  const messages: { topic: string; payload: string }[] = [];
  const onMessage = (topic: string, payload: Buffer) => messages.push({ topic, payload: payload.toString() });
  client.on('message', onMessage);
  let granted = -1;
  try {
    const result = await client.subscribeAsync(filter, { qos: 1 });
    granted = result[0]?.qos ?? -1;
  } catch {
    granted = 128;
  }
  await new Promise((resolve) => setTimeout(resolve, ms));
  client.off('message', onMessage);
  return { granted, messages };
}
