import { setTimeout as delay } from 'node:timers/promises';

/** Time as the agent sees it; injected so tests can use a fake clock. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  // node:timers/promises rejects with an AbortError; callers expect the reason they aborted with.
  sleep: (ms, signal) =>
    delay(Math.max(0, ms), undefined, { signal }).catch((error: unknown) => {
      throw signal?.aborted ? signal.reason : error;
    }),
};
