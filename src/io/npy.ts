/**
 * `.npy` files, byte-for-byte as numpy 1.24 (`numpy.lib.format`) reads and writes them.
 *
 * Layout: magic `\x93NUMPY`, version byte pair, header length (u16 LE for 1.0, u32 LE for
 * 2.0/3.0), then the header text: the repr of a Python dict
 * `{'descr': '<i2', 'fortran_order': False, 'shape': (3, 4), }`, followed by
 * 21 − len(str(growth-axis length)) spaces (numpy reserves room to grow the first C axis,
 * or last Fortran axis, in place), then spaces and a final `\n` so that magic + length +
 * header ends on a multiple of 64 bytes. numpy pads with 1..64 spaces — a header that would
 * already end on the boundary gets 64 more. Version: 1.0 (latin-1) unless the header is longer
 * than 65535 bytes (2.0, latin-1) or has characters outside latin-1 (3.0, UTF-8).
 *
 * The data follows: elements in C order (or Fortran order when `fortran_order`), each in the
 * dtype's declared byte order. numpy pickles object arrays; zarrflow refuses to read those and
 * never writes pickle — {@link vlenToFixed} turns string/bytes arrays into the `U<n>`/`S<n>`
 * arrays numpy builds from a Python list, which is what `np.array(list)` would save.
 *
 * The header is parsed by a small Python-literal reader (strings in either quote style with
 * escapes, ints incl. Python 2 `L` suffixes, True/False/None, tuples, lists, dicts, trailing
 * commas) written here because no installed library parses Python literals, and because
 * eval-like parsing must stay bounded (depth and size limits) on hostile input.
 * @module
 */
import { Buffer } from "node:buffer";
import { open, rm, type FileHandle } from "node:fs/promises";
import type { NDArray } from "../codecs/types.js";
import { itemSize, parseV2DataType, v2DataTypeJSON, type DataType, type StructField } from "../format/dtype.js";
import { ChunkError, MetadataError, SelectionError, StoreError, UnsupportedError } from "../format/errors.js";
import { decodeRaw, encodeRange, npyItemSize } from "./npy-convert.js";
import { product } from "../format/ndarray.js";

export { vlenToFixed, encodeRange, decodeRaw } from "./npy-convert.js";

/** The six bytes every .npy file starts with. */
export const NPY_MAGIC: Uint8Array = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59);
/** numpy's `ARRAY_ALIGN`: header + preamble end on this boundary. */
const ARRAY_ALIGN = 64;
/** numpy's `GROWTH_AXIS_MAX_DIGITS`: spare spaces reserved for the growth axis length. */
const GROWTH_AXIS_MAX_DIGITS = 21;
/** numpy's NPY_MAXDIMS (1.24): it cannot load arrays of more dimensions. */
const MAX_DIMS = 32;
/** Nesting limit for header literals (bounded recursion on hostile headers). */
const MAX_DEPTH = 32;
/** Default cap on a header's size; numpy's own default is 10 000 characters. */
export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024 * 1024;

/** What a .npy header declares. */
export interface NpyHeader {
  version: 1 | 2 | 3;
  dtype: DataType;
  shape: number[];
  fortranOrder: boolean;
  /** Bytes before the data: magic, version, length field and header text. */
  headerLength: number;
  /** Bytes per element. */
  itemSize: number;
  /** Number of elements (1 for 0-d). */
  length: number;
  /** Bytes of element data the header declares. */
  dataBytes: number;
}

/** Options for reading headers. */
export interface NpyReadOptions {
  /** Name used in error messages (a path); defaults to none. */
  key?: string;
  /** Refuse headers longer than this (default {@link DEFAULT_MAX_HEADER_BYTES}). */
  maxHeaderBytes?: number;
}

// ---------------------------------------------------------------- Python repr (writing)

/** Python's "not printable" classes (Other, Separator); Python escapes these in str repr. */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/** Python 3 `repr(str)`: quote choice and escapes as CPython makes them. */
function pyStr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === q || ch === "\\") out += "\\" + ch;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (cp < 0x20 || cp === 0x7f) out += "\\x" + hex(cp, 2);
    else if (cp < 0x7f || ch === " " || !NON_PRINTABLE.test(ch)) out += ch;
    else if (cp < 0x100) out += "\\x" + hex(cp, 2);
    else if (cp < 0x10000) out += "\\u" + hex(cp, 4);
    else out += "\\U" + hex(cp, 8);
  }
  return out + q;
}

/** Python `repr(tuple_of_ints)`: `()`, `(5,)`, `(3, 4)`. */
function pyTuple(ns: readonly number[]): string {
  return ns.length === 1 ? `(${ns[0]},)` : `(${ns.join(", ")})`;
}

/** numpy's `dtype.str` for a non-structured dtype. */
function typeStr(dt: DataType, key?: string): string {
  if (dt.kind === "datetime" || dt.kind === "timedelta") {
    const head = `${dt.endian === "big" ? ">" : "<"}${dt.kind === "datetime" ? "M" : "m"}8`;
    return dt.unit === "generic" ? head : `${head}[${dt.scale === 1 ? "" : dt.scale}${dt.unit}]`;
  }
  npyItemSize(dt, key); // refuses variable-length kinds
  return v2DataTypeJSON(dt) as string;
}

/**
 * The `descr` literal numpy writes for `dt`: `'<f8'`, or for structured dtypes the
 * list-of-tuples `dtype.descr` repr, with `('', '|V<n>')` entries for padding gaps.
 */
export function npyDescr(dt: DataType, key?: string): string {
  if (dt.kind !== "structured") return pyStr(typeStr(dt, key));
  const parts: string[] = [];
  let end = 0;
  const refuse = (why: string): never => { throw new UnsupportedError("data type", `${why}; numpy cannot describe it in a .npy header`, key); };
  for (const f of dt.fields) {
    if (f.name === "") refuse("a structured field has an empty name");
    if (f.offset < end) refuse(`field ${JSON.stringify(f.name)} overlaps or is out of order`);
    if (f.offset > end) parts.push(`('', '|V${f.offset - end}')`);
    const shape = f.shape.length ? `, ${pyTuple(f.shape)}` : "";
    parts.push(`(${pyStr(f.name)}, ${npyDescr(f.dtype, key)}${shape})`);
    end = f.offset + npyItemSize(f.dtype, key) * product(f.shape);
  }
  if (dt.itemsize < end) refuse(`itemsize ${dt.itemsize} is smaller than its fields`);
  if (dt.itemsize > end) parts.push(`('', '|V${dt.itemsize - end}')`);
  return `[${parts.join(", ")}]`;
}

function checkShape(shape: readonly number[], key?: string): void {
  if (shape.length > MAX_DIMS) throw new UnsupportedError("shape", `${shape.length} dimensions (numpy allows ${MAX_DIMS})`, key);
  for (const d of shape)
    if (!Number.isSafeInteger(d) || d < 0) throw new MetadataError(`dimension ${d} is not a non-negative integer`, key, "shape");
}

/** Element count and data bytes of `shape` × `dt`, refusing sizes beyond exact JS integers. */
function dataSize(dt: DataType, shape: readonly number[], key?: string): { size: number; length: number; bytes: number } {
  const size = npyItemSize(dt, key);
  let length = 1;
  for (const d of shape) {
    length *= d;
    if (!Number.isSafeInteger(length)) throw new MetadataError(`shape [${shape.join(", ")}] has too many elements`, key, "shape");
  }
  const bytes = length * size;
  if (!Number.isSafeInteger(bytes)) throw new MetadataError(`shape [${shape.join(", ")}] × ${size}-byte items is too large`, key, "shape");
  return { size, length, bytes };
}

/** Preamble + header text + padding, as numpy's `_wrap_header`; undefined when too long for 1.0. */
function wrapHeader(text: Uint8Array, version: 1 | 2 | 3): Uint8Array | undefined {
  const lenBytes = version === 1 ? 2 : 4;
  const hlen = text.length + 1; // + final "\n"
  const padlen = ARRAY_ALIGN - ((8 + lenBytes + hlen) % ARRAY_ALIGN);
  const total = hlen + padlen;
  if (total > (version === 1 ? 0xffff : 0xffffffff)) return undefined;
  const out = new Uint8Array(8 + lenBytes + total).fill(0x20);
  out.set(NPY_MAGIC);
  out[6] = version;
  out[7] = 0;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, total, true);
  else dv.setUint32(8, total, true);
  out.set(text, 8 + lenBytes);
  out[out.length - 1] = 0x0a;
  return out;
}

/**
 * The complete header (magic through final `\n`) numpy's `np.save` writes for an array of
 * `dtype` and `shape`, choosing the version as numpy does.
 */
export function npyHeader(dtype: DataType, shape: readonly number[], fortranOrder = false, key?: string): Uint8Array {
  checkShape(shape, key);
  dataSize(dtype, shape, key);
  const f = fortranOrder ? "True" : "False";
  let text = `{'descr': ${npyDescr(dtype, key)}, 'fortran_order': ${f}, 'shape': ${pyTuple(shape)}, }`;
  if (shape.length > 0) {
    const growth = String(shape[fortranOrder ? shape.length - 1 : 0]).length;
    text += " ".repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - growth));
  }
  // Every char of a repr is a full code point (lone surrogates are escaped), so the
  // latin-1 test per UTF-16 unit is exact.
  if (!/[^\u0000-\u00ff]/.test(text)) {
    const latin1 = Buffer.from(text, "latin1");
    const h = wrapHeader(latin1, 1) ?? wrapHeader(latin1, 2);
    if (h) return h;
  } else {
    const h = wrapHeader(Buffer.from(text, "utf8"), 3);
    if (h) return h;
  }
  throw new UnsupportedError("header", `header of ${text.length} characters is too long for any .npy version`, key);
}

// ---------------------------------------------------------------- Python literal (reading)

/** A Python tuple (distinguished from a list, which is a JS array). */
interface PyTuple {
  tuple: PyValue[];
}
/** The Python literal values a header may contain. */
type PyValue = string | bigint | boolean | null | PyValue[] | PyTuple | Map<string, PyValue>;

const isTuple = (v: PyValue | undefined): v is PyTuple =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Map);

const CLOSERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
const SIMPLE_ESCAPES: Record<string, string> = {
  "\n": "", "\\": "\\", "'": "'", '"': '"', n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", f: "\f", v: "\v",
};

/** Parse the Python literal `text` (what `ast.literal_eval` would accept, minus floats/bytes/sets). */
function parsePyLiteral(text: string, fail: (msg: string) => never): PyValue {
  let i = 0;
  const skip = () => {
    for (;;) {
      const c = text[i];
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f") i++;
      else if (c === "#") while (i < text.length && text[i] !== "\n") i++;
      else if (c === "\\" && text[i + 1] === "\n") i += 2;
      else return;
    }
  };
  const at = () => (i < text.length ? `at offset ${i}` : "at end of header");

  const hexEscape = (digits: number): string => {
    const h = text.slice(i, i + digits);
    if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(h)) fail(`truncated \\x/\\u/\\U escape ${at()}`);
    const cp = parseInt(h, 16);
    if (cp > 0x10ffff) fail(`escape \\U${h} is beyond Unicode ${at()}`);
    i += digits;
    return String.fromCodePoint(cp);
  };

  const stringBody = (raw: boolean): string => {
    const q = text[i];
    const close = text.startsWith(q + q + q, i) ? q + q + q : q;
    i += close.length;
    let out = "";
    for (;;) {
      if (i >= text.length) fail("unterminated string literal");
      if (text.startsWith(close, i)) { i += close.length; return out; }
      const c = text[i];
      if (c === "\n" && close.length === 1) fail(`line break inside a string ${at()}`);
      if (c !== "\\") { out += c; i++; continue; }
      const e = text[i + 1];
      if (e === undefined) fail("unterminated string literal");
      i += 2;
      if (raw) { out += c + e; continue; }
      if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
      else if (e === "x") out += hexEscape(2);
      else if (e === "u") out += hexEscape(4);
      else if (e === "U") out += hexEscape(8);
      else if (e === "N") fail(`\\N{...} escapes are not supported ${at()}`);
      else if (e >= "0" && e <= "7") {
        let oct = e;
        while (oct.length < 3 && text[i] >= "0" && text[i] <= "7") oct += text[i++];
        out += String.fromCodePoint(parseInt(oct, 8));
      } else out += c + e; // Python keeps unknown escapes verbatim
    }
  };

  /** One or more adjacent string literals (Python concatenates them). */
  const strings = (): string => {
    let out = "";
    for (;;) {
      skip();
      const m = /^[A-Za-z]{0,2}(?=['"])/.exec(text.slice(i, i + 3));
      if (!m) return out;
      const prefix = m[0].toLowerCase();
      if (prefix.includes("b")) fail(`bytes literals are not allowed ${at()}`);
      if (prefix !== "" && prefix !== "r" && prefix !== "u") fail(`unsupported string prefix ${JSON.stringify(m[0])} ${at()}`);
      i += m[0].length;
      out += stringBody(prefix === "r");
    }
  };

  const number = (): bigint => {
    const m = /^([+-]?)\s*(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|[0-9][0-9_]*)([lL]?)/.exec(text.slice(i, i + 200));
    if (!m) fail(`malformed number ${at()}`);
    i += m[0].length;
    if (/^[.eEjJ0-9A-Za-z_]/.test(text[i] ?? "")) fail(`only integer numbers are allowed ${at()}`);
    // Python 2 wrote longs with an L suffix; numpy's _filter_header drops it for 1.0/2.0 files.
    const v = BigInt(m[2].replace(/_/g, ""));
    return m[1] === "-" ? -v : v;
  };

  const container = (depth: number): PyValue => {
    const openCh = text[i++];
    const closeCh = CLOSERS[openCh];
    const items: PyValue[] = [];
    const dict = new Map<string, PyValue>();
    let count = 0;
    let comma = false;
    for (;;) {
      skip();
      if (text[i] === closeCh) { i++; break; }
      if (count > 0 && !comma) fail(`expected ',' or '${closeCh}' ${at()}`);
      const v = value(depth + 1);
      if (openCh === "{") {
        skip();
        if (text[i] !== ":") fail(`expected ':' ${at()}`);
        i++;
        if (typeof v !== "string") fail("dictionary keys must be strings");
        dict.set(v, value(depth + 1));
      } else items.push(v);
      count++;
      skip();
      comma = text[i] === ",";
      if (comma) i++;
    }
    if (openCh === "{") return dict;
    if (openCh === "[") return items;
    return count === 1 && !comma ? items[0] : { tuple: items }; // `(x)` is just x
  };

  const value = (depth: number): PyValue => {
    if (depth > MAX_DEPTH) fail(`literal nested deeper than ${MAX_DEPTH} levels`);
    skip();
    const c = text[i];
    if (c === undefined) fail("unexpected end of header");
    if (c in CLOSERS) return container(depth);
    if (c === "'" || c === '"') return strings();
    if (c === "+" || c === "-" || (c >= "0" && c <= "9")) return number();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 64))?.[0];
    if (word !== undefined) {
      if (word.length <= 2 && (text[i + word.length] === "'" || text[i + word.length] === '"')) return strings();
      i += word.length;
      if (word === "True") return true;
      if (word === "False") return false;
      if (word === "None") return null;
      fail(`unexpected name ${JSON.stringify(word)} ${at()}`);
    }
    return fail(`unexpected character ${JSON.stringify(c)} ${at()}`);
  };

  const v = value(0);
  skip();
  if (i < text.length) fail(`unexpected text after the header dictionary ${at()}`);
  return v;
}

// ---------------------------------------------------------------- descr → DataType

/** Dtype of a numpy type string (`'<f8'`, `'|b1'`, `'>M8[10ms]'`, `'<M8'`...). */
function fromTypeStr(s: string, key: string | undefined, field: string): DataType {
  const m = /^([<>|=]?)(.*)$/s.exec(s)!;
  let rest = m[2];
  if (rest === "?") rest = "b1";
  if (/^O\d*$/.test(rest))
    throw new UnsupportedError("data type", "object arrays are stored pickled; zarrflow never unpickles (save a fixed-size dtype such as U<n> or S<n> instead)", key);
  const order = m[1] === ">" ? ">" : m[1] === "|" ? "|" : "<"; // "=" and none mean native (little)
  const generic = /^([Mm])8$/.exec(rest);
  if (generic)
    return { kind: generic[1] === "M" ? "datetime" : "timedelta", unit: "generic", scale: 1, endian: order === ">" ? "big" : "little" };
  const dt = parseV2DataType(order + rest, key, field);
  if ((dt.kind === "int" || dt.kind === "uint") && dt.bits === 8) dt.endian = "little"; // 1-byte: no order
  if (dt.kind === "datetime" || dt.kind === "timedelta") {
    if (!(dt.scale >= 1) || !Number.isSafeInteger(dt.scale) || dt.unit === "generic")
      throw new MetadataError(`unsupported dtype ${JSON.stringify(s)}`, key, field);
  }
  return dt;
}

/** Non-negative dimensions from a header tuple (field shapes may also be a bare int, as numpy allows). */
function dims(v: PyValue | undefined, key: string | undefined, field: string, allowInt = false): number[] {
  const items = typeof v === "bigint" && allowInt ? [v] : isTuple(v) ? v.tuple : undefined;
  if (!items || !items.every((x): x is bigint => typeof x === "bigint"))
    throw new MetadataError("must be a tuple of integers", key, field);
  if (items.length > MAX_DIMS) throw new UnsupportedError("shape", `${items.length} dimensions (numpy allows ${MAX_DIMS})`, key);
  return items.map((d) => {
    if (d < 0n) throw new MetadataError(`negative dimension ${d}`, key, field);
    if (d > BigInt(Number.MAX_SAFE_INTEGER)) throw new MetadataError(`dimension ${d} is too large`, key, field);
    return Number(d);
  });
}

/** Dtype of a header `descr` (numpy's `descr_to_dtype`, with padding entries folded into offsets). */
function fromDescr(v: PyValue | undefined, key: string | undefined, field: string): DataType {
  if (typeof v === "string") return fromTypeStr(v, key, field);
  if (!Array.isArray(v)) {
    if (isTuple(v)) throw new UnsupportedError("data type", "a sub-array descr outside a structured field", key);
    throw new MetadataError("must be a type string or a list of fields", key, field);
  }
  const fields: StructField[] = [];
  const names = new Set<string>();
  let offset = 0;
  for (const [n, f] of v.entries()) {
    const where = `${field}[${n}]`;
    const parts = Array.isArray(f) ? f : isTuple(f) ? f.tuple : undefined;
    if (!parts || (parts.length !== 2 && parts.length !== 3))
      throw new MetadataError("field must be (name, descr) or (name, descr, shape)", key, where);
    const name = parts[0];
    if (isTuple(name)) throw new UnsupportedError("data type", "structured field titles", key);
    if (typeof name !== "string") throw new MetadataError("field name must be a string", key, where);
    const dtype = fromDescr(parts[1], key, where);
    const shape = parts.length === 3 ? dims(parts[2], key, `${where} shape`, true) : [];
    const size = itemSize(dtype)! * product(shape);
    // numpy drops unnamed void / sub-array entries: they are padding (is_pad in descr_to_dtype).
    const isPad = name === "" && (dtype.kind === "raw" || shape.length > 0);
    if (!isPad) {
      if (name === "") throw new MetadataError("empty field name", key, where);
      if (names.has(name)) throw new MetadataError(`duplicate field name ${JSON.stringify(name)}`, key, where);
      names.add(name);
      fields.push({ name, dtype, shape, offset });
    }
    offset += size;
    if (!Number.isSafeInteger(offset)) throw new MetadataError("structured itemsize is too large", key, where);
  }
  return { kind: "structured", fields, itemsize: offset };
}

// ---------------------------------------------------------------- header parsing

/**
 * Validate the preamble (magic, version, length field) at the start of `prefix` and return
 * the version and the total header length. Needs 10 bytes for 1.0 files, 12 otherwise.
 */
export function npyHeaderLength(prefix: Uint8Array, options: NpyReadOptions = {}): { version: 1 | 2 | 3; headerLength: number } {
  const { key, maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES } = options;
  const magicPart = Math.min(prefix.length, NPY_MAGIC.length);
  for (let i = 0; i < magicPart; i++)
    if (prefix[i] !== NPY_MAGIC[i]) throw new MetadataError("not a .npy file (bad magic)", key, "header");
  if (prefix.length < 8) throw new MetadataError(`truncated header: ${prefix.length} bytes is shorter than the .npy preamble`, key, "header");
  const [major, minor] = [prefix[6], prefix[7]];
  if ((major !== 1 && major !== 2 && major !== 3) || minor !== 0)
    throw new UnsupportedError("npy version", `${major}.${minor} (known: 1.0, 2.0, 3.0)`, key);
  const lenBytes = major === 1 ? 2 : 4;
  if (prefix.length < 8 + lenBytes) throw new MetadataError("truncated header: the header length field is cut off", key, "header");
  const dv = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const headerLength = 8 + lenBytes + hlen;
  if (headerLength > maxHeaderBytes)
    throw new MetadataError(`header of ${headerLength} bytes exceeds the ${maxHeaderBytes}-byte limit`, key, "header");
  return { version: major, headerLength };
}

/**
 * Parse a .npy header from the start of `bytes` (which must hold at least the whole header).
 * Accepts what numpy accepts: either quote style, trailing commas or none, `()` for 0-d,
 * Python 2 `L` suffixes, any key order. Refuses pickled object arrays, negative or oversized
 * dimensions, and unknown keys, with errors naming the field.
 */
export function parseNpyHeader(bytes: Uint8Array, options: NpyReadOptions = {}): NpyHeader {
  const { key } = options;
  const { version, headerLength } = npyHeaderLength(bytes, options);
  if (bytes.length < headerLength)
    throw new MetadataError(`truncated header: declares ${headerLength} bytes, only ${bytes.length} present`, key, "header");
  const raw = bytes.subarray(version === 1 ? 10 : 12, headerLength);
  let text: string;
  if (version === 3) {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
    } catch {
      throw new MetadataError("version 3.0 header is not valid UTF-8", key, "header");
    }
  } else text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("latin1"); // true ISO-8859-1, unlike TextDecoder("latin1")
  const fail = (msg: string): never => { throw new MetadataError(`cannot parse header: ${msg}`, key, "header"); };
  const d = parsePyLiteral(text, fail);
  if (!(d instanceof Map)) return fail("the header is not a dictionary");
  const keys = [...d.keys()].sort();
  if (keys.join(",") !== "descr,fortran_order,shape")
    fail(`the header must have exactly the keys descr, fortran_order, shape (has ${keys.map((k) => JSON.stringify(k)).join(", ")})`);
  const shape = dims(d.get("shape"), key, "shape");
  const fortranOrder = d.get("fortran_order");
  if (typeof fortranOrder !== "boolean") throw new MetadataError("must be True or False", key, "fortran_order");
  const dtype = fromDescr(d.get("descr"), key, "descr");
  const size = dataSize(dtype, shape, key);
  return { version, dtype, shape, fortranOrder, headerLength, itemSize: size.size, length: size.length, dataBytes: size.bytes };
}

// ---------------------------------------------------------------- in-memory

/** Reorder Fortran-order element bytes into C order (both of `shape`). */
function fortranToC(raw: Uint8Array, shape: readonly number[], size: number): Uint8Array {
  const out = new Uint8Array(raw.length);
  if (raw.length === 0) return out;
  const nd = shape.length;
  const strides: number[] = [];
  for (let j = 0, s = size; j < nd; s *= shape[j], j++) strides.push(s);
  const idx = new Array<number>(nd).fill(0);
  const last = shape[nd - 1];
  const step = strides[nd - 1];
  let dst = 0;
  for (;;) {
    let base = 0;
    for (let j = 0; j < nd - 1; j++) base += idx[j] * strides[j];
    for (let k = 0, src = base; k < last; k++, src += step)
      for (let b = 0; b < size; b++) out[dst++] = raw[src + b];
    let j = nd - 2;
    while (j >= 0 && ++idx[j] === shape[j]) idx[j--] = 0;
    if (j < 0) return out;
  }
}

/**
 * Encode `a` as a complete .npy file, byte-identical to numpy's `np.save` of the same array
 * (C order). Variable-length arrays must go through {@link vlenToFixed} first.
 */
export function encodeNpy(a: NDArray, key?: string): Uint8Array {
  const header = npyHeader(a.dtype, a.shape, false, key);
  const data = encodeRange(a, 0, undefined, key);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/**
 * Decode a complete .npy file into an in-memory array: native byte order, C order (Fortran
 * files are reordered), structured records raw. Trailing bytes after the data are ignored,
 * as numpy does.
 */
export function decodeNpy(bytes: Uint8Array, options: NpyReadOptions = {}): NDArray {
  const h = parseNpyHeader(bytes, options);
  const available = bytes.length - h.headerLength;
  if (available < h.dataBytes)
    throw new ChunkError(`truncated data: the header declares ${h.dataBytes} bytes, only ${available} follow`, options.key);
  let raw = bytes.subarray(h.headerLength, h.headerLength + h.dataBytes);
  if (h.fortranOrder && h.shape.length > 1) raw = fortranToC(raw, h.shape, h.itemSize);
  return { data: decodeRaw(h.dtype, raw, options.key), shape: h.shape, dtype: h.dtype };
}

// ---------------------------------------------------------------- streaming

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

async function writeFully(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  for (let off = 0; off < bytes.byteLength; ) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.byteLength - off, position + off);
    if (bytesWritten <= 0) throw new Error("write made no progress");
    off += bytesWritten;
  }
}

async function readFully(fh: FileHandle, position: number, length: number, key: string): Promise<Uint8Array> {
  const buf = new Uint8Array(length);
  for (let off = 0; off < length; ) {
    const { bytesRead } = await fh.read(buf, off, length - off, position + off);
    if (bytesRead === 0) throw new ChunkError(`unexpected end of file at byte ${position + off}`, key);
    off += bytesRead;
  }
  return buf;
}

/** A .npy file being written element bytes by element bytes. */
export interface NpyWriter {
  readonly path: string;
  readonly headerLength: number;
  /** Data bytes the header declares. */
  readonly dataBytes: number;
  /** Data bytes accepted so far. */
  readonly bytesWritten: number;
  /**
   * Append element bytes: already encoded in the dtype's declared byte order, in C order
   * (Fortran order if the writer was created so). Writes land at positions fixed at call
   * time, so calls need not be awaited one by one. Refuses bytes beyond the declared size.
   */
  write(bytes: Uint8Array): Promise<void>;
  /** Finish: waits for pending writes; if fewer bytes than declared arrived, removes the file and throws ChunkError. */
  close(): Promise<void>;
  /** Give up: closes and removes the file. */
  abort(): Promise<void>;
}

/**
 * Create (truncate) `path` and write numpy's header for `dtype` × `shape`; the element data
 * then streams through {@link NpyWriter.write} with bounded memory.
 */
export async function createNpyWriter(
  path: string, dtype: DataType, shape: readonly number[], options: { fortranOrder?: boolean } = {},
): Promise<NpyWriter> {
  const header = npyHeader(dtype, shape, options.fortranOrder ?? false, path);
  const dataBytes = dataSize(dtype, shape, path).bytes;
  let fh: FileHandle;
  try {
    fh = await open(path, "w");
  } catch (e) {
    throw new StoreError(`cannot create file: ${message(e)}`, path, { cause: e });
  }
  let written = 0;
  let closed = false;
  let failure: Error | undefined;
  const pending = new Set<Promise<void>>();
  const track = (p: Promise<void>): Promise<void> => {
    const t = p.catch((e: unknown) => {
      failure ??= e instanceof StoreError ? e : new StoreError(`write failed: ${message(e)}`, path, { cause: e });
      throw failure;
    });
    pending.add(t);
    void t.finally(() => pending.delete(t)).catch(() => undefined);
    return t;
  };
  const settle = async () => { await Promise.allSettled([...pending]); };
  const finish = async (removeFile: boolean) => {
    closed = true;
    await settle();
    await fh.close().catch(() => undefined);
    if (removeFile) await rm(path, { force: true });
  };
  await track(writeFully(fh, header, 0)).catch(async (e) => { await finish(true); throw e; });

  return {
    path,
    headerLength: header.length,
    dataBytes,
    get bytesWritten() { return written; },
    write(bytes: Uint8Array): Promise<void> {
      if (closed) return Promise.reject(new StoreError("write after close", path));
      if (failure) return Promise.reject(failure);
      if (written + bytes.byteLength > dataBytes)
        return Promise.reject(new ChunkError(
          `writing ${bytes.byteLength} more bytes would exceed the ${dataBytes} data bytes the header declares (${written} written)`, path));
      const position = header.length + written;
      written += bytes.byteLength;
      return track(writeFully(fh, bytes, position));
    },
    async close(): Promise<void> {
      if (closed) return;
      const incomplete = written !== dataBytes;
      await finish(incomplete || failure !== undefined);
      if (failure) throw failure;
      if (incomplete) throw new ChunkError(`closed after ${written} of ${dataBytes} data bytes; the incomplete file was removed`, path);
    },
    async abort(): Promise<void> {
      if (!closed) await finish(true);
    },
  };
}

/** An open .npy file read by element ranges (positional reads, bounded memory). */
export interface NpyReader extends NpyHeader {
  readonly path: string;
  /**
   * Raw element bytes of elements `[offset, offset + count)` in file order (C order, or
   * Fortran order when `fortranOrder`) and the declared byte order; decode with `decodeRaw`.
   */
  read(offset: number, count: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * Open a .npy file for ranged reads. The header is validated against the file size before
 * anything is allocated; a file shorter than its header declares is refused.
 */
export async function openNpyReader(path: string, options: Omit<NpyReadOptions, "key"> = {}): Promise<NpyReader> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch (e) {
    throw new StoreError(`cannot open file: ${message(e)}`, path, { cause: e });
  }
  try {
    const opts = { ...options, key: path };
    const size = (await fh.stat()).size;
    const prefix = await readFully(fh, 0, Math.min(12, size), path);
    const { headerLength } = npyHeaderLength(prefix, opts);
    if (headerLength > size)
      throw new MetadataError(`truncated header: declares ${headerLength} bytes, the file has ${size}`, path, "header");
    const h = parseNpyHeader(await readFully(fh, 0, headerLength, path), opts);
    if (size - h.headerLength < h.dataBytes)
      throw new ChunkError(`truncated data: the header declares ${h.dataBytes} bytes, the file holds ${size - h.headerLength}`, path);
    return {
      ...h,
      path,
      read(offset: number, count: number): Promise<Uint8Array> {
        if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(count) || offset < 0 || count < 0 || offset + count > h.length)
          return Promise.reject(new SelectionError(`element range [${offset}, ${offset + count}) is outside 0..${h.length}`, path));
        return readFully(fh, h.headerLength + offset * h.itemSize, count * h.itemSize, path);
      },
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e;
  }
}
