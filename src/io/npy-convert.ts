/**
 * Raw-byte conversions between zarrflow's in-memory arrays (native little-endian, C order,
 * see format/dtype.ts) and the element bytes of a `.npy` file (the dtype's declared byte
 * order), plus {@link vlenToFixed}, which turns variable-length strings/bytes into the fixed
 * `U<n>` / `S<n>` arrays numpy itself builds from a Python list.
 *
 * Byte swaps run on byte views (Node's `Buffer.swap16/32/64`), never through float
 * arithmetic, so -0.0 and NaN payloads survive bit for bit.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { bytesOf, itemSize, viewAs, type DataType, type DataValues } from "../format/dtype.js";
import { ChunkError, UnsupportedError } from "../format/errors.js";
import { product, swapInPlace } from "../format/ndarray.js";

/**
 * Width in bytes at which the stored form of `dt` must be byte-swapped to become native,
 * or 0 when stored bytes already are native. Structured records stay raw (each field keeps
 * its declared byte order, as format/dtype.ts specifies), so they never swap here.
 */
export function swapWidth(dt: DataType): 0 | 2 | 4 | 8 {
  switch (dt.kind) {
    case "int": case "uint": case "float":
      return dt.endian === "big" && dt.bits > 8 ? ((dt.bits / 8) as 2 | 4 | 8) : 0;
    case "complex": return dt.endian === "big" ? ((dt.bits / 16) as 4 | 8) : 0;
    case "datetime": case "timedelta": return dt.endian === "big" ? 8 : 0;
    case "fixed-unicode": return dt.endian === "big" ? 4 : 0;
    default: return 0;
  }
}


/** Item size of a fixed-size dtype, or an UnsupportedError naming why a .npy cannot hold it. */
export function npyItemSize(dt: DataType, key?: string): number {
  const n = itemSize(dt);
  if (n !== undefined) return n;
  if (dt.kind === "object")
    throw new UnsupportedError("data type", "object arrays would need pickle in .npy; zarrflow never writes or reads pickle", key);
  throw new UnsupportedError("data type", `variable-length ${dt.kind} has no .npy form; convert it with vlenToFixed() first`, key);
}

/** Native bytes of `a.data`, checked against `a.shape` × item size. */
function nativeBytes(a: NDArray, key?: string): Uint8Array {
  const size = npyItemSize(a.dtype, key);
  const bytes = bytesOf(a.data);
  const want = product(a.shape) * size;
  if (bytes.byteLength !== want)
    throw new ChunkError(`data holds ${bytes.byteLength} bytes but shape [${a.shape.join(", ")}] of ${size}-byte items needs ${want}`, key);
  return bytes;
}

/**
 * Encode elements `[start, start + count)` (C order) of `a` to `.npy` element bytes in the
 * dtype's declared byte order. When no swap is needed the result is a view sharing memory
 * with `a.data` (no copy, since exports of big arrays call this per chunk); otherwise a swapped copy.
 */
export function encodeRange(a: NDArray, start = 0, count = product(a.shape) - start, key?: string): Uint8Array {
  const bytes = nativeBytes(a, key);
  const size = npyItemSize(a.dtype, key);
  const total = product(a.shape);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || start < 0 || count < 0 || start + count > total)
    throw new RangeError(`element range [${start}, ${start + count}) is outside 0..${total}`);
  const part = bytes.subarray(start * size, (start + count) * size);
  const width = swapWidth(a.dtype);
  if (width === 0) return part;
  const copy = part.slice();
  swapInPlace(copy, width);
  return copy;
}

/**
 * Decode `.npy` element bytes (declared byte order) into in-memory data of `dt` (native order).
 * Always copies, so the result is aligned and independent of `bytes`.
 */
export function decodeRaw(dt: DataType, bytes: Uint8Array, key?: string, into?: Uint8Array): DataValues {
  const size = npyItemSize(dt, key);
  if (size > 0 && bytes.byteLength % size !== 0)
    throw new ChunkError(`${bytes.byteLength} bytes is not a whole number of ${size}-byte elements`, key);
  // `into` (at least as long as `bytes`) lets a streaming caller reuse one buffer.
  const copy = into ? into.subarray(0, bytes.byteLength) : bytes.slice();
  if (into) copy.set(bytes);
  swapInPlace(copy, swapWidth(dt));
  return viewAs(dt, copy);
}

/** Code points of `s` (a lone surrogate counts as one, as in Python). */
function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}

/**
 * Turn a variable-length array into the fixed-size array numpy builds from the same list:
 * dtype `string` (string[]) becomes little-endian `U<n>` with n the longest string in code
 * points, and dtype `bytes` (Uint8Array[]) becomes `S<n>` with n the longest byte string;
 * both are at least 1 (numpy's `np.array([''])` is `<U1`). Shorter items are 0-padded, so
 * `encodeNpy(vlenToFixed(a))` is byte-identical to `np.save(f, np.array(list))`. numpy would
 * pickle an object array instead; zarrflow never writes pickle. Fixed-size arrays are returned
 * unchanged; `object` arrays are refused.
 */
export function vlenToFixed(a: NDArray, key?: string): NDArray {
  const { dtype } = a;
  if (dtype.kind !== "string" && dtype.kind !== "bytes") {
    npyItemSize(dtype, key); // throws for `object`
    return a;
  }
  const items = a.data as unknown[];
  const count = product(a.shape);
  if (!Array.isArray(items) || items.length !== count)
    throw new ChunkError(`data must be an array of ${count} ${dtype.kind === "string" ? "strings" : "Uint8Arrays"}`, key);
  if (dtype.kind === "string") {
    const cps = items.map((s, i) => {
      if (typeof s !== "string") throw new ChunkError(`element ${i} is not a string (${s === null ? "null" : typeof s})`, key);
      return codePoints(s);
    });
    const n = cps.reduce((m, c) => Math.max(m, c.length), 1); // no spread: arrays may be huge
    const data = new Uint32Array(count * n);
    cps.forEach((c, i) => data.set(c, i * n));
    return { data, shape: [...a.shape], dtype: { kind: "fixed-unicode", length: n, endian: "little" } };
  }
  items.forEach((b, i) => {
    if (!(b instanceof Uint8Array)) throw new ChunkError(`element ${i} is not a Uint8Array`, key);
  });
  const bs = items as Uint8Array[];
  const n = bs.reduce((m, b) => Math.max(m, b.byteLength), 1);
  const data = new Uint8Array(count * n);
  bs.forEach((b, i) => data.set(b, i * n));
  return { data, shape: [...a.shape], dtype: { kind: "fixed-bytes", size: n } };
}
