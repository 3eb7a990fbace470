import fs from 'node:fs/promises';
import path from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { newSecret } from '../auth/secrets';
import { generateCommandKeys, loadCommandKeys, type CommandKeys } from '../protocol';

/** The user name of the gateways' own broker connections. */
export const GATEWAY_USERNAME = 'sdes-gateway';

/**
 * The installation's fleet secrets, made by its first gateway and shared by every gateway on the
 * database (a `setting` row no route shows, like the installation id): the Ed25519 key that signs
 * commands, the gateways' own broker password, and the enrolment token used when
 * SDES_ENROLMENT_TOKEN is not set, and the key agents' credentials are derived from. Whoever reads the database has them, as they have everything else.
 */
export interface FleetKeys {
  commands: CommandKeys;
  gatewaySecret: string;
  /** Derives each agent's secret and event key from its enrolment (AgentCredentialService.enrol). */
  credentialKey: Buffer;
  /** SDES_ENROLMENT_TOKEN when set (comma-separated for several), else the installation's own. */
  enrolmentTokens: string[];
  /** The installation's own token (written to `$SDES_DATA_DIR/enrolment-token`). */
  installationToken: string;
}

export async function loadFleetKeys(em: EntityManager, now: Date, configuredTokens: string[] = []): Promise<FleetKeys> {
  const conn = em.getConnection();
  const { privateKeyPem } = generateCommandKeys();
  await conn.execute(`insert into setting (key, value, updated_at) values ('fleet', ?::jsonb, ?) on conflict (key) do nothing`, [
    JSON.stringify({ signingKey: privateKeyPem, gatewaySecret: newSecret(), enrolmentToken: newSecret(), credentialKey: newSecret() }),
    now,
  ]);
  const [row] = await conn.execute<{ value: { signingKey: string; gatewaySecret: string; enrolmentToken: string; credentialKey: string } }[]>(
    `select value from setting where key = 'fleet'`,
  );
  const { signingKey, gatewaySecret, enrolmentToken, credentialKey } = typeof row.value === 'string' ? JSON.parse(row.value) : row.value;
  return {
    commands: loadCommandKeys(signingKey),
    gatewaySecret,
    credentialKey: Buffer.from(credentialKey, 'base64url'),
    installationToken: enrolmentToken,
    enrolmentTokens: configuredTokens.length ? configuredTokens : [enrolmentToken],
  };
}

/** Writes the installation's own enrolment token where an operator finds it (mode 0600); returns the path. */
export async function writeEnrolmentTokenFile(dataDir: string, token: string): Promise<string> {
  const file = path.join(dataDir, 'enrolment-token');
  await fs.mkdir(dataDir, { recursive: true });
  await fs.writeFile(file, `${token}\n`, { mode: 0o600 });
  await fs.chmod(file, 0o600);
  return file;
}
