/**
 * Genotype arrays with scikit-allel's semantics over any chunk source: int8 calls shaped
 * (variants, samples, ploidy), lazy and chunked. Everything returns lazy arrays (or, for
 * allele counts, {@link AlleleCounts} over one) that run as fused tasks on the worker pool
 * when computed; see genotype-kernels.ts for the call and allele rules (-1 missing, -2 pad).
 *
 * Allele counting reads each variant row of chunks in one task: the chunks of that row
 * (grouped so a task decodes at most {@link GROUP_BYTES}) are decoded and counted in the same
 * worker in one pass, straight into the int32 result — no per-chunk partials to combine
 * unless a row needs several groups (then their int32 counts are summed by a tree reduction).
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import type { ZarrArray } from "../array/node.js";
import type { DimSelection } from "../array/selection-types.js";
import { SelectionError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import { siblingKernel } from "../runtime/kernel-task.js";
import { chunkGrid, type ChunkSource } from "../sources/types.js";
import { compute, type ComputeOptions } from "../compute/compute.js";
import { fromSource, isLazy, lazyArray, planOf, type LazyArray } from "../compute/lazy.js";
import { astype } from "../compute/ops.js";
import type { BlockPlan } from "../compute/plan.js";
import { rechunk } from "../compute/rechunk.js";
import { sum } from "../compute/reduce.js";
import { select } from "../compute/select.js";
import { DT } from "../compute/kernels/dtypes.js";
import { alleleCounts, type AlleleCounts } from "./allele-counts.js";
import { MAX_ALLELE_LIMIT, type CallOp } from "./genotype-kernels.js";

const COUNT = siblingKernel(import.meta.url, "./genotype-kernels", "countAllelesKernel");
const CALL = siblingKernel(import.meta.url, "./genotype-kernels", "callKernel");
const CALL_COUNTS = siblingKernel(import.meta.url, "./genotype-kernels", "callAlleleCountsKernel");
const MAX_ALLELE = siblingKernel(import.meta.url, "./genotype-kernels", "maxAlleleKernel");

/** Decoded bytes one allele-counting task reads at most (a variant row of chunks is split beyond it). */
export const GROUP_BYTES = 64 * 2 ** 20;

/** Options of {@link GenotypeArray.countAlleles}. */
export interface CountAllelesOptions extends ComputeOptions {
  /**
   * Highest allele to count (counts have `maxAllele + 1` columns). Default: the largest
   * allele in the data, which costs an extra pass over the whole array (the compute options
   * apply to it); pass it when the metadata knows the number of alleles.
   */
  maxAllele?: number;
  /** Count only these samples (indexes; a sample listed twice counts twice). Default all. */
  subpop?: readonly number[];
  /** Decoded bytes one task reads at most (default {@link GROUP_BYTES}); wider variant rows of chunks are split. */
  maxTaskBytes?: number;
}

/** Axis of a per-call count: 0 = per sample, 1 = per variant, undefined = over everything. */
export type CountAxis = 0 | 1 | undefined;

/** A lazy genotype array (see the module notes); build one with {@link genotypeArray}. */
export interface GenotypeArray {
  /** The calls: int8 (variants, samples, ploidy), the ploidy axis in one chunk. */
  readonly array: LazyArray;
  readonly nVariants: number;
  readonly nSamples: number;
  readonly ploidy: number;
  /** The largest allele index present (-1 when none): one pass over the data. */
  maxAllele(opts?: ComputeOptions): Promise<number>;
  /** Allele counts per variant: int32 (variants, maxAllele + 1). */
  countAlleles(opts?: CountAllelesOptions): Promise<AlleleCounts>;
  /**
   * Allele counts of several sample sets, computed in one pass when computed together
   * (`computeMany(Object.values(r).map((ac) => ac.array))`): each is int32
   * (variants, maxAllele + 1).
   */
  countAllelesSubpops(subpops: Readonly<Record<string, readonly number[]>>, opts?: Omit<CountAllelesOptions, "subpop">): Promise<Record<string, AlleleCounts>>;
  /** Calls with no missing allele and at least one allele: bool (variants, samples). */
  isCalled(): LazyArray;
  /** Calls that are not called. */
  isMissing(): LazyArray;
  /** Called calls whose alleles are all equal (haploid calls too). */
  isHom(): LazyArray;
  /** Called calls with only allele 0. */
  isHomRef(): LazyArray;
  /** Hom calls of an alt allele. */
  isHomAlt(): LazyArray;
  /** Called calls with different alleles. */
  isHet(): LazyArray;
  /** Number of alt alleles per call: int8 (variants, samples); `fill` (default 0) for calls not called. */
  toNAlt(opts?: { fill?: number }): LazyArray;
  /** Copies of each allele per call: uint8 (variants, samples, maxAllele + 1); maxAllele as in countAlleles. */
  toAlleleCounts(opts?: { maxAllele?: number } & ComputeOptions): Promise<LazyArray>;
  /** Called calls, over everything (0-d), per sample (axis 0) or per variant (axis 1): int64. */
  countCalled(axis?: CountAxis): LazyArray;
  /** Missing calls (as countCalled). */
  countMissing(axis?: CountAxis): LazyArray;
  /** Het calls (as countCalled). */
  countHet(axis?: CountAxis): LazyArray;
  /** Hom-ref calls (as countCalled). */
  countHomRef(axis?: CountAxis): LazyArray;
  /** Hom-alt calls (as countCalled). */
  countHomAlt(axis?: CountAxis): LazyArray;
  /** The variants (axis 0) or samples (axis 1) where `mask` is true. */
  compress(mask: ArrayLike<boolean | number>, axis?: 0 | 1): GenotypeArray;
  /** The variants (axis 0) or samples (axis 1) at `indices`, in that order. */
  take(indices: readonly number[], axis?: 0 | 1): GenotypeArray;
  /** Variants and samples by selection (a mask, an index list, a slice or null = all). */
  subset(variants?: DimSelection, samples?: DimSelection): GenotypeArray;
}

/** Make the int8 (variants, samples, ploidy) lazy array a genotype array needs, or say why not. */
function genotypeSource(x: ChunkSource | ZarrArray | NDArray | LazyArray): LazyArray {
  let a = fromSource(x);
  if (a.shape.length !== 3) throw new SelectionError(`genotypes must be 3-d (variants, samples, ploidy), got shape [${a.shape.join(", ")}]`, a.name);
  const dt = a.dtype;
  if (dt.kind !== "int" && dt.kind !== "uint") throw new SelectionError(`genotypes must be integers, got ${dt.kind}`, a.name);
  if (!(dt.kind === "int" && dt.bits === 8)) a = astype(a, DT.int8);
  if (a.chunkShape[2] < a.shape[2]) a = rechunk(a, [a.chunkShape[0], a.chunkShape[1], a.shape[2]]);
  return a;
}

/**
 * Keep the last plans made: arrays selected from one lazy array (the sub-populations of
 * countAllelesSubpops) then share plan objects per block, which fused evaluation computes once.
 */
function memoPlans(plan: (c: readonly number[]) => BlockPlan, size = 256): (c: readonly number[]) => BlockPlan {
  const cache = new Map<string, BlockPlan>();
  return (c) => {
    const k = c.join(",");
    let p = cache.get(k);
    if (!p) {
      p = plan(c);
      cache.set(k, p);
      if (cache.size > size) cache.delete(cache.keys().next().value as string);
    }
    return p;
  };
}

/** Sample sets → per sample block: the local indexes to count (null = all), blocks nobody needs left out. */
function sampleBlocks(gt: LazyArray, pops: readonly (readonly number[] | null)[]): { blocks: number[]; picks: (number[] | null)[][] } {
  const [, S] = gt.shape;
  const cs = gt.chunkShape[1];
  const nBlocks = chunkGrid(gt)[1];
  const perPop = pops.map((pop) => {
    const local: (number[] | null)[] = Array.from({ length: nBlocks }, () => (pop === null ? null : []));
    if (pop !== null) for (const s of pop) {
      if (!(Number.isInteger(s) && s >= 0 && s < S)) throw new SelectionError(`sample index ${s} is out of range (0..${S - 1})`, gt.name);
      (local[Math.floor(s / cs)] as number[]).push(s % cs);
    }
    return local;
  });
  const blocks = [...Array(nBlocks).keys()].filter((j) => perPop.some((l) => l[j] === null || l[j]!.length > 0));
  // Nobody selected: still one block (counted with an empty list) so each variant row gets its zeros.
  if (blocks.length === 0 && nBlocks > 0) return { blocks: [0], picks: perPop.map(() => [[]]) };
  return { blocks, picks: perPop.map((l) => blocks.map((j) => l[j])) };
}

/** Split sample blocks into consecutive groups of at most GROUP_BYTES decoded per variant row. */
function groupsOf(gt: LazyArray, blocks: readonly number[], maxBytes: number): number[][] {
  const rowBytes = gt.chunkShape[0] * gt.chunkShape[1] * gt.shape[2];
  const perGroup = Math.max(1, Math.floor(maxBytes / Math.max(1, rowBytes)));
  const out: number[][] = [];
  for (let i = 0; i < blocks.length; i += perGroup) out.push(blocks.slice(i, i + perGroup));
  return out;
}

/**
 * Allele counts of sample sets `pops` (null = all samples): int32 (variants, pops, alleles)
 * when `popAxis`, else (variants, alleles) for the single set.
 */
function countLazy(gt: LazyArray, pops: readonly (readonly number[] | null)[], maxAllele: number, popAxis: boolean, maxBytes = GROUP_BYTES): LazyArray {
  if (!(Number.isInteger(maxAllele) && maxAllele >= -1 && maxAllele <= MAX_ALLELE_LIMIT)) throw new SelectionError(`maxAllele must be an integer in [-1, ${MAX_ALLELE_LIMIT}], got ${maxAllele}`, gt.name);
  const nA = maxAllele + 1;
  const [V] = gt.shape;
  const cv = gt.chunkShape[0];
  const P = pops.length;
  const { blocks, picks } = sampleBlocks(gt, pops);
  const groups = groupsOf(gt, blocks, maxBytes);
  const tail = popAxis ? [P, nA] : [nA];
  const callFor = (v: number, group: readonly number[], groupAxis: boolean): BlockPlan => {
    const inputs: Record<string, BlockPlan> = {};
    group.forEach((j, i) => (inputs[String(i)] = planOf(gt, [v, j, 0])));
    const at = group.map((j) => blocks.indexOf(j));
    const samples = picks.map((perBlock) => at.map((k) => perBlock[k]));
    return { kind: "call", kernel: COUNT, label: "countAlleles", params: { params: { maxAllele, pops: samples, popAxis, groupAxis } }, inputs, blocksAs: "blocks", rawInputs: true };
  };
  if (groups.length <= 1) {
    const only = groups[0] ?? [];
    return lazyArray({ shape: [V, ...tail], dtype: DT.int32, chunkShape: [cv, ...tail] }, "countAlleles",
      memoPlans((c) => callFor(c[0], only, false)));
  }
  const G = groups.length;
  const parts = lazyArray({ shape: [V, G, ...tail], dtype: DT.int32, chunkShape: [cv, 1, ...tail] }, "countAlleles",
    (c) => callFor(c[0], groups[c[1]], true));
  const summed = astype(sum(parts, { axis: 1 }), DT.int32);
  return lazyArray(summed, "countAlleles", memoPlans((c) => summed.plan(c)));
}

/**
 * A genotype array over `x`: int8 (variants, samples, ploidy) calls from a Zarr array, an HDF5
 * dataset (`hdf5Source`), a lazy array or memory. Other integer dtypes are cast to int8; a
 * ploidy axis cut into several chunks is rechunked to one.
 * @example
 * const gt = genotypeArray(await openArray(store, "calldata/GT"));
 * const ac = await gt.countAlleles({ maxAllele: 3 });
 * const counts = await compute(ac.array, { callbacks: progressBar() });
 */
export function genotypeArray(x: ChunkSource | ZarrArray | NDArray | LazyArray): GenotypeArray {
  return wrap(genotypeSource(x));
}

function wrap(gt: LazyArray): GenotypeArray {
  const [nVariants, nSamples, ploidy] = gt.shape;
  const perCall = (op: CallOp, params: Record<string, unknown> = {}): LazyArray =>
    lazyArray({ shape: [nVariants, nSamples], dtype: op === "toNAlt" ? DT.int8 : DT.bool, chunkShape: gt.chunkShape.slice(0, 2) }, op,
      (c) => ({ kind: "call", kernel: CALL, label: op, params: { params: { op, ...params } }, inputs: { 0: planOf(gt, [c[0], c[1], 0]) }, blocksAs: "blocks" }));
  const count = (op: CallOp, axis: CountAxis): LazyArray => sum(perCall(op), axis === undefined ? {} : { axis: axis === 0 ? 0 : 1 });
  const maxAllele = async (opts: ComputeOptions = {}): Promise<number> => {
    if (product(gt.shape) === 0) return -1;
    const [gv, gs] = chunkGrid(gt);
    const perBlock = lazyArray({ shape: [gv, gs], dtype: DT.int8, chunkShape: [1, 1] }, "maxAllele",
      (c) => ({ kind: "call", kernel: MAX_ALLELE, label: "maxAllele", params: {}, inputs: { 0: planOf(gt, [c[0], c[1], 0]) }, blocksAs: "blocks" }));
    const m = await compute(perBlock, opts);
    return Math.max(-1, ...(m.data as Int8Array));
  };
  // At least allele 0 gets a column, even over data with no allele at all.
  const resolveMax = async (opts: { maxAllele?: number } & ComputeOptions) => opts.maxAllele ?? Math.max(0, await maxAllele(opts));
  const bySelection = (variants: DimSelection, samples: DimSelection) => wrap(select(gt, [variants ?? null, samples ?? null, null]));
  const self: GenotypeArray = {
    array: gt, nVariants, nSamples, ploidy,
    maxAllele,
    async countAlleles(opts = {}) {
      const m = await resolveMax(opts);
      return alleleCounts(countLazy(gt, [opts.subpop ?? null], m, false, opts.maxTaskBytes));
    },
    async countAllelesSubpops(subpops, opts = {}) {
      const names = Object.keys(subpops);
      const m = await resolveMax(opts);
      const all = countLazy(gt, names.map((n) => subpops[n]), m, true, opts.maxTaskBytes);
      return Object.fromEntries(names.map((n, p) => [n, alleleCounts(select(all, [null, p, null]))]));
    },
    isCalled: () => perCall("isCalled"),
    isMissing: () => perCall("isMissing"),
    isHom: () => perCall("isHom"),
    isHomRef: () => perCall("isHomRef"),
    isHomAlt: () => perCall("isHomAlt"),
    isHet: () => perCall("isHet"),
    toNAlt: (opts = {}) => perCall("toNAlt", { fill: opts.fill ?? 0 }),
    async toAlleleCounts(opts = {}) {
      const m = await resolveMax(opts);
      return lazyArray({ shape: [nVariants, nSamples, m + 1], dtype: DT.uint8, chunkShape: [gt.chunkShape[0], gt.chunkShape[1], m + 1] }, "toAlleleCounts",
        (c) => ({ kind: "call", kernel: CALL_COUNTS, label: "toAlleleCounts", params: { params: { maxAllele: m } }, inputs: { 0: planOf(gt, [c[0], c[1], 0]) }, blocksAs: "blocks" }));
    },
    countCalled: (axis) => count("isCalled", axis),
    countMissing: (axis) => count("isMissing", axis),
    countHet: (axis) => count("isHet", axis),
    countHomRef: (axis) => count("isHomRef", axis),
    countHomAlt: (axis) => count("isHomAlt", axis),
    compress: (mask, axis = 0) => (axis === 0 ? bySelection({ mask }, null) : bySelection(null, { mask })),
    take: (indices, axis = 0) => (axis === 0 ? bySelection(indices, null) : bySelection(null, indices)),
    subset: (variants, samples) => bySelection(variants ?? null, samples ?? null),
  };
  return self;
}

/** True when `x` is already a lazy int8 genotype layout (for callers that accept both). */
export function isGenotypeArray(x: unknown): x is GenotypeArray {
  return typeof x === "object" && x !== null && "countAlleles" in x && isLazy((x as GenotypeArray).array);
}
