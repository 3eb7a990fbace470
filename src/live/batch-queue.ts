import type { Logger } from '../runtime/logger';

export interface BatchQueue<T> {
  push(item: T): void;
  /** Resolves once every item pushed so far has been handled. */
  idle(): Promise<void>;
  readonly size: number;
}

/**
 * A serial queue that hands its items to `handle` in batches, in arrival order, one batch at a
 * time. Items pushed in the same tick (one MQTT burst) share a batch, so a fan-out of 2,000
 * agents costs a few database transactions, not 2,000; serial handling keeps one agent's
 * messages in the order the broker delivered them. A batch holds at most `maxBatch` of
 * `sizeOf` (items by default; e.g. events for messages of several events), and at least one
 * item: a backlog is stored in transactions of bounded size, each acknowledged as it commits,
 * rather than in one that grows with the backlog.
 */
export function createBatchQueue<T>({
  handle,
  maxBatch = 500,
  sizeOf,
  logger,
  name,
}: {
  handle: (batch: T[]) => Promise<void>;
  maxBatch?: number;
  sizeOf?: (item: T) => number;
  logger: Logger;
  name: string;
}): BatchQueue<T> {
  let items: T[] = [];
  let running: Promise<void> | undefined;

  /** How many items from the head make the next batch. */
  const cutAt = (all: T[]): number => {
    if (!sizeOf) return Math.min(all.length, maxBatch);
    let total = 0;
    for (let i = 0; i < all.length; i++) {
      total += sizeOf(all[i]);
      if (total > maxBatch) return Math.max(1, i);
    }
    return all.length;
  };

  const drain = async () => {
    // Let the rest of this tick's messages arrive before the first batch is cut.
    await new Promise((resolve) => setImmediate(resolve));
    while (items.length) {
      const cut = cutAt(items);
      const batch = cut === items.length ? items : items.slice(0, cut);
      items = cut === items.length ? [] : items.slice(cut);
      try {
        await handle(batch);
      } catch (err) {
        logger.error({ err, queue: name, items: batch.length }, `${name}: a batch failed`);
      }
    }
  };

  const start = () => {
    running ??= drain().finally(() => {
      running = undefined;
      // An item pushed between the last batch and this callback still needs a drain.
      if (items.length) start();
    });
  };

  return {
    push(item) {
      items.push(item);
      start();
    },
    async idle() {
      while (running) await running;
    },
    get size() {
      return items.length;
    },
  };
}
