/**
 * zarrflow side of bench/genomics.ts, in its own process (compiled to JS by the driver, so
 * tsx's start-up and transforms are not measured):
 *
 *   node <build>/bench/genomics/child-count.js LOCATION THREADS [MAX_ALLELE]
 *
 * Allele counts of the genotypes at LOCATION (`dir/genotypes.zarr#calldata/GT` or
 * `dir/genotypes.h5#calldata/genotype`) through the public genomics API on a pool of
 * THREADS worker threads. Untimed: opening, and a warm-up counting the first THREADS variant
 * rows of chunks (starts the threads, loads the codecs and kernels, opens the HDF5 file in the
 * workers) — the dask peer warms up the same rows. Timed, PASSES times in a row in this
 * process: `countAlleles` + `compute` over the whole array. The first pass still pays the
 * worker threads' allocator/JIT/GC warm-up, which a long real workload amortises; the second
 * is the steady state. Prints one JSON line: each pass's seconds and allele totals (compared
 * with the peers' by the driver), decoded bytes and peak RSS (KiB, worker threads included).
 * @module
 */
import { compute } from "../../src/compute/compute.js";
import { genotypeArray, openGenotypes } from "../../src/genomics/index.js";
import { createPool } from "../../src/runtime/pool.js";

/** Timed full passes per process (the driver reads them as "first" and "second"). */
const PASSES = 2;

const [location, threadsArg, maxArg = "3"] = process.argv.slice(2);
const threads = Number(threadsArg);
const maxAllele = Number(maxArg);
if (!location || !(Number.isInteger(threads) && threads >= 1) || !Number.isInteger(maxAllele)) {
  process.stderr.write("usage: child-count.js LOCATION THREADS [MAX_ALLELE]\n");
  process.exit(2);
}

/** Sum of each allele column of the (variants, alleles) int32 counts. */
function totals(data: Int32Array, alleles: number): number[] {
  const out = new Array<number>(alleles).fill(0);
  for (let i = 0; i < data.length; i += alleles) for (let a = 0; a < alleles; a++) out[a] += data[i + a];
  return out;
}

const pool = createPool({ threads });
const g = await openGenotypes(location, { pool });
const gt = genotypeArray(g.source);
const rows = g.source.chunkShape[0] * threads;
const warm = await gt.subset({ start: 0, stop: rows }).countAlleles({ maxAllele });
await compute(warm.array, { pool });

const passes: { seconds: number; totals: number[] }[] = [];
for (let p = 0; p < PASSES; p++) {
  const t = performance.now();
  const ac = await gt.countAlleles({ maxAllele });
  const counts = await compute(ac.array, { pool });
  const seconds = (performance.now() - t) / 1000;
  // Summing the totals is outside the timed section (the peers sum theirs untimed too).
  passes.push({ seconds, totals: totals(counts.data as Int32Array, maxAllele + 1) });
}

const [V, S, P] = gt.array.shape;
const result = {
  passes, bytes: V * S * P, maxRssKiB: process.resourceUsage().maxRSS,
  format: g.format, sourceChunks: [...g.source.chunkShape],
  api: "countAlleles({maxAllele}) + compute(ac.array, {pool})",
};
await g.close();
await pool.destroy();
process.stdout.write(JSON.stringify(result) + "\n");
