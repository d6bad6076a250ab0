/**
 * Types shared by the selection planner and the copy engine: what a user may write
 * (numpy/zarr-shaped selections) and the compact per-dimension form plans are made of.
 * @module
 */
import type { DimSel } from "../format/region.js";

export { dimCount, isRange, type DimSel, type IndexList, type Range } from "../format/region.js";

/** A numpy-style slice. Missing/null fields take numpy's defaults; `step` may be negative, never 0. */
export interface Slice {
  start?: number | null;
  stop?: number | null;
  step?: number | null;
}

/**
 * A boolean mask over one dimension (`{mask: [true, false, ...]}` or `{mask: Uint8Array}`,
 * nonzero = selected). Its length must equal the dimension's length. The wrapper object
 * keeps masks apart from integer index arrays, which are plain arrays or typed arrays.
 */
export interface Mask {
  mask: ArrayLike<boolean | number>;
}

/** An integer index array: negatives count from the end, any order, duplicates allowed. */
export type IndexArray =
  | readonly number[]
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** numpy's Ellipsis, spelled as in Python: expands to full slices for the dimensions not given. */
export type Ellipsis = "...";

/**
 * What may select along one dimension of a basic/orthogonal selection:
 * - `number`: one index (negative counts from the end); the dimension is dropped from the result;
 * - {@link Slice}: a range, numpy semantics (out-of-range bounds are clipped, not errors);
 * - `null`: the whole dimension;
 * - {@link IndexArray}: outer (orthogonal) indexing, like zarr's `oindex`;
 * - {@link Mask}: a boolean mask of the dimension's length.
 */
export type DimSelection = number | Slice | null | IndexArray | Mask;

/**
 * A basic/orthogonal selection: one {@link DimSelection} per dimension, optionally with one
 * `"..."`; missing trailing dimensions are taken whole. At the top level a plain JS array is
 * ALWAYS the per-dimension list (so `[1, 2]` means row 1, column 2); to select rows 1 and 2
 * write `[[1, 2]]`. A lone non-array entry (`null`, a slice, a typed index array...) stands for
 * a one-entry list; `null`/`undefined` selects everything.
 */
export type Selection = DimSelection | Ellipsis | readonly (DimSelection | Ellipsis)[] | undefined;

/** What one chunk contributes to a selection. */
export interface ChunkProjection {
  /** Grid coordinates of the chunk. */
  chunkCoords: number[];
  /**
   * Selection inside the decoded chunk buffer (of the full chunk shape, as zarr stores edge
   * chunks). One entry per dimension, or, when `flat` is true, a single entry over the chunk
   * viewed as a flat C-order vector (point selections).
   */
  chunkSel: DimSel[];
  /** Selection inside the output buffer, one entry per output dimension (dropped dims omitted). */
  outSel: DimSel[];
  /** Extent of this chunk that lies inside the array (smaller than the chunk shape at edges). */
  extent: number[];
  /** True when `chunkSel` addresses the chunk as a flat vector; see {@link SelectionPlan.chunkView}. */
  flat: boolean;
}

/** A plan for reading or writing a selection chunk by chunk. */
export interface SelectionPlan {
  /** Array shape. */
  shape: number[];
  /** Chunk shape. */
  chunkShape: number[];
  /** Shape of the selection's result (integer-indexed dimensions dropped). */
  outShape: number[];
  /** Number of selected elements (product of `outShape`; duplicates counted). */
  count: number;
  /** Number of chunk projections the plan yields (chunks touched). */
  chunkCount: number;
  /**
   * Shape to hand to copyRegion for a decoded chunk buffer together with `chunkSel`:
   * the chunk shape, or `[product of chunk shape]` for point selections.
   */
  chunkView: number[];
  /** The chunk projections, produced lazily; each chunk appears once. Re-iterable. */
  projections: Iterable<ChunkProjection>;
}
