/**
 * numcodecs `delta` (array → array): the first element, then differences of neighbours, in
 * C order; `{dtype, astype?}`. Differences are taken in `dtype` (wrapping integers, rounding
 * floats) and cast to `astype`; decoding accumulates in numpy's promoted type of
 * (`astype`, `dtype`) and casts to `dtype`, as `np.cumsum(enc, out=dec)` does.
 * @module
 */
import { checkFields } from "./bytes-support.js";
import {
  castWork, elementwiseCodec, fromWork, isBig, newWork, normalizer, parseCodecDtype, promoteTypes, readWork, requireNumeric,
  type NumericDType, type Work,
} from "./elementwise.js";
import type { ArrayToArrayCodec, CodecContext } from "./types.js";

const NAME = "delta";
const KINDS = ["int", "uint", "float"] as const;

/** First element, then neighbour differences, in `dt`'s arithmetic. */
function diff(w: Work, dt: NumericDType): Work {
  const n = w.length;
  const out = newWork(dt, n);
  if (n === 0) return out;
  if (isBig(dt)) {
    const s = w as BigInt64Array, d = out as BigInt64Array;
    d[0] = s[0];
    for (let i = 1; i < n; i++) d[i] = s[i] - s[i - 1]; // bigint typed arrays wrap on store
    return out;
  }
  const s = w as Float64Array, d = out as Float64Array;
  const norm = normalizer(dt);
  d[0] = s[0];
  for (let i = 1; i < n; i++) d[i] = norm(s[i] - s[i - 1]);
  return out;
}

/** Running sum in `dt`'s arithmetic. */
function cumsum(w: Work, dt: NumericDType): Work {
  const n = w.length;
  const out = newWork(dt, n);
  if (n === 0) return out;
  if (isBig(dt)) {
    const s = w as BigInt64Array, d = out as BigInt64Array;
    d[0] = s[0];
    for (let i = 1; i < n; i++) d[i] = d[i - 1] + s[i];
    return out;
  }
  const s = w as Float64Array, d = out as Float64Array;
  const norm = normalizer(dt);
  let acc = s[0];
  d[0] = acc;
  for (let i = 1; i < n; i++) d[i] = acc = norm(acc + s[i]);
  return out;
}

/** Factory for numcodecs `delta`: `{dtype, astype?}` (numpy typestrs or v3 names). */
export function delta(configuration: Record<string, unknown>, context: CodecContext): ArrayToArrayCodec {
  const { key } = context;
  const config = configuration ?? {};
  checkFields(NAME, config, ["dtype", "astype"], key);
  const dtypeRaw = parseCodecDtype(config.dtype, NAME, "dtype", key);
  const astypeRaw = config.astype === undefined || config.astype === null ? dtypeRaw : parseCodecDtype(config.astype, NAME, "astype", key);
  const dtype = requireNumeric(dtypeRaw, NAME, "dtype", key, KINDS);
  const astype = requireNumeric(astypeRaw, NAME, "astype", key, KINDS);
  const loop = promoteTypes(astype, dtype);
  return elementwiseCodec({
    name: NAME,
    dtype,
    astype,
    encode: (data) => fromWork(castWork(diff(readWork(data, dtype), dtype), dtype, astype), astype),
    decode: (data) => fromWork(castWork(cumsum(castWork(readWork(data, astype), astype, loop), loop), loop, dtype), dtype),
  }, key);
}
