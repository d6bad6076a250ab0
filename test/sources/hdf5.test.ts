/**
 * hdf5Source against h5py: small files written by make-hdf5.py (gzip/shuffle chunked
 * datasets with ragged edges, big-endian types, every integer width, float16/32/64, bool,
 * a contiguous dataset, 0-d, one element, empty, an enum, a nested group path); every chunk
 * is compared byte for byte with the values h5py wrote. Also: reads run in two threads of a
 * 2-thread pool, typed errors, and a rewritten file.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { bytesOf, dtypeName } from "../../src/format/dtype.js";
import { NodeNotFoundError, SelectionError, StoreError, UnsupportedError } from "../../src/format/errors.js";
import { createPool, type ChunkPool } from "../../src/runtime/pool.js";
import { chunkGrid, HDF5_KERNELS, hdf5Source, type Hdf5ReadReport } from "../../src/sources/index.js";
import { allocateShared, elementBytes } from "../../src/sources/types.js";
import { boxBytes, checkAllChunks } from "./expect.js";
import { H5PY_SKIP, makeH5pyData, PYTHON, type Entry } from "./h5py-data.js";

const skip = H5PY_SKIP;

let dir = "";
let pool: ChunkPool;
let manifest: Entry[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), "zarrflow-hdf5-src-"));
  pool = createPool({ threads: 2 });
  if (skip) return;
  manifest = makeH5pyData(dir);
});

after(async () => {
  await pool.destroy();
  rmSync(dir, { recursive: true, force: true });
});


test("every chunk of every dataset equals what h5py wrote (HDF5 chunking as the grid)", { skip }, async () => {
  assert.ok(manifest.length >= 16);
  for (const e of manifest.filter((m) => m.file !== null)) {
    const src = await hdf5Source(`${join(dir, "data.h5")}#${e.path}`, { pool });
    assert.deepEqual(src.shape, e.shape, e.path);
    assert.equal(dtypeName(src.dtype), e.dtype, e.path);
    assert.deepEqual(src.hdf5Chunks, e.chunks, e.path);
    if (e.chunks) assert.deepEqual(src.chunkShape, e.chunks, `${e.path}: the HDF5 chunking is the default grid`);
    const all = readFileSync(join(dir, e.file!));
    const n = await checkAllChunks(src, all, elementBytes(src.dtype));
    assert.equal(n, chunkGrid(src).reduce((a, b) => a * b, 1));
  }
});

test("0-d, one-element, empty and contiguous datasets", { skip }, async () => {
  const file = join(dir, "data.h5");
  const scalar = await hdf5Source(file, "scalar", { pool });
  assert.deepEqual([scalar.shape, scalar.chunkShape], [[], []]);
  const v = await scalar.read([]);
  assert.deepEqual([...(v.data as Int32Array)], [-123456]);
  const one = await hdf5Source(file, "/one/", { pool });
  assert.deepEqual([...(await one.read([0])).data as BigInt64Array], [2n ** 62n + 1n]);
  const empty = await hdf5Source(file, "empty", { pool });
  assert.deepEqual(chunkGrid(empty), [0, 2]);
  const contiguous = await hdf5Source(file, "contiguous", { pool });
  assert.equal(contiguous.hdf5Chunks, null);
  assert.deepEqual(contiguous.chunkShape, [20, 3], "a small contiguous dataset is one row block");
});

test("an integer enum reads as its base integers; h5py's bool as bool; filters are reported", { skip }, async () => {
  const file = join(dir, "data.h5");
  const e = await hdf5Source(file, "enum", { pool });
  assert.equal(dtypeName(e.dtype), "int16");
  assert.deepEqual([...(await e.read([0])).data as Int16Array], [0, 42, 1, 1]);
  const b = await hdf5Source(file, "bool", { pool });
  assert.deepEqual(b.dtype, { kind: "bool" });
  assert.deepEqual((await hdf5Source(file, "ints/i32", { pool })).filters, ["shuffle", "deflate"]);
});

test("a chunks override spanning several (and partial) HDF5 chunks", { skip }, async () => {
  for (const [path, chunks] of [["a/b/c/int16_be", [8, 7]], ["a/b/c/int16_be", [5, 2]], ["floats/f64", [5, 4, 3]], ["ints/i8", [100, 100, 100]]] as const) {
    const src = await hdf5Source(join(dir, "data.h5"), path, { pool, chunks: [...chunks] });
    assert.deepEqual(src.chunkShape, chunks);
    await checkAllChunks(src, readFileSync(join(dir, `${path.replaceAll("/", "__")}.bin`)), elementBytes(src.dtype));
  }
});

test("with a 2-thread pool, HDF5 reads run in two different threads", { skip }, async () => {
  const file = join(dir, "data.h5");
  const src = await hdf5Source(file, "ints/i8", { pool });
  // Call the source's own read kernel directly: its report names the thread.
  const threads = new Set<number>();
  const all = readFileSync(join(dir, "ints__i8.bin"));
  await Promise.all(Array.from({ length: 24 }, async (_, i) => {
    const start = [i % 10, 0, 0];
    const count = [1, 5, 2];
    const out = bytesOf(allocateShared(src.dtype, 10));
    const r = await pool.kernel<{ ok: true; value: Hdf5ReadReport }>(HDF5_KERNELS.readInto, { file: src.file, dataset: src.dataset, shape: src.shape, start, count, out });
    assert.ok(r.ok);
    assert.equal(r.value.bytes, 10);
    assert.ok(Buffer.from(out).equals(boxBytes(all, src.shape, 1, start, count)));
    threads.add(r.value.threadId);
  }));
  assert.equal(threads.size, 2, `reads ran in threads ${[...threads].join(", ")}`);
  assert.ok(![...threads].includes(0), "no read ran on the main thread");
});

test("typed errors name the file and dataset", { skip }, async () => {
  const file = join(dir, "data.h5");
  const other = join(dir, "other.h5");
  await assert.rejects(hdf5Source(join(dir, "missing.h5"), "x", { pool }), (e: unknown) => e instanceof StoreError && /missing\.h5#x/.test(e.message) && /no such file/.test(e.message));
  writeFileSync(join(dir, "text.h5"), "not hdf5 at all\n".repeat(100));
  await assert.rejects(hdf5Source(join(dir, "text.h5"), "x", { pool }), (e: unknown) => e instanceof StoreError && /not an HDF5 file/.test(e.message));
  await assert.rejects(hdf5Source(dir, "x", { pool }), StoreError);
  await assert.rejects(hdf5Source(file, "ints/nope", { pool }), (e: unknown) => e instanceof NodeNotFoundError && /data\.h5#ints\/nope/.test(e.message));
  await assert.rejects(hdf5Source(file, "a/b", { pool }), (e: unknown) => e instanceof NodeNotFoundError && /is a group/.test(e.message));
  await assert.rejects(hdf5Source(file, "", { pool }), NodeNotFoundError);
  await assert.rejects(hdf5Source(file, { pool }), NodeNotFoundError, "a location without #dataset");
  for (const [path, what] of [["strings", /variable-length|string/], ["fixed_strings", /string/], ["compound", /compound/], ["complex", /compound/], ["null", /null dataspace/], ["lzf", /HDF5 filter: lzf \(id 32000\)/]] as const)
    await assert.rejects(hdf5Source(other, path, { pool }), (e: unknown) => e instanceof UnsupportedError && what.test(e.message) && e.message.includes(`other.h5#${path}`), path);
  await assert.rejects(hdf5Source("http://127.0.0.1:9/x.h5#a", { pool }), UnsupportedError);
  await assert.rejects(hdf5Source(file, "ints/i8", { pool, chunks: [1, 2] }), SelectionError);
  await assert.rejects(hdf5Source(file, "ints/i8", { pool, chunks: [1, 0, 2] }), SelectionError);
  const src = await hdf5Source(file, "ints/i8", { pool });
  await assert.rejects(src.read([4, 0, 0]), (e: unknown) => e instanceof SelectionError && /outside the grid/.test(e.message));
  await assert.rejects(src.read([0, 0]), SelectionError);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(src.read([0, 0, 0], { signal: ac.signal }), { name: "AbortError" });
  await src.close!();
  await assert.rejects(src.read([0, 0, 0]), StoreError);
  // Nothing above broke the threads' HDF5 instances.
  await checkAllChunks(await hdf5Source(file, "ints/u8", { pool }), readFileSync(join(dir, "ints__u8.bin")), 1);
});

test("a file rewritten after opening is reopened; a changed shape is an error, not a wrong read", { skip }, async () => {
  const file = join(dir, "rewrite.h5");
  const write = (n: number) => execFileSync(PYTHON, ["-c", `import h5py, numpy as np, sys\nwith h5py.File(sys.argv[1], "w") as f: f.create_dataset("x", data=np.arange(${n}, dtype="<i4") * 3, chunks=(4,))`, file]);
  write(10);
  const src = await hdf5Source(file, "x", { pool });
  assert.deepEqual([...(await src.read([2])).data as Int32Array], [24, 27]);
  write(12);
  // Through h5wasm: "shape changed"; read without HDF5: the file "changed since it was opened".
  await assert.rejects(src.read([0]), (e: unknown) => e instanceof StoreError && /shape changed|changed since it was opened/.test(e.message));
  const again = await hdf5Source(file, "x", { pool });
  assert.deepEqual([...(await again.read([2])).data as Int32Array], [24, 27, 30, 33]);
});

test("in a computation each block is read inside the task that computes on it (leaf task), with the same values and typed errors", { skip }, async () => {
  const { fromSource, unary, compute } = await import("../../src/compute/index.js");
  const file = join(dir, "leaf.h5");
  const write = (n: number) => execFileSync(PYTHON, ["-c", `import h5py, numpy as np, sys\nwith h5py.File(sys.argv[1], "w") as f: f.create_dataset("x", data=np.arange(${n}, dtype="<i2").reshape(-1, 3) - 20, chunks=(4, 2), scaleoffset=0)`, file]);
  write(30);
  const src = await hdf5Source(file, "x", { pool });
  // scaleoffset has no codec here: blocks go through h5wasm (others: hdf5-direct.test.ts).
  assert.match(String(src.directChunks), /scaleoffset/);
  const leaf = src.leafTask!([1, 1]);
  assert.equal(leaf.kernel.name, HDF5_KERNELS.readBlock.name);
  const abs = await compute(unary("abs", fromSource(src)), { pool });
  assert.deepEqual([...abs.data as Int16Array], Array.from({ length: 30 }, (_, i) => Math.abs(i - 20)));
  write(33);
  await assert.rejects(compute(unary("abs", fromSource(src)), { pool }), (e: unknown) => /shape changed/.test((e as Error).message) && /leaf\.h5#x chunk \[/.test((e as Error).message));
});
