/**
 * Block kernels of the allele-count API (allele-counts.ts): each reads one block of a
 * variants × alleles count array (all alleles in the block) in one pass and writes its
 * result in shared memory. Three families: `frequencies` (V × A float64), `perVariant`
 * (one value per variant: allelism, max allele and the is* masks, chosen by `stat`) and
 * `remapAlleles` (scikit-allel's `map_alleles`). Negative counts are refused, naming the
 * variant and allele: scikit-allel's answers assume counts ≥ 0.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { dtypeName } from "../format/dtype.js";
import { ComputeError } from "../format/errors.js";
import { DT } from "../compute/kernels/dtypes.js";
import { isBigType, numbersOf, sharedData, type NumVec, type Vec } from "../compute/kernels/values.js";
import type { NumericDType } from "../codecs/elementwise.js";

/** Per-variant statistics computed by {@link perVariant}. */
export type VariantStat =
  | "allelism" | "maxAllele" | "isVariant" | "isNonVariant" | "isSegregating" | "isNonSegregating"
  | "isSingleton" | "isDoubleton" | "isBiallelic" | "isBiallelic01";

/** Where a block lies and what it is called, for error messages. */
export interface BlockPlace {
  /** Variants per block along axis 0 (block `coords[0]` starts at `coords[0] * rows`). */
  rows: number;
  /** Name of the count array (error messages). */
  name: string;
}

/** The arguments mapBlocks gives a kernel. */
interface KernelArgs<P> {
  blocks: NDArray[];
  params: P;
  coords: number[];
}

/** The counts of a 2-d integer block as numbers (int64/uint64 converted: exact below 2^53), with its shape. */
function countsOf(op: string, block: NDArray, place: BlockPlace): { x: NumVec; rows: number; alleles: number } {
  if (typeof block !== "object" || block === null || !Array.isArray(block.shape) || block.shape.length !== 2)
    throw new ComputeError(op, "a block must be a 2-d NDArray (variants × alleles)", place.name);
  const dt = block.dtype;
  if (dt.kind !== "int" && dt.kind !== "uint") throw new ComputeError(op, `allele counts must be integers, got ${dtypeName(dt)}`, place.name);
  const [rows, alleles] = block.shape;
  const x = numbersOf(block.data, dt);
  if (x.length !== rows * alleles) throw new ComputeError(op, `block shape [${rows}, ${alleles}] holds ${rows * alleles} counts, the data ${x.length}`, place.name);
  return { x, rows, alleles };
}

function negative(op: string, place: BlockPlace, coords: readonly number[], row: number, allele: number, value: number): never {
  const variant = coords[0] * place.rows + row;
  throw new ComputeError(op, `negative allele count ${value} at variant ${variant}, allele ${allele}`, place.name);
}

/** Parameters of {@link frequencies}. */
export interface FrequencyParams extends BlockPlace {
  /** Value where no allele was called (scikit-allel's `fill`, default NaN). */
  fill: number;
}

/**
 * Kernel: allele frequencies (float64, same shape): each count over the variant's called
 * alleles (the row sum), `fill` where that sum is 0 — scikit-allel's `to_frequencies`.
 */
export function frequencies(args: KernelArgs<FrequencyParams>): NDArray {
  const op = "toFrequencies";
  const { params, coords } = args;
  const { x, rows, alleles } = countsOf(op, args.blocks[0], params);
  const fill = params.fill;
  const out = sharedData(DT.float64, rows * alleles) as Float64Array;
  for (let i = 0, b = 0; i < rows; i++, b += alleles) {
    let an = 0;
    for (let j = 0; j < alleles; j++) {
      const c = x[b + j];
      if (c < 0) negative(op, params, coords, i, j, c);
      an += c;
    }
    if (an > 0) for (let j = 0; j < alleles; j++) out[b + j] = x[b + j] / an;
    else for (let j = 0; j < alleles; j++) out[b + j] = fill;
  }
  return { data: out, shape: [rows, alleles], dtype: DT.float64 };
}

/** Parameters of {@link perVariant}. */
export interface PerVariantParams extends BlockPlace {
  stat: VariantStat;
  /** Allele column for isSingleton / isDoubleton / isNonSegregating (-1: none, for isNonSegregating). */
  allele: number;
  /** Minimum minor allele count of isBiallelic01 (0: no minimum). */
  minMac: number;
  /** Output dtype of maxAllele (int8 unless there are more than 128 alleles). */
  maxAlleleType: "int8" | "int16" | "int32";
}

// Stat codes: one integer switch per variant (not per count) picks the answer.
const STAT_CODE: Record<VariantStat, number> = {
  allelism: 0, maxAllele: 1, isVariant: 2, isNonVariant: 3, isSegregating: 4, isNonSegregating: 5,
  isSingleton: 6, isDoubleton: 7, isBiallelic: 8, isBiallelic01: 9,
};

/** Output dtype of a per-variant stat. */
export function statType(stat: VariantStat, maxAlleleType: PerVariantParams["maxAlleleType"]): NumericDType {
  return stat === "allelism" ? DT.int32 : stat === "maxAllele" ? DT[maxAlleleType] : DT.bool;
}

/**
 * Kernel: one value per variant of the block, in one pass over its counts. Per variant it
 * finds the number of alleles observed (count > 0) and the highest such allele, then
 * answers `stat` as scikit-allel's AlleleCountsArray does:
 * allelism = observed; maxAllele = highest observed (-1 when none); isVariant = an
 * allele other than 0 observed; isNonVariant = none; isSegregating = observed > 1;
 * isNonSegregating = observed ≤ 1 (with `allele`: observed = 1 and it is `allele`);
 * isSingleton / isDoubleton = count of `allele` is 1 / 2; isBiallelic = observed = 2;
 * isBiallelic01 = observed = 2, highest 1, and min(count 0, count 1) ≥ minMac.
 */
export function perVariant(args: KernelArgs<PerVariantParams>): NDArray {
  const { params, coords } = args;
  const { stat, allele, minMac } = params;
  const code = STAT_CODE[stat];
  if (code === undefined) throw new ComputeError("perVariant", `unknown statistic ${String(stat)}`, params.name);
  const { x, rows, alleles } = countsOf(stat, args.blocks[0], params);
  if ((code === 6 || code === 7 || (code === 5 && allele >= 0)) && !(allele >= 0 && allele < alleles))
    throw new ComputeError(stat, `allele ${allele} is out of range (${alleles} alleles)`, params.name);
  const dtype = statType(stat, params.maxAlleleType);
  const out = sharedData(dtype, rows) as Int8Array | Int16Array | Int32Array | Uint8Array;
  for (let i = 0, b = 0; i < rows; i++, b += alleles) {
    let observed = 0, highest = -1;
    for (let j = 0; j < alleles; j++) {
      const c = x[b + j];
      if (c > 0) { observed++; highest = j; }
      else if (c < 0) negative(stat, params, coords, i, j, c);
    }
    let v: number;
    switch (code) {
      case 0: v = observed; break;
      case 1: v = highest; break;
      case 2: v = highest > 0 ? 1 : 0; break;
      case 3: v = highest > 0 ? 0 : 1; break;
      case 4: v = observed > 1 ? 1 : 0; break;
      case 5: v = allele < 0 ? (observed <= 1 ? 1 : 0) : observed === 1 && x[b + allele] > 0 ? 1 : 0; break;
      case 6: v = x[b + allele] === 1 ? 1 : 0; break;
      case 7: v = x[b + allele] === 2 ? 1 : 0; break;
      case 8: v = observed === 2 ? 1 : 0; break;
      default: v = observed === 2 && highest === 1 && Math.min(x[b], x[b + 1]) >= minMac ? 1 : 0;
    }
    out[i] = v;
  }
  return { data: out, shape: [rows], dtype };
}

/** Parameters of {@link remapAlleles}. */
export interface RemapParams extends BlockPlace {
  /** Alleles of the output (scikit-allel's max_allele + 1). */
  outAlleles: number;
}

/**
 * Kernel: scikit-allel's `map_alleles` — the count of allele j of variant i moves to
 * column mapping[i, j] of the output (alleles mapped to a negative index are dropped; when
 * two alleles map to the same column the later one wins, as scikit-allel). Output dtype =
 * the counts' dtype; a mapping past the output's last allele is an error.
 */
export function remapAlleles(args: KernelArgs<RemapParams>): NDArray {
  const op = "mapAlleles";
  const { params, coords } = args;
  const [counts, mapping] = args.blocks;
  const { rows, alleles } = countsOf(op, counts, params);
  const m = countsOf(op, mapping, { ...params, name: `${params.name} (mapping)` });
  if (m.rows !== rows || m.alleles !== alleles) throw new ComputeError(op, `mapping block [${m.rows}, ${m.alleles}] differs from the counts block [${rows}, ${alleles}]`, params.name);
  const nOut = params.outAlleles;
  const dtype = counts.dtype as NumericDType;
  const src = counts.data as Vec;
  const out = sharedData(dtype, rows * nOut) as Vec;
  const big = isBigType(dtype);
  for (let i = 0, b = 0; i < rows; i++, b += alleles) {
    for (let j = 0; j < alleles; j++) {
      const k = m.x[b + j];
      if (k < 0) continue;
      if (k >= nOut) {
        throw new ComputeError(op, `mapping of variant ${coords[0] * params.rows + i}, allele ${j} is ${k}, past the last output allele ${nOut - 1}; pass a larger maxAllele`, params.name);
      }
      // Same typed-array kind on both sides: a bigint moves as a bigint, a number as a number.
      if (big) (out as BigInt64Array)[i * nOut + k] = (src as BigInt64Array)[b + j];
      else (out as NumVec)[i * nOut + k] = (src as NumVec)[b + j];
    }
  }
  return { data: out, shape: [rows, nOut], dtype };
}
