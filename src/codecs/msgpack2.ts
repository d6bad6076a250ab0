/**
 * numcodecs `msgpack2` (array → bytes): `msgpack.packb(arr.tolist() + [arr.dtype.str,
 * arr.shape], use_bin_type=True)`, i.e. a msgpack array of the (nested) items, the dtype
 * string and the shape. Configuration `{use_single_float?, use_bin_type?, raw?}`.
 *
 * Decoding uses @msgpack/msgpack (bounded by the input size). Encoding writes msgpack itself:
 * Python's packer picks the smallest int encoding for any int (bigints included) and packs
 * every Python float as a float even when integral, which @msgpack/msgpack cannot be told per
 * value (its bigint mode turns safe integers above 2^32 into floats). The output matches
 * Python msgpack 1.0 byte for byte for None/bool/int/float/str/bytes/list/dict.
 * @module
 */
import { decode as msgpackDecode } from "@msgpack/msgpack";
import { ChunkError, CodecError } from "../format/errors.js";
import { checkFields } from "./bytes-support.js";
import { chunkLeaves, deliverData, dtypeStr, itemsToData, nestValues, unpackItemList } from "./elementwise.js";
import { product } from "../format/ndarray.js";
import type { ArrayToBytesCodec, ChunkSpec, CodecContext, NDArray } from "./types.js";

const NAME = "msgpack2";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A growable byte buffer with big-endian writers (msgpack's byte order). */
function writer() {
  let buf = new Uint8Array(1024);
  let dv = new DataView(buf.buffer);
  let text = Buffer.from(buf.buffer);
  let pos = 0;
  const need = (n: number) => {
    if (pos + n <= buf.length) return;
    const next = new Uint8Array(Math.max(buf.length * 2, pos + n));
    next.set(buf.subarray(0, pos));
    buf = next;
    dv = new DataView(buf.buffer);
    text = Buffer.from(buf.buffer);
  };
  return {
    u8(x: number) { need(1); buf[pos++] = x; },
    u16(x: number) { need(2); dv.setUint16(pos, x); pos += 2; },
    u32(x: number) { need(4); dv.setUint32(pos, x); pos += 4; },
    i8(x: number) { need(1); dv.setInt8(pos, x); pos += 1; },
    i16(x: number) { need(2); dv.setInt16(pos, x); pos += 2; },
    i32(x: number) { need(4); dv.setInt32(pos, x); pos += 4; },
    u64(x: bigint) { need(8); dv.setBigUint64(pos, x); pos += 8; },
    i64(x: bigint) { need(8); dv.setBigInt64(pos, x); pos += 8; },
    f32(x: number) { need(4); dv.setFloat32(pos, x); pos += 4; },
    f64(x: number) { need(8); dv.setFloat64(pos, x); pos += 8; },
    bytes(b: Uint8Array) { need(b.length); buf.set(b, pos); pos += b.length; },
    /** UTF-8 text of a known byte length (Buffer writes in place; no per-string allocation). */
    utf8(s: string, n: number) { need(n); text.write(s, pos, "utf8"); pos += n; },
    done: () => buf.slice(0, pos),
  };
}
type Writer = ReturnType<typeof writer>;

/** A leaf that must be packed as a float (values of float chunks). */
interface PyFloat { readonly f: number }
const FLOATS = new WeakSet<object>();
const pyFloat = (f: number): PyFloat => { const o = { f }; FLOATS.add(o); return o; };

function packFloat(w: Writer, x: number, single: boolean): void {
  if (single) { w.u8(0xca); w.f32(x); } else { w.u8(0xcb); w.f64(x); }
}

/** Python msgpack's int encoding: the smallest fixint/uint/int form. */
function packInt(w: Writer, x: number | bigint): void {
  if (typeof x === "bigint") {
    if (x >= -(2n ** 31n) && x <= 0xffffffffn) return packInt(w, Number(x));
    if (x > 0n && x <= 0xffffffffffffffffn) { w.u8(0xcf); w.u64(x); return; }
    if (x < 0n && x >= -(2n ** 63n)) { w.u8(0xd3); w.i64(x); return; }
    throw new CodecError(NAME, `integer ${x} is too large for msgpack`);
  }
  if (x >= 0) {
    if (x < 0x80) w.u8(x);
    else if (x <= 0xff) { w.u8(0xcc); w.u8(x); }
    else if (x <= 0xffff) { w.u8(0xcd); w.u16(x); }
    else if (x <= 0xffffffff) { w.u8(0xce); w.u32(x); }
    else { w.u8(0xcf); w.u64(BigInt(x)); }
  } else if (x >= -0x20) w.u8(0x100 + x);
  else if (x >= -0x80) { w.u8(0xd0); w.i8(x); }
  else if (x >= -0x8000) { w.u8(0xd1); w.i16(x); }
  else if (x >= -0x80000000) { w.u8(0xd2); w.i32(x); }
  else { w.u8(0xd3); w.i64(BigInt(x)); }
}

/** A str/array/map header: fix form below `fixMax`, then 8-bit (str only), 16-bit, 32-bit. */
function packHeader(w: Writer, n: number, fix: number, fixMax: number, c8: number | null, c16: number, c32: number): void {
  if (n < fixMax) w.u8(fix | n);
  else if (c8 !== null && n <= 0xff) { w.u8(c8); w.u8(n); }
  else if (n <= 0xffff) { w.u8(c16); w.u16(n); }
  else { w.u8(c32); w.u32(n); }
}

/** Pack one Python-like value. */
function pack(w: Writer, v: unknown, single: boolean, depth = 0): void {
  if (depth > 512) throw new CodecError(NAME, "nesting too deep");
  if (v === null || v === undefined) w.u8(0xc0);
  else if (v === true) w.u8(0xc3);
  else if (v === false) w.u8(0xc2);
  else if (typeof v === "number") {
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) packInt(w, v);
    else packFloat(w, v, single);
  } else if (typeof v === "bigint") packInt(w, v);
  else if (typeof v === "string") {
    if (LONE_SURROGATE.test(v)) throw new CodecError(NAME, "a string contains a lone surrogate (not encodable as UTF-8)");
    const n = Buffer.byteLength(v, "utf8");
    packHeader(w, n, 0xa0, 32, 0xd9, 0xda, 0xdb);
    w.utf8(v, n);
  } else if (v instanceof Uint8Array) {
    if (v.length <= 0xff) { w.u8(0xc4); w.u8(v.length); } else if (v.length <= 0xffff) { w.u8(0xc5); w.u16(v.length); } else { w.u8(0xc6); w.u32(v.length); }
    w.bytes(v);
  } else if (typeof v === "object" && FLOATS.has(v)) packFloat(w, (v as PyFloat).f, single);
  else if (Array.isArray(v)) {
    packHeader(w, v.length, 0x90, 16, null, 0xdc, 0xdd);
    for (const x of v) pack(w, x, single, depth + 1);
  } else if (typeof v === "object" && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const keys = Object.keys(v);
    packHeader(w, keys.length, 0x80, 16, null, 0xde, 0xdf);
    for (const k of keys) { pack(w, k, single, depth + 1); pack(w, (v as Record<string, unknown>)[k], single, depth + 1); }
  } else {
    throw new CodecError(NAME, `cannot serialize ${typeof v === "object" ? (v as object).constructor?.name : typeof v}`);
  }
}

/** Safe-range bigints (the decoder's int64/uint64 results) back to numbers, recursively. */
function normaliseInts(v: unknown, depth = 0): unknown {
  if (typeof v === "bigint") return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (depth > 512 || v === null || typeof v !== "object" || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) v[i] = normaliseInts(v[i], depth + 1); return v; }
  for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = normaliseInts((v as Record<string, unknown>)[k], depth + 1);
  return v;
}

/** Factory for numcodecs `msgpack2`. */
export function msgpack2(configuration: Record<string, unknown>, context: CodecContext): ArrayToBytesCodec {
  const { key } = context;
  const config = configuration ?? {};
  checkFields(NAME, config, ["use_single_float", "use_bin_type", "raw"], key);
  const bool = (f: string, d: boolean): boolean => {
    const v = config[f];
    if (v === undefined || v === null) return d;
    if (typeof v !== "boolean") throw new CodecError(NAME, `configuration field "${f}" must be a boolean, got ${JSON.stringify(v)}`, key);
    return v;
  };
  const singleFloat = bool("use_single_float", false);
  // Without bin types Python writes str and bytes alike as raw strings (old spec); not supported.
  if (!bool("use_bin_type", true)) throw new CodecError(NAME, `configuration field "use_bin_type": false is not supported`, key);
  const rawStrings = bool("raw", false);
  return {
    kind: "array-to-bytes",
    name: NAME,
    async encode(a: NDArray): Promise<Uint8Array> {
      const leaves = chunkLeaves(NAME, a, pyFloat, key);
      if (leaves.length !== product(a.shape)) throw new CodecError(NAME, `array has ${leaves.length} elements but shape [${a.shape}] needs ${product(a.shape)}`, key);
      const list = [...nestValues(leaves, a.shape), dtypeStr(NAME, a.dtype, key), a.shape.slice()];
      const w = writer();
      try {
        pack(w, list, singleFloat);
      } catch (e) {
        if (e instanceof CodecError && e.key === undefined) throw new CodecError(NAME, e.message.replace(/^codec msgpack2: /, ""), key);
        throw e;
      }
      return w.done();
    },
    async decode(b: Uint8Array, spec: ChunkSpec, out?: NDArray): Promise<NDArray> {
      let parsed: unknown;
      const max = b.length;
      try {
        parsed = msgpackDecode(b, {
          useBigInt64: true, rawStrings,
          maxStrLength: max, maxBinLength: max, maxArrayLength: max, maxMapLength: max, maxExtLength: max,
        });
      } catch (e) {
        throw new ChunkError(`codec ${NAME}: invalid msgpack data: ${(e as Error).message}`, key, { cause: e });
      }
      parsed = normaliseInts(parsed);
      if (rawStrings && Array.isArray(parsed) && parsed.length >= 2 && parsed[parsed.length - 2] instanceof Uint8Array) {
        parsed[parsed.length - 2] = new TextDecoder().decode(parsed[parsed.length - 2] as Uint8Array);
      }
      const { items } = unpackItemList(NAME, parsed, product(spec.shape), key);
      return deliverData(NAME, itemsToData(NAME, items, spec.dtype, key), spec, out, key);
    },
  };
}
