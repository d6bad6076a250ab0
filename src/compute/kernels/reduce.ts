/**
 * Reduction kernels for tree reductions: `reducePartial` reduces one block to a small
 * partial result (plain data: named NDArray fields with the block's shape and the reduced
 * axes set to 1), `reduceCombine` merges partials of neighbouring blocks (associative, any
 * fan-in), `reduceFinalize` turns a partial into numpy's result. `reduceBlock` does all
 * three for one block; `reduceAll` drives the whole protocol over a blocked array (the
 * reference the tests and the scheduler follow).
 *
 * Partials are exact where numpy is exact: integer sums accumulate 16-bit limbs in doubles
 * (no BigInt per element) and wrap modulo 2^64 like numpy's int64/uint64 sums; float sums
 * accumulate in float64 and round to the result type once at the end (numpy's pairwise
 * float32 sum is within its own rounding of that); var/std keep count/mean/M2 and combine
 * with Chan et al.'s parallel formula. Arg ops keep the value and the global index (C order
 * over the reduced axes of the whole array) of the first occurrence.
 * @module
 */
import type { NumericDType } from "../../codecs/elementwise.js";
import type { NDArray } from "../../codecs/types.js";
import { dtypeName, type DataType, type DataValues } from "../../format/dtype.js";
import { cStrides, checkShape, coalesce, forEachRun, size, type Walk } from "./broadcast.js";
import { byRowPieces, wasmKernel } from "../../runtime/wasm.js";
import { WASM_BASE64 as SUM_ROWS_WASM } from "./wasm/sum-rows-wasm.js";
import { DT, KernelError, requireNumeric } from "./dtypes.js";
import { halfBits, isBigType, isHalf, numbersOf, sharedData, toShared, type BigVec, type NumVec, type Vec } from "./values.js";

/** Reductions. `count` counts non-NaN elements; the `nan*` ops ignore NaN. */
export type ReduceOp =
  | "sum" | "prod" | "min" | "max" | "mean" | "var" | "std" | "argmin" | "argmax" | "any" | "all" | "count" | "countNonzero"
  | "nansum" | "nanprod" | "nanmin" | "nanmax" | "nanmean" | "nanvar" | "nanstd" | "nanargmin" | "nanargmax";

/** Every reduction, for validation and tests. */
export const REDUCE_OPS: readonly ReduceOp[] = [
  "sum", "prod", "min", "max", "mean", "var", "std", "argmin", "argmax", "any", "all", "count", "countNonzero",
  "nansum", "nanprod", "nanmin", "nanmax", "nanmean", "nanvar", "nanstd", "nanargmin", "nanargmax",
];

/** A partial reduction: plain data, every field shaped like the block with the reduced axes set to 1. */
export interface Partial {
  op: ReduceOp;
  /** The input dtype (decides the finalized dtype). */
  dtype: DataType;
  fields: Record<string, NDArray>;
}

type Family = "sum" | "prod" | "minmax" | "mean" | "var" | "arg" | "any" | "all" | "count";

function familyOf(op: ReduceOp): Family {
  switch (op) {
    case "sum": case "nansum": return "sum";
    case "prod": case "nanprod": return "prod";
    case "min": case "max": case "nanmin": case "nanmax": return "minmax";
    case "mean": case "nanmean": return "mean";
    case "var": case "std": case "nanvar": case "nanstd": return "var";
    case "argmin": case "argmax": case "nanargmin": case "nanargmax": return "arg";
    case "any": return "any";
    case "all": return "all";
    case "count": case "countNonzero": return "count";
  }
}

const skipsNaN = (op: ReduceOp): boolean => op.startsWith("nan");
const isMax = (op: ReduceOp): boolean => op.endsWith("max");
const isIntegral = (dt: NumericDType): boolean => dt.kind !== "float";

function checkOp(op: unknown): ReduceOp {
  if (typeof op !== "string" || !(REDUCE_OPS as readonly string[]).includes(op)) {
    throw new KernelError(String(op), `unknown reduction (expected one of ${REDUCE_OPS.join(", ")})`);
  }
  return op as ReduceOp;
}

/** The integer accumulator of sum/prod: int64 for bool and signed, uint64 for unsigned (numpy on 64-bit Linux). */
const intAccumulator = (dt: NumericDType): NumericDType => (dt.kind === "uint" ? DT.uint64 : DT.int64);

/** numpy's result dtype of reduction `op` over `dtype`. */
export function reduceResultType(op: ReduceOp, dtype: DataType): DataType {
  const dt = requireNumeric(dtype, checkOp(op));
  switch (familyOf(op)) {
    case "sum": case "prod": return isIntegral(dt) ? intAccumulator(dt) : dt;
    case "minmax": return dt;
    case "mean": case "var": return isIntegral(dt) ? DT.float64 : dt;
    case "arg": case "count": return DT.int64;
    case "any": case "all": return DT.bool;
  }
}

// ---------------------------------------------------------------- geometry

/** How one block maps onto its output cells. */
interface Geometry {
  shape: number[];
  outShape: number[];
  cells: number;
  /** Elements reduced into each cell. */
  perCell: number;
  walk: Walk;
  /** Global flat index (C order over the reduced axes of the whole array) of the block's first element. */
  g0: number;
}

function normalizeAxes(op: string, axes: unknown, rank: number): number[] {
  if (axes === undefined || axes === null) return [...Array(rank).keys()];
  if (!Array.isArray(axes) || !axes.every((a) => Number.isInteger(a))) throw new KernelError(op, `axes must be a list of integers, got ${JSON.stringify(axes)}`);
  const out = (axes as number[]).map((a) => (a < 0 ? a + rank : a));
  for (const [i, a] of out.entries()) {
    if (a < 0 || a >= rank) throw new KernelError(op, `axis ${(axes as number[])[i]} is out of range for ${rank} dimensions`);
  }
  if (new Set(out).size !== out.length) throw new KernelError(op, `repeated axis in [${(axes as number[]).join(", ")}]`);
  return out.sort((x, y) => x - y);
}

function geometry(op: string, shape: number[], axes: number[], offsets?: number[], global?: number[]): Geometry {
  const rank = shape.length;
  const reduced = shape.map((_, d) => axes.includes(d));
  const outShape = shape.map((n, d) => (reduced[d] ? 1 : n));
  const gshape = global ?? shape;
  const off = offsets ?? new Array<number>(rank).fill(0);
  if (gshape.length !== rank || off.length !== rank) throw new KernelError(op, `offsets and shape must have ${rank} entries`);
  for (let d = 0; d < rank; d++) {
    if (!Number.isSafeInteger(off[d]) || off[d] < 0 || off[d] + shape[d] > gshape[d]) {
      throw new KernelError(op, `block [${shape.join(", ")}] at [${off.join(", ")}] does not fit the array shape [${gshape.join(", ")}]`);
    }
  }
  const gReduced = cStrides(axes.map((d) => gshape[d]));
  const gStrides = shape.map((_, d) => (reduced[d] ? gReduced[axes.indexOf(d)] : 0));
  const outStrides = cStrides(outShape).map((s, d) => (reduced[d] ? 0 : s));
  const walk = coalesce(shape, [cStrides(shape), outStrides, gStrides]);
  let g0 = 0;
  for (let d = 0; d < rank; d++) g0 += off[d] * gStrides[d];
  return { shape, outShape, cells: size(outShape), perCell: axes.reduce((p, d) => p * shape[d], 1), walk, g0 };
}

/** A run of the walk: input elements [i0, i0+n) go to cell o0 (so = 0) or cells o0.. (so = 1); element k has global index g0 + k·gs. */
type Visit = (i0: number, n: number, o0: number, so: number, g0: number, gs: number) => void;

function walkBlock(geo: Geometry, visit: Visit): void {
  forEachRun(geo.walk, [0, 0, geo.g0], (off, n, st) => visit(off[0], n, off[1], st[1], off[2], st[2]));
}

// ---------------------------------------------------------------- value access


/** Values for exact comparison: numbers, or the BigInt arrays themselves (typed as NumVec: the comparison code is the same). */
function comparableOf(data: DataValues, dt: NumericDType): NumVec {
  return isBigType(dt) ? (data as unknown as NumVec) : numbersOf(data, dt);
}

const field = (dt: NumericDType, data: DataValues, shape: number[]): NDArray => ({ data, shape: shape.slice(), dtype: dt });

// ---------------------------------------------------------------- accumulators

/**
 * Exact integer sums per cell as BigInts (not wrapped). Values are split into 16-bit limbs
 * summed in doubles: a limb sum stays below 2^48 for any block a typed array can hold.
 */
function intSums(geo: Geometry, data: DataValues, dt: NumericDType): bigint[] {
  return bigintsOf(limbSums(geo, data, dt));
}

/** Limb sums (see {@link limbSums}) → one BigInt per cell. */
function bigintsOf(acc: Float64Array[]): bigint[] {
  const [a0, a1, a2, a3] = acc;
  const out = new Array<bigint>(a0.length);
  for (let c = 0; c < a0.length; c++) {
    let t = BigInt(a0[c]);
    if (acc.length >= 2) t += BigInt(a1[c]) << 16n;
    if (acc.length === 4) t += (BigInt(a2[c]) << 32n) + (BigInt(a3[c]) << 48n);
    out[c] = t;
  }
  return out;
}

/**
 * Integer sums per cell into int64/uint64 `v`. Types of up to 16 bits sum exactly in one
 * double per cell (below 2^53), stored as two 32-bit halves: no BigInt per cell.
 */
function intSumsInto(geo: Geometry, data: DataValues, dt: NumericDType, v: BigVec): void {
  const acc = limbSums(geo, data, dt);
  if (acc.length > 1) {
    const sums = bigintsOf(acc);
    for (let c = 0; c < sums.length; c++) v[c] = sums[c]; // the store wraps modulo 2^64, as numpy's sum does
    return;
  }
  const [a0] = acc;
  const w = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
  for (let c = 0; c < geo.cells; c++) {
    const hi = Math.floor(a0[c] / 4294967296);
    w[2 * c] = a0[c] - hi * 4294967296;
    w[2 * c + 1] = hi;
  }
}

/** Per-cell sums of 16-bit limbs of the values (1, 2 or 4 limbs by type width), each exact in a double. */
function limbSums(geo: Geometry, data: DataValues, dt: NumericDType): Float64Array[] {
  const cells = geo.cells;
  const limbs = dt.kind === "bool" || dt.bits <= 16 ? 1 : dt.bits === 32 ? 2 : 4;
  const acc = Array.from({ length: limbs }, () => new Float64Array(cells));
  const [a0, a1, a2, a3] = acc;
  const signed = dt.kind === "int";
  const simd = limbs === 1 && (dt.kind === "bool" || dt.bits === 8) ? wasmRowSums(geo, data as NumVec, dt.kind === "int") : undefined;
  if (simd) a0.set(simd);
  else if (limbs === 1) {
    const x = data as NumVec;
    // Runs into one cell add in int32 registers (faster than doubles), in pieces short enough not to overflow.
    const small = dt.kind === "bool" || dt.bits === 8;
    const piece = small ? 1 << 21 : 1 << 13;
    // Runs spread over cells (so = 1) of 8-bit data add into int32 cells too, moved to the doubles
    // before any cell could overflow (each run adds at most one value per cell).
    const row32 = small ? new Int32Array(cells) : undefined;
    let rows = 0;
    const flush = () => {
      if (!row32) return;
      for (let c = 0; c < cells; c++) a0[c] += row32[c];
      row32.fill(0);
      rows = 0;
    };
    walkBlock(geo, (i0, n, o0, so) => {
      if (so === 0) {
        for (let p = 0; p < n; p += piece) {
          const end = i0 + Math.min(n, p + piece);
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          let i = i0 + p;
          for (; i + 3 < end; i += 4) { s0 = (s0 + x[i]) | 0; s1 = (s1 + x[i + 1]) | 0; s2 = (s2 + x[i + 2]) | 0; s3 = (s3 + x[i + 3]) | 0; }
          for (; i < end; i++) s0 = (s0 + x[i]) | 0;
          a0[o0] += s0 + s1 + s2 + s3;
        }
      } else if (row32) {
        if (++rows === ROWS_8BIT) flush();
        for (let k = 0; k < n; k++) row32[o0 + k] = (row32[o0 + k] + x[i0 + k]) | 0;
      } else for (let k = 0; k < n; k++) a0[o0 + k] += x[i0 + k];
    });
    flush();
  } else if (limbs === 2) {
    const x = data as NumVec;
    walkBlock(geo, (i0, n, o0, so) => {
      for (let k = 0; k < n; k++) {
        const v = x[i0 + k], o = o0 + k * so;
        a0[o] += v & 0xffff;
        a1[o] += signed ? v >> 16 : v >>> 16;
      }
    });
  } else {
    const b = data as BigVec;
    const w = new Int32Array(b.buffer, b.byteOffset, b.length * 2);
    walkBlock(geo, (i0, n, o0, so) => {
      for (let k = 0; k < n; k++) {
        const lo = w[2 * (i0 + k)], hi = w[2 * (i0 + k) + 1], o = o0 + k * so;
        a0[o] += lo & 0xffff;
        a1[o] += lo >>> 16;
        a2[o] += hi & 0xffff;
        a3[o] += signed ? hi >> 16 : hi >>> 16;
      }
    });
  }
  return acc;
}

/**
 * True when each output cell reduces one contiguous run of the block, cells in order (the
 * reduced axes are the block's trailing axes, ignoring axes of extent 1): the block is then
 * `cells` rows of `perCell` elements.
 */
function isRows(geo: Geometry): boolean {
  let reducedSeen = false;
  for (let d = 0; d < geo.shape.length; d++) {
    if (geo.shape[d] <= 1) continue;
    if (geo.outShape[d] === 1) reducedSeen = true;
    else if (reducedSeen) return false;
  }
  return true;
}

/** Rows shorter than this sum in int32 inside the SIMD kernel without overflow (255 × 2^23 < 2^31). */
const SIMD_ROW_LIMIT = 2 ** 23;

/** Per-cell sums of 8-bit data in rows layout through WebAssembly SIMD, or undefined when it does not apply. */
function wasmRowSums(geo: Geometry, x: NumVec, signed: boolean): Float64Array | undefined {
  if (!isRows(geo) || geo.perCell >= SIMD_ROW_LIMIT || geo.cells === 0 || geo.perCell === 0) return undefined;
  const k = wasmKernel(SUM_ROWS_WASM);
  if (!k) return undefined;
  const sumRows = k.exports.sumRows as (inPtr: number, rows: number, rowBytes: number, outPtr: number, signed: number) => void;
  const sums = new Float64Array(geo.cells);
  const bytes = new Uint8Array(x.buffer, x.byteOffset, x.length);
  byRowPieces(k, bytes, 0, geo.cells, geo.perCell, 1, (inPtr, n, outPtr) => sumRows(inPtr, n, geo.perCell, outPtr, signed ? 1 : 0), (r0, n, out) => {
    for (let r = 0; r < n; r++) sums[r0 + r] = out[r];
  });
  return sums;
}

/** Runs of 8-bit values (|x| <= 255) an int32 cell can take without overflow. */
const ROWS_8BIT = 1 << 23;

/** Float sums (and non-NaN counts when skipping NaN) per cell. */
function floatSums(geo: Geometry, x: NumVec, skipNaN: boolean): { sum: Float64Array; count: Float64Array } {
  const sum = new Float64Array(geo.cells), count = new Float64Array(geo.cells);
  walkBlock(geo, (i0, n, o0, so) => {
    if (!skipNaN) {
      if (so === 0) {
        let s = 0;
        for (let k = 0; k < n; k++) s += x[i0 + k];
        sum[o0] += s;
        count[o0] += n;
      } else for (let k = 0; k < n; k++) { sum[o0 + k] += x[i0 + k]; count[o0 + k] += 1; }
      return;
    }
    if (so === 0) {
      let s = 0, c = 0;
      for (let k = 0; k < n; k++) { const v = x[i0 + k]; if (v === v) { s += v; c++; } }
      sum[o0] += s;
      count[o0] += c;
    } else for (let k = 0; k < n; k++) { const v = x[i0 + k]; if (v === v) { sum[o0 + k] += v; count[o0 + k] += 1; } }
  });
  return { sum, count };
}

/** Sum of squared deviations from each cell's mean. */
function sumSquares(geo: Geometry, x: NumVec, mean: Float64Array, skipNaN: boolean): Float64Array {
  const m2 = new Float64Array(geo.cells);
  walkBlock(geo, (i0, n, o0, so) => {
    for (let k = 0; k < n; k++) {
      const o = o0 + k * so;
      const d = x[i0 + k] - mean[o];
      if (!skipNaN || d === d) m2[o] += d * d;
    }
  });
  return m2;
}

function partialOf(op: ReduceOp, dtype: NumericDType, fields: Record<string, NDArray>): Partial {
  return { op, dtype, fields };
}

/**
 * Kernel: reduce one block over `axes` (default all) to a {@link Partial}. For arg ops,
 * `offsets` (the block's start in the whole array) and `shape` (the whole array's shape)
 * make the kept indexes global; they default to a block that is the whole array.
 */
export function reducePartial(args: { op: ReduceOp; block: NDArray; axes?: number[]; offsets?: number[]; shape?: number[] }): Partial {
  const op = checkOp(args.op);
  const block = args.block;
  if (typeof block !== "object" || block === null || typeof block.dtype !== "object") throw new KernelError(op, "block must be an NDArray");
  const dt = requireNumeric(block.dtype, op);
  const shape = checkShape(block.shape, op, "block shape");
  const n = size(shape);
  if ((block.data as { length?: number }).length !== n) throw new KernelError(op, `block shape [${shape.join(", ")}] holds ${n} elements but the data has ${String((block.data as { length?: number }).length)}`);
  const axes = normalizeAxes(op, args.axes, shape.length);
  const geo = geometry(op, shape, axes, args.offsets === undefined ? undefined : checkShape(args.offsets, op, "offsets"), args.shape === undefined ? undefined : checkShape(args.shape, op, "shape"));
  const out = geo.outShape;
  const family = familyOf(op);
  const skip = skipsNaN(op) && dt.kind === "float";
  if ((family === "minmax" || (family === "arg" && !skipsNaN(op))) && geo.perCell === 0 && geo.cells > 0) {
    throw new KernelError(op, `zero-size array to reduction operation ${op} which has no identity`);
  }
  switch (family) {
    case "sum": {
      if (isIntegral(dt)) {
        const acc = intAccumulator(dt);
        const v = sharedData(acc, geo.cells) as BigVec;
        intSumsInto(geo, block.data, dt, v);
        return partialOf(op, dt, { value: field(acc, v, out) });
      }
      const { sum } = floatSums(geo, numbersOf(block.data, dt), skip);
      return partialOf(op, dt, { value: field(DT.float64, toShared(sum, DT.float64), out) });
    }
    case "prod": return partialOf(op, dt, { value: prodField(geo, block.data, dt, skip) });
    case "minmax": return partialOf(op, dt, { value: minMaxField(geo, block.data, dt, isMax(op), skip) });
    case "mean": {
      let sum: Float64Array, count: Float64Array;
      if (isIntegral(dt)) {
        const sums = intSums(geo, block.data, dt);
        sum = new Float64Array(geo.cells).map((_, c) => Number(sums[c]));
        count = new Float64Array(geo.cells).fill(geo.perCell);
      } else ({ sum, count } = floatSums(geo, numbersOf(block.data, dt), skip));
      return partialOf(op, dt, { sum: field(DT.float64, toShared(sum, DT.float64), out), count: field(DT.float64, toShared(count, DT.float64), out) });
    }
    case "var": {
      const x = numbersOf(block.data, dt);
      const { sum, count } = floatSums(geo, x, skip);
      const mean = sum.map((s, c) => (count[c] > 0 ? s / count[c] : 0));
      const m2 = sumSquares(geo, x, mean, skip);
      return partialOf(op, dt, {
        count: field(DT.float64, toShared(count, DT.float64), out),
        mean: field(DT.float64, toShared(mean, DT.float64), out),
        m2: field(DT.float64, toShared(m2, DT.float64), out),
      });
    }
    case "arg": return partialOf(op, dt, argFields(geo, block.data, dt, isMax(op), skip));
    case "any": case "all": {
      const x = comparableOf(block.data, dt);
      const any = family === "any";
      const v = sharedData(DT.bool, geo.cells) as Uint8Array;
      if (!any) v.fill(1);
      walkBlock(geo, (i0, n, o0, so) => {
        // Loose != / == compare bigints with 0 too; NaN is true.
        if (any) { for (let k = 0; k < n; k++) if (x[i0 + k] != 0) v[o0 + k * so] = 1; }
        else for (let k = 0; k < n; k++) if (x[i0 + k] == 0) v[o0 + k * so] = 0;
      });
      return partialOf(op, dt, { value: field(DT.bool, v, out) });
    }
    case "count": {
      const x = comparableOf(block.data, dt);
      const nonzero = op === "countNonzero";
      const cnt = new Float64Array(geo.cells);
      walkBlock(geo, (i0, n, o0, so) => {
        if (nonzero) { for (let k = 0; k < n; k++) if (x[i0 + k] != 0) cnt[o0 + k * so] += 1; }
        else for (let k = 0; k < n; k++) if (x[i0 + k] === x[i0 + k]) cnt[o0 + k * so] += 1;
      });
      const v = sharedData(DT.int64, geo.cells) as BigInt64Array;
      for (let c = 0; c < cnt.length; c++) v[c] = BigInt(cnt[c]);
      return partialOf(op, dt, { value: field(DT.int64, v, out) });
    }
  }
}

function prodField(geo: Geometry, data: DataValues, dt: NumericDType, skipNaN: boolean): NDArray {
  if (isIntegral(dt)) {
    const acc = intAccumulator(dt);
    const v = sharedData(acc, geo.cells) as BigVec;
    v.fill(1n);
    const big = isBigType(dt);
    const x = data as NumVec, xb = data as BigVec;
    // Products wrap modulo 2^64 (the BigInt store wraps); there is no exact shortcut in doubles.
    walkBlock(geo, (i0, n, o0, so) => {
      for (let k = 0; k < n; k++) v[o0 + k * so] *= big ? xb[i0 + k] : BigInt(x[i0 + k]);
    });
    return field(acc, v, geo.outShape);
  }
  const x = numbersOf(data, dt);
  const v = sharedData(DT.float64, geo.cells) as Float64Array;
  v.fill(1);
  walkBlock(geo, (i0, n, o0, so) => {
    for (let k = 0; k < n; k++) { const e = x[i0 + k]; if (!skipNaN || e === e) v[o0 + k * so] *= e; }
  });
  return field(DT.float64, v, geo.outShape);
}

/** The identity of min (`max` false) or max over `dt`'s values (floats: ±inf, or NaN meaning "none yet" when NaN is skipped). */
function extremeStart(dt: NumericDType, max: boolean, skipNaN: boolean): number | bigint {
  if (dt.kind === "float") return skipNaN ? NaN : max ? -Infinity : Infinity;
  if (dt.kind === "bool") return max ? 0 : 1;
  const lo = dt.kind === "int" ? -(2n ** BigInt(dt.bits - 1)) : 0n;
  const hi = dt.kind === "int" ? 2n ** BigInt(dt.bits - 1) - 1n : 2n ** BigInt(dt.bits) - 1n;
  const v = max ? lo : hi;
  return dt.bits === 64 ? v : Number(v);
}

function minMaxField(geo: Geometry, data: DataValues, dt: NumericDType, max: boolean, skipNaN: boolean): NDArray {
  const accType = dt.kind === "float" ? DT.float64 : dt;
  const v = sharedData(accType, geo.cells) as NumVec;
  (v as Float64Array).fill(extremeStart(dt, max, skipNaN) as number);
  const x = comparableOf(data, dt);
  // Comparisons are the same code for numbers and bigints (x !== x is false for bigints).
  walkBlock(geo, (i0, n, o0, so) => {
    for (let k = 0; k < n; k++) {
      const e = x[i0 + k], o = o0 + k * so, a = v[o];
      if (skipNaN) { if (max ? e > a || a !== a : e < a || a !== a) v[o] = e; }
      else if (max ? e > a || e !== e : e < a || e !== e) v[o] = e;
    }
  });
  return field(accType, v, geo.outShape);
}

function argFields(geo: Geometry, data: DataValues, dt: NumericDType, max: boolean, skipNaN: boolean): Record<string, NDArray> {
  const accType = dt.kind === "float" ? DT.float64 : dt;
  const v = sharedData(accType, geo.cells) as NumVec;
  const idx = new Float64Array(geo.cells).fill(-1);
  const x = comparableOf(data, dt);
  walkBlock(geo, (i0, n, o0, so, g0, gs) => {
    for (let k = 0; k < n; k++) {
      const e = x[i0 + k], o = o0 + k * so, ix = idx[o];
      let take: boolean;
      if (skipNaN) take = e === e && (ix < 0 || (max ? e > v[o] : e < v[o]));
      else { const a = v[o]; take = ix < 0 || (a === a && (e !== e || (max ? e > a : e < a))); }
      if (take) { v[o] = e; idx[o] = g0 + k * gs; }
    }
  });
  const index = sharedData(DT.int64, geo.cells) as BigInt64Array;
  for (let c = 0; c < idx.length; c++) index[c] = BigInt(idx[c]);
  return { value: field(accType, v, geo.outShape), index: field(DT.int64, index, geo.outShape) };
}

// ---------------------------------------------------------------- combine

function checkParts(op: ReduceOp, parts: unknown): Partial[] {
  if (!Array.isArray(parts) || parts.length === 0) throw new KernelError(op, "reduceCombine needs at least one partial");
  const first = parts[0] as Partial;
  for (const p of parts as Partial[]) {
    if (typeof p !== "object" || p === null || p.op !== op || typeof p.fields !== "object") throw new KernelError(op, `partials must come from reducePartial with op ${op}`);
    for (const [name, f] of Object.entries(first.fields)) {
      const g = p.fields[name];
      if (!g || String(g.shape) !== String(f.shape) || dtypeName(g.dtype) !== dtypeName(f.dtype)) {
        throw new KernelError(op, `partial field ${name} has shape [${g ? g.shape.join(", ") : "missing"}], expected [${f.shape.join(", ")}]`);
      }
    }
  }
  return parts as Partial[];
}

function copyField(f: NDArray): NDArray {
  const dt = f.dtype as NumericDType;
  const data = sharedData(dt, (f.data as Vec).length) as Vec;
  (data as Float64Array).set(f.data as Float64Array);
  return { data, shape: f.shape.slice(), dtype: dt };
}

/**
 * x += y for 64-bit integers, wrapping modulo 2^64 (as numpy's int64 sums do), on their
 * 32-bit halves: no BigInt per element.
 */
function addInt64(x: BigVec, y: BigVec): void {
  const p = new Uint32Array(x.buffer, x.byteOffset, x.length * 2);
  const q = new Uint32Array(y.buffer, y.byteOffset, y.length * 2);
  for (let i = 0; i < p.length; i += 2) {
    const lo = p[i] + q[i];
    p[i] = lo; // stored modulo 2^32
    p[i + 1] = p[i + 1] + q[i + 1] + (lo > 0xffffffff ? 1 : 0);
  }
}

/** Merge `b` into `a` (fields already copied into fresh arrays), cell by cell. */
function mergeInto(op: ReduceOp, a: Record<string, NDArray>, b: Record<string, NDArray>): void {
  const skip = skipsNaN(op);
  switch (familyOf(op)) {
    case "sum": case "count": {
      if (a.value.data instanceof BigInt64Array || a.value.data instanceof BigUint64Array) {
        addInt64(a.value.data, b.value.data as BigVec);
        return;
      }
      const x = a.value.data as NumVec, y = b.value.data as NumVec;
      for (let c = 0; c < x.length; c++) x[c] += y[c];
      return;
    }
    case "prod": {
      const x = a.value.data as NumVec, y = b.value.data as NumVec;
      for (let c = 0; c < x.length; c++) x[c] *= y[c];
      return;
    }
    case "minmax": {
      const max = isMax(op);
      const x = a.value.data as NumVec, y = b.value.data as NumVec;
      for (let c = 0; c < x.length; c++) {
        const p = x[c], q = y[c];
        if (skip) { if (max ? q > p || p !== p : q < p || p !== p) x[c] = q; }
        else if (p === p && (max ? q > p || q !== q : q < p || q !== q)) x[c] = q;
      }
      return;
    }
    case "any": case "all": {
      const x = a.value.data as Uint8Array, y = b.value.data as Uint8Array;
      if (familyOf(op) === "any") for (let c = 0; c < x.length; c++) x[c] |= y[c];
      else for (let c = 0; c < x.length; c++) x[c] &= y[c];
      return;
    }
    case "mean": {
      const s = a.sum.data as Float64Array, n = a.count.data as Float64Array;
      const t = b.sum.data as Float64Array, m = b.count.data as Float64Array;
      for (let c = 0; c < s.length; c++) { s[c] += t[c]; n[c] += m[c]; }
      return;
    }
    case "var": {
      const na = a.count.data as Float64Array, ma = a.mean.data as Float64Array, qa = a.m2.data as Float64Array;
      const nb = b.count.data as Float64Array, mb = b.mean.data as Float64Array, qb = b.m2.data as Float64Array;
      for (let c = 0; c < na.length; c++) {
        if (nb[c] === 0) continue;
        if (na[c] === 0) { na[c] = nb[c]; ma[c] = mb[c]; qa[c] = qb[c]; continue; }
        // Chan, Golub & LeVeque's pairwise update.
        const n = na[c] + nb[c], d = mb[c] - ma[c];
        ma[c] += (d * nb[c]) / n;
        qa[c] += qb[c] + (d * d * na[c] * nb[c]) / n;
        na[c] = n;
      }
      return;
    }
    case "arg": {
      const max = isMax(op);
      const va = a.value.data as NumVec, ia = a.index.data as BigInt64Array;
      const vb = b.value.data as NumVec, ib = b.index.data as BigInt64Array;
      for (let c = 0; c < va.length; c++) {
        if (ib[c] < 0n) continue;
        let take: boolean;
        if (ia[c] < 0n) take = true;
        else {
          const p = va[c], q = vb[c];
          const pn = p !== p, qn = q !== q;
          if (!skip && (pn || qn)) take = pn && qn ? ib[c] < ia[c] : qn;
          else take = max ? q > p || (q === p && ib[c] < ia[c]) : q < p || (q === p && ib[c] < ia[c]);
        }
        if (take) { va[c] = vb[c]; ia[c] = ib[c]; }
      }
      return;
    }
  }
}

/** Kernel: combine partials of the same output cells (associative and commutative; any number of parts). */
export function reduceCombine(args: { op: ReduceOp; parts: Partial[] }): Partial {
  const op = checkOp(args.op);
  const parts = checkParts(op, args.parts);
  const fields: Record<string, NDArray> = {};
  for (const [name, f] of Object.entries(parts[0].fields)) fields[name] = copyField(f);
  for (const p of parts.slice(1)) mergeInto(op, fields, p.fields);
  return { op, dtype: parts[0].dtype, fields };
}

/**
 * Kernel: the combined partial of several blocks of one output cell (`offsets[i]`: where
 * `blocks[i]` starts in the array of `shape`), so one task reduces a group of blocks and
 * only one partial per group crosses threads.
 */
export function reducePartials(args: { op: ReduceOp; blocks: NDArray[]; axes?: number[]; offsets: number[][]; shape?: number[] }): Partial {
  const op = checkOp(args.op);
  if (!Array.isArray(args.blocks) || args.blocks.length === 0 || !Array.isArray(args.offsets) || args.offsets.length !== args.blocks.length) {
    throw new KernelError(op, "needs one or more blocks, each with its offsets");
  }
  const parts = args.blocks.map((block, i) => reducePartial({ op, block, axes: args.axes, offsets: args.offsets[i], shape: args.shape }));
  return parts.length === 1 ? parts[0] : reduceCombine({ op, parts });
}

// ---------------------------------------------------------------- finalize

/** Kernel: numpy's result from a partial: dtype per {@link reduceResultType}; reduced `axes` dropped unless `keepdims`. */
export function reduceFinalize(args: { op: ReduceOp; part: Partial; ddof?: number; keepdims?: boolean; axes?: number[] }): NDArray {
  const op = checkOp(args.op);
  const [part] = checkParts(op, [args.part]);
  const dt = requireNumeric(part.dtype, op);
  const out = reduceResultType(op, dt) as NumericDType;
  const first = Object.values(part.fields)[0];
  const rank = first.shape.length;
  const axes = normalizeAxes(op, args.axes, rank);
  const shape = args.keepdims ? first.shape.slice() : first.shape.filter((_, d) => !axes.includes(d));
  const ddof = args.ddof ?? 0;
  if (typeof ddof !== "number" || !Number.isFinite(ddof)) throw new KernelError(op, `ddof must be a number, got ${String(ddof)}`);
  const f = part.fields;
  const cells = size(first.shape);
  const floatOut = (values: Float64Array): DataValues => {
    if (out.kind === "float" && out.bits === 64) return toShared(values, out);
    const v = out.kind === "float" && out.bits === 32 ? new Float32Array(values) : values;
    return toShared(v, out);
  };
  switch (familyOf(op)) {
    case "sum": case "prod": {
      if (isIntegral(dt)) return { data: copyField(f.value).data, shape, dtype: out };
      return { data: floatOut(f.value.data as Float64Array), shape, dtype: out };
    }
    case "minmax": {
      if (dt.kind !== "float") return { data: copyField(f.value).data, shape, dtype: out };
      return { data: floatOut(f.value.data as Float64Array), shape, dtype: out };
    }
    case "any": case "all": case "count": return { data: copyField(f.value).data, shape, dtype: out };
    case "mean": {
      const s = f.sum.data as Float64Array, n = f.count.data as Float64Array;
      const v = new Float64Array(cells);
      for (let c = 0; c < cells; c++) v[c] = n[c] > 0 ? s[c] / n[c] : NaN;
      return { data: floatOut(v), shape, dtype: out };
    }
    case "var": {
      const n = f.count.data as Float64Array, q = f.m2.data as Float64Array;
      const v = new Float64Array(cells);
      const nan = skipsNaN(op);
      for (let c = 0; c < cells; c++) {
        const dof = n[c] - ddof;
        // numpy: var divides by max(n - ddof, 0) (0/0 = NaN, x/0 = inf); nanvar gives NaN when dof <= 0.
        v[c] = nan ? (dof > 0 ? q[c] / dof : NaN) : q[c] / Math.max(dof, 0);
        if (op.endsWith("std")) v[c] = Math.sqrt(v[c]);
      }
      return { data: floatOut(v), shape, dtype: out };
    }
    case "arg": {
      const idx = f.index.data as BigInt64Array;
      for (let c = 0; c < cells; c++) {
        if (idx[c] < 0n) throw new KernelError(op, skipsNaN(op) ? "All-NaN slice encountered" : `attempt to get ${op} of an empty sequence`);
      }
      return { data: copyField(f.index).data, shape, dtype: out };
    }
  }
}

/** Kernel: reduce one whole block (finalize ∘ partial). */
export function reduceBlock(args: { op: ReduceOp; block: NDArray; axes?: number[]; ddof?: number; keepdims?: boolean }): NDArray {
  const part = reducePartial({ op: args.op, block: args.block, axes: args.axes });
  return reduceFinalize({ op: args.op, part, ddof: args.ddof, keepdims: args.keepdims, axes: args.axes ?? [...args.block.shape.keys()] });
}

// ---------------------------------------------------------------- reference driver

/** Data indexable one element per element, copied exactly by `dst[i] = src[i]` (float16 as its bits). */
function rawView(data: DataValues, dt: NumericDType): NumVec {
  return (isHalf(dt) ? halfBits(data) : data) as NumVec;
}

/** Copy the box of shape `box` at `srcStart` in C-order `src` (shape `srcShape`) to `dstStart` in `dst` (shape `dstShape`). */
function copyBox(src: NumVec, srcShape: readonly number[], srcStart: readonly number[], dst: NumVec, dstShape: readonly number[], dstStart: readonly number[], box: readonly number[]): void {
  const ss = cStrides(srcShape), ds = cStrides(dstShape);
  const w = coalesce(box.slice(), [ss, ds]);
  let sb = 0, db = 0;
  for (let d = 0; d < box.length; d++) { sb += srcStart[d] * ss[d]; db += dstStart[d] * ds[d]; }
  forEachRun(w, [sb, db], (off, n, st) => {
    for (let k = 0; k < n; k++) dst[off[1] + k * st[1]] = src[off[0] + k * st[0]];
  });
}

/** The sub-block of C-order `a` at `start` with extent `shape` (a copy in shared memory). */
export function sliceBlock(a: NDArray, start: readonly number[], shape: readonly number[]): NDArray {
  const dt = requireNumeric(a.dtype, "slice");
  const out = sharedData(dt, size(shape));
  copyBox(rawView(a.data, dt), a.shape, start, rawView(out, dt), shape, shape.map(() => 0), shape);
  return { data: out, shape: shape.slice(), dtype: dt };
}

/**
 * Reference driver of the tree protocol: split `array` into blocks of `blockShape`, reduce
 * each, combine the partials of each output cell (in `order`: "sequential", or a shuffled
 * tree of fan-in up to 3 from a seed), finalize, and assemble numpy's whole result.
 */
export function reduceAll(args: { op: ReduceOp; array: NDArray; blockShape?: number[]; axes?: number[]; ddof?: number; keepdims?: boolean; seed?: number }): NDArray {
  const op = checkOp(args.op);
  const a = args.array;
  const shape = checkShape(a.shape, op);
  const rank = shape.length;
  const axes = normalizeAxes(op, args.axes, rank);
  const bs = args.blockShape ?? shape.map((n) => Math.max(n, 1));
  if (bs.length !== rank || bs.some((b) => !Number.isSafeInteger(b) || b < 1)) throw new KernelError(op, `blockShape must have ${rank} positive entries`);
  const grid = shape.map((n, d) => Math.ceil(n / bs[d]));
  let rnd = (args.seed ?? 1) >>> 0;
  const random = () => ((rnd = (Math.imul(rnd, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  // Group blocks by output cell (their coordinates on kept axes).
  const groups = new Map<string, { cell: number[]; parts: Partial[] }>();
  const coords = new Array<number>(rank).fill(0);
  const total = grid.reduce((p, g) => p * g, 1);
  for (let b = 0; b < total; b++) {
    let r = b;
    for (let d = rank - 1; d >= 0; d--) { coords[d] = r % grid[d]; r = Math.floor(r / grid[d]); }
    const start = coords.map((c, d) => c * bs[d]);
    const ext = start.map((s, d) => Math.min(bs[d], shape[d] - s));
    const part = reducePartial({ op, block: sliceBlock(a, start, ext), axes, offsets: start, shape });
    const cell = coords.map((c, d) => (axes.includes(d) ? 0 : c));
    const key = cell.join(",");
    const g = groups.get(key) ?? { cell, parts: [] };
    g.parts.push(part);
    groups.set(key, g);
  }
  if (total === 0) {
    // An empty grid: reduce the empty array as one block.
    return reduceBlock({ op, block: a, axes, ddof: args.ddof, keepdims: args.keepdims });
  }
  const outDt = reduceResultType(op, a.dtype) as NumericDType;
  const fullKeep = shape.map((n, d) => (axes.includes(d) ? 1 : n));
  const result = sharedData(outDt, size(fullKeep));
  for (const { cell, parts } of groups.values()) {
    let list = parts;
    if (args.seed !== undefined) {
      // A random tree: repeatedly combine a random run of 2-3 neighbours... in a shuffled order.
      while (list.length > 1) {
        const i = Math.floor(random() * (list.length - 1));
        const k = Math.min(list.length - i, 2 + Math.floor(random() * 2));
        const merged = reduceCombine({ op, parts: list.slice(i, i + k) });
        list = [...list.slice(0, i), merged, ...list.slice(i + k)];
      }
    } else if (list.length > 1) list = [reduceCombine({ op, parts: list })];
    const fin = reduceFinalize({ op, part: list[0], ddof: args.ddof, keepdims: true, axes });
    const at = cell.map((c, d) => (axes.includes(d) ? 0 : c * bs[d]));
    copyBox(rawView(fin.data, outDt), fin.shape, fin.shape.map(() => 0), rawView(result, outDt), fullKeep, at, fin.shape);
  }
  const finalShape = args.keepdims ? fullKeep : shape.filter((_, d) => !axes.includes(d));
  return { data: result, shape: finalShape, dtype: outDt };
}
