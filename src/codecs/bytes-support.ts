/**
 * Small helpers shared by the bytes-to-bytes codecs (compressors, checksums, base64):
 * configuration checks, output-size checks, error wrapping and buffer normalisation.
 * @module
 */
import { CodecError } from "../format/errors.js";

/** A codec configuration object (v3 `configuration`, or v2 numcodecs JSON minus `id`). */
export type Config = Record<string, unknown>;

/** Throw a CodecError naming the first configuration field not in `allowed` (`id` is tolerated: v2 JSON carries it). */
export function checkFields(codec: string, config: Config, allowed: readonly string[], key?: string): void {
  for (const field of Object.keys(config)) {
    if (field !== "id" && !allowed.includes(field)) {
      throw new CodecError(codec, `unknown configuration field "${field}" (expected ${allowed.length ? allowed.join(", ") : "none"})`, key);
    }
  }
}

/** An integer field within [min, max]; `fallback` when absent or null. */
export function intField(codec: string, config: Config, field: string, fallback: number, min: number, max: number, key?: string): number {
  const v = config[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new CodecError(codec, `configuration field "${field}" must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`, key);
  }
  return v;
}

/** A boolean field; `fallback` when absent or null. */
export function boolField(codec: string, config: Config, field: string, fallback: boolean, key?: string): boolean {
  const v = config[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "boolean") throw new CodecError(codec, `configuration field "${field}" must be a boolean, got ${JSON.stringify(v)}`, key);
  return v;
}

/** Throw unless `out` is absent or exactly `size` bytes long (called before decoding, when the size is known up front). */
export function expectSize(codec: string, size: number, out: Uint8Array | undefined, key?: string): void {
  if (out && size !== out.length) {
    throw new CodecError(codec, `data decodes to ${size} bytes but ${out.length} were expected`, key);
  }
}

/**
 * Return decoded bytes: copied into `out` when given (after checking the length),
 * otherwise as a plain Uint8Array (see {@link plain}).
 */
export function deliver(codec: string, decoded: Uint8Array, out: Uint8Array | undefined, key?: string): Uint8Array {
  if (!out) return plain(decoded);
  if (decoded === out) return out;
  expectSize(codec, decoded.length, out, key);
  out.set(decoded);
  return out;
}

/**
 * A plain Uint8Array (not a Node Buffer, so strict deep-equality works) that owns its whole
 * ArrayBuffer: pooled or oversized library buffers are copied so a caller can transfer the
 * result to another thread without detaching, or retaining, unrelated memory.
 */
export function plain(b: Uint8Array): Uint8Array {
  if (b.byteOffset !== 0 || b.buffer.byteLength !== b.length) return new Uint8Array(b);
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, 0, b.length);
}

/** A Buffer view of `b` without copying (the native bindings want Buffer). */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Wrap a library failure while decoding as a CodecError naming the codec (CodecErrors pass through). */
export function corrupt(codec: string, e: unknown, key?: string): CodecError {
  if (e instanceof CodecError) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new CodecError(codec, `corrupt or truncated input: ${why}`, key, { cause: e });
}
