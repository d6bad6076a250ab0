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
import {
  FLOAT64, castWork, elementwiseCodec, fromWork, isPyFloat, parseCodecDtype, pyScalarTo, readWork, requireNumeric,
  roundHalfEven, scalarOp, scalarResultType, type NumericDType, type Work,
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
      const a = withScalar(readWork(data, dtype), dtype, offset, "-");
      const b = withScalar(a.w, a.t, scale, "*");
      if (b.t.kind === "float") {
        const f = b.w as Float64Array;
        for (let i = 0; i < f.length; i++) f[i] = roundHalfEven(f[i]);
      }
      return fromWork(castWork(b.w, b.t, astype), astype);
    },
    decode(data) {
      const a = withScalar(readWork(data, astype), astype, scale, "/");
      const b = withScalar(a.w, a.t, offset, "+");
      return fromWork(castWork(b.w, b.t, dtype), dtype);
    },
  }, key);
}
