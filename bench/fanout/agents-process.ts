import { startSimAgent, type SimAgent, type SimAgentStats } from './sim-agent';

/** Messages between the bench (parent) and an agents process (child, over IPC). */
export type ToAgents =
  | { type: 'start'; brokerUrl: string; clientIds: string[]; resendAfterMs: number; protocolVersion: 4 | 5 }
  | { type: 'stats' }
  | { type: 'reset' }
  | { type: 'stop' };
export type FromAgents =
  | { type: 'ready'; count: number; ms: number }
  | { type: 'stats'; stats: SimAgentStats; cpuMs: number }
  | { type: 'error'; message: string }
  | { type: 'stopped' };

/** Sums counters, and takes the earliest first and latest last times, over many agents. */
export function mergeStats(all: SimAgentStats[]): SimAgentStats {
  const min = (xs: (number | null)[]) => xs.reduce<number | null>((a, b) => (b === null ? a : a === null ? b : Math.min(a, b)), null);
  const max = (xs: (number | null)[]) => xs.reduce<number | null>((a, b) => (b === null ? a : a === null ? b : Math.max(a, b)), null);
  return {
    dispatches: all.reduce((n, s) => n + s.dispatches, 0),
    firstDispatchAt: min(all.map((s) => s.firstDispatchAt)),
    lastDispatchAt: max(all.map((s) => s.lastDispatchAt)),
    lastFinishedSentAt: max(all.map((s) => s.lastFinishedSentAt)),
    resent: all.reduce((n, s) => n + s.resent, 0),
    unacked: all.reduce((n, s) => n + s.unacked, 0),
    eventMessages: all.reduce((n, s) => n + s.eventMessages, 0),
    events: all.reduce((n, s) => n + s.events, 0),
  };
}

/** Connects agents a few dozen at a time: a broker accepts a steady stream better than a 2,000-connection spike. */
async function startAll(message: Extract<ToAgents, { type: 'start' }>): Promise<SimAgent[]> {
  const agents: SimAgent[] = [];
  const CONCURRENT = 50;
  for (let i = 0; i < message.clientIds.length; i += CONCURRENT) {
    const chunk = message.clientIds.slice(i, i + CONCURRENT);
    agents.push(
      ...(await Promise.all(
        chunk.map((clientId) =>
          startSimAgent({ brokerUrl: message.brokerUrl, clientId, resendAfterMs: message.resendAfterMs, protocolVersion: message.protocolVersion }),
        ),
      )),
    );
  }
  return agents;
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
