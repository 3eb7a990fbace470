/**
 * The cost of the fleet's security on the fan-out bench (issue 10): runs fanout.ts with
 * BENCH_SECURITY=off, then on, each in a process of its own with a fresh database, broker and
 * fleet, and prints them side by side; times the message authentication itself in this process.
 * Writes bench/results/{BENCH_NAME:-fanout-security}.json and .md.
 *
 *   bench/fanout/run.sh security                                        embedded PGlite + aedes
 *   BENCH_MOSQUITTO=unlimited DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     BENCH_NAME=fanout-security-postgres-mosquitto bench/fanout/run.sh security
 *
 * Every other option of fanout.ts passes through (BENCH_REPEAT, BENCH_MOSQUITTO, DATABASE_URL, ...);
 * BENCH_SIZES defaults to 2000 here.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureMessageAuth, type MessageAuthCosts } from './security-micro';
import type { BenchSecurity } from './security-setup';

interface ModeReport {
  security: BenchSecurity;
  command: string;
  broker: Record<string, unknown>;
  database: string;
  machine: { loadAverageAtStart: number[]; loadAverageAtEnd: number[]; cpus: number; cpuModel?: string; node: string };
  agents: { fleet: number; connectedMs: number; registeredMs: number };
  summary: { n: number; medianEndToEndMs: number; bestEndToEndMs: number; allComplete: boolean }[];
  runs: {
    n: number;
    endToEndMs: number;
    gatewayCpuMs: number;
    agentsCpuMs: number;
    databaseCpuMs: number | null;
    brokerCpuMs: number | null;
    commandsRefused: number;
    eventMessagesPerClient: number;
    acksPerClient: number;
  }[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const medianOrNull = (xs: (number | null)[]) => (xs.every((x) => x !== null) && xs.length ? median(xs as number[]) : null);

async function runMode(security: BenchSecurity, outDir: string, name: string): Promise<ModeReport> {
  const env = {
    ...process.env,
    BENCH_SECURITY: security,
    BENCH_OUT: outDir,
    BENCH_NAME: `${name}-${security}`,
    BENCH_SIZES: process.env.BENCH_SIZES ?? '2000',
  };
  console.log(`\n=== BENCH_SECURITY=${security} ===`);
  const child = spawn(process.execPath, [path.join(__dirname, 'fanout.js')], { env, stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`fanout.js with BENCH_SECURITY=${security} exited with ${code}`);
  return JSON.parse(fs.readFileSync(path.join(outDir, `${name}-${security}.json`), 'utf8')) as ModeReport;
}

/** Per fleet size: the medians of both modes and what changed. */
function compare(off: ModeReport, on: ModeReport) {
  return off.summary.map(({ n }) => {
    const of = (r: ModeReport) => {
      const runs = r.runs.filter((x) => x.n === n);
      return {
        medianEndToEndMs: median(runs.map((x) => x.endToEndMs)),
        bestEndToEndMs: Math.min(...runs.map((x) => x.endToEndMs)),
        gatewayCpuMs: median(runs.map((x) => x.gatewayCpuMs)),
        agentsCpuMs: median(runs.map((x) => x.agentsCpuMs)),
        databaseCpuMs: medianOrNull(runs.map((x) => x.databaseCpuMs)),
        brokerCpuMs: medianOrNull(runs.map((x) => x.brokerCpuMs)),
        acksPerClient: median(runs.map((x) => x.acksPerClient)),
        eventMessagesPerClient: median(runs.map((x) => x.eventMessagesPerClient)),
        commandsRefused: runs.reduce((k, x) => k + x.commandsRefused, 0),
        allComplete: r.summary.find((s) => s.n === n)?.allComplete ?? false,
      };
    };
    const a = of(off);
    const b = of(on);
    const pct = (x: number, y: number) => (x ? Math.round(((y - x) / x) * 1000) / 10 : null);
    return { n, off: a, on: b, endToEndChangePct: pct(a.medianEndToEndMs, b.medianEndToEndMs), gatewayCpuChangePct: pct(a.gatewayCpuMs, b.gatewayCpuMs) };
  });
}

/** What the authentication alone should cost per run of N agents, from the measured per-message costs. */
function expectedCryptoMs(n: number, side: ReturnType<typeof compare>[number]['on'], costs: MessageAuthCosts) {
  const commands = n * (1 + side.acksPerClient);
  const eventMessages = n * side.eventMessagesPerClient;
  return {
    gatewayMs: Math.round((commands * costs.signCommandUs + eventMessages * costs.verifyEventsUs) / 1000),
    agentsMs: Math.round((commands * costs.verifyCommandUs + eventMessages * costs.authenticateEventsUs) / 1000),
  };
}

function markdown(report: {
  date: string;
  command: string;
  off: ModeReport;
  on: ModeReport;
  comparison: ReturnType<typeof compare>;
  costs: MessageAuthCosts;
}): string {
  const { off, on, costs } = report;
  const cpu = (v: number | null) => (v === null ? '-' : `${v} ms`);
  const rows = report.comparison.flatMap((c) => {
    const crypto = expectedCryptoMs(c.n, c.on, costs);
    return [
      `| ${c.n} | off | ${c.off.medianEndToEndMs} ms (best ${c.off.bestEndToEndMs}) | ${c.off.gatewayCpuMs} ms | ${c.off.agentsCpuMs} ms | ${cpu(c.off.brokerCpuMs)} | ${cpu(c.off.databaseCpuMs)} | ${c.off.eventMessagesPerClient} / ${c.off.acksPerClient} | - |`,
      `| ${c.n} | on | ${c.on.medianEndToEndMs} ms (best ${c.on.bestEndToEndMs}), ${c.endToEndChangePct ?? '-'} % | ${c.on.gatewayCpuMs} ms, ${c.gatewayCpuChangePct ?? '-'} % | ${c.on.agentsCpuMs} ms | ${cpu(c.on.brokerCpuMs)} | ${cpu(c.on.databaseCpuMs)} | ${c.on.eventMessagesPerClient} / ${c.on.acksPerClient} | gateway ${crypto.gatewayMs} ms, agents ${crypto.agentsMs} ms |`,
    ];
  });
  return [
    '# Fan-out benchmark: the cost of the fleet security',
    '',
    `${report.date} · \`${report.command}\` · Node ${on.machine.node} · ${on.machine.cpus} CPUs (${on.machine.cpuModel ?? '?'})`,
    '',
    `Load average (1, 5, 15 min): off ${off.machine.loadAverageAtStart.join(' ')} → ${off.machine.loadAverageAtEnd.join(' ')}; on ${on.machine.loadAverageAtStart.join(' ')} → ${on.machine.loadAverageAtEnd.join(' ')}. Broker: ${Object.entries(
      on.broker,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}. Database: ${on.database}.`,
    '',
    '- **off**: anonymous agents (`SDES_ALLOW_UNENROLLED_AGENTS`), commands unsigned, no HMACs, no broker ACL.',
    '- **on**: the agents enrol with a fleet token and connect with their own credentials (the same modules as the real agent: `src/agent/enrolment.ts`, `src/agent/agent-auth.ts`); the broker authenticates them and checks every publish and subscribe against the ACL; every dispatch and ack is signed (Ed25519) and verified by the agent; every status and event batch carries the HMAC-SHA256 of the agent key and is verified by the gateway.',
    '',
    `Fleet set-up, not in the figures: off ${off.agents.registeredMs} ms to ${off.agents.fleet} agents ONLINE; on ${on.agents.registeredMs} ms, enrolment included.`,
    '',
    'End to end = from `GET /v1/jobs/{id}/run` to the last report stored FINAL; CPU = used meanwhile by the gateway process (with the embedded database and broker when they are used), the agents processes, a private Mosquitto and a local PostgreSQL. Medians of the measured runs.',
    '',
    '| N | security | end to end | gateway CPU | agents CPU | Mosquitto CPU | PostgreSQL CPU | event messages / acks per client | signing and HMACs alone (expected from the costs below) |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Message authentication alone, in this process (CPU µs per message, median of ${costs.rounds} rounds of ${costs.perRound}; a dispatch of ${costs.dispatchBytes} bytes, an event batch of ${costs.eventsBytes} bytes):`,
    '',
    '| operation | µs |',
    '| --- | ---: |',
    `| sign a command, KeyObject made once (gateway, as src/fleet/fleet-keys.ts does) | ${costs.signCommandUs} |`,
    `| sign a command, KeyObject made from the PEM for each message (what not to do) | ${costs.signCommandNewKeyUs} |`,
    `| verify a command, KeyObject made once (agent, as src/agent/agent-auth.ts does) | ${costs.verifyCommandUs} |`,
    `| verify a command, KeyObject made for each message (what not to do) | ${costs.verifyCommandNewKeyUs} |`,
    `| HMAC an event batch (agent) | ${costs.authenticateEventsUs} |`,
    `| verify an event batch's HMAC (gateway) | ${costs.verifyEventsUs} |`,
    '',
    `Commands refused by the agents over all runs: ${report.comparison.reduce((k, c) => k + c.on.commandsRefused, 0)} (every one must pass). The machine is shared: compare figures of one run, and mind the load average.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const outDir = path.resolve(process.env.BENCH_OUT ?? 'bench/results');
  const name = process.env.BENCH_NAME || 'fanout-security';
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sdes-bench-security-'));
  try {
    const costs = measureMessageAuth();
    const off = await runMode('off', scratch, name);
    const on = await runMode('on', scratch, name);
    const comparison = compare(off, on);
    const report = {
      date: new Date().toISOString(),
      command:
        `${on.command.replace(/ ?bench\/fanout\/run\.sh$/, '')}${name !== 'fanout-security' ? ` BENCH_NAME=${name}` : ''} bench/fanout/run.sh security`.trim(),
      costs,
      comparison: comparison.map((c) => ({ ...c, expectedCryptoMs: expectedCryptoMs(c.n, c.on, costs) })),
      off,
      on,
    };
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(path.join(outDir, `${name}.md`), markdown({ ...report, comparison }));
    console.log('\nsecurity off vs on (medians):');
    for (const c of comparison)
      console.log(
        `  N=${c.n}: end to end ${c.off.medianEndToEndMs} → ${c.on.medianEndToEndMs} ms (${c.endToEndChangePct} %); gateway CPU ${c.off.gatewayCpuMs} → ${c.on.gatewayCpuMs} ms; agents CPU ${c.off.agentsCpuMs} → ${c.on.agentsCpuMs} ms; broker CPU ${c.off.brokerCpuMs ?? '-'} → ${c.on.brokerCpuMs ?? '-'} ms${c.on.commandsRefused ? `; ${c.on.commandsRefused} COMMANDS REFUSED` : ''}`,
      );
    console.log(
      `  per message: sign ${costs.signCommandUs} µs, verify ${costs.verifyCommandUs} µs (${costs.verifyCommandNewKeyUs} µs with a new KeyObject each time), HMAC ${costs.authenticateEventsUs} µs, HMAC check ${costs.verifyEventsUs} µs`,
    );
    console.log(
      `written: ${path.join(outDir, name)}.json and .md; load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
