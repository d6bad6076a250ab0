/**
 * Benchmark suite of zarrflow's parallel runtime (`npm run bench`; not run in CI).
 *
 *   node --import tsx bench/run.ts [--variants 1000000] [--repeats 5]
 *        [--only read,write,tiny,scaling,rss,native] [--data bench/.data] [--workers N] [--no-results]
 *
 * Workloads (bench/runtime/workload-*.ts), each comparing its sides in one run on the same
 * data with N = --workers (default os.availableParallelism()) threads, every repeat of every
 * side in its own child process, repeats interleaved (A B C A B C ...), medians reported:
 *   read     full read, blosc zlib / lz4 / zstd layouts: zarrflow vs zarr-python (+dask), zarrita.js, h5py
 *   write    write from memory: zarrflow set vs zarr-python z[:] = and dask to_zarr
 *   tiny     24 480 chunks of 4 KiB: chunks/s
 *   scaling  zarrflow read on 1 vs N workers: parallel efficiency
 *   rss      peak RSS of `zarrflow export` for V vs 4V variants
 *   native   c-blosc and node:zlib decoding the chunk files with no Zarr layer
 * Data is generated once under --data (demo-data CLI + zarr-python copies) and reused.
 * The report goes to stdout and replaces the runtime section of bench/RESULTS.md (between
 * `<!-- runtime:begin -->` and `<!-- runtime:end -->`), unless --no-results.
 * @module
 */
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseBenchArgs, USAGE, type Workload } from "./runtime/args.js";
import { missingNote, pythonModules, type BenchContext, type PyModule } from "./runtime/context.js";
import { dataSet, prepare, type DataSet, type Need } from "./runtime/data.js";
import { machine, machineLine } from "./runtime/machine.js";
import { renderBlock, writeSection, type Block } from "./runtime/report.js";
import { nativeWorkload } from "./runtime/workload-native.js";
import { readWorkload } from "./runtime/workload-read.js";
import { bigVariants, rssWorkload } from "./runtime/workload-rss.js";
import { scalingWorkload } from "./runtime/workload-scaling.js";
import { tinyWorkload } from "./runtime/workload-tiny.js";
import { writeWorkload } from "./runtime/workload-write.js";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Data each workload needs in the V data set. */
const NEEDS: Record<Workload, Need[]> = {
  read: ["zlib", "lz4", "hdf5", "zstd"], write: ["npy"], tiny: ["tiny"], scaling: ["zlib"], rss: ["zlib"], native: ["zlib"],
};
/** Workloads that need zarr-python to make their data. */
const NEEDS_ZARR_PYTHON = new Set<Workload>(["read", "write", "tiny"]);

function log(s: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
}

/** Run one workload (data already prepared). */
function runWorkload(ctx: BenchContext, w: Workload, d: DataSet, big?: { set: DataSet; note?: string }): Block {
  switch (w) {
    case "read": return readWorkload(ctx, d);
    case "write": return writeWorkload(ctx, d);
    case "tiny": return tinyWorkload(ctx, d);
    case "scaling": return scalingWorkload(ctx, d);
    case "rss": return rssWorkload(ctx, d, big!.set, big!.note);
    case "native": return nativeWorkload(ctx, d);
  }
}

/** Prepare the data of workload `w` and run it; its block lists the data commands used. */
function measure(ctx: BenchContext, w: Workload, d: DataSet): Block {
  const { args } = ctx;
  if (NEEDS_ZARR_PYTHON.has(w) && !(ctx.py.zarr && ctx.py.numcodecs))
    return skipped(w, `zarr-python is not importable by ${args.python} (apt-get install -y python3-zarr python3-numcodecs); it writes this workload's data.`);
  const mark = ctx.data.commands.length;
  prepare(ctx.data, d, new Set(NEEDS[w]));
  let big: { set: DataSet; note?: string } | undefined;
  if (w === "rss") {
    const b = bigVariants(ctx, args.variants);
    big = { set: dataSet(args.data, b.variants), note: b.note };
    prepare(ctx.data, big.set, new Set<Need>(["zlib"]));
  }
  const t = performance.now();
  const block = runWorkload(ctx, w, d, big);
  const made = [...new Set(ctx.data.commands.slice(mark))];
  block.lines.push("", "Data (generated once under the data directory, reused when present):", "", ...made.map((c) => `- \`${c}\``));
  ctx.log(`${w} done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  return block;
}

/** A block saying why a workload was skipped. */
function skipped(w: Workload, why: string): Block {
  return { name: w, lines: [`### ${w}: skipped`, "", why], targets: [{ target: `${w} workload`, measured: `skipped: ${why}`, met: null }] };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2), repo);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\nUsage: ${USAGE}\n`);
    return 2;
  }
  const tmp = path.join(args.data, "tmp-run");
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const m = machine(repo, args.python);
  const ctx: BenchContext = { args, repo, tmp, log, machine: m, data: { repo, python: args.python, log, commands: [] }, py: pythonModules(args.python) };
  const invocation = `node --import tsx bench/run.ts ${args.argv.join(" ")}`.trim();
  log(`${invocation}\n  ${machineLine(m)}`);
  for (const mod of Object.keys(ctx.py) as PyModule[]) {
    const note = missingNote(ctx, mod);
    if (note) log(note);
  }

  const d = dataSet(args.data, args.variants);
  const blocks: Block[] = [];
  try {
    for (const w of args.only) {
      let block: Block;
      try {
        block = measure(ctx, w, d);
      } catch (e) {
        // One broken workload (e.g. a data step failing) does not lose the others' results.
        log(`${w} FAILED: ${(e as Error).stack ?? String(e)}`);
        block = skipped(w, `failed: ${(e as Error).message}`);
      }
      block.targets = block.targets.map((t) => ({ ...t, run: `${args.variants.toLocaleString("en")} variants, ${args.repeats} repeats, ${m.date}` }));
      block.lines.splice(1, 0, "", `Run: \`${invocation}\`, ${args.repeats} interleaved repeats, ${m.date}, zarrflow ${m.commit}.`);
      blocks.push(block);
      process.stdout.write(renderBlock(block) + "\n\n");
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }

  const header = [
    "## Parallel runtime (`npm run bench`)",
    "",
    `Generated by \`node --import tsx bench/run.ts\` (bench/runtime/, bench/peers/); the latest run: \`${invocation}\`.`,
    "",
    `Machine: ${machineLine(m)}`,
    "",
    "Method: every repeat of every side is its own child process (peak RSS: `process.resourceUsage().maxRSS` in Node children, `getrusage(RUSAGE_SELF).ru_maxrss` in Python children); the sides of a workload are interleaved (A B C A B C ...); figures are medians; MB/s are 10^6 decoded bytes per second; `zarrflow is ×` = the side's median seconds ÷ zarrflow's (above 1: zarrflow is faster); each side does a small warm-up first and the page cache is warm. The machine may be shared: read ratios, not absolutes.",
  ];
  if (args.results) {
    writeSection(path.join(repo, "bench", "RESULTS.md"), header, blocks);
    log("bench/RESULTS.md: runtime section updated");
  }
  return 0;
}

process.exitCode = await main();
