/**
 * numcodecs `json2` (array → bytes): the chunk as Python's `json` module writes
 * `arr.tolist() + [arr.dtype.str, list(arr.shape)]`, e.g. `["a","b","|O",[2]]`; N-d chunks
 * nest (`[["a","b"],["c","d"],"|O",[2,2]]`).
 *
 * The writer is hand-made because `JSON.stringify` differs from Python's encoder in every
 * detail numcodecs exposes: `ensure_ascii` escaping (`\u00e9`, surrogate pairs, `\u007f`),
 * float repr (`1.0`, `1e-05`, `1e+16`), `NaN`/`Infinity` tokens, `sort_keys`, `indent` and
 * `separators`. Output is byte-identical to numcodecs 0.11 for str/int/float/bool/None and
 * nested lists/dicts. JS numbers cannot say whether they were Python ints or floats: in
 * object arrays integral safe numbers are written as ints, others (and -0) as floats; in
 * float arrays every value is a float.
 * @module
 */
import { ChunkError, CodecError, ZarrError } from "../format/errors.js";
import { parseJson } from "../format/json.js";
import { checkFields } from "./bytes-support.js";
import { chunkLeaves, deliverData, dtypeStr, itemsToData, nestValues, unpackItemList } from "./elementwise.js";
import { product } from "../format/ndarray.js";
import type { ArrayToBytesCodec, ChunkSpec, CodecContext, NDArray } from "./types.js";

const NAME = "json2";

/** Python `float.__repr__` (shortest round-trip digits, exponent outside 1e-4 ≤ |x| < 1e16). */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // toExponential() without digits gives the shortest round-trip digit string, like repr.
  const [mant, expStr] = x.toExponential().split("e");
  const exp = Number(expStr);
  const sign = mant.startsWith("-") ? "-" : "";
  const digits = mant.replace("-", "").replace(".", "");
  if (exp < -4 || exp >= 16) {
    const e = Math.abs(exp).toString().padStart(2, "0");
    return `${sign}${digits[0]}${digits.length > 1 ? "." + digits.slice(1) : ""}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (exp >= 0) {
    const int = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    return `${sign}${int}.${digits.slice(exp + 1) || "0"}`;
  }
  return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
}

const SHORT: Record<number, string> = { 0x22: '\\"', 0x5c: "\\\\", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x08: "\\b", 0x0c: "\\f" };
const hex4 = (c: number) => "\\u" + c.toString(16).padStart(4, "0");

/** Python `json` string quoting, with or without `ensure_ascii`. */
export function pyQuote(s: string, ensureAscii: boolean): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const esc = c < 0x20 || c === 0x22 || c === 0x5c || (ensureAscii && c > 0x7e);
    if (!esc) continue;
    out += s.slice(start, i) + (SHORT[c] ?? hex4(c));
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

/** Python `json.JSONEncoder` options that change the output. */
interface WriterOptions {
  ensureAscii: boolean;
  allowNan: boolean;
  sortKeys: boolean;
  indent: string | null;
  itemSep: string;
  keySep: string;
}

/** A leaf already formatted (numbers of a typed chunk). */
interface Raw { readonly raw: string }
const RAW = new WeakSet<object>();
const raw = (s: string): Raw => { const r = { raw: s }; RAW.add(r); return r; };

/** Serialise like `json.JSONEncoder(...).encode(value)`. */
function pyDumps(value: unknown, o: WriterOptions): string {
  const stack = new Set<object>();
  const fail = (msg: string): never => { throw new CodecError(NAME, msg); };
  const num = (x: number): string => {
    if (!Number.isFinite(x) && !o.allowNan) fail(`out of range float value ${x} is not JSON compliant (allow_nan is false)`);
    return Number.isSafeInteger(x) && !Object.is(x, -0) ? String(x) : pyFloatRepr(x);
  };
  const enc = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (typeof v === "number") return num(v);
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "string") return pyQuote(v, o.ensureAscii);
    if (typeof v !== "object") return fail(`${typeof v} is not JSON serializable`);
    if (RAW.has(v)) {
      const r = (v as Raw).raw;
      if (!o.allowNan && /^-?(NaN|Infinity)$/.test(r)) fail(`out of range float value ${r} is not JSON compliant (allow_nan is false)`);
      return r;
    }
    if (stack.has(v)) fail("circular reference detected");
    const isList = Array.isArray(v);
    if (!isList && Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) {
      fail(`${(v as object).constructor?.name ?? "object"} is not JSON serializable`);
    }
    const entries = isList ? (v as unknown[]) : Object.keys(v as object);
    if (entries.length === 0) return isList ? "[]" : "{}";
    stack.add(v);
    const inner = o.indent === null ? "" : "\n" + o.indent.repeat(level + 1);
    const sep = o.itemSep + inner;
    let parts: string[];
    if (isList) parts = (v as unknown[]).map((x) => enc(x, level + 1));
    else {
      const keys = entries as string[];
      // Python sorts str keys by code point; JS's default sort compares UTF-16 units.
      if (o.sortKeys) keys.sort((a, b) => { const x = [...a], y = [...b]; for (let i = 0; i < Math.min(x.length, y.length); i++) { const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!; if (d) return d; } return x.length - y.length; });
      parts = keys.map((k) => pyQuote(k, o.ensureAscii) + o.keySep + enc((v as Record<string, unknown>)[k], level + 1));
    }
    stack.delete(v);
    const close = o.indent === null ? "" : "\n" + o.indent.repeat(level);
    return (isList ? "[" : "{") + inner + parts.join(sep) + close + (isList ? "]" : "}");
  };
  return enc(value, 0);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function parseOptions(config: Record<string, unknown>, key?: string): { writer: WriterOptions; ascii: boolean } {
  checkFields(NAME, config, ["encoding", "skipkeys", "ensure_ascii", "check_circular", "allow_nan", "sort_keys", "indent", "separators", "strict"], key);
  const bool = (f: string, d: boolean): boolean => {
    const v = config[f];
    if (v === undefined || v === null) return d;
    if (typeof v !== "boolean") throw new CodecError(NAME, `configuration field "${f}" must be a boolean, got ${JSON.stringify(v)}`, key);
    return v;
  };
  const enc = config.encoding ?? "utf-8";
  if (typeof enc !== "string" || !/^(utf[-_]?8|u8|(us[-_])?ascii)$/i.test(enc)) {
    throw new CodecError(NAME, `configuration field "encoding": only utf-8 and ascii are supported, got ${JSON.stringify(enc)}`, key);
  }
  const ind = config.indent;
  let indent: string | null;
  if (ind === undefined || ind === null) indent = null;
  else if (typeof ind === "number" && Number.isInteger(ind)) indent = " ".repeat(Math.max(0, ind));
  else if (typeof ind === "string") indent = ind;
  else throw new CodecError(NAME, `configuration field "indent" must be null, an integer or a string, got ${JSON.stringify(ind)}`, key);
  const seps = config.separators;
  let itemSep = indent === null ? "," : ", ", keySep = indent === null ? ":" : ": ";
  if (seps !== undefined && seps !== null) {
    if (!Array.isArray(seps) || seps.length !== 2 || !seps.every((s) => typeof s === "string")) {
      throw new CodecError(NAME, `configuration field "separators" must be a pair of strings, got ${JSON.stringify(seps)}`, key);
    }
    [itemSep, keySep] = seps as string[];
  }
  bool("skipkeys", false);
  bool("check_circular", true);
  bool("strict", true);
  return {
    writer: { ensureAscii: bool("ensure_ascii", true), allowNan: bool("allow_nan", true), sortKeys: bool("sort_keys", true), indent, itemSep, keySep },
    ascii: /ascii/i.test(enc),
  };
}

/** Factory for numcodecs `json2` (configuration as numcodecs' `get_config()` writes it). */
export function json2(configuration: Record<string, unknown>, context: CodecContext): ArrayToBytesCodec {
  const { key } = context;
  const { writer, ascii } = parseOptions(configuration ?? {}, key);
  const decoder = new TextDecoder(ascii ? "ascii" : "utf-8", { fatal: true });
  return {
    kind: "array-to-bytes",
    name: NAME,
    async encode(a: NDArray): Promise<Uint8Array> {
      const leaves = chunkLeaves(NAME, a, (x) => raw(pyFloatRepr(x)), key);
      if (leaves.length !== product(a.shape)) throw new CodecError(NAME, `array has ${leaves.length} elements but shape [${a.shape}] needs ${product(a.shape)}`, key);
      for (let i = 0; i < leaves.length; i++) {
        if (leaves[i] instanceof Uint8Array) throw new CodecError(NAME, `element ${i}: bytes are not JSON serializable`, key);
      }
      const list = [...nestValues(leaves, a.shape), dtypeStr(NAME, a.dtype, key), a.shape.slice()];
      let text: string;
      try {
        text = pyDumps(list, writer);
      } catch (e) {
        if (e instanceof CodecError && e.key === undefined) throw new CodecError(NAME, e.message.replace(/^codec json2: /, ""), key);
        throw e;
      }
      if (ascii && /[^\x00-\x7f]/.test(text)) throw new CodecError(NAME, "non-ASCII text with encoding ascii", key);
      if (LONE_SURROGATE.test(text)) throw new CodecError(NAME, "a string contains a lone surrogate (not encodable as UTF-8)", key);
      return new TextEncoder().encode(text);
    },
    async decode(b: Uint8Array, spec: ChunkSpec, out?: NDArray): Promise<NDArray> {
      let text: string;
      try {
        text = decoder.decode(b);
      } catch (e) {
        throw new ChunkError(`codec ${NAME}: input is not valid ${ascii ? "ASCII" : "UTF-8"}`, key, { cause: e });
      }
      let parsed: unknown;
      try {
        parsed = parseJson(text);
      } catch (e) {
        if (e instanceof ZarrError) throw new ChunkError(`codec ${NAME}: ${e.message}`, key, { cause: e });
        throw e;
      }
      const n = product(spec.shape);
      const { items } = unpackItemList(NAME, parsed, n, key);
      return deliverData(NAME, itemsToData(NAME, items, spec.dtype, key), spec, out, key);
    },
  };
}
