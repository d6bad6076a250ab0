/**
 * `lz4` codec (numcodecs LZ4 `{acceleration}`). numcodecs' format is a 4-byte little-endian
 * decoded size followed by one raw LZ4 block, which is exactly lz4-napi's (lz4_flex)
 * "size prepended" format: lz4-napi encodes; ./lz4-block.ts decodes the block in place.
 *
 * lz4_flex has a single speed setting, so `acceleration` is validated but does not change
 * the output (any LZ4 decoder reads it; only the compression ratio/speed trade-off differs).
 * @module
 */
import { compressSync } from "lz4-napi";
import { CodecError } from "../format/errors.js";
import type { BytesToBytesCodec, CodecFactory } from "./types.js";
import { asBuffer, checkFields, expectSize, intField, plain } from "./bytes-support.js";
import { lz4DecodeBlock, lz4Problem } from "./lz4-block.js";

const NAME = "lz4";

/**
 * An LZ4 block cannot decode to more than ~255 bytes per compressed byte (a match length
 * grows by at most 255 per extra length byte), so larger size headers are corrupt.
 */
const MAX_RATIO = 255;

/** Read and validate the size header before anything is allocated. */
function declaredSize(b: Uint8Array, out: Uint8Array | undefined, key?: string): number {
  if (b.length < 5) throw new CodecError(NAME, `corrupt or truncated input: ${b.length} bytes is too short for a size header and block`, key);
  const size = (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  // numcodecs reads the header as a C int: anything above 2^31-1 is invalid there too.
  if (size > 0x7fffffff || size > (b.length - 4) * MAX_RATIO) {
    throw new CodecError(NAME, `size header declares ${size} bytes, impossible for a ${b.length - 4}-byte block`, key);
  }
  expectSize(NAME, size, out, key);
  return size;
}

/** numcodecs `lz4` factory: `{acceleration}` (integer, default 1; ≤ 0 means 1 as in numcodecs). */
export const lz4: CodecFactory = (configuration, context): BytesToBytesCodec => {
  const key = context.key;
  checkFields(NAME, configuration, ["acceleration"], key);
  intField(NAME, configuration, "acceleration", 1, -(2 ** 31), 2 ** 31 - 1, key);
  return {
    kind: "bytes-to-bytes",
    name: NAME,
    async encode(b) {
      if (b.length > 0x7e000000) throw new CodecError(NAME, `input of ${b.length} bytes exceeds LZ4's maximum block input (0x7E000000)`, key);
      return plain(compressSync(asBuffer(b)));
    },
    async decode(b, out) {
      const size = declaredSize(b, out, key);
      // Decoded in place (./lz4-block.ts), only after the header's size was validated.
      const dst = out ?? new Uint8Array(size);
      const got = lz4DecodeBlock(b.subarray(4), dst);
      if (got < 0) throw new CodecError(NAME, `corrupt or truncated input: ${lz4Problem(got)}`, key);
      if (got !== size) throw new CodecError(NAME, `size header declares ${size} bytes but the block decodes to ${got}`, key);
      return dst;
    },
  };
};
