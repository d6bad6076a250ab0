/**
 * Structural operations on lazy arrays — rechunk (direct and through the intermediate
 * array), concatenate, stack, select, transpose, reshape — each checked bit for bit against
 * a plain-JS reference over the full data (float64 with NaN payloads and -0.0, int64 at its
 * extremes, ragged edge blocks, 0-d and 1-element arrays), computed on a 2-thread pool.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import fc from "fast-check";
import type { NDArray } from "../../src/codecs/types.js";
import { SelectionError } from "../../src/format/errors.js";
import { createPool } from "../../src/runtime/pool.js";
import { createMemoryStore } from "../../src/stores/memory.js";
import type { Store } from "../../src/stores/types.js";
import { createArray, openArray } from "../../src/array/node.js";
import { get, set } from "../../src/array/access.js";
import { memorySource } from "../../src/sources/memory.js";
import { zarrSource } from "../../src/sources/zarr.js";
import type { ChunkSource } from "../../src/sources/types.js";
import { fromSource, type LazyArray } from "../../src/compute/lazy.js";
import { compute, toZarr } from "../../src/compute/compute.js";
import { rechunk, rechunkCost } from "../../src/compute/rechunk.js";
import { concatenate, stack } from "../../src/compute/concat.js";
import { select } from "../../src/compute/select.js";
import { reshape, transpose } from "../../src/compute/transpose.js";
import { bigints, bytes, floats, gather, ints, refConcat, refSelect, refStack, refTranspose, size, type RefDim } from "./structure/ref.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());

/** A source that counts its chunk reads. */
function counting(s: ChunkSource): ChunkSource & { reads: number } {
  const c = { ...s, reads: 0, read: (coords: readonly number[], o?: object) => { c.reads++; return s.read(coords, o); } };
  return c;
}

/** A memory store that counts writes. */
function countingStore(): Store & { sets: number; keys(): Promise<string[]> } {
  const s = createMemoryStore();
  const c = {
    ...s, sets: 0,
    set: (k: string, v: Uint8Array) => { c.sets++; return s.set(k, v); },
    keys: async () => { const out: string[] = []; for await (const k of s.list("")) out.push(k); return out; },
  };
  return c;
}

const eb = (a: NDArray) => bytes(a).byteLength / Math.max(1, size(a.shape));

async function expectArray(x: LazyArray, shape: number[], want: Uint8Array, why: string): Promise<void> {
  assert.deepEqual(x.shape, shape, `${why}: shape`);
  const r = await compute(x, { pool });
  assert.deepEqual(r.shape, shape, `${why}: result shape`);
  assert.ok(Buffer.from(bytes(r)).equals(Buffer.from(want)), `${why}: bytes differ`);
}

test("rechunk, direct path: both ways, ragged edges, float64 NaN/-0.0 and int64 bit-exact, fused chains", async () => {
  for (const data of [floats([23, 17]), bigints([23, 17])]) {
    const x = fromSource(memorySource(data, [5, 4]));
    for (const to of [[7, 6], [10, 8], [3, 3], [23, 1], [-1, 17], [1, -1]]) {
      const y = rechunk(x, to, { intermediate: "never" });
      assert.deepEqual(y.chunkShape, to.map((c, d) => (c === -1 ? data.shape[d] : c)));
      await expectArray(y, [23, 17], bytes(data), `${data.dtype.kind} → [${to}]`);
    }
    // Back and forth, then transpose and select on top (one fused plan per block).
    const z = select(transpose(rechunk(rechunk(x, [9, 2], { intermediate: "never" }), [4, 17], { intermediate: "never" })), [{ start: 1, stop: null, step: 2 }, { start: -3, stop: 2, step: -1 }]);
    const t = refTranspose([23, 17], [1, 0]);
    const s = refSelect(t.shape, [{ start: 1, step: 2 }, { start: -3, stop: 2, step: -1 }]);
    await expectArray(z, s.shape, gather([bytes(data)], 8, s.from.map((i) => t.from[i])), "chain");
  }
  // Aligned merge: an output block that is one input block is that block's plan (no kernel).
  const x = fromSource(memorySource(ints([20, 6]), [5, 3]));
  assert.equal(rechunk(x, [5, 3]), x, "same chunks: the array itself");
  assert.equal(rechunk(x, [5, 6], { intermediate: "never" }).plan([0, 0]).kind, "call");
  assert.equal(concatenate([x, x], 0).plan([1, 0]).kind, "load");
  assert.throws(() => rechunk(x, [0, 3]), SelectionError);
  assert.throws(() => rechunk(x, [5]), SelectionError);
});

test("rechunk cost estimate picks the path: all-to-all and over-budget go through the intermediate", () => {
  const c = rechunkCost([65536, 765, 2], [6553, 200, 2], [65536, 1, 2], 1);
  assert.ok(c.rereads > 150, `all-to-all rereads ${c.rereads}`);
  assert.equal(c.maxInputBytes, 65536 * 200 * 2);
  assert.equal(rechunkCost([10], [10], [3], 8).rereads, 4);
  assert.equal(rechunkCost([100], [10], [20], 8).maxInputBytes, 20 * 8);
  assert.equal(rechunkCost([100], [10], [25], 8).maxInputBytes, 30 * 8, "blocks at 25 and 75 start mid-block: 3 blocks of 10");
});

test("all-to-all rechunk goes through the intermediate: each input block read once, exact, temp deleted; toZarr works", async () => {
  const data = ints([300, 40, 2], "int8");
  const src = counting(memorySource(data, [30, 10, 2]));
  const temp = countingStore();
  const y = rechunk(src, [300, 1, 2], { tempStore: temp });
  assert.equal(temp.sets, 0, "lazy: nothing written before a block is read");
  await expectArray(y, [300, 40, 2], bytes(data), "all-to-all");
  assert.ok(temp.sets >= 40, `the intermediate was written (${temp.sets} writes)`);
  assert.equal(src.reads, 10 * 4, "every input block read exactly once");
  assert.deepEqual(await temp.keys(), [], "intermediate deleted after every block was read");
  // Again, written with toZarr into chunks of the new shape (the intermediate is rebuilt).
  const out = createMemoryStore();
  src.reads = 0;
  const arr = await toZarr(y, { store: out, path: "t", options: { zarrFormat: 2, compressor: { id: "zlib", level: 1 } } }, { pool });
  assert.deepEqual(arr.meta.chunkShape, [300, 1, 2]);
  const back = await get(await openArray(out, "t"), undefined, { pool: null });
  assert.ok(Buffer.from(bytes(back)).equals(Buffer.from(bytes(data))));
  assert.equal(src.reads, 40);
  // Over the memory budget (rereads are low): intermediate too; default temp directory is removed.
  const before = new Set(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("zarrflow-rechunk-")));
  const f = floats([40]);
  const fx = counting(memorySource(f, [4]));
  const g = rechunk(fx, [40], { maxMemory: 100 });
  await expectArray(g, [40], bytes(f), "over budget");
  assert.equal(fx.reads, 10);
  const left = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith("zarrflow-rechunk-") && !before.has(n));
  assert.deepEqual(left, [], "default temp directory removed");
  // close() removes an intermediate that was only partly read.
  const temp2 = countingStore();
  const h = rechunk(memorySource(data, [30, 10, 2]), [300, 1, 2], { tempStore: temp2, intermediate: "always" });
  await h.read([0, 3, 0], { pool });
  assert.ok((await temp2.keys()).length > 0);
  await h.close?.();
  assert.deepEqual(await temp2.keys(), []);
});

test("rechunk through the intermediate from a Zarr source: int64 and float64 bit-exact, sync scheduler agrees", async () => {
  for (const data of [bigints([13, 9]), floats([13, 9], 3)]) {
    const a = await createArray(createMemoryStore(), "x", { zarrFormat: 2, shape: [13, 9], chunks: [4, 9], dtype: data.dtype, compressor: { id: "zlib", level: 1 } });
    await set(a, null, data, { pool: null });
    const y = rechunk(zarrSource(a), [13, 2], { tempStore: createMemoryStore(), intermediate: "always" });
    await expectArray(y, [13, 9], bytes(data), `${data.dtype.kind} via intermediate`);
    const s = await compute(y, { scheduler: "sync" });
    assert.ok(Buffer.from(bytes(s)).equals(Buffer.from(bytes(data))));
  }
});

test("concatenate: unaligned inputs of other chunks, any axis; errors for dtype/shape/rank/axis", async () => {
  const parts = [floats([7, 5], 1), floats([7, 9], 2), floats([7, 1], 3)];
  const xs = [fromSource(memorySource(parts[0], [3, 2])), fromSource(memorySource(parts[1], [4, 4])), memorySource(parts[2], [7, 1])];
  for (const axis of [1, -1]) {
    const c = concatenate(xs, axis);
    assert.deepEqual(c.chunkShape, [3, 2]);
    const r = refConcat(parts.map((p) => p.shape), 1);
    await expectArray(c, r.shape, gather(parts.map(bytes), 8, r.from), `concat axis ${axis}`);
  }
  const rows = [bigints([3, 4]), bigints([5, 4]), bigints([1, 4])];
  const r0 = refConcat(rows.map((p) => p.shape), 0);
  await expectArray(concatenate(rows.map((p) => memorySource(p, [2, 3])), 0), r0.shape, gather(rows.map(bytes), 8, r0.from), "concat axis 0 int64");
  await expectArray(concatenate([memorySource(ints([1]), [1])], 0), [1], bytes(ints([1])), "one 1-element input");
  const i16 = memorySource(ints([7, 5]), [3, 2]);
  assert.throws(() => concatenate([xs[0], i16], 1), SelectionError, "dtypes differ");
  assert.throws(() => concatenate([xs[0], xs[1]], 0), SelectionError, "shapes differ off axis");
  assert.throws(() => concatenate([xs[0], memorySource(floats([7]), [7])], 0), SelectionError, "ranks differ");
  assert.throws(() => concatenate([xs[0]], 2), SelectionError, "axis out of range");
  assert.throws(() => concatenate([], 0), SelectionError);
  assert.throws(() => concatenate([memorySource(floats([]), [])], 0), SelectionError, "0-d");
});

test("stack: new axis of chunk 1 anywhere; inputs of other chunks; 0-d inputs", async () => {
  const base = bigints([5, 3]).data as BigInt64Array;
  const parts = [base, base.map((v) => -v), base.map((v) => v ^ 0x55n)].map((d) => ({ data: d, shape: [5, 3], dtype: bigints([1]).dtype }) as NDArray);
  const xs = [memorySource(parts[0], [2, 2]), memorySource(parts[1], [5, 1]), memorySource(parts[2], [2, 2])];
  for (const axis of [0, 1, 2, -1]) {
    const s = stack(xs, axis);
    const ax = axis < 0 ? axis + 3 : axis;
    const want = [2, 2];
    want.splice(ax, 0, 1);
    assert.deepEqual(s.chunkShape, want);
    const r = refStack([5, 3], 3, ax);
    await expectArray(s, r.shape, gather(parts.map(bytes), 8, r.from), `stack axis ${axis}`);
  }
  const zero = [floats([]), floats([], 2)];
  await expectArray(stack(zero.map((z) => memorySource(z, [])), 0), [2], gather(zero.map(bytes), 8, [[0, 0], [1, 0]]), "stack 0-d");
  assert.throws(() => stack([xs[0], memorySource(bigints([5, 4]), [2, 2])]), SelectionError);
  assert.throws(() => stack(xs, 3), SelectionError);
});

test("select: integers, slices with negative steps, index arrays, masks, ellipsis; 0-d; errors", async () => {
  const data = floats([11, 8, 5]);
  const x = fromSource(memorySource(data, [4, 3, 5]));
  const cases: RefDim[][] = [
    [3, null, -1],
    [{ start: 2, stop: 9 }, { start: -1, stop: null, step: -3 }, null],
    [{ start: null, stop: null, step: -1 }, 0, { start: 1, stop: 4, step: 2 }],
    [[10, 0, 3, 3, -2], { start: 1, stop: 7 }, 2],
    [{ start: 20, stop: 30 }, null, null], // empty
    [{ start: 9, stop: 2, step: -2 }, [7, 1], [4, 0, 4]],
    [-11, -8, -5],
  ];
  for (const c of cases) {
    const r = refSelect(data.shape, c);
    const sel = c.map((d) => (d !== null && typeof d === "object" && !Array.isArray(d) ? { start: d.start ?? null, stop: d.stop ?? null, step: d.step ?? null } : d));
    await expectArray(select(x, sel), r.shape, gather([bytes(data)], 8, r.from), `select ${JSON.stringify(c)}`);
  }
  // Unit steps keep chunk lengths; steps shrink them; ellipsis and masks.
  assert.deepEqual(select(x, [{ start: 1, stop: null, step: 1 }, null, 0]).chunkShape, [4, 3]);
  assert.deepEqual(select(x, [{ start: null, stop: null, step: 2 }, null, null]).chunkShape, [2, 3, 5]);
  const mask = { mask: [true, false, true, true, false, false, false, true] };
  const r = refSelect(data.shape, [null, [0, 2, 3, 7], 4]);
  await expectArray(select(x, ["...", mask, 4]), r.shape, gather([bytes(data)], 8, r.from), "ellipsis + mask");
  // 0-d and 1-element arrays.
  const z = floats([]);
  await expectArray(select(memorySource(z, []), []), [], bytes(z), "0-d");
  const one = bigints([1, 1]);
  await expectArray(select(memorySource(one, [1, 1]), [0, -1]), [], bytes(one), "1-element to 0-d");
  await expectArray(select(memorySource(one, [1, 1]), [{ start: null, stop: null, step: -1 }, [0, 0]]), [1, 2], gather([bytes(one)], 8, [0, 0]), "1-element repeated");
  // Index arrays: output chunks shrink until one output block's input blocks fit maxMemory.
  const spread = floats([40, 3], 5);
  const idx = [0, 39, 4, 35, 8, 31, 12, 27, 16, 23];
  const sx = select(memorySource(spread, [4, 3]), [idx, null], { maxMemory: 200 });
  assert.deepEqual(sx.chunkShape, [2, 3], "two blocks of 4×3 float64 (192 bytes) per output block");
  assert.deepEqual(select(memorySource(spread, [4, 3]), [idx, null]).chunkShape, [4, 3]);
  const rs = refSelect(spread.shape, [idx, null]);
  await expectArray(sx, rs.shape, gather([bytes(spread)], 8, rs.from), "index array, small budget");
  assert.throws(() => select(x, [11]), SelectionError);
  assert.throws(() => select(x, [null, [8]]), SelectionError);
  assert.throws(() => select(x, [null, null, null, 0]), SelectionError);
  assert.throws(() => select(x, [{ start: 0, stop: 3, step: 0 }]), SelectionError);
});

test("select property: random orthogonal selections of a ragged int16 array match the reference", async () => {
  const shape = [13, 10];
  const data = ints(shape);
  const x = fromSource(memorySource(data, [4, 3]));
  const dim = (n: number) => fc.oneof(
    fc.constant(null),
    fc.integer({ min: -n, max: n - 1 }),
    fc.record({ start: fc.option(fc.integer({ min: -n - 2, max: n + 2 })), stop: fc.option(fc.integer({ min: -n - 2, max: n + 2 })), step: fc.constantFrom(null, 1, -1, 1, -1, 2, -2, -3, 5) }),
    fc.array(fc.integer({ min: -n, max: n - 1 }), { minLength: 0, maxLength: 6 }),
  );
  await fc.assert(fc.asyncProperty(dim(13), dim(10), async (a, b) => {
    const c = [a, b] as RefDim[];
    const r = refSelect(shape, c);
    const res = await compute(select(x, c as never), { scheduler: "sync" });
    assert.deepEqual(res.shape, r.shape);
    assert.ok(Buffer.from(bytes(res)).equals(Buffer.from(gather([bytes(data)], 2, r.from))), JSON.stringify(c));
  }), { numRuns: 120, seed: 7 });
});

test("transpose: permuted blocks and chunks, ragged edges, NaN/-0.0 and int64 exact; identity and 0-d", async () => {
  for (const data of [floats([7, 5, 3]), bigints([7, 5, 3]), ints([7, 5, 3], "int8")]) {
    const x = fromSource(memorySource(data, [3, 2, 2]));
    for (const axes of [undefined, [1, 0, 2], [2, 0, 1], [-1, -3, -2]]) {
      const perm = axes === undefined ? [2, 1, 0] : axes.map((a) => (a < 0 ? a + 3 : a));
      const t = transpose(x, axes);
      assert.deepEqual(t.chunkShape, perm.map((a) => [3, 2, 2][a]));
      const r = refTranspose(data.shape, perm);
      await expectArray(t, r.shape, gather([bytes(data)], eb(data), r.from), `transpose ${data.dtype.kind} ${String(axes)}`);
    }
    assert.equal(transpose(x, [0, 1, 2]), x);
    assert.throws(() => transpose(x, [0, 0, 1]), SelectionError);
    assert.throws(() => transpose(x, [0, 1]), SelectionError);
  }
  const z = bigints([]);
  await expectArray(transpose(memorySource(z, [])), [], bytes(z), "0-d");
});

test("reshape: leading dimensions merge and split where chunks allow; refused otherwise with a rechunk hint", async () => {
  const data = floats([6, 4, 3]);
  const x = fromSource(memorySource(data, [2, 4, 3]));
  for (const [shape, chunks] of [[[24, 3], [8, 3]], [[-1], [24]], [[3, 2, 4, 3], [1, 2, 4, 3]], [[6, 12], [2, 12]], [[12, 2, 3], [4, 2, 3]]] as const) {
    const y = reshape(x, shape);
    assert.deepEqual(y.chunkShape, chunks, `chunks of reshape to [${shape}]`);
    await expectArray(y, y.shape as number[], bytes(data), `reshape to [${shape}]`);
  }
  // Ragged first dimension.
  const odd = fromSource(memorySource(data, [4, 4, 3]));
  await expectArray(reshape(odd, [24, 3]), [24, 3], bytes(data), "ragged reshape");
  const split = fromSource(memorySource(data, [6, 2, 3]));
  assert.throws(() => reshape(split, [24, 3]), (e: unknown) => e instanceof SelectionError && /rechunk\(x, \[6,4,3\]\)/.test(e.message));
  await expectArray(reshape(rechunk(split, [6, 4, 3]), [24, 3]), [24, 3], bytes(data), "after the advised rechunk");
  assert.throws(() => reshape(x, [5, 5]), SelectionError);
  assert.throws(() => reshape(x, [-1, -1]), SelectionError);
  assert.deepEqual(reshape(fromSource(memorySource(data, [3, 4, 3])), [4, 18]).chunkShape, [2, 18]);
  assert.throws(() => reshape(odd, [4, 18]), (e: unknown) => e instanceof SelectionError && /multiple of 3/.test(e.message));
  assert.throws(() => reshape(x, [2, 3, 12]), SelectionError, "a block of 24 is not whole rows of 36");
  // 0-d and 1-element.
  const one = bigints([1]);
  await expectArray(reshape(memorySource(one, [1]), []), [], bytes(one), "(1,) → ()");
  await expectArray(reshape(memorySource(bigints([]), []), [1, 1]), [1, 1], bytes(bigints([])), "() → (1, 1)");
});
