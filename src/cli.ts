#!/usr/bin/env node
// First: libraries read NODE_ENV when they are loaded.
import './runtime/node-env';
import 'reflect-metadata';
import { Command } from 'commander';
import { registerAgentCommand } from './agent/agent.command';
import { loadConfig } from './config';
import { createLogger } from './runtime/logger';
import { StartupError } from './runtime/startup-error';

/**
 * A module loaded when a command needs it. `require`, not `import()`: the build's CommonJS
 * modules do not expose their exports by name to `import()`.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = <T>(module: string): T => require(module) as T;

const program = new Command();
program.name('sdes').description('SDES: control plane for fleets of file-exchange agents over MQTT').showHelpAfterError();

program
  .command('serve')
  .description('start the gateway: GraphQL and REST on PORT, the embedded database and broker unless DATABASE_URL / MQTT_URL are set')
  .addHelpText(
    'after',
    '\nEnvironment:\n  PORT (4000)  DATABASE_URL  SDES_DATA_DIR (./data)  SDES_FILES_DIR (<SDES_DATA_DIR>/files)  MQTT_URL  MQTT_PORT (1883)  LOG_LEVEL (info)  LOG_FORMAT (json|pretty)\n  SDES_ADMIN_USER (admin)  SDES_ADMIN_PASSWORD  SDES_ALLOWED_ORIGINS  SDES_TRUST_PROXY\n  MQTT_HOST (127.0.0.1)  MQTT_TLS_CERT  MQTT_TLS_KEY  MQTT_USERNAME  MQTT_PASSWORD  SDES_ENROLMENT_TOKEN  SDES_ALLOW_UNENROLLED_AGENTS\n  SDES_MOSQUITTO_DIR  SDES_MOSQUITTO_PID_FILE\n  SDES_LOGIN_MAX_FAILS_PER_USER (10)  SDES_LOGIN_MAX_FAILS_PER_ADDRESS (30)  SDES_LOGIN_WINDOW_SECONDS (900)',
  )
  .action(async () => {
    const logger = createLogger({ name: 'sdes' });
    const config = loadConfig();
    const { startGateway } = load<typeof import('./gateway')>('./gateway');
    const gateway = await startGateway({ config, logger });
    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      await gateway.stop();
      logger.info('stopped');
      process.exit(0);
    };
    process.on('SIGINT', () => void shutdown('SIGINT'));
    process.on('SIGTERM', () => void shutdown('SIGTERM'));
  });

program
  .command('migrate')
  .description('apply the committed database migrations and exit (DATABASE_URL, or the embedded database under SDES_DATA_DIR)')
  .action(async () => {
    const logger = createLogger({ name: 'sdes' });
    const config = loadConfig();
    const { openDatabase } = load<typeof import('./runtime/database')>('./runtime/database');
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, migrate: false });
    try {
      const applied = await db.orm.getMigrator().up();
      logger.info({ applied: applied.map((m) => m.name) }, applied.length ? 'migrations applied' : 'database is up to date');
    } finally {
      await db.close();
    }
  });

/**
 * `sdes agent` runs on the shops' machines: it loads none of the gateway's modules (GraphQL, the
 * ORM, the database drivers), which took seconds of CPU at every start and about 60 MB of
 * memory for the whole life of the agent. The gateway's commands load them when they run.
 */
function registerCommands(): void {
  registerAgentCommand(program);
  if (process.argv[2] === 'agent') return;
  load<typeof import('./auth/accounts.command')>('./auth/accounts.command').registerAccountCommands(program);
  load<typeof import('./fleet/fleet.command')>('./fleet/fleet.command').registerFleetCommands(program);
}

registerCommands();
program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof StartupError) {
    process.stderr.write(`sdes: ${err.message}\n`);
  } else {
    process.stderr.write(`sdes: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
