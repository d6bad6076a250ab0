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

/** Canonical padded base64 (regular expressions run far faster than a per-character loop here). */
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HAS_SPACE = /[\t\n\v\f\r ]/;
const SPACES = /[\t\n\v\f\r ]/g;

/** Why `text` (whitespace removed) is not canonical base64, for the error message. */
function explain(text: string): string {
  if (text.length % 4 !== 0) return `${text.length} base64 characters is not a multiple of 4`;
  const i = text.search(/[^A-Za-z0-9+/]/);
  return `character ${JSON.stringify(text[i])} at ${i} is not standard base64 or misplaced padding`;
}

/** Canonical base64 text of `b` with ASCII whitespace removed; throws CodecError otherwise. */
function canonicalText(b: Uint8Array, key?: string): string {
  let text = Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1");
  if (HAS_SPACE.test(text)) text = text.replace(SPACES, "");
  if (!CANONICAL.test(text)) throw new CodecError(NAME, `corrupt input: ${explain(text)}`, key);
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
