/**
 * Shared helpers for the array-stage codecs: dtype strings in codec configurations, numpy's
 * type promotion and casting rules (as numpy 1.24 applies them, which numcodecs 0.11 relies
 * on), numpy `.view()` reinterpretation and byte swapping.
 *
 * Arithmetic works on "work arrays": a Float64Array holds every numeric dtype up to 32 bits
 * (and float16/32/64) exactly; int64/uint64 live in BigInt64Array/BigUint64Array. numpy
 * semantics that JS does not give for free (integer wraparound, rounding to float32/16,
 * x86 float→int conversion of out-of-range values) are emulated here, once.
 * @module
 */
import { f16round, getFloat16 } from "@petamoriken/float16";
import {
  Float16, allocate, bytesOf, dtypeName, itemSize, layoutOf, parseV2DataType, toDataType, v2DataTypeJSON, viewAs,
  type DataType, type DataValues, type TypedArray,
} from "../format/dtype.js";
import { ChunkError, CodecError, ZarrError } from "../format/errors.js";
import { product, swapInPlace } from "../format/ndarray.js";
import type { ArrayToArrayCodec, ChunkSpec, NDArray } from "./types.js";

/** Number of elements of a shape. */

// ---------------------------------------------------------------- configuration dtypes

/**
 * Parse a dtype string from a codec configuration: a numpy typestr (`"<i4"`, `"|u1"`, or a bare
 * `"i4"`, which numpy reads as native = little endian here) or a v3 name (`"int32"`, which
 * zarr-python 3 writes for `numcodecs.*` codecs). Throws CodecError naming codec and field.
 */
export function parseCodecDtype(value: unknown, codec: string, field: string, key?: string): DataType {
  if (typeof value !== "string") throw new CodecError(codec, `configuration field "${field}" must be a dtype string, got ${JSON.stringify(value)}`, key);
  try {
    if (/^[<>|=]/.test(value)) return parseV2DataType(value, key, field);
    if (/^[a-zA-Z]\d+(\[\d*[a-zA-Z]+\])?$/.test(value) && !/^[rR]\d+$/.test(value)) return parseV2DataType(`<${value}`, key, field);
    if (value === "?") return { kind: "bool" };
    if (value === "O") return { kind: "object" };
    return toDataType(value);
  } catch (e) {
    if (e instanceof ZarrError && !(e instanceof CodecError)) {
      throw new CodecError(codec, `configuration field "${field}": unrecognised dtype ${JSON.stringify(value)}`, key, { cause: e });
    }
    throw e;
  }
}

// ---------------------------------------------------------------- numeric dtypes

/** The dtypes numeric codecs compute with. */
export type NumericDType = Extract<DataType, { kind: "bool" | "int" | "uint" | "float" }>;

/** True for bool, int*, uint*, float16/32/64. */
export function isNumeric(dt: DataType): dt is NumericDType {
  return dt.kind === "bool" || dt.kind === "int" || dt.kind === "uint" || dt.kind === "float";
}

const I = (bits: 8 | 16 | 32 | 64): NumericDType => ({ kind: "int", bits, endian: "little" });
const U = (bits: 8 | 16 | 32 | 64): NumericDType => ({ kind: "uint", bits, endian: "little" });
const F = (bits: 16 | 32 | 64): NumericDType => ({ kind: "float", bits, endian: "little" });
/** float64, the type of Python floats. */
export const FLOAT64 = F(64);

const bitsOf = (dt: NumericDType): number => (dt.kind === "bool" ? 8 : dt.bits);
/** True when values of `dt` are bigint in memory. */
export const isBig = (dt: NumericDType): boolean => (dt.kind === "int" || dt.kind === "uint") && dt.bits === 64;

/** numpy `promote_types` for numeric dtypes (result in native byte order). */
export function promoteTypes(a: NumericDType, b: NumericDType): NumericDType {
  if (a.kind === "bool") return b.kind === "bool" ? a : { ...b, endian: "little" } as NumericDType;
  if (b.kind === "bool") return { ...a, endian: "little" } as NumericDType;
  if (a.kind === "float" && b.kind === "float") return F(Math.max(a.bits, b.bits) as 16);
  if (a.kind === "float" || b.kind === "float") {
    const [f, i] = a.kind === "float" ? [a, b] : [b, a];
    const need = bitsOf(i) === 8 ? 16 : bitsOf(i) === 16 ? 32 : 64;
    return F(Math.max((f as { bits: number }).bits, need) as 16);
  }
  if (a.kind === b.kind) return (a.kind === "int" ? I : U)(Math.max(a.bits, b.bits) as 8);
  const [s, u] = a.kind === "int" ? [a, b] : [b, a];
  const sb = bitsOf(s), ub = bitsOf(u);
  if (ub < sb) return I(sb as 8);
  return ub < 64 ? I((ub * 2) as 16) : FLOAT64;
}

/**
 * numpy 1.x `result_type(array_of_dt, python_scalar)`: value-based casting. A Python int or
 * float of a category no higher than the array's only widens the result when its value does
 * not fit (numpy's `min_scalar_type`, with its "small unsigned" rule and its ±65000 / ±3.4e38
 * float thresholds); a scalar of a higher category promotes with int64 / float64.
 */
export function scalarResultType(dt: NumericDType, value: number | bigint, isFloat: boolean): NumericDType {
  const cat = (d: NumericDType) => (d.kind === "bool" ? 0 : d.kind === "float" ? 2 : 1);
  const scat = isFloat ? 2 : 1;
  // A Python int's default numpy type is int64, or uint64 when only that holds it.
  if (scat > cat(dt)) return promoteTypes(dt, isFloat ? FLOAT64 : BigInt(value) < 2n ** 63n ? I(64) : U(64));
  if (isFloat) {
    const v = Number(value);
    const min = (v > -65000 && v < 65000) || !Number.isFinite(v) ? F(16) : v > -3.4e38 && v < 3.4e38 ? F(32) : FLOAT64;
    return promoteTypes(dt, min);
  }
  const v = BigInt(value);
  let min: NumericDType;
  let small = false;
  if (v >= 0n) {
    const b = v < 256n ? 8 : v < 65536n ? 16 : v < 2n ** 32n ? 32 : 64;
    min = U(b as 8);
    small = v < 2n ** BigInt(b - 1);
  } else {
    min = I(v >= -128n ? 8 : v >= -32768n ? 16 : v >= -(2n ** 31n) ? 32 : 64);
  }
  // numpy treats an unsigned scalar that also fits the signed type of its size as signed
  // when the array is signed (so int8 - 1 stays int8).
  if (small && dt.kind === "int") min = I(min.kind === "bool" ? 8 : min.bits);
  return promoteTypes(dt, min);
}

// ---------------------------------------------------------------- scalar conversion

/** A work array: float64 for every non-64-bit numeric, bigint arrays for int64/uint64. */
export type Work = Float64Array | BigInt64Array | BigUint64Array;

/** Round a double to float16 / float32 / float64 (round-half-even, as IEEE casts do; the float16 polyfill rounds correctly from float64). */
export function roundFloat(bits: number): (x: number) => number {
  if (bits === 32) return Math.fround;
  if (bits === 16) return f16round;
  return (x) => x;
}

const f16Scratch = new DataView(new ArrayBuffer(2));
let f16Table: Float64Array | undefined;
/** float16 bit pattern → value (table built once; the polyfill's per-element proxy is slow). */
export function f16Values(): Float64Array {
  if (!f16Table) {
    f16Table = new Float64Array(65536);
    for (let i = 0; i < 65536; i++) {
      f16Scratch.setUint16(0, i, true);
      f16Table[i] = getFloat16(f16Scratch, 0, true);
    }
  }
  return f16Table;
}

/** A fast float16 rounding for whole arrays. */
function roundF16Array(w: Float64Array): Float64Array {
  const t = new (Float16 as unknown as new (a: ArrayLike<number>) => ArrayLike<number>)(w);
  return readWork(t as unknown as DataValues, F(16)) as Float64Array;
}

/** Wrap an integer-valued double to a ≤32-bit integer dtype, as C/numpy integer casts do. */
export function wrapInt(x: number, kind: "int" | "uint", bits: number): number {
  switch (bits) {
    case 8: return kind === "int" ? (x << 24) >> 24 : x & 0xff;
    case 16: return kind === "int" ? (x << 16) >> 16 : x & 0xffff;
    default: return kind === "int" ? x | 0 : x >>> 0;
  }
}

/** x86 cvttsd2si (32-bit): truncation, with 0x80000000 for NaN and out-of-range values. */
const cvt32 = (x: number): number => (x > -2147483649 && x < 2147483648 ? Math.trunc(x) : -2147483648);
const TWO63 = 9223372036854775808;
/** x86 cvttsd2si (64-bit). */
const cvt64 = (x: number): bigint => (x >= -TWO63 && x < TWO63 ? BigInt(Math.trunc(x)) : -(2n ** 63n));

/**
 * numpy's float → integer cast as compiled for x86-64 (what numcodecs 0.11 wheels and Debian
 * builds do): truncation toward zero; NaN and out-of-range values give the x86 "integer
 * indefinite" pattern, narrowed the way the compiler narrows (8/16-bit via int32, uint32 and
 * uint64 via the signed conversion of x − 2^31 / x − 2^63). Measured against numpy 1.24.
 */
export function floatToInt(x: number, kind: "int" | "uint", bits: number): number | bigint {
  if (bits <= 16) return wrapInt(cvt32(x), kind, bits);
  if (bits === 32) {
    if (kind === "int") return cvt32(x);
    return x >= 2147483648 ? ((cvt32(x - 2147483648) ^ 0x80000000) >>> 0) : cvt32(x) >>> 0;
  }
  if (kind === "int") return cvt64(x);
  return x >= TWO63 ? BigInt.asUintN(64, cvt64(x - TWO63) ^ (1n << 63n)) : BigInt.asUintN(64, cvt64(x));
}

/** int64/uint64 → float32, correctly rounded (a double intermediate could round twice). */
function bigToF32(v: bigint): number {
  const neg = v < 0n;
  let m = neg ? -v : v;
  if (m <= 2n ** 53n) return Math.fround(Number(v));
  const shift = BigInt(m.toString(2).length - 24);
  let q = m >> shift;
  const rem = m - (q << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  m = q << shift;
  return Math.fround(Number(neg ? -m : m));
}

/** Cast one value from `from` to `to` with numpy `astype` semantics. */
export function castScalar(v: number | bigint, from: NumericDType, to: NumericDType): number | bigint {
  if (to.kind === "bool") return (typeof v === "bigint" ? v !== 0n : v !== 0) ? 1 : 0;
  if (to.kind === "float") {
    if (typeof v === "bigint") return to.bits === 64 ? Number(v) : to.bits === 32 ? bigToF32(v) : f16round(Number(v));
    return roundFloat(to.bits)(v);
  }
  if (typeof v === "bigint") return to.bits === 64 ? (to.kind === "int" ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v)) : wrapInt(Number(BigInt.asIntN(32, v)), to.kind, to.bits);
  if (from.kind === "float") return floatToInt(v, to.kind, to.bits);
  if (to.bits === 64) return to.kind === "int" ? BigInt.asIntN(64, BigInt(v)) : BigInt.asUintN(64, BigInt(v));
  return wrapInt(v, to.kind, to.bits);
}

// ---------------------------------------------------------------- work arrays

/** An empty work array for `n` values of `dt`. */
export function newWork(dt: NumericDType, n: number): Work {
  if (isBig(dt)) return dt.kind === "int" ? new BigInt64Array(n) : new BigUint64Array(n);
  return new Float64Array(n);
}

/** Read typed data of `dt` into a work array (64-bit ints are returned as they are). */
export function readWork(data: DataValues, dt: NumericDType): Work {
  if (isBig(dt)) return data as BigInt64Array | BigUint64Array;
  if (dt.kind === "float" && dt.bits === 16) {
    const bits = new Uint16Array(bytesOf(data).slice().buffer);
    const table = f16Values();
    const out = new Float64Array(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]];
    return out;
  }
  // The typed-array constructor copies float64 data bit for bit and converts the rest exactly.
  return new Float64Array(data as ArrayLike<number>);
}

/** Typed data of `dt` from a work array whose values are already valid for `dt`. */
export function fromWork(w: Work, dt: NumericDType): DataValues {
  if (isBig(dt)) {
    const Ctor = dt.kind === "int" ? BigInt64Array : BigUint64Array;
    return w instanceof Ctor ? w : new Ctor(w.buffer as ArrayBuffer, w.byteOffset, w.length);
  }
  if (dt.kind === "float" && dt.bits === 16) return new (Float16 as unknown as new (a: ArrayLike<number>) => DataValues)(w as Float64Array);
  const out = allocate(dt, w.length) as Exclude<TypedArray, BigInt64Array | BigUint64Array>;
  out.set(w as Float64Array);
  return out;
}

/** Cast a work array of `from` to a work array of `to` with numpy `astype` semantics. */
export function castWork(w: Work, from: NumericDType, to: NumericDType): Work {
  const n = w.length;
  if (sameNumeric(from, to)) return w;
  const out = newWork(to, n);
  if (w instanceof Float64Array) {
    if (to.kind === "float") {
      if (to.bits === 64) (out as Float64Array).set(w);
      else if (to.bits === 32) (out as Float64Array).set(new Float32Array(w));
      else return roundF16Array(w);
      return out;
    }
    if (to.kind === "bool") { for (let i = 0; i < n; i++) (out as Float64Array)[i] = w[i] !== 0 ? 1 : 0; return out; }
    if (from.kind === "float") {
      for (let i = 0; i < n; i++) (out as Float64Array | BigInt64Array)[i] = floatToInt(w[i], to.kind, to.bits) as never;
      return out;
    }
    if (isBig(to)) { for (let i = 0; i < n; i++) (out as BigInt64Array)[i] = BigInt(w[i]); return out; }
    const { kind, bits } = to as { kind: "int" | "uint"; bits: number };
    for (let i = 0; i < n; i++) (out as Float64Array)[i] = wrapInt(w[i], kind, bits);
    return out;
  }
  if (isBig(to)) { for (let i = 0; i < n; i++) (out as BigInt64Array)[i] = w[i]; return out; }
  for (let i = 0; i < n; i++) (out as Float64Array)[i] = castScalar(w[i], from, to) as number;
  return out;
}

// ---------------------------------------------------------------- plain typed-array fast paths

/** The typed arrays of every numeric dtype except float16 and the 64-bit integers. */
export type PlainArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** True when `dt` lives in a {@link PlainArray}: where the codecs' direct loops apply. */
export const isPlain = (dt: NumericDType): boolean => !isBig(dt) && !(dt.kind === "float" && dt.bits === 16);

/** `data` as the plain typed array of `dt`, or undefined (float16, 64-bit ints, another container). */
export function plainArray(data: DataValues, dt: NumericDType): PlainArray | undefined {
  return isPlain(dt) && data instanceof layoutOf(dt).ctor ? (data as PlainArray) : undefined;
}

/**
 * numpy `astype` of plain values (`fromFloat`: the source dtype is a float) into a new plain
 * array of `to`, or undefined when `to` is not plain. Typed-array stores do numpy's work:
 * integer targets wrap modulo 2^bits like C casts, float32 stores round half to even; only
 * float → integer needs a loop, for x86's truncation and its 0x80000000 for NaN/out-of-range.
 */
export function castPlain(src: PlainArray, fromFloat: boolean, to: NumericDType): PlainArray | undefined {
  if (!isPlain(to)) return undefined;
  const n = src.length;
  const out = allocate(to, n) as PlainArray;
  if (to.kind === "bool") {
    for (let i = 0; i < n; i++) out[i] = src[i] !== 0 ? 1 : 0;
  } else if (to.kind === "float" || !fromFloat) {
    out.set(src);
  } else if (to.kind === "uint" && to.bits === 32) {
    for (let i = 0; i < n; i++) out[i] = floatToInt(src[i], "uint", 32) as number;
  } else {
    for (let i = 0; i < n; i++) out[i] = intStore(src[i]);
  }
  return out;
}

/**
 * A float about to be stored into an int8..int32 / uint8/uint16 typed array, so that the store
 * gives numpy's x86 cast: in int32 range the store truncates (and wraps narrow targets) as
 * cvttsd2si + narrowing does; NaN and out-of-range values become the 0x80000000 pattern.
 */
export const intStore = (x: number): number => (x > -2147483649 && x < 2147483648 ? x : -2147483648);

/**
 * A new plain array of `to` that float results may be stored into directly (through
 * {@link intStore} for integer targets), or undefined when `to` needs {@link castPlain}'s
 * special loops (bool, uint32) or is not plain.
 */
export function directTarget(to: NumericDType, n: number): PlainArray | undefined {
  if (!isPlain(to) || to.kind === "bool" || (to.kind === "uint" && to.bits === 32)) return undefined;
  return allocate(to, n) as PlainArray;
}

/** Same value domain (ignores byte order). */
export function sameNumeric(a: NumericDType, b: NumericDType): boolean {
  return a.kind === b.kind && bitsOf(a) === bitsOf(b);
}

/** Bring the double result of arithmetic in `dt` back into `dt`: integer wraparound or float rounding. */
export function normalizer(dt: NumericDType): (x: number) => number {
  if (dt.kind === "float") return roundFloat(dt.bits);
  if (dt.kind === "bool") return (x) => (x !== 0 ? 1 : 0);
  const { kind, bits } = dt;
  return (x) => wrapInt(x, kind, bits);
}

/**
 * `a op s` for every element, both already of type `t`, in `t`'s arithmetic (integer
 * wraparound, float rounding), as numpy computes `array op scalar`.
 */
export function scalarOp(w: Work, s: number | bigint, op: "-" | "*" | "+" | "/", t: NumericDType): Work {
  const n = w.length;
  const out = newWork(t, n);
  if (isBig(t)) {
    const b = BigInt(s);
    const src = w as BigInt64Array, dst = out as BigInt64Array;
    // Typed bigint arrays wrap modulo 2^64 on store.
    if (op === "/") throw new RangeError("integer division is not a numpy true_divide loop");
    if (op === "-") for (let i = 0; i < n; i++) dst[i] = src[i] - b;
    else if (op === "+") for (let i = 0; i < n; i++) dst[i] = src[i] + b;
    else for (let i = 0; i < n; i++) dst[i] = src[i] * b;
    return out;
  }
  const src = w as Float64Array, dst = out as Float64Array;
  const b = Number(s);
  const norm = normalizer(t);
  if (op === "*" && (t.kind === "int" || t.kind === "uint") && t.bits === 32) {
    // A 32×32-bit product exceeds 2^53; imul keeps the low 32 bits exactly.
    for (let i = 0; i < n; i++) dst[i] = norm(Math.imul(src[i], b));
  } else if (op === "-") for (let i = 0; i < n; i++) dst[i] = norm(src[i] - b);
  else if (op === "+") for (let i = 0; i < n; i++) dst[i] = norm(src[i] + b);
  else if (op === "/") for (let i = 0; i < n; i++) dst[i] = norm(src[i] / b);
  else for (let i = 0; i < n; i++) dst[i] = norm(src[i] * b);
  return out;
}

/**
 * A Python scalar (int or float, as in a numcodecs configuration) converted to numpy type `t`,
 * as numpy does before `array op scalar`.
 */
export function pyScalarTo(v: number | bigint, t: NumericDType): number | bigint {
  if (t.kind === "float") return roundFloat(t.bits)(Number(v));
  if (isBig(t)) return BigInt(v);
  if (t.kind === "bool") return v ? 1 : 0;
  return Number(v);
}

/** True when a configuration number stands for a Python float (JSON cannot tell 1.0 from 1; integral values count as ints). */
export const isPyFloat = (v: number | bigint): boolean => typeof v === "number" && !Number.isInteger(v);

/** numpy `around` / `rint`: round half to even, keeping -0. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// ---------------------------------------------------------------- views and byte order

/** The stored byte order of `dt` ("little" for byte-sized and byte-string types). */
export function storedEndian(dt: DataType): "little" | "big" {
  return "endian" in dt && layoutOf(dt).unitBytes > 1 ? dt.endian : "little";
}

/**
 * numpy `.view(to)` of data whose dtype is `from`: the stored bytes (in `from`'s byte order)
 * reread as `to` (in its byte order). This is what numcodecs filters do to their input, so a
 * filter configured with `<i4` on a `>i4` array sees byte-swapped values, exactly as in Python.
 * Returns `data` itself when nothing changes. Throws CodecError when the bytes do not divide.
 */
export function viewData(data: DataValues, from: DataType, to: DataType, codec: string, key?: string): DataValues {
  const lf = layoutOf(from), lt = layoutOf(to);
  if (lf.ctor === Array || lt.ctor === Array) {
    if (lf.ctor === Array && lt.ctor === Array) return data;
    throw new CodecError(codec, "cannot view variable-length data as a fixed-size dtype", key);
  }
  if (lf.ctor === lt.ctor && lf.units === lt.units && (lf.unitBytes === 1 || storedEndian(from) === storedEndian(to))) return data;
  const size = itemSize(to)!;
  const src = bytesOf(data);
  if (size === 0 || src.byteLength % size !== 0) {
    throw new CodecError(codec, `cannot view ${src.byteLength} bytes as elements of ${size} bytes`, key);
  }
  const b = src.slice();
  if (storedEndian(from) === "big") swapInPlace(b, lf.unitBytes);
  if (storedEndian(to) === "big") swapInPlace(b, lt.unitBytes);
  return viewAs(to, b);
}

// ---------------------------------------------------------------- numcodecs filter skeleton

/** What a numcodecs-style elementwise filter supplies to {@link elementwiseCodec}. */
export interface ElementwiseDef {
  name: string;
  /** The dtype numcodecs views its input as (`dtype` in the configuration). */
  dtype: DataType;
  /** The encoded dtype (`astype`). */
  astype: DataType;
  /** Values of `dtype` → values of `astype` (same count). */
  encode(data: DataValues): DataValues;
  /** Values of `astype` → values of `dtype` (same count). */
  decode(data: DataValues): DataValues;
}

/**
 * An array→array codec from an elementwise filter. Like numcodecs, the input is viewed as
 * `dtype` (so a byte-order or kind mismatch reinterprets bytes exactly as numpy does) and the
 * decoded values are viewed back as the chunk dtype. The shape is kept when the element count
 * is unchanged, else the encoded array is 1-D (numcodecs flattens anyway).
 */
export function elementwiseCodec(def: ElementwiseDef, key?: string): ArrayToArrayCodec {
  const { name, dtype, astype } = def;
  const encodedShape = (shape: number[], dt: DataType): number[] => {
    const n = product(shape), m = (n * (itemSize(dt) ?? 0)) / (itemSize(dtype) ?? 1);
    return m === n ? shape.slice() : [m];
  };
  const encodedFill = (spec: ChunkSpec): { fillValue: unknown; fillRaw?: Uint8Array } => {
    try {
      if (itemSize(spec.dtype) !== itemSize(dtype)) return { fillValue: undefined };
      let one: DataValues;
      if (spec.fillRaw) one = viewAs(spec.dtype, spec.fillRaw.slice());
      else {
        const v = spec.fillValue;
        if (!isNumeric(spec.dtype) || (typeof v !== "number" && typeof v !== "bigint" && typeof v !== "boolean")) return { fillValue: undefined };
        one = allocate(spec.dtype, 1);
        (one as unknown as (number | bigint)[])[0] = isBig(spec.dtype) ? BigInt(typeof v === "boolean" ? Number(v) : v) : Number(v);
      }
      const enc = def.encode(viewData(one, spec.dtype, dtype, name, key));
      const value = isNumeric(astype) ? readWork(enc, astype)[0] : (enc as unknown as unknown[])[0];
      return { fillValue: value, fillRaw: bytesOf(enc).slice() };
    } catch {
      return { fillValue: undefined };
    }
  };
  return {
    kind: "array-to-array",
    name,
    encodedSpec(spec) {
      if (itemSize(spec.dtype) === undefined) throw new CodecError(name, "variable-length data is not supported", key);
      const n = product(spec.shape), bytes = n * itemSize(spec.dtype)!;
      if (bytes % itemSize(dtype)! !== 0) throw new CodecError(name, `chunk of ${bytes} bytes cannot be viewed as ${itemSize(dtype)}-byte elements`, key);
      return { shape: encodedShape(spec.shape, spec.dtype), dtype: astype, ...encodedFill(spec) };
    },
    async encode(a) {
      const data = def.encode(viewData(a.data, a.dtype, dtype, name, key));
      return { data, shape: encodedShape(a.shape, a.dtype), dtype: astype };
    },
    async decode(a, spec) {
      const dec = def.decode(viewData(a.data, a.dtype, astype, name, key));
      const data = viewData(dec, dtype, spec.dtype, name, key);
      const expected = product(spec.shape) * layoutOf(spec.dtype).units;
      if ((data as ArrayLike<unknown>).length !== expected) {
        throw new ChunkError(`codec ${name}: decoded ${(data as ArrayLike<unknown>).length} values but the chunk holds ${expected}`, key);
      }
      return { data, shape: spec.shape.slice(), dtype: spec.dtype };
    },
  };
}

/** `dtype` as a numeric dtype, or a CodecError naming the codec and field. */
export function requireNumeric(dt: DataType, codec: string, field: string, key?: string, kinds: readonly string[] = ["bool", "int", "uint", "float"]): NumericDType {
  if (!isNumeric(dt) || !kinds.includes(dt.kind)) {
    throw new CodecError(codec, `configuration field "${field}": unsupported dtype (expected ${kinds.join("/")})`, key);
  }
  return dt;
}

// ---------------------------------------------------------------- numcodecs list layout (json2, msgpack2)

/**
 * Nest flat C-order values by `shape` (numpy `tolist()`): a 2×2 chunk becomes
 * `[[a, b], [c, d]]`. A 0-d chunk gives `[value]`.
 */
export function nestValues<T>(flat: ArrayLike<T>, shape: readonly number[]): unknown[] {
  if (shape.length <= 1) return Array.from(flat);
  let pos = 0;
  const build = (axis: number): unknown[] => {
    const out = new Array<unknown>(shape[axis]);
    for (let i = 0; i < shape[axis]; i++) out[i] = axis === shape.length - 1 ? flat[pos++] : build(axis + 1);
    return out;
  };
  return build(0);
}

/**
 * Check numcodecs' `[*items, dtype, shape]` list and flatten the items by its shape.
 * Returns the flat items, the dtype string and the shape. Throws ChunkError naming `codec`.
 */
export function unpackItemList(codec: string, list: unknown, expected: number, key?: string): { items: unknown[]; dtype: string; shape: number[] } {
  const err = (msg: string) => new ChunkError(`codec ${codec}: ${msg}`, key);
  if (!Array.isArray(list) || list.length < 2) throw err("expected a list ending with the dtype and shape");
  const dtype = list[list.length - 2];
  const shapeRaw = list[list.length - 1];
  if (typeof dtype !== "string") throw err("the dtype entry is not a string");
  if (!Array.isArray(shapeRaw) || !shapeRaw.every((x) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0)) {
    throw err("the shape entry is not a list of non-negative integers");
  }
  const shape = shapeRaw as number[];
  const n = product(shape);
  if (n !== expected) throw err(`shape [${shape}] holds ${n} elements but the chunk has ${expected}`);
  const top = list.slice(0, -2);
  if (shape.length <= 1) {
    if (top.length !== n) throw err(`${top.length} items for shape [${shape}]`);
    return { items: top, dtype, shape };
  }
  const items: unknown[] = [];
  const walk = (v: unknown, axis: number): void => {
    if (!Array.isArray(v) || v.length !== shape[axis]) throw err(`items do not nest as shape [${shape}] at axis ${axis}`);
    if (axis === shape.length - 1) for (const x of v) items.push(x);
    else for (const x of v) walk(x, axis + 1);
  };
  walk(top, 0);
  return { items, dtype, shape };
}

/**
 * Decoded list items → chunk data of `spec.dtype` (as numpy's `dec[:] = items` then zarr's
 * view would give): object arrays keep the values; string arrays take strings (null → "");
 * bytes arrays take Uint8Array (null → empty); numeric arrays cast numbers like numpy.
 */
export function itemsToData(codec: string, items: unknown[], dt: DataType, key?: string): DataValues {
  const err = (i: number, what: string) => new ChunkError(`codec ${codec}: item ${i} ${what} cannot be stored as ${dtypeName(dt)}`, key);
  if (dt.kind === "object") return items;
  if (dt.kind === "string") {
    return items.map((v, i) => {
      if (v === null) return "";
      if (typeof v !== "string") throw err(i, `(${typeof v})`);
      return v;
    });
  }
  if (dt.kind === "bytes") {
    return items.map((v, i) => {
      if (v === null) return new Uint8Array(0);
      if (!(v instanceof Uint8Array)) throw err(i, `(${typeof v})`);
      return v;
    });
  }
  if (!isNumeric(dt)) throw new CodecError(codec, `cannot decode into ${dtypeName(dt)} data`, key);
  const w = newWork(dt, items.length);
  const INT64: NumericDType = I(64);
  for (let i = 0; i < items.length; i++) {
    let v = items[i];
    if (v === null && dt.kind === "float") v = NaN;
    if (typeof v === "boolean") v = v ? 1 : 0;
    if (typeof v === "number" && dt.kind !== "float") {
      if (Number.isInteger(v)) v = BigInt(v);
      else if (dt.kind !== "bool" && !Number.isFinite(v)) throw err(i, `(${v})`);
    }
    if (typeof v !== "number" && typeof v !== "bigint") throw err(i, `(${v === null ? "null" : typeof v})`);
    (w as Float64Array | BigInt64Array)[i] = castScalar(v, typeof v === "bigint" ? INT64 : FLOAT64, dt) as never;
  }
  return fromWork(w, dt);
}

/** Wrap decoded data as the chunk, or copy it into `out` (same container type and length). */
export function deliverData(codec: string, data: DataValues, spec: ChunkSpec, out: NDArray | undefined, key?: string): NDArray {
  if (!out) return { data, shape: spec.shape.slice(), dtype: spec.dtype };
  const src = data as ArrayLike<unknown>, dst = out.data as unknown as { length: number; set?: (a: ArrayLike<unknown>) => void };
  if (dst.length !== src.length || Array.isArray(dst) !== Array.isArray(src)) {
    throw new CodecError(codec, `output array (${dst.length} values) does not match the decoded chunk (${src.length})`, key);
  }
  if (Array.isArray(dst)) for (let i = 0; i < src.length; i++) (dst as unknown[])[i] = src[i];
  else bytesOf(out.data).set(bytesOf(data));
  return out;
}

/**
 * The chunk's values as leaves for numcodecs' list layout: variable-length data as is, bool as
 * booleans, ints as numbers/bigints, floats through `floatLeaf` (Python floats stay floats).
 */
export function chunkLeaves(codec: string, a: NDArray, floatLeaf: (x: number) => unknown, key?: string): ArrayLike<unknown> {
  const dt = a.dtype;
  if (dt.kind === "object" || dt.kind === "string" || dt.kind === "bytes") return a.data as unknown[];
  if (!isNumeric(dt)) throw new CodecError(codec, `cannot encode ${dtypeName(dt)} data`, key);
  const w = readWork(a.data, dt);
  const out = new Array<unknown>(w.length);
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    out[i] = dt.kind === "bool" ? v !== 0 : dt.kind === "float" ? floatLeaf(v as number) : v;
  }
  return out;
}

/** The numpy `dtype.str` numcodecs appends. */
export function dtypeStr(codec: string, dt: DataType, key?: string): string {
  const s = v2DataTypeJSON(dt);
  if (typeof s !== "string") throw new CodecError(codec, `structured data cannot be encoded`, key);
  return s;
}
