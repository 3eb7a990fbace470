import fs from 'node:fs';
import path from 'node:path';
import type { Stats } from '../graphql-vs-sql/results';

export interface Delivery extends Stats {
  p50: number;
  p99: number;
  delivered: number;
  expected: number;
}

export interface SubscriptionRun {
  /** When this size was measured (runs of other sizes are kept from earlier runs; older runs lack it). */
  at?: string;
  subscribers: number;
  /** `apart`: each kind of subscriber timed in a phase of its own; `together`: both on the same flips (older runs: together). */
  sides?: 'apart' | 'together';
  /** Plain MQTT subscribers beside them: N, except where the file limit caps it (older runs lack it). */
  mqttSubscribers?: number;
  rounds: number;
  connectMs: number;
  measureMs: number;
  /** Latency from the agent's MQTT publish to each graphql-ws subscriber's `next`. */
  graphql: Delivery;
  /** Latency from the same publish to each plain MQTT subscriber of the status topic. */
  mqtt: Delivery;
  /** CPU time of the measured flips divided by their number: the gateway's process (with the agent, and aedes when embedded) and each subscribers' process (older runs lack it). */
  cpuMsPerFlip?: { gateway: number; graphqlSubscribers: number; mqttSubscribers: number };
  loadAverageBefore: number[];
  loadAverageAfter: number[];
}

export interface SubscriptionEntry {
  database: 'embedded' | 'external';
  /** The MQTT broker: embedded aedes in the gateway's process, or an external one (MQTT_URL); older runs lack it (embedded). */
  broker?: 'embedded' | 'external';
  at: string;
  node: string;
  cpus: number;
  cpuModel: string;
  subscription: string;
  runs: SubscriptionRun[];
}

function markdown(entries: SubscriptionEntry[]): string {
  const lines = [
    '# Subscription fan-out',
    '',
    "An agent's status flips ONLINE/OFFLINE over MQTT (QoS 1, retained); N graphql-ws subscribers of",
    '`clientStatusChanged` (one socket each, the admin session, in one process) and N plain MQTT',
    'subscribers of the same status topic (in another process) time it from just before the publish',
    'to their receipt. The broker is the embedded aedes (in the gateway process, so its fan-out to the',
    "MQTT subscribers shares the gateway's event loop) or an external one (MQTT_URL). CPU per flip is",
    "the measured flips' CPU time over their number, per process. Sides: `apart` times the GraphQL",
    'subscribers in one phase and the MQTT ones in the next (same gateway, broker and agent), so each has',
    'the two cores to itself; `together` times both kinds on the same flips. Written by `bench/subscriptions/run.sh`;',
    'the latest run per database and broker. Target (issue 12): GraphQL p99 < 50 ms at 1,000 subscribers,',
    'every event delivered.',
    '',
    '| database | broker | sides | N (GraphQL) | N (MQTT) | flips | GraphQL p50 | GraphQL p99 | GraphQL max | GraphQL delivered | MQTT p50 | MQTT p99 | MQTT delivered | CPU per flip: gateway / GraphQL subs / MQTT subs | load avg (1 min) before → after | when |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const e of entries)
    for (const r of e.runs)
      lines.push(
        `| ${e.database === 'embedded' ? 'embedded PGlite' : 'PostgreSQL'} | ${e.broker === 'external' ? 'external' : 'embedded aedes'} | ${r.sides ?? 'together'} | ${r.subscribers} | ${r.mqttSubscribers ?? r.subscribers} | ${r.rounds} | ${r.graphql.p50.toFixed(1)} ms | **${r.graphql.p99.toFixed(1)} ms** | ${r.graphql.max.toFixed(1)} ms | ${r.graphql.delivered}/${r.graphql.expected} | ${r.mqttSubscribers === 0 ? '— | — | —' : `${r.mqtt.p50.toFixed(1)} ms | ${r.mqtt.p99.toFixed(1)} ms | ${r.mqtt.delivered}/${r.mqtt.expected}`} | ${r.cpuMsPerFlip ? `${r.cpuMsPerFlip.gateway} / ${r.cpuMsPerFlip.graphqlSubscribers} / ${r.cpuMsPerFlip.mqttSubscribers} ms` : '—'} | ${r.loadAverageBefore[0]} → ${r.loadAverageAfter[0]} (${e.cpus} CPUs) | ${r.at ?? e.at} |`,
      );
  if (entries[0]) lines.push('', '```graphql', entries[0].subscription, '```');
  return `${lines.join('\n')}\n`;
}

/** Keeps one entry per database kind and broker in `<dir>/subscriptions.json` and renders `.md`; returns the paths. */
export function writeSubscriptionResults(dir: string, entry: SubscriptionEntry): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const jsonPath = path.join(dir, 'subscriptions.json');
  let entries: SubscriptionEntry[] = [];
  try {
    entries = (JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as { entries: SubscriptionEntry[] }).entries ?? [];
  } catch {
    entries = [];
  }
  // A run of other sizes keeps the sizes it did not measure (10,000 takes minutes: run it alone).
  const same = (x: SubscriptionEntry) => x.database === entry.database && (x.broker ?? 'embedded') === (entry.broker ?? 'embedded');
  const previous = entries.find(same)?.runs ?? [];
  const sizes = new Set(entry.runs.map((r) => r.subscribers));
  const merged = { ...entry, runs: [...previous.filter((r) => !sizes.has(r.subscribers)), ...entry.runs].sort((a, b) => a.subscribers - b.subscribers) };
  entries = [...entries.filter((x) => !same(x)), merged].sort(
    (a, b) => a.database.localeCompare(b.database) || (a.broker ?? 'embedded').localeCompare(b.broker ?? 'embedded'),
  );
  fs.writeFileSync(jsonPath, `${JSON.stringify({ benchmark: 'subscriptions', target: { graphqlP99MsAt1000: 50 }, entries }, null, 2)}\n`);
  const mdPath = path.join(dir, 'subscriptions.md');
  fs.writeFileSync(mdPath, markdown(entries));
  return [jsonPath, mdPath];
}
