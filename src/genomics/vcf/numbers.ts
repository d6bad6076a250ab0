/**
 * Numbers straight from the bytes of a line, without making strings: the hot path of VCF
 * parsing. Each parser returns {@link BAD} when the text is not a number of its kind, so the
 * caller can throw an error naming the line.
 * @module
 */

/** Returned for text that is not a valid number (not itself a value any parser returns otherwise). */
export const BAD = Number.MIN_VALUE;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i); // exact doubles up to 1e22

/** Parse `b[s..e)` as a 32-bit signed decimal integer (optional sign); {@link BAD} otherwise. */
export function parseIntBytes(b: Uint8Array, s: number, e: number): number {
  let i = s, neg = false;
  if (i < e && (b[i] === 45 || b[i] === 43)) { neg = b[i] === 45; i++; }
  if (i === e || e - i > 10) return BAD;
  let v = 0;
  for (; i < e; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return BAD;
    v = v * 10 + d;
  }
  if (neg) v = -v;
  return v > 2147483647 || v < -2147483648 ? BAD : v;
}

/**
 * Parse `b[s..e)` as a decimal float, correctly rounded to a double (then stored as float32,
 * as htslib does: strtod, then a cast). Fast path: at most 15 significant digits and a
 * power of ten up to 22, where one multiplication or division of two exact doubles rounds
 * correctly; anything else (long mantissas, big exponents, nan/inf) goes through the
 * engine's own correctly rounded parser.
 */
export function parseFloatBytes(b: Uint8Array, s: number, e: number): number {
  let i = s, neg = false;
  if (i < e && (b[i] === 45 || b[i] === 43)) { neg = b[i] === 45; i++; }
  let m = 0, digits = 0, frac = 0, any = false, seenDot = false;
  for (; i < e; i++) {
    const c = b[i];
    if (c === 46) { if (seenDot) return BAD; seenDot = true; continue; }
    const d = c - 48;
    if (d < 0 || d > 9) break;
    any = true;
    if (m === 0 && d === 0) { if (seenDot) frac++; continue; } // leading zeros are not significant
    if (digits >= 15) return slowFloat(b, s, e);
    m = m * 10 + d;
    digits++;
    if (seenDot) frac++;
  }
  if (!any) return slowFloat(b, s, e);
  let exp = 0;
  if (i < e) {
    if (b[i] !== 101 && b[i] !== 69) return BAD;
    i++;
    let eneg = false;
    if (i < e && (b[i] === 45 || b[i] === 43)) { eneg = b[i] === 45; i++; }
    if (i === e) return BAD;
    for (; i < e; i++) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) return BAD;
      exp = exp * 10 + d;
      if (exp > 100000) return slowFloat(b, s, e);
    }
    if (eneg) exp = -exp;
  }
  const p = exp - frac;
  let v: number;
  if (m === 0) v = 0;
  else if (p >= 0 && p <= 22) v = m * POW10[p];
  else if (p < 0 && p >= -22) v = m / POW10[-p];
  else return slowFloat(b, s, e);
  return neg ? -v : v;
}

const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SPECIAL = /^([+-]?)(nan|inf|infinity)$/i;

/** The general case: validate the text strictly, then let the engine round it. */
function slowFloat(b: Uint8Array, s: number, e: number): number {
  const t = Buffer.from(b.buffer, b.byteOffset + s, e - s).toString("latin1");
  if (FLOAT_TEXT.test(t)) {
    const v = Number(t);
    return v === BAD ? 0 : v; // 5e-324 is 0 as a float32 anyway, and must not read as BAD
  }
  const sp = SPECIAL.exec(t);
  if (!sp) return BAD;
  if (sp[2].toLowerCase() === "nan") return NaN;
  return sp[1] === "-" ? -Infinity : Infinity;
}
