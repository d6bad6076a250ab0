// Peak-RSS measurement of an all-to-all rechunk (not run by the test suite):
//   node --import tsx test/compute/structure/rss-all-to-all.ts make DIR   # writes DIR/src
//   node --import tsx test/compute/structure/rss-all-to-all.ts run DIR    # DIR/src → DIR/out
// `make` writes int8 (65536, 765, 2), chunks (6553, 200, 2), zlib 1; `run` rechunks it to
// (65536, 1, 2) through the intermediate (default temp directory) and writes it with toZarr
// on a 2-thread pool, then prints the peak RSS and checks a few columns against the source.
import { get, set } from "../../../src/array/access.js";
import { createArray, openArray } from "../../../src/array/node.js";
import { toDataType } from "../../../src/format/dtype.js";
import { createPool } from "../../../src/runtime/pool.js";
import { openFsStore } from "../../../src/stores/fs.js";
import { zarrSource } from "../../../src/sources/zarr.js";
import { toZarr } from "../../../src/compute/compute.js";
import { rechunk } from "../../../src/compute/rechunk.js";

const [mode, dir] = process.argv.slice(2);
const shape = [65536, 765, 2];
const store = await openFsStore(dir, { create: true });
const pool = createPool({ threads: 2 });
const t0 = performance.now();
if (mode === "make") {
  const arr = await createArray(store, "src", { zarrFormat: 2, shape, chunks: [6553, 200, 2], dtype: "|i1", compressor: { id: "zlib", level: 1 }, overwrite: true });
  const data = new Int8Array(new SharedArrayBuffer(shape[0] * shape[1] * shape[2]));
  for (let i = 0; i < data.length; i++) data[i] = (Math.imul(i ^ (i >>> 7), 2654435761) >>> 29) % 4 - 1; // genotype-like -1..2
  await set(arr, null, { data, shape, dtype: toDataType("int8") }, { pool });
} else {
  const src = await openArray(store, "src");
  const y = rechunk(zarrSource(src), [65536, 1, 2]);
  const out = await toZarr(y, { store, path: "out", options: { zarrFormat: 2, compressor: { id: "zlib", level: 1 }, overwrite: true } }, { pool });
  const seconds = (performance.now() - t0) / 1000;
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  for (const j of [0, 1, 199, 200, 764]) {
    const a = await get(src, [null, j, null], { pool });
    const b = await get(out, [null, j, null], { pool });
    if (!Buffer.from((a.data as Int8Array).buffer, (a.data as Int8Array).byteOffset, 131072).equals(Buffer.from((b.data as Int8Array).buffer, (b.data as Int8Array).byteOffset, 131072)))
      throw new Error(`column ${j} differs`);
  }
  process.stdout.write(JSON.stringify({ seconds: +seconds.toFixed(2), maxRssMiB: Math.round(maxRssMiB), outChunks: out.meta.chunkShape, columnsChecked: 5 }) + "\n");
}
await pool.destroy();
