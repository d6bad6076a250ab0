/**
 * Chunked compute: lazy arrays over any chunk source, blockwise operations that fuse into
 * one task per block, tree reductions, and a scheduler on the runtime's executor that
 * computes into memory or writes chunk-parallel to Zarr (resumable).
 * @module
 */
export { fromSource, fromGenerator, lazyArray, isLazy, planOf, taskEstimate, evaluatePlans, blockKey, PROGRAM_KERNEL, type LazyArray, type EvalContext, type FromOptions, type CountedSource } from "./lazy.js";
export { binary, unary, where, astype, type BinaryOp, type UnaryOp, type Operand } from "./ops.js";
export { mapBlocks, type MapBlocksOptions } from "./map-blocks.js";
export { reduce, sum, prod, min, max, mean, variance, std, argmin, argmax, any, all, countNonzero, nansum, nanmean, nanmin, nanmax, type ReduceOptions } from "./reduce.js";
export { compute, computeMany, toZarr, store, persist, type ComputeOptions, type ToZarrOptions, type ZarrTarget } from "./compute.js";
export type { BlockPlan, ProgramNode } from "./plan.js";
export { rechunk, rechunkCost, REREAD_LIMIT, DEFAULT_MAX_MEMORY, type RechunkOptions, type RechunkCost } from "./rechunk.js";
export { concatenate, stack } from "./concat.js";
export { select, type SelectOptions } from "./select.js";
export { transpose, reshape } from "./transpose.js";
export { scan, cumsum, cumprod, nancumsum, nancumprod, type ScanOp, type ScanOptions } from "./scan.js";
export { histogram, bincount, unique, type HistogramOptions, type HistogramResult, type BincountOptions, type UniqueOptions, type UniqueResult } from "./counts.js";
export { mapOverlap, type MapOverlapOptions, type Boundary, type OverlapKernelArgs } from "./overlap.js";
export { blockwise, type BlockwiseOptions } from "./blockwise.js";
