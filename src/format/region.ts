/**
 * The compact per-dimension form of a region of an n-d buffer (a strided range or an
 * explicit index list), shared by the selection planner, the copy engine and the worker
 * tasks that copy decoded chunks into shared outputs.
 * @module
 */

/** A strided run of indices `start + i*step` for `i < count` (`step` may be negative, never 0). */
export interface Range {
  readonly start: number;
  readonly step: number;
  readonly count: number;
}

/** An explicit list of indices (Float64Array only when an index exceeds int32). */
export type IndexList = Int32Array | Float64Array;

/** Compact selection along one dimension of a buffer: a strided range or an explicit list. */
export type DimSel = Range | IndexList;

/** True when `s` is a {@link Range} rather than an explicit list. */
export function isRange(s: DimSel): s is Range {
  return !ArrayBuffer.isView(s);
}

/** Number of indices in a compact per-dimension selection. */
export function dimCount(s: DimSel): number {
  return isRange(s) ? s.count : s.length;
}
