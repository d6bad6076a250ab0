/**
 * `bz2` codec (numcodecs BZ2 `{level}`): a bzip2 stream, via compressjs' Bzip2 (pure JS;
 * no maintained native binding is installed). `level` is the block size in 100 kB units,
 * as for Python's bz2.compress.
 *
 * Decoding accepts several concatenated streams and, like Python's bz2.decompress, ignores
 * trailing bytes that do not start another stream; it writes through a bounded sink,
 * straight into `out` when given, never past its end.
 * @module
 */
import { createRequire } from "node:module";
import { CodecError } from "../format/errors.js";
import type { BytesToBytesCodec, CodecFactory } from "./types.js";
import { checkFields, corrupt, expectSize, intField, plain } from "./bytes-support.js";

const NAME = "bz2";

/** The parts of compressjs' (untyped, CommonJS) stream interface we use. */
interface InputStream {
  readByte(): number;
  read(buf: Uint8Array, offset: number, length: number): number;
}
interface OutputStream {
  writeByte(byte: number): void;
}
interface Bzip2Api {
  compressFile(input: Uint8Array, output: undefined, blockSize: number): Uint8Array;
  decompressFile(input: InputStream, output: OutputStream): unknown;
}

/**
 * Load compressjs. Its BWT module binds `console.assert` once, at load time, and calls it in
 * its innermost suffix-sorting loops, which makes encoding ~4× slower; the asserts only
 * ever log. So a no-op is in place for the duration of the (synchronous) load only.
 */
function loadBzip2(): Bzip2Api {
  const assert = console.assert;
  console.assert = () => {};
  try {
    return (createRequire(import.meta.url)("compressjs") as { Bzip2: Bzip2Api }).Bzip2;
  } finally {
    console.assert = assert;
  }
}

const Bzip2 = loadBzip2();

/**
 * Input stream over `src` from `start`, throwing instead of returning EOF bits so corrupt data
 * cannot spin. It has no `eof()` on purpose: compressjs stops at `eof()` without reading the
 * end-of-stream marker (accepting truncated streams); without it, compressjs decodes exactly
 * one complete stream, and `position()` tells where the next one starts.
 */
function reader(src: Uint8Array, start: number, key?: string): InputStream & { position(): number } {
  let pos = start;
  return {
    readByte() {
      if (pos >= src.length) throw new CodecError(NAME, "corrupt or truncated input: unexpected end of data", key);
      return src[pos++];
    },
    read(buf, offset, length) {
      const n = Math.min(length, src.length - pos);
      buf.set(src.subarray(pos, pos + n), offset);
      pos += n;
      return n;
    },
    position: () => pos,
  };
}

/** Output sink writing into `out`, or into a buffer that doubles as needed; refuses bytes past `out`. */
function writer(out: Uint8Array | undefined, key?: string): OutputStream & { bytes(): Uint8Array } {
  let dst = out ?? new Uint8Array(1 << 16);
  let pos = 0;
  return {
    writeByte(byte) {
      if (pos === dst.length) {
        if (out) throw new CodecError(NAME, `data decodes to more than the expected ${out.length} bytes`, key);
        const grown = new Uint8Array(dst.length * 2);
        grown.set(dst);
        dst = grown;
      }
      dst[pos++] = byte;
    },
    bytes() {
      if (out) {
        expectSize(NAME, pos, out, key);
        return out;
      }
      return dst.slice(0, pos);
    },
  };
}

/** True when a bzip2 stream header ("BZh1".."BZh9") starts at `pos`. */
function isStreamStart(b: Uint8Array, pos: number): boolean {
  return pos + 4 <= b.length && b[pos] === 0x42 && b[pos + 1] === 0x5a && b[pos + 2] === 0x68 && b[pos + 3] >= 0x31 && b[pos + 3] <= 0x39;
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
      return plain(Bzip2.compressFile(b, undefined, level));
    },
    async decode(b, out) {
      // Python's bz2.decompress(b"") is b"": mirror it rather than call empty input corrupt.
      if (b.length === 0) {
        expectSize(NAME, 0, out, key);
        return out ?? new Uint8Array(0);
      }
      const sink = writer(out, key);
      let pos = 0;
      try {
        do {
          const input = reader(b, pos, key);
          Bzip2.decompressFile(input, sink);
          pos = input.position();
        } while (isStreamStart(b, pos));
      } catch (e) {
        throw corrupt(NAME, e, key);
      }
      return sink.bytes();
    },
  };
};
