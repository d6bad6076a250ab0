/**
 * Counting kernels with tree-combinable partials: `histogramPartial` (numpy `histogram`
 * with fixed bins: combine = add), `bincountPartial` (numpy `bincount`: combine = add,
 * length = the longest) and `uniquePartial` (numpy `unique(return_counts=True)`: sorted
 * values with counts, combine = sorted merge). Blocks are read flat, as numpy does.
 * @module
 */
import { f16round } from "@petamoriken/float16";
import { scalarResultType, type NumericDType } from "../../codecs/elementwise.js";
import type { NDArray } from "../../codecs/types.js";
import { dtypeName, type DataType, type DataValues } from "../../format/dtype.js";
import { size } from "./broadcast.js";
import { DT, KernelError, requireNumeric, sameType } from "./dtypes.js";
import { decodeHalf, encodeHalfInto, isBigType, isHalf, numbersOf, sharedData, type BigVec, type NumVec } from "./values.js";

/** A histogram partial: int64 counts per bin and the bin edges (numpy's `bin_edges`). */
export interface HistogramPartial {
  counts: NDArray;
  edges: NDArray;
}

/** A unique partial: sorted distinct values (the input dtype) and int64 counts. */
export interface UniquePartial {
  values: NDArray;
  counts: NDArray;
}

function checkBlock(op: string, block: NDArray): NumericDType {
  if (typeof block !== "object" || block === null || typeof block.dtype !== "object" || !Array.isArray(block.shape)) throw new KernelError(op, "block must be an NDArray");
  const dt = requireNumeric(block.dtype, op);
  const n = size(block.shape);
  if ((block.data as { length?: number }).length !== n) throw new KernelError(op, `block shape [${block.shape.join(", ")}] holds ${n} elements but the data has ${String((block.data as { length?: number }).length)}`);
  return dt;
}


const rounder = (dt: NumericDType): ((x: number) => number) =>
  dt.kind === "float" && dt.bits === 32 ? Math.fround : dt.kind === "float" && dt.bits === 16 ? f16round : (x) => x;

function int64Of(counts: ArrayLike<number>): BigInt64Array {
  const out = sharedData(DT.int64, counts.length) as BigInt64Array;
  for (let i = 0; i < counts.length; i++) out[i] = BigInt(counts[i]);
  return out;
}

// ---------------------------------------------------------------- histogram

/**
 * Kernel: numpy `histogram` counts of one block, with `bins` equal bins over `range` (numpy's
 * own arithmetic: edges from linspace in the bin dtype, values outside the range and NaN
 * dropped, the last bin closed) or with explicit increasing `edges`.
 */
export function histogramPartial(args: { block: NDArray; bins?: number; range?: [number, number]; edges?: number[] }): HistogramPartial {
  const op = "histogram";
  const dt = checkBlock(op, args.block);
  if (args.edges !== undefined) return histogramEdges(op, args.block.data, dt, args.edges);
  const bins = args.bins, range = args.range;
  if (!Number.isSafeInteger(bins) || (bins as number) < 1) throw new KernelError(op, `bins must be a positive integer, got ${String(bins)}`);
  if (!Array.isArray(range) || range.length !== 2 || !range.every((x) => typeof x === "number")) {
    throw new KernelError(op, "needs range: [lo, hi] with bins (per-block histograms cannot use the data's min and max), or explicit edges");
  }
  let [lo, hi] = range;
  if (lo > hi) throw new KernelError(op, "max must be larger than min in range parameter");
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new KernelError(op, `supplied range of [${lo}, ${hi}] is not finite`);
  if (lo === hi) { lo -= 0.5; hi += 0.5; }
  const n = bins as number;
  // numpy 1.24: bin dtype = result_type(lo, hi, a) with the range as (value-based) Python floats; integers use float64.
  let binType: NumericDType = dt.kind === "float" ? dt : DT.float64;
  binType = scalarResultType(scalarResultType(binType, lo, true), hi, true);
  const R = rounder(binType);
  // linspace(lo, hi, n + 1) in float64, then cast to the bin dtype.
  const step = (hi - lo) / n;
  const edges = new Float64Array(n + 1);
  for (let i = 0; i <= n; i++) edges[i] = step === 0 ? (i / n) * (hi - lo) + lo : i * step + lo;
  edges[n] = hi;
  for (let i = 0; i <= n; i++) edges[i] = R(edges[i]);
  // The keep test compares in result_type(a, edge) of each edge separately.
  const loCmp = rounder(scalarResultType(dt, lo, true))(lo), hiCmp = rounder(scalarResultType(dt, hi, true))(hi);
  const norm = n / (hi - lo);
  // (a - lo) is computed in the bin dtype; "* norm" in result_type(bin dtype, norm), value-based.
  const RN = rounder(scalarResultType(binType, norm, true));
  const loB = R(lo), normB = RN(norm);
  const x = numbersOf(args.block.data, dt);
  const counts = new Float64Array(n);
  for (let i = 0; i < x.length; i++) {
    const v0 = x[i];
    if (!(v0 >= loCmp && v0 <= hiCmp)) continue; // NaN fails both
    const v = R(v0);
    // numpy's estimate, then its one-step corrections against the actual edges.
    let k = Math.trunc(RN(R(v - loB) * normB));
    if (k >= n) k = n - 1;
    if (k < 0) k = 0;
    if (v < edges[k] && k > 0) k--;
    if (k !== n - 1 && v >= edges[k + 1]) k++;
    counts[k]++;
  }
  const e = sharedData(binType, n + 1);
  if (isHalf(binType)) encodeHalfInto(edges, e);
  else (e as Float64Array).set(edges);
  return { counts: { data: int64Of(counts), shape: [n], dtype: DT.int64 }, edges: { data: e, shape: [n + 1], dtype: binType } };
}

function histogramEdges(op: string, data: DataValues, dt: NumericDType, edgesIn: unknown): HistogramPartial {
  if (!Array.isArray(edgesIn) || edgesIn.length < 2 || !edgesIn.every((e) => typeof e === "number" && e === e)) {
    throw new KernelError(op, "edges must be a list of at least two numbers");
  }
  const e = Float64Array.from(edgesIn as number[]);
  for (let i = 0; i + 1 < e.length; i++) if (e[i] > e[i + 1]) throw new KernelError(op, "bins must increase monotonically, when an array");
  const n = e.length - 1;
  const x = numbersOf(data, dt);
  const counts = new Float64Array(n);
  const first = e[0], last = e[n];
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!(v >= first && v <= last)) continue;
    // k = (number of edges <= v) - 1: numpy's searchsorted counts, duplicates included.
    let lo = 0, hi = e.length;
    while (lo < hi) { const m = (lo + hi) >>> 1; if (e[m] <= v) lo = m + 1; else hi = m; }
    counts[Math.min(lo - 1, n - 1)]++;
  }
  const edges = sharedData(DT.float64, e.length) as Float64Array;
  edges.set(e);
  return { counts: { data: int64Of(counts), shape: [n], dtype: DT.int64 }, edges: { data: edges, shape: [n + 1], dtype: DT.float64 } };
}

/** Kernel: add histogram partials made with the same bins. */
export function histogramCombine(args: { parts: HistogramPartial[] }): HistogramPartial {
  const parts = args.parts;
  if (!Array.isArray(parts) || parts.length === 0) throw new KernelError("histogram", "histogramCombine needs at least one partial");
  const n = (parts[0].counts.data as BigInt64Array).length;
  const out = sharedData(DT.int64, n) as BigInt64Array;
  for (const p of parts) {
    const c = p.counts.data as BigInt64Array;
    if (c.length !== n) throw new KernelError("histogram", `partials have ${c.length} and ${n} bins`);
    for (let i = 0; i < n; i++) out[i] += c[i];
  }
  return { counts: { data: out, shape: [n], dtype: DT.int64 }, edges: parts[0].edges };
}

// ---------------------------------------------------------------- bincount

/** Longest bincount result accepted (numpy would try to allocate it; we refuse absurd sizes). */
const MAX_BINS = 2 ** 31;

/** Kernel: numpy `bincount` of one block of non-negative integers (bool, int8..int64, uint8..uint32), at least `minlength` long. */
export function bincountPartial(args: { block: NDArray; minlength?: number }): NDArray {
  const op = "bincount";
  const dt = checkBlock(op, args.block);
  const minlength = args.minlength ?? 0;
  if (!Number.isSafeInteger(minlength) || minlength < 0) throw new KernelError(op, `'minlength' must be a non-negative integer, got ${String(minlength)}`);
  if (dt.kind === "float" || (dt.kind === "uint" && dt.bits === 64)) {
    throw new KernelError(op, `cannot cast ${dtypeName(dt)} data to int64 according to the rule 'safe' (numpy raises TypeError)`);
  }
  const x = numbersOf(args.block.data, dt);
  let max = -1;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < 0) throw new KernelError(op, `the input must have no negative elements (found ${v} at flat index ${i})`);
    if (v > max) max = v;
  }
  const len = Math.max(max + 1, minlength);
  if (len > MAX_BINS) throw new KernelError(op, `result would have ${len} bins (largest value ${max})`);
  const counts = new Float64Array(len);
  for (let i = 0; i < x.length; i++) counts[x[i]]++;
  return { data: int64Of(counts), shape: [len], dtype: DT.int64 };
}

/** Kernel: add bincount partials (the result is as long as the longest). */
export function bincountCombine(args: { parts: NDArray[] }): NDArray {
  const parts = args.parts;
  if (!Array.isArray(parts) || parts.length === 0) throw new KernelError("bincount", "bincountCombine needs at least one partial");
  const len = Math.max(...parts.map((p) => (p.data as BigInt64Array).length));
  const out = sharedData(DT.int64, len) as BigInt64Array;
  for (const p of parts) {
    const c = p.data as BigInt64Array;
    for (let i = 0; i < c.length; i++) out[i] += c[i];
  }
  return { data: out, shape: [len], dtype: DT.int64 };
}

// ---------------------------------------------------------------- unique

/** A sortable copy of the values: typed numbers (float16 as doubles) or BigInts. */
function sortable(data: DataValues, dt: NumericDType): NumVec | BigVec {
  if (isHalf(dt)) return decodeHalf(data);
  return (data as NumVec).slice() as NumVec | BigVec;
}

/** Sorted values with their counts into an UniquePartial of `dt`. NaNs (sorted last) count as one value, as numpy 1.24's `equal_nan`. */
function runsOf(sorted: NumVec | BigVec, counts: ArrayLike<number> | undefined, dt: NumericDType): UniquePartial {
  const s = sorted as NumVec;
  const vals: (number | bigint)[] = [];
  const cnts: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const v = s[i], c = counts ? counts[i] : 1;
    const j = vals.length - 1;
    // === treats -0 and 0 as equal; NaN needs its own test.
    if (j >= 0 && (vals[j] === v || (v !== v && vals[j] !== vals[j]))) cnts[j] += c;
    else { vals.push(v); cnts.push(c); }
  }
  const out = sharedData(dt, vals.length);
  if (isHalf(dt)) encodeHalfInto(vals as number[], out);
  else (out as Float64Array).set(vals as number[]);
  return { values: { data: out, shape: [vals.length], dtype: dt }, counts: { data: int64Of(cnts), shape: [cnts.length], dtype: DT.int64 } };
}

/** Kernel: numpy `unique(block, return_counts=True)`: sorted distinct values and their counts. */
export function uniquePartial(args: { block: NDArray }): UniquePartial {
  const dt = checkBlock("unique", args.block);
  const v = sortable(args.block.data, dt);
  (v as Float64Array).sort(); // typed-array sort: numeric (BigInt arrays too), NaN last
  return runsOf(v, undefined, dt);
}

/** Kernel: merge unique partials (sorted merge, counts added). */
export function uniqueCombine(args: { parts: UniquePartial[] }): UniquePartial {
  const parts = args.parts;
  if (!Array.isArray(parts) || parts.length === 0) throw new KernelError("unique", "uniqueCombine needs at least one partial");
  const dt = requireNumeric(parts[0].values.dtype, "unique");
  for (const p of parts) {
    if (!sameType(p.values.dtype as DataType, dt)) throw new KernelError("unique", `partials have dtypes ${dtypeName(dt)} and ${dtypeName(p.values.dtype)}`);
  }
  const lists = parts.map((p) => ({ v: sortable(p.values.data, dt) as NumVec, c: p.counts.data as BigInt64Array }));
  const total = lists.reduce((n, l) => n + l.v.length, 0);
  // k-way merge by repeated selection of the smallest head (k is small: a combine's fan-in).
  const merged = (isBigType(dt) ? (dt.kind === "int" ? new BigInt64Array(total) : new BigUint64Array(total)) : new Float64Array(total)) as NumVec;
  const counts = new Float64Array(total);
  const heads = lists.map(() => 0);
  const less = (a: number, b: number) => a < b || (b !== b && a === a);
  for (let i = 0; i < total; i++) {
    let best = -1;
    for (let k = 0; k < lists.length; k++) {
      if (heads[k] >= lists[k].v.length) continue;
      if (best < 0 || less(lists[k].v[heads[k]], lists[best].v[heads[best]])) best = k;
    }
    merged[i] = lists[best].v[heads[best]];
    counts[i] = Number(lists[best].c[heads[best]]);
    heads[best]++;
  }
  return runsOf(merged, counts, dt);
}
