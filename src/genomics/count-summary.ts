/**
 * Totals of per-variant allele counts in one pass: the count of each allele over all
 * variants, the number of variant sites (any alt allele observed) and of segregating sites
 * (more than one allele observed) — what `zarrflow count-alleles` prints. Each block of
 * counts reduces to one row in a worker; the rows are summed by a tree reduction.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { ComputeError } from "../format/errors.js";
import { siblingKernel } from "../runtime/kernel-task.js";
import type { ChunkSource } from "../sources/types.js";
import { compute, type ComputeOptions } from "../compute/compute.js";
import { DT } from "../compute/kernels/dtypes.js";
import { sharedData } from "../compute/kernels/values.js";
import { fromSource, type LazyArray } from "../compute/lazy.js";
import { mapBlocks } from "../compute/map-blocks.js";
import { rechunk } from "../compute/rechunk.js";
import { sum } from "../compute/reduce.js";

const SUMMARY = siblingKernel(import.meta.url, "./count-summary", "countSummaryKernel");

/** Totals of a (variants, alleles) count array. */
export interface CountSummary {
  variants: number;
  /** Count of each allele 0..n-1 over all variants. */
  alleleTotals: number[];
  /** Sites where an alt allele (index ≥ 1) is observed. */
  variantSites: number;
  /** Sites where more than one allele is observed. */
  segregatingSites: number;
}

/** Kernel: one block of counts (rows, A) → int64 (1, A + 2): allele totals, variant sites, segregating sites. */
export function countSummaryKernel(args: { blocks: NDArray[] }): NDArray {
  const b = args.blocks[0];
  if (b.shape.length !== 2 || !(b.dtype.kind === "int" || b.dtype.kind === "uint") || b.dtype.bits > 32) throw new ComputeError("countSummary", "needs 2-d integer allele counts of at most 32 bits");
  const [rows, A] = b.shape;
  const c = b.data as Int32Array;
  const totals = new Float64Array(A + 2);
  for (let r = 0; r < rows; r++) {
    let observed = 0, alt = 0;
    for (let a = 0; a < A; a++) {
      const n = c[r * A + a];
      totals[a] += n;
      if (n > 0) { observed++; if (a > 0) alt = 1; }
    }
    totals[A] += alt;
    if (observed > 1) totals[A + 1]++;
  }
  const out = sharedData(DT.int64, A + 2) as BigInt64Array;
  totals.forEach((t, i) => (out[i] = BigInt(t)));
  return { data: out, shape: [1, A + 2], dtype: DT.int64 };
}

/** The lazy (A + 2) int64 summary of `counts` (variants, alleles): sum of per-block rows; `label` names its tasks. */
export function countSummaryArray(counts: LazyArray | ChunkSource, label = "countSummary"): LazyArray {
  let c = fromSource(counts);
  const [V, A] = c.shape;
  if (c.chunkShape[1] < A) c = rechunk(c, [c.chunkShape[0], A]);
  const perBlock = mapBlocks(SUMMARY, [c], { dtype: DT.int64, chunks: [1, A + 2], shape: [Math.ceil(V / c.chunkShape[0]), A + 2], label: "countSummary" });
  return sum(perBlock, { axis: 0, label });
}

/** Compute the totals of `counts` (one pass over it, or over what makes it when lazy); `opts.label` names the tasks. */
export async function countSummary(counts: LazyArray | ChunkSource, opts: ComputeOptions & { label?: string } = {}): Promise<CountSummary> {
  const [V, A] = counts.shape;
  if (V === 0) return { variants: 0, alleleTotals: new Array<number>(A).fill(0), variantSites: 0, segregatingSites: 0 };
  const t = Array.from((await compute(countSummaryArray(counts, opts.label), opts)).data as BigInt64Array, Number);
  return { variants: V, alleleTotals: t.slice(0, A), variantSites: t[A], segregatingSites: t[A + 1] };
}
