/**
 * Genomics benchmark (not in CI): allele counting over the 1 M × 765 × 2 demo genotypes by
 * zarrflow (`openGenotypes` → `genotypeArray(...).countAlleles({maxAllele: 3})` → `compute`)
 * against dask + a one-pass numba kernel (GIL released) on the same number of workers, on
 * three layouts: Zarr blosc zlib, Zarr blosc LZ4 and the HDF5 copy (dask over h5py there);
 * plus zarrflow on one worker (scaling), the native-decode limit (c-blosc / zlib decoding the
 * same chunks on N threads, no counting) and, for context, the zarrflow CLI.
 *
 *   node --import tsx bench/genomics.ts [--variants 1000000] [--repeats 5] [--workers 2]
 *        [--layouts zlib,lz4,hdf5] [--data bench/.data] [--results | --no-results]
 *   node --import tsx bench/genomics.ts --variants 50000 --repeats 1     # smoke run, < 1 min
 *
 * Data comes from bench/runtime/data.ts's cache (demo-data CLI, generated once). The timed
 * zarrflow children run a private compiled build (bench/genomics/build.ts), not tsx. Every
 * repeat of every side is its own process, all sides interleaved. Each counting and decoding
 * child warms up, then times two full passes in a row: the first still pays the threads'
 * warm-up, the second is the steady state, on which the targets are judged (the first is
 * reported beside it). Every pass's allele totals must equal the others'. The report goes to
 * stdout and, for full runs, replaces the genomics section of bench/RESULTS.md (see
 * bench/genomics/report.ts).
 * @module
 */
import { mkdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dataSet, prepare, type DataContext } from "./runtime/data.js";
import { warmPageCache } from "./runtime/files.js";
import { machine, machineLine } from "./runtime/machine.js";
import { median } from "./runtime/stats.js";
import { parseGenomicsArgs, USAGE, type Layout } from "./genomics/args.js";
import { buildZarrflow } from "./genomics/build.js";
import { kernelSource, mismatches, referenceTotals, sectionLines, targets, writeSection } from "./genomics/report.js";
import { interleave } from "./genomics/run-side.js";
import { layoutPaths, layoutSides, type LayoutPaths } from "./genomics/sides.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function log(s: string): void {
  process.stderr.write(`[genomics ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
}

/** Median and max of the per-run CPU share of other processes (undefined without /proc). */
function othersSummary(xs: number[]): { median: number; max: number; runs: number } | undefined {
  return xs.length ? { median: median(xs), max: Math.max(...xs), runs: xs.length } : undefined;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseGenomicsArgs(process.argv.slice(2), repo);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\nUsage: ${USAGE}\n`);
    return 2;
  }
  const invocation = `node --import tsx bench/genomics.ts ${args.argv.join(" ")}`.trim();
  const m = machine(repo, args.python);
  log(`${invocation}\n  ${machineLine(m)}\n  load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`);

  const d = dataSet(args.data, args.variants);
  const dataCtx: DataContext = { repo, python: args.python, log, commands: [] };
  prepare(dataCtx, d, new Set(args.layouts));
  const build = buildZarrflow(repo, log);
  const tmp = path.join(args.data, "tmp-genomics");
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });

  const paths = Object.fromEntries(args.layouts.map((l) => [l, layoutPaths(d, l)])) as Record<Layout, LayoutPaths>;
  const sides = args.layouts.flatMap((l) => layoutSides({ args, repo, build: build.dir }, l, paths[l]));
  for (const l of args.layouts) warmPageCache(paths[l].file);

  const before = os.loadavg();
  const t = performance.now();
  let outcomes;
  try {
    outcomes = interleave(sides, args.repeats, repo, tmp, log);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const after = os.loadavg();
  log(`all runs done in ${((performance.now() - t) / 1000).toFixed(0)} s`);

  const run = `${args.variants.toLocaleString("en")} variants, ${args.repeats} repeats, ${m.date}`;
  const tg = targets(outcomes, args.layouts, run);
  const lines = sectionLines({
    invocation, machineLine: machineLine(m), date: m.date, commit: m.commit,
    variants: args.variants, repeats: args.repeats, workers: args.workers, layouts: args.layouts, paths,
    outcomes, targets: tg, load: { before, after, others: othersSummary(outcomes.flatMap((o) => o.others)) },
    kernel: kernelSource(path.join(repo, "bench", "genomics", "count_alleles_dask.py")),
    build, dataCommands: [...new Set(dataCtx.commands)], repo,
  });
  process.stdout.write(lines.join("\n") + "\n");
  if (args.results) {
    writeSection(path.join(repo, "bench", "RESULTS.md"), lines);
    log("bench/RESULTS.md: genomics section updated");
  } else log("bench/RESULTS.md not touched (smoke run or --no-results; --results forces it)");

  // A failed side or differing totals is a failed benchmark run.
  const ref = referenceTotals(outcomes);
  const wrong = outcomes.some((o) => o.error || mismatches(o, ref) > 0);
  return wrong ? 1 : 0;
}

process.exitCode = await main();
