/**
 * Cumulative kernels (cumsum, cumprod and their NaN-skipping variants) along one axis of a
 * block. The scheduler runs the blocks along that axis in order and hands each block the
 * `carry` of the previous one (its last slice), so the blocked result equals numpy's
 * `cumsum` over the whole array.
 *
 * Like numpy, floats accumulate sequentially in their own precision (each step rounds to
 * float32 / float16), integers accumulate in int64 (uint64 for unsigned) and wrap.
 * @module
 */
import { f16round } from "@petamoriken/float16";
import type { NumericDType } from "../../codecs/elementwise.js";
import type { NDArray } from "../../codecs/types.js";
import { dtypeName, type DataType } from "../../format/dtype.js";
import { checkShape, size } from "./broadcast.js";
import { DT, KernelError, requireNumeric, sameType } from "./dtypes.js";
import { encodeHalfInto, isBigType, isHalf, sharedData, toVec, type BigVec, type NumVec } from "./values.js";

/** Cumulative operations. */
export type ScanOp = "cumsum" | "cumprod" | "nancumsum" | "nancumprod";
const SCAN_OPS: readonly ScanOp[] = ["cumsum", "cumprod", "nancumsum", "nancumprod"];

/** numpy's result dtype of `op` over `dtype`: int64 for bool and signed, uint64 for unsigned, floats keep theirs. */
export function scanResultType(op: ScanOp, dtype: DataType): DataType {
  const dt = requireNumeric(dtype, op);
  if (dt.kind === "float") return dt;
  return dt.kind === "uint" ? DT.uint64 : DT.int64;
}

/** The result of {@link scanBlock}: the scanned block, and its last slice along the axis (the next block's carry). */
export interface ScanResult {
  out: NDArray;
  carry: NDArray;
}

const TWO32 = 4294967296;

/**
 * Kernel: cumulative `op` of `block` along `axis`, continuing from `carry` (the previous
 * block's last slice: the block's shape with `axis` set to 1, in the result dtype).
 */
export function scanBlock(args: { op: ScanOp; block: NDArray; axis: number; carry?: NDArray }): ScanResult {
  const op = args.op;
  if (!SCAN_OPS.includes(op)) throw new KernelError(String(op), `unknown scan (expected one of ${SCAN_OPS.join(", ")})`);
  const block = args.block;
  const dt = requireNumeric(block.dtype, op);
  const shape = checkShape(block.shape, op, "block shape");
  const rank = shape.length;
  if (rank === 0) throw new KernelError(op, "cannot scan a 0-d block (numpy flattens it first: reshape to [1])");
  let axis = args.axis;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new KernelError(op, `axis ${String(axis)} is out of range for ${rank} dimensions`);
  if (axis < 0) axis += rank;
  const n = size(shape);
  if ((block.data as { length?: number }).length !== n) throw new KernelError(op, `block shape [${shape.join(", ")}] holds ${n} elements but the data has ${String((block.data as { length?: number }).length)}`);
  const outDt = scanResultType(op, dt) as NumericDType;
  const carryShape = shape.map((d, i) => (i === axis ? 1 : d));
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const len = shape[axis];
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const carry = args.carry;
  if (carry !== undefined) {
    if (!sameType(carry.dtype, outDt) || String(carry.shape) !== String(carryShape)) {
      throw new KernelError(op, `carry must be ${dtypeName(outDt)} of shape [${carryShape.join(", ")}], got ${dtypeName(carry.dtype)} [${carry.shape.join(", ")}]`);
    }
  }
  const product = op.endsWith("prod");
  const skipNaN = op.startsWith("nan");
  const out = sharedData(outDt, n);
  const last = sharedData(outDt, outer * inner);
  const geo = { outer, len, inner };
  if (outDt.kind === "float") {
    scanFloat(geo, toVec(block.data, dt) as NumVec, outDt, product, skipNaN, carry, out, last);
  } else if (!product && !isBigType(dt) && fitsDoubles(dt, len, carry)) {
    scanIntFast(geo, block.data as NumVec, out as BigVec, last as BigVec, carry);
  } else {
    scanIntBig(geo, block.data as NumVec, isBigType(dt), outDt.kind === "int", product, carry, out as BigVec, last as BigVec);
  }
  return { out: { data: out, shape: shape.slice(), dtype: outDt }, carry: { data: last, shape: carryShape, dtype: outDt } };
}

interface ScanGeometry {
  outer: number;
  len: number;
  inner: number;
}

/** Float scan: a row of accumulators per outer index, each step rounded to the result precision. */
function scanFloat(g: ScanGeometry, x: NumVec, dt: NumericDType, product: boolean, skipNaN: boolean, carry: NDArray | undefined, out: unknown, last: unknown): void {
  const half = isHalf(dt);
  const single = dt.kind === "float" && dt.bits === 32;
  const start = carry ? ((half ? toVec(carry.data, dt) : carry.data) as NumVec) : undefined;
  const o = half ? new Float64Array(g.outer * g.len * g.inner) : (out as NumVec);
  const l = half ? new Float64Array(g.outer * g.inner) : (last as NumVec);
  const acc = new Float64Array(g.inner);
  const neutral = product ? 1 : 0;
  for (let p = 0; p < g.outer; p++) {
    if (start) for (let k = 0; k < g.inner; k++) acc[k] = start[p * g.inner + k];
    else acc.fill(neutral);
    for (let j = 0; j < g.len; j++) {
      const base = (p * g.len + j) * g.inner;
      for (let k = 0; k < g.inner; k++) {
        let v = x[base + k];
        if (skipNaN && v !== v) v = neutral;
        let r = product ? acc[k] * v : acc[k] + v;
        // numpy accumulates in the dtype itself: round every step.
        if (single) r = Math.fround(r);
        else if (half) r = f16round(r);
        acc[k] = r;
        o[base + k] = r;
      }
    }
    for (let k = 0; k < g.inner; k++) l[p * g.inner + k] = acc[k];
  }
  if (half) {
    encodeHalfInto(o, out as NDArray["data"]);
    encodeHalfInto(l, last as NDArray["data"]);
  }
}

/** True when every partial sum of `len` values of `dt` plus the carry stays exact in a double (|s| <= 2^53). */
function fitsDoubles(dt: NumericDType, len: number, carry: NDArray | undefined): boolean {
  const bits = dt.kind === "bool" ? 1 : (dt as { bits: number }).bits;
  const maxAbs = dt.kind === "bool" ? 1 : dt.kind === "int" ? 2 ** (bits - 1) : 2 ** bits - 1;
  let c = 0;
  if (carry) for (const v of carry.data as BigVec) c = Math.max(c, Math.abs(Number(v)));
  return c + maxAbs * len <= 2 ** 53;
}

/** Integer cumsum in doubles (exact, see fitsDoubles), written as int64 words without BigInt per element. */
function scanIntFast(g: ScanGeometry, x: NumVec, out: BigVec, last: BigVec, carry: NDArray | undefined): void {
  const w = new Int32Array(out.buffer, out.byteOffset, out.length * 2);
  const lw = new Int32Array(last.buffer, last.byteOffset, last.length * 2);
  const start = carry?.data as BigVec | undefined;
  const acc = new Float64Array(g.inner);
  const put = (words: Int32Array, i: number, v: number) => {
    const hi = Math.floor(v / TWO32);
    words[2 * i] = v - hi * TWO32;
    words[2 * i + 1] = hi;
  };
  for (let p = 0; p < g.outer; p++) {
    if (start) for (let k = 0; k < g.inner; k++) acc[k] = Number(start[p * g.inner + k]);
    else acc.fill(0);
    for (let j = 0; j < g.len; j++) {
      const base = (p * g.len + j) * g.inner;
      for (let k = 0; k < g.inner; k++) {
        const v = acc[k] + x[base + k];
        acc[k] = v;
        put(w, base + k, v);
      }
    }
    for (let k = 0; k < g.inner; k++) put(lw, p * g.inner + k, acc[k]);
  }
}

/** Integer scan with BigInt accumulators (int64 inputs, products, or sums that could leave the exact double range). */
function scanIntBig(g: ScanGeometry, x: NumVec, bigIn: boolean, signed: boolean, product: boolean, carry: NDArray | undefined, out: BigVec, last: BigVec): void {
  const xb = x as unknown as BigVec;
  const wrap = signed ? (v: bigint) => BigInt.asIntN(64, v) : (v: bigint) => BigInt.asUintN(64, v);
  const start = carry?.data as BigVec | undefined;
  const acc = new Array<bigint>(g.inner);
  for (let p = 0; p < g.outer; p++) {
    for (let k = 0; k < g.inner; k++) acc[k] = start ? start[p * g.inner + k] : product ? 1n : 0n;
    for (let j = 0; j < g.len; j++) {
      const base = (p * g.len + j) * g.inner;
      for (let k = 0; k < g.inner; k++) {
        const v = bigIn ? xb[base + k] : BigInt(x[base + k]);
        const r = wrap(product ? acc[k] * v : acc[k] + v);
        acc[k] = r;
        out[base + k] = r;
      }
    }
    for (let k = 0; k < g.inner; k++) last[p * g.inner + k] = acc[k];
  }
}
