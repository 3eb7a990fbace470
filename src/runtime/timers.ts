/** Arms a one-shot timer; returns its cancel function. Tests pass their own. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

/** `setTimeout`, unref'd: the HTTP server keeps a gateway alive; a pending timer must not keep a test or a script alive. */
export const unrefSetTimer: SetTimer = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * Runs `work` first after `firstMs`, then `everyMs` after the end of each run, so runs never
 * overlap however long one takes. `work` handles its own errors (a rejection only ends that run).
 * Returns a stop function: nothing more is armed; a run in progress is the caller's to await.
 */
export function repeatAfterEach(setTimer: SetTimer, everyMs: number, work: () => Promise<unknown>, firstMs = everyMs): () => void {
  let stopped = false;
  let cancel: (() => void) | undefined;
  const next = () => {
    if (!stopped) arm(everyMs);
  };
  const arm = (delay: number) => {
    cancel = setTimer(() => {
      cancel = undefined;
      work().then(next, next);
    }, delay);
  };
  arm(firstMs);
  return () => {
    stopped = true;
    cancel?.();
    cancel = undefined;
  };
}
