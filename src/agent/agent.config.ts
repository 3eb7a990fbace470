import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AGENT_ROLES, isValidClientId, type AgentRole } from '../protocol';

/** Everything the `agent` command needs, after flags, environment and config file are merged. */
export interface AgentConfig {
  brokerUrl: string;
  clientId: string;
  role: AgentRole;
  roots: string[];
  stateDir: string;
  username?: string;
  password?: string;
  logLevel: string;
  enrolmentToken?: string;
  gatewayKey?: string;
}

/** Flags as commander hands them over (all optional). */
export interface AgentFlags {
  broker?: string;
  clientId?: string;
  role?: string;
  root?: string[];
  stateDir?: string;
  config?: string;
  username?: string;
  password?: string;
  logLevel?: string;
  enrolmentToken?: string;
  gatewayKey?: string;
}

export class AgentConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentConfigError';
  }
}

const configFileSchema = z
  .object({
    brokerUrl: z.string(),
    clientId: z.string(),
    role: z.string(),
    roots: z.array(z.string()),
    stateDir: z.string(),
    username: z.string(),
    password: z.string(),
    logLevel: z.string(),
    enrolmentToken: z.string(),
    gatewayKey: z.string(),
  })
  .partial()
  .strict();

export const DEFAULT_BROKER_URL = 'mqtt://localhost:1883';

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const nonEmpty = <T>(value: T[] | undefined) => (value && value.length > 0 ? value : undefined);

/**
 * Merges, first match wins: command-line flags, environment (SDES_BROKER_URL, SDES_CLIENT_ID,
 * SDES_ROLE, SDES_ROOTS comma-separated, SDES_STATE_DIR, SDES_USERNAME, SDES_PASSWORD,
 * SDES_LOG_LEVEL, SDES_ENROLMENT_TOKEN, SDES_GATEWAY_KEY), the JSON file of `--config` (or SDES_CONFIG), then defaults. Throws
 * AgentConfigError with a message that says what to pass.
 */
export function resolveAgentConfig(flags: AgentFlags, env: NodeJS.ProcessEnv, readFile: (file: string) => string): AgentConfig {
  const configPath = flags.config ?? env.SDES_CONFIG;
  let file: z.infer<typeof configFileSchema> = {};
  if (configPath) {
    let text: string;
    try {
      text = readFile(configPath);
    } catch (error) {
      throw new AgentConfigError(`cannot read config file ${configPath}: ${(error as Error).message}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new AgentConfigError(`config file ${configPath} is not JSON: ${(error as Error).message}`);
    }
    const parsed = configFileSchema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ');
      throw new AgentConfigError(
        `config file ${configPath}: ${problems} (expected {"brokerUrl","clientId","role","roots":[...],"stateDir","username","password","logLevel","enrolmentToken","gatewayKey"})`,
      );
    }
    file = parsed.data;
  }
  // Relative paths in the config file are relative to the file, not to the working directory.
  const fromFile = (p: string) => (configPath ? path.resolve(path.dirname(configPath), p) : p);

  const clientId = flags.clientId ?? env.SDES_CLIENT_ID ?? file.clientId;
  if (!clientId) throw new AgentConfigError('a client id is required: --client-id ID (or SDES_CLIENT_ID, or "clientId" in --config)');
  if (!isValidClientId(clientId)) throw new AgentConfigError(`client id "${clientId}" must be 1-128 characters without "/", "+", "#"`);

  const role = (flags.role ?? env.SDES_ROLE ?? file.role)?.toUpperCase();
  if (!role) throw new AgentConfigError('a role is required: --role STORE|SERVER (or SDES_ROLE)');
  if (!(AGENT_ROLES as readonly string[]).includes(role)) throw new AgentConfigError(`role "${role}" is not one of ${AGENT_ROLES.join(', ')}`);

  const roots = nonEmpty(flags.root) ?? nonEmpty(list(env.SDES_ROOTS)) ?? nonEmpty(file.roots?.map(fromFile));
  if (!roots) throw new AgentConfigError('at least one root folder is required: --root DIR [--root DIR ...] (or SDES_ROOTS=dir1,dir2)');

  const stateDir = flags.stateDir ?? env.SDES_STATE_DIR ?? (file.stateDir ? fromFile(file.stateDir) : undefined);
  return {
    brokerUrl: flags.broker ?? env.SDES_BROKER_URL ?? file.brokerUrl ?? DEFAULT_BROKER_URL,
    clientId,
    role: role as AgentRole,
    roots: roots.map((root) => path.resolve(root)),
    stateDir: path.resolve(stateDir ?? path.join(os.homedir(), '.sdes', 'agent', clientId)),
    username: flags.username ?? env.SDES_USERNAME ?? file.username,
    password: flags.password ?? env.SDES_PASSWORD ?? file.password,
    logLevel: flags.logLevel ?? env.SDES_LOG_LEVEL ?? file.logLevel ?? 'info',
    enrolmentToken: flags.enrolmentToken ?? (env.SDES_ENROLMENT_TOKEN || undefined) ?? file.enrolmentToken,
    gatewayKey: flags.gatewayKey ?? (env.SDES_GATEWAY_KEY || undefined) ?? file.gatewayKey,
  };
}
