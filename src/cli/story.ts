/**
 * `zarrflow story`: the README's main job. Makes Ag1000G-shaped demo genotypes as HDF5
 * (gzip 3) and Zarr (blosc zlib 3, chunks (6553, 200, 2)), counts alleles from each on all
 * cores with a progress bar, checks that both give the same counts, prints the timings side
 * by side and writes one profile page (task stream by worker, CPU % and memory) spanning
 * both runs. Only composes the library.
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createProfiler } from "../diagnostics/profiler.js";
import { createResourceProfiler } from "../diagnostics/resource-profiler.js";
import { summarize, visualize } from "../diagnostics/visualize.js";
import { DEMO_PATHS, demoData } from "../genomics/demo-data.js";
import type { ChunkPool } from "../runtime/pool.js";
import { countAllelesCommand, type CountAllelesReport } from "./count-alleles.js";

/** Options of {@link story}. */
export interface StoryOptions {
  /** Variants of the demo data (default 1 000 000: 1.5 GB of calls; ~15 s to make, a few seconds per count on 2 cores). */
  variants?: number;
  samples?: number;
  /** Pool for the counts (default all cores). */
  pool?: ChunkPool;
  progress?: boolean;
}

/** Default demo size of the story. */
export const STORY_VARIANTS = 1_000_000;

interface Made { variants: number; samples: number; seed: number }

/** Make the demo data unless `dir` already holds the same (a marker file records what was made). */
async function ensureDemo(dir: string, variants: number, samples: number, print: (l: string) => void): Promise<void> {
  const marker = join(dir, "story.json");
  const want: Made = { variants, samples, seed: 42 };
  const have = existsSync(marker) ? (JSON.parse(readFileSync(marker, "utf8")) as Made) : undefined;
  const present = existsSync(join(dir, DEMO_PATHS.zarr)) && existsSync(join(dir, DEMO_PATHS.hdf5));
  if (have && present && have.variants === variants && have.samples === samples && have.seed === want.seed) {
    print(`1. demo data already in ${dir} (${variants.toLocaleString("en-US")} variants × ${samples} samples × 2)`);
    return;
  }
  print(`1. making demo data in ${dir}: ${variants.toLocaleString("en-US")} variants × ${samples} samples × 2 (int8) as HDF5 and Zarr ...`);
  const t0 = performance.now();
  const s = await demoData(dir, { variants, samples, seed: want.seed, formats: ["zarr", "hdf5"] });
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  print(`   ${mib(s.bytes)} MiB of calls; HDF5 gzip 3: ${mib(s.sizes.hdf5 ?? 0)} MiB, Zarr blosc zlib 3: ${mib(s.sizes.zarr ?? 0)} MiB (ratio ${s.ratio.toFixed(1)}×); ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  writeFileSync(marker, JSON.stringify(want));
}

/** Run the story in `dir`, printing through `print`; returns both reports (HDF5 first). */
export async function story(dir: string, o: StoryOptions, print: (line: string) => void): Promise<[CountAllelesReport, CountAllelesReport]> {
  const root = resolve(dir);
  const variants = o.variants ?? STORY_VARIANTS;
  const samples = o.samples ?? 765;
  await ensureDemo(root, variants, samples, print);
  const prof = createProfiler();
  const res = createResourceProfiler({ intervalMs: 50 });
  const run = async (n: number, what: string, location: string): Promise<CountAllelesReport> => {
    print(`${n}. count alleles from ${what} on all cores: ${location}`);
    const r = await countAllelesCommand(location, { pool: o.pool, maxAllele: 3, progress: o.progress, label: what }, [prof, res]);
    print(`   ${r.seconds.toFixed(2)} s, ${(r.bytesPerSecond / 1e9).toFixed(2)} GB/s of calls, CPU ${Math.round(r.meanCpuPercent ?? 0)} % (100 % = one core)`);
    return r;
  };
  res.start();
  const h5 = await run(2, "HDF5", `${join(root, DEMO_PATHS.hdf5)}#${DEMO_PATHS.hdf5Dataset}`);
  const zarr = await run(3, "Zarr", `${join(root, DEMO_PATHS.zarr)}#${DEMO_PATHS.zarrArray}`);
  res.stop();
  const same = String(h5.alleleTotals) === String(zarr.alleleTotals) && h5.variantSites === zarr.variantSites && h5.segregatingSites === zarr.segregatingSites;
  print(`4. results ${same ? "agree" : "DIFFER"}: allele totals ${zarr.alleleTotals.map((n, a) => `${a}: ${n.toLocaleString("en-US")}`).join(", ")}; ${zarr.segregatingSites.toLocaleString("en-US")} segregating sites`);
  const row = (name: string, r: CountAllelesReport) =>
    `   ${name.padEnd(6)} ${r.seconds.toFixed(2).padStart(7)} s ${(r.bytesPerSecond / 1e9).toFixed(2).padStart(6)} GB/s ${String(Math.round(r.meanCpuPercent ?? 0)).padStart(5)} %   ${r.format === "hdf5" ? "gzip 3, chunks" : "blosc zlib 3, chunks"} (${r.storedChunks.join(", ")})`;
  print(`5. side by side (${zarr.workers} worker threads):`);
  print(`   source    time    calls    CPU`);
  print(row("HDF5", h5));
  print(row("Zarr", zarr));
  print(`   Zarr is ${(h5.seconds / zarr.seconds).toFixed(2)}× the speed of HDF5 here`);
  const page = join(root, "profile.html");
  visualize([prof, res], page, { title: "zarrflow story: count alleles from HDF5, then from Zarr" });
  const s = summarize(prof.records(), res.samples(), prof.window());
  print(`6. profile: ${page} (${s.tasks} tasks on ${s.workers} threads; peak RSS ${Math.round(s.peakRssMiB ?? 0)} MiB) — open it in a browser`);
  if (!same) throw new Error("HDF5 and Zarr counts differ");
  return [h5, zarr];
}
