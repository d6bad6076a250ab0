/**
 * Request validation shared by every store: keys, list prefixes and byte ranges.
 *
 * Keys are checked, never repaired: a key that is not already in canonical form
 * ("a/b/.zarray") is refused with a {@link StoreError} naming it, because silently
 * normalising `a//b` or `a\..\b` would let two spellings reach one file, or one
 * spelling escape the store root.
 * @module
 */
import { StoreError } from "../format/errors.js";
import type { ByteRange } from "./types.js";

/** Why `segment` cannot be part of a key, or undefined when it can. */
function segmentProblem(segment: string, first: boolean): string | undefined {
  if (segment === "") return "empty path segment";
  if (segment === "." || segment === "..") return `'${segment}' path segment`;
  if (/^[A-Za-z]:/.test(segment)) {
    // Refused in every position: on Windows "C:" re-roots a path and "a/C:x" names a stream.
    return first ? "drive-letter (absolute) path" : "drive-letter path segment";
  }
  return undefined;
}

/** Why `s` contains a forbidden character, or undefined. */
function charProblem(s: string): string | undefined {
  if (s.includes("\\")) return "backslash (use '/' as separator)";
  // C0 controls and DEL: NUL truncates C paths, the rest hide in listings and logs.
  const m = /[\u0000-\u001f\u007f]/.exec(s);
  if (m) return `control character U+${m[0].charCodeAt(0).toString(16).padStart(4, "0")}`;
  return undefined;
}

/** Render a key for messages so control characters stay visible. */
function show(key: string): string {
  return JSON.stringify(key);
}

/**
 * Why `key` is not a valid store key, or undefined when it is.
 * Valid keys are non-empty '/'-separated relative paths without empty, '.' or '..'
 * segments, backslashes, control characters or drive letters.
 */
export function keyProblem(key: string): string | undefined {
  if (typeof key !== "string") return "key is not a string";
  if (key === "") return "empty key";
  if (key.startsWith("/")) return "absolute path (leading '/')";
  const c = charProblem(key);
  if (c !== undefined) return c;
  const segments = key.split("/");
  for (let i = 0; i < segments.length; i++) {
    const p = segmentProblem(segments[i], i === 0);
    if (p !== undefined) return p;
  }
  return undefined;
}

/**
 * Return `key` unchanged when valid; otherwise throw a StoreError naming it.
 * @param what - what the string is, for the message ("key", "zip entry name"...).
 */
export function checkKey(key: string, what = "key"): string {
  const p = keyProblem(key);
  if (p !== undefined) throw new StoreError(`invalid ${what} ${show(key)}: ${p}`, key);
  return key;
}

/** The '/'-separated segments of a valid key (validated first). */
export function keySegments(key: string): string[] {
  return checkKey(key).split("/");
}

/**
 * Validate a `list` prefix and split it into the directory part (a valid key, or '' for the
 * root) and the trailing partial name. `"a/b/c"` → `["a/b", "c"]`, `"a/"` → `["a", ""]`.
 * The partial name is only ever compared as a string, so it may be anything but must not
 * hold backslashes or control characters.
 */
export function splitPrefix(prefix: string): [dir: string, partial: string] {
  if (typeof prefix !== "string") throw new StoreError("list prefix is not a string");
  if (prefix.startsWith("/")) {
    throw new StoreError(`invalid list prefix ${show(prefix)}: absolute path (leading '/')`, prefix);
  }
  const c = charProblem(prefix);
  if (c !== undefined) throw new StoreError(`invalid list prefix ${show(prefix)}: ${c}`, prefix);
  const cut = prefix.lastIndexOf("/");
  if (cut < 0) return ["", prefix];
  const dir = prefix.slice(0, cut);
  const p = keyProblem(dir);
  if (p !== undefined) throw new StoreError(`invalid list prefix ${show(prefix)}: ${p}`, prefix);
  return [dir, prefix.slice(cut + 1)];
}

/** Validate a list prefix (see {@link splitPrefix}) and return it unchanged. */
export function checkPrefix(prefix: string): string {
  splitPrefix(prefix);
  return prefix;
}

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

/**
 * Validate a byte range; throws StoreError naming `key` when offsets or lengths are not
 * non-negative safe integers.
 */
export function checkRange(range: ByteRange, key: string): ByteRange {
  if (range === null || typeof range !== "object") throw new StoreError("byte range is not an object", key);
  if ("suffix" in range) {
    if (!isCount(range.suffix)) throw new StoreError(`invalid byte range suffix ${String(range.suffix)}`, key);
    return range;
  }
  if (!isCount(range.offset)) throw new StoreError(`invalid byte range offset ${String(range.offset)}`, key);
  if (range.length !== undefined && !isCount(range.length)) {
    throw new StoreError(`invalid byte range length ${String(range.length)}`, key);
  }
  return range;
}

/**
 * Resolve a range against a value of `size` bytes to `[start, end)`.
 *
 * Semantics shared by all stores (and matched by the HTTP store): ranges are clamped to the
 * end of the value the way HTTP servers clamp them — `{offset, length}` reaching past the end
 * yields the bytes up to the end, an offset at or past the end yields no bytes, and
 * `{suffix: n}` yields the last `min(n, size)` bytes. No range means the whole value.
 */
export function resolveRange(size: number, range: ByteRange | undefined, key: string): [start: number, end: number] {
  if (range === undefined) return [0, size];
  checkRange(range, key);
  if ("suffix" in range) return [Math.max(0, size - range.suffix), size];
  const start = Math.min(range.offset, size);
  const end = range.length === undefined ? size : Math.min(size, range.offset + range.length);
  return [start, Math.max(start, end)];
}
