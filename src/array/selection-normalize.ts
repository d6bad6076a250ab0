/**
 * Turns user selections (numpy/zarr-shaped) into a normalized per-dimension form:
 * integers resolved against the dimension length, slices clipped with numpy's rules,
 * index arrays and masks turned into in-bounds non-negative index lists.
 * @module
 */
import { SelectionError } from "../format/errors.js";
import { checkShape } from "../format/ndarray.js";
import type { DimSelection, Ellipsis, IndexArray, Mask, Selection, Slice } from "./selection-types.js";

/** One dimension of a normalized selection. Lists keep the user's order and duplicates. */
export type NormalizedDim =
  | { kind: "int"; index: number }
  | { kind: "range"; start: number; step: number; count: number }
  | { kind: "list"; indices: Float64Array; sorted: boolean };

/** Build a {@link Slice} like Python's `slice(start, stop, step)` (`slice(stop)` with one argument). */
export function slice(start?: number | null, stop?: number | null, step?: number | null): Slice {
  if (arguments.length === 1) return { start: null, stop: start ?? null, step: null };
  return { start: start ?? null, stop: stop ?? null, step: step ?? null };
}

/** Throw unless `chunkShape` fits `shape`: same rank, every chunk length >= 1. */
export function checkChunkShape(shape: readonly number[], chunkShape: readonly number[]): void {
  checkShape(shape, "shape");
  checkShape(chunkShape, "chunk shape");
  if (chunkShape.length !== shape.length)
    throw new SelectionError(`chunk shape has ${chunkShape.length} dimensions but the array has ${shape.length}`);
  for (const [d, c] of chunkShape.entries()) if (c < 1) throw new SelectionError(`chunk shape[${d}] must be >= 1, got ${c}`);
}

const outOfBounds = (index: number, dim: number, length: number): SelectionError =>
  new SelectionError(`index ${index} is out of bounds for dimension ${dim} with length ${length}`);

/** Resolve one integer index (negative counts from the end) or throw naming dim, index and length. */
export function resolveIndex(index: number, length: number, dim: number): number {
  if (typeof index !== "number" || !Number.isSafeInteger(index))
    throw new SelectionError(`index ${String(index)} in dimension ${dim} is not an integer`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw outOfBounds(index, dim, length);
  return i;
}

/** Clip a slice against `length` with numpy's rules (like Python's `slice.indices` + range length). */
export function normalizeSlice(s: Slice, length: number, dim: number): { start: number; step: number; count: number } {
  for (const k of Object.keys(s))
    if (k !== "start" && k !== "stop" && k !== "step")
      throw new SelectionError(`slice in dimension ${dim} has unknown field "${k}"`);
  const field = (v: number | null | undefined, name: string): number | null => {
    if (v === null || v === undefined) return null;
    if (typeof v !== "number" || !Number.isSafeInteger(v))
      throw new SelectionError(`slice ${name} ${String(v)} in dimension ${dim} is not an integer`);
    return v;
  };
  const step = field(s.step, "step") ?? 1;
  if (step === 0) throw new SelectionError(`slice step cannot be zero (dimension ${dim})`);
  const neg = step < 0;
  // Bounds clip to [0, length] going up and to [-1, length-1] going down (-1 = before index 0).
  const clip = (v: number | null, dflt: number): number => {
    if (v === null) return dflt;
    if (v < 0) {
      v += length;
      if (v < 0) return neg ? -1 : 0;
      return v;
    }
    if (v >= length) return neg ? length - 1 : length;
    return v;
  };
  const start = clip(field(s.start, "start"), neg ? length - 1 : 0);
  const stop = clip(field(s.stop, "stop"), neg ? -1 : length);
  let count = 0;
  if (neg) { if (stop < start) count = Math.floor((start - stop - 1) / -step) + 1; }
  else if (start < stop) count = Math.floor((stop - start - 1) / step) + 1;
  return { start: count === 0 ? 0 : start, step, count };
}

/** Resolve an index array to in-bounds non-negative indices (a copy, user order kept). */
export function normalizeIndexArray(a: IndexArray, length: number, dim: number): { indices: Float64Array; sorted: boolean } {
  const n = a.length;
  const out = new Float64Array(n);
  let sorted = true;
  for (let j = 0; j < n; j++) {
    const raw = a[j];
    const v = typeof raw === "bigint" ? bigToIndex(raw, dim) : raw;
    if (typeof v !== "number" || !Number.isSafeInteger(v))
      throw new SelectionError(`index ${String(raw)} at position ${j} in dimension ${dim} is not an integer`);
    const i = v < 0 ? v + length : v;
    if (i < 0 || i >= length) throw outOfBounds(v, dim, length);
    out[j] = i;
    if (j > 0 && i < out[j - 1]) sorted = false;
  }
  return { indices: out, sorted };
}

function bigToIndex(b: bigint, dim: number): number {
  const v = Number(b);
  if (!Number.isSafeInteger(v)) throw new SelectionError(`index ${b} in dimension ${dim} is not a safe integer`);
  return v;
}

/** The indices where a mask is set (sorted, unique). */
export function normalizeMask(m: Mask, length: number, dim: number): Float64Array {
  const mask = m.mask;
  if (mask === null || typeof mask !== "object" || typeof mask.length !== "number")
    throw new SelectionError(`mask in dimension ${dim} must be an array of booleans or a Uint8Array`);
  if (mask.length !== length)
    throw new SelectionError(`mask in dimension ${dim} has length ${mask.length} but the dimension has length ${length}`);
  let n = 0;
  for (let i = 0; i < length; i++) if (mask[i]) n++;
  const out = new Float64Array(n);
  for (let i = 0, j = 0; i < length; i++) if (mask[i]) out[j++] = i;
  return out;
}

const isEllipsis = (e: unknown): e is Ellipsis => e === "...";

/**
 * Expand a selection to exactly one entry per dimension: `"..."` fills the missing
 * dimensions (at most one allowed), a shorter selection is padded with `null`.
 */
export function expandSelection(selection: Selection, rank: number): DimSelection[] {
  const list: readonly (DimSelection | Ellipsis)[] =
    selection === undefined || selection === null ? [] : Array.isArray(selection) ? selection : [selection as DimSelection | Ellipsis];
  const nEll = list.filter(isEllipsis).length;
  if (nEll > 1) throw new SelectionError(`a selection may contain at most one "..." (found ${nEll})`);
  const given = list.length - nEll;
  if (given > rank) throw new SelectionError(`too many indices: ${given} given for an array of ${rank} dimensions`);
  const out: DimSelection[] = [];
  for (const e of list) {
    if (isEllipsis(e)) for (let k = 0; k < rank - given; k++) out.push(null);
    else out.push(e);
  }
  while (out.length < rank) out.push(null);
  return out;
}

/** Normalize one dimension's selection against its length. */
export function normalizeDim(sel: DimSelection, length: number, dim: number): NormalizedDim {
  if (sel === null || sel === undefined) return { kind: "range", start: 0, step: 1, count: length };
  if (typeof sel === "number") return { kind: "int", index: resolveIndex(sel, length, dim) };
  if (Array.isArray(sel) || ArrayBuffer.isView(sel)) {
    if (sel instanceof DataView) throw new SelectionError(`dimension ${dim}: a DataView is not an index array`);
    const { indices, sorted } = normalizeIndexArray(sel as IndexArray, length, dim);
    return { kind: "list", indices, sorted };
  }
  if (typeof sel === "object") {
    if ("mask" in sel) return { kind: "list", indices: normalizeMask(sel as Mask, length, dim), sorted: true };
    return { kind: "range", ...normalizeSlice(sel as Slice, length, dim) };
  }
  throw new SelectionError(`dimension ${dim}: unsupported selection ${JSON.stringify(sel)}`);
}

/** Normalize a whole basic/orthogonal selection against `shape`. */
export function normalizeSelection(shape: readonly number[], selection: Selection): NormalizedDim[] {
  checkShape(shape, "shape");
  return expandSelection(selection, shape.length).map((s, d) => normalizeDim(s, shape[d], d));
}

/** Number of indices a normalized dimension selects. */
export function normalizedCount(n: NormalizedDim): number {
  return n.kind === "int" ? 1 : n.kind === "range" ? n.count : n.indices.length;
}
