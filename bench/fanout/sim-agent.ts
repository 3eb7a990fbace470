import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import {
  buildEventBatch,
  buildOfflineStatus,
  buildOnlineStatus,
  commandsTopic,
  createResendSchedule,
  encodeMessage,
  eventsTopic,
  inSeqRanges,
  parseCommand,
  sortSteps,
  statusTopic,
  type AgentEvent,
  type AgentEventDraft,
  type DispatchCommand,
} from '../../src/protocol';
import { resolveAgentAuth } from '../../src/agent/agent-auth';
import { silentLogger } from '../../src/runtime/logger';
import { DEFAULT_EVENT_LINGER_MS } from '../../src/agent/event-sender';

/** What one simulated agent measured (epoch ms). */
export interface SimAgentStats {
  dispatches: number;
  /** Dispatches of a report already received (the gateway sent it again: a redispatch). */
  repeatedDispatches: number;
  firstDispatchAt: number | null;
  lastDispatchAt: number | null;
  lastFinishedSentAt: number | null;
  /** Commands refused by the signature check (none expected: the gateway signs every one). */
  refused: number;
  /** Acks received (each one a signed command when security is on). */
  acks: number;
  /** Events published again because no ack came within resendAfterMs (the broker or the gateway lost them). */
  resent: number;
  unacked: number;
  /** Event messages published (first sends only) and the events they carried. */
  eventMessages: number;
  events: number;
}

/** What an agent saw of a broker-only replay (broker-only.ts). */
export interface ReplayStats {
  received: number;
  lastReceivedAt: number | null;
  published: number;
}

export interface SimAgent {
  clientId: string;
  stats(): SimAgentStats;
  /**
   * Broker-only replay (broker-only.ts): until `endReplay`, every message on the commands topic is
   * only counted (no signature check, no run), and the first one is answered at once with one
   * message of each of `upSizes` bytes on the events topic, QoS 1, over the same connection.
   */
  replay(upSizes: number[]): void;
  replayStats(): ReplayStats;
  endReplay(): ReplayStats;
  /** Forgets the timings (between measured runs). */
  reset(): void;
  stop(): Promise<void>;
}

export interface SimAgentOptions {
  brokerUrl: string;
  clientId: string;
  role?: 'SERVER' | 'STORE';
  /** Unacknowledged events go out again after this long, then backing off as the real agent's (src/protocol/resend-backoff.ts). */
  resendAfterMs?: number;
  protocolVersion?: 4 | 5;
  /** On stop, clear the retained status instead of leaving OFFLINE (a bench fleet must not linger on a shared broker). */
  clearStatusOnStop?: boolean;
  /** New events wait this long for others to share their message, as the real agent's (src/agent/event-sender.ts). */
  lingerMs?: number;
  /** The agent's state folder, where an enrolled agent keeps its credential (one per agent). */
  stateDir: string;
  /**
   * Security as the real agent has it (src/agent/agent-auth.ts): enrol with this token into
   * `stateDir` (or use the credential already there), then verify every command's signature and
   * seal every status and event batch with the agent's HMAC. Without it (and no credential) the
   * agent connects anonymously and checks nothing: the bench's baseline, BENCH_SECURITY=off.
   */
  enrolmentToken?: string;
}

/**
 * A lightweight agent that speaks the real protocol (src/protocol) over its own MQTT connection,
 * with the real agent's credential, command check and HMACs (src/agent/agent-auth.ts) when given
 * an enrolment token, but does not touch files: every step of a dispatch "succeeds" at once. Per
 * report it publishes what the real agent publishes for a task of plain steps: `report.started`, `task.started`, and
 * per step `step.started`, one `step.message`, `step.finished`, then `task.finished` and
 * `report.finished`, step after step in different ticks, and like the real agent lets new events
 * linger `lingerMs` so that those of quick steps share a message. Events stay until acked and
 * are resent, like the real agent's journal (in memory here).
 */
export async function startSimAgent({
  brokerUrl,
  clientId,
  role = 'STORE',
  resendAfterMs = 5_000,
  protocolVersion = 4,
  clearStatusOnStop = true,
  lingerMs = DEFAULT_EVENT_LINGER_MS,
  stateDir,
  enrolmentToken,
}: SimAgentOptions): Promise<SimAgent> {
  // The real agent's credential, signature check and seals: the same module, not a copy.
  const auth = await resolveAgentAuth({
    brokerUrl,
    clientId,
    stateDir,
    enrolmentToken,
    logger: silentLogger(),
    protocolVersion,
  });
  const status = statusTopic(clientId);
  const events = eventsTopic(clientId);
  const stream = randomUUID();
  const connectedAt = new Date();
  let seq = 0;
  const unacked = new Map<number, AgentEvent>();
  // The real agent's resend schedule (backoff with jitter, reset by an ack): the same module.
  const resends = createResendSchedule({ baseMs: resendAfterMs });
  const seen = new Set<string>();
  let replaying: (ReplayStats & { upSizes: number[] }) | undefined;
  let stats: SimAgentStats = {
    dispatches: 0,
    repeatedDispatches: 0,
    firstDispatchAt: null,
    lastDispatchAt: null,
    lastFinishedSentAt: null,
    refused: 0,
    acks: 0,
    resent: 0,
    unacked: 0,
    eventMessages: 0,
    events: 0,
  };

  const client: MqttClient = mqtt.connect(brokerUrl, {
    clientId,
    username: auth.username,
    password: auth.password,
    clean: true,
    protocolVersion,
    keepalive: 60,
    reconnectPeriod: 2_000,
    // Mosquitto takes a new credential at its next reload (SIGHUP from the gateway): retry until then.
    reconnectOnConnackError: true,
    connectTimeout: 30_000,
    resubscribe: false,
    will: {
      topic: status,
      payload: auth.sealStatus(status, encodeMessage(buildOfflineStatus({ at: connectedAt.getTime(), reason: 'will' }))),
      qos: 1,
      retain: true,
    },
  });

  const publish = (batch: AgentEvent[]) => {
    client.publish(events, auth.sealEvents(events, encodeMessage(buildEventBatch(stream, batch))), { qos: 1 });
  };

  let lingering: AgentEvent[] = [];
  const flush = () => {
    const events = lingering;
    lingering = [];
    const now = Date.now();
    for (const event of events) unacked.set(event.seq, event);
    if (!events.length) return;
    resends.sent(
      events.map((e) => e.seq),
      now,
    );
    stats.eventMessages++;
    stats.events += events.length;
    publish(events);
  };
  const emit = (drafts: AgentEventDraft[]) => {
    const now = Date.now();
    if (!lingering.length) {
      if (lingerMs > 0) setTimeout(flush, lingerMs);
      else setImmediate(flush);
    }
    lingering.push(...drafts.map((d) => ({ ...d, seq: ++seq, at: now }) as AgentEvent));
  };

  const run = async (dispatch: DispatchCommand) => {
    const reportId = dispatch.reportId;
    const t0 = Date.now();
    const head: AgentEventDraft[] = [{ type: 'report.started', reportId, startTime: t0 }];
    for (const task of dispatch.tasks) {
      const taskId = task.taskId;
      head.push({ type: 'task.started', reportId, taskId, startTime: t0 });
      const steps = sortSteps(task.steps);
      for (let i = 0; i < steps.length; i++) {
        const s = steps[i];
        const at = Date.now();
        const batch: AgentEventDraft[] = i === 0 ? head.splice(0) : [];
        batch.push(
          { type: 'step.started', reportId, taskId, stepId: s.id, stepType: s.type, startTime: at },
          { type: 'step.message', reportId, taskId, stepId: s.id, index: 0, startTime: at, endTime: at, message: `simulated ${s.type}: ok` },
          { type: 'step.finished', reportId, taskId, stepId: s.id, stepType: s.type, status: 'SUCCESS', startTime: at, endTime: at, attempts: 1 },
        );
        if (i === steps.length - 1) batch.push({ type: 'task.finished', reportId, taskId, status: 'SUCCESS', startTime: t0, endTime: at });
        emit(batch);
        // Let other agents' work interleave, as real steps would.
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (!steps.length) emit([...head.splice(0), { type: 'task.finished', reportId, taskId, status: 'SUCCESS', startTime: t0, endTime: Date.now() }]);
    }
    emit([...head.splice(0), { type: 'report.finished', reportId, status: 'SUCCESS', startTime: t0, endTime: Date.now() }]);
    stats.lastFinishedSentAt = Date.now();
  };

  client.on('message', (topic, payload) => {
    if (replaying) {
      replaying.received++;
      replaying.lastReceivedAt = Date.now();
      if (replaying.received === 1)
        for (const size of replaying.upSizes) {
          replaying.published++;
          client.publish(events, Buffer.alloc(size, 0x20), { qos: 1 });
        }
      return;
    }
    const checked = auth.checkCommand(topic, payload);
    if (!checked) return void stats.refused++;
    const parsed = parseCommand(topic, checked, clientId);
    if (!parsed.ok) return;
    const command = parsed.value.message;
    if (command.type === 'ack') {
      stats.acks++;
      if (command.stream !== stream) return;
      const acked = [...unacked.keys()].filter((s) => inSeqRanges(s, command.ranges));
      for (const s of acked) unacked.delete(s);
      resends.acknowledged(acked, Date.now());
      return;
    }
    if (command.type !== 'dispatch') return;
    if (seen.has(command.reportId)) return void stats.repeatedDispatches++;
    seen.add(command.reportId);
    const now = Date.now();
    stats.dispatches++;
    stats.firstDispatchAt ??= now;
    stats.lastDispatchAt = now;
    void run(command);
  });

  const resendTimer = setInterval(
    () => {
      if (!client.connected) return;
      const now = Date.now();
      const old = resends.due(now).flatMap((seq) => unacked.get(seq) ?? []);
      for (let i = 0; i < old.length; i += 100) {
        const chunk = old.slice(i, i + 100);
        resends.sent(
          chunk.map((e) => e.seq),
          now,
        );
        stats.resent += chunk.length;
        publish(chunk);
      }
    },
    Math.max(250, Math.min(1_000, Math.floor(resendAfterMs / 4))),
  );
  resendTimer.unref();

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${clientId}: not connected within 60 s`)), 60_000);
    client.on('connect', async () => {
      try {
        await client.subscribeAsync(commandsTopic(clientId), { qos: 1 });
        const online = buildOnlineStatus({
          at: connectedAt.getTime(),
          role,
          version: '0.1.0-sim',
          ip: '127.0.0.1',
          hostname: 'bench',
          roots: ['/sim'],
          stream,
        });
        await client.publishAsync(status, auth.sealStatus(status, encodeMessage(online)), { qos: 1, retain: true });
        clearTimeout(timer);
        resolve();
      } catch (err) {
        clearTimeout(timer);
        reject(err as Error);
      }
    });
  });

  return {
    clientId,
    stats: () => ({ ...stats, unacked: unacked.size }),
    replay(upSizes) {
      replaying = { received: 0, lastReceivedAt: null, published: 0, upSizes };
    },
    replayStats() {
      const { upSizes: _sizes, ...seen } = replaying ?? { received: 0, lastReceivedAt: null, published: 0, upSizes: [] };
      return seen;
    },
    endReplay() {
      const { upSizes: _sizes, ...seen } = replaying ?? { received: 0, lastReceivedAt: null, published: 0, upSizes: [] };
      replaying = undefined;
      return seen;
    },
    reset() {
      stats = {
        dispatches: 0,
        repeatedDispatches: 0,
        firstDispatchAt: null,
        lastDispatchAt: null,
        lastFinishedSentAt: null,
        refused: 0,
        acks: 0,
        resent: 0,
        unacked: unacked.size,
        eventMessages: 0,
        events: 0,
      };
    },
    async stop() {
      clearInterval(resendTimer);
      if (client.connected) {
        const last = clearStatusOnStop ? Buffer.alloc(0) : auth.sealStatus(status, encodeMessage(buildOfflineStatus({ at: Date.now(), reason: 'stopped' })));
        await client.publishAsync(status, last, { qos: 1, retain: true }).catch(() => undefined);
      }
      await client.endAsync();
    },
  };
}
