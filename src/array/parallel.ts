/**
 * Choosing where chunk work runs: on the worker pool (the default for anything worth it) or
 * on the calling thread (variable-length dtypes, whose JS values cannot live in shared memory;
 * jobs or chunks too small to repay a round trip to a worker; or when the caller says `pool: null`).
 * @module
 */
import { isVariableLength, layoutOf } from "../format/dtype.js";
import type { DimSel } from "../format/region.js";
import { isRange } from "../format/region.js";
import { defaultPool, type ChunkPool } from "../runtime/pool.js";
import type { ZarrArray } from "./node.js";

/** Below this many decoded bytes in total, a job runs on the calling thread unless a pool is given explicitly. */
export const PARALLEL_MIN_BYTES = 1 << 20;
/**
 * Chunks smaller than this (decoded) run on the calling thread unless a pool is given
 * explicitly: decoding a few KiB takes less than a round trip to a worker (measured on
 * 4 KiB chunks: ~22k chunks/s here vs ~10k/s through a 2-thread pool).
 */
export const PARALLEL_MIN_CHUNK_BYTES = 32 * 1024;

/** Options that pick the pool. */
export interface PoolChoice {
  /** Worker pool to run on: default the process-wide pool ({@link defaultPool}); `null` runs everything on this thread. */
  pool?: ChunkPool | null;
}

/**
 * The pool a job over `cells` read-grid cells of `cellElements` elements should use, or
 * undefined for the calling thread. An explicitly given pool is always used (fixed-size dtypes).
 */
export function poolFor(arr: ZarrArray, cells: number, cellElements: number, opts: PoolChoice): ChunkPool | undefined {
  if (opts.pool === null || isVariableLength(arr.meta.dtype)) return undefined;
  if (opts.pool) return opts.pool;
  const { units, unitBytes } = layoutOf(arr.meta.dtype);
  const cellBytes = cellElements * units * unitBytes;
  if (cells < 2 || cells * cellBytes < PARALLEL_MIN_BYTES || cellBytes < PARALLEL_MIN_CHUNK_BYTES) return undefined;
  return defaultPool();
}

/**
 * When the region `sel` of a C-order buffer of shape `shape` is one contiguous run covering
 * `chunkShape` exactly (same rank, unit steps, only leading dimensions partial), the element
 * offset where it starts; else undefined. Lets a whole chunk be decoded into (or encoded
 * from) the buffer in place.
 */
export function contiguousRun(sel: readonly DimSel[], shape: readonly number[], chunkShape: readonly number[]): number | undefined {
  if (sel.length !== shape.length || sel.length !== chunkShape.length) return undefined;
  let offset = 0, stride = 1, partial = false;
  for (let d = sel.length - 1; d >= 0; d--) {
    const s = sel[d];
    if (!isRange(s) || s.count !== chunkShape[d] || (s.step !== 1 && s.count > 1)) return undefined;
    if (partial && s.count !== 1) return undefined;
    if (s.count !== shape[d]) partial = true;
    offset += s.start * stride;
    stride *= shape[d];
  }
  return offset;
}

/** True when `sel` selects all of a chunk of shape `chunkShape` in C order (unit steps from 0). */
export function selectsWholeChunk(sel: readonly DimSel[], chunkShape: readonly number[]): boolean {
  return sel.length === chunkShape.length && sel.every((s, d) => isRange(s) && s.start === 0 && s.count === chunkShape[d] && (s.step === 1 || s.count <= 1));
}
