/**
 * `zlib` codec (numcodecs Zlib `{level}`): a zlib (RFC 1950) stream, via node:zlib.
 * Also exports {@link inflateBounded}, the size-limited inflate shared with gzip.ts.
 * @module
 */
import { deflateSync, inflateSync, type ZlibOptions } from "node:zlib";
import { constants as bufferConstants } from "node:buffer";
import { CodecError } from "../format/errors.js";
import type { BytesToBytesCodec, CodecFactory } from "./types.js";
import { asBuffer, checkFields, corrupt, deliver, expectSize, intField, plain } from "./bytes-support.js";
import { InflateError, inflateInto } from "./inflate-into.js";

const NAME = "zlib";

/** A node:zlib one-shot decompressor (inflateSync, gunzipSync...). */
export type InflateFn = (input: Buffer, options: ZlibOptions) => Buffer;

/**
 * Inflate `input` with `inflate`, never producing more than `out.length` bytes when `out` is
 * given (node's `maxOutputLength` stops the stream), and copy the result into `out`.
 * Library errors become CodecErrors naming `codec`.
 */
export function inflateBounded(codec: string, inflate: InflateFn, input: Uint8Array, out: Uint8Array | undefined, key?: string): Uint8Array {
  // One output chunk of the expected size avoids node's chunk-list concatenation.
  const options: ZlibOptions = out
    ? { maxOutputLength: Math.max(1, out.length), chunkSize: Math.min(Math.max(out.length, 64), 1 << 26) }
    : { chunkSize: Math.min(Math.max(input.length * 4, 1 << 14), 1 << 24) };
  let decoded: Buffer;
  try {
    decoded = inflate(asBuffer(input), options);
  } catch (e) {
    if ((e as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      const limit = out ? out.length : bufferConstants.MAX_LENGTH;
      throw new CodecError(codec, `data decodes to more than the expected ${limit} bytes`, key, { cause: e });
    }
    throw corrupt(codec, e, key);
  }
  return deliver(codec, decoded, out, key);
}

/**
 * Inflate the zlib stream `input` into all of `out` ({@link inflateInto}: no allocation, no
 * copy); errors become CodecErrors naming `codec`, as {@link inflateBounded}'s do.
 */
export function inflateExactly(codec: string, input: Uint8Array, out: Uint8Array, key?: string): Uint8Array {
  let got: number;
  try {
    got = inflateInto(input, out);
  } catch (e) {
    if (e instanceof InflateError && e.tooLarge) throw new CodecError(codec, e.message, key, { cause: e });
    throw corrupt(codec, e, key);
  }
  expectSize(codec, got, out, key);
  return out;
}

/** A node:zlib one-shot compressor (deflateSync, gzipSync). */
export type DeflateFn = (input: Buffer, options: ZlibOptions) => Buffer;

/**
 * A `{level}` codec over one node:zlib format: level in [-1, 9], default 1 (numcodecs'
 * default). `direct`: decode into a given output with {@link inflateExactly} (zlib streams).
 */
export function deflateCodec(name: string, deflate: DeflateFn, inflate: InflateFn, direct = false): CodecFactory {
  return (configuration, context): BytesToBytesCodec => {
    const key = context.key;
    checkFields(name, configuration, ["level"], key);
    const level = intField(name, configuration, "level", 1, -1, 9, key);
    return {
      kind: "bytes-to-bytes",
      name,
      async encode(b) {
        return plain(deflate(asBuffer(b), { level }));
      },
      async decode(b, out) {
        return direct && out ? inflateExactly(name, b, out, key) : inflateBounded(name, inflate, b, out, key);
      },
    };
  };
}

/** numcodecs `zlib` factory: `{level}` in [-1, 9], default 1 (numcodecs' default). */
export const zlib: CodecFactory = deflateCodec(NAME, deflateSync, inflateSync, true);
