/** memorySource and the grid helpers: exact chunks (ragged edges, 0-d, one element, int64/float64), zero-copy views, errors. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { NDArray } from "../../src/codecs/types.js";
import { bytesOf, toDataType, viewAs, type DataType } from "../../src/format/dtype.js";
import { SelectionError, UnsupportedError } from "../../src/format/errors.js";
import {
  checkChunkShape, chunkBox, chunkCoords, chunkCount, chunkGrid, isContiguousBox, isShared, memorySource, rowBlockChunks,
} from "../../src/sources/index.js";
import { elementBytes } from "../../src/sources/types.js";
import { checkAllChunks } from "./expect.js";

/** An NDArray of `shape` whose bytes are a counter (distinct in every byte position), optionally in a SharedArrayBuffer. */
function counting(dtype: DataType, shape: number[], shared = false): NDArray {
  const n = shape.reduce((a, b) => a * b, 1) * elementBytes(dtype);
  const bytes = new Uint8Array(shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  for (let i = 0; i < n; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  return { data: viewAs(dtype, bytes), shape, dtype };
}

test("grid helpers: counts, boxes clipped at the edges, C-order coordinates, lazily", () => {
  const g = { shape: [10, 7, 3], chunkShape: [4, 7, 2], name: "g" };
  assert.deepEqual(chunkGrid(g), [3, 1, 2]);
  assert.equal(chunkCount(g), 6);
  assert.deepEqual(chunkBox(g, [2, 0, 1]), { start: [8, 0, 2], shape: [2, 7, 1] });
  assert.deepEqual([...chunkCoords(g)], [[0, 0, 0], [0, 0, 1], [1, 0, 0], [1, 0, 1], [2, 0, 0], [2, 0, 1]]);
  assert.deepEqual([...chunkCoords({ shape: [], chunkShape: [] })], [[]], "a 0-d array has one chunk");
  assert.deepEqual([...chunkCoords({ shape: [0, 5], chunkShape: [3, 5] })], [], "an empty array has none");
  // Lazy: a grid of 10^12 chunks yields its first coordinates at once.
  const it = chunkCoords({ shape: [1e6, 1e6], chunkShape: [1, 1] });
  assert.deepEqual([it.next().value, it.next().value], [[0, 0], [0, 1]]);
  assert.throws(() => chunkBox(g, [3, 0, 0]), (e: unknown) => e instanceof SelectionError && /g: chunk \[3,0,0\]/.test(e.message));
  assert.throws(() => chunkBox(g, [0, 0]), SelectionError);
  assert.throws(() => chunkBox(g, [0.5, 0, 0]), SelectionError);
});

test("rowBlockChunks: whole trailing dimensions, ~target bytes, contiguous", () => {
  assert.deepEqual(rowBlockChunks([1_000_000, 765, 2], 1, 16 * 2 ** 20), [10965, 765, 2]);
  assert.deepEqual(rowBlockChunks([20, 3], 8), [20, 3]);
  assert.deepEqual(rowBlockChunks([4, 5, 1000], 8, 4000), [1, 1, 500], "a row larger than the target is cut too");
  assert.deepEqual(rowBlockChunks([0, 3], 4), [1, 3], "chunk lengths stay >= 1");
  assert.deepEqual(rowBlockChunks([], 8), []);
  assert.ok(isContiguousBox([10, 4, 3], [1, 2, 3]) && isContiguousBox([10, 4, 3], [5, 4, 3]) && !isContiguousBox([10, 4, 3], [2, 2, 3]));
});

test("every chunk equals the same box of the data: ragged edges, several dtypes", async () => {
  for (const [dt, shape, chunks] of [
    ["int16", [7, 5], [3, 2]],
    ["int64", [5, 3, 4], [2, 3, 3]],
    ["float64", [9], [4]],
    ["uint8", [3, 4, 5], [1, 4, 5]],
    ["bool", [6, 6], [4, 4]],
    ["float16", [5, 3], [2, 2]],
    ["complex128", [4, 3], [3, 2]],
  ] as const) {
    const dtype = toDataType(dt);
    for (const shared of [false, true]) {
      const a = counting(dtype, [...shape], shared);
      const src = memorySource(a, [...chunks], { name: `mem-${dt}` });
      assert.equal(src.name, `mem-${dt}`);
      await checkAllChunks(src, bytesOf(a.data), elementBytes(dtype));
    }
  }
});

test("0-d and one-element arrays; int64 beyond 2^53 and float64 NaN payloads stay bit-exact", async () => {
  const s = memorySource({ data: new BigInt64Array([-(2n ** 63n)]), shape: [], dtype: toDataType("int64") }, []);
  assert.deepEqual([...(await s.read([])).data as BigInt64Array], [-(2n ** 63n)]);
  const one = memorySource({ data: new BigUint64Array([2n ** 64n - 1n]), shape: [1], dtype: toDataType("uint64") }, [5]);
  const c = await one.read([0]);
  assert.deepEqual([c.shape, [...c.data as BigUint64Array]], [[1], [2n ** 64n - 1n]]);
  const f = new Float64Array([1, 2, 3]);
  new DataView(f.buffer).setBigUint64(8, 0x7ff8_dead_beef_0001n, true);
  const fs = memorySource({ data: f, shape: [3], dtype: toDataType("float64") }, [2]);
  const got = bytesOf((await fs.read([0])).data);
  assert.equal(new DataView(got.buffer, got.byteOffset).getBigUint64(8, true), 0x7ff8_dead_beef_0001n);
  assert.equal(chunkCount(memorySource({ data: new Int32Array(0), shape: [0, 3], dtype: toDataType("int32") }, [2, 3])), 0);
});

test("row-block chunks of shared data are zero-copy views; others are fresh shared copies", async () => {
  const dtype = toDataType("float64");
  const shared = counting(dtype, [10, 4], true);
  const rows = memorySource(shared, [3, 4]);
  const c = await rows.read([1, 0]);
  const buf = (shared.data as Float64Array).buffer;
  assert.equal((c.data as Float64Array).buffer, buf, "view of the source's buffer");
  assert.equal((c.data as Float64Array).byteOffset, 3 * 4 * 8);
  const cols = await memorySource(shared, [3, 3]).read([0, 0]);
  assert.notEqual((cols.data as Float64Array).buffer, buf);
  assert.ok(isShared(cols.data));
  const plain = await memorySource(counting(dtype, [10, 4]), [3, 4]).read([0, 0]);
  assert.ok(isShared(plain.data), "ordinary memory is copied into shared memory");
  // Default chunk shape: row blocks (the whole of this small array).
  assert.deepEqual(memorySource(shared).chunkShape, [10, 4]);
});

test("typed errors for bad input", async () => {
  const i32 = toDataType("int32");
  assert.throws(() => memorySource({ data: ["a"], shape: [1], dtype: { kind: "string" } }, [1]), UnsupportedError);
  assert.throws(() => memorySource({ data: new Int32Array(5), shape: [2, 3], dtype: i32 }, [1, 1]), SelectionError);
  assert.throws(() => memorySource({ data: new Int32Array(6), shape: [2, 3], dtype: i32 }, [1]), SelectionError);
  assert.throws(() => memorySource({ data: new Int32Array(6), shape: [2, 3], dtype: i32 }, [1, -1]), SelectionError);
  assert.throws(() => memorySource({ data: new Int32Array(6), shape: [2, -3], dtype: i32 }, [1, 1]), SelectionError);
  assert.throws(() => checkChunkShape([2 ** 20, 2 ** 20], [2 ** 20, 2 ** 20], "huge"), (e: unknown) => e instanceof SelectionError && /huge: .*more than/.test(e.message));
  assert.deepEqual(checkChunkShape([2 ** 40, 2 ** 40], [3, 4], "clipped"), [2 ** 40, 2 ** 40], "a chunk larger than the array is clipped, not refused");
  const src = memorySource({ data: new Int32Array(6), shape: [2, 3], dtype: i32 }, [1, 2]);
  await assert.rejects(src.read([2, 0]), SelectionError);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(src.read([0, 0], { signal: ac.signal }), { name: "AbortError" });
});
