/**
 * An optional cache of decoded chunks, least-recently-used first out, bounded by bytes.
 * Useful when the same chunks are read again and again (small overlapping selections, a
 * viewer panning over an image); a single pass over an array gains nothing from it.
 * Entries are grouped by the stored object they come from (a chunk, or a shard and its
 * inner chunks) so that a write drops exactly what it made stale.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { bytesOf, type DataValues } from "../format/dtype.js";
import { perPlace } from "../stores/place.js";

/** A decoded-chunk cache; share one between arrays and calls as you like. */
export interface ChunkCache {
  /** Capacity in decoded bytes. */
  readonly maxBytes: number;
  /** Decoded bytes held now. */
  bytes(): number;
  /** Lookups that found / missed an entry since creation. */
  stats(): { hits: number; misses: number; entries: number };
  get(object: string, part: string): NDArray | undefined;
  set(object: string, part: string, chunk: NDArray): void;
  /** Drop every entry read from stored object `object` (after it was rewritten or deleted). */
  invalidate(object: string): void;
  clear(): void;
}

interface Entry {
  object: string;
  part: string;
  chunk: NDArray;
  size: number;
}

function sizeOf(chunk: NDArray): number {
  return Array.isArray(chunk.data) ? 0 : bytesOf(chunk.data as Exclude<DataValues, unknown[]>).byteLength;
}

/** Create a cache holding at most `maxBytes` of decoded chunks (variable-length chunks are not cached). */
export function createChunkCache(options: { maxBytes: number }): ChunkCache {
  const maxBytes = options.maxBytes;
  // Insertion order of `lru` is recency order (re-inserted on every hit).
  const lru = new Map<string, Entry>();
  const byObject = new Map<string, Set<string>>();
  let bytes = 0, hits = 0, misses = 0;
  const id = (object: string, part: string) => `${object}\u0000${part}`;
  const drop = (k: string) => {
    const e = lru.get(k);
    if (!e) return;
    lru.delete(k);
    bytes -= e.size;
    const parts = byObject.get(e.object)!;
    parts.delete(k);
    if (parts.size === 0) byObject.delete(e.object);
  };
  return {
    maxBytes,
    bytes: () => bytes,
    stats: () => ({ hits, misses, entries: lru.size }),
    get(object, part) {
      const k = id(object, part);
      const e = lru.get(k);
      if (!e) { misses++; return undefined; }
      hits++;
      lru.delete(k);
      lru.set(k, e);
      return e.chunk;
    },
    set(object, part, chunk) {
      const size = sizeOf(chunk);
      const k = id(object, part);
      drop(k);
      if (Array.isArray(chunk.data) || size > maxBytes) return;
      while (bytes + size > maxBytes) drop(lru.keys().next().value as string);
      lru.set(k, { object, part, chunk, size });
      bytes += size;
      let parts = byObject.get(object);
      if (!parts) byObject.set(object, (parts = new Set()));
      parts.add(k);
    },
    invalidate(object) {
      for (const k of [...(byObject.get(object) ?? [])]) drop(k);
    },
    clear() {
      lru.clear();
      byObject.clear();
      bytes = 0;
    },
  };
}

let nextPlace = 0;
const placeId = perPlace(() => nextPlace++);

/** The cache's name for a stored object: its store's place (see stores/place.ts) and its key. */
export function cacheObjectId(store: { url?: string }, key: string): string {
  return `${placeId(store)}\u0001${key}`;
}
