/**
 * get / getPoints on a pool give exactly what they give on this thread (v2 and v3, several
 * codecs incl. blosc, F order, edge chunks, missing chunks with fill values, orthogonal and
 * point selections), with the output in shared memory; a corrupt chunk rejects naming its key
 * and the pool keeps working; abort rejects and leaves nothing running.
 */
import { after, test } from "node:test";
import { noise } from "../prng.js";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openFsStore } from "../../src/stores/fs.js";
import { openArray } from "../../src/array/node.js";
import assert from "node:assert/strict";
import { createMemoryStore } from "../../src/stores/memory.js";
import type { Store } from "../../src/stores/types.js";
import { createArray, type CreateArrayOptions, type ZarrArray } from "../../src/array/node.js";
import { get, getPoints, set } from "../../src/array/access.js";
import { slice } from "../../src/array/selection.js";
import type { Selection } from "../../src/array/selection-types.js";
import { bytesOf } from "../../src/format/dtype.js";
import { ZarrError } from "../../src/format/errors.js";
import { createPool } from "../../src/runtime/pool.js";
import type { NDArray } from "../../src/codecs/types.js";
import { chunkKeyOf } from "../../src/array/chunks.js";
import { registerCodec } from "../../src/codecs/registry.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());


const SHAPE = [13, 11];
const CHUNKS = [4, 5];

interface Case { name: string; opts: Omit<CreateArrayOptions, "shape" | "chunks"> }
const cases: Case[] = [
  { name: "v2 int16 blosc lz4 shuffle", opts: { zarrFormat: 2, dtype: "<i2", fillValue: -3, compressor: { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 } } },
  { name: "v2 float64 F order zlib", opts: { zarrFormat: 2, dtype: "<f8", order: "F", fillValue: "NaN", compressor: { id: "zlib", level: 1 } } },
  { name: "v2 big-endian uint32 F order blosc zstd bitshuffle", opts: { zarrFormat: 2, dtype: ">u4", order: "F", fillValue: 7, compressor: { id: "blosc", cname: "zstd", clevel: 3, shuffle: 2 } } },
  { name: "v2 S3 no compressor", opts: { zarrFormat: 2, dtype: "|S3", compressor: null } },
  { name: "v2 int64 delta + zstd", opts: { zarrFormat: 2, dtype: "<i8", fillValue: 0, filters: [{ id: "delta", dtype: "<i8" }], compressor: { id: "zstd", level: 1 } } },
  { name: "v3 float32 transpose + blosc + crc32c", opts: { dtype: "float32", fillValue: 1.5, codecs: [
    { name: "transpose", configuration: { order: [1, 0] } },
    { name: "bytes", configuration: { endian: "big" } },
    { name: "blosc", configuration: { cname: "zstd", clevel: 3, shuffle: "bitshuffle", typesize: 4, blocksize: 0 } },
    { name: "crc32c", configuration: {} },
  ] } },
  { name: "v3 complex128 gzip", opts: { dtype: "complex128", fillValue: [1, -2], compressors: [{ name: "gzip", configuration: { level: 1 } }] } },
  { name: "v3 float16 zstd", opts: { dtype: "float16", fillValue: -0.0 } },
  { name: "v3 bool", opts: { dtype: "bool", fillValue: true, compressors: [] } },
];

const selections: [string, Selection][] = [
  ["everything", undefined],
  ["slices with steps", [slice(1, 12, 3), slice(10, 0, -2)]],
  ["an integer and a slice", [6, slice(2, 9)]],
  ["orthogonal index arrays", [[12, 0, 5, 5, 3], Int32Array.from([10, 1, 4])]],
  ["a mask and a slice", [{ mask: Array.from({ length: 13 }, (_, i) => i % 3 !== 1) }, slice(null, null, 4)]],
  ["one element", [12, 10]],
  ["empty", [slice(3, 3), null]],
];

const POINTS: number[][] = [[0, 12, 7, 3, 12, 8], [0, 10, 4, 9, 10, 0]];

/** Chunks deleted after writing: an inner one, one in the edge row, and the corner (edge in both dims). */
const MISSING = [[0, 1], [2, 0], [3, 2]];

async function build(c: Case, store: Store = createMemoryStore()): Promise<ZarrArray> {
  const a = await createArray(store, "a", { ...c.opts, shape: SHAPE, chunks: CHUNKS });
  const full = await get(a); // fill-valued: gives the container type and length
  const raw = bytesOf(full.data);
  raw.set(noise(raw.length, c.name.length * 7919 + 1));
  if (a.meta.dtype.kind === "bool") for (let i = 0; i < raw.length; i++) raw[i] &= 1;
  await set(a, null, full);
  for (const coords of MISSING) await store.delete(chunkKeyOf(a, coords));
  return a;
}

function assertSame(actual: NDArray, expected: NDArray, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, what);
  assert.deepEqual(actual.dtype, expected.dtype, what);
  assert.equal(actual.data.constructor, expected.data.constructor, what);
  assert.deepEqual(bytesOf(actual.data), bytesOf(expected.data), what);
}

test("getParallel equals get for every case × selection; getPointsParallel equals getPoints", async () => {
  let checked = 0;
  for (const c of cases) {
    const a = await build(c);
    // The whole read: every chunk goes through the executor, stored ones through the pool;
    // missing chunks read as the fill value, stored ones do not.
    const seen: string[] = [];
    const whole = await get(a, undefined, { pool, onProgress: (p) => seen.push(`${p.done}/${p.total}`) });
    assert.deepEqual(seen.at(-1), "12/12");
    const elem = bytesOf(whole.data).length / (13 * 11);
    const at = (r: number, c: number) => bytesOf(whole.data).slice((r * 11 + c) * elem, (r * 11 + c + 1) * elem);
    assert.deepEqual(at(0, 5), at(12, 10), `${c.name}: two missing chunks read the same fill`);
    assert.deepEqual(at(0, 5), at(9, 3), c.name);
    assert.notDeepEqual([at(0, 0), at(5, 6), at(12, 6)].map((b) => b.join()), [0, 1, 2].map(() => at(0, 5).join()), `${c.name}: stored chunks are not fill`);
    for (const [sname, sel] of selections) {
      const par = await get(a, sel, { pool });
      assert.ok((par.data as unknown as { buffer: ArrayBufferLike }).buffer instanceof SharedArrayBuffer, "output lives in shared memory");
      assertSame(par, await get(a, sel), `${c.name}: ${sname}`);
      checked++;
    }
    assertSame(await getPoints(a, POINTS, { pool }), await getPoints(a, POINTS), `${c.name}: points`);
    checked++;
  }
  assert.equal(checked, cases.length * (selections.length + 1));
});

test("variable-length and sharded arrays fall back to get with the same result", async () => {
  const s = createMemoryStore();
  const str = await createArray(s, "s", { shape: [7], chunks: [3], dtype: "string", fillValue: "" });
  await set(str, [slice(0, 5)], ["a", "bé", "", "ccc", "d"]);
  assert.deepEqual((await get(str, [[4, 0, 6]], { pool })).data, ["d", "a", ""]);
  const sh = await createArray(s, "sh", { shape: [10, 10], chunks: [2, 5], shards: [4, 10], dtype: "int32", fillValue: -1 });
  await set(sh, [slice(0, 5), null], Int32Array.from({ length: 50 }, (_, i) => i * 3));
  const par = await get(sh, [slice(1, 9), [9, 0]], { pool });
  assertSame(par, await get(sh, [slice(1, 9), [9, 0]]), "sharded");
  assert.deepEqual([...(par.data as Int32Array)].slice(0, 4), [57, 30, 87, 60]);
});

test("a corrupt chunk rejects naming its key; the pool keeps working afterwards", async () => {
  const s = createMemoryStore();
  const a = await build(cases[0], s);
  const bad = chunkKeyOf(a, [1, 1]);
  const stored = (await s.get(bad))!;
  await s.set(bad, stored.slice(0, stored.length - 9)); // truncated blosc frame
  await assert.rejects(get(a, undefined, { pool }), (e: unknown) => {
    assert.ok(e instanceof ZarrError, String(e));
    assert.equal(e.key, bad);
    assert.match(e.message, new RegExp(bad.replace(".", "\\.")));
    return true;
  });
  assert.equal(pool.pending(), 0);
  const good = await build(cases[5]);
  assertSame(await get(good, undefined, { pool }), await get(good), "after the failure");
  // A codec that fails to configure in the worker also names the chunk key.
  const s2 = createMemoryStore();
  const z = await createArray(s2, "z", { zarrFormat: 2, shape: [4], chunks: [2], dtype: "<i4", compressor: { id: "zlib", level: 1 } });
  await set(z, null, Int32Array.from([1, 2, 3, 4]));
  await s2.set("z/1", new Uint8Array([1, 2, 3]));
  await assert.rejects(get(z, undefined, { pool }), (e: unknown) => e instanceof ZarrError && e.key === "z/1");
});

test("abort rejects with AbortError and leaves no task queued or running", async () => {
  const s = createMemoryStore();
  const a = await createArray(s, "big", { shape: [400, 400], chunks: [20, 20], dtype: "float64", compressors: [{ name: "gzip", configuration: { level: 6 } }] });
  await set(a, null, Float64Array.from({ length: 160_000 }, (_, i) => Math.sin(i)));
  const ac = new AbortController();
  let progressed = 0;
  await assert.rejects(
    get(a, undefined, { pool, signal: ac.signal, onProgress: (p) => { progressed = p.done; if (p.done === 3) ac.abort(); } }),
    (e: Error) => e.name === "AbortError",
  );
  assert.ok(progressed < 400, `stopped early (${progressed} of 400 chunks)`);
  assert.equal(pool.pending(), 0, "nothing left in the pool");
  await assert.rejects(get(a, undefined, { pool, signal: AbortSignal.abort() }), (e: Error) => e.name === "AbortError");
  // The pool still serves reads (threads killed by the abort are replaced).
  assertSame(await get(a, [slice(17, 123), 5], { pool }), await get(a, [slice(17, 123), 5]), "after abort");
});

test("a codec registered on the main thread is found by the workers", async () => {
  const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
  registerCodec("test.xor", { module: new URL(`./xor-codec.${ext}`, import.meta.url).href, export: "xorCodec" }, { v3: true, v2: false });
  const s = createMemoryStore();
  const a = await createArray(s, "x", { shape: [9, 7], chunks: [4, 4], dtype: "uint16", fillValue: 3, codecs: [
    { name: "bytes", configuration: { endian: "little" } }, { name: "test.xor", configuration: { key: 90 } },
  ] });
  await set(a, [slice(0, 5), null], Uint16Array.from({ length: 35 }, (_, i) => i * 257));
  const stored = (await s.get("x/c/0/0"))!;
  assert.equal(stored[0] ^ stored[1], 0, "element 0 is 0: both bytes equal the key"); // sanity: xor applied
  assert.equal(stored[0], 90);
  const par = await get(a, [slice(2, 9), [6, 0]], { pool });
  assert.deepEqual([...(par.data as Uint16Array)], [20, 14, 27, 21, 34, 28, 3, 3, 3, 3, 3, 3, 3, 3].map((v, i) => (i < 6 ? v * 257 : v)));
  assertSame(par, await get(a, [slice(2, 9), [6, 0]]), "user codec");
});

test("an array written by zarr-python 2 (blosc, F order, missing chunks) reads as numpy has it", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-par-"));
  try {
    execFileSync(process.env.PYTHON ?? "/usr/bin/python3", ["-c", `
import sys, numpy as np, zarr, numcodecs
d = sys.argv[1]
z = zarr.open(d + "/a.zarr", mode="w", shape=(23, 17), chunks=(5, 4), dtype="<f4", order="F", fill_value=-1.5,
              compressor=numcodecs.Blosc("zstd", 3, shuffle=numcodecs.Blosc.BITSHUFFLE))
z[:15, :] = (np.arange(15 * 17, dtype="<f4").reshape(15, 17) * 0.5 - 20)
open(d + "/all.bin", "wb").write(z[:].tobytes())
open(d + "/o.bin", "wb").write(z.oindex[[22, 3, 3, 14], [16, 0, 9]].tobytes())
`, dir]);
    const a = await openArray(await openFsStore(dir), "a.zarr");
    const all = await get(a, undefined, { pool });
    assert.deepEqual(bytesOf(all.data), new Uint8Array(fs.readFileSync(path.join(dir, "all.bin"))));
    const o = await get(a, [[22, 3, 3, 14], [16, 0, 9]], { pool });
    assert.deepEqual(o.shape, [4, 3]);
    assert.deepEqual(bytesOf(o.data), new Uint8Array(fs.readFileSync(path.join(dir, "o.bin"))));
    assert.equal((all.data as Float32Array)[22 * 17], -1.5);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
