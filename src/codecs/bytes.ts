/**
 * The v3 `bytes` codec (array → bytes): fixed-size elements laid end to end in C order, in the
 * configured byte order. The v2 pipeline also uses it as the implicit serializer, with the
 * byte order of the dtype.
 *
 * Byte swaps happen at the in-memory unit width (`layoutOf(dtype).unitBytes`): per component
 * for complex, per code point for fixed unicode; byte strings, raw and structured records are
 * copied untouched. Everything moves as bytes, so NaN payloads and -0.0 survive exactly.
 * @module
 */
import { allocate, bytesOf, dtypeName, isVariableLength, itemSize, layoutOf, ownsBuffer, viewAs, type DataType } from "../format/dtype.js";
import { ChunkError, CodecError } from "../format/errors.js";
import { checkFields } from "./bytes-support.js";
import { product, swapInPlace } from "../format/ndarray.js";
import type { ArrayToBytesCodec, ChunkSpec, CodecContext, NDArray } from "./types.js";

const NAME = "bytes";

/** Parse `{endian}`; required (v3 spec) unless every element is a single byte wide. */
function parseEndian(config: Record<string, unknown>, dt: DataType, key?: string): "little" | "big" {
  checkFields(NAME, config, ["endian"], key);
  const e = config.endian;
  if (e === "little" || e === "big") return e;
  if (e === undefined || e === null) {
    if (!isVariableLength(dt) && layoutOf(dt).unitBytes > 1) {
      throw new CodecError(NAME, `configuration field "endian" is required for ${dtypeName(dt)}`, key);
    }
    return "little";
  }
  throw new CodecError(NAME, `configuration field "endian" must be "little" or "big", got ${JSON.stringify(e)}`, key);
}

function fixedSize(dt: DataType, key?: string): number {
  const size = itemSize(dt);
  if (size === undefined) throw new CodecError(NAME, `variable-length dtype ${dtypeName(dt)} needs a vlen codec, not bytes`, key);
  return size;
}

/** Bool is stored as 0/1 bytes; any other byte value is normalised to 1. */
function normaliseBool(b: Uint8Array): void {
  for (let i = 0; i < b.length; i++) if (b[i] > 1) b[i] = 1;
}

/** Factory for the `bytes` codec: `{endian: "little" | "big"}`. */
export function bytes(configuration: Record<string, unknown>, context: CodecContext): ArrayToBytesCodec {
  const { key } = context;
  const endian = parseEndian(configuration ?? {}, context.spec.dtype, key);
  return {
    kind: "array-to-bytes",
    name: NAME,
    /** The stored bytes (always a fresh copy, so the result can be transferred or kept). */
    async encode(a: NDArray): Promise<Uint8Array> {
      const size = fixedSize(a.dtype, key);
      const n = product(a.shape);
      const src = bytesOf(a.data);
      if (src.byteLength !== n * size) {
        throw new CodecError(NAME, `array data has ${src.byteLength} bytes but shape [${a.shape}] of ${dtypeName(a.dtype)} needs ${n * size}`, key);
      }
      const out = src.slice();
      if (a.dtype.kind === "bool") normaliseBool(out);
      if (endian === "big") swapInPlace(out, layoutOf(a.dtype).unitBytes);
      return out;
    },
    async decode(b: Uint8Array, spec: ChunkSpec, out?: NDArray): Promise<NDArray> {
      const size = fixedSize(spec.dtype, key);
      const n = product(spec.shape);
      if (b.byteLength !== n * size) {
        throw new ChunkError(`codec ${NAME}: chunk has ${b.byteLength} bytes but ${n} elements × ${size} bytes = ${n * size} were expected`, key);
      }
      let target: NDArray;
      if (out) {
        const lo = layoutOf(out.dtype), ls = layoutOf(spec.dtype);
        if (lo.ctor !== ls.ctor || lo.units !== ls.units || bytesOf(out.data).byteLength !== n * size) {
          throw new CodecError(NAME, `output array (${dtypeName(out.dtype)}, ${bytesOf(out.data).byteLength} bytes) does not match the chunk (${dtypeName(spec.dtype)}, ${n * size} bytes)`, key);
        }
        target = out;
      } else {
        // Native order and a buffer of its own (a decompressor's output, a fresh read): view
        // it instead of copying. Views into larger buffers are copied, so the result never
        // aliases memory a store or caller keeps.
        const unit = layoutOf(spec.dtype).unitBytes;
        if ((endian !== "big" || unit === 1) && spec.dtype.kind !== "bool" && ownsBuffer(b))
          return { data: viewAs(spec.dtype, b), shape: spec.shape.slice(), dtype: spec.dtype };
        target = { data: allocate(spec.dtype, n), shape: spec.shape.slice(), dtype: spec.dtype };
      }
      const dst = bytesOf(target.data);
      dst.set(b);
      if (endian === "big") swapInPlace(dst, layoutOf(spec.dtype).unitBytes);
      if (spec.dtype.kind === "bool") normaliseBool(dst);
      return target;
    },
    encodedSize(spec: ChunkSpec): number | undefined {
      const size = itemSize(spec.dtype);
      return size === undefined ? undefined : product(spec.shape) * size;
    },
  };
}
