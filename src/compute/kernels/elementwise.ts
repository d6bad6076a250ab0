/**
 * Elementwise block kernels (numpy ufunc semantics): `binary`, `unary`, `where`, `astype`
 * and `chain` (a fused list of these evaluated tile by tile over one block). Each is an
 * export called with one structured-cloneable args object, so it runs in a worker thread by
 * module URL + name; results are allocated in shared memory.
 *
 * Inputs are cast to the op's loop type (dtypes.ts) and the inner loops run on typed arrays
 * (see values.ts). numpy's integer semantics are kept: wraparound on overflow, x // 0 and
 * x % 0 give 0, `mod` takes the divisor's sign, negative integer powers are refused (numpy
 * raises ValueError); float division by zero gives ±inf / NaN.
 * @module
 */
import { f16round } from "@petamoriken/float16";
import { roundHalfEven, type NumericDType } from "../../codecs/elementwise.js";
import type { NDArray } from "../../codecs/types.js";
import { dtypeName, type DataType } from "../../format/dtype.js";
import { broadcastShapes, broadcastStrides, cStrides, coalesce, forEachRun, size } from "./broadcast.js";
import {
  BINARY_OPS, KernelError, UNARY_OPS, isComparison, isLogical, loopType, requireNumeric, resultType,
  type BinaryOp, type OperandType, type UnaryOp,
} from "./dtypes.js";
import {
  castInto, castVec, isBigType, isHalf, newVec, resultVec, scalarIn, toShared, toVec,
  type BigVec, type NumVec, type Vec,
} from "./values.js";

/** A scalar operand, broadcast against the arrays (a Python scalar: weak in promotion). */
export interface ScalarOperand {
  scalar: number | bigint | boolean;
}
/** An operand of an elementwise kernel. */
export type Operand = NDArray | ScalarOperand;

const isScalarOperand = (x: Operand): x is ScalarOperand => typeof x === "object" && x !== null && "scalar" in x;

/** The promotion type of an operand (a scalar's kind, or the array's dtype), checking its shape. */
function operandType(x: Operand, op: string, name: string): OperandType {
  if (isScalarOperand(x)) {
    const v = x.scalar;
    if (typeof v === "boolean") return "bool-scalar";
    if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v))) return "int-scalar";
    if (typeof v === "number") return "float-scalar";
    throw new KernelError(op, `operand ${name}: scalar must be a number, bigint or boolean`);
  }
  if (typeof x !== "object" || x === null || !Array.isArray(x.shape) || typeof x.dtype !== "object") {
    throw new KernelError(op, `operand ${name} must be an NDArray or {scalar}`);
  }
  const dt = requireNumeric(x.dtype, op);
  const want = size(x.shape);
  const len = (x.data as { length?: number }).length;
  if (!x.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || len !== want) {
    throw new KernelError(op, `operand ${name}: shape [${x.shape.join(", ")}] holds ${want} ${dtypeName(dt)} elements but the data has ${String(len)}`);
  }
  return dt;
}

const shapeOf = (x: Operand): number[] => (isScalarOperand(x) ? [] : x.shape);

/** An operand's values as a loop array of `t` (a scalar becomes one element). */
function loopValues(x: Operand, t: NumericDType, op: string): Vec {
  if (isScalarOperand(x)) {
    const v = newVec(t, 1);
    try {
      (v as unknown as (number | bigint)[])[0] = scalarIn(x.scalar, t);
    } catch (e) {
      throw new KernelError(op, (e as Error).message);
    }
    return v;
  }
  const dt = requireNumeric(x.dtype, op);
  return castVec(toVec(x.data, dt), dt, t);
}

/** Each element's truthiness (nonzero; NaN is true) as 0/1. */
function truthValues(x: Operand, op: string): Uint8Array {
  if (isScalarOperand(x)) return Uint8Array.of(x.scalar ? 1 : 0);
  const dt = requireNumeric(x.dtype, op);
  const v = toVec(x.data, dt);
  const out = new Uint8Array(v.length);
  castInto(v, dt, out, { kind: "bool" });
  return out;
}

// ---------------------------------------------------------------- binary inner loops
// One loop per op, over a run: o[io..io+n) from a[ia], a[ia+sa], ... and b[ib], b[ib+sb], ...
// Generic loops index NumVec; BigInt arrays go through the same code where the operators
// (+ - * < & | ^ ===) mean the same for bigints and typed-array stores wrap alike.

type Run = (o: NumVec, io: number, a: NumVec, ia: number, sa: number, b: NumVec, ib: number, sb: number, n: number) => void;

const RUNS: Record<string, Run> = {
  add(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] + b[ib]; },
  subtract(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] - b[ib]; },
  multiply(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] * b[ib]; },
  /** 32-bit integer products exceed 2^53; imul keeps the low 32 bits exactly (the store wraps the rest). */
  imul(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = Math.imul(a[ia], b[ib]); },
  divide(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] / b[ib]; },
  minimum(o, io, a, ia, sa, b, ib, sb, n) {
    for (let k = 0; k < n; k++, ia += sa, ib += sb) { const x = a[ia], y = b[ib]; o[io + k] = x <= y || x !== x ? x : y; }
  },
  maximum(o, io, a, ia, sa, b, ib, sb, n) {
    for (let k = 0; k < n; k++, ia += sa, ib += sb) { const x = a[ia], y = b[ib]; o[io + k] = x >= y || x !== x ? x : y; }
  },
  fmin(o, io, a, ia, sa, b, ib, sb, n) {
    for (let k = 0; k < n; k++, ia += sa, ib += sb) { const x = a[ia], y = b[ib]; o[io + k] = x <= y || y !== y ? x : y; }
  },
  fmax(o, io, a, ia, sa, b, ib, sb, n) {
    for (let k = 0; k < n; k++, ia += sa, ib += sb) { const x = a[ia], y = b[ib]; o[io + k] = x >= y || y !== y ? x : y; }
  },
  equal(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] === b[ib] ? 1 : 0; },
  notEqual(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] !== b[ib] ? 1 : 0; },
  less(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] < b[ib] ? 1 : 0; },
  lessEqual(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] <= b[ib] ? 1 : 0; },
  greater(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] > b[ib] ? 1 : 0; },
  greaterEqual(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] >= b[ib] ? 1 : 0; },
  bitwiseAnd(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] & b[ib]; },
  bitwiseOr(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] | b[ib]; },
  bitwiseXor(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = a[ia] ^ b[ib]; },
  floorDivideInt(o, io, a, ia, sa, b, ib, sb, n) {
    // |a|, |b| < 2^32: the double quotient never rounds across an integer, so floor is exact.
    for (let k = 0; k < n; k++, ia += sa, ib += sb) { const y = b[ib]; o[io + k] = y === 0 ? 0 : Math.floor(a[ia] / y); }
  },
  modInt(o, io, a, ia, sa, b, ib, sb, n) {
    for (let k = 0; k < n; k++, ia += sa, ib += sb) {
      const y = b[ib];
      if (y === 0) { o[io + k] = 0; continue; }
      const r = a[ia] % y;
      o[io + k] = r !== 0 && r < 0 !== y < 0 ? r + y : r;
    }
  },
  floorDivideF64(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = floorDivFloat(a[ia], b[ib], false); },
  floorDivideF32(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = floorDivFloat(a[ia], b[ib], true); },
  modF64(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = modFloat(a[ia], b[ib], false); },
  modF32(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = modFloat(a[ia], b[ib], true); },
  powerFloat(o, io, a, ia, sa, b, ib, sb, n) { for (let k = 0; k < n; k++, ia += sa, ib += sb) o[io + k] = powFloat(a[ia], b[ib]); },
  powerInt(o, io, a, ia, sa, b, ib, sb, n) {
    for (let k = 0; k < n; k++, ia += sa, ib += sb) {
      const e = b[ib];
      if (e < 0) throw new KernelError("power", "integers to negative integer powers are not allowed");
      o[io + k] = powInt32(a[ia], e);
    }
  },
};

type BigRun = (o: BigVec, io: number, a: BigVec, ia: number, sa: number, b: BigVec, ib: number, sb: number, n: number) => void;

const BIG_RUNS: Record<string, BigRun> = {
  floorDivide(o, io, a, ia, sa, b, ib, sb, n) {
    for (let k = 0; k < n; k++, ia += sa, ib += sb) {
      const x = a[ia], y = b[ib];
      if (y === 0n) { o[io + k] = 0n; continue; }
      const q = x / y;
      o[io + k] = q * y !== x && x < 0n !== y < 0n ? q - 1n : q;
    }
  },
  mod(o, io, a, ia, sa, b, ib, sb, n) {
    for (let k = 0; k < n; k++, ia += sa, ib += sb) {
      const y = b[ib];
      if (y === 0n) { o[io + k] = 0n; continue; }
      const r = a[ia] % y;
      o[io + k] = r !== 0n && r < 0n !== y < 0n ? r + y : r;
    }
  },
  power(o, io, a, ia, sa, b, ib, sb, n) {
    const signed = o instanceof BigInt64Array;
    for (let k = 0; k < n; k++, ia += sa, ib += sb) {
      const e = b[ib];
      if (e < 0n) throw new KernelError("power", "integers to negative integer powers are not allowed");
      o[io + k] = powBig(a[ia], e, signed);
    }
  },
};

/** numpy's float floor division (Python's divmod rule, quotient snapped to an integer); `single` rounds each step to float32 as numpy's float32/float16 loops do. */
export function floorDivFloat(a: number, b: number, single: boolean): number {
  if (b === 0) return a / b;
  const r = single ? Math.fround : (x: number) => x;
  const mod = a % b;
  let div = r(r(a - mod) / b);
  if (mod !== 0 && b < 0 !== mod < 0) div = r(div - 1);
  if (div !== 0 && div === div) {
    let fl = Math.floor(div);
    if (r(div - fl) > 0.5) fl = r(fl + 1);
    return fl;
  }
  if (div !== div) return div;
  const q = a / b;
  return q < 0 || Object.is(q, -0) ? -0 : 0;
}

/** numpy's float remainder: the sign of the divisor (x % 0 is NaN). */
export function modFloat(a: number, b: number, single: boolean): number {
  const mod = a % b;
  if (b === 0) return mod;
  if (mod !== 0) return b < 0 !== mod < 0 ? (single ? Math.fround(mod + b) : mod + b) : mod;
  return b < 0 ? -0 : 0;
}

/** C `pow` (JS Math.pow differs for pow(1, NaN) and pow(-1, ±inf), which are 1 in C). */
export function powFloat(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

/** Integer power modulo 2^32 by squaring (the caller's typed-array store narrows further). */
function powInt32(base: number, e: number): number {
  let r = 1, b = base | 0;
  while (e > 0) {
    if (e % 2 === 1) r = Math.imul(r, b);
    e = Math.floor(e / 2);
    b = Math.imul(b, b);
  }
  return r;
}

/** Integer power modulo 2^64 by squaring. */
function powBig(base: bigint, e: bigint, signed: boolean): bigint {
  const wrap = signed ? (x: bigint) => BigInt.asIntN(64, x) : (x: bigint) => BigInt.asUintN(64, x);
  let r = 1n, b = wrap(base);
  while (e > 0n) {
    if (e & 1n) r = wrap(r * b);
    e >>= 1n;
    b = wrap(b * b);
  }
  return r;
}

/** The inner loop of binary `op` computing in loop type `t`. */
function binaryRun(op: BinaryOp, t: NumericDType): { run?: Run; big?: BigRun } {
  const big = isBigType(t);
  const f32 = t.kind === "float" && t.bits !== 64;
  switch (op) {
    case "add": return { run: t.kind === "bool" ? RUNS.bitwiseOr : RUNS.add };
    case "multiply": return { run: t.kind !== "float" && !big && t.kind !== "bool" && t.bits === 32 ? RUNS.imul : RUNS.multiply };
    case "floorDivide":
      if (big) return { big: BIG_RUNS.floorDivide };
      return { run: t.kind === "float" ? (f32 ? RUNS.floorDivideF32 : RUNS.floorDivideF64) : RUNS.floorDivideInt };
    case "mod":
      if (big) return { big: BIG_RUNS.mod };
      return { run: t.kind === "float" ? (f32 ? RUNS.modF32 : RUNS.modF64) : RUNS.modInt };
    case "power":
      if (big) return { big: BIG_RUNS.power };
      return { run: t.kind === "float" ? RUNS.powerFloat : RUNS.powerInt };
    case "logicalAnd": return { run: RUNS.bitwiseAnd };
    case "logicalOr": return { run: RUNS.bitwiseOr };
    case "logicalXor": return { run: RUNS.bitwiseXor };
    default: return { run: RUNS[op] };
  }
}

/** Walk `outShape` broadcasting `a` and `b` and run `fn` per run (out is C-contiguous). */
function walkBinary(
  outShape: number[], aShape: number[], bShape: number[],
  fn: (io: number, ia: number, sa: number, ib: number, sb: number, n: number) => void,
): void {
  const w = coalesce(outShape, [cStrides(outShape), broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
  forEachRun(w, [0, 0, 0], (off, n, st) => fn(off[0], off[1], st[1], off[2], st[2], n));
}

/** Compute `op` on loop arrays into `out` (length of `outShape`); shared by `binary` and `chain`. */
function binaryInto(op: BinaryOp, t: NumericDType, a: Vec, aShape: number[], b: Vec, bShape: number[], out: Vec, outShape: number[]): void {
  const { run, big } = binaryRun(op, t);
  if (big) {
    walkBinary(outShape, aShape, bShape, (io, ia, sa, ib, sb, n) => big(out as BigVec, io, a as BigVec, ia, sa, b as BigVec, ib, sb, n));
  } else if (run) {
    // The generic loops serve BigInt arrays too (see RUNS).
    walkBinary(outShape, aShape, bShape, (io, ia, sa, ib, sb, n) => run(out as NumVec, io, a as NumVec, ia, sa, b as NumVec, ib, sb, n));
  } else {
    throw new KernelError(op, "unknown operation");
  }
}

/** Cast a kernel result to the dtype the caller asked for, when it differs from numpy's. */
function deliver(values: Vec, natural: NumericDType, shape: number[], outDtype: DataType | undefined, op: string): NDArray {
  const target = outDtype === undefined ? natural : requireNumeric(outDtype, op);
  const v = castVec(values, natural, target);
  return { data: toShared(v, target), shape, dtype: target };
}

function checkOp<T extends string>(op: unknown, ops: readonly T[], kind: string): T {
  if (typeof op !== "string" || !ops.includes(op as T)) throw new KernelError(String(op), `unknown ${kind} operation (expected one of ${ops.join(", ")})`);
  return op as T;
}

/**
 * Kernel: `op(a, b)` elementwise with numpy broadcasting. `a`/`b` are NDArrays or
 * `{scalar}`; the result has numpy's dtype (dtypes.ts `resultType`), cast to `outDtype`
 * when given and different.
 */
export function binary(args: { op: BinaryOp; a: Operand; b: Operand; outDtype?: DataType }): NDArray {
  const op = checkOp(args.op, BINARY_OPS, "binary");
  const ta = operandType(args.a, op, "a"), tb = operandType(args.b, op, "b");
  const t = loopType(op, ta, tb);
  const natural = resultType(op, ta, tb) as NumericDType;
  const outShape = broadcastShapes(op, shapeOf(args.a), shapeOf(args.b));
  const n = size(outShape);
  if (isLogical(op)) {
    const out = resultVec(natural, n);
    binaryInto(op, { kind: "bool" }, truthValues(args.a, op), shapeOf(args.a), truthValues(args.b, op), shapeOf(args.b), out, outShape);
    return deliver(out, natural, outShape, args.outDtype, op);
  }
  const a = loopValues(args.a, t, op), b = loopValues(args.b, t, op);
  const out = isComparison(op) ? resultVec(natural, n) : resultVec(t, n);
  binaryInto(op, t, a, shapeOf(args.a), b, shapeOf(args.b), out, outShape);
  return deliver(out, natural, outShape, args.outDtype, op);
}

// ---------------------------------------------------------------- unary

/** Compute unary `op` of loop array `a` (of loop type `t`, from input type `from`) into `out` (result representation). */
function unaryInto(op: UnaryOp, t: NumericDType, a: Vec, out: Vec): void {
  const n = a.length;
  const big = isBigType(t);
  if (big) {
    const x = a as BigVec, o = out as unknown as (number | bigint)[];
    switch (op) {
      case "negative": for (let i = 0; i < n; i++) o[i] = -x[i]; return;
      case "abs": for (let i = 0; i < n; i++) { const v = x[i]; o[i] = v < 0n ? -v : v; } return;
      case "round": for (let i = 0; i < n; i++) o[i] = x[i]; return;
      case "bitwiseNot": for (let i = 0; i < n; i++) o[i] = ~x[i]; return;
      case "isnan": (out as Uint8Array).fill(0); return;
      case "isfinite": (out as Uint8Array).fill(1); return;
      case "logicalNot": for (let i = 0; i < n; i++) o[i] = x[i] === 0n ? 1 : 0; return;
      default: throw new KernelError(op, `not defined for ${t.kind}64`);
    }
  }
  const x = a as NumVec, o = out as NumVec;
  const isFloat = t.kind === "float";
  switch (op) {
    case "negative": for (let i = 0; i < n; i++) o[i] = -x[i]; return;
    case "abs": for (let i = 0; i < n; i++) o[i] = Math.abs(x[i]); return;
    case "sqrt": for (let i = 0; i < n; i++) o[i] = Math.sqrt(x[i]); return;
    case "exp": for (let i = 0; i < n; i++) o[i] = Math.exp(x[i]); return;
    case "log": for (let i = 0; i < n; i++) o[i] = Math.log(x[i]); return;
    case "log1p": for (let i = 0; i < n; i++) o[i] = Math.log1p(x[i]); return;
    case "floor": for (let i = 0; i < n; i++) o[i] = Math.floor(x[i]); return;
    case "ceil": for (let i = 0; i < n; i++) o[i] = Math.ceil(x[i]); return;
    case "round":
      if (isFloat) for (let i = 0; i < n; i++) o[i] = roundHalfEven(x[i]);
      else o.set(x);
      return;
    case "isnan": for (let i = 0; i < n; i++) o[i] = x[i] !== x[i] ? 1 : 0; return;
    case "isfinite":
      if (isFloat) for (let i = 0; i < n; i++) o[i] = x[i] - x[i] === 0 ? 1 : 0; // inf - inf and NaN give NaN
      else o.fill(1);
      return;
    case "logicalNot": for (let i = 0; i < n; i++) o[i] = x[i] === 0 ? 1 : 0; return;
    case "bitwiseNot":
      if (t.kind === "bool") for (let i = 0; i < n; i++) o[i] = x[i] ^ 1;
      else for (let i = 0; i < n; i++) o[i] = ~x[i];
      return;
  }
}

/** Kernel: `op(a)` elementwise (numpy's result dtype, cast to `outDtype` when given and different). */
export function unary(args: { op: UnaryOp; a: NDArray; outDtype?: DataType }): NDArray {
  const op = checkOp(args.op, UNARY_OPS, "unary");
  if (isScalarOperand(args.a as Operand)) throw new KernelError(op, "operand a must be an array");
  const from = operandType(args.a, op, "a") as NumericDType;
  const t = loopType(op, from);
  const natural = resultType(op, from) as NumericDType;
  const a = loopValues(args.a, t, op);
  const out = resultVec(natural, a.length);
  unaryInto(op, t, a, out);
  return deliver(out, natural, args.a.shape.slice(), args.outDtype, op);
}

// ---------------------------------------------------------------- where, astype

/** Kernel: numpy `where(cond, a, b)` with broadcasting; `cond` is read as truthiness. */
export function where(args: { cond: Operand; a: Operand; b: Operand; outDtype?: DataType }): NDArray {
  const op = "where";
  operandType(args.cond, op, "cond");
  const ta = operandType(args.a, op, "a"), tb = operandType(args.b, op, "b");
  const t = loopType(op, ta, tb);
  const outShape = broadcastShapes(op, shapeOf(args.cond), shapeOf(args.a), shapeOf(args.b));
  const c = truthValues(args.cond, op);
  const a = loopValues(args.a, t, op), b = loopValues(args.b, t, op);
  const out = resultVec(t, size(outShape));
  const w = coalesce(outShape, [cStrides(outShape), broadcastStrides(shapeOf(args.cond), outShape), broadcastStrides(shapeOf(args.a), outShape), broadcastStrides(shapeOf(args.b), outShape)]);
  // Same code for numbers and bigints: it only moves values.
  const o = out as NumVec, x = a as NumVec, y = b as NumVec;
  forEachRun(w, [0, 0, 0, 0], (off, n, st) => {
    let ic = off[1], ia = off[2], ib = off[3];
    const io = off[0], sc = st[1], sa = st[2], sb = st[3];
    for (let k = 0; k < n; k++, ic += sc, ia += sa, ib += sb) o[io + k] = c[ic] ? x[ia] : y[ib];
  });
  return deliver(out, t, outShape, args.outDtype, op);
}

/**
 * Kernel: numpy `a.astype(dtype)` (unsafe casting). Float → integer truncates toward zero;
 * NaN and out-of-range floats (undefined behaviour in C) give exactly what numpy 1.24 gives
 * on x86-64, e.g. NaN → the minimum of int32/int64, 0 for int8/int16/uint8/uint16, 2^31 for
 * uint32 (0 from float16), 2^63 for uint64 (tested against numpy for every pair). Integers
 * wrap; int64/uint64 paths are exact (no double rounding); anything → bool is "nonzero".
 */
export function astype(args: { a: NDArray; dtype: DataType }): NDArray {
  const from = operandType(args.a, "astype", "a") as NumericDType;
  const to = requireNumeric(args.dtype, "astype");
  const v = toVec(args.a.data, from);
  const out = resultVec(to, v.length);
  castInto(v, from, out, to);
  return { data: toShared(out, to), shape: args.a.shape.slice(), dtype: to };
}

// ---------------------------------------------------------------- chain (fused)

/** A value in a chain program: an input block, an earlier step's result, or a scalar. */
export type ChainRef = { input: number } | { step: number } | ScalarOperand;

/** One step of a chain program. */
export type ChainStep =
  | { op: BinaryOp; a: ChainRef; b: ChainRef }
  | { op: UnaryOp; a: ChainRef }
  | { op: "where"; cond: ChainRef; a: ChainRef; b: ChainRef }
  | { op: "astype"; a: ChainRef; dtype: DataType };

/** Elements per tile: the intermediates of one tile stay in cache between steps. */
const TILE = 8192;

interface Compiled {
  step: ChainStep;
  /** Loop type, and the dtype of the step's value. */
  loop: NumericDType;
  type: NumericDType;
  refs: ChainRef[];
}

/**
 * Kernel: evaluate a small program of elementwise steps over one block in a single pass,
 * tile by tile (numexpr-style), so intermediates never make a whole-block round trip through
 * memory. All array inputs must have the same shape (scalars broadcast). The result is the
 * last step's value, with the same dtypes and values as calling the kernels one by one.
 */
export function chain(args: { inputs: NDArray[]; program: ChainStep[]; outDtype?: DataType }): NDArray {
  const op = "chain";
  const { inputs, program } = args;
  if (!Array.isArray(inputs) || !Array.isArray(program) || program.length === 0) throw new KernelError(op, "needs inputs and a non-empty program");
  const inTypes = inputs.map((x, i) => operandType(x, op, `inputs[${i}]`) as NumericDType);
  const shape = inputs.length ? inputs[0].shape.slice() : [];
  for (const [i, x] of inputs.entries()) {
    if (x.shape.length !== shape.length || x.shape.some((d, j) => d !== shape[j])) {
      throw new KernelError(op, `inputs[${i}] has shape [${x.shape.join(", ")}], expected [${shape.join(", ")}] (chain does not broadcast arrays)`);
    }
  }
  const compiled: Compiled[] = [];
  const typeOfRef = (r: ChainRef, at: number): OperandType => {
    if (isScalarOperand(r as Operand)) return operandType(r as ScalarOperand, op, `program[${at}]`);
    if ("input" in r && Number.isInteger(r.input) && r.input >= 0 && r.input < inputs.length) return inTypes[r.input];
    if ("step" in r && Number.isInteger(r.step) && r.step >= 0 && r.step < at) return compiled[r.step].type;
    throw new KernelError(op, `program[${at}]: bad reference ${JSON.stringify(r)}`);
  };
  for (const [i, step] of program.entries()) {
    const s = step as ChainStep & { cond?: ChainRef; b?: ChainRef };
    if (s.op === "astype") {
      const from = typeOfRef(s.a, i);
      const to = requireNumeric((s as { dtype: DataType }).dtype, op);
      compiled.push({ step, loop: typeof from === "string" ? to : (from as NumericDType), type: to, refs: [s.a] });
    } else if (s.op === "where") {
      typeOfRef(s.cond!, i);
      const t = loopType("where", typeOfRef(s.a, i), typeOfRef(s.b!, i));
      compiled.push({ step, loop: t, type: t, refs: [s.cond!, s.a, s.b!] });
    } else if ((BINARY_OPS as readonly string[]).includes(s.op)) {
      const ta = typeOfRef(s.a, i), tb = typeOfRef(s.b!, i);
      compiled.push({ step, loop: loopType(s.op, ta, tb), type: resultType(s.op, ta, tb) as NumericDType, refs: [s.a, s.b!] });
    } else if ((UNARY_OPS as readonly string[]).includes(s.op)) {
      const ta = typeOfRef(s.a, i);
      compiled.push({ step, loop: loopType(s.op, ta), type: resultType(s.op, ta) as NumericDType, refs: [s.a] });
    } else {
      throw new KernelError(op, `program[${i}]: unknown operation ${JSON.stringify(s.op)}`);
    }
  }
  const n = size(shape);
  const last = compiled[compiled.length - 1];
  const result = newVec(last.type, n);
  const inVecs = inputs.map((x, i) => toVec(x.data, inTypes[i]));
  const values: Vec[] = new Array<Vec>(compiled.length);
  // One tile-sized buffer per step (every step writes its value in its own type), reused for every tile.
  const scratch = compiled.map((c) => newVec(c.type, Math.min(TILE, n)));
  for (let start = 0; start < n; start += TILE) {
    const len = Math.min(TILE, n - start);
    const tileShape = [len];
    for (const [i, c] of compiled.entries()) values[i] = evalStep(c, i, start, len, tileShape, inVecs, inTypes, compiled, values, scratch[i].subarray(0, len));
    (result as Float64Array).set(values[compiled.length - 1] as Float64Array, start);
  }
  return deliver(result, last.type, shape, args.outDtype, op);
}

/** One chain step on one tile: operand tiles are cast to the step's loop type, results are in the step type's loop representation. */
function evalStep(c: Compiled, at: number, start: number, len: number, tileShape: number[], inVecs: Vec[], inTypes: NumericDType[], compiled: Compiled[], values: Vec[], scratch: Vec): Vec {
  const view = (r: ChainRef): { v: Vec; t: NumericDType | "scalar"; shape: number[] } => {
    if (isScalarOperand(r as Operand)) return { v: new Float64Array(0), t: "scalar", shape: [] };
    if ("input" in r) return { v: inVecs[r.input].subarray(start, start + len), t: inTypes[r.input], shape: tileShape };
    const s = (r as { step: number }).step;
    return { v: values[s], t: compiled[s].type, shape: tileShape };
  };
  const inLoop = (r: ChainRef, t: NumericDType): { v: Vec; shape: number[] } => {
    if (isScalarOperand(r as Operand)) return { v: loopValues(r as ScalarOperand, t, String(c.step.op)), shape: [] };
    const x = view(r);
    return { v: castVec(x.v, x.t as NumericDType, t), shape: x.shape };
  };
  const truth = (r: ChainRef): { v: Uint8Array; shape: number[] } => {
    if (isScalarOperand(r as Operand)) return { v: Uint8Array.of((r as ScalarOperand).scalar ? 1 : 0), shape: [] };
    const x = view(r);
    const out = new Uint8Array(len);
    castInto(x.v, x.t as NumericDType, out, { kind: "bool" });
    return { v: out, shape: tileShape };
  };
  const step = c.step;
  let out: Vec;
  if (step.op === "astype") {
    const x = view(step.a);
    if (x.t === "scalar") out = loopValuesTile(step.a as ScalarOperand, c.type, len);
    else { out = scratch; castInto(x.v, x.t, out, c.type); }
  } else if (step.op === "where") {
    const cond = truth(step.cond), a = inLoop(step.a, c.loop), b = inLoop(step.b, c.loop);
    out = scratch;
    const o = out as NumVec, x = a.v as NumVec, y = b.v as NumVec;
    const sc = cond.shape.length ? 1 : 0, sa = a.shape.length ? 1 : 0, sb = b.shape.length ? 1 : 0;
    for (let k = 0, ic = 0, ia = 0, ib = 0; k < len; k++, ic += sc, ia += sa, ib += sb) o[k] = cond.v[ic] ? x[ia] : y[ib];
  } else if ("b" in step) {
    const binOp = step.op;
    if (isLogical(binOp)) {
      const a = truth(step.a), b = truth(step.b);
      out = scratch;
      binaryInto(binOp, { kind: "bool" }, a.v, a.shape, b.v, b.shape, out, tileShape);
    } else {
      const a = inLoop(step.a, c.loop), b = inLoop(step.b, c.loop);
      out = scratch;
      binaryInto(binOp, c.loop, a.v, a.shape, b.v, b.shape, out, tileShape);
    }
  } else {
    const a = inLoop(step.a, c.loop);
    if (a.shape.length === 0) throw new KernelError("chain", `program[${at}]: unary ${step.op} of a scalar`);
    out = scratch;
    unaryInto(step.op, c.loop, a.v, out);
  }
  // float16 values live in doubles: round them as a float16 result would be.
  if (isHalf(c.type)) roundHalfVec(out as Float64Array);
  return out;
}

function loopValuesTile(s: ScalarOperand, t: NumericDType, len: number): Vec {
  const one = loopValues(s, t, "chain");
  const out = newVec(t, len);
  (out as Float64Array).fill((one as Float64Array)[0]);
  return out;
}

function roundHalfVec(v: Float64Array): void {
  for (let i = 0; i < v.length; i++) v[i] = f16round(v[i]);
}
