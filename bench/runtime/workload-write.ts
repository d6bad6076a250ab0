/**
 * Workload 2: write the genotype array from memory to a fresh directory, blosc zlib 3 and
 * lz4 5 noshuffle (the demo layouts): zarrflow `set(arr, null, data, {pool})` on N workers
 * (and on the main thread, for information) vs zarr-python `z[:] = data` and dask
 * `da.from_array(data, chunks).to_zarr(...)` on N threads. Every side loads the same .npy
 * first (not timed).
 * @module
 */
import path from "node:path";
import { commandList, comparisonTable, ratioTarget, summaries } from "./compare.js";
import { missingNote, pyPeer, tsChild, type BenchContext } from "./context.js";
import { CHUNKS, COMPONENT, type DataSet } from "./data.js";
import { warmPageCache } from "./files.js";
import type { Block, Target } from "./report.js";
import { interleave, type Side } from "./sides.js";
import { gb } from "./stats.js";

/** Run workload 2 on data set `d` (needs its .npy copy). */
export function writeWorkload(ctx: BenchContext, d: DataSet): Block {
  const n = ctx.args.workers;
  const lines = [`### 2. Write from memory, ${d.variants.toLocaleString("en")} × 765 × 2 int8 (${gb(d.bytes)}), N = ${n}`, ""];
  const targets: Target[] = [];
  warmPageCache(d.npy);
  for (const [cname, clevel] of [["zlib", "3"], ["lz4", "5"]] as const) {
    const out = (tag: string) => path.join(ctx.tmp, `write-${cname}-${tag}`);
    const side = (label: string, tag: string, cmd: string[], info = false): Side =>
      ({ label, cmd, scratch: [out(tag), `${out(tag)}.warmup`], stored: path.join(out(tag), COMPONENT), info });
    const args = (tag: string) => [d.npy, out(tag), cname, clevel, CHUNKS.join(",")];
    const ref = `zarrflow set, ${n} workers`;
    const sides: Side[] = [
      side(ref, "zf", tsChild(ctx, "child-write.ts", ...args("zf"), String(n))),
      side("zarrflow set, main thread", "zf0", tsChild(ctx, "child-write.ts", ...args("zf0"), "0"), true),
    ];
    if (ctx.py.zarr) sides.push(side("zarr-python z[:] = data", "zp", pyPeer(ctx, "zarr_write.py", "zarr", ...args("zp"), "1")));
    if (ctx.py.zarr && ctx.py.dask) sides.push(side(`dask to_zarr, threads, ${n} workers`, "dk", pyPeer(ctx, "zarr_write.py", "dask", ...args("dk"), String(n))));
    ctx.log(`write ${cname}: ${sides.length} sides × ${ctx.args.repeats}`);
    const outcomes = interleave(sides, ctx.args.repeats, ctx.repo, ctx.tmp, ctx.log);
    lines.push(`#### blosc ${cname} ${clevel} noshuffle, chunks ${CHUNKS.join("×")}`, "");
    lines.push(...comparisonTable(outcomes, { bytes: d.bytes, ref }), "", "Commands:", "", ...commandList(outcomes, ctx.repo), "");
    const s = summaries(outcomes);
    const zf = s.get(ref);
    const py = ["zarr-python z[:] = data", `dask to_zarr, threads, ${n} workers`].map((l) => s.get(l)).filter((x) => x !== undefined);
    const best = py.length ? Math.min(...py.map((x) => x.seconds)) : undefined;
    targets.push(ratioTarget(`write ${cname}: zarrflow ≥ 1.5× zarr-python (best of z[:] = and dask)`, zf && best !== undefined ? best / zf.seconds : undefined, 1.5));
  }
  lines.push(
    "Timed: creating the array and writing every chunk to the page cache (no fsync); each side first writes the first chunk row to a scratch copy (warm-up). zarr-python's `z[:] = data` lets c-blosc use its own threads (numcodecs' default on the main thread). Ratio = decoded bytes ÷ chunk bytes written (zarrflow's zlib comes from Node's bundled zlib, a different build than Debian's).",
    ...[missingNote(ctx, "dask"), missingNote(ctx, "zarr")].filter(Boolean).map((x) => `\n${x}`),
  );
  return { name: "write", lines, targets };
}
