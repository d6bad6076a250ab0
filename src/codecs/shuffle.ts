/**
 * numcodecs' `Shuffle` filter (v2 id "shuffle", config `{elementsize}`, default 4):
 * a bytes → bytes byte shuffle over the whole buffer, byte `j` of element `i` going to
 * `j * count + i`. Element sizes ≤ 1 pass bytes through unchanged; a buffer that is not a
 * whole number of elements is refused, as numcodecs does.
 * @module
 */
import { CodecError } from "../format/errors.js";
import { byteShuffle, byteUnshuffle } from "./blosc/shuffle.js";
import type { BytesToBytesCodec, CodecContext } from "./types.js";

function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Factory for `{id: "shuffle", elementsize}`. */
export function shuffle(configuration: Record<string, unknown>, context: CodecContext): BytesToBytesCodec {
  const key = context.key;
  const es = configuration.elementsize === undefined ? 4 : configuration.elementsize;
  if (typeof es !== "number" || !Number.isSafeInteger(es) || es < 0)
    throw new CodecError("shuffle", `configuration field "elementsize" must be a non-negative integer, got ${JSON.stringify(es)}`, key);

  const prepare = (b: Uint8Array, out: Uint8Array | undefined, what: string): Uint8Array => {
    if (es > 1 && b.length % es !== 0) throw new CodecError("shuffle", `${what} buffer of ${b.length} bytes is not a multiple of elementsize ${es}`, key);
    if (out !== undefined && out.length !== b.length) throw new CodecError("shuffle", `destination holds ${out.length} bytes, data has ${b.length}`, key);
    return out ?? new Uint8Array(b.length);
  };

  return {
    kind: "bytes-to-bytes",
    name: "shuffle",
    encode: async (b) => {
      const out = prepare(b, undefined, "input");
      byteShuffle(b, out, Math.max(es, 1));
      return out;
    },
    decode: async (b, out) => {
      const dst = prepare(b, out, "encoded");
      // The transform cannot run in place; unshuffle via a copy when the buffers overlap.
      const src = overlaps(b, dst) ? b.slice() : b;
      byteUnshuffle(src, dst, Math.max(es, 1));
      return dst;
    },
    encodedSize: (n) => n,
  };
}
