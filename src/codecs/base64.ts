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

/** True for the bytes of standard base64 text: A-Z a-z 0-9 + / (padding handled apart). */
function isAlphabet(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
}

/** True for ASCII whitespace (space, \t \n \v \f \r). */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Canonical base64 text of `b` with whitespace removed, after checking alphabet and padding. */
function canonicalText(b: Uint8Array, key?: string): string {
  let text = Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1");
  if (b.some(isSpace)) text = text.replace(/[ \t\n\v\f\r]/g, "");
  const n = text.length;
  if (n % 4 !== 0) throw new CodecError(NAME, `corrupt input: ${n} base64 characters is not a multiple of 4`, key);
  const pad = n > 0 && text.charCodeAt(n - 1) === 61 ? (text.charCodeAt(n - 2) === 61 ? 2 : 1) : 0;
  for (let i = 0; i < n - pad; i++) {
    if (!isAlphabet(text.charCodeAt(i))) {
      throw new CodecError(NAME, `corrupt input: character ${JSON.stringify(text[i])} at ${i} is not standard base64`, key);
    }
  }
  return text;
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
