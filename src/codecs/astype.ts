/**
 * numcodecs `astype` (array → array): `{encode_dtype, decode_dtype}`. Encode casts values of
 * `decode_dtype` to `encode_dtype` with numpy `astype` semantics (integer wraparound, float
 * truncation, float rounding); decode casts back.
 * @module
 */
import { checkFields } from "./bytes-support.js";
import { castWork, elementwiseCodec, fromWork, parseCodecDtype, readWork, requireNumeric } from "./elementwise.js";
import type { ArrayToArrayCodec, CodecContext } from "./types.js";

const NAME = "astype";

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
    encode: (data) => fromWork(castWork(readWork(data, dec), dec, enc), enc),
    decode: (data) => fromWork(castWork(readWork(data, enc), enc, dec), dec),
  }, key);
}
