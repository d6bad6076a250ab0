/**
 * Workload 4: scaling of zarrflow's full read (zlib layout): main thread, 1 worker and N
 * workers, interleaved; parallel efficiency = (1-worker seconds ÷ N-worker seconds) ÷ N.
 * @module
 */
import { commandList, comparisonTable, summaries } from "./compare.js";
import { zarrflowRead, type BenchContext } from "./context.js";
import { COMPONENT, type DataSet } from "./data.js";
import { warmPageCache } from "./files.js";
import type { Block } from "./report.js";
import { interleave } from "./sides.js";
import { gb, sig } from "./stats.js";

/** Run workload 4 on data set `d`. */
export function scalingWorkload(ctx: BenchContext, d: DataSet): Block {
  const n = ctx.args.workers;
  const one = "zarrflow get, 1 worker";
  const many = `zarrflow get, ${n} workers`;
  const sides = [zarrflowRead(ctx, d.zlib, COMPONENT, 0), zarrflowRead(ctx, d.zlib, COMPONENT, 1, one), zarrflowRead(ctx, d.zlib, COMPONENT, n, many)];
  ctx.log(`scaling: ${sides.length} sides × ${ctx.args.repeats}`);
  warmPageCache(d.zlib);
  const outcomes = interleave(sides, ctx.args.repeats, ctx.repo, ctx.tmp, ctx.log);
  const s = summaries(outcomes);
  const t1 = s.get(one)?.seconds;
  const tn = s.get(many)?.seconds;
  const eff = t1 !== undefined && tn !== undefined ? t1 / tn / n : undefined;
  const effText = eff === undefined ? "n/a" : `${sig(eff)} (speed-up ${sig(t1! / tn!)}× on ${n} workers)`;
  return {
    name: "scaling",
    lines: [
      `### 4. Scaling: zarrflow full read, zlib layout, ${d.variants.toLocaleString("en")} variants (${gb(d.bytes)})`,
      "",
      ...comparisonTable(outcomes, { bytes: d.bytes, ref: many }),
      "",
      `Parallel efficiency (1 worker → ${n} workers): ${effText}.`,
      ...(n === 1 ? ["", "N = 1: efficiency is trivially 1; run with --workers ≥ 2 on a multi-core machine."] : []),
      "",
      "Commands:",
      "",
      ...commandList(outcomes, ctx.repo),
    ],
    targets: [{ target: `scaling: parallel efficiency ≥ 0.9 (1 → ${n} workers)`, measured: eff === undefined ? "n/a" : sig(eff), met: eff === undefined ? null : eff >= 0.9 }],
  };
}
