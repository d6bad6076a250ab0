/**
 * Serialising read-modify-write per storage key. Two writers that each read a chunk, change
 * part of it and store it back lose one of the changes unless the second read waits for the
 * first store: a {@link Synchronizer} hands out one lock per key. Writes that cover whole
 * chunks need no read, so they need no lock ("align writes to chunks").
 *
 * {@link keyedMutex} serialises within one process; `fileSynchronizer` (file-synchronizer.ts)
 * across processes that share a file system.
 * @module
 */

/** Releases a held lock. */
export type Release = () => Promise<void>;

/** Hands out exclusive locks by key. */
export interface Synchronizer {
  /** Wait until `key` is free, take it, and return the function that frees it. */
  lock(key: string): Promise<Release>;
}

/**
 * An in-process lock per key: waiters queue in arrival order. Holds memory only for keys
 * currently locked or waited on.
 */
export function keyedMutex(): Synchronizer {
  // key → tail of its queue: resolves when the last holder (or waiter) releases.
  const tails = new Map<string, Promise<void>>();
  return {
    async lock(key) {
      const prev = tails.get(key) ?? Promise.resolve();
      let free!: () => void;
      const mine = new Promise<void>((r) => (free = r));
      const tail = prev.then(() => mine);
      tails.set(key, tail);
      await prev;
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        free();
        // Forget the key once nobody queued behind us.
        if (tails.get(key) === tail) tails.delete(key);
      };
    },
  };
}

/** Run `fn` holding `key` of `sync`. */
export async function withLock<T>(sync: Synchronizer, key: string, fn: () => Promise<T>): Promise<T> {
  const release = await sync.lock(key);
  try {
    return await fn();
  } finally {
    await release();
  }
}
