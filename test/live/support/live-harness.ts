import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { createAgent, type Agent, type AgentOptions } from '../../../src/agent/agent';
import { DEFAULT_STEP_LIMITS } from '../../../src/agent/steps/step-executor';
import type { AgentInbox } from '../../../src/live/agent-inbox';
import { createMqttBridge, type MqttBridge, type MqttBridgeOptions } from '../../../src/live/mqtt-bridge';
import { createLivePubSub, type LivePubSub } from '../../../src/live/pubsub';
import { statusTopic } from '../../../src/protocol';
import { silentLogger } from '../../../src/runtime/logger';
import { connectMqtt } from '../../../src/runtime/mqtt-connection';
import { createAgentInbox } from '../../../src/services/agent-inbox';
import { BindingService } from '../../../src/services/binding.service';
import { createDispatcher, createExecutionLifecycle, type Dispatcher, type DispatchStats, type ExecutionLifecycle } from '../../../src/services/execution';
import { ExecutionService } from '../../../src/services/execution.service';
import { JobService, type JobInput } from '../../../src/services/job.service';
import type { ServiceContext } from '../../../src/services/service-context';
import type { StepInput } from '../../../src/services/step-script';
import { TaskService } from '../../../src/services/task.service';
import { ManualClock } from '../../support/clock';
import { openTestDatabase, type TestDatabase } from '../../support/database';
import { clearRetained, startPrivateBroker, startTestBroker, type TestBroker } from './broker';

export interface TestAgent {
  agent: Agent;
  clientId: string;
  root: string;
  stateDir: string;
}

/** The gateway's live layer: the bridge, the dispatcher and the lifecycle on one MQTT connection. */
export interface LiveGateway {
  mqtt: MqttClient;
  bridge: MqttBridge;
  dispatcher: Dispatcher;
  lifecycle: ExecutionLifecycle;
  stop(): Promise<void>;
}

export interface LiveHarness {
  db: TestDatabase;
  broker: TestBroker;
  clock: ManualClock;
  pubsub: LivePubSub;
  /** Client ids of this file's agents start with it, so runs that share a broker never meet. */
  prefix: string;
  gateway: LiveGateway | undefined;
  startGateway(
    options?: Partial<Omit<MqttBridgeOptions, 'inbox'>> & {
      onDispatch?: (stats: DispatchStats) => void;
      /** Stands between the bridge and the inbox (e.g. to hold ingestion back). */
      wrapInbox?: (inbox: AgentInbox) => AgentInbox;
    },
  ): Promise<LiveGateway>;
  stopGateway(): Promise<void>;
  /** A service context as a request gets one (fresh EntityManager fork, the gateway's dispatcher). */
  ctx(): ServiceContext;
  em(): EntityManager;
  startAgent(name: string, overrides?: Partial<AgentOptions>): Promise<TestAgent>;
  /** Waits until the gateway has handled every message received so far. */
  idle(): Promise<void>;
  waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs?: number): Promise<T>;
  /** A job of one task with this script, bound to these clients (database ids). */
  createJob(script: StepInput[], clientIds: number[], job?: JobInput): Promise<{ jobId: number; taskId: number }>;
  runJob(jobId: number): Promise<number>;
  /** Clears this client's retained status at the end (for clients the test connects by hand). */
  cleanUp(mqttClientId: string): void;
  sql<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** Fast retries and waits; scripts still say their own retryTimes/retryInterval. */
const LIMITS = { ...DEFAULT_STEP_LIMITS, retryIntervalMs: 10, waitIntervalMs: 20, waitTimeoutMs: 3_000, executeTimeoutMs: 10_000 };

/**
 * @param privateBroker a broker of the file's own (Mosquitto configured for a fleet when MQTT_URL
 * is set, see startPrivateBroker) instead of the shared one: for bursts that a shared broker's
 * default queue limits would thin out, and that other runs should not see.
 */
export function useLiveHarness({ privateBroker = false }: { privateBroker?: boolean } = {}): LiveHarness {
  const agents: TestAgent[] = [];
  const retained = new Set<string>();
  const dirs: string[] = [];
  const h = {
    clock: new ManualClock(Date.now()),
    pubsub: createLivePubSub(),
    prefix: `live-${process.pid}-${Math.random().toString(36).slice(2, 7)}`,
    gateway: undefined,
  } as LiveHarness;

  h.em = () => h.db.orm.em.fork({ useContext: true }) as EntityManager;
  h.ctx = () => ({ em: h.em(), clock: h.clock, pubsub: h.pubsub, dispatcher: h.gateway?.dispatcher });
  h.sql = (sql, params = []) => h.em().execute(sql, params);

  h.startGateway = async (options = {}) => {
    // LIVE_LOG=debug shows the gateway's log while a test runs.
    const logger = process.env.LIVE_LOG ? pino({ level: process.env.LIVE_LOG }) : silentLogger();
    const mqtt = await connectMqtt({ url: h.broker.url, clientId: `${h.prefix}-gw-${Math.random().toString(36).slice(2, 6)}`, logger, fromEnv: false });
    let bridge: MqttBridge | undefined = undefined;
    const dispatcher = createDispatcher({
      orm: h.db.orm,
      mqtt,
      clock: h.clock,
      logger,
      onPass: options.onDispatch,
      ingesting: (id) => bridge?.ingesting(id) ?? false,
    });
    const { onDispatch: _onDispatch, wrapInbox = (inbox) => inbox, ...bridgeOptions } = options;
    bridge = createMqttBridge({
      mqtt,
      logger,
      inbox: wrapInbox(createAgentInbox({ orm: h.db.orm, clock: h.clock, pubsub: h.pubsub, dispatcher })),
      ackDelayMs: 10,
      sampleIntervalMs: 0,
      acceptClient: (id) => id.startsWith(h.prefix),
      ...bridgeOptions,
    });
    await bridge.start();
    const lifecycle = createExecutionLifecycle({ orm: h.db.orm, clock: h.clock, logger, pubsub: h.pubsub, dispatcher, redispatchAfterMs: 1_000 });
    h.gateway = {
      mqtt,
      bridge,
      dispatcher,
      lifecycle,
      async stop() {
        await bridge.stop();
        await dispatcher.stop();
        await mqtt.endAsync(true);
      },
    };
    return h.gateway;
  };
  h.stopGateway = async () => {
    await h.gateway?.stop();
    h.gateway = undefined;
  };

  h.startAgent = async (name, overrides = {}) => {
    const base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-live-')));
    dirs.push(base);
    const root = path.join(base, 'root');
    const stateDir = path.join(base, 'state');
    const clientId = `${h.prefix}-${name}`;
    const agent = createAgent({
      brokerUrl: h.broker.url,
      clientId,
      role: 'STORE',
      roots: [root],
      stateDir,
      limits: LIMITS,
      resendIntervalMs: 300,
      reconnectPeriodMs: 100,
      ...overrides,
    });
    await agent.start();
    const started = { agent, clientId, root, stateDir };
    agents.push(started);
    return started;
  };

  h.idle = async () => {
    await h.gateway?.bridge.idle();
  };

  h.waitFor = async (what, probe, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  h.createJob = async (script, clientIds, job = {}) => {
    const ctx = h.ctx();
    const task = await new TaskService(ctx).create({ name: `task-${Math.random().toString(36).slice(2, 6)}` });
    await new TaskService(ctx).saveScript(task.id, script);
    const created = await new JobService(ctx).create({ name: `job-${task.id}`, ...job });
    await new BindingService(ctx).bindJobTasks(created.id, [task.id]);
    if (clientIds.length) await new BindingService(ctx).bindJobClients(created.id, clientIds);
    return { jobId: created.id, taskId: task.id };
  };
  h.cleanUp = (id) => void retained.add(id);
  h.runJob = async (jobId) => (await new ExecutionService(h.ctx()).createRun(jobId)).id;

  beforeAll(async () => {
    [h.db, h.broker] = await Promise.all([openTestDatabase(), privateBroker ? startPrivateBroker() : startTestBroker()]);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.agent.stop().catch(() => undefined)));
    await h.stopGateway();
    for (const a of agents) retained.add(a.clientId);
    await clearRetained(h.broker.url, [...retained].map(statusTopic)).catch(() => undefined);
    await h.broker.close();
    await h.db.close();
    await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
  });
  return h;
}

/** The id of a client by its MQTT client id, once the gateway has registered it. */
export async function clientIdOf(h: LiveHarness, mqttClientId: string): Promise<number> {
  return h.waitFor(
    `client ${mqttClientId} registered`,
    async () => (await h.sql<{ id: number }>('select id from client where mqtt_client_id = ?', [mqttClientId]))[0]?.id,
  );
}
