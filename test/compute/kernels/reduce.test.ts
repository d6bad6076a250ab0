/**
 * Reduction kernels against numpy 1.24: every op on every numeric dtype over several axis
 * sets, computed as a tree reduction (blocks → partials → combine in random tree orders →
 * finalize) and as one block; NaN handling; empty, 0-d and one-element blocks; typed errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  REDUCE_OPS, reduceAll, reduceBlock, reduceCombine, reduceFinalize, reducePartial, reduceResultType, type ReduceOp,
} from "../../../src/compute/kernels/reduce.js";
import { DT } from "../../../src/compute/kernels/dtypes.js";
import { UnsupportedError, ZarrError } from "../../../src/format/errors.js";
import type { NDArray } from "../../../src/codecs/types.js";
import type { NumericDType } from "../../../src/codecs/elementwise.js";
import { ALL, assertMatches, fromValues, makeArray, npName, numpy, toWire, valuesOf, type Wire } from "./np.js";

type Result = Wire | { error: string };
const isErr = (r: Result): r is { error: string } => "error" in r;

const PY_REDUCE = `
def red(op, a, axes, ddof):
    ax = None if axes is None else tuple(axes)
    if op in ('argmin', 'argmax', 'nanargmin', 'nanargmax'):
        if ax is not None and len(ax) > 1:
            keep = [d for d in range(a.ndim) if d not in ax]
            b = np.moveaxis(a, list(ax), list(range(a.ndim - len(ax), a.ndim)))
            b = b.reshape([a.shape[d] for d in keep] + [-1])
            return getattr(np, op)(b, axis=-1)
        return getattr(np, op)(a, axis=None if ax is None else ax[0])
    if op == 'count':
        return np.sum(~np.isnan(a) if a.dtype.kind == 'f' else np.ones(a.shape, bool), axis=ax)
    if op == 'countNonzero':
        return np.int64(np.count_nonzero(a)) if ax is None else np.count_nonzero(a, axis=ax)
    if op in ('var', 'std', 'nanvar', 'nanstd'):
        return getattr(np, op)(a, axis=ax, ddof=ddof)
    return getattr(np, op)(a, axis=ax)
print(json.dumps([attempt(lambda: red(c['op'], arr(c['a']), c['axes'], c['ddof'])) for c in payload]))
`;

/** Tolerances for float results: relative, plus an absolute part scaled by the input's magnitude (sums cancel). */
function tolerance(op: ReduceOp, a: NDArray, outDtype: string): [number, number] {
  if (!outDtype.startsWith("float")) return [0, 0];
  const rel = outDtype === "float16" ? 1e-3 : outDtype === "float32" ? 2e-6 : 1e-12;
  let maxAbs = 0;
  for (const v of valuesOf(a)) { const x = Math.abs(Number(v)); if (Number.isFinite(x) && x > maxAbs) maxAbs = x; }
  const n = a.shape.reduce((p, d) => p * d, 1);
  const scale = op.includes("var") || op.includes("std") ? maxAbs * maxAbs : maxAbs;
  return [rel, rel * scale * Math.sqrt(n) + (op.includes("std") ? rel * maxAbs : 0)];
}

/** Test data per dtype: floats moderate with NaN (so sums and products do not overflow differently in float32/64), ints from the pool (sums wrap). */
function dataFor(op: ReduceOp, t: NumericDType, shape: number[], seed: number): NDArray {
  if (t.kind === "float") {
    if (op.includes("prod")) return makeArray(t, shape, seed, { values: [0.5, 0.75, 1, 1.25, 1.5, -1, NaN, 1, 1] });
    return makeArray(t, shape, seed, { range: 3, nan: op.startsWith("nan") || op === "count" ? 0.15 : 0.01 });
  }
  if (op.includes("var") || op.includes("std") || op.includes("mean")) return makeArray(t, shape, seed, { ints: [-100, 100] });
  return makeArray(t, shape, seed);
}

test("every reduction on every dtype matches numpy, as a random tree over blocks and as one block", () => {
  const shape = [5, 6, 7];
  const axesSets: (number[] | null)[] = [null, [0], [1], [2], [0, 2], [-1, -2]];
  const cases: { op: ReduceOp; a: NDArray; axes: number[] | null; ddof: number }[] = [];
  let seed = 1;
  for (const op of REDUCE_OPS) for (const t of ALL) for (const axes of axesSets) {
    const ddof = op.includes("var") || op.includes("std") ? seed % 2 : 0;
    cases.push({ op, a: dataFor(op, t, shape, seed++), axes, ddof });
  }
  const res = numpy<Result[]>(PY_REDUCE, cases.map((c) => ({ op: c.op, a: toWire(c.a), axes: c.axes?.map((d) => (d < 0 ? d + 3 : d)).sort() ?? null, ddof: c.ddof })));
  let errors = 0;
  cases.forEach((c, i) => {
    const r = res[i];
    const what = `${c.op}(${npName(c.a.dtype)}, axes ${JSON.stringify(c.axes)})`;
    const axes = c.axes ?? undefined;
    const tree = () => reduceAll({ op: c.op, array: c.a, blockShape: [2, 4, 3], axes, ddof: c.ddof, seed: i + 1 });
    const single = () => reduceBlock({ op: c.op, block: c.a, axes, ddof: c.ddof });
    if (isErr(r)) {
      errors++;
      assert.throws(tree, ZarrError, `${what}: numpy raised ${r.error}`);
      assert.throws(single, ZarrError, `${what}: numpy raised ${r.error}`);
      return;
    }
    assert.equal(npName(reduceResultType(c.op, c.a.dtype)), r.dtype, `${what}: reduceResultType`);
    const [rtol, atol] = tolerance(c.op, c.a, r.dtype);
    assertMatches(tree(), r, `${what} (tree)`, rtol, atol);
    assertMatches(single(), r, `${what} (one block)`, rtol, atol);
  });
  // Only the all-NaN slices of nanargmin/nanargmax raise in numpy here.
  assert.ok(errors < 40, `numpy errors: ${errors}`);
});

test("combine order does not change integer results; float results stay within rounding", () => {
  const a = makeArray(DT.int64, [9, 8], 7);
  const f = makeArray(DT.float32, [9, 8], 8, { range: 5 });
  for (const op of ["sum", "prod", "min", "argmax", "countNonzero"] as ReduceOp[]) {
    const ref = valuesOf(reduceAll({ op, array: a, blockShape: [2, 3], axes: [0] }));
    for (let seed = 1; seed < 6; seed++) assert.deepEqual(valuesOf(reduceAll({ op, array: a, blockShape: [2, 3], axes: [0], seed })), ref, `${op} seed ${seed}`);
  }
  const ref = valuesOf(reduceAll({ op: "var", array: f, blockShape: [9, 8] }))[0] as number;
  for (let seed = 1; seed < 6; seed++) {
    const v = valuesOf(reduceAll({ op: "var", array: f, blockShape: [1, 1], seed }))[0] as number;
    assert.ok(Math.abs(v - ref) <= 1e-5 * ref, `var seed ${seed}: ${v} vs ${ref}`);
  }
});

test("integer sums wrap modulo 2^64 like numpy, and int8 sums accumulate in int64", () => {
  const big = fromValues(DT.int64, [4], [2n ** 62n, 2n ** 62n, 2n ** 62n, 5n]);
  assert.equal(valuesOf(reduceBlock({ op: "sum", block: big }))[0], BigInt.asIntN(64, 3n * 2n ** 62n + 5n));
  const u = fromValues(DT.uint64, [2], [2n ** 64n - 1n, 2n]);
  assert.equal(valuesOf(reduceBlock({ op: "sum", block: u }))[0], 1n);
  const i8 = makeArray(DT.int8, [1000], 1, { values: [127] });
  const s = reduceBlock({ op: "sum", block: i8 });
  assert.equal(npName(s.dtype), "int64");
  assert.equal(valuesOf(s)[0], 127000n);
});

test("NaN: sum/min/max/argmin propagate, nan-ops skip, all-NaN slices", () => {
  const a = fromValues(DT.float64, [2, 3], [1, NaN, 3, NaN, NaN, NaN]);
  const v = (op: ReduceOp) => valuesOf(reduceBlock({ op, block: a, axes: [1] }));
  assert.deepEqual(v("sum").map(String), ["NaN", "NaN"]);
  assert.deepEqual(v("nansum"), [4, 0]);
  assert.deepEqual(v("min").map(String), ["NaN", "NaN"]);
  assert.deepEqual(v("nanmax").map(String), ["3", "NaN"]);
  assert.deepEqual(v("argmin"), [1n, 0n]);
  assert.deepEqual(v("count"), [2n, 0n]);
  assert.deepEqual(v("countNonzero"), [3n, 3n]);
  assert.deepEqual(v("nanmean").map(String), ["2", "NaN"]);
  assert.deepEqual(v("nanvar").map(String), ["1", "NaN"]);
  assert.throws(() => reduceBlock({ op: "nanargmax", block: a, axes: [1] }), /All-NaN/);
});

test("empty, 0-d and one-element blocks", () => {
  const empty = makeArray(DT.float32, [0, 3], 1);
  assert.deepEqual(valuesOf(reduceBlock({ op: "sum", block: empty, axes: [0] })), [0, 0, 0]);
  assert.deepEqual(valuesOf(reduceBlock({ op: "prod", block: empty, axes: [0] })), [1, 1, 1]);
  assert.deepEqual(valuesOf(reduceBlock({ op: "mean", block: empty, axes: [0] })).map(String), ["NaN", "NaN", "NaN"]);
  assert.deepEqual(valuesOf(reduceBlock({ op: "all", block: empty, axes: [0] })), [1, 1, 1]);
  assert.deepEqual(reduceBlock({ op: "sum", block: empty, axes: [1] }).shape, [0]);
  assert.throws(() => reduceBlock({ op: "min", block: empty, axes: [0] }), /zero-size/);
  assert.throws(() => reduceBlock({ op: "argmax", block: empty }), ZarrError);
  const zero = fromValues(DT.int16, [], [-7]);
  for (const op of ["sum", "min", "mean", "argmax", "var"] as ReduceOp[]) {
    const r = reduceBlock({ op, block: zero, axes: [] });
    assert.deepEqual(r.shape, [], op);
  }
  assert.equal(valuesOf(reduceBlock({ op: "sum", block: zero, axes: [] }))[0], -7n);
  const one = fromValues(DT.float16, [1, 1], [2.5]);
  assert.deepEqual(valuesOf(reduceBlock({ op: "max", block: one })), [2.5]);
  assert.deepEqual(reduceBlock({ op: "max", block: one, keepdims: true }).shape, [1, 1]);
  assert.deepEqual(valuesOf(reduceBlock({ op: "std", block: one, ddof: 1 })).map(String), ["NaN"]);
});

test("arg ops give global indexes: offsets and the array shape make block indexes global", () => {
  const a = makeArray(DT.int32, [4, 6], 3, { ints: [0, 1000] });
  const block = { data: (a.data as Int32Array).slice(6 * 2, 6 * 4), shape: [2, 6], dtype: a.dtype };
  const p = reducePartial({ op: "argmax", block, axes: [0, 1], offsets: [2, 0], shape: [4, 6] });
  const q = reducePartial({ op: "argmax", block: { data: (a.data as Int32Array).slice(0, 12), shape: [2, 6], dtype: a.dtype }, axes: [0, 1], offsets: [0, 0], shape: [4, 6] });
  const r = reduceFinalize({ op: "argmax", part: reduceCombine({ op: "argmax", parts: [p, q] }), axes: [0, 1] });
  const vals = Array.from(a.data as Int32Array);
  assert.equal(valuesOf(r)[0], BigInt(vals.indexOf(Math.max(...vals))));
});

test("typed errors for bad arguments", () => {
  const a = makeArray(DT.float64, [3, 4], 1);
  assert.throws(() => reducePartial({ op: "sum", block: a, axes: [2] }), ZarrError);
  assert.throws(() => reducePartial({ op: "sum", block: a, axes: [0, 0] }), ZarrError);
  assert.throws(() => reducePartial({ op: "median" as never, block: a }), ZarrError);
  assert.throws(() => reducePartial({ op: "sum", block: { data: new Float64Array(5), shape: [3, 4], dtype: DT.float64 } }), ZarrError);
  assert.throws(() => reducePartial({ op: "argmin", block: a, offsets: [2, 0], shape: [4, 4] }), ZarrError);
  assert.throws(() => reducePartial({ op: "sum", block: { data: new Float32Array(4), shape: [2], dtype: { kind: "complex", bits: 64, endian: "little" } } }), UnsupportedError);
  const p = reducePartial({ op: "sum", block: a, axes: [0] });
  const q = reducePartial({ op: "sum", block: a, axes: [1] });
  assert.throws(() => reduceCombine({ op: "sum", parts: [p, q] }), ZarrError);
  assert.throws(() => reduceCombine({ op: "max", parts: [p] }), ZarrError);
});
