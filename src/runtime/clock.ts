import { setTimeout as delay } from 'node:timers/promises';

/**
 * Time as the gateway and the agent see it, injected so tests control it (test/support/clock.ts).
 * Instants are Dates because the entities store Dates; deadline arithmetic uses getTime().
 */
export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => new Date(),
  // node:timers/promises rejects with an AbortError; callers expect the reason they aborted with.
  sleep: (ms, signal) =>
    delay(Math.max(0, ms), undefined, { signal }).catch((error: unknown) => {
      throw signal?.aborted ? signal.reason : error;
    }),
};
