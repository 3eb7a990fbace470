import type { Command } from 'commander';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ENV_HELP, withServices } from '../auth/accounts.command';
import { AgentCredentialService } from '../services/agent-credential.service';
import { loadFleetKeys } from './fleet-keys';
import { writeMosquittoFiles } from './mosquitto-files';

const print = (line: string) => process.stdout.write(`${line}\n`);

/**
 * `sdes agent-credential list|revoke|delete` and `sdes mosquitto-config --out DIR`, on the
 * database as `sdes user` finds it. Changes are audited as `cli:<os user>`.
 */
export function registerFleetCommands(program: Command): void {
  const credential = program
    .command('agent-credential')
    .description("manage agents' own broker credentials (agents get them by enrolling: sdes agent --enrolment-token)")
    .addHelpText('after', ENV_HELP);
  credential
    .command('list')
    .description('enrolled agents, revoked ones too')
    .action(async () => {
      const list = await withServices('agentCredentials', 'agents.read', {}, (ctx) => new AgentCredentialService(ctx).list());
      for (const c of list)
        print(`${c.mqttClientId}\t${c.createdAt.toISOString()}\t${c.revokedAt ? `revoked ${c.revokedAt.toISOString()} by ${c.revokedBy}` : 'active'}`);
    });
  credential
    .command('revoke <clientId>')
    .description("revoke an agent's credential: the broker closes its connection and refuses it")
    .action(async (clientId: string) => {
      await withServices('revokeAgentCredential', 'agents.manage', { mqttClientId: clientId }, (ctx) => new AgentCredentialService(ctx).revoke(clientId));
      print(`revoked the credential of ${clientId}`);
    });
  credential
    .command('delete <clientId>')
    .description('delete a revoked credential, so that the client id may enrol again')
    .action(async (clientId: string) => {
      await withServices('deleteAgentCredential', 'agents.manage', { mqttClientId: clientId }, (ctx) => new AgentCredentialService(ctx).remove(clientId));
      print(`deleted the credential of ${clientId}`);
    });

  program
    .command('mosquitto-config')
    .description("write Mosquitto's password file, ACL file and the settings that go with them for the enrolled agents and the gateways")
    .requiredOption('--out <dir>', 'folder to write passwd, acl and sdes-mosquitto.conf into')
    .addHelpText(
      'after',
      `${ENV_HELP}\nThe enrolment identity's password is the first SDES_ENROLMENT_TOKEN, else the installation's token.\nA gateway started with SDES_MOSQUITTO_DIR (and SDES_MOSQUITTO_PID_FILE) keeps the files up to date and reloads Mosquitto.`,
    )
    .action(async ({ out }: { out: string }) => {
      const tokens = (process.env.SDES_ENROLMENT_TOKEN ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const files = await withServices('mosquittoConfig', 'agents.read', { out }, async (ctx) => {
        const keys = await loadFleetKeys(ctx.em as EntityManager, ctx.clock.now(), tokens);
        const agents = await new AgentCredentialService(ctx).changedSince();
        return writeMosquittoFiles(out, { gatewaySecret: keys.gatewaySecret, enrolmentToken: keys.enrolmentTokens[0], agents });
      });
      for (const f of files) print(`wrote ${f}`);
    });
}
