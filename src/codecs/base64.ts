/**
 * `base64` codec (numcodecs Base64): the standard-alphabet, padded base64 text (as ASCII
 * bytes) of the data, via Node's Buffer codec.
 *
 * Decoding accepts what numcodecs writes, plus ASCII whitespace (which Python discards).
 * Other non-canonical text that Python's lenient decoder would silently reinterpret
 * (stray characters, URL-safe letters, misplaced padding) is refused instead, because
 * Node's decoder would read some of it differently.
 * @module
 */
import { CodecError } from "../format/errors.js";
import type { BytesToBytesCodec, CodecFactory } from "./types.js";
import { asBuffer, checkFields, expectSize } from "./bytes-support.js";

const NAME = "base64";

const ALPHABET = 0;
const PAD = 1;
const SPACE = 2;
const INVALID = 4;
/** Byte classes; OR-ing them over the input tells in one pass what kinds of bytes occur. */
const CLASS = new Uint8Array(256).fill(INVALID);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") CLASS[c.charCodeAt(0)] = ALPHABET;
CLASS[0x3d] = PAD;
for (const c of [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]) CLASS[c] = SPACE;

/** Why `b` (whitespace removed) is not canonical base64, for the error message. */
function explain(b: Uint8Array): string {
  if (b.length % 4 !== 0) return `${b.length} base64 characters is not a multiple of 4`;
  const i = b.findIndex((c, k) => CLASS[c] !== ALPHABET && !(c === 0x3d && k >= b.length - 2 && (k === b.length - 1 || b[k + 1] === 0x3d)));
  return `byte 0x${b[i].toString(16)} at ${i} is not standard base64 or misplaced padding`;
}

/**
 * Canonical base64 text of `b` with ASCII whitespace removed; throws CodecError otherwise.
 * A table-driven byte loop: several times faster than a regular expression over the text.
 */
function canonicalText(b: Uint8Array, key?: string): string {
  let seen = 0;
  for (let i = 0; i < b.length; i++) seen |= CLASS[b[i]];
  if (seen & SPACE) {
    b = b.filter((c) => CLASS[c] !== SPACE);
    seen &= ~SPACE;
  }
  const n = b.length;
  // Canonical: length a multiple of 4, only alphabet bytes, except one or two final "=".
  const pads = n > 0 && b[n - 1] === 0x3d ? (b[n - 2] === 0x3d ? 2 : 1) : 0;
  const ok = n % 4 === 0 && !(seen & INVALID) && (!(seen & PAD) || b.indexOf(0x3d) === n - pads);
  if (!ok) throw new CodecError(NAME, `corrupt input: ${explain(b)}`, key);
  return Buffer.from(b.buffer, b.byteOffset, n).toString("latin1");
}

/** numcodecs `base64` factory (no configuration). */
export const base64: CodecFactory = (configuration, context): BytesToBytesCodec => {
  const key = context.key;
  checkFields(NAME, configuration, [], key);
  return {
    kind: "bytes-to-bytes",
    name: NAME,
    async encode(b) {
      const text = asBuffer(b).toString("base64");
      const enc = new Uint8Array(text.length);
      Buffer.from(enc.buffer).write(text, "latin1");
      return enc;
    },
    async decode(b, out) {
      const text = canonicalText(b, key);
      const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
      const size = (text.length / 4) * 3 - pad;
      expectSize(NAME, size, out, key);
      const dst = out ?? new Uint8Array(size);
      // Buffer#write decodes straight into the destination memory.
      const written = Buffer.from(dst.buffer, dst.byteOffset, dst.length).write(text, "base64");
      if (written !== size) throw new CodecError(NAME, `corrupt input: decoded ${written} bytes, expected ${size}`, key);
      return dst;
    },
    encodedSize: (n) => 4 * Math.ceil(n / 3),
  };
};
