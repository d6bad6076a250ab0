/**
 * Genomics on all cores (scikit-allel's semantics): genotype arrays over Zarr, HDF5 or
 * memory with allele counts and call states, allele-count arrays, a sorted position index,
 * the layouts genotype data comes in, and the demo data of the README's story.
 * @module
 */
export { genotypeArray, isGenotypeArray, GROUP_BYTES, type GenotypeArray, type CountAllelesOptions, type CountAxis } from "./genotype-array.js";
export { CALL_OPS, MAX_ALLELE_LIMIT, type CallOp, type CountAllelesParams } from "./genotype-kernels.js";
export { alleleCounts, type AlleleCounts, type AlleleCountsInput } from "./allele-counts.js";
export {
  sortedIndex, openSortedIndex, bisectLeft, bisectRight, KeyNotFoundError, UnsortedIndexError,
  type SortedIndex, type SortedIndexInput, type SortedIndexOptions, type IndexRange, type IndexValues, type Key,
} from "./sorted-index.js";
export { countSummary, countSummaryArray, type CountSummary } from "./count-summary.js";
export { openGenotypes, isHdf5Location, GENOTYPE_PATHS, type GenotypeLocation } from "./layout.js";
export { demoData, DEMO_PATHS, type DemoDataOptions, type DemoDataSummary, type DemoFormat } from "./demo-data.js";
export { importVcf, VcfError, type ImportVcfOptions, type ImportVcfSummary } from "./vcf/index.js";
