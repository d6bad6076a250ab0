/**
 * Byte-level helpers of the VCF parser: strings from buffer ranges without Buffer's
 * argument normalisation, and lookups keyed by a byte range so that INFO keys, contigs and
 * FORMAT strings are matched without making a string per record (measured: making those
 * strings was about a sixth of the parse time).
 * @module
 */

type FastBuffer = Buffer & { latin1Slice?: (s: number, e: number) => string; utf8Slice?: (s: number, e: number) => string };
const proto = Buffer.prototype as FastBuffer;

/** b[s..e) as Latin-1 text (for ASCII: IDs, alleles, keys). */
export const latin1: (b: Buffer, s: number, e: number) => string = typeof proto.latin1Slice === "function"
  ? (b, s, e) => (b as FastBuffer).latin1Slice!(s, e)
  : (b, s, e) => b.toString("latin1", s, e);

/** b[s..e) as UTF-8 text (string values may hold any Unicode, VCF 4.3). */
export const utf8: (b: Buffer, s: number, e: number) => string = typeof proto.utf8Slice === "function"
  ? (b, s, e) => (b as FastBuffer).utf8Slice!(s, e)
  : (b, s, e) => b.toString("utf8", s, e);

/** True when b[s..e) equals `key`. */
export function sameBytes(b: Uint8Array, s: number, e: number, key: Uint8Array): boolean {
  if (e - s !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (b[s + i] !== key[i]) return false;
  return true;
}

/** A map from byte strings to values, looked up by a range of a buffer. */
export interface ByteMap<T> {
  get(b: Uint8Array, s: number, e: number): T | undefined;
  set(key: string, value: T): void;
}

function hashBytes(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

/** A new {@link ByteMap}; keys are stored as Latin-1 bytes (as `latin1` reads them). */
export function byteMap<T>(): ByteMap<T> {
  const buckets = new Map<number, { key: Uint8Array; value: T }[]>();
  return {
    get(b, s, e) {
      const bucket = buckets.get(hashBytes(b, s, e));
      if (bucket === undefined) return undefined;
      for (const x of bucket) if (sameBytes(b, s, e, x.key)) return x.value;
      return undefined;
    },
    set(key, value) {
      const k = Buffer.from(key, "latin1");
      const h = hashBytes(k, 0, k.length);
      const bucket = buckets.get(h) ?? [];
      const at = bucket.findIndex((x) => sameBytes(k, 0, k.length, x.key));
      if (at >= 0) bucket[at].value = value;
      else bucket.push({ key: k, value });
      buckets.set(h, bucket);
    },
  };
}
