import fs from 'node:fs';

/*
 * CPU time and resident memory of the processes a transfer goes through (this process, which is
 * the gateway; the agent processes; the broker when it runs on this machine). On a shared machine
 * the wall-clock figures move with the load; CPU seconds per MiB moved is the steadier figure.
 */

const MB = 1024 * 1024;
/** Clock ticks per second of /proc/{pid}/stat (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; this process when `pid` is undefined. */
export function cpuSeconds(pid?: number): number {
  if (pid === undefined) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
  try {
    // Fields after the command name (which may hold spaces, so split after its closing parenthesis): utime is the 12th, stime the 13th.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** Resident memory in MiB now; this process when `pid` is undefined. */
export function rssMiB(pid?: number): number {
  if (pid === undefined) return process.memoryUsage.rss() / MB;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

/** The pid of the only process named `name` on this machine (the broker behind MQTT_URL), else undefined. */
export function onlyProcessNamed(name: string): number | undefined {
  const found = fs.readdirSync('/proc').filter((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      return fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name;
    } catch {
      return false;
    }
  });
  return found.length === 1 ? Number(found[0]) : undefined;
}

export interface Meter {
  /** CPU seconds each watched process used since the meter started, by label. */
  cpu(): Record<string, number>;
  /** Highest resident memory sampled for each watched process (MiB), by label. */
  peakRss(): Record<string, number>;
  stop(): void;
}

/** Watches processes (label → pid; undefined is this process) from now: CPU used, RSS sampled every `everyMs`. */
export function startMeter(processes: Record<string, number | undefined>, everyMs = 200): Meter {
  const labels = Object.keys(processes);
  const startCpu = Object.fromEntries(labels.map((l) => [l, cpuSeconds(processes[l])]));
  const peak: Record<string, number> = Object.fromEntries(labels.map((l) => [l, rssMiB(processes[l])]));
  const sample = () => {
    for (const l of labels) peak[l] = Math.max(peak[l], rssMiB(processes[l]) || 0);
  };
  const timer = setInterval(sample, everyMs);
  return {
    cpu: () => Object.fromEntries(labels.map((l) => [l, cpuSeconds(processes[l]) - startCpu[l]])),
    peakRss: () => (sample(), Object.fromEntries(labels.map((l) => [l, Math.round(peak[l])]))),
    stop: () => clearInterval(timer),
  };
}

/** `gateway 1.23 s (12.3 ms/MiB), hq …`: CPU seconds and milliseconds per MiB moved. */
export function formatCpu(cpu: Record<string, number>, mib: number): string {
  return Object.entries(cpu)
    .filter(([, s]) => Number.isFinite(s))
    .map(([label, s]) => `${label} ${s.toFixed(2)} s (${((s * 1000) / mib).toFixed(1)} ms/MiB)`)
    .join(', ');
}
