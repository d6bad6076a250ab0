/**
 * Lazy-array operations through the scheduler against straightforward references:
 * elementwise arithmetic with scalars and arrays (ragged edge blocks), comparisons, where,
 * astype, and tree reductions along every axis combination (sum, mean, min/max with NaN,
 * nan-aware versions, argmax, var/std, count_nonzero), including int64 sums and a 0-d result.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createMemoryStore } from "../../src/stores/memory.js";
import { createArray } from "../../src/array/node.js";
import { set } from "../../src/array/access.js";
import { createPool } from "../../src/runtime/pool.js";
import type { NDArray } from "../../src/codecs/types.js";
import { fromSource } from "../../src/compute/lazy.js";
import { astype, binary, unary, where } from "../../src/compute/ops.js";
import { argmax, countNonzero, max, mean, min, nanmax, nanmean, nansum, reduce, std, sum } from "../../src/compute/reduce.js";
import { compute, computeMany } from "../../src/compute/compute.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());

const SHAPE = [23, 9, 4];
const N = SHAPE[0] * SHAPE[1] * SHAPE[2];
async function arrays() {
  const store = createMemoryStore();
  const ia = await createArray(store, "i", { shape: SHAPE, chunks: [5, 4, 3], dtype: "int16", fillValue: 0 });
  const fa = await createArray(store, "f", { shape: SHAPE, chunks: [5, 4, 3], dtype: "float64", fillValue: 0 });
  const ints = Int16Array.from({ length: N }, (_, i) => ((i * 7919) % 2001) - 1000);
  const floats = Float64Array.from({ length: N }, (_, i) => (i % 17 === 5 ? NaN : Math.sin(i) * 100));
  await set(ia, null, { data: ints, shape: SHAPE, dtype: ia.meta.dtype }, { pool: null });
  await set(fa, null, { data: floats, shape: SHAPE, dtype: fa.meta.dtype }, { pool: null });
  return { i: fromSource(ia), f: fromSource(fa), ints, floats };
}

const vals = (a: NDArray) => Array.from(a.data as ArrayLike<number | bigint>, (v) => (typeof v === "bigint" ? Number(v) : v));

/** Reference reduction over `axes` of a C-order array of SHAPE. */
function refReduce(data: ArrayLike<number>, axes: number[], f: (xs: number[]) => number): { shape: number[]; data: number[] } {
  const keep = SHAPE.map((_, d) => d).filter((d) => !axes.includes(d));
  const outShape = keep.map((d) => SHAPE[d]);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < N; i++) {
    const c = [Math.floor(i / 36), Math.floor(i / 4) % 9, i % 4];
    let k = 0;
    for (const d of keep) k = k * SHAPE[d] + c[d];
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(data[i]);
  }
  const n = outShape.reduce((a, b) => a * b, 1);
  return { shape: outShape, data: Array.from({ length: n }, (_, k) => f(groups.get(k)!)) };
}

function close(actual: number[], expected: number[], what: string) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `${what}[${i}]: ${a} is not NaN`);
    else assert.ok(Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e)), `${what}[${i}]: ${a} vs ${e}`);
  }
}

test("elementwise: arithmetic with scalars and arrays, comparisons, where, astype, unary", async () => {
  const { i, f, ints, floats } = await arrays();
  const expr = binary("multiply", binary("add", i, 3), binary("subtract", i, 1)); // (i+3)*(i-1), int16 wraps
  const [r, cmp, w, cast, ab] = await computeMany([
    expr, binary("greater", f, 0), where(binary("greater", f, 0), f, -1), astype(f, "int32"), unary("abs", i),
  ], { pool });
  assert.deepEqual(vals(r), Array.from(ints, (v) => (((v + 3) * (v - 1)) << 16) >> 16));
  assert.deepEqual(vals(cmp), Array.from(floats, (v) => (v > 0 ? 1 : 0)));
  close(vals(w), Array.from(floats, (v) => (v > 0 ? v : -1)), "where");
  assert.equal(cast.dtype.kind, "int");
  assert.deepEqual(vals(cast).filter((_, k) => !Number.isNaN(floats[k])), Array.from(floats, (v) => Math.trunc(v) | 0).filter((_, k) => !Number.isNaN(floats[k])));
  assert.deepEqual(vals(ab), Array.from(ints, (v) => Math.abs(v)));
  const sync = await compute(expr, { scheduler: "sync" });
  assert.deepEqual(vals(sync), vals(r), "the sync scheduler agrees");
});

test("reductions along every axis combination equal the reference; NaN handling as numpy", async () => {
  const { i, f, ints, floats } = await arrays();
  const sumf = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const axesList = [[0], [1], [2], [0, 1], [1, 2], [0, 2], [0, 1, 2]];
  for (const axes of axesList) {
    const ref = refReduce(ints, axes, sumf);
    const r = await compute(sum(i, { axis: axes }), { pool });
    assert.deepEqual(r.shape, ref.shape, `sum shape ${axes}`);
    assert.deepEqual(vals(r), ref.data, `int16 sum over ${axes} (int64 accumulator)`);
    close(vals(await compute(mean(i, { axis: axes }), { pool })), refReduce(ints, axes, (xs) => sumf(xs) / xs.length).data, `mean ${axes}`);
    close(vals(await compute(max(f, { axis: axes }), { pool })), refReduce(floats, axes, (xs) => (xs.some(Number.isNaN) ? NaN : Math.max(...xs))).data, `max ${axes}`);
    close(vals(await compute(nanmax(f, { axis: axes }), { pool })), refReduce(floats, axes, (xs) => Math.max(...xs.filter((x) => !Number.isNaN(x)))).data, `nanmax ${axes}`);
    close(vals(await compute(nansum(f, { axis: axes }), { pool })), refReduce(floats, axes, (xs) => sumf(xs.filter((x) => !Number.isNaN(x)))).data, `nansum ${axes}`);
  }
  const all = await compute(sum(f), { pool });
  assert.deepEqual(all.shape, []);
  assert.ok(Number.isNaN(vals(all)[0]), "plain sum propagates NaN");
  close(vals(await compute(nanmean(f), { pool })), [sumf([...floats].filter((x) => !Number.isNaN(x))) / [...floats].filter((x) => !Number.isNaN(x)).length], "nanmean");
  const m = sumf([...ints]) / N;
  close(vals(await compute(std(i), { pool })), [Math.sqrt(sumf([...ints].map((v) => (v - m) ** 2)) / N)], "std");
  close(vals(await compute(reduce(i, "var", { ddof: 1 }), { pool })), [sumf([...ints].map((v) => (v - m) ** 2)) / (N - 1)], "var ddof=1");
  assert.deepEqual(vals(await compute(argmax(i, { axis: 0 }), { pool })), refReduce(ints, [0], (xs) => xs.indexOf(Math.max(...xs))).data, "argmax along 0");
  assert.deepEqual(vals(await compute(countNonzero(i), { pool })), [[...ints].filter((v) => v !== 0).length]);
  assert.deepEqual(vals(await compute(min(i, { axis: 2, keepdims: true }), { pool })), refReduce(ints, [2], (xs) => Math.min(...xs)).data);
  assert.deepEqual((await compute(min(i, { axis: 2, keepdims: true }), { pool })).shape, [23, 9, 1]);
  // Blocks of a cell reduced one, two or three per task (partials combined in the worker) give the same.
  for (const blocksPerTask of [1, 2, 3]) {
    assert.deepEqual(vals(await compute(sum(i, { axis: [0, 2], blocksPerTask }), { pool })), refReduce(ints, [0, 2], sumf).data, `sum, ${blocksPerTask} blocks per task`);
    assert.deepEqual(vals(await compute(argmax(i, { axis: 0, blocksPerTask }), { pool })), refReduce(ints, [0], (xs) => xs.indexOf(Math.max(...xs))).data, `argmax, ${blocksPerTask} blocks per task`);
    close(vals(await compute(std(f, { axis: [0, 1], blocksPerTask }), { pool })), vals(await compute(std(f, { axis: [0, 1] }), { pool })), `std, ${blocksPerTask} blocks per task`);
  }
});

test("broadcasting: an array minus its mean along axis 0 (keepdims), and a lower-rank operand", async () => {
  const { f, floats } = await arrays();
  const m = mean(f, { axis: 0, keepdims: true });
  const centred = await compute(binary("subtract", f, m), { pool });
  const colMean = refReduce(floats, [0], (xs) => xs.reduce((a, b) => a + b, 0) / xs.length).data;
  close(vals(centred), Array.from(floats, (v, i) => v - colMean[i % 36]), "x - mean(x, 0)");
  const last = mean(f, { axis: [0, 1] }); // shape [4]: aligned from the right
  const lastRef = refReduce(floats, [0, 1], (xs) => xs.reduce((a, b) => a + b, 0) / xs.length).data;
  close(vals(await compute(binary("add", f, last), { pool })), Array.from(floats, (v, i) => v + lastRef[i % 4]), "x + mean over (0, 1)");
  assert.throws(() => binary("add", f, fromSource({ data: new Float64Array(5), shape: [5], dtype: f.dtype })), /do not broadcast/);
});

test("operands with different chunks are unified (rechunked to the first's), as dask does", async () => {
  const { i, ints } = await arrays();
  const { memorySource } = await import("../../src/sources/memory.js");
  const { binary, where } = await import("../../src/compute/ops.js");
  const { mapBlocks } = await import("../../src/compute/map-blocks.js");
  const { kernelRef } = await import("../../src/runtime/kernel-task.js");
  const other = memorySource({ data: Int16Array.from(ints, (v) => v * 2), shape: SHAPE, dtype: { kind: "int", bits: 16, endian: "little" } }, [7, 2, 4]);
  const sum = binary("add", i, other);
  assert.deepEqual(sum.chunkShape, [5, 4, 3]);
  assert.deepEqual(vals(await compute(sum, { pool })), Array.from(ints, (v) => v * 3));
  // A lower-rank operand with its own chunks broadcasts after unification.
  const row = memorySource({ data: Int16Array.from({ length: 4 }, (_, k) => k), shape: [4], dtype: { kind: "int", bits: 16, endian: "little" } }, [1]);
  assert.deepEqual(vals(await compute(binary("multiply", i, row), { pool })), Array.from(ints, (v, k) => v * (k % 4) + 0));
  const w = where(binary("greater", other, 0), i, 0);
  assert.deepEqual(vals(await compute(w, { pool })), Array.from(ints, (v) => (v * 2 > 0 ? v : 0)));
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
  const scaleAdd = kernelRef(new URL(`./fixtures/block-kernels.${ext}`, import.meta.url), "scaleAdd");
  const mb = mapBlocks(scaleAdd, [i, other], { params: { k: 1 }, dtype: "float64" });
  assert.deepEqual(mb.chunkShape, [5, 4, 3]);
  // Shapes that do not broadcast are still refused.
  const wrong = memorySource({ data: new Int16Array(23 * 9 * 3), shape: [23, 9, 3], dtype: { kind: "int", bits: 16, endian: "little" } }, [4, 4, 3]);
  assert.throws(() => binary("add", i, wrong), /do not broadcast/);
});
