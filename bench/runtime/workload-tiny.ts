/**
 * Workload 3: many tiny chunks. A TINY_ROWS × 765 × 2 int8 array chunked 2048 × 1 × 2
 * (4 KiB decoded per chunk, blosc zlib 3, written by zarr-python from the demo rows), read
 * whole: chunks/s of zarrflow (N workers, and main thread) vs zarr-python (+ dask) and
 * zarrita.js. Per-chunk overhead dominates, not decompression.
 * @module
 */
import path from "node:path";
import { commandList, comparisonTable, ratioTarget, speedup, summaries } from "./compare.js";
import { missingNote, pythonReads, zarritaRead, zarrflowRead, type BenchContext } from "./context.js";
import { COMPONENT, SAMPLES, TINY_CHUNKS, TINY_ROWS, type DataSet } from "./data.js";
import { chunkBytes, chunkCount, warmPageCache } from "./files.js";
import type { Block } from "./report.js";
import { interleave } from "./sides.js";
import { gb, sig } from "./stats.js";

/** Run workload 3 on data set `d` (needs its tiny-chunk copy). */
export function tinyWorkload(ctx: BenchContext, d: DataSet): Block {
  const n = ctx.args.workers;
  const shape = [TINY_ROWS, SAMPLES, 2];
  const bytes = TINY_ROWS * SAMPLES * 2;
  const chunks = chunkCount(shape, TINY_CHUNKS);
  const ref = `zarrflow get, ${n} workers`;
  const sides = [
    zarrflowRead(ctx, d.tiny, COMPONENT, n, ref),
    { ...zarrflowRead(ctx, d.tiny, COMPONENT, 0), info: true },
    ...pythonReads(ctx, d.tiny, COMPONENT),
    zarritaRead(ctx, d.tiny, COMPONENT),
  ];
  ctx.log(`tiny: ${sides.length} sides × ${ctx.args.repeats}`);
  warmPageCache(d.tiny);
  const outcomes = interleave(sides, ctx.args.repeats, ctx.repo, ctx.tmp, ctx.log);
  const stored = chunkBytes(path.join(d.tiny, COMPONENT));
  const s = summaries(outcomes);
  const zp = ["zarr-python z[:], 1 thread", "zarr-python z[:], c-blosc's own threads"].map((l) => s.get(l)).filter((x) => x !== undefined);
  const zf = s.get(ref);
  const best = zp.length ? Math.min(...zp.map((x) => x.seconds)) : undefined;
  return {
    name: "tiny",
    lines: [
      `### 3. Tiny chunks: ${TINY_ROWS.toLocaleString("en")} × ${SAMPLES} × 2 int8 chunked ${TINY_CHUNKS.join("×")} (4 KiB decoded), ${chunks.toLocaleString("en")} chunks, ${gb(bytes)} decoded, N = ${n}`,
      "",
      `blosc zlib 3 noshuffle written by zarr-python (bench/peers/make_copy.py tiny; the first ${TINY_ROWS} demo rows, tiled when the demo set is smaller); compression ratio ${sig(bytes / stored)}×.`,
      "",
      ...comparisonTable(outcomes, { bytes, ref, chunks }),
      "",
      "Commands:",
      "",
      ...commandList(outcomes, ctx.repo),
      ...[missingNote(ctx, "dask"), missingNote(ctx, "zarr")].filter(Boolean).map((x) => `\n${x}`),
    ],
    targets: [
      ratioTarget("tiny chunks: zarrflow chunks/s ≥ zarr-python z[:] (best thread setting)", zf && best !== undefined ? best / zf.seconds : undefined, 1),
      ratioTarget(`tiny chunks: zarrflow chunks/s ≥ zarr-python + dask (${n} workers)`, speedup(s, ref, `zarr-python + dask threads, ${n} workers`), 1, true),
    ],
  };
}
