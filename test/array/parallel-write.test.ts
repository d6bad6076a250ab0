/**
 * The parallel runtime under get/set: writes on the pool store exactly the bytes a
 * this-thread write stores (whole and partial chunks, edge chunks, F order, sharding, fill
 * chunks not stored, zero-copy encode from shared memory); sharded reads on the pool equal
 * this-thread reads and coalesce neighbouring inner-chunk ranges; concurrent partial writes
 * to one chunk lose nothing (and the same race without the per-key lock does lose data);
 * the decoded-chunk cache serves repeats and is invalidated by writes; results beyond one
 * typed array are refused before anything is allocated.
 */
import { after, test } from "node:test";
import { noise } from "../prng.js";
import assert from "node:assert/strict";
import { createMemoryStore } from "../../src/stores/memory.js";
import type { ByteRange, Store } from "../../src/stores/types.js";
import { createArray, openArray, type CreateArrayOptions } from "../../src/array/node.js";
import { get, set } from "../../src/array/access.js";
import { slice } from "../../src/array/selection.js";
import type { Selection } from "../../src/array/selection-types.js";
import { chunkKeyOf, readChunk, writeChunk } from "../../src/array/chunks.js";
import { createChunkCache } from "../../src/array/chunk-cache.js";
import { bytesOf } from "../../src/format/dtype.js";
import { SelectionError } from "../../src/format/errors.js";
import { createPool } from "../../src/runtime/pool.js";
import { keyedMutex } from "../../src/runtime/synchronizer.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());


async function storedBytes(s: Store): Promise<Map<string, string>> {
  const m = new Map<string, string>();
  for await (const k of s.list("")) m.set(k, Buffer.from((await s.get(k))!).toString("hex"));
  return m;
}

const cases: { name: string; opts: Omit<CreateArrayOptions, "shape" | "chunks">; chunks: number[]; shards?: number[] }[] = [
  { name: "v2 int16 blosc lz4", chunks: [8, 10], opts: { zarrFormat: 2, dtype: "<i2", fillValue: 0, compressor: { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 } } },
  { name: "v2 float64 F order zlib", chunks: [7, 4], opts: { zarrFormat: 2, dtype: "<f8", order: "F", fillValue: "NaN", compressor: { id: "zlib", level: 1 } } },
  { name: "v3 uint32 zstd", chunks: [5, 10], opts: { dtype: "uint32", fillValue: 3 } },
  { name: "v3 int8 sharded", chunks: [4, 5], shards: [8, 10], opts: { dtype: "int8", fillValue: -1 } },
  { name: "v3 complex64 gzip", chunks: [9, 3], opts: { dtype: "complex64", fillValue: [0, 0], compressors: [{ name: "gzip", configuration: { level: 1 } }] } },
];
const SHAPE = [37, 10];

test("writes on the pool store the same bytes as writes on this thread", async () => {
  for (const c of cases) {
    const stores = [createMemoryStore(), createMemoryStore()];
    const arrays = await Promise.all(stores.map((s) => createArray(s, "a", { ...c.opts, shape: SHAPE, chunks: c.chunks, shards: c.shards })));
    const whole = await get(arrays[0], undefined, { pool: null });
    const raw = bytesOf(whole.data);
    raw.set(noise(raw.length, c.name.length));
    // Some whole chunks equal the fill value (not stored), some are random.
    const writes: [Selection, "data" | "fill"][] = [
      [null, "data"], [[slice(0, 16), null], "fill"], [[slice(3, 30, 4), [9, 0, 4]], "data"], [[36, slice(2, 7)], "data"], [[slice(20, 37), null], "data"],
    ];
    const blank = await createArray(createMemoryStore(), "b", { ...c.opts, shape: SHAPE, chunks: c.chunks });
    for (const [sel, kind] of writes) {
      const fill = await get(blank, sel, { pool: null });
      const value = kind === "fill" ? fill : { data: sliceLike(whole, fill.shape), shape: fill.shape, dtype: whole.dtype };
      for (const [i, a] of arrays.entries()) await set(a, sel, value, { pool: i === 0 ? pool : null });
      assert.deepEqual(await storedBytes(stores[0]), await storedBytes(stores[1]), `${c.name}: after writing ${JSON.stringify(sel)}`);
    }
    const a = await get(arrays[0], undefined, { pool });
    const b = await get(arrays[1], undefined, { pool: null });
    assert.deepEqual(bytesOf(a.data), bytesOf(b.data), c.name);
  }
});

/** The first elements of `whole` as data of `shape` (any data of the right size does). */
function sliceLike(whole: { data: unknown; dtype: unknown }, shape: number[]): never {
  const n = shape.reduce((x, y) => x * y, 1);
  const d = whole.data as { subarray(a: number, b: number): unknown; length: number };
  const units = d.length / (SHAPE[0] * SHAPE[1]);
  return (d.subarray(0, n * units) as { slice(): never }).slice();
}

test("a whole-array write from shared memory encodes chunks in place and stores the same bytes", async () => {
  const opts: CreateArrayOptions = { dtype: "int32", shape: [40, 6], chunks: [8, 6], fillValue: 0 };
  const s1 = createMemoryStore(), s2 = createMemoryStore();
  const a1 = await createArray(s1, "x", { ...opts }), a2 = await createArray(s2, "x", { ...opts });
  const shared = new Int32Array(new SharedArrayBuffer(240 * 4));
  for (let i = 0; i < shared.length; i++) shared[i] = (i * 2654435761) | 0;
  const before = Int32Array.from(shared);
  await set(a1, null, { data: shared, shape: [40, 6], dtype: a1.meta.dtype }, { pool });
  await set(a2, null, { data: Int32Array.from(shared), shape: [40, 6], dtype: a2.meta.dtype }, { pool: null });
  assert.deepEqual(await storedBytes(s1), await storedBytes(s2));
  assert.deepEqual(shared, before, "the shared source is not modified");
  const back = await get(a1, undefined, { pool });
  assert.ok((back.data as Int32Array).buffer instanceof SharedArrayBuffer, "pool reads land in shared memory");
  assert.deepEqual(Int32Array.from(back.data as Int32Array), before);
});

/** A store whose reads are counted (with their ranges) and answered `ms` after the value was read (so readers race writers). */
function slowCounting(s: Store, ms: number): Store & { ranged: ByteRange[]; gets: number } {
  const w = {
    ...s,
    ranged: [] as ByteRange[],
    gets: 0,
    async get(key: string, range?: ByteRange) {
      w.gets++;
      if (range) w.ranged.push(range);
      const v = await s.get(key, range);
      if (ms) await new Promise((r) => setTimeout(r, ms));
      return v;
    },
  };
  return w;
}

test("sharded reads on the pool equal this-thread reads; neighbouring inner chunks are read together", async () => {
  const base = createMemoryStore();
  const a = await createArray(base, "s", { dtype: "uint16", shape: [30, 20], chunks: [5, 5], shards: [10, 20], fillValue: 9 });
  const data = new Uint16Array(600);
  for (let i = 0; i < 600; i++) data[i] = (i * 7919) & 0xffff;
  await set(a, null, { data, shape: [30, 20], dtype: a.meta.dtype }, { pool });
  for (const sel of [undefined, [slice(3, 27, 2), [19, 0, 7]], [12, slice(null)]] as Selection[]) {
    const x = await get(a, sel, { pool });
    const y = await get(a, sel, { pool: null });
    assert.deepEqual(bytesOf(x.data), bytesOf(y.data));
  }
  // A full read: 3 shards × 8 inner chunks. Each shard's index is one ranged read; its
  // inner chunks, adjacent in the shard, come in far fewer reads than 8 per shard.
  const counted = slowCounting(base, 0);
  const b = await openArray(counted, "s");
  const all = await get(b, undefined, { pool, maxInFlight: 24 });
  assert.deepEqual(Uint16Array.from(all.data as Uint16Array), data);
  const chunkReads = counted.ranged.filter((r) => !("suffix" in r)).length;
  assert.ok(chunkReads < 24, `inner chunks were coalesced: ${chunkReads} ranged reads for 24 inner chunks`);
});

test("concurrent partial writes to one chunk lose nothing; the same race without the lock does", async () => {
  const base = createMemoryStore();
  const slow = slowCounting(base, 5);
  const a = await createArray(slow, "c", { dtype: "int32", shape: [16], chunks: [16], fillValue: 0, compressors: [] });
  // Control: unlocked read-modify-write of the same chunk by 16 writers at once loses updates.
  await Promise.all(Array.from({ length: 16 }, async (_, i) => {
    const chunk = (await readChunk(a, [0])) ?? { data: new Int32Array(16), shape: [16], dtype: a.meta.dtype };
    (chunk.data as Int32Array)[i] = i + 1;
    await writeChunk(a, [0], chunk);
  }));
  const lost = Int32Array.from((await get(a, undefined, { pool: null })).data as Int32Array).filter((v) => v !== 0).length;
  assert.ok(lost < 16, `the unlocked race loses updates (kept ${lost} of 16)`);
  await base.delete(chunkKeyOf(a, [0]));
  // Through set (in-process lock per key), on the pool and on this thread.
  for (const p of [pool, null]) {
    await base.delete(chunkKeyOf(a, [0]));
    await Promise.all(Array.from({ length: 16 }, (_, i) => set(a, [i], i + 1, { pool: p })));
    assert.deepEqual([...((await get(a, undefined, { pool: null })).data as Int32Array)], Array.from({ length: 16 }, (_, i) => i + 1));
  }
  // A second array object over the same store shares the lock.
  await base.delete(chunkKeyOf(a, [0]));
  const twin = await openArray(slow, "c");
  await Promise.all(Array.from({ length: 16 }, (_, i) => set(i % 2 ? twin : a, [i], i + 1, { pool: null })));
  assert.equal(Int32Array.from((await get(a, undefined, { pool: null })).data as Int32Array).filter((v) => v !== 0).length, 16);
});

test("keyedMutex: same key waits in order, other keys do not, release is idempotent", async () => {
  const m = keyedMutex();
  const order: string[] = [];
  const r1 = await m.lock("k");
  const p2 = m.lock("k").then((r) => { order.push("second"); return r; });
  const r3 = await m.lock("other");
  order.push("other");
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(order, ["other"]);
  await r1();
  await r1();
  const r2 = await p2;
  assert.deepEqual(order, ["other", "second"]);
  await r2();
  await r3();
  const r4 = await m.lock("k");
  await r4();
});

test("the decoded-chunk cache serves repeated reads, is bounded, and writes invalidate it", async () => {
  const base = createMemoryStore();
  const counted = slowCounting(base, 0);
  const cache = createChunkCache({ maxBytes: 3 * 400 * 4 });
  const a = await createArray(counted, "k", { dtype: "float32", shape: [100, 20], chunks: [20, 20], fillValue: 0, cache });
  const data = Float32Array.from({ length: 2000 }, (_, i) => i / 3);
  await set(a, null, { data, shape: [100, 20], dtype: a.meta.dtype });
  for (const p of [pool, null]) {
    cache.clear();
    counted.gets = 0;
    const sel: Selection = [slice(0, 40), null];
    const first = await get(a, sel, { pool: p });
    const gets = counted.gets;
    const again = await get(a, sel, { pool: p });
    assert.equal(counted.gets, gets, "the repeat read touched no store");
    assert.deepEqual(bytesOf(again.data), bytesOf(first.data));
    assert.ok(cache.bytes() <= cache.maxBytes);
  }
  await get(a, undefined, { pool });
  assert.equal(cache.stats().entries, 3, "LRU keeps only what fits");
  await set(a, [5, 5], 42);
  const v = await get(a, [5, 5], { pool: null });
  assert.equal((v.data as Float32Array)[0], 42, "a write drops the stale cached chunk");
});

test("a result larger than one typed array is refused before allocating, pointing to streaming", async () => {
  const a = await createArray(createMemoryStore(), "big", { dtype: "uint8", shape: [2 ** 32 + 5], chunks: [2 ** 20], fillValue: 0 });
  for (const p of [pool, null]) await assert.rejects(get(a, undefined, { pool: p }), (e: unknown) => e instanceof SelectionError && /stream it/.test(e.message));
  const part = await get(a, [slice(2 ** 32, 2 ** 32 + 5)]);
  assert.deepEqual([...(part.data as Uint8Array)], [0, 0, 0, 0, 0]);
});
