import { seedEmbeddedData } from '../../support/pg-template';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GatewayConfig } from '../../../src/config';
import { startGateway, type Gateway } from '../../../src/gateway';
import type { Clock } from '../../../src/runtime/clock';
import { Client as PgClient } from 'pg';
import { silentLogger, type Logger } from '../../../src/runtime/logger';
import type { LoginLimits } from '../../../src/auth/login-limiter';
import { createTestApiKey, TEST_ADMIN, type Headers, type TestApiKey } from '../../support/auth';

/** Where `call` sends a request, and with which credential. */
export interface Endpoint {
  base: string;
  headers?: Headers;
}

export interface TestGateway {
  gateway: Gateway;
  /** http://127.0.0.1:port/v1 */
  base: string;
  /** An admin API key, sent as HTTP Basic as a legacy REST consumer does. */
  apiKey: TestApiKey;
  /** `base` with that key: what the suites call. */
  api: Endpoint;
  stop(): Promise<void>;
}

/**
 * The real gateway, in-process, on ephemeral ports: embedded PGlite in a temporary folder, or a
 * fresh database on the PostgreSQL that DATABASE_URL points at (dropped afterwards); the embedded
 * broker always. One per test file: a start costs a few seconds.
 */
export async function startTestGateway({
  clock,
  authSweepMs,
  loginLimits,
  allowedOrigins,
  config,
  logger = silentLogger(),
}: {
  clock?: Clock;
  authSweepMs?: number;
  loginLimits?: LoginLimits;
  allowedOrigins?: string[];
  config?: Partial<GatewayConfig>;
  logger?: Logger;
} = {}): Promise<TestGateway> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sdes-rest-'));
  await seedEmbeddedData(dataDir);
  const server = process.env.DATABASE_URL;
  // A database of its own (the gateway migrates it), so test files running side by side never meet.
  const dbName = server ? `sdes_rest_${process.pid}_${Math.random().toString(36).slice(2, 8)}` : undefined;
  let databaseUrl: string | undefined;
  if (server && dbName) {
    await adminQuery(server, `create database "${dbName}"`);
    const url = new URL(server);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const gateway = await startGateway({
    config: {
      port: 0,
      host: '127.0.0.1',
      databaseUrl,
      dataDir,
      // Always the embedded broker: these tests count clients exactly, and on a shared broker the
      // retained statuses of other test files' agents would register here as new clients. The
      // live and end-to-end suites run against MQTT_URL.
      mqttUrl: undefined,
      mqttPort: 0,
      mqttHost: '127.0.0.1',
      logLevel: 'silent',
      adminPassword: TEST_ADMIN.password,
      loginLimits,
      allowedOrigins,
      ...config,
    },
    logger,
    clock,
    authSweepMs,
  });
  // The REST suites run as a legacy consumer would: HTTP Basic with an API key. An admin's, since
  // the settings routes are among the documented ones.
  const apiKey = await createTestApiKey(gateway.db.orm, 'admin');
  return {
    gateway,
    base: `${gateway.url}/v1`,
    apiKey,
    api: { base: `${gateway.url}/v1`, headers: apiKey.headers },
    async stop() {
      await gateway.stop();
      if (server && dbName) await adminQuery(server, `drop database if exists "${dbName}" with (force)`);
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(server: string, sql: string): Promise<void> {
  const admin = new PgClient({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

export interface JsonAnswer<T = unknown> {
  status: number;
  body: T;
  contentType: string | null;
}

/** One JSON request over real HTTP (Node 20's fetch); a plain `base` string sends no credential. */
export async function call<T = unknown>(
  endpoint: string | Endpoint,
  method: string,
  pathAndQuery: string,
  body?: unknown,
  { raw, headers }: { raw?: string; headers?: Record<string, string> } = {},
): Promise<JsonAnswer<T>> {
  const { base, headers: credential } = typeof endpoint === 'string' ? { base: endpoint, headers: undefined } : endpoint;
  const init: RequestInit = { method, headers: { ...credential, ...headers } };
  if (raw !== undefined) {
    init.body = raw;
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${pathAndQuery}`, init);
  const text = await res.text();
  const contentType = res.headers.get('content-type');
  let parsed: unknown = text;
  if (contentType?.includes('json')) parsed = text === '' ? undefined : JSON.parse(text);
  return { status: res.status, body: parsed as T, contentType };
}

export interface GraphqlAnswer<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, any> }[];
}

/** One GraphQL operation over real HTTP to the gateway's /graphql, with `headers` (a session's bearer). */
export async function graphqlCall<T = Record<string, any>>(
  t: TestGateway,
  headers: Headers,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphqlAnswer<T>> {
  const res = await fetch(`${t.gateway.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphqlAnswer<T>;
}
