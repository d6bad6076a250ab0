/**
 * Fill values: JSON ↔ JS value ↔ one element of raw in-memory data. The raw element keeps
 * bit patterns JSON numbers lose (hex NaN payloads, -0.0 is kept either way), and is what
 * chunks are filled with.
 * @module
 */
import { allocate, bytesOf, layoutOf, NAT, type DataType } from "./dtype.js";
import { MetadataError } from "./errors.js";
import type { JsonValue } from "./json.js";

/** A parsed fill value: the JS value, and for fixed-size dtypes one element of raw data (native order). */
export interface FillValue {
  /** JS value: boolean, number, bigint, [re, im], string, Uint8Array, unknown (objects), or null. */
  value: unknown;
  /** One element in the in-memory layout (undefined for variable-length dtypes or v2 `null`). */
  raw: Uint8Array | undefined;
}

const b64decode = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const b64encode = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");

function floatFromJson(v: JsonValue, bits: 16 | 32 | 64, key: string | undefined, field: string): { value: number; raw?: Uint8Array } {
  if (typeof v === "number") return { value: v };
  if (typeof v === "bigint") return { value: Number(v) };
  if (v === "NaN") return { value: NaN };
  if (v === "Infinity") return { value: Infinity };
  if (v === "-Infinity") return { value: -Infinity };
  if (typeof v === "string" && /^0x[0-9a-fA-F]+$/.test(v) && v.length === 2 + bits / 4) {
    // Hex form: the IEEE bits, most significant first; keep them exactly.
    const raw = new Uint8Array(bits / 8);
    const n = BigInt(v);
    for (let i = 0; i < bits / 8; i++) raw[i] = Number((n >> BigInt(8 * i)) & 0xffn);
    const dv = new DataView(raw.buffer);
    const value = bits === 64 ? dv.getFloat64(0, true) : bits === 32 ? dv.getFloat32(0, true) : NaN;
    return { value, raw };
  }
  throw new MetadataError(`invalid float fill value ${JSON.stringify(v)}`, key, field);
}

function floatToJson(x: number): JsonValue {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return x;
}

function intFromJson(v: JsonValue, dt: { kind: "int" | "uint"; bits: number }, key: string | undefined, field: string): number | bigint {
  let n: bigint;
  if (typeof v === "number" && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === "bigint") n = v;
  else if (typeof v === "number" && Number.isFinite(v) && Number.isInteger(Math.trunc(v)) && v === Math.trunc(v)) n = BigInt(v);
  else throw new MetadataError(`invalid integer fill value ${JSON.stringify(v)}`, key, field);
  const lo = dt.kind === "int" ? -(2n ** BigInt(dt.bits - 1)) : 0n;
  const hi = dt.kind === "int" ? 2n ** BigInt(dt.bits - 1) - 1n : 2n ** BigInt(dt.bits) - 1n;
  if (n < lo || n > hi) throw new MetadataError(`fill value ${n} out of range for ${dt.kind}${dt.bits}`, key, field);
  return dt.bits === 64 ? n : Number(n);
}

/** Write `value` into a one-element container of `dt` and return its bytes. */
export function rawFill(dt: DataType, value: unknown): Uint8Array | undefined {
  const { ctor } = layoutOf(dt);
  if (ctor === Array) return undefined;
  const one = allocate(dt, 1) as unknown as { [i: number]: unknown; length: number };
  switch (dt.kind) {
    case "bool": one[0] = value ? 1 : 0; break;
    case "int": case "uint":
      one[0] = dt.bits === 64 ? BigInt(value as bigint) : Number(value);
      break;
    case "float": one[0] = Number(value); break;
    case "complex": {
      const [re, im] = value as [number, number];
      one[0] = re; one[1] = im;
      break;
    }
    case "datetime": case "timedelta": one[0] = BigInt(value as bigint); break;
    case "fixed-bytes": case "raw": case "structured": {
      const b = value as Uint8Array;
      const out = bytesOf(one as never);
      out.set(b.subarray(0, out.length));
      return out;
    }
    case "fixed-unicode": {
      const cps = [...String(value)].map((c) => c.codePointAt(0)!);
      for (let i = 0; i < Math.min(cps.length, dt.length); i++) one[i] = cps[i];
      break;
    }
    default: return undefined;
  }
  return bytesOf(one as never);
}

/** Parse a fill value from metadata JSON. `format` selects v2 or v3 spellings. */
export function parseFillValue(json: JsonValue | undefined, dt: DataType, format: 2 | 3, key?: string, field = "fill_value"): FillValue {
  if (json === null || json === undefined) {
    if (format === 3) throw new MetadataError("fill_value is required in v3", key, field);
    return { value: null, raw: undefined };
  }
  const withRaw = (value: unknown, raw?: Uint8Array): FillValue => ({ value, raw: raw ?? rawFill(dt, value) });
  const bad = (): never => { throw new MetadataError(`invalid fill value ${JSON.stringify(typeof json === "bigint" ? json.toString() : json)} for ${dt.kind}`, key, field); };
  switch (dt.kind) {
    case "bool":
      if (typeof json === "boolean") return withRaw(json);
      if (json === 0 || json === 1) return withRaw(json === 1);
      return bad();
    case "int": case "uint": return withRaw(intFromJson(json, dt, key, field));
    case "float": {
      const f = floatFromJson(json, dt.bits, key, field);
      return withRaw(f.value, f.raw);
    }
    case "complex": {
      if (!Array.isArray(json) || json.length !== 2) return bad();
      const half = dt.bits === 64 ? 32 : 64;
      const re = floatFromJson((json as JsonValue[])[0], half, key, field);
      const im = floatFromJson((json as JsonValue[])[1], half, key, field);
      const raw = rawFill(dt, [re.value, im.value])!;
      const w = half / 8;
      if (re.raw) raw.set(re.raw, 0);
      if (im.raw) raw.set(im.raw, w);
      return { value: [re.value, im.value], raw };
    }
    case "datetime": case "timedelta": {
      if (json === "NaT") return withRaw(NAT);
      if (typeof json === "number" && Number.isInteger(json)) return withRaw(BigInt(json));
      if (typeof json === "bigint") return withRaw(json);
      return bad();
    }
    case "fixed-bytes": case "raw": case "structured": {
      if (typeof json !== "string") {
        if (format === 2 && json === 0) return withRaw(new Uint8Array(0));
        if (Array.isArray(json) && json.every((x) => typeof x === "number")) return withRaw(Uint8Array.from(json as number[]));
        return bad();
      }
      return withRaw(b64decode(json));
    }
    case "fixed-unicode":
      if (typeof json !== "string") {
        if (format === 2 && json === 0) return withRaw("");
        return bad();
      }
      return withRaw(json);
    case "string":
      if (typeof json === "string") return { value: json, raw: undefined };
      if (format === 2 && json === 0) return { value: "", raw: undefined };
      return bad();
    case "bytes":
      if (typeof json === "string") return { value: b64decode(json), raw: undefined };
      if (Array.isArray(json) && json.every((x) => typeof x === "number")) return { value: Uint8Array.from(json as number[]), raw: undefined };
      if (format === 2 && json === 0) return { value: new Uint8Array(0), raw: undefined };
      return bad();
    case "object":
      return { value: json, raw: undefined };
  }
}

/** The JSON for a fill value (as zarr-python writes it for `format`). */
export function fillValueJson(fv: FillValue, dt: DataType, format: 2 | 3): JsonValue {
  const v = fv.value;
  if (v === null || v === undefined) return null;
  switch (dt.kind) {
    case "bool": return Boolean(v);
    case "int": case "uint": return typeof v === "bigint" ? (Number.isSafeInteger(Number(v)) ? Number(v) : v) : Number(v);
    case "float": {
      if (format === 3 && fv.raw && Number.isNaN(v as number)) {
        // Keep NaN payloads other than the canonical quiet NaN as hex.
        const canon = rawFill(dt, NaN)!;
        if (!fv.raw.every((b, i) => b === canon[i])) return hexOf(fv.raw);
      }
      return floatToJson(Number(v));
    }
    case "complex": {
      const [re, im] = v as [number, number];
      return [floatToJson(re), floatToJson(im)];
    }
    case "datetime": case "timedelta": {
      const n = BigInt(v as bigint);
      return Number.isSafeInteger(Number(n)) ? Number(n) : n;
    }
    case "fixed-bytes": case "raw": case "structured": return b64encode(fv.raw ?? (v as Uint8Array));
    case "fixed-unicode": case "string": return String(v);
    case "bytes": return b64encode(v as Uint8Array);
    case "object": return v as JsonValue;
  }
}

function hexOf(raw: Uint8Array): string {
  let s = "";
  for (let i = raw.length - 1; i >= 0; i--) s += raw[i].toString(16).padStart(2, "0");
  return "0x" + s;
}

/** The default fill value for `dt` (zero / empty / false; NaT is not the default). */
export function defaultFillValue(dt: DataType): FillValue {
  switch (dt.kind) {
    case "bool": return { value: false, raw: rawFill(dt, false) };
    case "int": case "uint": return { value: dt.bits === 64 ? 0n : 0, raw: rawFill(dt, dt.bits === 64 ? 0n : 0) };
    case "float": return { value: 0, raw: rawFill(dt, 0) };
    case "complex": return { value: [0, 0], raw: rawFill(dt, [0, 0]) };
    case "datetime": case "timedelta": return { value: 0n, raw: rawFill(dt, 0n) };
    case "fixed-bytes": case "raw": case "structured": return { value: new Uint8Array(0), raw: rawFill(dt, new Uint8Array(0)) };
    case "fixed-unicode": return { value: "", raw: rawFill(dt, "") };
    case "string": return { value: "", raw: undefined };
    case "bytes": return { value: new Uint8Array(0), raw: undefined };
    case "object": return { value: null, raw: undefined };
  }
}

/** Turn a user-supplied fill value (JS value) into a FillValue for `dt`. */
export function toFillValue(dt: DataType, value: unknown): FillValue {
  if (value === undefined) return defaultFillValue(dt);
  if (value === null) return { value: null, raw: undefined };
  if (dt.kind === "float" && typeof value === "string") return parseFillValue(value, dt, 3);
  if ((dt.kind === "int" || dt.kind === "uint") && dt.bits === 64) value = BigInt(value as number);
  if ((dt.kind === "datetime" || dt.kind === "timedelta")) value = value === "NaT" ? NAT : BigInt(value as number);
  return { value, raw: rawFill(dt, value) };
}
