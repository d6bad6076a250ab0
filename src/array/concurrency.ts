/**
 * Bounded concurrency over a (possibly huge, lazily generated) iterable: at most `limit`
 * tasks in flight, items pulled only as slots free up, so memory stays bounded whatever
 * the number of chunks. The first error stops pulling new items and is rethrown after the
 * in-flight tasks settle.
 * @module
 */

/** Run `fn` over `items` with at most `limit` concurrent calls. */
export async function forEachConcurrent<T>(items: Iterable<T> | AsyncIterable<T>, limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const it = (Symbol.asyncIterator in items ? (items as AsyncIterable<T>)[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]()) as AsyncIterator<T> | Iterator<T>;
  let failed: { error: unknown } | undefined;
  const worker = async () => {
    for (;;) {
      if (failed) return;
      const r = await it.next();
      if (r.done) return;
      try {
        await fn(r.value);
      } catch (e) {
        failed ??= { error: e };
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failed) throw failed.error;
}
