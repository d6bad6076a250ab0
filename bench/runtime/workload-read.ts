/**
 * Workload 1: full read of the genotype array (V × 765 × 2 int8) in three layouts — blosc
 * zlib 3 (the demo data), blosc lz4 5 (the demo copy), blosc zstd 3 (a copy written by
 * zarr-python) — by zarrflow `get` on N workers, zarr-python + dask (threads, N workers),
 * zarr-python `z[:]`, zarrita.js, and (zlib table) h5py reading the HDF5 gzip-3 copy.
 * @module
 */
import { statSync } from "node:fs";
import path from "node:path";
import { commandList, comparisonTable, ratioTarget, speedup, summaries } from "./compare.js";
import { missingNote, pyPeer, pythonReads, zarritaRead, zarrflowRead, type BenchContext } from "./context.js";
import { COMPONENT, HDF5_DATASET, ZSTD, type DataSet } from "./data.js";
import { chunkBytes, warmPageCache } from "./files.js";
import type { Block, Target } from "./report.js";
import { interleave, type Side } from "./sides.js";
import { gb, sig } from "./stats.js";

interface Layout {
  name: string;
  zarr: string;
  describe: string;
}

/** Run workload 1 on data set `d`. */
export function readWorkload(ctx: BenchContext, d: DataSet): Block {
  const n = ctx.args.workers;
  const layouts: Layout[] = [
    { name: "zlib", zarr: d.zlib, describe: "blosc zlib 3 noshuffle (demo data)" },
    { name: "lz4", zarr: d.lz4, describe: "blosc lz4 5 noshuffle (demo copy)" },
    { name: "zstd", zarr: d.zstd, describe: `blosc ${ZSTD.cname} ${ZSTD.clevel} noshuffle (copy written by zarr-python, bench/peers/make_copy.py)` },
  ];
  const lines = [`### 1. Full read, ${d.variants.toLocaleString("en")} × 765 × 2 int8 (${gb(d.bytes)} decoded), N = ${n}`, ""];
  const targets: Target[] = [];
  const notes = [missingNote(ctx, "dask"), missingNote(ctx, "zarr"), missingNote(ctx, "h5py")].filter(Boolean);
  for (const l of layouts) {
    const ref = `zarrflow get, ${n} workers`;
    const sides: Side[] = [zarrflowRead(ctx, l.zarr, COMPONENT, n, ref), ...pythonReads(ctx, l.zarr, COMPONENT), zarritaRead(ctx, l.zarr, COMPONENT)];
    const h5 = l.name === "zlib" && ctx.py.h5py;
    if (h5) sides.push({ label: "h5py ds[:] (HDF5 gzip 3, chunks 6553×10×2)", cmd: pyPeer(ctx, "zarr_read.py", "h5py", d.h5, HDF5_DATASET, "1") });
    ctx.log(`read ${l.name}: ${sides.length} sides × ${ctx.args.repeats}`);
    warmPageCache(l.zarr);
    if (h5) warmPageCache(d.h5);
    const outcomes = interleave(sides, ctx.args.repeats, ctx.repo, ctx.tmp, ctx.log);
    const stored = chunkBytes(path.join(l.zarr, COMPONENT));
    lines.push(`#### ${l.name}: ${l.describe}, compression ratio ${sig(d.bytes / stored)}× (${gb(stored)} of chunks${h5 ? `; HDF5 file ${gb(statSync(d.h5).size)}, ratio ${sig(d.bytes / statSync(d.h5).size)}×` : ""})`, "");
    lines.push(...comparisonTable(outcomes, { bytes: d.bytes, ref }), "", "Commands:", "", ...commandList(outcomes, ctx.repo), "");
    const s = summaries(outcomes);
    targets.push(ratioTarget(`read ${l.name}: zarrflow ≥ 5× zarrita.js`, speedup(s, ref, "zarrita.js zarr.get"), 5));
    targets.push(ratioTarget(`read ${l.name}: zarrflow ≥ 1.3× zarr-python + dask (${n} workers)`, speedup(s, ref, `zarr-python + dask threads, ${n} workers`), 1.3));
    const plain = ["zarr-python z[:], 1 thread", "zarr-python z[:], c-blosc's own threads"].map((x) => s.get(x)).filter((x) => x !== undefined);
    const zf = s.get(ref);
    const best = plain.length ? Math.min(...plain.map((x) => x.seconds)) : undefined;
    targets.push(ratioTarget(`read ${l.name}: zarrflow ≥ 1× plain zarr-python z[:] (best thread setting)`, zf && best !== undefined ? best / zf.seconds : undefined, 1, true));
  }
  lines.push(
    "Every side runs in its own process after a warm-up read of the first chunk row; page cache warm; peak RSS includes the result array. Checksums (a sum over every 1009th element) agree unless a note says otherwise.",
    ...notes.map((x) => `\n${x}`),
  );
  return { name: "read", lines, targets };
}
