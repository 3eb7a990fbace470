import path from 'node:path';
import type { HttpLimits } from './http/server-limits';
import { loginLimitsFromEnv, type LoginLimits } from './auth/login-limiter';
import { admissionLimitsFromEnv, type AdmissionLimits } from './http/admission';
import { StartupError } from './runtime/startup-error';

/** Everything `sdes serve` reads from its environment. */
export interface GatewayConfig {
  /** HTTP port for GraphQL, REST and /healthz; 0 picks a free one. */
  port: number;
  host: string;
  /** External PostgreSQL; when absent the embedded PGlite under dataDir is used. */
  databaseUrl?: string;
  /** DATABASE_PREPARED_STATEMENTS=false: no named prepared statements (behind a pooler in transaction mode); default true. */
  databasePreparedStatements?: boolean;
  dataDir: string;
  /** SDES_FILES_DIR: where the file store keeps the bytes of stored files (default `<dataDir>/files`). */
  filesDir?: string;
  /** External broker; when absent the embedded broker listens on mqttPort. */
  mqttUrl?: string;
  mqttPort: number;
  mqttHost: string;
  /** SDES_SHARE_GROUP: gateways with the same group split the agents' messages (MQTT shared subscriptions). */
  shareGroup?: string;
  logLevel: string;
  /** HTTP_MAX_HEADER_BYTES, HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_KEEP_ALIVE_TIMEOUT_MS (src/http/server-limits.ts). */
  httpLimits?: Partial<HttpLimits>;
  /** MQTT_MAX_PACKET_BYTES: the embedded broker closes a connection that sends a larger packet. */
  mqttMaxPacketBytes?: number;
  /** SDES_ADMIN_USER / SDES_ADMIN_PASSWORD: the admin every start makes sure of (src/auth/initial-admin.ts). */
  adminUser?: string;
  adminPassword?: string;
  /** SDES_ALLOWED_ORIGINS: browser origins, besides the gateway's own, that may change things and open WebSockets. */
  allowedOrigins?: string[];
  /** SDES_TRUST_PROXY=true: take client addresses from X-Forwarded-For (behind a reverse proxy). */
  trustProxy?: boolean;
  /** SDES_LOGIN_MAX_FAILS_PER_USER, SDES_LOGIN_MAX_FAILS_PER_ADDRESS, SDES_LOGIN_WINDOW_SECONDS. */
  loginLimits?: LoginLimits;
  /** SDES_ADMISSION_COSTLY_ABOVE, _SLOTS, _QUEUE, _QUEUE_PER_CALLER, _WAIT_MS: how many costly requests run and wait at once (src/http/admission.ts). */
  admission?: AdmissionLimits;
  /** SDES_ENROLMENT_TOKEN: fleet enrolment token(s), comma-separated; without it the installation's own (`$SDES_DATA_DIR/enrolment-token`). */
  enrolmentTokens?: string[];
  /** SDES_ALLOW_UNENROLLED_AGENTS=true: the embedded broker takes anonymous clients and agents without a credential are heard (development only). */
  allowUnenrolledAgents?: boolean;
  /** MQTT_TLS_CERT / MQTT_TLS_KEY: PEM files; the embedded broker then speaks TLS. */
  mqttTls?: { certFile: string; keyFile: string };
  /** MQTT_USERNAME / MQTT_PASSWORD: the gateway's own broker login; default `sdes-gateway` and the installation's gateway secret. */
  mqttUsername?: string;
  mqttPassword?: string;
  /** SDES_MOSQUITTO_DIR / SDES_MOSQUITTO_PID_FILE: keep Mosquitto's password and ACL files there, and reload it. */
  mosquittoDir?: string;
  mosquittoPidFile?: string;
}

function tlsFrom(env: NodeJS.ProcessEnv): GatewayConfig['mqttTls'] {
  const cert = env.MQTT_TLS_CERT;
  const key = env.MQTT_TLS_KEY;
  if (!cert && !key) return undefined;
  if (!cert || !key)
    throw new StartupError(
      `MQTT_TLS_CERT and MQTT_TLS_KEY go together: set both (PEM files) or neither (${cert ? 'MQTT_TLS_KEY' : 'MQTT_TLS_CERT'} is missing)`,
    );
  return { certFile: path.resolve(cert), keyFile: path.resolve(key) };
}

function intFrom(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new StartupError(`${name}="${raw}" is not valid: expected an integer from ${min} to ${max}`);
  return value;
}

function originsFrom(env: NodeJS.ProcessEnv): string[] {
  const raw = env.SDES_ALLOWED_ORIGINS;
  if (!raw) return [];
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      let url: URL;
      try {
        url = new URL(o);
      } catch {
        throw new StartupError(`SDES_ALLOWED_ORIGINS: "${o}" is not an origin: expected https://host[:port], comma-separated`);
      }
      if (url.origin !== o.replace(/\/$/, ''))
        throw new StartupError(`SDES_ALLOWED_ORIGINS: "${o}" is not an origin: expected scheme://host[:port] without a path`);
      return url.origin;
    });
}

function booleanFrom(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new StartupError(`${name}="${raw}" is not valid: expected true or false`);
}

function portFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new StartupError(`${name}="${raw}" is not a port: expected an integer from 0 to 65535`);
  }
  return value;
}

function urlFrom(env: NodeJS.ProcessEnv, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StartupError(`${name}="${raw}" is not a URL: expected ${protocols[0]}//host:port...`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new StartupError(`${name}="${raw}" must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
  }
  return raw;
}

/** Reads the configuration; a bad value ends the start with a line that names the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return {
    port: portFrom(env, 'PORT', 4000),
    host: env.HOST || '0.0.0.0',
    databaseUrl: urlFrom(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePreparedStatements: booleanFrom(env, 'DATABASE_PREPARED_STATEMENTS', true),
    dataDir: path.resolve(env.SDES_DATA_DIR || './data'),
    filesDir: env.SDES_FILES_DIR ? path.resolve(env.SDES_FILES_DIR) : undefined,
    mqttUrl: urlFrom(env, 'MQTT_URL', ['mqtt:', 'mqtts:', 'tcp:', 'ws:', 'wss:']),
    mqttPort: portFrom(env, 'MQTT_PORT', 1883),
    // Local only unless asked: agents on other machines need MQTT_HOST=0.0.0.0 (and TLS).
    mqttHost: env.MQTT_HOST || '127.0.0.1',
    shareGroup: env.SDES_SHARE_GROUP || undefined,
    logLevel: env.LOG_LEVEL || 'info',
    httpLimits: withoutUndefined({
      maxHeaderBytes: intFrom(env, 'HTTP_MAX_HEADER_BYTES', 1024, 1024 * 1024),
      headersTimeoutMs: intFrom(env, 'HTTP_HEADERS_TIMEOUT_MS', 100, 600_000),
      requestTimeoutMs: intFrom(env, 'HTTP_REQUEST_TIMEOUT_MS', 100, 600_000),
      keepAliveTimeoutMs: intFrom(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 100, 600_000),
    }),
    mqttMaxPacketBytes: intFrom(env, 'MQTT_MAX_PACKET_BYTES', 64 * 1024, 256 * 1024 * 1024),
    adminUser: env.SDES_ADMIN_USER || undefined,
    adminPassword: env.SDES_ADMIN_PASSWORD || undefined,
    allowedOrigins: originsFrom(env),
    trustProxy: env.SDES_TRUST_PROXY === 'true' || env.SDES_TRUST_PROXY === '1',
    enrolmentTokens: env.SDES_ENROLMENT_TOKEN ? enrolmentTokensFrom(env.SDES_ENROLMENT_TOKEN) : undefined,
    allowUnenrolledAgents: env.SDES_ALLOW_UNENROLLED_AGENTS === 'true' || env.SDES_ALLOW_UNENROLLED_AGENTS === '1',
    mqttTls: tlsFrom(env),
    mqttUsername: env.MQTT_USERNAME || undefined,
    mqttPassword: env.MQTT_PASSWORD || undefined,
    mosquittoDir: env.SDES_MOSQUITTO_DIR ? path.resolve(env.SDES_MOSQUITTO_DIR) : undefined,
    mosquittoPidFile: env.SDES_MOSQUITTO_PID_FILE ? path.resolve(env.SDES_MOSQUITTO_PID_FILE) : undefined,
    loginLimits: (() => {
      try {
        return loginLimitsFromEnv(env);
      } catch (err) {
        throw new StartupError((err as Error).message);
      }
    })(),
    admission: (() => {
      try {
        return admissionLimitsFromEnv(env);
      } catch (err) {
        throw new StartupError((err as Error).message);
      }
    })(),
  };
}

function enrolmentTokensFrom(raw: string): string[] {
  const tokens = raw
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of tokens)
    if (t.length < 16)
      throw new StartupError(`SDES_ENROLMENT_TOKEN: a token must be at least 16 characters (got one of ${t.length}); e.g. openssl rand -base64 32`);
  return tokens;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
