/**
 * One zarrflow side of bench/compute.ts, in its own process: per-variant sum of the
 * genotype calls (axis 1, 2) over the demo data, through the compute layer on N workers.
 * Prints JSON {seconds, checksum, maxRssKiB}.
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
const x = sum(fromSource(arr), { axis: [1, 2] });
// Warm-up on the first N rows of chunks (N = workers), as the dask side: starts every thread,
// loads the kernels and codecs, and compiles the hot paths.
const firstRows = select(fromSource(arr), [{ start: 0, stop: arr.meta.chunkShape[0] * Number(workers) }]);
await compute(sum(firstRows, { axis: [1, 2] }), { pool });
const t = performance.now();
const r = await compute(x, { pool });
const seconds = (performance.now() - t) / 1000;
let checksum = 0n;
for (const v of r.data as BigInt64Array) checksum += v;
process.stdout.write(JSON.stringify({ seconds, checksum: String(checksum), maxRssKiB: process.resourceUsage().maxRSS }) + "\n");
await pool.destroy();
