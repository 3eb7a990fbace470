import fs from 'node:fs/promises';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Clock } from '../runtime/clock';
import type { Logger } from '../runtime/logger';
import { EnrolmentTokenService } from '../services/enrolment-token.service';
import { createAgentMessageAuth, createTransferSealer } from './agent-message-auth';
import { createAgentRegistry } from './agent-registry';
import { createBrokerAuth } from './broker-auth';
import { loadFleetKeys, writeEnrolmentTokenFile } from './fleet-keys';
import { writeMosquittoFiles } from './mosquitto-files';

export { GATEWAY_USERNAME } from './fleet-keys';
export { createEnrolmentResponder } from './enrolment-responder';
export { emqxHooks } from './emqx-hooks';
export { signingPublisher } from './signed-publisher';

export interface FleetSecurityOptions {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  dataDir: string;
  /** SDES_ENROLMENT_TOKEN (comma-separated); without it the installation's own token. */
  enrolmentTokens?: string[];
  /** SDES_ALLOW_UNENROLLED_AGENTS: anonymous broker clients and agents without credential are heard (development only). */
  allowUnenrolledAgents?: boolean;
  /** SDES_MOSQUITTO_DIR: keep Mosquitto's password and ACL files there up to date. */
  mosquittoDir?: string;
  /** SDES_MOSQUITTO_PID_FILE: Mosquitto's pid file; it gets SIGHUP (reload) after each rewrite. */
  mosquittoPidFile?: string;
  refreshMs?: number;
}

/**
 * The agents' half of docs/security.md on one gateway: the installation's keys, the credentials
 * registry, the broker's authentication and ACL, the check of agents' messages, and the
 * Mosquitto files when the gateway keeps them.
 */
export async function createFleetSecurity(options: FleetSecurityOptions) {
  const { orm, clock, logger } = options;
  const keys = await loadFleetKeys(orm.em.fork() as EntityManager, clock.now(), options.enrolmentTokens ?? []);
  let tokenFile: string | undefined;
  if (!options.enrolmentTokens?.length) tokenFile = await writeEnrolmentTokenFile(options.dataDir, keys.installationToken);
  const registry = createAgentRegistry({ orm, logger, refreshMs: options.refreshMs });
  // Tokens admins create (EnrolmentTokenService), read with the same period as the credentials.
  let adminTokens: string[] = [];
  let tokenTimer: NodeJS.Timeout | undefined;
  const loadAdminTokens = () =>
    new EnrolmentTokenService({ em: orm.em.fork() as EntityManager, clock })
      .active()
      .then((tokens) => void (adminTokens = tokens))
      .catch((err: unknown) => logger.warn({ err }, 'enrolment tokens not refreshed'));
  const enrolmentTokens = () => (adminTokens.length ? [...keys.enrolmentTokens, ...adminTokens] : keys.enrolmentTokens);
  const allowUnenrolled = options.allowUnenrolledAgents ?? false;
  const brokerAuth = createBrokerAuth({
    registry,
    gatewaySecret: keys.gatewaySecret,
    enrolmentTokens,
    allowAnonymous: allowUnenrolled,
    logger,
  });
  const messageAuth = createAgentMessageAuth({ registry, allowUnenrolled, logger });
  const sealTransfer = createTransferSealer({ registry });

  let lastFiles: Promise<unknown> = Promise.resolve();
  const writeMosquitto = () => {
    const dir = options.mosquittoDir;
    if (!dir) return;
    lastFiles = lastFiles.then(async () => {
      try {
        await writeMosquittoFiles(dir, { gatewaySecret: keys.gatewaySecret, enrolmentToken: keys.enrolmentTokens[0], agents: registry.all() });
        if (options.mosquittoPidFile) {
          const pid = Number((await fs.readFile(options.mosquittoPidFile, 'utf8')).trim());
          process.kill(pid, 'SIGHUP');
        }
      } catch (err) {
        logger.error({ err, dir }, 'Mosquitto files not updated');
      }
    });
  };

  return {
    keys,
    registry,
    brokerAuth,
    messageAuth,
    sealTransfer,
    tokenFile,
    allowUnenrolled,
    /** Every token an enrolment may use now: SDES_ENROLMENT_TOKEN (or the installation's) and the admins'. */
    enrolmentTokens,
    async start() {
      await registry.start();
      await loadAdminTokens();
      tokenTimer = setInterval(() => void loadAdminTokens(), options.refreshMs ?? 2_000);
      tokenTimer.unref();
      if (options.mosquittoDir) {
        writeMosquitto();
        await lastFiles;
        registry.onChange(() => writeMosquitto());
      }
      if (allowUnenrolled) logger.warn('SDES_ALLOW_UNENROLLED_AGENTS: anonymous MQTT clients and agents without a credential are accepted (development only)');
      if (tokenFile)
        logger.info({ file: tokenFile }, `agents enrol with the token in ${tokenFile} (sdes agent --enrolment-token ..., or SDES_ENROLMENT_TOKEN)`);
    },
    async stop() {
      clearInterval(tokenTimer);
      registry.stop();
      await lastFiles;
    },
  };
}
export type FleetSecurity = Awaited<ReturnType<typeof createFleetSecurity>>;
