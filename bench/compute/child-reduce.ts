/**
 * One zarrflow side of bench/compute.ts, in its own process: per-variant sum of the
 * genotype calls (axis 1, 2) over the demo data, through the compute layer on N workers.
 * Times two full passes after a warm-up; prints JSON {passes: [s, s], checksums, maxRssKiB}.
 */
import { openFsStore } from "../../src/stores/fs.js";
import { openArray } from "../../src/array/node.js";
import { createPool } from "../../src/runtime/pool.js";
import { fromSource } from "../../src/compute/lazy.js";
import { sum } from "../../src/compute/reduce.js";
import { compute } from "../../src/compute/compute.js";
import { select } from "../../src/compute/select.js";

const [dir, path, workers] = process.argv.slice(2);
const arr = await openArray(await openFsStore(dir, { readOnly: true }), path);
const pool = createPool({ threads: Number(workers) });
// Warm-up on the first N rows of chunks (N = workers), as the dask side: starts every thread,
// loads the kernels and codecs, and compiles the hot paths.
const firstRows = select(fromSource(arr), [{ start: 0, stop: arr.meta.chunkShape[0] * Number(workers) }]);
await compute(sum(firstRows, { axis: [1, 2] }), { pool });
// Two full passes in a row: the first still pays the workers' allocator/GC warm-up, the
// second is the steady state of a long computation.
const passes: number[] = [];
const sums: string[] = [];
for (let pass = 0; pass < 2; pass++) {
  const t = performance.now();
  // A new graph each pass (as the dask side): a reduction keeps its finished cells for re-reads.
  const r = await compute(sum(fromSource(arr), { axis: [1, 2] }), { pool });
  passes.push((performance.now() - t) / 1000);
  let checksum = 0n;
  for (const v of r.data as BigInt64Array) checksum += v;
  sums.push(String(checksum));
}
process.stdout.write(JSON.stringify({ passes, checksums: sums, maxRssKiB: process.resourceUsage().maxRSS }) + "\n");
await pool.destroy();
