/**
 * numcodecs `quantize` (array → array, lossy): `{digits, dtype, astype?}`. Encode is
 * `around(scale * x) / scale` with `scale = 2**bits`, `bits = ceil(log2(10**digits))`, computed
 * in numpy's value-based promoted float type (float16 data with a scale above 65000 works in
 * float32, as in numpy 1.x), then cast to `astype`; decode only casts back to `dtype`.
 * @module
 */
import { CodecError } from "../format/errors.js";
import { checkFields } from "./bytes-support.js";
import {
  castPlain, castWork, elementwiseCodec, fromWork, isPlain, parseCodecDtype, plainArray, pyScalarTo, readWork, requireNumeric,
  roundHalfEven, scalarOp, scalarResultType,
} from "./elementwise.js";
import type { ArrayToArrayCodec, CodecContext } from "./types.js";

const NAME = "quantize";

/**
 * The exponent of numcodecs' power-of-two scale for `digits`. numcodecs computes
 * `ceil(log(10.**-floor(log(10.**-digits, 10)), 2))` in doubles; for every digits value Python
 * accepts (−308..307) that equals `ceil(digits · log2 10)` (checked against Python in the tests).
 */
export function quantizeScaleBits(digits: number): number {
  if (digits === 0) return 0;
  // 10^d is never a power of two, so the product is never within rounding of an integer.
  return Math.ceil(digits * Math.log2(10));
}

/** Factory for numcodecs `quantize`. */
export function quantize(configuration: Record<string, unknown>, context: CodecContext): ArrayToArrayCodec {
  const { key } = context;
  const config = configuration ?? {};
  checkFields(NAME, config, ["digits", "dtype", "astype"], key);
  const digits = config.digits;
  // Outside this range Python itself fails (10.**-digits underflows to 0, or 2.**bits overflows).
  if (typeof digits !== "number" || !Number.isInteger(digits) || digits < -308 || digits > 307) {
    throw new CodecError(NAME, `configuration field "digits" must be an integer in [-308, 307], got ${JSON.stringify(digits)}`, key);
  }
  const dtype = requireNumeric(parseCodecDtype(config.dtype, NAME, "dtype", key), NAME, "dtype", key, ["float"]);
  const astype = config.astype === undefined || config.astype === null
    ? dtype
    : requireNumeric(parseCodecDtype(config.astype, NAME, "astype", key), NAME, "astype", key, ["float"]);
  const scale = 2 ** quantizeScaleBits(digits);
  const t = scalarResultType(dtype, scale, true);
  const s = pyScalarTo(scale, t);
  return elementwiseCodec({
    name: NAME,
    dtype,
    astype,
    encode(data) {
      const src = plainArray(data, dtype);
      if (src && isPlain(t) && isPlain(astype)) {
        // One loop over the typed input; `fround` is numpy's float32 arithmetic when t is float32.
        const n = src.length, out = new Float64Array(n), sn = Number(s);
        if (t.kind === "float" && t.bits === 64) for (let i = 0; i < n; i++) out[i] = roundHalfEven(src[i] * sn) / sn;
        else for (let i = 0; i < n; i++) out[i] = Math.fround(roundHalfEven(Math.fround(src[i] * sn)) / sn);
        return astype.kind === "float" && astype.bits === 64 ? out : castPlain(out, true, astype)!;
      }
      const w = scalarOp(castWork(readWork(data, dtype), dtype, t), s, "*", t) as Float64Array;
      for (let i = 0; i < w.length; i++) w[i] = roundHalfEven(w[i]);
      return fromWork(castWork(scalarOp(w, s, "/", t), t, astype), astype);
    },
    decode(data) {
      const src = plainArray(data, astype);
      return (src && castPlain(src, true, dtype)) ?? fromWork(castWork(readWork(data, astype), astype, dtype), dtype);
    },
  }, key);
}
