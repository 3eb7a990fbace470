import type { Clock } from '../../runtime/clock';
import { terminalBar } from './terminal-bar';

/** Step messages carry progress at most this often. */
export const PROGRESS_EVERY_MS = 2_000;

/**
 * Reports bytes done and the rate, at most every PROGRESS_EVERY_MS; with `label`, also on a bar on
 * the agent's terminal when it runs in one (silent otherwise). Call `end()` when the file is done or given up.
 */
export function createProgress(clock: Clock, total: number, say: (text: string) => void, label?: string) {
  const started = clock.now().getTime();
  let last = started;
  const bar = label ? terminalBar(label, total) : undefined;
  return {
    end: () => bar?.stop(),
    update(done: number) {
      const now = clock.now().getTime();
      bar?.update(done, done / Math.max(0.001, (now - started) / 1000));
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      const seconds = Math.max(0.001, (now - started) / 1000);
      const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
      say(`${mib(done)} of ${mib(total)} MiB (${Math.round((done / Math.max(1, total)) * 100)} %), ${mib(done / seconds)} MiB/s`);
    },
  };
}
