import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import type { MqttClient } from 'mqtt';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createCredentialCache } from './auth/credential-cache';
import { ensureInitialAdmin } from './auth/initial-admin';
import { createLoginLimiter } from './auth/login-limiter';
import type { GatewayConfig } from './config';
import { createLocalBlobStorage, FileStoreService } from './files';
import { createEnrolmentResponder, createFleetSecurity, emqxHooks, GATEWAY_USERNAME, signingPublisher, type FleetSecurity } from './fleet';
import { mountGraphql } from './graphql/server';
import { createAdmission, type Admission } from './http/admission';
import { consoleRouter } from './http/console';
import { DatabaseProbe, healthHandler } from './http/health';
import { createHttpServer } from './http/server-limits';
import { createMqttBridge } from './live/mqtt-bridge';
import { createLiveRelay, gatewayWill, newGatewayId, type LiveRelay } from './live/live-relay';
import { createLivePubSub, type LivePubSub } from './live/pubsub';
import { createTransferCarrier } from './live/transfer-carrier';
import { createRestRouter } from './rest-compat';
import { systemClock, type Clock } from './runtime/clock';
import { openDatabase, type Database } from './runtime/database';
import { startEmbeddedBroker, type EmbeddedBroker } from './runtime/embedded-broker';
import type { Logger } from './runtime/logger';
import { connectMqtt } from './runtime/mqtt-connection';
import { StartupError } from './runtime/startup-error';
import { createScheduler, type Scheduler } from './scheduler';
import { createAgentInbox } from './services/agent-inbox';
import { createDispatcher, createExecutionLifecycle, type Dispatcher, type ExecutionLifecycle } from './services/execution';
import { SettingsService } from './services/settings.service';
import { TransferService } from './services/transfer';

export interface Gateway {
  /** http://host:port of the HTTP server (GraphQL, REST, /healthz). */
  url: string;
  port: number;
  db: Database;
  mqtt: MqttClient;
  brokerUrl: string;
  pubsub: LivePubSub;
  clock: Clock;
  /** Sends work to agents; the front doors hand it new runs. */
  dispatcher: Dispatcher;
  /** Deadlines, retries and lost dispatches: the scheduler calls `lifecycle.sweep()` on each tick. */
  lifecycle: ExecutionLifecycle;
  /** Fires scheduled jobs (src/scheduler); `tick()` runs one pass at once. */
  scheduler: Scheduler;
  /** Live events to and from the other gateways of the installation (src/live/live-relay.ts). */
  relay: LiveRelay;
  /** The file store (src/files): uploads and transfer spools, retention. */
  files: FileStoreService;
  /** Agents' credentials, the broker's ACL, command keys (src/fleet, docs/protocol.md 9). */
  fleet: FleetSecurity;
  /** The slots costly requests of both doors wait for (src/http/admission.ts). */
  admission: Admission;
  stop(): Promise<void>;
}

export interface StartGatewayOptions {
  config: GatewayConfig;
  logger: Logger;
  clock?: Clock;
  /** How often open GraphQL WebSockets are checked for ended sessions and revoked keys (default 5 s). */
  authSweepMs?: number;
  /**
   * false: commands leave unsigned. Only for the fan-out bench's baseline (BENCH_SECURITY=off,
   * with SDES_ALLOW_UNENROLLED_AGENTS), which measures what signing costs; no setting or
   * environment variable turns it off. Default true.
   */
  signCommands?: boolean;
}

/** Something started that must be stopped, in reverse order, on shutdown or a failed start. */
type Stopper = { name: string; stop: () => Promise<unknown> };

/**
 * Starts everything `sdes serve` runs: database (+ migrations), broker (embedded unless
 * MQTT_URL), the gateway's MQTT client, HTTP with GraphQL, REST and /healthz.
 */
export async function startGateway({ config, logger, clock = systemClock, authSweepMs, signCommands = true }: StartGatewayOptions): Promise<Gateway> {
  const startedAt = new Date();
  const stoppers: Stopper[] = [];
  const stopAll = async () => {
    for (const s of stoppers.reverse()) {
      try {
        await s.stop();
      } catch (err) {
        logger.error({ err, part: s.name }, 'error while stopping');
      }
    }
    stoppers.length = 0;
  };

  try {
    // Before the database: a folder that cannot be written ends the start at once.
    const filesRoot = await prepareFilesDir(config);
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, preparedStatements: config.databasePreparedStatements });
    stoppers.push({ name: 'database', stop: () => db.close() });
    // Someone can always log in: SDES_ADMIN_PASSWORD, or a random first password (docs/security.md).
    await ensureInitialAdmin({
      orm: db.orm,
      clock,
      dataDir: config.dataDir,
      env: { SDES_ADMIN_USER: config.adminUser, SDES_ADMIN_PASSWORD: config.adminPassword },
      logger,
    });

    // Agents' credentials and the installation's keys, before any broker connection (src/fleet).
    const fleet = await createFleetSecurity({
      orm: db.orm,
      clock,
      logger,
      dataDir: config.dataDir,
      enrolmentTokens: config.enrolmentTokens,
      allowUnenrolledAgents: config.allowUnenrolledAgents,
      mosquittoDir: config.mosquittoDir,
      mosquittoPidFile: config.mosquittoPidFile,
    });
    await fleet.start();
    stoppers.push({ name: 'fleet', stop: () => fleet.stop() });

    let broker: EmbeddedBroker | undefined;
    if (!config.mqttUrl) {
      broker = await startEmbeddedBroker({
        port: config.mqttPort,
        host: config.mqttHost,
        logger,
        maxPacketBytes: config.mqttMaxPacketBytes,
        auth: fleet.brokerAuth,
        tls: config.mqttTls,
      });
      stoppers.push({ name: 'broker', stop: () => broker!.close() });
      fleet.registry.onRevoked((clientId) => {
        if (broker?.disconnect(clientId)) logger.warn({ clientId }, `closed the connection of ${clientId}: its credential was revoked`);
      });
    }
    const brokerUrl = config.mqttUrl ?? broker!.url;
    // Gateways sharing the database are one installation; they tell each other their live events.
    const installation = await new SettingsService({ em: db.orm.em.fork() as EntityManager, clock }).installationId();
    const gatewayId = newGatewayId();
    const mqtt = await connectMqtt({
      url: brokerUrl,
      clientId: `sdes-gateway-${gatewayId}`,
      logger,
      fromEnv: !!config.mqttUrl,
      will: gatewayWill(installation, gatewayId),
      username: config.mqttUsername ?? GATEWAY_USERNAME,
      password: config.mqttPassword ?? fleet.keys.gatewaySecret,
      rejectUnauthorized: !(config.mqttTls && !config.mqttUrl),
    });
    stoppers.push({ name: 'mqtt', stop: () => mqtt.endAsync() });

    // Subscribers see every gateway's live events, not only this one's (src/live/live-relay.ts).
    const relay = createLiveRelay({ mqtt, local: createLivePubSub(), installation, origin: gatewayId, logger });
    await relay.start();
    stoppers.push({ name: 'live relay', stop: () => relay.stop() });
    const pubsub = relay.pubsub;
    // Agents' messages in and out (src/live); what they mean: presence and execution (src/services).
    // Every command leaves signed with the installation's key; agents' messages are checked on arrival.
    const commandMqtt = signCommands ? signingPublisher(mqtt, fleet.keys.commands) : mqtt;
    // The bridge, made below, tells which agents' events wait to be stored.
    let ingesting: (mqttClientId: string) => boolean = () => false;
    const dispatcher = createDispatcher({ orm: db.orm, mqtt: commandMqtt, clock, logger, ingesting: (id) => ingesting(id) });
    // A client coming ONLINE also gets the BROADCAST deliveries that wait for it (transfers, below).
    let transfersOnline: (clientIds: number[]) => void = () => undefined;
    const inbox = createAgentInbox({
      orm: db.orm,
      clock,
      pubsub,
      dispatcher: {
        ...dispatcher,
        clientsOnline(clientIds) {
          dispatcher.clientsOnline(clientIds);
          transfersOnline(clientIds);
        },
      },
    });
    const bridge = createMqttBridge({
      mqtt,
      logger,
      inbox,
      shareGroup: config.shareGroup,
      authenticate: fleet.messageAuth,
      publishCommand: (topic, payload, qos) => void commandMqtt.publish(topic, payload, { qos }),
    });
    ingesting = bridge.ingesting;
    await bridge.start();
    const enrolment = createEnrolmentResponder({
      mqtt,
      orm: db.orm,
      clock,
      logger,
      registry: fleet.registry,
      tokens: fleet.enrolmentTokens,
      gatewayKey: fleet.keys.commands.publicKey,
      credentialKey: fleet.keys.credentialKey,
      shareGroup: config.shareGroup,
    });
    await enrolment.start();
    stoppers.push({ name: 'enrolment', stop: () => enrolment.stop() });
    stoppers.push({
      name: 'live',
      stop: async () => {
        await bridge.stop();
        await dispatcher.stop();
      },
    });
    const lifecycle = createExecutionLifecycle({ orm: db.orm, clock, logger, pubsub, dispatcher });
    // Fires scheduled jobs and sweeps the lifecycle every second; pushed after 'live' so it stops before it.
    const scheduler = createScheduler({ orm: db.orm, clock, logger, lifecycle, dispatcher, pubsub });
    scheduler.start();
    stoppers.push({ name: 'scheduler', stop: () => scheduler.stop() });
    // Stopped after 'http' (pushed before it): downloads in progress read from it to the end.
    const files = new FileStoreService({ orm: db.orm, storage: createLocalBlobStorage({ root: filesRoot }), clock, logger, pubsub });
    files.start();
    stoppers.push({ name: 'files', stop: () => files.stop() });
    // File transfers over the broker (docs/protocol.md §12): the carrier moves frames, the service decides.
    const transfers: TransferService = new TransferService({
      orm: db.orm,
      files,
      clock,
      logger: logger.child({ part: 'transfer' }),
      installation,
      pubsub,
      send: (clientId, header, body) => carrier.send(clientId, header, body),
    });
    const carrier = createTransferCarrier({
      mqtt,
      logger,
      shareGroup: config.shareGroup,
      handle: (clientId, frame) => transfers.handle(clientId, frame),
      authenticate: fleet.messageAuth,
      seal: fleet.sealTransfer,
    });
    transfersOnline = (clientIds) => transfers.clientsOnline(clientIds);
    await carrier.start();
    stoppers.push({ name: 'transfers', stop: () => carrier.stop() });
    const app = express();
    app.disable('x-powered-by');
    const httpServer = createHttpServer(app, config.httpLimits);
    const probe = new DatabaseProbe(() => db.ping());
    stoppers.push({ name: 'health probe', stop: async () => probe.stop() });
    await probe.start();
    app.get('/healthz', healthHandler({ db, mqtt, brokerUrl, brokerKind: broker ? 'embedded' : 'external', startedAt, probe }));
    // EMQX's HTTP authentication and authorization hooks: the broker's credentials, not an operator's.
    app.use('/emqx', emqxHooks({ auth: fleet.brokerAuth, logger }));
    // Failed logins are counted in the database, so every gateway of the installation shares the limits.
    const auth = {
      loginLimiter: createLoginLimiter({ orm: db.orm, limits: config.loginLimits }),
      // One for both doors: a console's GraphQL and REST requests share its session's check.
      credentials: createCredentialCache({ clock }),
      allowedOrigins: config.allowedOrigins ?? [],
      trustProxy: config.trustProxy ?? false,
    };
    // One admission for both doors: costly requests share its slots whichever door they came in by.
    const admission = createAdmission({ limits: config.admission });
    const frontDoor = { orm: db.orm, clock, pubsub, logger, dispatcher, files, remoteFolders: transfers.remoteFolders, auth, admission };
    if (auth.trustProxy) app.set('trust proxy', true);
    const graphql = await mountGraphql({ app, httpServer, deps: frontDoor, authSweepMs });
    app.use('/v1', createRestRouter(frontDoor));
    // Last: the operator console answers only what the APIs above did not (src/http/console.ts).
    app.use(consoleRouter());

    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new StartupError(`PORT ${config.port} is already in use: set PORT to a free port`)
            : new StartupError(`cannot listen on PORT ${config.port}: ${err.message}`),
        ),
      );
      httpServer.listen(config.port, config.host, () => resolve());
    });
    stoppers.push({
      name: 'http',
      stop: () =>
        new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeIdleConnections();
          setTimeout(() => httpServer.closeAllConnections(), 5000).unref();
        }),
    });
    // After 'http' so that it stops first: open WebSockets would otherwise hold the HTTP close.
    stoppers.push({ name: 'graphql', stop: () => graphql.stop() });
    const port = (httpServer.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    logger.info({ url, graphql: `${url}/graphql`, rest: `${url}/v1`, database: db.displayUrl, broker: brokerUrl, files: filesRoot }, 'SDES gateway ready');

    return { url, port, db, mqtt, brokerUrl, pubsub, clock, dispatcher, lifecycle, scheduler, relay, files, fleet, admission, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** The file store's folder, SDES_FILES_DIR (default `<SDES_DATA_DIR>/files`), made and checked writable. */
async function prepareFilesDir(config: GatewayConfig): Promise<string> {
  const root = config.filesDir ?? path.join(config.dataDir, 'files');
  try {
    await fs.mkdir(root, { recursive: true });
    await fs.access(root, fs.constants.W_OK);
  } catch (err) {
    const variable = config.filesDir ? 'SDES_FILES_DIR' : 'SDES_DATA_DIR';
    throw new StartupError(
      `cannot write the file store folder ${root} (${(err as Error).message}): fix its permissions or set ${variable} to a writable folder`,
    );
  }
  return root;
}
