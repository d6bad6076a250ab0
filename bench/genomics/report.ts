/**
 * The genomics section of bench/RESULTS.md (between `<!-- genomics:start -->` and
 * `<!-- genomics:end -->`, appended at the end of the file when missing; nothing else in the
 * file is touched): targets, the per-layout summary the issue asks for, per-side tables,
 * the dask kernel's source, and the exact commands.
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { commandLine } from "../runtime/sides.js";
import { median, mib, sig } from "../runtime/stats.js";
import { table, verdict, type Target } from "../runtime/report.js";
import type { Layout } from "./args.js";
import type { Outcome, Sample } from "./run-side.js";
import type { LayoutPaths, Role } from "./sides.js";

/** Opening marker of the genomics section in bench/RESULTS.md. */
export const START = "<!-- genomics:start -->";
/** Closing marker of the genomics section. */
export const END = "<!-- genomics:end -->";

/** Medians of one side. */
interface Stat {
  seconds: number;
  min: number;
  max: number;
  maxRssKiB: number;
  bytes: number;
}

function stat(samples: Sample[]): Stat | undefined {
  if (samples.length === 0) return undefined;
  const s = samples.map((x) => x.seconds);
  return { seconds: median(s), min: Math.min(...s), max: Math.max(...s), maxRssKiB: Math.max(...samples.map((x) => x.maxRssKiB)), bytes: samples[0].bytes };
}

/** The first totals any counting side reported: what every other run must equal. */
export function referenceTotals(outcomes: Outcome[]): number[] | undefined {
  for (const o of outcomes) for (const s of o.samples) if (s.totals) return s.totals;
  return undefined;
}

/** Runs of `o` whose totals differ from `ref`. */
function mismatches(o: Outcome, ref: number[] | undefined): number {
  return o.samples.filter((s) => s.totals && String(s.totals) !== String(ref)).length;
}

/** The outcome of `role` on `layout`, and its medians. */
function find(outcomes: Outcome[], layout: Layout, role: Role): { o?: Outcome; s?: Stat } {
  const o = outcomes.find((x) => x.side.layout === layout && x.side.role === role);
  return { o, s: o ? stat(o.samples) : undefined };
}

const secs = (s?: Stat) => (s ? s.seconds.toFixed(3) : "–");
const ratio = (a?: Stat, b?: Stat) => (a && b ? b.seconds / a.seconds : undefined);
const fmtRatio = (r?: number) => (r === undefined ? "–" : `${sig(r)}×`);
const pct = (r?: number) => (r === undefined ? "–" : `${(r * 100).toFixed(0)} %`);

/** The brief's targets from the medians. */
export function targets(outcomes: Outcome[], layouts: Layout[], run: string): Target[] {
  const out: Target[] = [];
  const t = (target: string, measured: number | undefined, goal: number, show: (x?: number) => string, info = false) =>
    out.push({ target, measured: show(measured), met: measured === undefined ? null : measured >= goal, run, info });
  for (const l of layouts) {
    const zf = find(outcomes, l, "zarrflow").s;
    t(`${l}: zarrflow ≥ 1.5× dask + numba (same workers)`, ratio(zf, find(outcomes, l, "dask").s), 1.5, fmtRatio);
  }
  if (layouts.includes("hdf5")) {
    const h5 = find(outcomes, "hdf5", "zarrflow").s;
    for (const l of layouts.filter((x) => x !== "hdf5"))
      t(`zarrflow: Zarr ${l} path faster than the HDF5 path (HDF5 s ÷ Zarr s > 1)`, ratio(find(outcomes, l, "zarrflow").s, h5), 1 + 1e-9, fmtRatio, l !== "zlib");
  }
  for (const l of layouts) {
    const zf = find(outcomes, l, "zarrflow").s;
    t(`${l}: zarrflow ≥ 80 % of the native-decode limit (limit s ÷ zarrflow s)`, ratio(zf, find(outcomes, l, "limit").s), 0.8, pct);
  }
  return out;
}

/** One row per layout: the comparison the issue asks for. */
function summaryTable(outcomes: Outcome[], layouts: Layout[], workers: number): string[] {
  const rows = layouts.map((l) => {
    const zf = find(outcomes, l, "zarrflow").s, z1 = find(outcomes, l, "zarrflow1").s, dk = find(outcomes, l, "dask").s, lim = find(outcomes, l, "limit").s;
    const speedup = ratio(zf, z1);
    return [
      l, secs(zf), secs(dk), fmtRatio(ratio(zf, dk)), secs(z1),
      speedup === undefined ? "–" : `${sig(speedup)}× (efficiency ${sig(speedup / workers)})`,
      secs(lim), pct(ratio(zf, lim)),
      [zf, dk, lim].map((s) => (s ? mib(s.maxRssKiB) : "–")).join(" / "),
    ];
  });
  return table([
    "layout", `zarrflow ${workers}w s`, `dask + numba ${workers}w s`, "zarrflow is × dask", "zarrflow 1w s",
    `scaling 1 → ${workers} workers`, `decode limit ${workers}t s`, "zarrflow % of limit", "peak RSS zarrflow / dask / limit",
  ], rows);
}

/** Per-side table of one layout. */
function layoutTable(outcomes: Outcome[], layout: Layout, ref: number[] | undefined): string[] {
  const mine = outcomes.filter((o) => o.side.layout === layout);
  const zf = find(outcomes, layout, "zarrflow").s;
  const rows = mine.map((o) => {
    const s = stat(o.samples);
    const label = o.side.info ? `${o.side.label} (info)` : o.side.label;
    if (!s) return [label, "–", "–", "–", "–", `failed: ${o.error ?? "no samples"}`];
    const notes: string[] = [];
    const counted = o.samples.filter((x) => x.totals).length;
    if (counted) {
      const bad = mismatches(o, ref);
      notes.push(bad ? `**totals differ in ${bad} of ${counted} runs**` : `totals equal in ${counted}/${counted} runs`);
    }
    const inner = o.samples.map((x) => x.innerSeconds).filter((x): x is number => x !== undefined);
    if (inner.length) notes.push(`CLI's own time ${median(inner).toFixed(3)} s`);
    if (o.side.role === "dask" && o.samples[0].api) notes.push(o.samples[0].api.replace(/^.*?, /, ""));
    if (o.error) notes.push(`a later run failed: ${o.error}`);
    return [label, `${s.seconds.toFixed(3)} (${s.min.toFixed(3)}–${s.max.toFixed(3)})`, sig(s.bytes / 1e9 / s.seconds), zf ? sig(s.seconds / zf.seconds) : "–", mib(s.maxRssKiB), notes.join("; ")];
  });
  return table(["side", "median s (min–max)", "GB/s", "zarrflow is ×", "peak RSS", "notes"], rows);
}

/** The dask kernel as the peer runs it (between its `# kernel:start` / `# kernel:end` lines). */
export function kernelSource(file: string): string[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const a = lines.findIndex((l) => l.trim() === "# kernel:start");
  const b = lines.findIndex((l) => l.trim() === "# kernel:end");
  return a >= 0 && b > a ? lines.slice(a + 1, b) : ["(kernel markers not found)"];
}

/** What other processes took during the runs (from /proc/stat minus this benchmark's own CPU time). */
function othersLine(o?: { median: number; max: number; runs: number }): string {
  if (!o) return "CPU used by other processes: unknown (no /proc).";
  const line = `CPU used by other processes during the timed children: median ${o.median.toFixed(2)} cores, max ${o.max.toFixed(2)} (of ${o.runs} runs).`;
  return o.median > 0.25 ? `${line} **The machine was shared during this run: absolute times are inflated and noisy; read the ratios (sides are interleaved).**` : line;
}

/** Everything the section needs. */
export interface ReportInput {
  invocation: string;
  machineLine: string;
  date: string;
  commit: string;
  variants: number;
  repeats: number;
  workers: number;
  layouts: Layout[];
  paths: Record<Layout, LayoutPaths>;
  outcomes: Outcome[];
  targets: Target[];
  /** Load averages before and after the runs; cores other processes used per run (median, max), when known. */
  load: { before: number[]; after: number[]; others?: { median: number; max: number; runs: number } };
  kernel: string[];
  build: { command: string; note?: string };
  dataCommands: string[];
  repo: string;
}

/** The section's markdown lines (without the markers). */
export function sectionLines(r: ReportInput): string[] {
  const ref = referenceTotals(r.outcomes);
  const allCounted = r.outcomes.flatMap((o) => o.samples.filter((s) => s.totals)).length;
  const bad = r.outcomes.reduce((n, o) => n + mismatches(o, ref), 0);
  const la = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(", ");
  const out: string[] = [
    "## Genomics: count-alleles (`node --import tsx bench/genomics.ts`)",
    "",
    `Run: \`${r.invocation}\` — ${r.variants.toLocaleString("en")} variants × 765 samples × 2 (int8, ${(r.variants * 1530 / 1e9).toFixed(2)} GB decoded), N = ${r.workers}, ${r.repeats} interleaved repeats, ${r.date}, zarrflow ${r.commit}.`,
    "",
    `Machine: ${r.machineLine}`,
    "",
    `Load: 1/5/15-min averages ${la(r.load.before)} before, ${la(r.load.after)} after (they count this benchmark's own threads too). ${othersLine(r.load.others)}`,
    "",
    "Method: every repeat of every side of every layout is its own child process, all interleaved (round 1 of every side, round 2, ...); figures are medians (min–max); peak RSS is the largest over the runs (`process.resourceUsage().maxRSS` in Node, worker threads included; `ru_maxrss` in Python); GB/s are 10^9 decoded genotype bytes per second; `zarrflow is ×` = the side's median ÷ zarrflow's N-worker median (above 1: zarrflow is faster). Page cache warm. The zarrflow children are compiled JS (a private `tsc` build, no tsx); every counting side first counts the first N variant rows of chunks untimed (threads, codecs, numba's compilation, HDF5 file opened), then times counting the whole array into a (variants, 4) int32 result. The decode limits decode every chunk already in memory (reading not timed) on N threads into reused buffers, without counting or placing.",
    "",
    "### Targets",
    "",
    ...table(["target", "measured", "verdict"], r.targets.map((t) => [t.target, t.measured, verdict(t.met, t.info)])),
    "",
    "### Summary",
    "",
    ...summaryTable(r.outcomes, r.layouts, r.workers),
    "",
    `Scaling = zarrflow's 1-worker median ÷ its ${r.workers}-worker median (efficiency = that ÷ ${r.workers}). Peak RSS of the decode limit includes every chunk file held in memory.`,
    "",
    `Allele totals (alleles 0..3 over the whole array): ${ref ? ref.map((n) => n.toLocaleString("en")).join(" / ") : "none"}; ${bad === 0 ? `equal in all ${allCounted} counting runs (zarrflow, dask, CLI, every layout)` : `**${bad} of ${allCounted} counting runs differ**`}.`,
  ];
  for (const l of r.layouts) out.push("", `### ${l}: ${r.paths[l].describe}`, "", ...layoutTable(r.outcomes, l, ref));
  out.push(
    "", "### The dask peer's kernel (bench/genomics/count_alleles_dask.py)", "",
    "Over Zarr: `da.from_zarr(path, component=\"calldata/GT\")` (blocks = the Zarr chunks, 6553 × 200 × 2); over HDF5: `da.from_array(h5py_dataset, chunks=(6553, 765, 2))`; then `count_alleles(gt, 3).compute(scheduler=\"threads\", num_workers=N)`:",
    "", "```python", ...r.kernel, "```",
    "", "zarrflow side (bench/genomics/child-count.ts): `const g = await openGenotypes(location, { pool })`, `const ac = await genotypeArray(g.source).countAlleles({ maxAllele: 3 })`, `await compute(ac.array, { pool })`, pool = `createPool({ threads: N })`.",
    "", "### Commands", "",
    `- build (once per run; the timed Node children use its output): \`${r.build.command}\`${r.build.note ? ` — ${r.build.note}` : ""}`,
    ...r.outcomes.filter((o, i, all) => all.findIndex((x) => x.side.label === o.side.label && x.side.layout === o.side.layout) === i)
      .map((o) => `- ${o.side.layout}, ${o.side.label}: \`${commandLine({ label: o.side.label, cmd: o.side.cmd }, r.repo)}\``),
    "", "Data (generated once, reused when present):", "", ...r.dataCommands.map((c) => `- \`${c}\``),
  );
  return out;
}

/** Replace (or append) the genomics section of `file`. */
export function writeSection(file: string, lines: string[]): void {
  const text = readFileSync(file, "utf8");
  const body = [START, ...lines, END].join("\n");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a >= 0 && b > a) writeFileSync(file, text.slice(0, a) + body + text.slice(b + END.length));
  else writeFileSync(file, text + (text.endsWith("\n\n") ? "" : text.endsWith("\n") ? "\n" : "\n\n") + body + "\n");
}
