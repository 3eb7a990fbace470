import { MultiBar, Presets } from 'cli-progress';

/** One bar per file moving, on the agent's terminal. */
export interface TerminalBar {
  update(done: number, rateBytesPerSecond: number): void;
  stop(): void;
}

const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
/** All bars of this process share one area of the terminal (a delivery may run beside a report's transfer). */
let shared: MultiBar | undefined;
let open = 0;

/**
 * A progress bar for `label` on `stream` (the agent's stderr) when it is a terminal; undefined
 * otherwise (a service, a pipe, CI: logs and step messages carry the progress there).
 */
export function terminalBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): TerminalBar | undefined {
  if (!stream.isTTY || process.env.CI) return undefined;
  shared ??= new MultiBar(
    {
      stream,
      format: '{label} [{bar}] {percentage}% | {done} of {size} MiB | {rate} MiB/s',
      hideCursor: false,
      clearOnComplete: false,
      stopOnComplete: false,
      fps: 5,
    },
    Presets.shades_classic,
  );
  const bar = shared.create(Math.max(1, total), 0, { label, done: mib(0), size: mib(total), rate: '0.0' });
  open += 1;
  let stopped = false;
  return {
    update(done, rate) {
      if (!stopped) bar.update(Math.min(done, total), { done: mib(done), rate: mib(rate) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
      if (--open === 0) {
        shared?.stop();
        shared = undefined;
      }
    },
  };
}
