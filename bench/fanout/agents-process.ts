import path from 'node:path';
import { silentLogger } from '../../src/runtime/logger';
import { enrol } from '../../src/agent/enrolment';
import { startSimAgent, type ReplayStats, type SimAgent, type SimAgentStats } from './sim-agent';

/** Messages between the bench (parent) and an agents process (child, over IPC). */
export type ToAgents =
  | {
      type: 'start';
      brokerUrl: string;
      clientIds: string[];
      resendAfterMs: number;
      protocolVersion: 4 | 5;
      /** Each agent's state folder is `{stateBase}/{clientId}`. */
      stateBase: string;
      /** BENCH_SECURITY=on: the agents enrol with it and verify and seal as the real agent does. */
      enrolmentToken?: string;
      /**
       * Enrolments at once. Fewer on the Mosquitto of `sdes mosquitto-config`: its
       * `use_username_as_clientid` gives every enrolling client the id `sdes-enrol`, so enrolments
       * at the same time close each other's connection; each gets through on a later connection,
       * where its (retained) answer waits for it (docs/protocol.md 9.1).
       */
      enrolConcurrency?: number;
    }
  | { type: 'stats' }
  | { type: 'reset' }
  /** Broker-only replay (broker-only.ts): the event message sizes each agent answers with; agents not named send none. */
  | { type: 'replay'; upSizes: Record<string, number[]> }
  | { type: 'replay-stats' }
  | { type: 'replay-end' }
  | { type: 'stop' };
export type FromAgents =
  | { type: 'ready'; count: number; ms: number }
  | { type: 'stats'; stats: SimAgentStats; cpuMs: number }
  | { type: 'replaying' }
  | { type: 'replayed'; stats: ReplayStats }
  | { type: 'error'; message: string }
  | { type: 'stopped' };

/** Sums counters, and takes the earliest first and latest last times, over many agents. */
export function mergeStats(all: SimAgentStats[]): SimAgentStats {
  const min = (xs: (number | null)[]) => xs.reduce<number | null>((a, b) => (b === null ? a : a === null ? b : Math.min(a, b)), null);
  const max = (xs: (number | null)[]) => xs.reduce<number | null>((a, b) => (b === null ? a : a === null ? b : Math.max(a, b)), null);
  return {
    dispatches: all.reduce((n, s) => n + s.dispatches, 0),
    repeatedDispatches: all.reduce((n, s) => n + s.repeatedDispatches, 0),
    firstDispatchAt: min(all.map((s) => s.firstDispatchAt)),
    lastDispatchAt: max(all.map((s) => s.lastDispatchAt)),
    lastFinishedSentAt: max(all.map((s) => s.lastFinishedSentAt)),
    refused: all.reduce((n, s) => n + s.refused, 0),
    acks: all.reduce((n, s) => n + s.acks, 0),
    resent: all.reduce((n, s) => n + s.resent, 0),
    unacked: all.reduce((n, s) => n + s.unacked, 0),
    eventMessages: all.reduce((n, s) => n + s.eventMessages, 0),
    events: all.reduce((n, s) => n + s.events, 0),
  };
}

/** Runs `work` on every item, `concurrent` at a time. */
async function inChunks<T, R>(items: T[], concurrent: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += concurrent) results.push(...(await Promise.all(items.slice(i, i + concurrent).map(work))));
  return results;
}

/**
 * Enrols the agents first (with a token), as the real agent does when its state folder has no
 * credential (src/agent/enrolment.ts), then connects them a few dozen at a time: a broker accepts
 * a steady stream better than a 2,000-connection spike. Each agent then finds its credential in
 * its state folder, as a real agent does on its next start.
 */
async function startAll(message: Extract<ToAgents, { type: 'start' }>): Promise<SimAgent[]> {
  const token = message.enrolmentToken;
  const stateDir = (clientId: string) => path.join(message.stateBase, clientId);
  if (token)
    await inChunks(message.clientIds, message.enrolConcurrency ?? 50, (clientId) =>
      enrol({ brokerUrl: message.brokerUrl, clientId, token, stateDir: stateDir(clientId), logger: silentLogger(), protocolVersion: message.protocolVersion }),
    );
  return inChunks(message.clientIds, 50, (clientId) =>
    startSimAgent({
      brokerUrl: message.brokerUrl,
      clientId,
      resendAfterMs: message.resendAfterMs,
      protocolVersion: message.protocolVersion,
      stateDir: stateDir(clientId),
      enrolmentToken: token,
    }),
  );
}

/** CPU time this process used so far (user + system), ms. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return Math.round((user + system) / 1000);
}

function main(): void {
  const send = (m: FromAgents) => process.send!(m);
  let agents: SimAgent[] = [];
  process.on('message', async (m: ToAgents) => {
    try {
      switch (m.type) {
        case 'start': {
          const t0 = Date.now();
          agents = await startAll(m);
          send({ type: 'ready', count: agents.length, ms: Date.now() - t0 });
          break;
        }
        case 'stats':
          send({ type: 'stats', stats: mergeStats(agents.map((a) => a.stats())), cpuMs: cpuMs() });
          break;
        case 'reset':
          for (const a of agents) a.reset();
          send({ type: 'stats', stats: mergeStats(agents.map((a) => a.stats())), cpuMs: cpuMs() });
          break;
        case 'replay':
          for (const a of agents) a.replay(m.upSizes[a.clientId] ?? []);
          send({ type: 'replaying' });
          break;
        case 'replay-stats':
        case 'replay-end': {
          const all = agents.map((a) => (m.type === 'replay-end' ? a.endReplay() : a.replayStats()));
          const last = all.reduce<number | null>((t, s) => (s.lastReceivedAt === null ? t : Math.max(t ?? 0, s.lastReceivedAt)), null);
          send({
            type: 'replayed',
            stats: { received: all.reduce((n, s) => n + s.received, 0), lastReceivedAt: last, published: all.reduce((n, s) => n + s.published, 0) },
          });
          break;
        }
        case 'stop':
          // A few dozen at a time: 2,000 simultaneous goodbyes overflow aedes' emitter stack.
          for (let i = 0; i < agents.length; i += 50) await Promise.all(agents.slice(i, i + 50).map((a) => a.stop()));
          send({ type: 'stopped' });
          process.disconnect();
          break;
      }
    } catch (err) {
      send({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
  // The bench died: do not linger.
  process.on('disconnect', () => setTimeout(() => process.exit(0), 2_000).unref());
}

if (require.main === module) main();
