/**
 * JSON with exact integers. Zarr metadata holds int64/uint64 fill values such as
 * -9223372036854775808 that `JSON.parse` rounds; Node 20's JSON.parse offers no access to
 * the source text, so this small parser returns integers outside the safe range as
 * `bigint`. Everything else matches `JSON.parse`.
 * @module
 */
import { MetadataError } from "./errors.js";

/** A parsed JSON value; integers beyond 2^53 are bigint. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | { [k: string]: JsonValue };

/** Parse JSON text, keeping big integers exact. Throws MetadataError naming `key` on bad input. */
export function parseJson(text: string, key?: string): JsonValue {
  let i = 0;
  const fail = (why: string): never => {
    throw new MetadataError(`invalid JSON at offset ${i}: ${why}`, key);
  };
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  let depth = 0;
  const value = (): JsonValue => {
    ws();
    const c = text[i];
    if (c === "{") {
      if (++depth > 512) fail("nesting too deep");
      i++;
      const obj: { [k: string]: JsonValue } = Object.create(null);
      ws();
      if (text[i] === "}") { i++; depth--; return { ...obj }; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected string key");
        const k = str();
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        obj[k] = value();
        ws();
        const d = text[i++];
        if (d === "}") break;
        if (d !== ",") fail("expected ',' or '}'");
      }
      depth--;
      return { ...obj };
    }
    if (c === "[") {
      if (++depth > 512) fail("nesting too deep");
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === "]") { i++; depth--; return arr; }
      for (;;) {
        arr.push(value());
        ws();
        const d = text[i++];
        if (d === "]") break;
        if (d !== ",") fail("expected ',' or ']'");
      }
      depth--;
      return arr;
    }
    if (c === '"') return str();
    if (text.startsWith("true", i)) { i += 4; return true; }
    if (text.startsWith("false", i)) { i += 5; return false; }
    if (text.startsWith("null", i)) { i += 4; return null; }
    // Python's json module writes these bare tokens; zarr-python 2 can emit them in attributes.
    if (text.startsWith("NaN", i)) { i += 3; return NaN; }
    if (text.startsWith("Infinity", i)) { i += 8; return Infinity; }
    if (text.startsWith("-Infinity", i)) { i += 9; return -Infinity; }
    return num();
  };
  const num = (): number | bigint => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail("unexpected character");
    i += m[0].length;
    if (m[2] === undefined && m[3] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    return Number(m[0]);
  };
  const str = (): string => {
    i++; // opening quote
    let out = "";
    let start = i;
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 34) { out += text.slice(start, i); i++; return out; }
      if (c < 32) fail("control character in string");
      if (c === 92) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case "\\": out += "\\"; break;
          case "/": out += "/"; break;
          case "b": out += "\b"; break;
          case "f": out += "\f"; break;
          case "n": out += "\n"; break;
          case "r": out += "\r"; break;
          case "t": out += "\t"; break;
          case "u": {
            const h = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(h)) fail("bad \\u escape");
            out += String.fromCharCode(parseInt(h, 16));
            i += 4;
            break;
          }
          default: fail("bad escape");
        }
        start = i;
      } else i++;
    }
  };
  const v = value();
  ws();
  if (i !== text.length) fail("trailing characters");
  return v;
}

/** JSON string literal with non-ASCII escaped as \uXXXX, as Python's json.dumps (ensure_ascii) writes it: zarr-python 2 decodes metadata as ASCII. */
function asciiString(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

/**
 * Serialise to JSON (indent 4 like zarr-python 2), writing bigint exactly and non-finite floats
 * as NaN/Infinity tokens. Non-ASCII is escaped (as Python's json.dumps does) unless `ascii: false`.
 */
export function stringifyJson(value: unknown, indent = 4, options: { ascii?: boolean } = {}): string {
  const str = options.ascii === false ? (s: string) => JSON.stringify(s) : asciiString;
  const out = (v: unknown, pad: string): string => {
    if (v === null || v === undefined) return "null";
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "number") {
      if (Number.isNaN(v)) return "NaN";
      if (v === Infinity) return "Infinity";
      if (v === -Infinity) return "-Infinity";
      return JSON.stringify(v);
    }
    if (typeof v === "string") return str(v);
    if (typeof v === "boolean") return JSON.stringify(v);
    const inner = pad + " ".repeat(indent);
    const nl = indent > 0 ? "\n" : "";
    const sep = indent > 0 ? ": " : ":";
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      return "[" + nl + v.map((x) => inner + out(x, inner)).join("," + nl) + nl + pad + "]";
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return "{}";
    return "{" + nl + entries.map(([k, x]) => inner + str(k) + sep + out(x, inner)).join("," + nl) + nl + pad + "}";
  };
  return out(value, "");
}

/** UTF-8 encode JSON text for a store. */
export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(stringifyJson(value));
}

/** Decode store bytes as JSON, naming `key` on failure. */
export function decodeJson(bytes: Uint8Array, key?: string): JsonValue {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (e) {
    throw new MetadataError("not valid UTF-8", key, undefined, { cause: e });
  }
  return parseJson(text, key);
}
