import fs from 'node:fs';
import os from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import {
  buildOfflineStatus,
  buildOnlineStatus,
  commandsTopic,
  encodeFrame,
  encodeMessage,
  eventsTopic,
  isValidClientId,
  statusTopic,
  transferDownTopic,
  transferUpTopic,
  parseTransferSessionTopic,
  type AgentRole,
  type DispatchCommand,
} from '../protocol';
import { resolveAgentAuth } from './agent-auth';
import { silentLogger, type Logger } from '../runtime/logger';
import { systemClock, type Clock } from '../runtime/clock';
import { openEventJournal } from './event-journal';
import { createEventSender } from './event-sender';
import { createCommandDispatcher } from './handlers/command-dispatcher';
import { agentVersion, primaryIp } from './host-info';
import { createPathGuard } from './path-guard';
import { runReport } from './report-runner';
import { createReportQueue } from './report-queue';
import { openReportRegistry } from './report-registry';
import { DEFAULT_STEP_LIMITS, type StepLimits } from './steps/step-executor';
import { createDeliveries } from './transfer/deliveries';
import { createRemoteFolder } from './transfer/remote-folder';
import { createTransferClient } from './transfer/transfer-client';

export interface AgentOptions {
  brokerUrl: string;
  /** MQTT client id; also names the agent's topics, so no `/`, `+`, `#`. */
  clientId: string;
  role: AgentRole;
  /** Folders the steps may touch; relative step paths resolve against the first. */
  roots: string[];
  /** Where the event journal and the report registry live; one per agent. */
  stateDir: string;
  username?: string;
  password?: string;
  /** Default: silent (the CLI passes a terminal logger). */
  logger?: Logger;
  clock?: Clock;
  /** Defaults for steps (retries 4 × 20 s, ...); tests pass small values. */
  limits?: Partial<StepLimits>;
  /** Unacknowledged events are sent again after this long. Default 10 s. */
  resendIntervalMs?: number;
  /** New events wait this long for others to share their message (DEFAULT_EVENT_LINGER_MS, 20 ms). */
  eventLingerMs?: number;
  /** Wait between reconnect attempts. Default 2 s. */
  reconnectPeriodMs?: number;
  /** MQTT keepalive in seconds; the broker publishes the Will after 1.5 × this without traffic. Default 30. */
  keepaliveSeconds?: number;
  /** 4 = MQTT 3.1.1 (default; the embedded aedes broker speaks only this), 5 = MQTT 5. */
  protocolVersion?: 4 | 5;
  /** Exchanged for the agent's own credential when its state folder has none (docs/protocol.md 9.1). */
  enrolmentToken?: string;
  /** The installation's command key (base64 Ed25519); else the one learnt at enrolment. */
  gatewayKey?: string;
}

export interface Agent {
  readonly clientId: string;
  /** Opens the state, connects and resolves once the agent is ONLINE (it keeps retrying meanwhile). */
  start(): Promise<void>;
  /** Aborts running work (it ends FAILED), publishes OFFLINE and disconnects. */
  stop(): Promise<void>;
}

/** An SDES agent: presence, commands in, journaled events out, one report at a time. */
export function createAgent(options: AgentOptions): Agent {
  const { brokerUrl, clientId, role, stateDir, logger: baseLogger = silentLogger(), clock = systemClock } = options;
  if (!isValidClientId(clientId)) throw new Error(`invalid client id ${JSON.stringify(clientId)}: 1-128 characters without "/", "+", "#"`);
  if (options.roots.length === 0) throw new Error('the agent needs at least one --root folder');
  const logger = baseLogger.child({ clientId });
  const limits: StepLimits = { ...DEFAULT_STEP_LIMITS, ...options.limits };
  const version = agentVersion();
  let client: MqttClient | undefined;
  let stopping = false;
  let shutdown: (() => Promise<void>) | undefined;

  async function start(): Promise<void> {
    if (client) throw new Error('agent already started');
    for (const root of options.roots) fs.mkdirSync(root, { recursive: true });
    const paths = await createPathGuard(options.roots);
    // Enrols first when the agent has no credential yet and was given a token.
    const auth = await resolveAgentAuth({ ...options, logger });
    const journal = openEventJournal({
      stateDir,
      clock,
      onDrop: (event) => logger.warn({ seq: event.seq, type: event.type }, 'event journal full: dropped the oldest event'),
    });
    const registry = openReportRegistry({ stateDir });
    // Statuses carry the agent's HMAC (docs/protocol.md 9.3), the Will too: it is all fixed at connect.
    const status = statusTopic(clientId);
    const offline = (reason: 'will' | 'stopped', at = clock.now().getTime()) => auth.sealStatus(status, encodeMessage(buildOfflineStatus({ at, reason })));
    // One timestamp per connection, carried by both its Will and its ONLINE status, so a gateway
    // can tell the Will of this connection (same `at`) from a late one of an older (smaller `at`).
    let connectionAt = clock.now().getTime();

    const mqttClient = mqtt.connect(brokerUrl, {
      clientId,
      username: auth.username,
      password: auth.password,
      protocolVersion: options.protocolVersion ?? 4,
      // No broker session: commands missed while offline are re-sent by the gateway when the
      // agent comes ONLINE again, and events are resent from the journal (docs/protocol.md).
      clean: true,
      resubscribe: false,
      keepalive: options.keepaliveSeconds ?? 30,
      reconnectPeriod: options.reconnectPeriodMs ?? 2_000,
      // A refused credential is retried too: a broker may not have loaded a new one yet, and an
      // operator may put a revoked agent right without restarting it.
      reconnectOnConnackError: true,
      connectTimeout: 10_000,
      will: { topic: status, payload: offline('will', connectionAt), qos: 1, retain: true },
    });
    client = mqttClient;

    const sender = createEventSender({
      journal,
      clock,
      logger,
      resendIntervalMs: options.resendIntervalMs,
      lingerMs: options.eventLingerMs,
      isConnected: () => mqttClient.connected && !mqttClient.disconnecting,
      publish: (batch) =>
        mqttClient.publish(eventsTopic(clientId), auth.sealEvents(eventsTopic(clientId), encodeMessage(batch)), { qos: 1 }, (error) => {
          if (error) logger.debug({ err: error }, 'event publish not confirmed; it will be resent');
        }),
    });

    // Transfer frames to and from the gateway's file store (docs/protocol.md §12).
    const transferClient = createTransferClient({
      logger,
      publish: (header, body, topic = transferUpTopic(clientId), qos = 1) => {
        mqttClient.publish(topic, encodeFrame(header, body, auth.transferSeal(topic)), { qos }, (error) => {
          if (error) logger.debug({ err: error }, 'transfer frame not confirmed; the transfer asks again');
        });
      },
      subscribe: async (topic) => void (await mqttClient.subscribeAsync(topic, { qos: 1 })),
      unsubscribe: (topic) => void mqttClient.unsubscribeAsync(topic).catch(() => undefined),
    });
    const transfer = { client: transferClient, role };
    // BROADCAST deliveries arrive unasked and run beside the report queue.
    const deliveriesStop = new AbortController();
    transferClient.onOffer = createDeliveries({ client: transferClient, paths, clock, logger, signal: deliveriesStop.signal });
    transferClient.onRemote = createRemoteFolder({ client: transferClient, paths, clock, logger, signal: deliveriesStop.signal });
    const run = async (dispatch: DispatchCommand, signal: AbortSignal) => {
      registry.markRunning(dispatch.reportId, clock.now().getTime());
      const result = await runReport(dispatch, signal, { paths, clock, limits, agentVersion: version, emit: sender.submit, logger, transfer });
      registry.markFinished({ reportId: dispatch.reportId, state: result.status, ...result });
    };
    const queue = createReportQueue({ run, logger });
    const onCommand = createCommandDispatcher(clientId, { queue, registry, sender, clock, logger });

    // Work cut short by a crash or kill is closed as FAILED: its steps may have half run.
    for (const record of registry.interrupted()) {
      const endTime = clock.now().getTime();
      const message = 'the agent stopped while the report was running';
      registry.markFinished({ ...record, state: 'FAILED', endTime, message });
      sender.submit({ type: 'report.finished', reportId: record.reportId, status: 'FAILED', startTime: record.startTime, endTime, message });
      logger.warn({ reportId: record.reportId }, `report ${record.reportId} FAILED: ${message}`);
    }

    let firstOnline: () => void = () => undefined;
    const online = new Promise<void>((resolve) => (firstOnline = resolve));

    // Warn once per outage, not on every failed reconnect attempt.
    let connectedBefore = false;
    let errorLogged = false;
    mqttClient.on('connect', async () => {
      connectedBefore = true;
      errorLogged = false;
      try {
        // Subscribe before announcing ONLINE: a gateway dispatches as soon as it sees ONLINE.
        await mqttClient.subscribeAsync([commandsTopic(clientId), transferDownTopic(clientId)], { qos: 1 });
        const announcement = buildOnlineStatus({
          at: connectionAt,
          role,
          version,
          ip: primaryIp(),
          hostname: os.hostname(),
          roots: paths.roots.slice(),
          stream: journal.stream,
        });
        await mqttClient.publishAsync(status, auth.sealStatus(status, encodeMessage(announcement)), { qos: 1, retain: true });
        logger.info({ broker: brokerUrl }, `connected and ONLINE as ${role}`);
        sender.resendAll();
        firstOnline();
      } catch (error) {
        logger.warn({ err: error }, 'could not announce presence; will retry on the next connection');
      }
    });
    mqttClient.on('reconnect', () => {
      // The Will is fixed per connection: refresh its timestamp for the next one.
      connectionAt = clock.now().getTime();
      if (mqttClient.options.will) mqttClient.options.will.payload = offline('will', connectionAt);
      logger.debug('reconnecting');
    });
    mqttClient.on('close', () => {
      if (connectedBefore && !stopping) logger.warn('disconnected from the broker; work goes on and events wait in the journal');
      connectedBefore = false;
    });
    mqttClient.on('error', (error) => {
      logger[errorLogged ? 'debug' : 'warn']({ err: error }, `broker connection error: ${error.message} (retrying)`);
      errorLogged = true;
    });
    const transferDown = transferDownTopic(clientId);
    mqttClient.on('message', (topic, payload) => {
      // Transfer frames carry the HMAC of the agent's own key, commands the installation's signature.
      if (topic === transferDown) {
        const frame = auth.checkTransfer(topic, payload);
        return frame ? transferClient.receive(frame) : undefined;
      }
      // An upload's chunks, published once by its sender (§12.2): checked against the file's SHA-256 in the sealed offer.
      const session = parseTransferSessionTopic(topic);
      if (session) return transferClient.receiveSession(session.fileId, payload);
      const command = auth.checkCommand(topic, payload);
      if (command) onCommand(topic, command);
    });
    sender.start();

    shutdown = async () => {
      deliveriesStop.abort(new Error('the agent is stopping'));
      await queue.stop('the agent is stopping');
      sender.stop();
      // Give the final events of aborted work one chance to leave; the journal keeps them anyway.
      await new Promise((resolve) => setImmediate(resolve));
      if (mqttClient.connected) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          mqttClient.publishAsync(status, offline('stopped'), { qos: 1, retain: true }).catch(() => undefined),
          new Promise((resolve) => (timer = setTimeout(resolve, 2_000))),
        ]);
        clearTimeout(timer);
      }
      await mqttClient.endAsync(!mqttClient.connected);
      journal.close();
      logger.info('stopped');
    };

    await Promise.race([online, new Promise<void>((_, reject) => mqttClient.once('end', () => reject(new Error('agent stopped before it came online'))))]);
  }

  return {
    clientId,
    start,
    async stop() {
      if (stopping) return;
      stopping = true;
      if (shutdown) await shutdown();
    },
  };
}
