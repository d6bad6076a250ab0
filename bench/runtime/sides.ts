/**
 * Running benchmark sides: each repeat of each side is one child process (so its peak RSS
 * is its own), and the repeats of a workload's sides are interleaved (A B C A B C ...) so
 * machine noise spreads over all of them.
 * @module
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { ChildResult } from "./child-result.js";
import { chunkBytes } from "./files.js";
import { median } from "./stats.js";

/** One side of a comparison: a command printing a {@link ChildResult} line. */
export interface Side {
  /** Row label in the report. */
  label: string;
  /** argv; cmd[0] is the program. */
  cmd: string[];
  /** Extra environment variables (shown in the command). */
  env?: Record<string, string>;
  /**
   * A side whose program prints no result line (the zarrflow CLI): its wall time is the
   * time, `bytes` the decoded bytes, and its peak RSS comes from the file named by
   * BENCH_RSS_FILE, written by bench/runtime/rss-on-exit.ts at exit.
   */
  wall?: { bytes: number };
  /** Paths removed before and after each run (fresh output directories). */
  scratch?: string[];
  /** Array directory the side writes: its chunk bytes are recorded before it is removed. */
  stored?: string;
  /** Informational only: not used for targets. */
  info?: boolean;
}

/** The samples of one side, or why it failed (then it is not repeated). */
export interface Outcome {
  side: Side;
  samples: ChildResult[];
  error?: string;
}

/** Summary figures of an outcome. */
export interface Summary {
  seconds: number;
  min: number;
  max: number;
  bytes: number;
  maxRssKiB: number;
  checksum: number | null;
  api?: string;
  chunks?: number;
}

const CHILD_TIMEOUT_MS = 60 * 60 * 1000;

/** Quote one shell word when needed. */
function quote(w: string): string {
  return /^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** The command line of a side as a user would type it from `cwd` (paths made relative). */
export function commandLine(side: Side, cwd: string): string {
  const rel = (w: string) => (path.isAbsolute(w) && w.startsWith(cwd + path.sep) ? path.relative(cwd, w) : w);
  const env = Object.entries(side.env ?? {}).map(([k, v]) => `${k}=${quote(v)} `).join("");
  return env + side.cmd.map((w) => quote(rel(w === process.execPath ? "node" : w))).join(" ");
}

/** Run one repeat of `side`; throws with the child's stderr tail on failure. */
export function runOnce(side: Side, cwd: string, tmpDir: string): ChildResult {
  for (const p of side.scratch ?? []) rmSync(p, { recursive: true, force: true });
  const rssFile = path.join(tmpDir, `rss-${process.pid}.txt`);
  rmSync(rssFile, { force: true });
  const t = performance.now();
  const r = spawnSync(side.cmd[0], side.cmd.slice(1), {
    cwd, encoding: "utf8", maxBuffer: 64 << 20, timeout: CHILD_TIMEOUT_MS,
    env: { ...process.env, ...side.env, BENCH_RSS_FILE: rssFile },
  });
  const wallSeconds = (performance.now() - t) / 1000;
  try {
    if (r.error) throw r.error;
    if (r.status !== 0) {
      const tail = (r.stderr || r.stdout || "").trim().split("\n").slice(-4).join(" | ");
      throw new Error(`exit ${r.status ?? r.signal}: ${tail.slice(0, 400)}`);
    }
    if (side.wall) {
      const rss = Number(readFileSync(rssFile, "utf8"));
      return { seconds: wallSeconds, bytes: side.wall.bytes, maxRssKiB: rss, checksum: null };
    }
    const line = r.stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
    if (!line) throw new Error(`no result line in output: ${r.stdout.slice(-200)}`);
    const result = JSON.parse(line) as ChildResult;
    if (side.stored) result.storedBytes = chunkBytes(side.stored);
    return result;
  } finally {
    for (const p of side.scratch ?? []) rmSync(p, { recursive: true, force: true });
    rmSync(rssFile, { force: true });
  }
}

/**
 * Run every side `repeats` times, interleaved: repeat 1 of every side, then repeat 2, ...
 * A side that fails once is dropped from later rounds and reported with its error.
 */
export function interleave(sides: Side[], repeats: number, cwd: string, tmpDir: string, log: (s: string) => void): Outcome[] {
  const out: Outcome[] = sides.map((side) => ({ side, samples: [] }));
  for (let rep = 0; rep < repeats; rep++) {
    for (const o of out) {
      if (o.error) continue;
      try {
        const r = runOnce(o.side, cwd, tmpDir);
        o.samples.push(r);
        log(`  [${rep + 1}/${repeats}] ${o.side.label}: ${r.seconds.toFixed(3)} s, ${(r.maxRssKiB / 1024).toFixed(0)} MiB${r.api ? ` (${r.api})` : ""}`);
      } catch (e) {
        o.error = (e as Error).message;
        log(`  [${rep + 1}/${repeats}] ${o.side.label}: FAILED ${o.error}`);
      }
    }
  }
  return out;
}

/** Medians over the samples (peak RSS: the largest seen). Undefined without samples. */
export function summarize(o: Outcome): Summary | undefined {
  if (o.samples.length === 0) return undefined;
  const secs = o.samples.map((s) => s.seconds);
  const first = o.samples[0];
  return {
    seconds: median(secs), min: Math.min(...secs), max: Math.max(...secs),
    bytes: first.bytes, maxRssKiB: Math.max(...o.samples.map((s) => s.maxRssKiB)),
    checksum: first.checksum, api: first.api, chunks: first.chunks,
  };
}
