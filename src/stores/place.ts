/**
 * Store identity within this process: two store objects opened on the same directory, zip
 * file or URL are the same place, so locks and caches keyed by place see each other's work.
 * Stores without such a URL (memory stores) are each their own place.
 * @module
 */

/** A value per store place, made on first use; object places are held weakly. */
export function perPlace<T>(make: () => T): (store: { url?: string }) => T {
  const byUrl = new Map<string, T>();
  const byObject = new WeakMap<object, T>();
  return (store) => {
    const u = store.url;
    const named = u !== undefined && u !== "" && !u.startsWith("memory:");
    let v = named ? byUrl.get(u) : byObject.get(store);
    if (v === undefined) {
      v = make();
      if (named) byUrl.set(u, v);
      else byObject.set(store, v);
    }
    return v;
  };
}
