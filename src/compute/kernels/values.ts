/**
 * How the kernels hold values while computing, and numpy's `astype` between them.
 *
 * Every numeric dtype has a *loop representation* the inner loops index directly:
 * bool, int8..int32, uint8..uint32, float32, float64 use their own typed array; float16
 * uses a Float64Array of already-rounded values (the polyfill's per-element access is far
 * too slow for a loop); int64/uint64 use their BigInt arrays. Results leave a kernel in a
 * SharedArrayBuffer so a worker returns them without a copy.
 * @module
 */
import { f16round } from "@petamoriken/float16";
import { f16Values, floatToInt, intStore, type NumericDType } from "../../codecs/elementwise.js";
import { bytesOf, itemSize, viewAs, type DataValues } from "../../format/dtype.js";

/** A loop array of numbers. */
export type NumVec = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;
/** A loop array of bigints. */
export type BigVec = BigInt64Array | BigUint64Array;
/** Any loop array. */
export type Vec = NumVec | BigVec;

/** True for int64/uint64 (BigInt arrays). */
export const isBigType = (dt: NumericDType): boolean => dt.kind !== "bool" && dt.kind !== "float" && dt.bits === 64;
/** True for float16 (loops run on a Float64Array of its values). */
export const isHalf = (dt: NumericDType): boolean => dt.kind === "float" && dt.bits === 16;

// Set while a fused program evaluates an intermediate node: its output never leaves the
// thread, so it takes private memory (a fresh SharedArrayBuffer costs page faults up front).
let privateOutputs = false;

/** Run `fn` (a synchronous kernel call) with outputs in private memory: for results that stay in this thread. */
export function withPrivateOutputs<T>(fn: () => T): T {
  const was = privateOutputs;
  privateOutputs = true;
  try {
    return fn();
  } finally {
    privateOutputs = was;
  }
}

/** A zeroed typed array of `dt` with `n` elements in a SharedArrayBuffer (float16: the Float16Array view); private memory inside {@link withPrivateOutputs}. */
export function sharedData(dt: NumericDType, n: number): DataValues {
  const bytes = n * (itemSize(dt) ?? 1);
  return viewAs(dt, new Uint8Array(privateOutputs ? new ArrayBuffer(bytes) : new SharedArrayBuffer(bytes)));
}

/** A zeroed loop array of `dt` (private memory: scratch and intermediates). */
export function newVec(dt: NumericDType, n: number): Vec {
  if (isHalf(dt)) return new Float64Array(n);
  if (isBigType(dt)) return dt.kind === "int" ? new BigInt64Array(n) : new BigUint64Array(n);
  switch (dt.kind) {
    case "bool": return new Uint8Array(n);
    case "int": return dt.bits === 8 ? new Int8Array(n) : dt.bits === 16 ? new Int16Array(n) : new Int32Array(n);
    case "uint": return dt.bits === 8 ? new Uint8Array(n) : dt.bits === 16 ? new Uint16Array(n) : new Uint32Array(n);
    default: return dt.bits === 32 ? new Float32Array(n) : new Float64Array(n);
  }
}

/** The raw bits of float16 data. */
export function halfBits(data: DataValues): Uint16Array {
  const b = bytesOf(data);
  return new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2);
}

/** float16 data → Float64Array of its values (table lookup). */
export function decodeHalf(data: DataValues): Float64Array {
  const bits = halfBits(data);
  const table = f16Values();
  const out = new Float64Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float16 bit pattern of `x` rounded to float16 (ties to even; NaN → the quiet NaN 0x7e00). */
export function halfBitsOf(x: number): number {
  if (x !== x) return 0x7e00;
  // f16round rounds once from the double; the rounded value is exact in float32, whose bits map over.
  f32[0] = f16round(x);
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  if (exp === 0xff) return sign | 0x7c00;
  if (exp === 0) return sign;
  if (exp < 113) return sign | ((0x800000 | (u & 0x7fffff)) >>> (126 - exp)); // subnormal half
  return sign | ((exp - 112) << 10) | ((u & 0x7fffff) >>> 13);
}

/** Store double values rounded to float16 into shared float16 data. */
export function encodeHalfInto(src: ArrayLike<number>, dst: DataValues): void {
  const bits = halfBits(dst);
  for (let i = 0; i < src.length; i++) bits[i] = halfBitsOf(src[i]);
}

/** The loop representation of data of `dt` (no copy except float16, which is decoded). */
export function toVec(data: DataValues, dt: NumericDType): Vec {
  return isHalf(dt) ? decodeHalf(data) : (data as Vec);
}

/** int64/uint64 → float32, correctly rounded (through a double it could round twice). */
export function bigToFloat32(v: bigint): number {
  const neg = v < 0n;
  const m = neg ? -v : v;
  if (m <= 1n << 53n) return Math.fround(Number(v));
  const shift = BigInt(m.toString(2).length - 24);
  let q = m >> shift;
  const rem = m - (q << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  const r = Number(q << shift);
  return Math.fround(neg ? -r : r);
}

/**
 * numpy `astype` of loop values `src` (of `from`) into loop array `dst` (of `to`), element
 * for element. Integers wrap modulo 2^bits; floats round to nearest even; floats → integers
 * truncate toward zero, and NaN / out-of-range values give what numpy gives on x86-64 (the
 * "integer indefinite" 0x80...0 pattern narrowed to the target: int32/int64 min, 0 for
 * int8/int16/uint8/uint16); anything → bool is "nonzero" (NaN is true).
 */
export function castInto(src: Vec, from: NumericDType, dst: Vec, to: NumericDType): void {
  const n = src.length;
  const fromBig = isBigType(from), toBig = isBigType(to);
  if (to.kind === "bool") {
    const d = dst as Uint8Array;
    if (fromBig) { const s = src as BigVec; for (let i = 0; i < n; i++) d[i] = s[i] !== 0n ? 1 : 0; }
    else { const s = src as NumVec; for (let i = 0; i < n; i++) d[i] = s[i] !== 0 ? 1 : 0; }
    return;
  }
  if (fromBig && toBig) { (dst as BigInt64Array).set(src as BigInt64Array); return; }
  if (fromBig) {
    const s = src as BigVec, d = dst as NumVec;
    if (to.kind === "float") {
      if (to.bits === 64) for (let i = 0; i < n; i++) d[i] = Number(s[i]);
      else if (to.bits === 32) for (let i = 0; i < n; i++) d[i] = bigToFloat32(s[i]);
      else for (let i = 0; i < n; i++) d[i] = f16round(Number(s[i]));
    } else {
      // The low 32 bits, then the typed-array store wraps to the narrower width.
      for (let i = 0; i < n; i++) d[i] = Number(BigInt.asIntN(32, s[i]));
    }
    return;
  }
  const s = src as NumVec;
  if (toBig) {
    const d = dst as BigVec;
    if (from.kind === "float") for (let i = 0; i < n; i++) d[i] = floatToInt(s[i], to.kind as "int" | "uint", 64) as bigint;
    else for (let i = 0; i < n; i++) d[i] = BigInt(s[i]);
    return;
  }
  const d = dst as NumVec;
  if (to.kind === "float") {
    if (to.bits === 16) for (let i = 0; i < n; i++) d[i] = f16round(s[i]);
    else d.set(s); // typed-array stores convert exactly / round to nearest even
    return;
  }
  if (from.kind !== "float") { d.set(s); return; } // integer stores wrap modulo 2^bits
  if (to.kind === "uint" && to.bits === 32 && isHalf(from)) {
    // numpy converts float16 → uint32 through a 64-bit conversion: NaN/±inf give 0, negatives wrap.
    for (let i = 0; i < n; i++) { const x = s[i]; d[i] = Number.isFinite(x) ? Math.trunc(x) : 0; }
  } else if (to.kind === "uint" && to.bits === 32) for (let i = 0; i < n; i++) d[i] = floatToInt(s[i], "uint", 32) as number;
  else for (let i = 0; i < n; i++) d[i] = intStore(s[i]);
}

/** `src` (loop values of `from`) as a loop array of `to`: itself when the types match, else a cast copy. */
export function castVec(src: Vec, from: NumericDType, to: NumericDType): Vec {
  if (from.kind === to.kind && (from.kind === "bool" || (from as { bits: number }).bits === (to as { bits: number }).bits)) return src;
  const dst = newVec(to, src.length);
  castInto(src, from, dst, to);
  return dst;
}

/** Loop values of `dt` as result data in shared memory (float16 is encoded; others copied unless already shared). */
export function toShared(v: Vec, dt: NumericDType): DataValues {
  if (isHalf(dt)) {
    const out = sharedData(dt, v.length);
    encodeHalfInto(v as Float64Array, out);
    return out;
  }
  if (v.buffer instanceof SharedArrayBuffer || privateOutputs) return v;
  const out = sharedData(dt, v.length) as Vec;
  (out as Float64Array).set(v as Float64Array);
  return out;
}

/** A loop array of `dt` for results: shared memory, except float16 whose doubles are encoded afterwards by {@link toShared}. */
export function resultVec(dt: NumericDType, n: number): Vec {
  return isHalf(dt) ? new Float64Array(n) : (sharedData(dt, n) as Vec);
}

/** The value of a scalar operand in the loop type `dt` (throws RangeError when an integer does not fit). */
export function scalarIn(v: number | bigint | boolean, dt: NumericDType): number | bigint {
  if (typeof v === "boolean") v = v ? 1 : 0;
  if (dt.kind === "bool") return (typeof v === "bigint" ? v !== 0n : v !== 0) ? 1 : 0;
  if (dt.kind === "float") {
    const x = Number(v);
    return dt.bits === 64 ? x : dt.bits === 32 ? (typeof v === "bigint" ? bigToFloat32(v) : Math.fround(x)) : f16round(x);
  }
  const b = typeof v === "bigint" ? v : BigInt(v);
  const lo = dt.kind === "int" ? -(1n << BigInt(dt.bits - 1)) : 0n;
  const hi = dt.kind === "int" ? (1n << BigInt(dt.bits - 1)) - 1n : (1n << BigInt(dt.bits)) - 1n;
  if (b < lo || b > hi) throw new RangeError(`scalar ${String(v)} is out of range for ${dt.kind}${dt.bits}`);
  return dt.bits === 64 ? b : Number(b);
}

/** Values as numbers: float16 decoded, int64/uint64 converted (rounded to the nearest double). */
export function numbersOf(data: DataValues, dt: NumericDType): NumVec {
  if (isHalf(dt)) return decodeHalf(data);
  if (isBigType(dt)) {
    const v = data as BigVec;
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = Number(v[i]);
    return out;
  }
  return data as NumVec;
}
