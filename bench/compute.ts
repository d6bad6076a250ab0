/**
 * Compute-layer benchmark (not in CI): a reduction over the 1 M × 765 × 2 demo genotypes —
 * the per-variant sum over samples and ploidy — by zarrflow's compute layer and by dask +
 * zarr-python (threaded scheduler), same data, same number of workers, each side in its own
 * process, interleaved repeats; reports medians, the ratio and peak RSS, and checks that
 * both sides agree. Also runs bench/task-overhead.ts for the per-task overhead.
 *
 *   node --import tsx bench/compute.ts [--data bench/.data/v1000000-s42] [--workers 2] [--repeats 5]
 * @module
 */
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildZarrflow } from "./genomics/build.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: string) => { const i = process.argv.indexOf(`--${name}`); return i < 0 ? fallback : process.argv[i + 1]; };
const data = arg("data", path.join(here, ".data", "v1000000-s42"));
const workers = arg("workers", String(os.availableParallelism()));
const repeats = Number(arg("repeats", "5"));
const zarr = path.join(data, "genotypes.zarr");
const py = process.env.PYTHON ?? "/usr/bin/python3";

// The zarrflow child runs compiled (no tsx: its start-up and per-thread transforms are not timed).
const build = buildZarrflow(path.join(here, ".."), (s) => console.error(s));
const child = path.join(build.dir, "bench", "compute", "child-reduce.js");

interface Result { passes: number[]; checksums: string[]; maxRssKiB: number }
const sides: Record<string, () => Result> = {
  zarrflow: () => JSON.parse(execFileSync(process.execPath, [child, zarr, "calldata/GT", workers], { encoding: "utf8" })) as Result,
  "dask + zarr-python": () => JSON.parse(execFileSync(py, [path.join(here, "compute", "dask_reduce.py"), zarr, "calldata/GT", workers], { encoding: "utf8" })) as Result,
};
const runs: Record<string, Result[]> = {};
for (let r = 0; r < repeats; r++) for (const [name, f] of Object.entries(sides)) { const res = f(); (runs[name] ??= []).push(res); console.error(`[${r + 1}/${repeats}] ${name}: ${res.passes.map((s) => s.toFixed(3)).join(" / ")} s`); }
const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const sums = new Set(Object.values(runs).flat().flatMap((x) => x.checksums));
const passName = ["first pass", "second pass (steady state)"];
console.log(`| side | pass | median s (min–max) | zarrflow is × | peak RSS |\n|---|---|---|---|---|`);
for (let p = 0; p < 2; p++) {
  const zf = med(runs.zarrflow.map((x) => x.passes[p]));
  for (const [name, rs] of Object.entries(runs)) {
    const s = rs.map((x) => x.passes[p]);
    console.log(`| ${name} | ${passName[p]} | ${med(s).toFixed(3)} (${Math.min(...s).toFixed(3)}–${Math.max(...s).toFixed(3)}) | ${(med(s) / zf).toFixed(2)} | ${(Math.max(...rs.map((x) => x.maxRssKiB)) / 1024).toFixed(0)} MiB |`);
  }
}
console.log(`\nchecksums agree: ${sums.size === 1 ? "yes" : `NO (${[...sums].join(", ")})`}; ${workers} workers, ${repeats} interleaved repeats; data ${data}`);
