/**
 * A sorted position index with scikit-allel's `SortedIndex` semantics: the positions of the
 * variants of one contig (non-decreasing; repeats allowed), located by binary search.
 *
 * Values stay in their own typed array (Int32Array, BigInt64Array for int64 POS, ...; plain
 * number arrays become a Float64Array) and are not copied: do not change them afterwards.
 * Keys may be numbers or bigints whatever the values' type (JavaScript compares the two
 * exactly). Masks are Uint8Array of 0/1 (the layout of a bool NDArray).
 *
 * Missing keys and empty ranges throw a {@link KeyNotFoundError} (scikit-allel's KeyError),
 * which `locateRange` also throws for an empty range as scikit-allel does, including when
 * `start > stop` (scikit-allel returns an empty slice there without raising); the
 * `intersect*` methods return an empty index instead, as scikit-allel does.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import type { ZarrArray } from "../array/node.js";
import { dtypeName } from "../format/dtype.js";
import { SelectionError, UnsupportedError } from "../format/errors.js";
import type { ChunkSource } from "../sources/types.js";
import { zarrSource } from "../sources/zarr.js";
import { compute, type ComputeOptions } from "../compute/compute.js";
import { fromSource } from "../compute/lazy.js";
import { decodeHalf, isHalf, type Vec } from "../compute/kernels/values.js";
import type { NumericDType } from "../codecs/elementwise.js";

/** A key (position): a number or a bigint. */
export type Key = number | bigint;

/** The values an index holds: any numeric typed array. */
export type IndexValues = Vec;

/** What {@link sortedIndex} takes: numbers, a numeric typed array (BigInt64Array too) or a 1-d NDArray. */
export type SortedIndexInput = ArrayLike<number> | BigInt64Array | BigUint64Array | NDArray;

/** A half-open index range `[start, stop)`. */
export interface IndexRange {
  start: number;
  stop: number;
}

/** Keys (or ranges) absent from an index: scikit-allel's KeyError. */
export class KeyNotFoundError extends SelectionError {
  /** The keys not found (for ranges, `[start, stop]` pairs). */
  readonly keys: readonly (Key | readonly [Key | undefined, Key | undefined])[];
  constructor(message: string, keys: KeyNotFoundError["keys"], name?: string) {
    super(message, name);
    this.keys = keys;
  }
}

/** Values that are not non-decreasing: `position` is the first value smaller than the one before it. */
export class UnsortedIndexError extends SelectionError {
  readonly position: number;
  constructor(message: string, position: number, name?: string) {
    super(message, name);
    this.position = position;
  }
}

/** A sorted index (see the module notes); build one with {@link sortedIndex} or {@link openSortedIndex}. */
export interface SortedIndex {
  /** The positions, non-decreasing. */
  readonly values: IndexValues;
  readonly length: number;
  /** Names the index in errors. */
  readonly name: string;
  /** True when no value repeats. */
  readonly isUnique: boolean;
  /** Where `key` is: its index, or `{ start, stop }` when it repeats; KeyNotFoundError when absent. */
  locateKey(key: Key): number | IndexRange;
  /**
   * Mask over this index of the values in `keys` (sorted, validated like an index); with
   * `strict` (default true), a KeyNotFoundError listing the keys absent from this index.
   */
  locateKeys(keys: SortedIndex | SortedIndexInput, opts?: { strict?: boolean }): Uint8Array;
  /** Masks of the values of this index found in `other`, and of those of `other` found here. */
  locateIntersection(other: SortedIndex | SortedIndexInput): { loc: Uint8Array; locOther: Uint8Array };
  /** The values of this index also in `other` (repeats kept). */
  intersect(other: SortedIndex | SortedIndexInput): SortedIndex;
  /**
   * Indexes of the values with `start <= value <= stop` (either end open when undefined):
   * `{ start, stop }` half-open; KeyNotFoundError when there are none.
   */
  locateRange(start?: Key, stop?: Key): IndexRange;
  /** The values with `start <= value <= stop` (empty when none): a view, not a copy. */
  intersectRange(start?: Key, stop?: Key): SortedIndex;
  /**
   * Mask of the values inside at least one of the ranges `[starts[k], stops[k]]`
   * (inclusive; ranges in any order, possibly overlapping), and mask of the ranges holding
   * at least one value.
   */
  locateIntersectionRanges(starts: ArrayLike<Key>, stops: ArrayLike<Key>): { loc: Uint8Array; locRanges: Uint8Array };
  /** Mask of the values inside the ranges; with `strict` (default true), KeyNotFoundError listing ranges holding none. */
  locateRanges(starts: ArrayLike<Key>, stops: ArrayLike<Key>, opts?: { strict?: boolean }): Uint8Array;
  /** The values inside the ranges. */
  intersectRanges(starts: ArrayLike<Key>, stops: ArrayLike<Key>): SortedIndex;
}

/** First index whose value is not below `key` (Python's bisect_left). */
export function bisectLeft(v: IndexValues, key: Key): number {
  let lo = 0, hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose value is above `key` (Python's bisect_right). */
export function bisectRight(v: IndexValues, key: Key): number {
  let lo = 0, hi = v.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key < v[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function isNDArray(x: unknown): x is NDArray {
  return typeof x === "object" && x !== null && "data" in x && "shape" in x && "dtype" in x;
}

function isTypedValues(x: unknown): x is IndexValues {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/** The input as a numeric typed array (typed arrays as they are; float16 decoded; plain arrays to float64). */
function valuesOf(x: SortedIndexInput, name: string): IndexValues {
  if (isNDArray(x)) {
    if (x.shape.length !== 1) throw new SelectionError(`an index must be 1-d, got shape [${x.shape.join(", ")}]`, name);
    const dt = x.dtype;
    if (dt.kind !== "int" && dt.kind !== "uint" && dt.kind !== "float") throw new UnsupportedError("index dtype", `${dtypeName(dt)}: an index holds integers or floats`, name);
    // int64 stays BigInt64Array (exact beyond 2^53); float16 is decoded to doubles.
    return isHalf(dt as NumericDType) ? decodeHalf(x.data) : (x.data as IndexValues);
  }
  if (isTypedValues(x)) return x;
  if (typeof x === "object" && x !== null && ("read" in x || "kind" in x)) throw new SelectionError("a chunk source or Zarr array is read with openSortedIndex (async)", name);
  if (typeof x !== "object" || x === null || typeof (x as { length?: unknown }).length !== "number") throw new SelectionError("an index needs an array of numbers", name);
  const arr = x as ArrayLike<unknown>;
  const out = new Float64Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== "number") throw new SelectionError(`value ${i} is ${typeof v === "object" ? String(v) : typeof v}, not a number`, name);
    out[i] = v;
  }
  return out;
}

/** Check `v` is non-decreasing without NaN; returns whether it has no repeats. */
function checkSorted(v: IndexValues, name: string): boolean {
  let unique = true;
  const n = v.length;
  if (n > 0 && v[0] !== v[0]) throw new SelectionError("value 0 is NaN; an index cannot hold NaN", name);
  for (let i = 1; i < n; i++) {
    const a = v[i - 1], b = v[i];
    if (b < a) throw new UnsortedIndexError(`values must be non-decreasing: value ${i} (${String(b)}) is less than value ${i - 1} (${String(a)})`, i, name);
    if (!(a < b)) {
      if (b !== b) throw new SelectionError(`value ${i} is NaN; an index cannot hold NaN`, name);
      unique = false;
    }
  }
  return unique;
}

function checkKey(key: unknown, what: string, name: string): Key {
  if (typeof key === "bigint" || (typeof key === "number" && !Number.isNaN(key))) return key;
  throw new SelectionError(`${what} must be a number or a bigint, got ${typeof key === "number" ? "NaN" : typeof key}`, name);
}

/** Keys of the ranges, validated: two equal-length lists of numbers/bigints. */
function rangeLists(starts: ArrayLike<Key>, stops: ArrayLike<Key>, name: string): { starts: Key[]; stops: Key[] } {
  const list = (x: ArrayLike<Key>, what: string): Key[] => {
    if (typeof x !== "object" || x === null || typeof x.length !== "number") throw new SelectionError(`${what} must be an array of numbers`, name);
    return Array.from(x, (k, i) => checkKey(k, `${what}[${i}]`, name));
  };
  const s = list(starts, "starts"), e = list(stops, "stops");
  if (s.length !== e.length) throw new SelectionError(`starts has ${s.length} values, stops ${e.length}`, name);
  return { starts: s, stops: e };
}

/** A typed array of the same kind as `v` holding the values where `mask` is 1. */
function compressValues(v: IndexValues, mask: Uint8Array): IndexValues {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  const Ctor = v.constructor as new (n: number) => IndexValues;
  const out = new Ctor(n);
  for (let i = 0, k = 0; i < v.length; i++) if (mask[i]) (out as Float64Array)[k++] = (v as Float64Array)[i];
  return out;
}

/** Options of {@link sortedIndex}. */
export interface SortedIndexOptions {
  /** Names the index in errors (default "index"). */
  name?: string;
}

/** True when no value of sorted `v` repeats. */
function hasNoRepeats(v: IndexValues): boolean {
  for (let i = 1; i < v.length; i++) if (!(v[i - 1] < v[i])) return false;
  return true;
}

/** An index over values already checked (views and intersections of an index); `unique` when known. */
function makeIndex(values: IndexValues, name: string, unique?: boolean): SortedIndex {
  let isUnique = unique;
  const asIndex = (x: SortedIndex | SortedIndexInput): SortedIndex =>
    typeof x === "object" && x !== null && "locateKey" in x ? x : sortedIndex(x, { name: `${name} (other)` });

  const self: SortedIndex = {
    values, name,
    get length() { return values.length; },
    // Views and intersections decide it on first use (a slice of a repeating index may not repeat).
    get isUnique() { return (isUnique ??= hasNoRepeats(values)); },
    locateKey(key) {
      const k = checkKey(key, "key", name);
      const start = bisectLeft(values, k), stop = bisectRight(values, k);
      if (stop === start) throw new KeyNotFoundError(`key ${String(k)} is not in the index`, [k], name);
      return stop - start === 1 ? start : { start, stop };
    },
    locateIntersection(other) {
      const w = asIndex(other).values;
      const loc = new Uint8Array(values.length), locOther = new Uint8Array(w.length);
      // One merge over both sorted arrays: runs of equal values are marked on both sides.
      let i = 0, j = 0;
      while (i < values.length && j < w.length) {
        const a = values[i], b = w[j];
        if (a < b) i++;
        else if (b < a) j++;
        else {
          while (i < values.length && !(a < values[i])) loc[i++] = 1;
          while (j < w.length && !(a < w[j])) locOther[j++] = 1;
        }
      }
      return { loc, locOther };
    },
    locateKeys(keys, opts = {}) {
      const other = asIndex(keys);
      const { loc, locOther } = self.locateIntersection(other);
      if (opts.strict ?? true) {
        const missing: Key[] = [];
        for (let j = 0; j < locOther.length; j++) if (!locOther[j]) missing.push(other.values[j]);
        if (missing.length) {
          const shown = missing.slice(0, 10).map(String).join(", ") + (missing.length > 10 ? `, ... (${missing.length} in all)` : "");
          throw new KeyNotFoundError(`keys not in the index: ${shown}`, missing, name);
        }
      }
      return loc;
    },
    intersect(other) {
      return makeIndex(compressValues(values, self.locateKeys(other, { strict: false })), name);
    },
    locateRange(start, stop) {
      const a = start === undefined ? 0 : bisectLeft(values, checkKey(start, "start", name));
      const b = stop === undefined ? values.length : bisectRight(values, checkKey(stop, "stop", name));
      if (b <= a) throw new KeyNotFoundError(`no value in the range [${String(start ?? "start")}, ${String(stop ?? "end")}]`, [[start, stop]], name);
      return { start: a, stop: b };
    },
    intersectRange(start, stop) {
      const a = start === undefined ? 0 : bisectLeft(values, checkKey(start, "start", name));
      const b = stop === undefined ? values.length : bisectRight(values, checkKey(stop, "stop", name));
      return makeIndex(values.subarray(a, Math.max(a, b)), name);
    },
    locateIntersectionRanges(starts, stops) {
      const r = rangeLists(starts, stops, name);
      const locRanges = new Uint8Array(r.starts.length);
      // Coverage by a difference array: +1 where a range's values begin, -1 past their end.
      const diff = new Int32Array(values.length + 1);
      for (let k = 0; k < r.starts.length; k++) {
        const a = bisectLeft(values, r.starts[k]), b = bisectRight(values, r.stops[k]);
        if (a < b) { locRanges[k] = 1; diff[a]++; diff[b]--; }
      }
      const loc = new Uint8Array(values.length);
      for (let i = 0, depth = 0; i < values.length; i++) { depth += diff[i]; loc[i] = depth > 0 ? 1 : 0; }
      return { loc, locRanges };
    },
    locateRanges(starts, stops, opts = {}) {
      const { loc, locRanges } = self.locateIntersectionRanges(starts, stops);
      if (opts.strict ?? true) {
        const empty: [Key, Key][] = [];
        for (let k = 0; k < locRanges.length; k++) if (!locRanges[k]) empty.push([starts[k], stops[k]]);
        if (empty.length) {
          const shown = empty.slice(0, 10).map(([a, b]) => `[${String(a)}, ${String(b)}]`).join(", ") + (empty.length > 10 ? `, ... (${empty.length} in all)` : "");
          throw new KeyNotFoundError(`ranges holding no value: ${shown}`, empty, name);
        }
      }
      return loc;
    },
    intersectRanges(starts, stops) {
      return makeIndex(compressValues(values, self.locateRanges(starts, stops, { strict: false })), name);
    },
  };
  return self;
}

/**
 * A sorted index over positions in memory (non-decreasing; validated in one pass, an
 * {@link UnsortedIndexError} naming the first value out of order otherwise).
 * @example const idx = sortedIndex(pos); const { start, stop } = idx.locateRange(10_000, 20_000);
 */
export function sortedIndex(values: SortedIndexInput, opts: SortedIndexOptions = {}): SortedIndex {
  const name = opts.name ?? "index";
  const v = valuesOf(values, name);
  return makeIndex(v, name, checkSorted(v, name));
}

/**
 * A sorted index over a 1-d chunk source or Zarr array (e.g. `variants/POS`), loaded whole
 * into memory (4 or 8 bytes per variant) with the compute options' pool.
 */
export async function openSortedIndex(source: ChunkSource | ZarrArray, opts: ComputeOptions = {}): Promise<SortedIndex> {
  // Errors name the stored array ("store#variants/POS"), not the lazy wrapper.
  if (typeof source !== "object" || source === null) throw new SelectionError(`openSortedIndex needs a chunk source or Zarr array, got ${source === null ? "null" : typeof source}`);
  const src = "kind" in source && source.kind === "array" ? zarrSource(source) : (source as ChunkSource);
  const name = src.name;
  if (src.shape.length !== 1) throw new SelectionError(`an index must be 1-d, got shape [${src.shape.join(", ")}]`, name);
  const dt = src.dtype;
  if (dt.kind !== "int" && dt.kind !== "uint" && dt.kind !== "float") throw new UnsupportedError("index dtype", `${dtypeName(dt)}: an index holds integers or floats`, name);
  const all = await compute(fromSource(src), opts);
  return sortedIndex(all, { name });
}
