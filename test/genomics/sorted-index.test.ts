/**
 * sortedIndex / openSortedIndex (scikit-allel's SortedIndex): every method on the examples
 * of scikit-allel's docstrings (allel/model/ndarray.py, SortedIndex) and small hand-made
 * cases, answers derived from its code (bisect_left/bisect_right, np.isin) written as
 * literals; int32, uint32, float64 and BigInt64 positions with number and bigint keys;
 * loading from a chunk source and a Zarr array; a random case against numpy's searchsorted
 * and isin (Debian's /usr/bin/python3); typed errors for bad input.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { SelectionError, UnsupportedError } from "../../src/format/errors.js";
import { createArray } from "../../src/array/node.js";
import { set } from "../../src/array/access.js";
import { createMemoryStore } from "../../src/stores/memory.js";
import { createPool } from "../../src/runtime/pool.js";
import { memorySource } from "../../src/sources/memory.js";
import type { ChunkSource } from "../../src/sources/types.js";
import { DT } from "../../src/compute/kernels/dtypes.js";
import {
  KeyNotFoundError, UnsortedIndexError, openSortedIndex, sortedIndex, type IndexValues, type Key,
} from "../../src/genomics/sorted-index.js";
import { fromValues, numpy } from "../compute/kernels/np.js";
import { prng } from "../prng.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());

const list = (v: IndexValues | Uint8Array) => Array.from(v as ArrayLike<number | bigint>, Number);
const isKeyError = (keys?: unknown[]) => (e: unknown) => e instanceof KeyNotFoundError && e instanceof SelectionError && (keys === undefined || JSON.stringify(e.keys, (_, v) => (typeof v === "bigint" ? Number(v) : v)) === JSON.stringify(keys));

test("locateKey: index, {start, stop} for a repeated key, KeyNotFoundError when absent (docstring example)", () => {
  const idx = sortedIndex([3, 6, 6, 11]);
  assert.equal(idx.length, 4);
  assert.equal(idx.isUnique, false);
  assert.equal(idx.locateKey(3), 0);
  assert.equal(idx.locateKey(11), 3);
  assert.deepEqual(idx.locateKey(6), { start: 1, stop: 3 }); // scikit-allel: slice(1, 3)
  assert.throws(() => idx.locateKey(2), isKeyError([2]));
  assert.throws(() => idx.locateKey(12), isKeyError([12]));
  assert.throws(() => idx.locateKey(6.5), KeyNotFoundError);
  assert.equal(idx.locateKey(6n as Key) instanceof Object, true);
  assert.equal(sortedIndex([]).length, 0);
  assert.throws(() => sortedIndex([]).locateKey(1), KeyNotFoundError);
  assert.equal(sortedIndex([2, 5, 8, 14, 15, 23, 42, 42, 61, 77, 103]).isUnique, false);
  assert.equal(sortedIndex([1, 4, 5, 7, 12]).isUnique, true);
});

test("locateIntersection, locateKeys (strict and not) and intersect (docstring examples, repeats as np.isin)", () => {
  const idx1 = sortedIndex([3, 6, 11, 20, 35]);
  const idx2 = sortedIndex([4, 6, 20, 39]);
  const { loc, locOther } = idx1.locateIntersection(idx2);
  assert.deepEqual(list(loc), [0, 1, 0, 1, 0]);
  assert.deepEqual(list(locOther), [0, 1, 1, 0]);
  assert.deepEqual(list(idx1.locateKeys(idx2, { strict: false })), [0, 1, 0, 1, 0]);
  assert.deepEqual(list(idx1.locateKeys([6, 20])), [0, 1, 0, 1, 0]);
  assert.throws(() => idx1.locateKeys(idx2), isKeyError([4, 39])); // strict by default, as scikit-allel
  assert.deepEqual(list(idx1.intersect(idx2).values), [6, 20]);
  assert.deepEqual(list(idx1.intersect([4, 6, 20, 39]).values), [6, 20]); // plain arrays are indexed (and checked) too
  // Repeats on both sides: every copy is marked (np.isin semantics).
  const a = sortedIndex([1, 2, 2, 3, 5]), b = sortedIndex([2, 3, 3, 4]);
  const r = a.locateIntersection(b);
  assert.deepEqual(list(r.loc), [0, 1, 1, 1, 0]);
  assert.deepEqual(list(r.locOther), [1, 1, 1, 0]);
  assert.deepEqual(list(a.intersect(b).values), [2, 2, 3]);
  assert.deepEqual(list(a.locateIntersection([]).loc), [0, 0, 0, 0, 0]);
  // Keys must be sorted, as scikit-allel wraps them in a SortedIndex.
  assert.throws(() => idx1.locateKeys([20, 6]), UnsortedIndexError);
});

test("locateRange (inclusive, KeyError when empty) and intersectRange (empty index instead) as scikit-allel", () => {
  const idx = sortedIndex([3, 6, 11, 20, 35]);
  assert.deepEqual(idx.locateRange(4, 32), { start: 1, stop: 4 }); // docstring: slice(1, 4)
  assert.deepEqual(list(idx.intersectRange(4, 32).values), [6, 11, 20]);
  assert.deepEqual(idx.locateRange(6, 20), { start: 1, stop: 4 }); // both ends inclusive
  assert.deepEqual(idx.locateRange(), { start: 0, stop: 5 });
  assert.deepEqual(idx.locateRange(undefined, 6), { start: 0, stop: 2 });
  assert.deepEqual(idx.locateRange(35), { start: 4, stop: 5 });
  assert.throws(() => idx.locateRange(12, 19), isKeyError([[12, 19]]));
  assert.throws(() => idx.locateRange(36), KeyNotFoundError);
  assert.throws(() => idx.locateRange(30, 4), KeyNotFoundError); // start > stop: empty (scikit-allel gives an empty slice)
  assert.equal(idx.intersectRange(12, 19).length, 0);
  assert.equal(idx.intersectRange(30, 4).length, 0);
  // A view: no copy, same typed array kind.
  const view = idx.intersectRange(6, 11);
  assert.equal(view.values.buffer, idx.values.buffer);
  // A slice of a repeating index may itself be unique.
  const rep = sortedIndex([1, 2, 2, 3]);
  assert.equal(rep.isUnique, false);
  assert.equal(rep.intersectRange(3, 3).isUnique, true);
  assert.equal(rep.intersectRange(2, 3).isUnique, false);
});

test("locateIntersectionRanges, locateRanges and intersectRanges (docstring examples; overlapping ranges)", () => {
  const idx = sortedIndex([3, 6, 11, 20, 35]);
  const ranges = [[0, 2], [6, 17], [12, 15], [31, 35], [100, 120]];
  const starts = ranges.map((r) => r[0]), stops = ranges.map((r) => r[1]);
  const { loc, locRanges } = idx.locateIntersectionRanges(starts, stops);
  assert.deepEqual(list(loc), [0, 1, 1, 0, 1]);
  assert.deepEqual(list(locRanges), [0, 1, 0, 1, 0]);
  assert.deepEqual(list(idx.locateRanges(starts, stops, { strict: false })), [0, 1, 1, 0, 1]);
  assert.deepEqual(list(idx.intersectRanges(starts, stops).values), [6, 11, 35]);
  assert.throws(() => idx.locateRanges(starts, stops), isKeyError([[0, 2], [12, 15], [100, 120]]));
  // Overlapping and unordered ranges.
  const ten = sortedIndex([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(list(ten.locateRanges([4, 2, 9], [8, 5, 9])), [0, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  assert.deepEqual(list(ten.locateRanges([], [])), new Array(10).fill(0));
  assert.throws(() => ten.locateRanges([1, 2], [3]), SelectionError);
  assert.throws(() => ten.locateRanges([1, NaN], [3, 4]), SelectionError);
});

test("int32, uint32, float64 and BigInt64 positions answer number and bigint keys alike", () => {
  const pos = [5, 10, 10, 2 ** 31 - 1];
  const kinds: IndexValues[] = [Int32Array.from(pos), Uint32Array.from(pos), Float64Array.from(pos), BigInt64Array.from(pos.map(BigInt))];
  for (const v of kinds) {
    const idx = sortedIndex(v);
    assert.equal(idx.values, v, "typed arrays are used as they are");
    for (const k of [10, 10n]) assert.deepEqual(idx.locateKey(k), { start: 1, stop: 3 }, `${v.constructor.name} key ${typeof k}`);
    assert.equal(idx.locateKey(2n ** 31n - 1n), 3);
    assert.deepEqual(idx.locateRange(6n, 2 ** 31), { start: 1, stop: 4 });
    assert.deepEqual(list(idx.locateKeys(BigInt64Array.from([5n, 10n]))), [1, 1, 1, 0]);
    assert.equal(idx.intersectRange(6, 11).values.constructor, v.constructor);
    assert.equal(idx.intersect([10]).values.constructor, v.constructor);
  }
  // int64 beyond 2^53 stays exact: neighbours differ by one.
  const big = BigInt64Array.from([2n ** 60n, 2n ** 60n + 1n, 2n ** 60n + 2n]);
  const idx = sortedIndex(big);
  assert.equal(idx.isUnique, true);
  assert.equal(idx.locateKey(2n ** 60n + 1n), 1);
  assert.deepEqual(idx.locateRange(2n ** 60n + 1n, 2n ** 60n + 5n), { start: 1, stop: 3 });
  // NDArrays of any numeric dtype (float16 decoded).
  assert.deepEqual(sortedIndex(fromValues(DT.int16, [3], [1, 2, 3])).locateKey(2), 1);
  assert.deepEqual(sortedIndex(fromValues(DT.float16, [3], [0.5, 1.5, 2.5])).locateKey(1.5), 1);
});

test("openSortedIndex loads a chunked source and a Zarr int64 POS array", async () => {
  const pos = Array.from({ length: 50 }, (_, i) => 100 + 3 * i - (i % 7 === 0 ? 3 : 0)); // repeats where i % 7 == 0
  const fromChunks = await openSortedIndex(memorySource(fromValues(DT.int32, [50], pos), [8]), { pool });
  assert.equal(fromChunks.length, 50);
  assert.deepEqual(list(fromChunks.values), pos);
  assert.deepEqual(fromChunks.locateKey(118), { start: 6, stop: 8 }); // 118 = 100 + 3·6 = 100 + 3·7 − 3
  const store = createMemoryStore();
  const z = await createArray(store, "variants/POS", { shape: [50], chunks: [16], dtype: "int64", fillValue: 0 });
  await set(z, null, { data: BigInt64Array.from(pos.map(BigInt)), shape: [50], dtype: z.meta.dtype }, { pool: null });
  const fromZarr = await openSortedIndex(z, { pool });
  assert.ok(fromZarr.values instanceof BigInt64Array);
  assert.deepEqual(fromZarr.locateRange(200, 230), fromChunks.locateRange(200, 230));
  // Not sorted in the store: the error names the source and the position.
  const bad = pos.slice();
  bad[20] = 0;
  await assert.rejects(openSortedIndex(memorySource(fromValues(DT.int32, [50], bad), [8], { name: "calls.zarr#POS" }), { pool }),
    (e: unknown) => e instanceof UnsortedIndexError && e.position === 20 && /calls\.zarr#POS/.test(e.message));
  await assert.rejects(openSortedIndex(memorySource(fromValues(DT.int32, [2, 2], [1, 2, 3, 4]), [1, 2]), { pool }), SelectionError);
  await assert.rejects(openSortedIndex(memorySource(fromValues(DT.bool, [2], [0, 1]), [2]), { pool }), UnsupportedError);
  await assert.rejects(openSortedIndex(undefined as unknown as ChunkSource), SelectionError);
});

test("a random index with repeats agrees with numpy's searchsorted and isin", () => {
  const rnd = prng(11);
  const n = 2000;
  const pos: number[] = [];
  for (let i = 0, p = 1; i < n; i++) { p += Math.floor(rnd() * 4); pos.push(p); } // steps of 0..3: repeats
  const keys = Array.from({ length: 300 }, () => Math.floor(rnd() * (pos[n - 1] + 10)));
  const sortedKeys = [...keys].sort((x, y) => x - y);
  const starts = keys.slice(0, 100), stops = starts.map((s) => s + Math.floor(rnd() * 30) - 5);
  const want = numpy<{ left: number[]; right: number[]; isin: number[]; isinKeys: number[]; ranges: number[] }>(`
pos = np.array(payload['pos'], dtype='i4'); keys = np.array(payload['keys']); sk = np.array(payload['sk'])
st = np.array(payload['starts']); sp = np.array(payload['stops'])
a = np.searchsorted(pos, st); b = np.searchsorted(pos, sp, side='right')
loc = np.zeros(len(pos), dtype=bool)
for i, j in zip(a, b):
    loc[i:j] = True
print(json.dumps({'left': np.searchsorted(pos, keys).tolist(), 'right': np.searchsorted(pos, keys, side='right').tolist(),
  'isin': np.isin(pos, sk).astype(int).tolist(), 'isinKeys': np.isin(sk, pos).astype(int).tolist(), 'ranges': loc.astype(int).tolist()}))
`, { pos, keys, sk: sortedKeys, starts, stops });
  const idx = sortedIndex(Int32Array.from(pos));
  keys.forEach((k, i) => {
    const [l, r] = [want.left[i], want.right[i]];
    if (l === r) assert.throws(() => idx.locateKey(k), KeyNotFoundError);
    else assert.deepEqual(idx.locateKey(k), r - l === 1 ? l : { start: l, stop: r }, `key ${k}`);
    if (r > l) assert.deepEqual(idx.locateRange(k, k), { start: l, stop: r });
  });
  const { loc, locOther } = idx.locateIntersection(sortedKeys);
  assert.deepEqual(list(loc), want.isin);
  assert.deepEqual(list(locOther), want.isinKeys);
  assert.deepEqual(list(idx.locateRanges(starts, stops, { strict: false })), want.ranges);
});

test("bad input gives typed errors: unsorted (first position named), NaN, non-numbers, 2-d, bad keys", () => {
  assert.throws(() => sortedIndex([2, 1, 3, 5]), (e: unknown) => e instanceof UnsortedIndexError && e.position === 1 && /value 1 \(1\) is less than value 0 \(2\)/.test(e.message));
  assert.throws(() => sortedIndex([4, 5, 3.7]), (e: unknown) => e instanceof UnsortedIndexError && e.position === 2);
  assert.throws(() => sortedIndex(Int32Array.from([1, 2, 2, 9, 8, 1])), (e: unknown) => e instanceof UnsortedIndexError && e.position === 4);
  assert.throws(() => sortedIndex([1, 2, 3], { name: "POS" }).locateKeys([3, 1]), /POS \(other\)/);
  assert.throws(() => sortedIndex([1, NaN, 3]), (e: unknown) => e instanceof SelectionError && /value 1 is NaN/.test(e.message));
  assert.throws(() => sortedIndex(Float64Array.from([NaN])), /NaN/);
  assert.throws(() => sortedIndex(["a", "b"] as unknown as number[]), (e: unknown) => e instanceof SelectionError && /value 0 is string/.test(e.message));
  assert.throws(() => sortedIndex(42 as unknown as number[]), SelectionError);
  assert.throws(() => sortedIndex(memorySource(fromValues(DT.int32, [2], [1, 2]), [1]) as unknown as number[]), /openSortedIndex/);
  assert.throws(() => sortedIndex(fromValues(DT.int32, [2, 2], [1, 2, 3, 4])), /1-d/);
  assert.throws(() => sortedIndex(fromValues(DT.bool, [2], [0, 1])), UnsupportedError);
  const idx = sortedIndex([1, 2, 3]);
  assert.throws(() => idx.locateKey(NaN), (e: unknown) => e instanceof SelectionError && !(e instanceof KeyNotFoundError));
  assert.throws(() => idx.locateKey("2" as unknown as number), SelectionError);
  assert.throws(() => idx.locateRange(NaN, 3), SelectionError);
  assert.throws(() => idx.intersectRange(1, "3" as unknown as number), SelectionError);
});
