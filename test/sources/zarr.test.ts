/** zarrSource over arrays in a memory store: exact chunks (ragged edges, overrides, 0-d, one element, int64/float64, fill), shared memory, errors. */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { set } from "../../src/array/access.js";
import { createArray, type CreateArrayOptions } from "../../src/array/node.js";
import { slice } from "../../src/array/selection.js";
import { bytesOf, viewAs } from "../../src/format/dtype.js";
import { SelectionError, UnsupportedError } from "../../src/format/errors.js";
import { createPool } from "../../src/runtime/pool.js";
import { createMemoryStore } from "../../src/stores/memory.js";
import { chunkGrid, zarrSource } from "../../src/sources/index.js";
import { elementBytes } from "../../src/sources/types.js";
import { checkAllChunks } from "./expect.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());

/** Bytes with a distinct pattern, `n` of them. */
function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + (i >> 7)) & 0xff;
  return b;
}

/** Create an array holding `pattern` bytes (bool: 0/1) and return it with those bytes. */
async function filled(path: string, o: CreateArrayOptions) {
  const arr = await createArray(createMemoryStore(), path, o);
  const bytes = pattern(o.shape.reduce((a, b) => a * b, 1) * elementBytes(arr.meta.dtype));
  if (arr.meta.dtype.kind === "bool") bytes.forEach((v, i) => { bytes[i] = v & 1; });
  await set(arr, undefined, viewAs(arr.meta.dtype, bytes));
  return { arr, bytes };
}

test("default grid = the stored chunks; every chunk exact, ragged edges, with and without a pool", async () => {
  for (const o of [
    { shape: [13, 7], chunks: [4, 3], dtype: "int64" },
    { shape: [13, 7], chunks: [4, 3], dtype: "<f8", zarrFormat: 2 as const },
    { shape: [11, 5], chunks: [4, 5], dtype: ">f8", zarrFormat: 2 as const },
    { shape: [10, 5, 2], chunks: [3, 2, 2], dtype: "int8" },
    { shape: [9, 4], chunks: [4, 3], dtype: "bool" },
    { shape: [6, 5], chunks: [4, 2], dtype: "uint16", zarrFormat: 2 as const, order: "F" as const },
  ]) {
    const { arr, bytes } = await filled("g/a", o);
    const src = zarrSource(arr);
    assert.deepEqual(src.chunkShape, o.chunks);
    assert.equal(src.name, "memory://#g/a");
    assert.deepEqual(src.dtype, arr.meta.dtype);
    await checkAllChunks(src, bytes, elementBytes(src.dtype), { pool });
    await checkAllChunks(src, bytes, elementBytes(src.dtype));
  }
});

test("larger chunks spanning many stored chunks, multiples or not", async () => {
  const { arr, bytes } = await filled("a", { shape: [50, 9], chunks: [5, 3], dtype: "float64" });
  for (const chunks of [[20, 9], [7, 4], [100, 100], [1, 1]]) {
    const src = zarrSource(arr, { chunks });
    assert.deepEqual(src.chunkShape, chunks);
    await checkAllChunks(src, bytes, 8, { pool });
  }
});

test("0-d and one-element arrays, missing chunks read as the fill value", async () => {
  const s = await createArray(createMemoryStore(), "s", { shape: [], dtype: "int64", fillValue: 0 });
  await set(s, undefined, new BigInt64Array([-(2n ** 62n) - 3n]));
  const src = zarrSource(s);
  assert.deepEqual([src.shape, src.chunkShape, chunkGrid(src)], [[], [], []]);
  const c = await src.read([], { pool });
  assert.deepEqual([c.shape, [...c.data as BigInt64Array]], [[], [-(2n ** 62n) - 3n]]);

  const one = await createArray(createMemoryStore(), "", { shape: [1], chunks: [1], dtype: "float64", fillValue: 2.5 });
  assert.equal(zarrSource(one).name, "memory://");
  assert.deepEqual([...(await zarrSource(one).read([0])).data as Float64Array], [2.5], "never written: fill value");

  const part = await createArray(createMemoryStore(), "p", { shape: [10], chunks: [3], dtype: "int32", fillValue: 7 });
  await set(part, slice(3, 6), new Int32Array([1, 2, 3]));
  const ps = zarrSource(part, { chunks: [4] });
  const got: number[] = [];
  for (let i = 0; i < 3; i++) got.push(...(await ps.read([i], { pool })).data as Int32Array);
  assert.deepEqual(got, [7, 7, 7, 1, 2, 3, 7, 7, 7, 7]);
});

test("sharded arrays: the default grid is the shard shape", async () => {
  const { arr, bytes } = await filled("sh", { shape: [12, 6], chunks: [2, 3], shards: [4, 6], dtype: "int32" });
  const src = zarrSource(arr);
  assert.deepEqual(src.chunkShape, [4, 6]);
  await checkAllChunks(src, bytes, 4, { pool });
});

test("typed errors", async () => {
  const strs = await createArray(createMemoryStore(), "s", { shape: [3], dtype: "string" });
  assert.throws(() => zarrSource(strs), UnsupportedError);
  const { arr } = await filled("a", { shape: [4, 4], chunks: [2, 2], dtype: "uint8" });
  assert.throws(() => zarrSource(arr, { chunks: [2] }), SelectionError);
  assert.throws(() => zarrSource(arr, { chunks: [2, 0] }), SelectionError);
  await assert.rejects(zarrSource(arr).read([2, 0]), (e: unknown) => e instanceof SelectionError && /memory:\/\/#a/.test(e.message));
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(zarrSource(arr).read([0, 0], { signal: ac.signal }), { name: "AbortError" });
  assert.equal(bytesOf((await zarrSource(arr).read([1, 1])).data).length, 4);
});
