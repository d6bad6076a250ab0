/**
 * Data types: one plain descriptor for every dtype zarr-python writes, parsers for the
 * v2 (numpy typestr) and v3 (named) spellings, and the in-memory JS representation.
 *
 * In memory, chunk data is always native (little) endian and C order:
 *
 * | dtype | JS data | units per element |
 * |---|---|---|
 * | bool | Uint8Array (0/1) | 1 |
 * | int8..int32, uint8..uint32, float32, float64 | matching typed array | 1 |
 * | int64 / uint64 | BigInt64Array / BigUint64Array | 1 |
 * | float16 | Float16Array (global, or the @petamoriken/float16 polyfill on Node 20) | 1 |
 * | complex64 / complex128 | Float32Array / Float64Array, interleaved re, im | 2 |
 * | datetime64 / timedelta64 | BigInt64Array of counts of `scale × unit`; NaT = -2^63 | 1 |
 * | fixed bytes `S<n>`, raw `V<n>` | Uint8Array | n |
 * | fixed unicode `U<n>` | Uint32Array of UTF-32 code points (0-padded) | n |
 * | structured | Uint8Array of packed records, fields in their declared byte order | itemsize |
 * | string (vlen-utf8) | string[] | 1 |
 * | bytes (vlen-bytes) | Uint8Array[] | 1 |
 * | object (vlen-array, json2, msgpack2...) | unknown[] | 1 |
 *
 * `endian` on a descriptor records the stored byte order (v2 typestr); the bytes codec swaps.
 * @module
 */
import { Float16Array as Float16Polyfill } from "@petamoriken/float16";
import { MetadataError, UnsupportedError } from "./errors.js";
import type { JsonValue } from "./json.js";

/** Byte order of stored data. */
export type Endian = "little" | "big";
/** numpy datetime units. */
export type TimeUnit = "Y" | "M" | "W" | "D" | "h" | "m" | "s" | "ms" | "us" | "ns" | "ps" | "fs" | "as" | "generic";

/** One field of a structured dtype. */
export interface StructField {
  name: string;
  dtype: DataType;
  /** Sub-array shape ([] for scalars). */
  shape: number[];
  /** Byte offset within the record. */
  offset: number;
}

/** A data type descriptor (plain data, safe to post to a worker). */
export type DataType =
  | { kind: "bool" }
  | { kind: "int" | "uint"; bits: 8 | 16 | 32 | 64; endian: Endian }
  | { kind: "float"; bits: 16 | 32 | 64; endian: Endian }
  | { kind: "complex"; bits: 64 | 128; endian: Endian }
  | { kind: "datetime" | "timedelta"; unit: TimeUnit; scale: number; endian: Endian }
  | { kind: "fixed-bytes"; size: number }
  | { kind: "raw"; size: number }
  | { kind: "fixed-unicode"; length: number; endian: Endian }
  | { kind: "structured"; fields: StructField[]; itemsize: number }
  | { kind: "string" }
  | { kind: "bytes" }
  | { kind: "object" };

/** Typed array or plain array holding chunk data. */
export type TypedArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;
/** Any chunk data container (see the table above). */
export type DataValues = TypedArray | Float16Polyfill | string[] | Uint8Array[] | unknown[];

/** A constructor for the in-memory data of a fixed-size dtype. */
export interface TypedArrayConstructor {
  new (length: number): DataValues;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): DataValues;
  readonly BYTES_PER_ELEMENT: number;
}

/** Float16Array: the runtime's when present (Node 22+ with flag, 24), else the polyfill. */
export const Float16: TypedArrayConstructor =
  ((globalThis as Record<string, unknown>).Float16Array as TypedArrayConstructor | undefined) ??
  (Float16Polyfill as unknown as TypedArrayConstructor);

/** numpy's NaT ("not a time") as stored in datetime64/timedelta64 data: the smallest int64. */
export const NAT = -(2n ** 63n);

const TIME_UNITS: TimeUnit[] = ["Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as", "generic"];

/** True when elements are JS values (strings, byte arrays, objects) rather than fixed-size. */
export function isVariableLength(dt: DataType): boolean {
  return dt.kind === "string" || dt.kind === "bytes" || dt.kind === "object";
}

/** Bytes one element occupies when stored (undefined for variable-length types). */
export function itemSize(dt: DataType): number | undefined {
  switch (dt.kind) {
    case "bool": return 1;
    case "int": case "uint": case "float": return dt.bits / 8;
    case "complex": return dt.bits / 8;
    case "datetime": case "timedelta": return 8;
    case "fixed-bytes": case "raw": return dt.size;
    case "fixed-unicode": return dt.length * 4;
    case "structured": return dt.itemsize;
    default: return undefined;
  }
}

/** How an element is laid out in memory: the container constructor and units (container elements) per element. */
export interface Layout {
  ctor: TypedArrayConstructor | ArrayConstructor;
  /** Container elements per array element (2 for complex, n for S/U/V/structured). */
  units: number;
  /** Bytes per container element (0 for plain JS arrays). Byte-order swaps happen at this width. */
  unitBytes: number;
}

/** The in-memory layout of `dt`. */
export function layoutOf(dt: DataType): Layout {
  const t = (ctor: TypedArrayConstructor, units = 1): Layout => ({ ctor, units, unitBytes: ctor.BYTES_PER_ELEMENT });
  const tc = (c: unknown) => c as TypedArrayConstructor;
  switch (dt.kind) {
    case "bool": return t(tc(Uint8Array));
    case "int":
      return t(tc({ 8: Int8Array, 16: Int16Array, 32: Int32Array, 64: BigInt64Array }[dt.bits]));
    case "uint":
      return t(tc({ 8: Uint8Array, 16: Uint16Array, 32: Uint32Array, 64: BigUint64Array }[dt.bits]));
    case "float":
      return t(dt.bits === 16 ? Float16 : tc(dt.bits === 32 ? Float32Array : Float64Array));
    case "complex": return t(tc(dt.bits === 64 ? Float32Array : Float64Array), 2);
    case "datetime": case "timedelta": return t(tc(BigInt64Array));
    case "fixed-bytes": case "raw": return t(tc(Uint8Array), dt.size);
    case "fixed-unicode": return t(tc(Uint32Array), dt.length);
    case "structured": return t(tc(Uint8Array), dt.itemsize);
    default: return { ctor: Array, units: 1, unitBytes: 0 };
  }
}

/** Allocate zeroed data for `n` elements of `dt` (plain arrays are filled with `undefined`). */
export function allocate(dt: DataType, n: number): DataValues {
  const { ctor, units } = layoutOf(dt);
  if (ctor === Array) return new Array<unknown>(n).fill(undefined);
  return new (ctor as TypedArrayConstructor)(n * units);
}

/** A byte view over typed data (shares memory). */
export function bytesOf(data: DataValues): Uint8Array {
  const v = data as unknown as ArrayBufferView;
  if (!ArrayBuffer.isView(v) && !(data instanceof Float16Polyfill)) throw new TypeError("variable-length data has no byte view");
  const tv = data as unknown as { buffer: ArrayBufferLike; byteOffset: number; byteLength: number };
  return new Uint8Array(tv.buffer, tv.byteOffset, tv.byteLength);
}

/** True when `data` is a view of a SharedArrayBuffer (plain JS arrays never are). */
export function isShared(data: DataValues): boolean {
  return !Array.isArray(data) && (data as { buffer?: unknown }).buffer instanceof SharedArrayBuffer;
}

/** True when `b` views the whole of an ordinary ArrayBuffer: it can be kept or transferred without aliasing other memory. */
export function ownsBuffer(b: Uint8Array): boolean {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
}

/** View bytes (native order) as data of `dt`; copies when the bytes are misaligned. */
export function viewAs(dt: DataType, bytes: Uint8Array): DataValues {
  const { ctor, unitBytes } = layoutOf(dt);
  if (ctor === Array) throw new TypeError("variable-length dtype has no byte view");
  if (bytes.byteLength % unitBytes !== 0) throw new RangeError(`byte length ${bytes.byteLength} is not a multiple of ${unitBytes}`);
  let b = bytes;
  if (b.byteOffset % unitBytes !== 0) b = b.slice();
  return new (ctor as TypedArrayConstructor)(b.buffer, b.byteOffset, b.byteLength / unitBytes);
}

// ---------------------------------------------------------------- v2 (numpy typestr)

const endianOf = (c: string): Endian => (c === ">" ? "big" : "little");

/** Parse a v2 `.zarray` `dtype` (typestr or structured field list). */
export function parseV2DataType(json: JsonValue, key?: string, field = "dtype"): DataType {
  if (Array.isArray(json)) return parseStructured(json, key, field);
  if (typeof json !== "string") throw new MetadataError("must be a string or a list of fields", key, field);
  const m = /^([<>|=])([a-zA-Z])(\d*)(?:\[(\d*)([a-zA-Z]+)\])?$/.exec(json);
  if (!m) throw new MetadataError(`unrecognised dtype ${JSON.stringify(json)}`, key, field);
  const [, bo, code, sizeStr, scaleStr, unitStr] = m;
  const size = sizeStr === "" ? NaN : Number(sizeStr);
  const endian = endianOf(bo);
  const bad = (): never => { throw new MetadataError(`unsupported dtype ${JSON.stringify(json)}`, key, field); };
  switch (code) {
    case "b": if (size !== 1) bad(); return { kind: "bool" };
    case "i": case "u":
      if (![1, 2, 4, 8].includes(size)) bad();
      return { kind: code === "i" ? "int" : "uint", bits: (size * 8) as 8, endian };
    case "f":
      if (![2, 4, 8].includes(size)) bad();
      return { kind: "float", bits: (size * 8) as 16, endian };
    case "c":
      if (![8, 16].includes(size)) bad();
      return { kind: "complex", bits: (size * 8) as 64, endian };
    case "M": case "m": {
      if (size !== 8) bad();
      // numpy spells the generic unit by leaving the brackets out ("<M8").
      const unit = (unitStr ?? "generic") as TimeUnit;
      if (!TIME_UNITS.includes(unit) || unitStr === "generic") bad();
      const scale = scaleStr === "" || scaleStr === undefined ? 1 : Number(scaleStr);
      if (!(scale >= 1)) bad();
      return { kind: code === "M" ? "datetime" : "timedelta", unit, scale, endian };
    }
    case "S": if (!(size >= 0)) bad(); return { kind: "fixed-bytes", size };
    case "V": if (!(size >= 0)) bad(); return { kind: "raw", size };
    case "U": if (!(size >= 0)) bad(); return { kind: "fixed-unicode", length: size, endian };
    case "O": return { kind: "object" };
    default: return bad();
  }
}

function parseStructured(list: JsonValue[], key: string | undefined, field: string): DataType {
  const fields: StructField[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const [i, f] of list.entries()) {
    const where = `${field}[${i}]`;
    if (!Array.isArray(f) || f.length < 2 || f.length > 3 || typeof f[0] !== "string")
      throw new MetadataError("structured field must be [name, dtype] or [name, dtype, shape]", key, where);
    const name = f[0];
    if (seen.has(name)) throw new MetadataError(`duplicate field name ${JSON.stringify(name)}`, key, where);
    seen.add(name);
    const dtype = parseV2DataType(f[1], key, where);
    if (isVariableLength(dtype)) throw new MetadataError("object fields are not allowed in structured dtypes", key, where);
    let shape: number[] = [];
    if (f.length === 3) {
      const s = f[2];
      if (!Array.isArray(s) || !s.every((x) => typeof x === "number" && Number.isSafeInteger(x) && x >= 0))
        throw new MetadataError("field shape must be a list of non-negative integers", key, where);
      shape = s as number[];
    }
    fields.push({ name, dtype, shape, offset });
    offset += itemSize(dtype)! * shape.reduce((a, b) => a * b, 1);
  }
  return { kind: "structured", fields, itemsize: offset };
}

/** The v2 `dtype` JSON for `dt`. */
export function v2DataTypeJSON(dt: DataType): JsonValue {
  const bo = (e: Endian) => (e === "big" ? ">" : "<");
  switch (dt.kind) {
    case "bool": return "|b1";
    case "int": return dt.bits === 8 ? "|i1" : `${bo(dt.endian)}i${dt.bits / 8}`;
    case "uint": return dt.bits === 8 ? "|u1" : `${bo(dt.endian)}u${dt.bits / 8}`;
    case "float": return `${bo(dt.endian)}f${dt.bits / 8}`;
    case "complex": return `${bo(dt.endian)}c${dt.bits / 8}`;
    case "datetime": case "timedelta":
      if (dt.unit === "generic") return `${bo(dt.endian)}${dt.kind === "datetime" ? "M" : "m"}8`;
      return `${bo(dt.endian)}${dt.kind === "datetime" ? "M" : "m"}8[${dt.scale === 1 ? "" : dt.scale}${dt.unit}]`;
    case "fixed-bytes": return `|S${dt.size}`;
    case "raw": return `|V${dt.size}`;
    case "fixed-unicode": return `${bo(dt.endian)}U${dt.length}`;
    case "structured":
      return dt.fields.map((f) => (f.shape.length ? [f.name, v2DataTypeJSON(f.dtype), f.shape] : [f.name, v2DataTypeJSON(f.dtype)]));
    case "string": case "bytes": case "object": return "|O";
  }
}

// ---------------------------------------------------------------- v3 (named)

const V3_SIMPLE: Record<string, DataType> = {
  bool: { kind: "bool" },
  int8: { kind: "int", bits: 8, endian: "little" },
  int16: { kind: "int", bits: 16, endian: "little" },
  int32: { kind: "int", bits: 32, endian: "little" },
  int64: { kind: "int", bits: 64, endian: "little" },
  uint8: { kind: "uint", bits: 8, endian: "little" },
  uint16: { kind: "uint", bits: 16, endian: "little" },
  uint32: { kind: "uint", bits: 32, endian: "little" },
  uint64: { kind: "uint", bits: 64, endian: "little" },
  float16: { kind: "float", bits: 16, endian: "little" },
  float32: { kind: "float", bits: 32, endian: "little" },
  float64: { kind: "float", bits: 64, endian: "little" },
  complex64: { kind: "complex", bits: 64, endian: "little" },
  complex128: { kind: "complex", bits: 128, endian: "little" },
  string: { kind: "string" },
  bytes: { kind: "bytes" },
  variable_length_bytes: { kind: "bytes" },
};

/** Parse a v3 `data_type` (a name, or `{name, configuration}`). Byte order lives in the bytes codec, so v3 types are little-endian here. */
export function parseV3DataType(json: JsonValue, key?: string, field = "data_type"): DataType {
  if (typeof json === "string") {
    const simple = V3_SIMPLE[json];
    if (simple) return structuredClone(simple);
    const raw = /^r(\d+)$/.exec(json);
    if (raw && Number(raw[1]) % 8 === 0 && Number(raw[1]) > 0) return { kind: "raw", size: Number(raw[1]) / 8 };
    throw new UnsupportedError("data type", JSON.stringify(json), key);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json) || typeof json.name !== "string")
    throw new MetadataError("must be a name or an object with a name", key, field);
  const name = json.name;
  const conf = (json.configuration ?? {}) as Record<string, JsonValue>;
  if (typeof conf !== "object" || Array.isArray(conf)) throw new MetadataError("configuration must be an object", key, `${field}.configuration`);
  const posInt = (k: string, min = 0): number => {
    const v = conf[k];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min)
      throw new MetadataError(`must be an integer >= ${min}`, key, `${field}.configuration.${k}`);
    return v;
  };
  if (json.must_understand === false && !(name in V3_SIMPLE)) {
    // An extension data type cannot be skipped: the data would be meaningless.
  }
  switch (name) {
    case "fixed_length_utf32": {
      const nb = posInt("length_bytes");
      if (nb % 4 !== 0) throw new MetadataError("must be a multiple of 4", key, `${field}.configuration.length_bytes`);
      return { kind: "fixed-unicode", length: nb / 4, endian: "little" };
    }
    case "null_terminated_bytes": case "fixed_length_bytes":
      return { kind: "fixed-bytes", size: posInt("length_bytes") };
    case "raw_bytes": return { kind: "raw", size: posInt("length_bytes") };
    case "numpy.datetime64": case "numpy.timedelta64": {
      const unit = conf.unit as TimeUnit;
      if (typeof unit !== "string" || !TIME_UNITS.includes(unit)) throw new MetadataError("unknown time unit", key, `${field}.configuration.unit`);
      const scale = conf.scale_factor === undefined ? 1 : posInt("scale_factor", 1);
      return { kind: name === "numpy.datetime64" ? "datetime" : "timedelta", unit, scale, endian: "little" };
    }
    case "structured": {
      const fl = conf.fields;
      if (!Array.isArray(fl)) throw new MetadataError("must be a list", key, `${field}.configuration.fields`);
      const fields: StructField[] = [];
      let offset = 0;
      for (const [i, f] of fl.entries()) {
        if (!Array.isArray(f) || f.length !== 2 || typeof f[0] !== "string")
          throw new MetadataError("field must be [name, data_type]", key, `${field}.configuration.fields[${i}]`);
        const dtype = parseV3DataType(f[1], key, `${field}.configuration.fields[${i}]`);
        if (isVariableLength(dtype)) throw new MetadataError("variable-length fields are not allowed", key, `${field}.configuration.fields[${i}]`);
        fields.push({ name: f[0], dtype, shape: [], offset });
        offset += itemSize(dtype)!;
      }
      return { kind: "structured", fields, itemsize: offset };
    }
    default:
      if (name in V3_SIMPLE) return structuredClone(V3_SIMPLE[name]);
      throw new UnsupportedError("data type", JSON.stringify(name), key);
  }
}

/** The v3 `data_type` JSON for `dt` (as zarr-python 3 writes it). */
export function v3DataTypeJSON(dt: DataType): JsonValue {
  switch (dt.kind) {
    case "bool": return "bool";
    case "int": case "uint": return `${dt.kind}${dt.bits}`;
    case "float": return `float${dt.bits}`;
    case "complex": return `complex${dt.bits}`;
    case "datetime": case "timedelta":
      return { name: `numpy.${dt.kind}64`, configuration: { unit: dt.unit, scale_factor: dt.scale } };
    case "fixed-bytes": return { name: "null_terminated_bytes", configuration: { length_bytes: dt.size } };
    case "raw": return { name: "raw_bytes", configuration: { length_bytes: dt.size } };
    case "fixed-unicode": return { name: "fixed_length_utf32", configuration: { length_bytes: dt.length * 4 } };
    case "structured":
      if (dt.fields.some((f) => f.shape.length > 0)) throw new UnsupportedError("data type", "structured fields with sub-array shapes have no v3 spelling");
      return { name: "structured", configuration: { fields: dt.fields.map((f) => [f.name, v3DataTypeJSON(f.dtype)]) } };
    case "string": return "string";
    case "bytes": return "variable_length_bytes";
    case "object": throw new UnsupportedError("data type", "object arrays (vlen-array, json2, msgpack2) have no v3 data type");
  }
}

/** Short human-readable name ("int16", "<U7", "datetime64[10ms]"...). */
export function dtypeName(dt: DataType): string {
  switch (dt.kind) {
    case "bool": return "bool";
    case "int": case "uint": return `${dt.kind}${dt.bits}`;
    case "float": return `float${dt.bits}`;
    case "complex": return `complex${dt.bits}`;
    case "datetime": case "timedelta": return `${dt.kind}64[${dt.scale === 1 ? "" : dt.scale}${dt.unit}]`;
    case "fixed-bytes": return `S${dt.size}`;
    case "raw": return `V${dt.size}`;
    case "fixed-unicode": return `U${dt.length}`;
    case "structured": return `{${dt.fields.map((f) => `${f.name}: ${dtypeName(f.dtype)}`).join(", ")}}`;
    default: return dt.kind;
  }
}

/** A numpy structured dtype spelled as a field list: `[["id", "<i4"], ["xy", ">f8", [2]]]`. */
export type StructuredSpec = readonly (readonly [string, string] | readonly [string, string, readonly number[]])[];

/** Parse a user-facing dtype spelling: a v3 name ("int16"), a numpy typestr ("<i2", "|S7"), a structured field list, or a descriptor. */
export function toDataType(spec: string | DataType | StructuredSpec): DataType {
  if (Array.isArray(spec)) return parseV2DataType(spec as unknown as JsonValue);
  if (typeof spec !== "string") return spec as DataType;
  if (/^[<>|=]/.test(spec)) return parseV2DataType(spec);
  const dt = /^(datetime|timedelta)64\[(\d*)(\w+)\]$/.exec(spec);
  if (dt) return parseV2DataType(`<${dt[1] === "datetime" ? "M" : "m"}8[${dt[2]}${dt[3]}]`);
  const su = /^([SUV])(\d+)$/.exec(spec);
  if (su) return parseV2DataType(`${su[1] === "U" ? "<" : "|"}${su[1]}${su[2]}`);
  return parseV3DataType(spec);
}
