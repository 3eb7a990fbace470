import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadFleetKeys } from '../../src/fleet/fleet-keys';
import { writeMosquittoFiles } from '../../src/fleet/mosquitto-files';
import { openDatabase } from '../../src/runtime/database';
import { silentLogger } from '../../src/runtime/logger';

/**
 * BENCH_SECURITY: `on` (the default) runs the fleet as docs/protocol.md 9 has it: the agents enrol
 * with a fleet token and connect with their own credentials, the broker authenticates them and
 * applies its ACL, every command leaves signed and is verified, every status and event batch
 * carries the agent's HMAC and is verified. `off` is the same bench without any of it: anonymous
 * agents (SDES_ALLOW_UNENROLLED_AGENTS), unsigned commands, no HMACs; the baseline that measures
 * what security costs.
 */
export type BenchSecurity = 'on' | 'off';

export function readSecurity(value: string | undefined): BenchSecurity {
  const security = (value ?? 'on').trim().toLowerCase();
  if (security !== 'on' && security !== 'off') throw new Error(`BENCH_SECURITY must be "on" or "off", got ${JSON.stringify(value)}`);
  return security;
}

/** What the gateway and the agents are given for one mode. */
export interface SecuritySetup {
  security: BenchSecurity;
  /** The fleet token the agents enrol with (on), else undefined. */
  enrolmentToken?: string;
  /** Gateway environment (loadConfig) for the mode. */
  gatewayEnv: Record<string, string>;
  /** Lines for the private Mosquitto's configuration (after its listener line). */
  mosquittoLines: string[];
}

/**
 * The mode's settings. With security on and a private Mosquitto (`mosquittoDir`), writes what
 * `sdes mosquitto-config` writes (password file, ACL) for the installation's keys, which it makes
 * in the bench's database first, as an operator's first gateway would; the gateway then keeps the
 * files up to date and reloads Mosquitto after each enrolment (SDES_MOSQUITTO_DIR + pid file).
 */
export async function prepareSecurity({
  security,
  mosquittoDir,
  databaseUrl,
  dataDir,
}: {
  security: BenchSecurity;
  mosquittoDir?: string;
  databaseUrl?: string;
  dataDir: string;
}): Promise<SecuritySetup> {
  if (security === 'off') return { security, gatewayEnv: { SDES_ALLOW_UNENROLLED_AGENTS: 'true' }, mosquittoLines: ['allow_anonymous true'] };
  const enrolmentToken = `bench-${randomBytes(16).toString('hex')}`;
  const gatewayEnv: Record<string, string> = { SDES_ENROLMENT_TOKEN: enrolmentToken };
  if (!mosquittoDir) return { security, enrolmentToken, gatewayEnv, mosquittoLines: [] };
  const db = await openDatabase({ databaseUrl, dataDir, logger: silentLogger() });
  try {
    const keys = await loadFleetKeys(db.orm.em.fork() as EntityManager, new Date(), [enrolmentToken]);
    await writeMosquittoFiles(mosquittoDir, { gatewaySecret: keys.gatewaySecret, enrolmentToken, agents: [] });
  } finally {
    await db.close();
  }
  const pidFile = path.join(mosquittoDir, 'mosquitto.pid');
  gatewayEnv.SDES_MOSQUITTO_DIR = mosquittoDir;
  gatewayEnv.SDES_MOSQUITTO_PID_FILE = pidFile;
  // The files are the bench's (root's, 0600): Mosquitto must not drop to its own user to read them.
  const snippet = fs.readFileSync(path.join(mosquittoDir, 'sdes-mosquitto.conf'), 'utf8').split('\n');
  return { security, enrolmentToken, gatewayEnv, mosquittoLines: [...snippet, 'user root', `pid_file ${pidFile}`] };
}
