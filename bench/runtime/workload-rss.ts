/**
 * Workload 5: peak RSS of `zarrflow export` (the CLI, unmodified) streaming the whole
 * zlib-layout array to .npy, for V and 4V variants (2V when the disk cannot hold the 4V
 * .npy), with --workers N and --workers 0. Flat means the bigger export's peak RSS is at
 * most FLAT_LIMIT × the smaller one's. Peak RSS comes from bench/runtime/rss-on-exit.ts
 * preloaded into the CLI process; the time is the process's wall time (start-up included).
 * @module
 */
import path from "node:path";
import { commandList, summaries } from "./compare.js";
import type { BenchContext } from "./context.js";
import { COMPONENT, SAMPLES, type DataSet } from "./data.js";
import { freeBytes } from "./files.js";
import { table, type Block, type Target } from "./report.js";
import { interleave, type Side } from "./sides.js";
import { gb, mbps, mib, sig } from "./stats.js";

/** Largest allowed growth of peak RSS from V to the bigger set. */
export const FLAT_LIMIT = 1.15;

/** Variants of the bigger data set: 4V, or 2V (with the reason) when the disk is short. */
export function bigVariants(ctx: { args: { data: string } }, variants: number): { variants: number; note?: string } {
  const need = (v: number) => v * SAMPLES * 2 * 1.1 + 2e9; // the .npy, its chunks, headroom
  const free = freeBytes(ctx.args.data);
  if (free >= need(4 * variants)) return { variants: 4 * variants };
  return { variants: 2 * variants, note: `only ${gb(free)} free on the data disk, 4× needs ${gb(need(4 * variants))}: measured 2× instead` };
}

/** Run workload 5 on data sets `small` (V) and `big` (4V or 2V). */
export function rssWorkload(ctx: BenchContext, small: DataSet, big: DataSet, bigNote?: string): Block {
  const n = ctx.args.workers;
  const side = (d: DataSet, workers: number): Side => {
    const out = path.join(ctx.tmp, `export-v${d.variants}-w${workers}.npy`);
    return {
      label: `export ${d.variants.toLocaleString("en")} variants, --workers ${workers}`,
      cmd: [process.execPath, "--import", "tsx", "--import", path.join(ctx.repo, "bench", "runtime", "rss-on-exit.ts"),
        path.join(ctx.repo, "src", "cli", "main.ts"), "export", `${d.zlib}#${COMPONENT}`, out, "--workers", String(workers), "--quiet"],
      wall: { bytes: d.bytes }, scratch: [out],
    };
  };
  const pairs = [n, 0].map((w) => [side(small, w), side(big, w)] as const);
  const sides = pairs.flat();
  ctx.log(`rss: ${sides.length} sides × ${ctx.args.repeats}`);
  const outcomes = interleave(sides, ctx.args.repeats, ctx.repo, ctx.tmp, ctx.log);
  const s = summaries(outcomes);
  const rows: string[][] = [];
  const targets: Target[] = [];
  for (const [a, b] of pairs) {
    const x = s.get(a.label);
    const y = s.get(b.label);
    const growth = x && y ? y.maxRssKiB / x.maxRssKiB : undefined;
    const w = a.cmd[a.cmd.indexOf("--workers") + 1];
    const cell = (v: typeof x, bytes: number) => (v ? `${mib(v.maxRssKiB)} (${sig(mbps(bytes, v.seconds))} MB/s)` : "failed");
    rows.push([`--workers ${w}`, cell(x, small.bytes), cell(y, big.bytes), growth === undefined ? "n/a" : `${sig(growth)}×`]);
    targets.push({
      target: `RSS flat: export ${big.variants / small.variants}× the variants with --workers ${w} peaks ≤ ${FLAT_LIMIT}× the RSS`,
      measured: growth === undefined ? "n/a" : `${x ? mib(x.maxRssKiB) : "?"} → ${y ? mib(y.maxRssKiB) : "?"} (${sig(growth)}×)`,
      met: growth === undefined ? null : growth <= FLAT_LIMIT,
      info: w === "0",
    });
  }
  const errors = outcomes.filter((o) => o.error).map((o) => `\n${o.side.label} failed: ${o.error}`);
  return {
    name: "rss",
    lines: [
      `### 5. Peak RSS of \`zarrflow export\` to .npy: ${small.variants.toLocaleString("en")} (${gb(small.bytes)}) vs ${big.variants.toLocaleString("en")} variants (${gb(big.bytes)}), zlib layout`,
      "",
      ...(bigNote ? [bigNote, ""] : []),
      ...table(["workers", `peak RSS ${small.variants.toLocaleString("en")} (MB/s)`, `peak RSS ${big.variants.toLocaleString("en")} (MB/s)`, "growth"], rows),
      "",
      `Peak RSS is the largest over ${ctx.args.repeats} runs; MB/s from the median wall time of the whole CLI process (start-up included).`,
      ...errors,
      "",
      "Commands:",
      "",
      ...commandList(outcomes, ctx.repo),
    ],
    targets,
  };
}
