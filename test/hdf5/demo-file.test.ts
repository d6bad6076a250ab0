/**
 * readHdf5Layout on the file zarrflow's own demo writer makes with h5wasm (superblock v2 with
 * layout-v3 datasets: a version-1 B-tree chunk index even with the unlimited first dimension;
 * gzip level 3), compared with h5py's chunk info and by decoding every chunk.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DEMO_PATHS, demoData, HDF5_CHUNKS } from "../../src/genomics/demo-data.js";
import { readHdf5Layout } from "../../src/hdf5/index.js";
import { checkHeader, checkStorage, checkValues, h5pyInfo, indexTypeOf, PYTHON, skipNoH5py as skip, tempDir } from "./expect.js";

const VARIANTS = 20_000;
const SAMPLES = 40;
let dir = "";

before(async () => {
  dir = tempDir("demo");
  await demoData(dir, { variants: VARIANTS, samples: SAMPLES, formats: ["hdf5"] });
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("the demo writer's HDF5 file: every chunk equals h5py's chunk info and decodes to h5py's values", { skip }, () => {
  const file = join(dir, DEMO_PATHS.hdf5);
  const e = h5pyInfo(file, DEMO_PATHS.hdf5Dataset);
  const l = readHdf5Layout(file, DEMO_PATHS.hdf5Dataset);
  checkHeader(l, e);
  checkStorage(l, e);
  assert.deepEqual(l.maxShape, [null, SAMPLES, 2]);
  assert.ok(l.storage.kind === "chunked");
  assert.deepEqual(l.storage.chunkShape, [...HDF5_CHUNKS]);
  assert.deepEqual(l.filters.map((f) => [f.name, f.clientData]), [["deflate", [3]]]);
  assert.equal(indexTypeOf(file, DEMO_PATHS.hdf5Dataset), "btree1");
  const values = execFileSync(PYTHON, ["-c", `import h5py,sys; sys.stdout.buffer.write(h5py.File(sys.argv[1],'r')[sys.argv[2]][()].tobytes())`, file, DEMO_PATHS.hdf5Dataset], { maxBuffer: 1 << 26 });
  assert.equal(values.length, VARIANTS * SAMPLES * 2);
  assert.equal(checkValues(file, l, new Uint8Array(values)), 16);
});
