/**
 * In-memory store: a Map from key to bytes. Values are copied in and out so callers
 * cannot change stored bytes by mutating an array they passed or received.
 * @module
 */
import { checkKey, checkPrefix, resolveRange } from "./keys.js";
import type { ByteRange, Store } from "./types.js";

/** Create an in-memory store, optionally seeded with `initial` key/value pairs (validated, copied). */
export function createMemoryStore(
  initial?: Iterable<readonly [string, Uint8Array]> | Record<string, Uint8Array>,
): Store {
  const data = new Map<string, Uint8Array>();
  const entries =
    initial === undefined ? [] : Symbol.iterator in initial ? initial : Object.entries(initial);
  for (const [k, v] of entries as Iterable<readonly [string, Uint8Array]>) data.set(checkKey(k), v.slice());

  return {
    url: "memory://",
    async get(key: string, range?: ByteRange) {
      const v = data.get(checkKey(key));
      if (v === undefined) return undefined;
      const [start, end] = resolveRange(v.length, range, key);
      return v.slice(start, end);
    },
    async set(key: string, value: Uint8Array) {
      data.set(checkKey(key), value.slice());
    },
    async delete(key: string) {
      data.delete(checkKey(key));
    },
    async *list(prefix: string) {
      checkPrefix(prefix);
      // Snapshot the keys so a caller may set/delete while iterating.
      for (const k of [...data.keys()]) if (k.startsWith(prefix)) yield k;
    },
    async close() {},
  };
}
