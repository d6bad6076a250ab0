/**
 * Variable-length codecs (array → bytes) in numcodecs' format, which zarr-python 3 also uses
 * for v3 `vlen-utf8` / `vlen-bytes`: a uint32 LE item count, then per item a uint32 LE byte
 * length and the bytes.
 *
 * - {@link vlenUtf8}: strings, UTF-8 (decoded items may be substrings of one string holding
 *   the chunk). `null`/`undefined`/`0`/`false` are written as "" (numcodecs
 *   normalises `None` and `0` the same way); strings with lone surrogates are refused, as
 *   Python refuses to encode them.
 * - {@link vlenBytes}: byte strings (`Uint8Array`); missing values as empty. Decoded items are
 *   views into ONE copy of the chunk's bytes (they share a buffer: `item.buffer` is that copy).
 * - {@link vlenArray}: 1-D numeric arrays of `{dtype}`; `null` as an empty array, a scalar as
 *   a 1-element array, values cast like numpy (`1.5` → 1 for ints).
 *
 * Decoding checks every length against the remaining input before touching it, requires
 * exactly the chunk's element count and no trailing bytes.
 * @module
 */
import { isUtf8 } from "node:buffer";
import { Float16, bytesOf, dtypeName, isVariableLength, itemSize, layoutOf, viewAs, type DataType } from "../format/dtype.js";
import { ChunkError, CodecError } from "../format/errors.js";
import { checkFields } from "./bytes-support.js";
import { FLOAT64, castScalar, isNumeric, newWork, fromWork, parseCodecDtype, storedEndian, type NumericDType } from "./elementwise.js";
import { product, swapInPlace } from "../format/ndarray.js";
import type { ArrayToBytesCodec, ChunkSpec, CodecContext, NDArray } from "./types.js";

const INT64: NumericDType = { kind: "int", bits: 64, endian: "little" };

/**
 * Concatenate item payloads behind the count and length headers. Strings are written as
 * UTF-8 straight into the output with Node's Buffer (sized first with `Buffer.byteLength`):
 * a TextEncoder allocation per item is several times slower for many short strings.
 */
function frame(items: (Uint8Array | string)[]): Uint8Array {
  if (items.length > 0xffffffff) throw new RangeError("too many items");
  const sizes = new Float64Array(items.length);
  let total = 4;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    sizes[i] = typeof it === "string" ? Buffer.byteLength(it, "utf8") : it.length;
    // The format's uint32 length field.
    if (sizes[i] > 0xffffffff) throw new RangeError(`item ${i} is ${sizes[i]} bytes, over the 4 GiB item limit`);
    total += 4 + sizes[i];
  }
  const out = new Uint8Array(total);
  const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, items.length, true);
  let pos = 4;
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    dv.setUint32(pos, sizes[i], true);
    pos += 4;
    if (typeof it === "string") buf.write(it, pos, "utf8");
    else out.set(it, pos);
    pos += sizes[i];
  }
  return out;
}

/** Item byte ranges of framed input: `start[i]`, `end[i]`. */
interface Frames { start: Float64Array; end: Float64Array }

/** Locate the items of framed input, validating every size; `n` is the expected count. */
function unframe(codec: string, b: Uint8Array, n: number, key?: string): Frames {
  const err = (msg: string) => new ChunkError(`codec ${codec}: ${msg}`, key);
  if (b.length < 4) throw err(`input of ${b.length} bytes has no item count header`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const items = dv.getUint32(0, true);
  if (items !== n) throw err(`input holds ${items} items but the chunk has ${n} elements`);
  if (4 + 4 * items > b.length) throw err(`${items} items need at least ${4 + 4 * items} bytes, input has ${b.length}`);
  const start = new Float64Array(items), end = new Float64Array(items);
  let pos = 4;
  for (let i = 0; i < items; i++) {
    if (pos + 4 > b.length) throw err(`truncated: item ${i} length header at byte ${pos} is past the end (${b.length} bytes)`);
    const len = dv.getUint32(pos, true);
    pos += 4;
    if (len > b.length - pos) throw err(`truncated: item ${i} declares ${len} bytes but only ${b.length - pos} remain`);
    start[i] = pos;
    end[i] = pos += len;
  }
  if (pos !== b.length) throw err(`${b.length - pos} trailing bytes after ${items} items`);
  return { start, end };
}

function requireVariable(codec: string, dt: DataType, key?: string): void {
  if (!isVariableLength(dt)) throw new CodecError(codec, `needs a variable-length (string/bytes/object) dtype, not ${dtypeName(dt)}`, key);
}

/** The output element array: `out.data` when given (checked), else a new array. */
function target(codec: string, spec: ChunkSpec, n: number, out: NDArray | undefined, key?: string): NDArray {
  if (!out) return { data: new Array<unknown>(n), shape: spec.shape.slice(), dtype: spec.dtype };
  if (!Array.isArray(out.data) || out.data.length !== n) throw new CodecError(codec, `output array must be a plain array of ${n} elements`, key);
  return out;
}

/** Python treats None, 0 and False as missing (`x is None or x == 0`). */
const isMissing = (v: unknown): boolean => v === null || v === undefined || v === 0 || v === false || v === 0n;

/** A factory for one vlen variant. */
function vlen(
  name: string,
  encodeItem: (v: unknown, i: number) => Uint8Array | string,
  decodeItem: (b: Uint8Array, start: number, end: number, i: number, text: Buffer) => unknown,
  decodeAll?: (b: Uint8Array, frames: Frames, data: unknown[]) => boolean,
) {
  return (configuration: Record<string, unknown>, context: CodecContext, allowed: string[] = []): ArrayToBytesCodec => {
    const { key } = context;
    checkFields(name, configuration ?? {}, allowed, key);
    return {
      kind: "array-to-bytes",
      name,
      async encode(a: NDArray): Promise<Uint8Array> {
        requireVariable(name, a.dtype, key);
        const data = a.data as unknown[];
        const n = product(a.shape);
        if (data.length !== n) throw new CodecError(name, `array has ${data.length} elements but shape [${a.shape}] needs ${n}`, key);
        const items = new Array<Uint8Array | string>(n);
        for (let i = 0; i < n; i++) items[i] = encodeItem(data[i], i);
        return frame(items);
      },
      async decode(b: Uint8Array, spec: ChunkSpec, out?: NDArray): Promise<NDArray> {
        requireVariable(name, spec.dtype, key);
        const n = product(spec.shape);
        const frames = unframe(name, b, n, key);
        const { start, end } = frames;
        const t = target(name, spec, n, out, key);
        const data = t.data as unknown[];
        if (decodeAll?.(b, frames, data)) return t;
        const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
        for (let i = 0; i < n; i++) data[i] = decodeItem(b, start[i], end[i], i, text);
        return t;
      },
    };
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whole-chunk UTF-8 decode: the payloads are packed together, decoded by ONE native call, and
 * every item is a substring of the result (a native call per short item costs more than its
 * decoding). While packing, each item's UTF-16 length is counted from its lead bytes, and an
 * item that starts with a continuation byte or ends inside a sequence bails out, so items
 * cannot borrow bytes from their neighbours. Any U+FFFD in the result (an invalid sequence, or
 * a genuine one) also bails out; the caller then decodes item by item, strictly.
 */
function decodeUtf8All(b: Uint8Array, frames: Frames, data: unknown[]): boolean {
  const { start, end } = frames;
  const n = start.length;
  const packed = new Uint8Array(n === 0 ? 0 : end[n - 1] - start[0] - 4 * (n - 1));
  const units = new Float64Array(n + 1);
  let q = 0, u = 0;
  for (let i = 0; i < n; i++) {
    const e = end[i];
    units[i] = u;
    for (let k = start[i]; k < e;) {
      const c = b[k];
      if (c < 0x80) { packed[q++] = c; k++; u++; continue; }
      const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
      if (len === 0 || k + len > e) return false;
      for (let j = 0; j < len; j++) packed[q++] = b[k + j];
      k += len;
      u += len === 4 ? 2 : 1;
    }
  }
  units[n] = u;
  const all = Buffer.from(packed.buffer, packed.byteOffset, q).toString("utf8");
  if (all.length !== u || all.includes("\uFFFD")) return false;
  for (let i = 0; i < n; i++) data[i] = all.substring(units[i], units[i + 1]);
  return true;
}

const utf8 = vlen(
  "vlen-utf8",
  (v, i) => {
    if (isMissing(v)) return "";
    if (typeof v !== "string") throw new CodecError("vlen-utf8", `element ${i}: expected a string, found ${typeof v}`);
    if (LONE_SURROGATE.test(v)) throw new CodecError("vlen-utf8", `element ${i}: string contains a lone surrogate (not encodable as UTF-8)`);
    return v;
  },
  (b, start, end, i, text) => {
    // Buffer's decoder is fast but replaces invalid sequences with U+FFFD; only when one shows
    // up is the item checked strictly (it may also be a genuine U+FFFD).
    const s = text.toString("utf8", start, end);
    if (s.includes("\uFFFD") && !isUtf8(b.subarray(start, end))) throw new ChunkError(`codec vlen-utf8: item ${i} is not valid UTF-8`);
    return s;
  },
  decodeUtf8All,
);

/** Factory for `vlen-utf8` (v2 filter id and v3 codec name; no configuration). */
export function vlenUtf8(configuration: Record<string, unknown>, context: CodecContext): ArrayToBytesCodec {
  return utf8(configuration, context);
}

const bytesVariant = vlen(
  "vlen-bytes",
  (v, i) => {
    if (isMissing(v)) return new Uint8Array(0);
    if (!(v instanceof Uint8Array)) throw new CodecError("vlen-bytes", `element ${i}: expected a Uint8Array, found ${typeof v === "object" ? (v as object).constructor?.name : typeof v}`);
    return v;
  },
  (b, start, end) => b.slice(start, end),
  (b, { start, end }, data) => {
    // One copy of the input; every item is a view into it (a copy per item is several times slower).
    const copy = b.slice();
    for (let i = 0; i < start.length; i++) data[i] = copy.subarray(start[i], end[i]);
    return true;
  },
);

/** Factory for `vlen-bytes` (v2 filter id and v3 codec name; no configuration). */
export function vlenBytes(configuration: Record<string, unknown>, context: CodecContext): ArrayToBytesCodec {
  return bytesVariant(configuration, context);
}

/** Factory for numcodecs `vlen-array`: `{dtype}`, items are 1-D arrays of `dtype`. */
export function vlenArray(configuration: Record<string, unknown>, context: CodecContext): ArrayToBytesCodec {
  const NAME = "vlen-array";
  const { key } = context;
  const dt = parseCodecDtype((configuration ?? {}).dtype, NAME, "dtype", key);
  if (!isNumeric(dt)) throw new CodecError(NAME, `configuration field "dtype": unsupported item dtype ${dtypeName(dt)} (expected bool/int/uint/float)`, key);
  const size = itemSize(dt)!;
  const { ctor, unitBytes } = layoutOf(dt);
  const big = storedEndian(dt) === "big";
  const encodeItem = (v: unknown, i: number): Uint8Array => {
    if (v === null || v === undefined) return new Uint8Array(0);
    let bytes: Uint8Array;
    if (v instanceof (ctor as unknown as typeof Uint8Array) || (dt.kind === "float" && dt.bits === 16 && v instanceof (Float16 as unknown as typeof Uint8Array))) {
      bytes = bytesOf(v as Uint8Array).slice();
    } else {
      const list: unknown[] = typeof v === "number" || typeof v === "bigint" || typeof v === "boolean" ? [v] : Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<unknown>) : [];
      if (list.length === 0 && !(Array.isArray(v) || ArrayBuffer.isView(v))) throw new CodecError(NAME, `element ${i}: expected an array of numbers`, key);
      const w = newWork(dt, list.length);
      list.forEach((x, j) => {
        if (typeof x === "boolean") x = Number(x);
        if (typeof x !== "number" && typeof x !== "bigint") throw new CodecError(NAME, `element ${i}: only 1-dimensional arrays of numbers are supported`, key);
        const from = typeof x === "bigint" || Number.isInteger(x) ? INT64 : FLOAT64;
        (w as Float64Array | BigInt64Array)[j] = castScalar(from === INT64 && typeof x === "number" ? BigInt(x) : x, from, dt) as never;
      });
      bytes = bytesOf(fromWork(w, dt));
    }
    if (big) swapInPlace(bytes, unitBytes);
    return bytes;
  };
  const decodeItem = (b: Uint8Array, start: number, end: number, i: number): unknown => {
    if ((end - start) % size !== 0) throw new ChunkError(`codec ${NAME}: item ${i} has ${end - start} bytes, not a multiple of the ${size}-byte ${dtypeName(dt)}`, key);
    const copy = b.slice(start, end);
    if (big) swapInPlace(copy, unitBytes);
    return viewAs(dt, copy);
  };
  return vlen(NAME, encodeItem, decodeItem)(configuration, context, ["dtype"]);
}
