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

const [dir, path, workers] = process.argv.slice(2);
const arr = await openArray(await openFsStore(dir, { readOnly: true }), path);
const pool = createPool({ threads: Number(workers) });
const x = sum(fromSource(arr), { axis: [1, 2] });
// Warm-up on a small in-memory array: starts the threads and loads the kernels.
const small = { data: new Int8Array(4 * 765 * 2), shape: [4, 765, 2], dtype: arr.meta.dtype };
await compute(sum(fromSource(small, { chunks: [1, 765, 2] }), { axis: [1, 2] }), { pool });
const t = performance.now();
const r = await compute(x, { pool });
const seconds = (performance.now() - t) / 1000;
let checksum = 0n;
for (const v of r.data as BigInt64Array) checksum += v;
process.stdout.write(JSON.stringify({ seconds, checksum: String(checksum), maxRssKiB: process.resourceUsage().maxRSS }) + "\n");
await pool.destroy();
