import fs from 'node:fs/promises';
import path from 'node:path';
import { mosquittoHash } from '../auth/mosquitto-hash';
import { ENROL_USERNAME } from '../protocol';
import type { AgentCredentialRow } from '../services/agent-credential.service';
import { GATEWAY_USERNAME } from './fleet-keys';

/**
 * The ACL of docs/protocol.md 9.2 for Mosquitto's `acl_file`. Agents' user names are their client
 * ids and `use_username_as_clientid true` makes Mosquitto enforce it (no takeover), so `%c` is
 * the agent's own id. Patterns apply to every user; the reserved names own no agent subtree.
 */
export const MOSQUITTO_ACL = `# SDES broker ACL (written by sdes mosquitto-config; docs/protocol.md 9)
# agents: their own subtree only
pattern write sdes/v1/agents/%c/status
pattern write sdes/v1/agents/%c/events
pattern write sdes/v1/agents/%c/transfer-up
pattern read sdes/v1/agents/%c/commands
pattern read sdes/v1/agents/%c/transfer-down
# upload chunks on per-file session topics: published by their sender, read by the file's receivers (RECV_FILE, BROADCAST)
pattern write sdes/v1/transfers/%c/+
pattern read sdes/v1/transfers/+/+

# gateways: every SDES topic (commands, the live relay, enrolment answers)
user ${GATEWAY_USERNAME}
topic readwrite sdes/v1/#
topic read $share/+/sdes/v1/#

# agents enrolling: requests in, encrypted credentials out (each encrypted to its asker)
user ${ENROL_USERNAME}
topic write sdes/v1/enrol/+/request
topic read sdes/v1/enrol/+/credential
`;

/** The settings that go with the files: in mosquitto.conf after the `listener` line (some are per listener). */
export const mosquittoConfSnippet = (dir: string) => `# SDES (written by sdes mosquitto-config): after your listener line
allow_anonymous false
use_username_as_clientid true
password_file ${path.join(dir, 'passwd')}
acl_file ${path.join(dir, 'acl')}
`;

/**
 * Password file lines: the gateways' identity, the enrolment identity (the first enrolment
 * token), every agent whose credential is not revoked. Sorted, so a rewrite changes only what changed.
 */
export async function mosquittoPasswordFile({
  gatewaySecret,
  enrolmentToken,
  agents,
}: {
  gatewaySecret: string;
  enrolmentToken?: string;
  agents: AgentCredentialRow[];
}): Promise<string> {
  const lines = [`${GATEWAY_USERNAME}:${await mosquittoHash(gatewaySecret)}`];
  if (enrolmentToken) lines.push(`${ENROL_USERNAME}:${await mosquittoHash(enrolmentToken)}`);
  for (const a of [...agents].sort((x, y) => x.mqttClientId.localeCompare(y.mqttClientId))) {
    // Mosquitto splits a line at the first ':'; such an id could never log in.
    if (!a.revoked && !a.mqttClientId.includes(':')) lines.push(`${a.mqttClientId}:${a.mosquittoHash}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Writes `passwd`, `acl` and `sdes-mosquitto.conf` into `dir` (files 0600, replaced atomically). */
export async function writeMosquittoFiles(dir: string, input: Parameters<typeof mosquittoPasswordFile>[0]): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['passwd', await mosquittoPasswordFile(input)],
    ['acl', MOSQUITTO_ACL],
    ['sdes-mosquitto.conf', mosquittoConfSnippet(dir)],
  ];
  const written: string[] = [];
  for (const [name, content] of files) {
    const target = path.join(dir, name);
    const temp = `${target}.${process.pid}.tmp`;
    await fs.writeFile(temp, content, { mode: 0o600 });
    await fs.rename(temp, target);
    written.push(target);
  }
  return written;
}
