import { failed, succeeded, type StepExecutor } from './step-executor';

/** WAIT_FLAG_FILE: polls every `interval` ms until `filePath` (wildcards allowed) exists, up to `timeOut` ms. */
export const waitFlagFile: StepExecutor = async (step, { paths, clock, signal, limits }) => {
  const interval = Math.max(10, step.interval ?? limits.waitIntervalMs);
  const timeout = step.timeOut ?? limits.waitTimeoutMs;
  const start = clock.now().getTime();
  for (;;) {
    const matches = await paths.expand(step.filePath);
    const waited = clock.now().getTime() - start;
    if (matches.length > 0) return succeeded(`${matches[0]} found after ${waited} ms`);
    if (waited >= timeout) return failed(`${step.filePath} did not appear within ${timeout} ms`);
    await clock.sleep(Math.min(interval, timeout - waited), signal);
  }
};
