/**
 * HDF5 chunks read without HDF5 (hdf5-direct.ts): the file's chunk index and node:zlib decode
 * every chunk of the h5py-written datasets of make-hdf5.py exactly as h5py wrote them, one
 * stored chunk at a time (`rawChunk`) and tiled into larger blocks (`rawParts`); filters
 * without a codec and big-endian data keep h5wasm and say why; chunks never written read as
 * the dataset's fill value; a chunk that skipped its filters goes through h5wasm; a file
 * changed after opening is an error, not a wrong read.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
import { elementBytes, type RawChunk, type RawParts } from "../../src/sources/types.js";
import { REPO } from "../paths.js";
import { boxBytes } from "./expect.js";

const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
const skip = spawnSync(PYTHON, ["-c", "import h5py"]).status === 0 ? false : `h5py is not installed for ${PYTHON}`;

interface Entry { path: string; file: string | null; shape: number[]; dtype: string; chunks: number[] | null }

let dir = "";
let pool: ChunkPool;
let manifest: Entry[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), "zarrflow-hdf5-direct-"));
  pool = createPool({ threads: 2 });
  if (skip) return;
  execFileSync(PYTHON, [join(REPO, "test", "sources", "make-hdf5.py"), dir], { stdio: ["ignore", "inherit", "inherit"] });
  manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Entry[];
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

test("a file changed after opening is an error naming it, never a read of the new bytes", { skip }, async () => {
  const file = join(dir, "changing.h5");
  execFileSync(PYTHON, ["-c", `
import h5py, numpy as np
with h5py.File(${JSON.stringify(file)}, "w") as f:
    f.create_dataset("x", data=np.arange(64, dtype="<i8").reshape(8, 8), chunks=(4, 4), compression="gzip")
`]);
  const src = await hdf5Source(`${file}#x`, { pool });
  const raw = (await src.rawChunk!([0, 0]))!;
  assert.equal((await made({ raw })).shape.join(), "4,4");
  appendFileSync(file, Buffer.alloc(16));
  await assert.rejects(made({ raw }), (e: unknown) => e instanceof StoreError && /changed since it was opened/.test(e.message));
});
