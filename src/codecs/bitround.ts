/**
 * numcodecs `bitround` (array → array, lossy): `{keepbits}`. Keeps `keepbits` mantissa bits
 * of float16/32/64 values, rounding half to even on the integer view of the bits exactly as
 * numcodecs 0.11 does (`b += ((b >> m) & 1) + (1 << (m-1)) - 1; b &= mask` with signed
 * wraparound, so NaN/Inf patterns change the same way). Decode is the identity.
 * @module
 */
import { allocate, bytesOf, dtypeName, type DataType, type DataValues } from "../format/dtype.js";
import { CodecError } from "../format/errors.js";
import { checkFields } from "./bytes-support.js";
import { elementwiseCodec } from "./elementwise.js";
import type { ArrayToArrayCodec, CodecContext } from "./types.js";

const NAME = "bitround";
const MANTISSA: Record<number, number> = { 16: 10, 32: 23, 64: 52 };

/** Round ≤32-bit float patterns held in a signed integer view. */
function round32(v: Int16Array | Int32Array, maskbits: number): void {
  const mask = (-1 << maskbits) | 0;
  const half = 2 ** (maskbits - 1) - 1;
  for (let i = 0; i < v.length; i++) {
    const b = v[i];
    // Stored back into the typed array, the sum wraps like numpy's int16/int32 `+=`.
    v[i] = b + ((b >> maskbits) & 1) + half;
    v[i] &= mask;
  }
}

/** Round float64 patterns, as (lo, hi) 32-bit word pairs: 64-bit add with carry, then mask. */
function round64(w: Uint32Array, maskbits: number): void {
  const half = 2 ** (maskbits - 1) - 1;
  for (let i = 0; i < w.length; i += 2) {
    const lo = w[i], hi = w[i + 1];
    const bit = maskbits < 32 ? (lo >>> maskbits) & 1 : (hi >>> (maskbits - 32)) & 1;
    const add = half + bit;
    const addLo = add % 4294967296, addHi = Math.floor(add / 4294967296);
    const sumLo = lo + addLo;
    const carry = sumLo >= 4294967296 ? 1 : 0;
    let nlo = sumLo >>> 0;
    let nhi = (hi + addHi + carry) >>> 0;
    if (maskbits < 32) nlo = (nlo & ((-1 << maskbits) >>> 0)) >>> 0;
    else { nlo = 0; nhi = maskbits === 32 ? nhi : (nhi & ((-1 << (maskbits - 32)) >>> 0)) >>> 0; }
    w[i] = nlo;
    w[i + 1] = nhi;
  }
}

/** Bit-round a copy of float data of `dt`. */
function roundBits(data: DataValues, dt: DataType, keepbits: number, key?: string): DataValues {
  if (dt.kind !== "float") throw new CodecError(NAME, `only float16/32/64 data can be bit-rounded, not ${dtypeName(dt)}`, key);
  const bits = MANTISSA[dt.bits];
  if (keepbits > bits) throw new CodecError(NAME, `keepbits ${keepbits} is too large for ${dtypeName(dt)} (at most ${bits})`, key);
  const n = bytesOf(data).byteLength / (dt.bits / 8);
  const out = allocate(dt, n);
  const b = bytesOf(out);
  b.set(bytesOf(data));
  if (keepbits === bits) return out;
  const maskbits = bits - keepbits;
  if (dt.bits === 16) round32(new Int16Array(b.buffer, b.byteOffset, n), maskbits);
  else if (dt.bits === 32) round32(new Int32Array(b.buffer, b.byteOffset, n), maskbits);
  else round64(new Uint32Array(b.buffer, b.byteOffset, n * 2), maskbits);
  return out;
}

/** Factory for numcodecs `bitround`: `{keepbits}`; works on the chunk's own float dtype. */
export function bitround(configuration: Record<string, unknown>, context: CodecContext): ArrayToArrayCodec {
  const { key } = context;
  const config = configuration ?? {};
  checkFields(NAME, config, ["keepbits"], key);
  const keepbits = config.keepbits;
  if (typeof keepbits !== "number" || !Number.isInteger(keepbits) || keepbits < 0) {
    throw new CodecError(NAME, `configuration field "keepbits" must be an integer >= 0, got ${JSON.stringify(keepbits)}`, key);
  }
  const dt = context.spec.dtype;
  // Like numcodecs, a dtype or keepbits problem only matters when encoding: reading stays possible.
  return elementwiseCodec({
    name: NAME,
    dtype: dt,
    astype: dt,
    encode: (data) => roundBits(data, dt, keepbits, key),
    decode: (data) => data,
  }, key);
}
