/**
 * `bz2` codec (numcodecs BZ2 `{level}`): a bzip2 stream; `level` is the block size in
 * 100 kB units, as for Python's bz2.compress.
 *
 * Encoding uses node-bzip2 (libbzip2 compiled as a native addon): same algorithm and output
 * as Python's bz2 module. Decoding uses @foxglove/wasm-bz2 (libbzip2 compiled to WASM), because
 * node-bzip2's decoder loops forever on truncated input and cannot bound its output. The WASM
 * decoder writes into a buffer of a size given up front, so output beyond `out` is refused
 * without being produced; without `out` it starts from a guess and retries larger.
 *
 * Several concatenated streams (pbzip2, appended files) decode one after another; like Python's
 * bz2.decompress, bytes after the last stream that do not start another stream are ignored,
 * while a stream that starts must be complete.
 * @module
 */
import { createRequire } from "node:module";
import Bzip2Wasm from "@foxglove/wasm-bz2";
import { CodecError } from "../format/errors.js";
import type { BytesToBytesCodec, CodecFactory } from "./types.js";
import { asBuffer, checkFields, expectSize, intField, plain } from "./bytes-support.js";

const NAME = "bz2";

/** node-bzip2's (untyped, CommonJS) synchronous compressor. */
const nodeBzip2 = createRequire(import.meta.url)("node-bzip2") as { compress(data: Uint8Array, options: { level: number }): Buffer };

/** Largest output the WASM decoder can write in one call (libbzip2's `unsigned int` length, passed as a JS int32). */
const MAX_DEST = 2 ** 31 - 1;
/** First output guess when the size is unknown, per compressed byte (typical bzip2 ratios are 2–10). */
const GUESS_RATIO = 16;
/** A WASM heap only grows; after an output larger than this the instance is dropped to release it. */
const RETAIN_LIMIT = 64 * 1024 * 1024;

let decoder: Promise<Bzip2Wasm> | undefined;

/** The shared WASM decoder, instantiated on first use. */
function wasm(): Promise<Bzip2Wasm> {
  decoder ??= Bzip2Wasm.init();
  return decoder;
}

/** Throw a CodecError naming this codec. */
function fail(message: string, key?: string, cause?: unknown): never {
  throw new CodecError(NAME, message, key, cause === undefined ? undefined : { cause });
}

/** libbzip2's status codes (as reported by the WASM decoder's message). */
const BZ_MEM_ERROR = -3;
const BZ_DATA_ERROR = -4;
const BZ_DATA_ERROR_MAGIC = -5;
const BZ_UNEXPECTED_EOF = -7;
const BZ_OUTBUFF_FULL = -8;

/** The libbzip2 status code in a WASM decoder error ("BZ2 decompression failed: -8 (BZ_OUTBUFF_FULL)"). */
function statusOf(e: unknown): number | undefined {
  const m = e instanceof Error ? /failed: (-?\d+)/.exec(e.message) : null;
  return m ? Number(m[1]) : undefined;
}

/** A readable reason for a decoder failure other than a full output buffer. */
function reason(e: unknown): string {
  switch (statusOf(e)) {
    case BZ_DATA_ERROR:
      return "corrupt input: data is corrupt (bad block or CRC)";
    case BZ_DATA_ERROR_MAGIC:
      return "corrupt input: not a bzip2 stream";
    case BZ_UNEXPECTED_EOF:
      return "corrupt or truncated input: data ends before the end of the stream";
    case BZ_MEM_ERROR:
      return "out of memory in the bzip2 decoder";
    default:
      return `corrupt input: ${e instanceof Error ? e.message : String(e)}`;
  }
}

const BLOCK_MAGIC = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
const EOS_MAGIC = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];

/** True when a bzip2 stream starts at `pos`: "BZh1".."BZh9", then a block or end-of-stream magic. */
function isStreamStart(b: Uint8Array, pos: number): boolean {
  if (pos + 10 > b.length || b[pos] !== 0x42 || b[pos + 1] !== 0x5a || b[pos + 2] !== 0x68 || b[pos + 3] < 0x31 || b[pos + 3] > 0x39) return false;
  const magic = b[pos + 4] === BLOCK_MAGIC[0] ? BLOCK_MAGIC : EOS_MAGIC;
  return magic.every((m, i) => b[pos + 4 + i] === m);
}

/**
 * Split the input into streams. The decoder reports neither where a stream ended nor what
 * follows, but streams are byte-aligned and start with a 10-byte signature (header + magic),
 * so each one runs to the next signature; bytes after the last stream are left for the
 * decoder to ignore, as Python ignores them.
 */
function streams(b: Uint8Array, key?: string): Uint8Array[] {
  if (!isStreamStart(b, 0)) fail("corrupt input: not a bzip2 stream (no BZh header and block magic)", key);
  const buf = asBuffer(b);
  const starts = [0];
  for (let p = buf.indexOf("BZh", 1); p >= 0; p = buf.indexOf("BZh", p + 1)) if (isStreamStart(b, p)) starts.push(p);
  return starts.map((s, i) => b.subarray(s, starts[i + 1] ?? b.length));
}

/**
 * Decode one stream. With `room` (bytes left in `out`) the output buffer is room + 1 bytes, so
 * "too much output" is told apart from a stream that fits exactly; without it, start from a
 * guess and retry four times larger while the output does not fit.
 */
function decodeStream(w: Bzip2Wasm, src: Uint8Array, room: number | undefined, expected: number | undefined, key?: string): Uint8Array {
  let size = room !== undefined ? room + 1 : Math.min(MAX_DEST, Math.max(1 << 20, src.length * GUESS_RATIO));
  if (size > MAX_DEST) fail(`expected output of ${expected} bytes is beyond the bzip2 decoder's ${MAX_DEST}-byte limit`, key);
  for (;;) {
    try {
      const d = w.decompress(src, size);
      if (size > RETAIN_LIMIT) decoder = undefined;
      if (room !== undefined && d.length > room) fail(`data decodes to more than the expected ${expected} bytes`, key);
      return d;
    } catch (e) {
      if (e instanceof CodecError) throw e;
      if (statusOf(e) !== BZ_OUTBUFF_FULL) fail(reason(e), key, e);
      if (room !== undefined) fail(`data decodes to more than the expected ${expected} bytes`, key, e);
      if (size === MAX_DEST) fail(`data decodes to more than ${MAX_DEST} bytes, beyond the bzip2 decoder's limit`, key, e);
      size = Math.min(MAX_DEST, size * 4);
    }
  }
}

/** Decode all streams into `out` (checked for size) or a new array. */
async function decode(b: Uint8Array, out: Uint8Array | undefined, key?: string): Promise<Uint8Array> {
  // Python's bz2.decompress(b"") is b"": mirror it rather than call empty input corrupt.
  if (b.length === 0) {
    expectSize(NAME, 0, out, key);
    return out ?? new Uint8Array(0);
  }
  const parts = streams(b, key);
  const w = await wasm();
  if (!out && parts.length === 1) return plain(decodeStream(w, parts[0], undefined, undefined, key));
  const decoded: Uint8Array[] = [];
  let pos = 0;
  for (const part of parts) {
    const d = decodeStream(w, part, out ? out.length - pos : undefined, out?.length, key);
    if (out) out.set(d, pos);
    else decoded.push(d);
    pos += d.length;
  }
  if (out) {
    expectSize(NAME, pos, out, key);
    return out;
  }
  const dst = new Uint8Array(pos);
  pos = 0;
  for (const d of decoded) {
    dst.set(d, pos);
    pos += d.length;
  }
  return dst;
}

/** numcodecs `bz2` factory: `{level}` in [1, 9], default 1 (numcodecs' default). */
export const bz2: CodecFactory = (configuration, context): BytesToBytesCodec => {
  const key = context.key;
  checkFields(NAME, configuration, ["level"], key);
  const level = intField(NAME, configuration, "level", 1, 1, 9, key);
  return {
    kind: "bytes-to-bytes",
    name: NAME,
    async encode(b) {
      // libbzip2 refuses a NULL source (what an empty input is), so write the empty stream
      // directly: header "BZh" + level, end-of-stream magic, combined CRC 0 (Python's bytes).
      if (b.length === 0) return new Uint8Array([0x42, 0x5a, 0x68, 0x30 + level, ...EOS_MAGIC, 0, 0, 0, 0]);
      try {
        return plain(nodeBzip2.compress(asBuffer(b), { level }));
      } catch (e) {
        return fail(`compression failed: ${e instanceof Error ? e.message : String(e)}`, key, e);
      }
    },
    async decode(b, out) {
      return decode(b, out, key);
    },
  };
};
