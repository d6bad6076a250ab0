/**
 * numcodecs `fixedscaleoffset` (array → array): `{offset, scale, dtype, astype?}`.
 * Encode: `around((x - offset) * scale)` cast to `astype`; decode: `x / scale + offset` cast
 * to `dtype`. Each step follows numpy 1.x's value-based promotion of the Python scalars
 * (so float32 data is computed in float32, int16 data minus an int offset in int16 with
 * wraparound), with round-half-to-even, so the bytes match numcodecs.
 *
 * JSON cannot distinguish `1000` from `1000.0`; integral values are taken as Python ints,
 * which only matters for integer data that overflows.
 * @module
 */
import { CodecError } from "../format/errors.js";
import { checkFields } from "./bytes-support.js";
import type { DataValues } from "../format/dtype.js";
import {
  FLOAT64, castPlain, castWork, directTarget, elementwiseCodec, intStore, fromWork, isPlain, isPyFloat, parseCodecDtype, plainArray, pyScalarTo, readWork,
  requireNumeric, roundHalfEven, scalarOp, scalarResultType, type NumericDType, type Work,
} from "./elementwise.js";
import type { ArrayToArrayCodec, CodecContext } from "./types.js";

const NAME = "fixedscaleoffset";
const KINDS = ["int", "uint", "float"] as const;

function numberField(config: Record<string, unknown>, field: string, key?: string): number | bigint {
  const v = config[field];
  if (typeof v === "bigint" || (typeof v === "number" && !Number.isNaN(v))) return v;
  throw new CodecError(NAME, `configuration field "${field}" must be a number, got ${JSON.stringify(v)}`, key);
}

/** `w op scalar` with numpy's promotion of a Python scalar; returns the result and its type. */
function withScalar(w: Work, t: NumericDType, v: number | bigint, op: "-" | "*" | "+" | "/"): { w: Work; t: NumericDType } {
  const r = scalarResultType(t, v, isPyFloat(v));
  // true_divide has no integer loops: integer operands are divided as float64.
  if (op === "/" && r.kind !== "float") {
    const s = pyScalarTo(v, r);
    return { w: scalarOp(castWork(castWork(w, t, r), r, FLOAT64), Number(s), "/", FLOAT64), t: FLOAT64 };
  }
  return { w: scalarOp(castWork(w, t, r), pyScalarTo(v, r), op, r), t: r };
}

/** float32 or float64 (the types the fast loops compute in; float16 and integers take the general path). */
const isF32or64 = (t: NumericDType): boolean => t.kind === "float" && t.bits !== 16;
const isF32 = (t: NumericDType): boolean => t.kind === "float" && t.bits === 32;

/**
 * Fast encode when numpy computes both steps in float32/float64 and the data and `astype` are
 * plain: one loop over the typed input (each `fround` is the float32 rounding numpy's
 * float32 loop does), then one typed cast. Returns undefined when it does not apply.
 */
function encodeFast(data: DataValues, dtype: NumericDType, astype: NumericDType, offset: number | bigint, scale: number | bigint): DataValues | undefined {
  const src = plainArray(data, dtype);
  if (!src || !isPlain(astype)) return undefined;
  const t1 = scalarResultType(dtype, offset, isPyFloat(offset));
  const t2 = scalarResultType(t1, scale, isPyFloat(scale));
  if (!isF32or64(t1) || !isF32or64(t2)) return undefined;
  const o = Number(pyScalarTo(offset, t1)), s = Number(pyScalarTo(scale, t2));
  const n = src.length;
  // Stored straight into `astype` when a typed store casts like numpy; else via float64 and castPlain.
  const direct = directTarget(astype, n);
  if (direct && !isF32(t1) && !isF32(t2)) {
    if (astype.kind === "float") for (let i = 0; i < n; i++) direct[i] = roundHalfEven((src[i] - o) * s);
    else for (let i = 0; i < n; i++) direct[i] = intStore(roundHalfEven((src[i] - o) * s));
    return direct;
  }
  const out = new Float64Array(n);
  if (!isF32(t1) && !isF32(t2)) {
    for (let i = 0; i < n; i++) out[i] = roundHalfEven((src[i] - o) * s);
  } else {
    const r1 = isF32(t1), r2 = isF32(t2);
    for (let i = 0; i < n; i++) {
      let x = r1 ? Math.fround(src[i]) : src[i];
      x = r1 ? Math.fround(x - o) : x - o;
      x = r2 ? Math.fround(x * s) : x * s;
      out[i] = roundHalfEven(x);
    }
  }
  return castPlain(out, true, astype);
}

/**
 * Fast decode under the same conditions: `x / scale` (integers divided as float64, as numpy's
 * true_divide does) then `+ offset`, each rounded to its float32/float64 result type.
 */
function decodeFast(data: DataValues, dtype: NumericDType, astype: NumericDType, offset: number | bigint, scale: number | bigint): DataValues | undefined {
  const src = plainArray(data, astype);
  if (!src || !isPlain(dtype)) return undefined;
  const r = scalarResultType(astype, scale, isPyFloat(scale));
  const t1 = r.kind === "float" ? r : FLOAT64;
  const t2 = scalarResultType(t1, offset, isPyFloat(offset));
  if (!isF32or64(t1) || !isF32or64(t2)) return undefined;
  const s = Number(pyScalarTo(scale, r)), o = Number(pyScalarTo(offset, t2));
  const n = src.length;
  const direct = directTarget(dtype, n);
  if (direct && !isF32(t1) && !isF32(t2)) {
    // Values of ≤32-bit integers and float32 are exact in float64.
    if (dtype.kind === "float") for (let i = 0; i < n; i++) direct[i] = src[i] / s + o;
    else for (let i = 0; i < n; i++) direct[i] = intStore(src[i] / s + o);
    return direct;
  }
  const out = new Float64Array(n);
  if (!isF32(t1) && !isF32(t2)) {
    for (let i = 0; i < n; i++) out[i] = src[i] / s + o;
  } else {
    const r1 = isF32(t1), r2 = isF32(t2);
    for (let i = 0; i < n; i++) {
      let x = r1 ? Math.fround(src[i]) : src[i];
      x = r1 ? Math.fround(x / s) : x / s;
      x = r2 ? Math.fround(x + o) : x + o;
      out[i] = x;
    }
  }
  return castPlain(out, true, dtype);
}

/** Factory for numcodecs `fixedscaleoffset`. */
export function fixedScaleOffset(configuration: Record<string, unknown>, context: CodecContext): ArrayToArrayCodec {
  const { key } = context;
  const config = configuration ?? {};
  checkFields(NAME, config, ["offset", "scale", "dtype", "astype"], key);
  const offset = numberField(config, "offset", key);
  const scale = numberField(config, "scale", key);
  const dtype = requireNumeric(parseCodecDtype(config.dtype, NAME, "dtype", key), NAME, "dtype", key, KINDS);
  const astype = config.astype === undefined || config.astype === null
    ? dtype
    : requireNumeric(parseCodecDtype(config.astype, NAME, "astype", key), NAME, "astype", key, KINDS);
  return elementwiseCodec({
    name: NAME,
    dtype,
    astype,
    encode(data) {
      const fast = encodeFast(data, dtype, astype, offset, scale);
      if (fast) return fast;
      const a = withScalar(readWork(data, dtype), dtype, offset, "-");
      const b = withScalar(a.w, a.t, scale, "*");
      if (b.t.kind === "float") {
        const f = b.w as Float64Array;
        for (let i = 0; i < f.length; i++) f[i] = roundHalfEven(f[i]);
      }
      return fromWork(castWork(b.w, b.t, astype), astype);
    },
    decode(data) {
      const fast = decodeFast(data, dtype, astype, offset, scale);
      if (fast) return fast;
      const a = withScalar(readWork(data, astype), astype, scale, "/");
      const b = withScalar(a.w, a.t, offset, "+");
      return fromWork(castWork(b.w, b.t, dtype), dtype);
    },
  }, key);
}
