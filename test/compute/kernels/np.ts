/**
 * Test helpers for the block kernels: run numpy (Debian's /usr/bin/python3) on a batch of
 * cases in one process, move arrays both ways as raw bytes (base64 in JSON on stdin/stdout),
 * make deterministic test data for every numeric dtype, and compare results.
 */
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { bytesOf, toDataType, viewAs, type DataType } from "../../../src/format/dtype.js";
import type { NDArray } from "../../../src/codecs/types.js";
import { DT, NUMERIC_NAMES } from "../../../src/compute/kernels/dtypes.js";
import { decodeHalf, encodeHalfInto, sharedData } from "../../../src/compute/kernels/values.js";
import type { NumericDType } from "../../../src/codecs/elementwise.js";
import { prng } from "../../prng.js";

export const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";

/** An array on the wire: numpy dtype name, shape, base64 of the C-order little-endian bytes. */
export interface Wire {
  dtype: string;
  shape: number[];
  b64: string;
}

/** numpy-side helpers every script gets: `arr(wire)`, `enc(ndarray)`, `cases` (the payload), `out(obj)`. */
const PRELUDE = `
import sys, json, base64, warnings
import numpy as np
warnings.simplefilter('ignore')
np.seterr(all='ignore')
def arr(w):
    return np.frombuffer(base64.b64decode(w['b64']), dtype=np.dtype(w['dtype']).newbyteorder('<')).reshape(w['shape']).copy()
def enc(a):
    a = np.asarray(a)
    return {'dtype': str(a.dtype), 'shape': list(a.shape), 'b64': base64.b64encode(np.ascontiguousarray(a).astype(a.dtype.newbyteorder('<')).tobytes()).decode()}
def attempt(f):
    try:
        return enc(f())
    except Exception as e:
        return {'error': type(e).__name__ + ': ' + str(e)}
payload = json.load(sys.stdin)
`;

/** Run `script` with `payload` bound to the JSON input; the script prints one JSON document. */
export function numpy<T>(script: string, payload: unknown): T {
  const input = JSON.stringify(payload, (_, v) => (typeof v === "bigint" ? { __big: v.toString() } : v));
  const out = execFileSync(PYTHON, ["-c", PRELUDE + script], { input, encoding: "utf8", maxBuffer: 1 << 28, stdio: ["pipe", "pipe", "inherit"] });
  return JSON.parse(out) as T;
}

/** numpy's name of a dtype (all numeric dtypes are spelled the same as ours). */
export const npName = (dt: DataType): string => (dt.kind === "bool" ? "bool" : `${dt.kind}${(dt as { bits: number }).bits}`);

/** An NDArray → the wire. */
export function toWire(a: NDArray): Wire {
  return { dtype: npName(a.dtype), shape: a.shape, b64: Buffer.from(bytesOf(a.data)).toString("base64") };
}

/** The wire → an NDArray (its own memory). */
export function fromWire(w: Wire): NDArray {
  const dtype = toDataType(w.dtype);
  const bytes = new Uint8Array(Buffer.from(w.b64, "base64"));
  return { data: viewAs(dtype, bytes.slice()), shape: w.shape, dtype };
}

/** Every numeric dtype. */
export const ALL: NumericDType[] = NUMERIC_NAMES.map((n) => DT[n]);

/** Values a test array of `dt` draws from: small values, the type's extremes, and float specials. */
function pool(dt: NumericDType): (number | bigint)[] {
  if (dt.kind === "bool") return [0, 1];
  if (dt.kind === "float") {
    const base = [0, 1, -1, 2, -2, 0.5, -0.5, 1.5, 2.5, -2.5, 3.25, -7.75, 10, 100, 1e-3, NaN, Infinity, -Infinity];
    return dt.bits === 16 ? [...base, 65504, -1000] : [...base, 1e30, -3.5e20, 12345.678];
  }
  const bits = dt.bits;
  const lo = dt.kind === "int" ? -(2n ** BigInt(bits - 1)) : 0n;
  const hi = dt.kind === "int" ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
  const vals = [0n, 1n, 2n, 3n, 7n, 10n, hi, hi - 1n, lo, lo + 1n, 100n % (hi + 1n)];
  if (dt.kind === "int") vals.push(-1n, -2n, -3n, -7n, -10n);
  return vals.map((v) => (bits === 64 ? v : Number(v)));
}

/** Options for {@link makeArray}. */
export interface MakeOptions {
  /** Draw only from these values (numbers; bigints for 64-bit ints come from them). */
  values?: (number | bigint)[];
  /** Draw floats from [-range, range] instead of the special pool. */
  range?: number;
  /** Share of NaN for floats when `range` is used. */
  nan?: number;
  /** Integers from [lo, hi] instead of the pool. */
  ints?: [number, number];
}

/** A deterministic array of `dt` and `shape` (seeded). */
export function makeArray(dt: NumericDType, shape: number[], seed: number, opts: MakeOptions = {}): NDArray {
  const n = shape.reduce((p, d) => p * d, 1);
  const rnd = prng(seed);
  const vals: (number | bigint)[] = [];
  const p = opts.values ?? pool(dt);
  for (let i = 0; i < n; i++) {
    let v: number | bigint;
    if (opts.ints && dt.kind !== "float") {
      const [a, b] = opts.ints;
      v = dt.kind === "bool" ? (rnd() < 0.5 ? 0 : 1) : Math.max(a, dt.kind === "uint" ? 0 : a) + Math.floor(rnd() * (b - Math.max(a, dt.kind === "uint" ? 0 : a) + 1));
    } else if (opts.range !== undefined && dt.kind === "float") {
      v = rnd() < (opts.nan ?? 0) ? NaN : (rnd() * 2 - 1) * opts.range;
    } else if (opts.ints && dt.kind === "float") {
      v = opts.ints[0] + Math.floor(rnd() * (opts.ints[1] - opts.ints[0] + 1));
    } else v = p[Math.floor(rnd() * p.length)];
    vals.push(v);
  }
  return fromValues(dt, shape, vals);
}

/** An NDArray of `dt` holding `vals` (cast the way a typed-array store casts; float16 rounded). */
export function fromValues(dt: NumericDType, shape: number[], vals: (number | bigint)[]): NDArray {
  const data = sharedData(dt, vals.length);
  const big = dt.kind !== "bool" && dt.kind !== "float" && dt.bits === 64;
  if (dt.kind === "float" && dt.bits === 16) encodeHalfInto(vals.map(Number), data);
  else if (big) (data as BigInt64Array).set(vals.map((v) => BigInt(v)));
  else (data as Float64Array).set(vals.map(Number));
  return { data, shape, dtype: dt };
}

/** Values of an NDArray as numbers or bigints. */
export function valuesOf(a: NDArray): (number | bigint)[] {
  const dt = a.dtype;
  if (dt.kind === "float" && dt.bits === 16) return Array.from(decodeHalf(a.data));
  return Array.from(a.data as ArrayLike<number | bigint>);
}

/** Relative tolerance of a float dtype for "within numpy's own rounding". */
export function tolFor(dt: DataType, loose = false): number {
  if (dt.kind !== "float") return 0;
  if (dt.bits === 16) return loose ? 1e-2 : 1e-3;
  if (dt.bits === 32) return loose ? 1e-5 : 1e-6;
  return loose ? 1e-10 : 1e-14;
}

/** Assert that `actual` matches numpy's `expected`: same dtype and shape, values equal (floats within `rtol`, NaN = NaN, -0 = 0). */
export function assertMatches(actual: NDArray, expected: Wire, what: string, rtol = 0, atol = 0): void {
  assert.equal(npName(actual.dtype), expected.dtype, `${what}: dtype`);
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  const e = valuesOf(fromWire(expected)), a = valuesOf(actual);
  assert.equal(a.length, e.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = e[i];
    if (typeof x === "bigint" || typeof y === "bigint") { assert.equal(x, y, `${what}: element ${i}`); continue; }
    if (x === y || (x !== x && y !== y)) continue;
    const ok = (rtol > 0 || atol > 0) && Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= rtol * Math.max(Math.abs(y), Math.abs(x)) + atol;
    assert.ok(ok, `${what}: element ${i}: got ${x}, numpy ${y}`);
  }
}

/** numpy ufunc names of our ops. */
export const UFUNC: Record<string, string> = {
  add: "add", subtract: "subtract", multiply: "multiply", divide: "true_divide", floorDivide: "floor_divide", mod: "remainder",
  power: "power", minimum: "minimum", maximum: "maximum", fmin: "fmin", fmax: "fmax", equal: "equal", notEqual: "not_equal",
  less: "less", lessEqual: "less_equal", greater: "greater", greaterEqual: "greater_equal", logicalAnd: "logical_and",
  logicalOr: "logical_or", logicalXor: "logical_xor", bitwiseAnd: "bitwise_and", bitwiseOr: "bitwise_or", bitwiseXor: "bitwise_xor",
  negative: "negative", abs: "absolute", sqrt: "sqrt", exp: "exp", log: "log", log1p: "log1p", floor: "floor", ceil: "ceil",
  round: "around", isnan: "isnan", isfinite: "isfinite", logicalNot: "logical_not", bitwiseNot: "invert",
};
