/**
 * Measure hdf5Source: read every chunk of a dataset with 1- and 2-thread pools (medians of
 * 3 timed passes after a warm-up pass) and report MB/s and RSS; then the per-chunk cost of
 * copying out of the wasm heap into shared memory versus slicing a fresh buffer.
 *
 * usage: node [--expose-gc] --import tsx test/sources/bench-hdf5.ts FILE.h5#DATASET [CHUNKS e.g. 6553,765,2]
 * (or the compiled dist/test/sources/bench-hdf5.js: under tsx every thread also pays ~600 MiB
 * and ~3 s for tsx transforming h5wasm's 4 MB module)
 * (make a file with: /usr/bin/python3 test/sources/make-bench-hdf5.py /tmp/gt.h5)
 */
import { bytesOf } from "../../src/format/dtype.js";
import { runTasks } from "../../src/runtime/executor.js";
import { kernelRef } from "../../src/runtime/kernel-task.js";
import { createPool } from "../../src/runtime/pool.js";
import { allocateShared, chunkBox, chunkCoords, hdf5Source, type ChunkSource } from "../../src/sources/index.js";

const [location, chunkArg] = process.argv.slice(2);
if (!location) throw new Error("usage: bench-hdf5.ts FILE.h5#DATASET [CHUNKS]");
const chunks = chunkArg ? chunkArg.split(",").map(Number) : undefined;
const MiB = 2 ** 20;
const rss = () => process.memoryUsage().rss / MiB;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let peak = 0;
const sampler = setInterval(() => { peak = Math.max(peak, rss()); }, 10);

/** Read every chunk (threads × 2 in flight); returns seconds and a checksum. */
async function pass(src: ChunkSource, pool: ReturnType<typeof createPool>): Promise<{ s: number; sum: number; bytes: number }> {
  let sum = 0, bytes = 0;
  // With --expose-gc, start each pass without the previous pass's garbage chunks (RSS figures).
  (globalThis as { gc?: () => void }).gc?.();
  const t = performance.now();
  await runTasks(chunkCoords(src), async (c) => {
    const b = bytesOf((await src.read(c, { pool })).data);
    bytes += b.length;
    for (let i = 0; i < b.length; i += 4099) sum = (sum + b[i]) % 1_000_000_007;
  }, { maxInFlight: pool.threads * 2 });
  return { s: (performance.now() - t) / 1000, sum, bytes };
}

console.log(`node ${process.version}, RSS at start ${rss().toFixed(0)} MiB`);
for (const threads of [1, 2]) {
  const pool = createPool({ threads });
  // RSS of a started thread without h5wasm, then with it (describe instantiates h5wasm and opens the file).
  const trivial = kernelRef("data:text/javascript,export const one = () => 1;", "one");
  await Promise.all(Array.from({ length: threads * 4 }, () => pool.kernel(trivial, null)));
  const rThreads = rss();
  const src = await hdf5Source(location, { pool, chunks });
  const rDescribed = rss();
  peak = rss();
  const warm = await pass(src, pool);
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await pass(src, pool));
  if (runs.some((r) => r.sum !== warm.sum)) throw new Error("passes read different data");
  const s = median(runs.map((r) => r.s));
  console.log(`${threads} thread(s): ${src.name} shape [${src.shape}] chunks [${src.chunkShape}] (HDF5 chunks [${src.hdf5Chunks}]), ` +
    `${(warm.bytes / MiB).toFixed(0)} MiB decoded; passes ${runs.map((r) => r.s.toFixed(3)).join(", ")} s (warm-up ${warm.s.toFixed(3)}) ` +
    `→ median ${s.toFixed(3)} s = ${(warm.bytes / MiB / s).toFixed(0)} MiB/s; RSS: threads started ${rThreads.toFixed(0)}, after describe ${rDescribed.toFixed(0)}, ` +
    `peak ${peak.toFixed(0)}, end ${rss().toFixed(0)} MiB`);

  if (threads === 1) {
    // Copy out of the wasm heap: into a shared buffer vs a fresh buffer (the transfer path), first 5 chunks.
    const k = kernelRef(new URL(import.meta.url.endsWith(".ts") ? "./bench-kernel.ts" : "./bench-kernel.js", import.meta.url), "timeCopies");
    const rows: { read: number; copyShared: number; slice: number }[] = [];
    let i = 0;
    for (const c of chunkCoords(src)) {
      if (i++ >= 5) break;
      const box = chunkBox(src, c);
      const out = bytesOf(allocateShared(src.dtype, box.shape.reduce((a, b) => a * b, 1)));
      rows.push(await pool.kernel<{ read: number; copyShared: number; slice: number }>(k, { file: src.file, dataset: src.dataset, start: box.start, count: box.shape, out }));
    }
    console.log(`per chunk (median of 5): HDF5 read ${median(rows.map((r) => r.read)).toFixed(2)} ms, copy into shared ${median(rows.map((r) => r.copyShared)).toFixed(2)} ms, ` +
      `slice into a fresh buffer ${median(rows.map((r) => r.slice)).toFixed(2)} ms (the transfer path then needs one more copy into shared memory on the main thread)`);
  }
  await pool.destroy();
}
clearInterval(sampler);
