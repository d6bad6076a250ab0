/**
 * numcodecs `astype` (array → array): `{encode_dtype, decode_dtype}`. Encode casts values of
 * `decode_dtype` to `encode_dtype` with numpy `astype` semantics (integer wraparound, float
 * truncation, float rounding); decode casts back.
 * @module
 */
import { checkFields } from "./bytes-support.js";
import type { DataValues } from "../format/dtype.js";
import {
  castPlain, castWork, elementwiseCodec, fromWork, parseCodecDtype, plainArray, readWork, requireNumeric, type NumericDType,
} from "./elementwise.js";
import type { ArrayToArrayCodec, CodecContext } from "./types.js";

const NAME = "astype";

/** Cast `data` of `from` to `to`: straight typed-array casts when both are plain, else through a work array. */
function cast(data: DataValues, from: NumericDType, to: NumericDType): DataValues {
  const src = plainArray(data, from);
  return (src && castPlain(src, from.kind === "float", to)) ?? fromWork(castWork(readWork(data, from), from, to), to);
}

/** Factory for numcodecs `astype`. */
export function astype(configuration: Record<string, unknown>, context: CodecContext): ArrayToArrayCodec {
  const { key } = context;
  const config = configuration ?? {};
  checkFields(NAME, config, ["encode_dtype", "decode_dtype"], key);
  const enc = requireNumeric(parseCodecDtype(config.encode_dtype, NAME, "encode_dtype", key), NAME, "encode_dtype", key);
  const dec = requireNumeric(parseCodecDtype(config.decode_dtype, NAME, "decode_dtype", key), NAME, "decode_dtype", key);
  return elementwiseCodec({
    name: NAME,
    dtype: dec,
    astype: enc,
    encode: (data) => cast(data, dec, enc),
    decode: (data) => cast(data, enc, dec),
  }, key);
}
