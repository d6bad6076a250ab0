/**
 * Allele counts with scikit-allel's `AlleleCountsArray` semantics over a lazy, chunked
 * variants × alleles integer array (what `GenotypeArray.countAlleles` returns). Every
 * method returns a lazy array that runs as one fused task per block of variants
 * (allele-counts-kernels.ts, one pass over the block); compute it with `compute()`.
 *
 * Differences from scikit-allel, on purpose:
 * - `allelism()` is int32 (scikit-allel's numpy sum gives int64; counts of alleles fit).
 * - `maxAllele()` is int8 as scikit-allel, widened to int16/int32 only when there are more
 *   than 128 / 32768 alleles (numpy's int8 would wrap).
 * - The `count*` methods return `Promise<number>` (scikit-allel's numpy version returns a
 *   number too): they compute the mask and count it in the same pass. For a lazy 0-d count,
 *   use `countNonzero(ac.isVariant())` from the compute layer.
 * - Negative counts are refused with a ComputeError naming the variant (scikit-allel would
 *   silently give answers that assume counts ≥ 0); allele indexes must lie in
 *   [0, nAlleles) (numpy's negative indexing is not copied: it hides mistakes).
 * - `mapAlleles` without `maxAllele` keeps `nAlleles` columns instead of computing the
 *   mapping's maximum first (that would be an extra pass over the mapping); a mapping past
 *   the last column is an error asking for `maxAllele`.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import type { ZarrArray } from "../array/node.js";
import { dtypeName } from "../format/dtype.js";
import { SelectionError } from "../format/errors.js";
import { siblingKernel } from "../runtime/kernel-task.js";
import { memorySource } from "../sources/memory.js";
import type { ChunkSource } from "../sources/types.js";
import { zarrSource } from "../sources/zarr.js";
import { compute, type ComputeOptions } from "../compute/compute.js";
import { fromSource, type LazyArray } from "../compute/lazy.js";
import { mapBlocks } from "../compute/map-blocks.js";
import { rechunk } from "../compute/rechunk.js";
import { countNonzero } from "../compute/reduce.js";
import { DT } from "../compute/kernels/dtypes.js";
import { statType, type FrequencyParams, type PerVariantParams, type RemapParams, type VariantStat } from "./allele-counts-kernels.js";

const FREQUENCIES = siblingKernel(import.meta.url, "./allele-counts-kernels", "frequencies");
const PER_VARIANT = siblingKernel(import.meta.url, "./allele-counts-kernels", "perVariant");
const REMAP = siblingKernel(import.meta.url, "./allele-counts-kernels", "remapAlleles");

/** What {@link alleleCounts} takes: an integer variants × alleles array in any form. */
export type AlleleCountsInput = ChunkSource | LazyArray | NDArray | ZarrArray;

/** Allele counts per variant (scikit-allel's AlleleCountsArray); build one with {@link alleleCounts}. */
export interface AlleleCounts {
  /** The counts: integer (variants, alleles), all alleles of a variant in one chunk. */
  readonly array: LazyArray;
  readonly nVariants: number;
  readonly nAlleles: number;
  /** Frequencies: float64 (variants, alleles), counts over the called alleles; `fill` (default NaN) where none was called. */
  toFrequencies(opts?: { fill?: number }): LazyArray;
  /** Number of distinct alleles observed (count > 0) per variant: int32. */
  allelism(): LazyArray;
  /** Highest allele observed per variant, -1 when none: int8 (see the module notes). */
  maxAllele(): LazyArray;
  /** Variants with at least one non-reference allele observed: bool. */
  isVariant(): LazyArray;
  /** Variants with no non-reference allele observed: bool. */
  isNonVariant(): LazyArray;
  /** Variants where more than one allele is observed: bool. */
  isSegregating(): LazyArray;
  /** Variants where at most one allele is observed; with `allele`, exactly that one: bool. */
  isNonSegregating(allele?: number): LazyArray;
  /** Variants where `allele` (default 1) has count 1: bool. */
  isSingleton(allele?: number): LazyArray;
  /** Variants where `allele` (default 1) has count 2: bool. */
  isDoubleton(allele?: number): LazyArray;
  /** Variants with exactly two alleles observed: bool. */
  isBiallelic(): LazyArray;
  /** Biallelic variants whose alleles are 0 and 1, both counted at least `minMac` times: bool. */
  isBiallelic01(opts?: { minMac?: number }): LazyArray;
  /** Number of variants where {@link AlleleCounts.isVariant} holds. */
  countVariant(opts?: ComputeOptions): Promise<number>;
  /** Number of non-variant variants. */
  countNonVariant(opts?: ComputeOptions): Promise<number>;
  /** Number of segregating variants. */
  countSegregating(opts?: ComputeOptions): Promise<number>;
  /** Number of non-segregating variants (for `allele`, as isNonSegregating). */
  countNonSegregating(allele?: number, opts?: ComputeOptions): Promise<number>;
  /** Number of variants where `allele` (default 1) is a singleton. */
  countSingleton(allele?: number, opts?: ComputeOptions): Promise<number>;
  /** Number of variants where `allele` (default 1) is a doubleton. */
  countDoubleton(allele?: number, opts?: ComputeOptions): Promise<number>;
  /**
   * Move alleles: the count of allele j of variant i goes to allele mapping[i, j] (negative:
   * dropped). `mapping` is an integer (variants, alleles) array; the result has
   * `maxAllele + 1` alleles (default: as many as now) and the counts' dtype.
   */
  mapAlleles(mapping: AlleleCountsInput, opts?: { maxAllele?: number }): AlleleCounts;
}

/** `x` as a chunk source whose name says what it is ("store#path", "allele counts", a lazy array's label). */
function namedSource(x: AlleleCountsInput, what: string): ChunkSource {
  if (typeof x !== "object" || x === null) throw new SelectionError(`${what} must be an array, got ${x === null ? "null" : typeof x}`);
  if ("kind" in x && x.kind === "array") return zarrSource(x as ZarrArray);
  if ("read" in x && "chunkShape" in x) return x as ChunkSource;
  return memorySource(x as NDArray, undefined, { name: what });
}

/** The lazy counts array: 2-d, integer, every allele of a variant in one chunk; or a typed error naming the input. */
function countsArray(x: AlleleCountsInput): { array: LazyArray; name: string } {
  const src = namedSource(x, "allele counts");
  const name = src.name;
  if (src.shape.length !== 2) throw new SelectionError(`allele counts must be 2-d (variants, alleles), got shape [${src.shape.join(", ")}]`, name);
  if (src.dtype.kind !== "int" && src.dtype.kind !== "uint") throw new SelectionError(`allele counts must be integers, got ${dtypeName(src.dtype)}`, name);
  if (src.shape[1] < 1) throw new SelectionError("allele counts need at least one allele column", name);
  // The kernels see whole variants: one chunk along the alleles axis.
  const array = src.chunkShape[1] < src.shape[1] ? rechunk(src, [src.chunkShape[0], src.shape[1]]) : fromSource(src);
  return { array, name };
}

/** An allele index in [0, nAlleles), or a typed error. */
function checkAllele(allele: number, nAlleles: number, name: string): number {
  if (!Number.isInteger(allele) || allele < 0 || allele >= nAlleles) throw new SelectionError(`allele ${String(allele)} is out of range (0..${nAlleles - 1})`, name);
  return allele;
}

/** Smallest signed integer type holding every allele index (int8 as scikit-allel up to 128 alleles). */
function maxAlleleType(nAlleles: number): PerVariantParams["maxAlleleType"] {
  return nAlleles <= 128 ? "int8" : nAlleles <= 32768 ? "int16" : "int32";
}

/**
 * Wrap variants × alleles counts (any integer dtype; int32 from `countAlleles`) with
 * scikit-allel's AlleleCountsArray methods. An alleles axis split over several chunks is
 * rechunked to one. Throws a SelectionError for a shape or dtype that is not counts.
 * @example const ac = alleleCounts(counts); const af = await compute(ac.toFrequencies());
 */
export function alleleCounts(x: AlleleCountsInput): AlleleCounts {
  const { array, name } = countsArray(x);
  const [nVariants, nAlleles] = array.shape;
  const rows = array.chunkShape[0];
  const place = { rows, name };

  const stat = (s: VariantStat, allele = -1, minMac = 0): LazyArray => {
    const params: PerVariantParams = { ...place, stat: s, allele, minMac, maxAlleleType: maxAlleleType(nAlleles) };
    return mapBlocks(PER_VARIANT, [array], { dropAxis: [1], dtype: statType(s, params.maxAlleleType), params: { ...params }, label: s });
  };
  const count = async (mask: LazyArray, opts: ComputeOptions = {}): Promise<number> => {
    if (nVariants === 0) return 0; // a reduction over no blocks has nothing to combine
    const r = await compute(countNonzero(mask), opts);
    return Number((r.data as BigInt64Array)[0]);
  };

  const self: AlleleCounts = {
    array, nVariants, nAlleles,
    toFrequencies(opts = {}) {
      const fill = opts.fill ?? NaN;
      if (typeof fill !== "number") throw new SelectionError(`fill must be a number, got ${typeof fill}`, name);
      const params: FrequencyParams = { ...place, fill };
      return mapBlocks(FREQUENCIES, [array], { dtype: DT.float64, params: { ...params }, label: "toFrequencies" });
    },
    allelism: () => stat("allelism"),
    maxAllele: () => stat("maxAllele"),
    isVariant: () => stat("isVariant"),
    isNonVariant: () => stat("isNonVariant"),
    isSegregating: () => stat("isSegregating"),
    isNonSegregating: (allele) => stat("isNonSegregating", allele === undefined ? -1 : checkAllele(allele, nAlleles, name)),
    isSingleton: (allele = 1) => stat("isSingleton", checkAllele(allele, nAlleles, name)),
    isDoubleton: (allele = 1) => stat("isDoubleton", checkAllele(allele, nAlleles, name)),
    isBiallelic: () => stat("isBiallelic"),
    isBiallelic01(opts = {}) {
      const minMac = opts.minMac ?? 0;
      if (typeof minMac !== "number" || Number.isNaN(minMac)) throw new SelectionError(`minMac must be a number, got ${String(minMac)}`, name);
      return stat("isBiallelic01", -1, minMac);
    },
    countVariant: async (opts) => count(self.isVariant(), opts),
    countNonVariant: async (opts) => count(self.isNonVariant(), opts),
    countSegregating: async (opts) => count(self.isSegregating(), opts),
    countNonSegregating: async (allele, opts) => count(self.isNonSegregating(allele), opts),
    countSingleton: async (allele = 1, opts) => count(self.isSingleton(allele), opts),
    countDoubleton: async (allele = 1, opts) => count(self.isDoubleton(allele), opts),
    mapAlleles(mapping, opts = {}) {
      const maxAllele = opts.maxAllele ?? nAlleles - 1;
      if (!Number.isInteger(maxAllele) || maxAllele < 0) throw new SelectionError(`maxAllele must be a non-negative integer, got ${String(maxAllele)}`, name);
      const ms = namedSource(mapping, "allele mapping");
      if (String(ms.shape) !== String(array.shape)) throw new SelectionError(`the mapping has shape [${ms.shape.join(", ")}], the counts [${array.shape.join(", ")}]`, ms.name);
      if (ms.dtype.kind !== "int" && ms.dtype.kind !== "uint") throw new SelectionError(`the mapping must be integers, got ${dtypeName(ms.dtype)}`, ms.name);
      const m = String(ms.chunkShape) === String(array.chunkShape) ? fromSource(ms) : rechunk(ms, array.chunkShape);
      const outAlleles = maxAllele + 1;
      const params: RemapParams = { ...place, outAlleles };
      return alleleCounts(mapBlocks(REMAP, [array, m], {
        chunks: [rows, outAlleles], shape: [nVariants, outAlleles], params: { ...params }, label: "mapAlleles",
      }));
    },
  };
  return self;
}
