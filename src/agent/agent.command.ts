import fs from 'node:fs';
import type { Command } from 'commander';
import { createAgent } from './agent';
import { AgentConfigError, DEFAULT_BROKER_URL, resolveAgentConfig, type AgentFlags } from './agent.config';
import { createAgentLogger } from '../runtime/logger';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * Registers `sdes agent`: runs one agent in the foreground until SIGINT/SIGTERM.
 * Options may also come from SDES_* environment variables and a JSON `--config` file.
 */
export function registerAgentCommand(program: Command): Command {
  return program
    .command('agent')
    .description('run a file-exchange agent: connect to the broker, execute dispatched jobs, report results')
    .option('--broker <url>', `broker URL (env SDES_BROKER_URL, default ${DEFAULT_BROKER_URL})`)
    .option('--client-id <id>', 'MQTT client id of this agent (env SDES_CLIENT_ID)')
    .option('--role <role>', 'STORE or SERVER (env SDES_ROLE)')
    .option('--root <dir>', 'folder the steps may use; repeat for more; relative step paths use the first (env SDES_ROOTS=a,b)', collect)
    .option('--state-dir <dir>', 'where unacknowledged events and finished reports are kept (env SDES_STATE_DIR, default ~/.sdes/agent/<client-id>)')
    .option('--config <file>', 'JSON file with brokerUrl, clientId, role, roots, stateDir, username, password, logLevel (env SDES_CONFIG)')
    .option('--username <name>', 'broker user name (env SDES_USERNAME)')
    .option('--password <secret>', 'broker password (env SDES_PASSWORD; prefer it to the flag, which shows in ps)')
    .option(
      '--enrolment-token <token>',
      "fleet enrolment token: exchanged on first start for this agent's own credential, kept in the state folder (env SDES_ENROLMENT_TOKEN)",
    )
    .option('--gateway-key <base64>', "the installation's command key (Ed25519, base64); else the one learnt at enrolment (env SDES_GATEWAY_KEY)")
    .option('--log-level <level>', 'trace, debug, info, warn, error (env SDES_LOG_LEVEL, default info)')
    .addHelpText(
      'after',
      '\nExample:\n  SDES_ENROLMENT_TOKEN=... sdes agent --broker mqtt://broker:1883 --client-id store-042 --role STORE --root /srv/pos --root /srv/exchange\n' +
        '\nThe first start enrols with the token and keeps the credential in <state-dir>/credential.json (mode 0600); later starts use it.\n',
    )
    .action(async (flags: AgentFlags, command: Command) => {
      let config;
      try {
        config = resolveAgentConfig(flags, process.env, (file) => fs.readFileSync(file, 'utf8'));
      } catch (error) {
        if (error instanceof AgentConfigError) command.error(`error: ${error.message}`, { exitCode: 2 });
        throw error;
      }
      const logger = createAgentLogger({ level: config.logLevel });
      const agent = createAgent({ ...config, logger });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info(`${signal}: stopping`);
        agent.stop().then(
          () => process.exit(0),
          (error) => {
            logger.error({ err: error }, 'could not stop cleanly');
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      logger.info({ broker: config.brokerUrl, roots: config.roots, stateDir: config.stateDir }, `starting agent ${config.clientId} (${config.role})`);
      await agent.start();
    });
}
