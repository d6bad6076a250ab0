/**
 * Running the genomics sides: every repeat of every side is its own child process, all sides
 * of all layouts interleaved (round 1 of every side, then round 2, ...), so machine noise
 * spreads over every side and the cross-layout comparison (Zarr vs HDF5) is fair too.
 * @module
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { cpuMark, othersCores } from "./cpu-share.js";
import type { GSide } from "./sides.js";

/** One timed full pass of a side. */
export interface Pass {
  seconds: number;
  /** Total count of each allele, for sides that count. */
  totals?: number[];
}

/** What one run (one process) of a side measured. */
export interface Sample {
  /**
   * The timed passes, in order: the counting and decoding children time PASSES full passes in
   * a row after their warm-up (first pass, then the steady state); the CLI side has one, the
   * wall time of the whole process.
   */
  passes: Pass[];
  /** Decoded bytes the side handled per pass. */
  bytes: number;
  maxRssKiB: number;
  /** What the side ran (as the child reports it). */
  api?: string;
  /** CLI side: the seconds the CLI itself reports (after start-up and opening). */
  innerSeconds?: number;
}

/** The samples of one side, or why it failed (a failed side is not run again). */
export interface Outcome {
  side: GSide;
  samples: Sample[];
  error?: string;
  /** Cores other processes used during each run (the machine is shared); empty without /proc. */
  others: number[];
}

const TIMEOUT_MS = 30 * 60 * 1000;

/** Timed passes every child (all sides but the CLI) must report. */
export const PASSES = 2;

/** The CLI's `--json` report: the fields the benchmark reads. */
interface CliReport {
  alleleTotals: number[];
  shape: number[];
  seconds: number;
}

/** Parse a side's stdout into a sample (`wall`: the process's wall seconds; `rssFile`: the CLI preload's output). */
function parseSample(side: GSide, stdout: string, wall: number, rssFile: string): Sample {
  if (side.output === "cli") {
    const r = JSON.parse(stdout) as CliReport;
    const bytes = r.shape.reduce((a, b) => a * b, 1);
    return { passes: [{ seconds: wall, totals: r.alleleTotals }], bytes, maxRssKiB: Number(readFileSync(rssFile, "utf8")), innerSeconds: r.seconds, api: "count-alleles --json" };
  }
  const line = stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no result line in output: ${stdout.slice(-200)}`);
  const r = JSON.parse(line) as Sample;
  // A child that timed fewer passes would leave the steady-state column silently empty.
  if (!Array.isArray(r.passes) || r.passes.length !== PASSES || r.passes.some((p) => !(p.seconds > 0)))
    throw new Error(`expected ${PASSES} timed passes, got ${JSON.stringify(r.passes)?.slice(0, 200)}`);
  return { passes: r.passes.map((p) => ({ seconds: p.seconds, totals: p.totals ?? undefined })), bytes: r.bytes, maxRssKiB: r.maxRssKiB, api: r.api };
}

/** Run one repeat of `side` from `cwd`; throws with the child's stderr tail on failure. */
export function runOnce(side: GSide, cwd: string, tmp: string): Sample {
  const rssFile = path.join(tmp, `rss-${process.pid}.txt`);
  rmSync(rssFile, { force: true });
  const t = performance.now();
  const r = spawnSync(side.cmd[0], side.cmd.slice(1), { cwd, encoding: "utf8", maxBuffer: 64 << 20, timeout: TIMEOUT_MS, env: { ...process.env, BENCH_RSS_FILE: rssFile } });
  const wall = (performance.now() - t) / 1000;
  try {
    if (r.error) throw r.error;
    if (r.status !== 0) {
      const tail = (r.stderr || r.stdout || "").trim().split("\n").slice(-4).join(" | ");
      throw new Error(`exit ${r.status ?? r.signal}: ${tail.slice(0, 400)}`);
    }
    return parseSample(side, r.stdout, wall, rssFile);
  } finally {
    rmSync(rssFile, { force: true });
  }
}

/** Run every side `repeats` times, interleaved; logs each run. */
export function interleave(sides: GSide[], repeats: number, cwd: string, tmp: string, log: (s: string) => void): Outcome[] {
  const out: Outcome[] = sides.map((side) => ({ side, samples: [], others: [] }));
  for (let rep = 0; rep < repeats; rep++) {
    for (const o of out) {
      if (o.error) continue;
      const before = cpuMark();
      try {
        const s = runOnce(o.side, cwd, tmp);
        const others = othersCores(before, cpuMark());
        o.samples.push(s);
        if (others !== undefined) o.others.push(others);
        const busy = others === undefined ? "" : ` (other processes: ${others.toFixed(2)} cores)`;
        const secs = s.passes.map((p) => p.seconds.toFixed(3)).join(" / ");
        const totals = [...new Set(s.passes.map((p) => p.totals?.join(",")).filter((t) => t !== undefined))];
        log(`  [${rep + 1}/${repeats}] ${o.side.layout} ${o.side.label}: ${secs} s, ${(s.maxRssKiB / 1024).toFixed(0)} MiB${totals.length ? `, totals ${totals.join(" | ")}` : ""}${busy}`);
      } catch (e) {
        o.error = (e as Error).message;
        log(`  [${rep + 1}/${repeats}] ${o.side.layout} ${o.side.label}: FAILED ${o.error}`);
      }
    }
  }
  return out;
}
