import { seedEmbeddedData } from '../../support/pg-template';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Client as PgClient } from 'pg';
import pino from 'pino';
import { GATEWAY_USERNAME } from '../../../src/fleet';
import { startGateway, type Gateway } from '../../../src/gateway';
import { silentLogger } from '../../../src/runtime/logger';
import type { ServiceContext } from '../../../src/services/service-context';
import { createTestApiKey, loginOverRest, TEST_ADMIN, type TestApiKey } from '../../support/auth';

const REPO = path.resolve(__dirname, '../../..');
const CLI = path.join(REPO, 'dist/cli.js');

/** The newest modification time under a folder. */
function newest(dir: string): number {
  let max = 0;
  for (const entry of fsSync.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    max = Math.max(max, entry.isDirectory() ? newest(full) : fsSync.statSync(full).mtimeMs);
  }
  return max;
}

/**
 * Agents run as real processes from the built CLI: build it first when the agent's sources (the
 * agent, the protocol, the CLI) are newer than dist.
 */
export function ensureBuilt(): void {
  const built = fsSync.existsSync(CLI) ? fsSync.statSync(CLI).mtimeMs : 0;
  const sources = Math.max(
    newest(path.join(REPO, 'src/agent')),
    newest(path.join(REPO, 'src/protocol')),
    fsSync.statSync(path.join(REPO, 'src/cli.ts')).mtimeMs,
  );
  if (built && built >= sources) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'inherit', timeout: 180_000 });
}

/** `sdes agent` as a child process, in its own root and state folders. */
export interface AgentProcess {
  clientId: string;
  role: 'SERVER' | 'STORE';
  root: string;
  stateDir: string;
  proc: ChildProcess;
  output: string[];
  /** SIGKILL: no clean stop, no OFFLINE status; the broker publishes the Will. */
  kill(): Promise<void>;
  /** SIGTERM: the agent cancels its work, says OFFLINE and exits. */
  stop(): Promise<void>;
  /** Starts it again with the same folders (its journal and report registry survive). */
  restart(brokerUrl?: string): Promise<void>;
}

/**
 * The enrolment token of this test process's gateways: random, so that on a shared broker
 * (MQTT_URL) no other run's gateway enrols our agents.
 */
export const E2E_ENROLMENT_TOKEN = `e2e-${randomBytes(16).toString('hex')}`;

export async function spawnAgent(
  brokerUrl: string,
  clientId: string,
  role: 'SERVER' | 'STORE',
  base: string,
  env: Record<string, string> = {},
): Promise<AgentProcess> {
  const root = path.join(base, clientId, 'root');
  const stateDir = path.join(base, clientId, 'state');
  await fs.mkdir(root, { recursive: true });
  const agent = { clientId, role, root, stateDir, output: [] as string[] } as AgentProcess;
  let url = brokerUrl;
  const launch = () => {
    const proc = spawn(
      process.execPath,
      [
        CLI,
        'agent',
        '--broker',
        url,
        '--client-id',
        clientId,
        '--role',
        role,
        '--root',
        root,
        '--state-dir',
        stateDir,
        '--log-level',
        'info',
        '--enrolment-token',
        E2E_ENROLMENT_TOKEN,
      ],
      {
        cwd: REPO,
        env: { ...process.env, LOG_FORMAT: 'json', NODE_OPTIONS: '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer) => {
      agent.output.push(chunk.toString());
      if (agent.output.length > 500) agent.output.shift();
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    agent.proc = proc;
  };
  const end = async (signal: NodeJS.Signals) => {
    const proc = agent.proc;
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill(signal);
    await exited;
  };
  agent.kill = () => end('SIGKILL');
  agent.stop = () => end('SIGTERM');
  agent.restart = async (newUrl) => {
    await end('SIGTERM');
    if (newUrl) url = newUrl;
    launch();
  };
  launch();
  return agent;
}

/** A database that outlives one gateway process: a fresh one on DATABASE_URL, else PGlite in a folder. */
export async function createE2eDatabase(): Promise<{ databaseUrl?: string; dataDir: string; drop(): Promise<void> }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-e2e-'));
  await seedEmbeddedData(dataDir);
  const server = process.env.DATABASE_URL;
  if (!server) return { dataDir, drop: () => fs.rm(dataDir, { recursive: true, force: true }) };
  const name = `sdes_e2e_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = async (sql: string) => {
    const client = new PgClient({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir,
    async drop() {
      await admin(`drop database if exists "${name}" with (force)`);
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface E2eGatewayOptions {
  databaseUrl?: string;
  dataDir: string;
  /** An external broker; else the gateway's embedded one on `mqttPort` (0: any free port). */
  mqttUrl?: string;
  mqttPort?: number;
}

/** The real gateway (startGateway) on ephemeral ports. E2E_LOG=debug shows its log. */
export async function startE2eGateway({ databaseUrl, dataDir, mqttUrl, mqttPort = 0 }: E2eGatewayOptions): Promise<Gateway> {
  return startGateway({
    config: {
      port: 0,
      host: '127.0.0.1',
      databaseUrl,
      dataDir,
      mqttUrl,
      mqttPort,
      mqttHost: '127.0.0.1',
      logLevel: 'silent',
      adminPassword: TEST_ADMIN.password,
      enrolmentTokens: [E2E_ENROLMENT_TOKEN],
    },
    logger: process.env.E2E_LOG ? pino({ level: process.env.E2E_LOG }) : silentLogger(),
  });
}

/** What the tests need from whichever gateway is current. */
export function gatewayTools(current: () => Gateway) {
  const em = () => current().db.orm.em.fork({ useContext: true }) as EntityManager;
  // One API key per gateway (a restarted gateway gets its own), sent as HTTP Basic as a script does.
  const keys = new WeakMap<Gateway, Promise<TestApiKey>>();
  const keyOf = (gateway: Gateway) => {
    if (!keys.has(gateway)) keys.set(gateway, createTestApiKey(gateway.db.orm, 'operator'));
    return keys.get(gateway)!;
  };
  const tools = {
    em,
    ctx: (): ServiceContext => ({ em: em(), clock: current().clock, pubsub: current().pubsub, dispatcher: current().dispatcher }),
    sql: <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => em().execute<T[]>(sql, params),
    /** Polls `probe` until it answers; on a timeout the error carries `context()` (an agent's output, say). */
    async waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, context?: () => string): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe().catch(() => undefined);
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${context ? `\n${context()}` : ''}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    idle: async () => undefined,
    /** A session token of the test admin, as a dashboard holds one (for WebSockets: connection_init `{authorization}`). */
    login: () => loginOverRest(current().url),
    async rest<T = unknown>(pathAndQuery: string): Promise<{ status: number; body: T }> {
      const res = await fetch(`${current().url}/v1${pathAndQuery}`, { headers: (await keyOf(current())).headers });
      const text = await res.text();
      return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
    },
    async statusOf(mqttClientId: string): Promise<string | undefined> {
      return (await tools.sql<{ status: string }>('select status from client where mqtt_client_id = ?', [mqttClientId]))[0]?.status;
    },
  };
  return tools;
}

/** The broker login of the gateway's own identity: what a test's spy or replayer connects with to see every agent's topics. */
export const gatewayLogin = (gateway: Gateway) => ({ username: GATEWAY_USERNAME, password: gateway.fleet.keys.gatewaySecret });
