/**
 * blockwise (dask's index notation): elementwise add equals the reference; a transposed
 * operand ("ij" with "ji"); block matmul "ik,kj->ij" with concatenate (ragged chunks) and
 * with block lists agrees with a plain JS product; newAxes; mismatched chunks on a shared
 * letter and malformed indexes are SelectionErrors.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { NDArray } from "../../src/codecs/types.js";
import { SelectionError } from "../../src/format/errors.js";
import { kernelRef } from "../../src/runtime/kernel-task.js";
import { createPool } from "../../src/runtime/pool.js";
import { allocateShared } from "../../src/sources/types.js";
import { fromSource } from "../../src/compute/lazy.js";
import { compute } from "../../src/compute/compute.js";
import { blockwise } from "../../src/compute/blockwise.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());
const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
const K = (name: string) => kernelRef(new URL(`./more/blockwise-kernels.${ext}`, import.meta.url), name);
const F64 = { kind: "float", bits: 64, endian: "little" } as const;
const I32 = { kind: "int", bits: 32, endian: "little" } as const;

/** A lazy array of `shape` / `chunks` filled by `f(flat index)`. */
function arr(shape: number[], chunks: number[], f: (i: number) => number, dtype: typeof F64 | typeof I32 = F64) {
  const n = shape.reduce((p, q) => p * q, 1);
  const data = allocateShared(dtype, n) as Float64Array | Int32Array;
  for (let i = 0; i < n; i++) data[i] = f(i);
  const nd: NDArray = { data, shape, dtype };
  return { x: fromSource(nd, { chunks }), data };
}

function matmulRef(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): number[] {
  const out = new Array<number>(n * m).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * m + j];
    out[i * m + j] = s;
  }
  return out;
}

const close = (got: ArrayLike<number>, want: readonly number[]) => {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-9 * Math.max(1, Math.abs(want[i])), `element ${i}: ${got[i]} vs ${want[i]}`);
};

test("elementwise add via blockwise equals the reference (pool and sync)", async () => {
  const { x, data: xd } = arr([9, 6], [4, 4], (i) => (i * 7) % 23 - 11, I32);
  const { x: y, data: yd } = arr([9, 6], [4, 4], (i) => i * 0.25);
  const z = blockwise(K("add"), "ij", [[x, "ij"], [y, "ij"]], { dtype: "float64" });
  assert.deepEqual(z.shape, [9, 6]);
  assert.deepEqual(z.chunkShape, [4, 4]);
  const want = Array.from(xd, (v, i) => v + yd[i]);
  assert.deepEqual([...((await compute(z, { pool })).data as Float64Array)], want);
  assert.deepEqual([...((await compute(z, { scheduler: "sync" })).data as Float64Array)], want);
});

test("a transposed operand: ij with ji", async () => {
  const { x, data: xd } = arr([6, 5], [4, 2], (i) => i);
  const { x: y, data: yd } = arr([5, 6], [2, 4], (i) => 100 * i);
  const z = blockwise(K("addTransposed"), "ij", [[x, "ij"], [y, "ji"]]);
  assert.deepEqual(z.shape, [6, 5]);
  const want: number[] = [];
  for (let i = 0; i < 6; i++) for (let j = 0; j < 5; j++) want.push(xd[i * 5 + j] + yd[j * 6 + i]);
  assert.deepEqual([...((await compute(z, { pool })).data as Float64Array)], want);
});

test("block matmul ik,kj->ij with concatenate (ragged chunks) matches a plain product", async () => {
  const { x: a, data: ad } = arr([7, 5], [3, 2], (i) => Math.sin(i) * 3);
  const { x: b, data: bd } = arr([5, 6], [2, 4], (i) => Math.cos(i * 1.7) - 0.5);
  const c = blockwise(K("matmulBlock"), "ij", [[a, "ik"], [b, "kj"]], { dtype: "float64", concatenate: true });
  assert.deepEqual(c.shape, [7, 6]);
  assert.deepEqual(c.chunkShape, [3, 4]);
  close((await compute(c, { pool })).data as Float64Array, matmulRef(ad, bd, 7, 5, 6));
  // A lazy operand (2a, itself blockwise) with k in one chunk: fused, one task per output block.
  const { x: a1 } = arr([7, 5], [3, 5], (i) => Math.sin(i) * 3);
  const twice = blockwise(K("add"), "ik", [[a1, "ik"], [a1, "ik"]]);
  const { x: b1 } = arr([5, 6], [5, 4], (i) => Math.cos(i * 1.7) - 0.5);
  const c2 = blockwise(K("matmulBlock"), "ij", [[twice, "ik"], [b1, "kj"]], { concatenate: true });
  const keys: string[] = [];
  const r2 = await compute(c2, { pool, callbacks: { onTaskEnd: (e) => keys.push(e.key) } });
  close(r2.data as Float64Array, matmulRef(ad.map((v) => 2 * v), bd, 7, 5, 6));
  assert.equal(keys.length, 6, `3 x 2 output blocks, one fused task each: ${keys.join("; ")}`);
});

test("without concatenate the kernel gets the block lists along the contracted letter", async () => {
  const { x: a, data: ad } = arr([7, 5], [3, 2], (i) => (i % 5) - 2);
  const { x: b, data: bd } = arr([5, 6], [2, 4], (i) => (i % 3) + 0.5);
  const c = blockwise(K("matmulLists"), "ij", [[a, "ik"], [b, "kj"]], { dtype: "float64" });
  close((await compute(c, { pool })).data as Float64Array, matmulRef(ad, bd, 7, 5, 6));
  // A wrong kernel for the list form fails (the test can tell the two forms apart).
  const wrong = blockwise(K("matmulBlock"), "ij", [[a, "ik"], [b, "kj"]], { dtype: "float64" });
  await assert.rejects(compute(wrong, { scheduler: "sync" }));
});

test("newAxes adds an output letter of the given length (one chunk)", async () => {
  const { x, data } = arr([5], [2], (i) => i + 1);
  const z = blockwise(K("repeatScaled"), "ir", [[x, "i"]], { newAxes: { r: 3 }, params: { reps: 3 } });
  assert.deepEqual(z.shape, [5, 3]);
  assert.deepEqual(z.chunkShape, [2, 3]);
  const want = Array.from(data).flatMap((v) => [v, 2 * v, 3 * v]);
  assert.deepEqual([...((await compute(z, { pool })).data as Float64Array)], want);
});

test("mismatched chunks on a shared letter, and bad indexes, are SelectionErrors", () => {
  const { x: a } = arr([7, 5], [3, 2], () => 0);
  const { x: b } = arr([5, 6], [3, 4], () => 0);
  assert.throws(() => blockwise(K("matmulBlock"), "ij", [[a, "ik"], [b, "kj"]], { concatenate: true }),
    (e: unknown) => e instanceof SelectionError && /letter "k"/.test(e.message) && /rechunk/.test(e.message));
  const { x: c } = arr([5, 6], [2, 4], () => 0);
  const { x: d } = arr([6, 6], [2, 4], () => 0);
  assert.throws(() => blockwise(K("add"), "kj", [[c, "kj"], [d, "kj"]]), SelectionError, "different lengths on a shared letter");
  assert.throws(() => blockwise(K("add"), "ij", [[a, "i"]]), SelectionError, "index shorter than the rank");
  assert.throws(() => blockwise(K("add"), "ij", [[a, "ii"]]), SelectionError, "repeated letter");
  assert.throws(() => blockwise(K("add"), "iz", [[a, "ik"]]), SelectionError, "output letter in no input");
  assert.throws(() => blockwise(K("add"), "ik", [[a, "ik"]], { newAxes: { k: 2 } }), SelectionError, "new axis clashes");
  assert.throws(() => blockwise(K("add"), "ij", []), SelectionError, "no inputs");
});
