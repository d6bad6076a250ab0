/**
 * HDF5 chunks read without HDF5 (hdf5-direct.ts): the file's chunk index and node:zlib decode
 * every chunk of the h5py-written datasets of make-hdf5.py exactly as h5py wrote them, one
 * stored chunk at a time (`rawChunk`) and tiled into larger blocks (`rawParts`); filters
 * without a codec and big-endian data keep h5wasm and say why; chunks never written read as
 * the dataset's fill value; a chunk that skipped its filters goes through h5wasm; a file
 * changed after opening (even only its mtime, by h5py opening it to append) still reads the
 * chunks its re-read index holds unchanged, and anything else is an error, never a wrong read.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { NDArray } from "../../src/codecs/types.js";
import { binary, compute, fromSource } from "../../src/compute/index.js";
import { runProgram } from "../../src/compute/program-kernel.js";
import { bytesOf } from "../../src/format/dtype.js";
import { StoreError } from "../../src/format/errors.js";
import { createPool, type ChunkPool } from "../../src/runtime/pool.js";
import { chunkBox, chunkCoords, hdf5Source } from "../../src/sources/index.js";
import { hdf5IndexRereads } from "../../src/sources/hdf5-direct.js";
import { elementBytes, type RawChunk, type RawParts } from "../../src/sources/types.js";
import { boxBytes } from "./expect.js";
import { H5PY_SKIP, makeH5pyData, PYTHON, type Entry } from "./h5py-data.js";

const skip = H5PY_SKIP;

let dir = "";
let pool: ChunkPool;
let manifest: Entry[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), "zarrflow-hdf5-direct-"));
  pool = createPool({ threads: 2 });
  if (skip) return;
  manifest = makeH5pyData(dir);
});

after(async () => {
  await pool.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** A block made in this thread the way a compute task makes it from a raw chunk or parts. */
async function made(leaf: { raw: RawChunk } | { parts: RawParts }): Promise<NDArray> {
  const [block] = (await runProgram({ trees: [{ leaf: 0 }], leaves: [leaf] })) as NDArray[];
  return block;
}

const equalBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

test("every chunk of the h5py datasets decodes without HDF5 to what h5py wrote, alone and tiled", { skip }, async () => {
  const direct: string[] = [];
  for (const e of manifest.filter((m) => m.file !== null && m.chunks !== null)) {
    const all = readFileSync(join(dir, e.file!));
    const src = await hdf5Source(`${join(dir, "data.h5")}#${e.path}`, { pool });
    if (src.directChunks !== true) {
      // Big-endian data, bool (an HDF5 enum) and empty datasets keep h5wasm, with the reason said.
      assert.match(src.directChunks, /big-endian|not a numeric|no chunk|empty|not allocated|datatype/, `${e.path}: ${src.directChunks}`);
      continue;
    }
    direct.push(e.path);
    const item = elementBytes(src.dtype);
    for (const coords of chunkCoords(src)) {
      const box = chunkBox(src, coords);
      const block = await made({ raw: (await src.rawChunk!(coords))! });
      assert.deepEqual(block.shape, box.shape, `${e.path} [${String(coords)}]`);
      assert.ok(equalBytes(bytesOf(block.data), boxBytes(all, src.shape, item, box.start, box.shape)), `${e.path} chunk [${String(coords)}] differs`);
    }
    const wide = await hdf5Source(`${join(dir, "data.h5")}#${e.path}`, { pool, chunks: e.chunks!.map((c, d) => Math.max(c, Math.min(2 * c, e.shape[d]))) });
    for (const coords of chunkCoords(wide)) {
      const box = chunkBox(wide, coords);
      const block = await made({ parts: (await wide.rawParts!(coords))! });
      assert.ok(equalBytes(bytesOf(block.data), boxBytes(all, wide.shape, item, box.start, box.shape)), `${e.path} tiled block [${String(coords)}] differs`);
      // read() makes the same block from the same stored chunks in a pool thread.
      const read = await wide.read(coords);
      assert.deepEqual(read.shape, box.shape);
      assert.ok(equalBytes(bytesOf(read.data), boxBytes(all, wide.shape, item, box.start, box.shape)), `${e.path} read of tiled block [${String(coords)}] differs`);
      assert.ok(bytesOf(read.data).buffer instanceof SharedArrayBuffer, "read() returns shared memory");
    }
  }
  // gzip, shuffle + gzip, no filter; 8- to 64-bit integers; float16/32.
  for (const p of ["ints/i8", "ints/u8", "ints/u16", "ints/i32", "ints/i64", "floats/f16", "floats/f32"]) assert.ok(direct.includes(p), `${p} is read directly`);
  const be = await hdf5Source(`${join(dir, "data.h5")}#a/b/c/int16_be`, { pool });
  assert.equal(be.directChunks, "big-endian data");
});

test("fill value, chunks never written, fletcher32, a chunk that skipped its filter, unsupported filters", { skip }, async () => {
  const file = join(dir, "special.h5");
  execFileSync(PYTHON, ["-c", `
import h5py, numpy as np, zlib
with h5py.File(${JSON.stringify(file)}, "w") as f:
    d = f.create_dataset("sparse", shape=(20, 9), chunks=(4, 4), dtype="<i4", fillvalue=-7, compression="gzip", shuffle=True, fletcher32=True)
    d[0:4, 0:9] = np.arange(36).reshape(4, 9)
    d[12:20, 4:8] = 5
    m = f.create_dataset("masked", shape=(8, 6), chunks=(4, 3), dtype="<i2", compression="gzip")
    m[0:4] = np.arange(24, dtype="<i2").reshape(4, 6)
    # Chunk (4, 3) stored without its deflate step: filter mask bit 0 set.
    m.id.write_direct_chunk((4, 3), np.full((4, 3), 99, dtype="<i2").tobytes(), filter_mask=1)
    f.create_dataset("nbit", data=np.arange(40, dtype="<i4").reshape(8, 5), chunks=(4, 5), scaleoffset=0)
with h5py.File(${JSON.stringify(file)}, "r") as f:
    with open(${JSON.stringify(file + ".bin")}, "wb") as g:
        g.write(f["sparse"][...].tobytes()); g.write(f["masked"][...].tobytes())
`]);
  const bin = readFileSync(file + ".bin");
  const sparse = await hdf5Source(`${file}#sparse`, { pool });
  assert.equal(sparse.directChunks, true);
  const never = await sparse.rawChunk!([4, 0]);
  assert.equal(never!.range, undefined, "a chunk never written has no bytes");
  const whole = (x: Awaited<ReturnType<typeof hdf5Source>>) => compute(binary("bitwiseXor", fromSource(x), 0), { pool });
  assert.deepEqual([...new Int32Array(bytesOf((await whole(sparse)).data).slice().buffer)], [...new Int32Array(bin.buffer, bin.byteOffset, 180)]);

  const masked = await hdf5Source(`${file}#masked`, { pool });
  assert.equal(masked.directChunks, true);
  assert.equal(await masked.rawChunk!([1, 1]), undefined, "the chunk that skipped deflate goes through HDF5");
  assert.ok(await masked.rawChunk!([0, 0]));
  const m = new Int16Array(bytesOf((await whole(masked)).data).slice().buffer);
  assert.deepEqual([...m], [...new Int16Array(bin.buffer.slice(bin.byteOffset + 720, bin.byteOffset + 720 + 96))]);
  assert.equal(m[4 * 6 + 3], 99);
  assert.equal(m[4 * 6], 0);

  const nbit = await hdf5Source(`${file}#nbit`, { pool });
  assert.match(String(nbit.directChunks), /scaleoffset|id 6/);
  assert.deepEqual([...new Int32Array(bytesOf((await whole(nbit)).data).slice().buffer)], Array.from({ length: 40 }, (_, i) => i));
});

/** Run Python code with h5py, numpy and shutil imported. */
function py(code: string): void {
  execFileSync(PYTHON, ["-c", `import h5py, numpy as np, shutil\n${code}`]);
}

/** Little-endian int32 bytes of `values`. */
const int32Bytes = (values: number[]) => Buffer.from(Int32Array.from(values).buffer);
/** 0, 1, 2... as an int32 array of `n` elements, with `patch` overriding some. */
const arange = (n: number, patch: (i: number) => number | undefined = () => undefined) => Array.from({ length: n }, (_, i) => patch(i) ?? i);

const changedError = (e: unknown) => e instanceof StoreError && /changed since it was opened/.test(e.message);

/** Every chunk of `src` made in this thread (raw chunks or tiled parts) equals `all`'s box. */
async function expectChunks(src: Awaited<ReturnType<typeof hdf5Source>>, all: Uint8Array, what: string): Promise<void> {
  for (const coords of chunkCoords(src)) {
    const box = chunkBox(src, coords);
    const leaf = src.rawChunk ? { raw: (await src.rawChunk(coords))! } : { parts: (await src.rawParts!(coords))! };
    const block = await made(leaf);
    assert.ok(equalBytes(bytesOf(block.data), boxBytes(all, src.shape, 4, box.start, box.shape)), `${what}: chunk [${String(coords)}] differs`);
  }
}

/** The whole of `src` computed in the pool's threads (through the stored chunks: `directChunks`). */
const computed = async (src: Awaited<ReturnType<typeof hdf5Source>>) => Buffer.from(bytesOf((await compute(binary("bitwiseXor", fromSource(src), 0), { pool })).data));

test("h5py opening the file to append without writing: chunks still read directly, the index read again once per thread and stamp", { skip }, async () => {
  const file = join(dir, "appended.h5");
  py(`
with h5py.File(${JSON.stringify(file)}, "w") as f:
    f.create_dataset("x", data=np.arange(90, dtype="<i4").reshape(10, 9), chunks=(4, 4), compression="gzip", shuffle=True)
`);
  const all = int32Bytes(arange(90));
  const src = await hdf5Source(`${file}#x`, { pool });
  const wide = await hdf5Source(`${file}#x`, { pool, chunks: [8, 8] });
  assert.equal(src.directChunks, true);
  assert.ok(src.rawChunk && wide.rawParts && !wide.rawChunk, "stored chunks alone and tiled");
  const before = statSync(file);
  const rereads = hdf5IndexRereads();

  py(`h5py.File(${JSON.stringify(file)}, "a").close()`);
  const now = statSync(file);
  assert.equal(now.size, before.size);
  assert.notEqual(now.mtimeMs, before.mtimeMs, "the append-mode open changed the mtime (else this test shows nothing)");
  await expectChunks(src, all, "after an append-mode open");
  await expectChunks(wide, all, "tiled, after an append-mode open");
  assert.equal(hdf5IndexRereads() - rereads, 1, "one re-read of the index for 9 chunks and 4 tiled blocks");
  assert.ok((await computed(src)).equals(all));
  assert.ok((await computed(wide)).equals(all));

  py(`h5py.File(${JSON.stringify(file)}, "a").close()`);
  await expectChunks(src, all, "after a second append-mode open");
  await expectChunks(wide, all, "tiled, after a second append-mode open");
  assert.equal(hdf5IndexRereads() - rereads, 2, "one more re-read for the new stamp");
  assert.ok((await computed(wide)).equals(all));
});

test("a chunk rewritten after opening: an error when its index entry changed, what the file holds now when rewritten in place", { skip }, async () => {
  const file = join(dir, "rewritten.h5");
  py(`
with h5py.File(${JSON.stringify(file)}, "w") as f:
    f.create_dataset("z", data=np.arange(64, dtype="<i4").reshape(8, 8), chunks=(4, 4), compression="gzip")
    f.create_dataset("u", data=np.arange(64, dtype="<i4").reshape(8, 8), chunks=(4, 4))
`);
  const z = await hdf5Source(`${file}#z`, { pool });
  const u = await hdf5Source(`${file}#u`, { pool });
  assert.equal(z.directChunks, true);
  assert.equal(u.directChunks, true);
  const raws = async (src: typeof z) => Promise.all([...chunkCoords(src)].map(async (c) => (await src.rawChunk!(c))!));
  const [zRaw, uRaw] = [await raws(z), await raws(u)];
  py(`
with h5py.File(${JSON.stringify(file)}, "a") as f:
    f["z"][0:4, 0:4] = 99
    f["u"][0:4, 0:4] = 99
`);
  const now = int32Bytes(arange(64, (i) => (i % 8 < 4 && i < 32 ? 99 : undefined)));
  const box = (c: number) => boxBytes(now, [8, 8], 4, [Math.floor(c / 2) * 4, (c % 2) * 4], [4, 4]);
  // z's first chunk compresses to fewer bytes now (HDF5 may keep its address): an error, or,
  // were address and size the same, the values the file holds now; never the old ones or garbage.
  await made({ raw: zRaw[0] }).then(
    (b) => assert.ok(equalBytes(bytesOf(b.data), box(0)), "z chunk 0 read but not as the file holds it"),
    (e: unknown) => assert.ok(changedError(e), String(e)),
  );
  // u's first chunk (no filter: same size) is rewritten in place: read as h5wasm reads it now.
  for (let c = 0; c < 4; c++) {
    assert.ok(equalBytes(bytesOf((await made({ raw: uRaw[c] })).data), box(c)), `u chunk ${c}`);
    if (c > 0) assert.ok(equalBytes(bytesOf((await made({ raw: zRaw[c] })).data), box(c)), `z chunk ${c} is unchanged`);
  }
  assert.deepEqual([...new Int32Array(bytesOf((await made({ raw: uRaw[0] })).data).slice().buffer)], new Array(16).fill(99));
  assert.ok((await computed(u)).equals(now));
  await computed(z).then((b) => assert.ok(b.equals(now)), (e: unknown) => assert.ok(changedError(e), String(e)));
});

test("a file replaced, resized, truncated or zeroed after opening is an error, never another file's values; bytes appended or the same file copied back still read", { skip }, async () => {
  const [file, orig] = [join(dir, "changing.h5"), join(dir, "changing-orig.h5")];
  const variant = (name: string) => join(dir, `changing-${name}.h5`);
  py(`
o, v = ${JSON.stringify(orig)}, lambda n: ${JSON.stringify(join(dir, "changing-"))} + n + ".h5"
with h5py.File(o, "w") as f:
    f.create_dataset("x", data=np.arange(64, dtype="<i4").reshape(8, 8), chunks=(4, 4), compression="gzip", maxshape=(None, 8))
shutil.copy(o, ${JSON.stringify(file)})
shutil.copy(o, v("resized"))
with h5py.File(v("resized"), "a") as f:
    f["x"].resize((12, 8))
with h5py.File(v("float"), "w") as f:
    f.create_dataset("x", data=np.arange(64, dtype="<f4").reshape(8, 8), chunks=(4, 4), compression="gzip", maxshape=(None, 8))
with h5py.File(v("random"), "w") as f:
    f.create_dataset("x", data=np.random.default_rng(1).integers(0, 2**31, (8, 8), dtype="<i4"), chunks=(4, 4), compression="gzip", maxshape=(None, 8))
`);
  const all = int32Bytes(arange(64));
  const src = await hdf5Source(`${file}#x`, { pool });
  assert.equal(src.directChunks, true);
  const raws = await Promise.all([...chunkCoords(src)].map(async (c) => (await src.rawChunk!(c))!));
  assert.ok(raws.every((r) => r.hdf5?.of.dataset === "x" && r.hdf5.of === raws[0].hdf5!.of), "raw chunks say which HDF5 chunk they are (one shared dataset identity)");
  assert.deepEqual(raws.map((r) => r.hdf5!.chunk), [0, 1, 2, 3]);
  const size = statSync(file).size;
  const fails = async (why: string) => {
    for (const raw of raws) await assert.rejects(made({ raw }), changedError, `${why}: ${raw.key}`);
    await assert.rejects(computed(src), changedError, why);
  };

  appendFileSync(file, Buffer.alloc(16));
  await expectChunks(src, all, "16 bytes appended");
  for (const name of ["resized", "float", "random"]) {
    copyFileSync(variant(name), file);
    await fails(`replaced by the ${name} file`);
  }
  writeFileSync(file, Buffer.alloc(size));
  await fails("zeroed");
  copyFileSync(orig, file);
  truncateSync(file, 2048);
  await fails("truncated");
  copyFileSync(orig, file);
  await expectChunks(src, all, "the same file copied back");
  assert.ok((await computed(src)).equals(all));
});
