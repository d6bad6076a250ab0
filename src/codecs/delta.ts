/**
 * numcodecs `delta` (array → array): the first element, then differences of neighbours, in
 * C order; `{dtype, astype?}`. Differences are taken in `dtype` (wrapping integers, rounding
 * floats) and cast to `astype`; decoding accumulates in numpy's promoted type of
 * (`astype`, `dtype`) and casts to `dtype`, as `np.cumsum(enc, out=dec)` does.
 * @module
 */
import { allocate, type DataValues } from "../format/dtype.js";
import { checkFields } from "./bytes-support.js";
import {
  castPlain, castWork, elementwiseCodec, fromWork, isBig, isPlain, newWork, normalizer, parseCodecDtype, plainArray, promoteTypes,
  readWork, requireNumeric, sameNumeric, type NumericDType, type PlainArray, type Work,
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

/**
 * Fast encode for plain dtypes: differences stored straight into a typed array of `dt`, whose
 * store wraps integers and rounds float32 as numpy's arithmetic in `dt` does (a float32
 * difference computed in double and rounded once equals the float32 subtraction).
 */
function diffPlain(s: PlainArray, dt: NumericDType): PlainArray {
  const n = s.length;
  const out = allocate(dt, n) as PlainArray;
  if (n === 0) return out;
  out[0] = s[0];
  for (let i = 1; i < n; i++) out[i] = s[i] - s[i - 1];
  return out;
}

/** Fast decode for plain types: running sum in place, each store normalising to `w`'s dtype. */
function cumsumPlain(w: PlainArray): PlainArray {
  for (let i = 1; i < w.length; i++) w[i] = w[i - 1] + w[i];
  return w;
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
    encode(data: DataValues): DataValues {
      const src = plainArray(data, dtype);
      if (src && isPlain(astype)) {
        const d = diffPlain(src, dtype);
        return sameNumeric(dtype, astype) ? d : castPlain(d, dtype.kind === "float", astype)!;
      }
      return fromWork(castWork(diff(readWork(data, dtype), dtype), dtype, astype), astype);
    },
    decode(data: DataValues): DataValues {
      const src = plainArray(data, astype);
      if (src && isPlain(loop) && isPlain(dtype)) {
        // castPlain always copies, so the in-place sum never touches the input.
        const sum = cumsumPlain(castPlain(src, astype.kind === "float", loop)!);
        return sameNumeric(loop, dtype) ? sum : castPlain(sum, loop.kind === "float", dtype)!;
      }
      return fromWork(castWork(cumsum(castWork(readWork(data, astype), astype, loop), loop), loop, dtype), dtype);
    },
  }, key);
}
