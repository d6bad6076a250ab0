/**
 * The selection (indexing) engine: pure functions that turn a numpy/zarr-shaped selection
 * into a lazy per-chunk plan the array layer reads and writes through (with copy.ts).
 *
 * - {@link planSelection}: basic/orthogonal selections (integers, slices with any nonzero
 *   step, `null`, integer index arrays with outer semantics like zarr's `oindex`, boolean
 *   masks, `"..."`);
 * - {@link planPoints} / {@link planMask}: coordinate and n-d mask selections (`vindex`);
 * - {@link planBlocks}: block selections (`blocks[...]`), planned as the equivalent slices.
 *
 * Reading: for each projection, `copyRegion(chunk, plan.chunkView, p.chunkSel, out, plan.outShape, p.outSel, units)`.
 * Writing: the same with the roles swapped; when {@link isWholeChunk} holds, the chunk need not be read first.
 * @module
 */
import { SelectionError } from "../format/errors.js";
import type { ChunkProjection, DimSel, Selection, SelectionPlan, Slice } from "./selection-types.js";
import { isRange } from "./selection-types.js";
import { checkChunkShape, expandSelection, normalizeSelection, normalizeSlice, normalizedCount, resolveIndex } from "./selection-normalize.js";
import { planDim, type DimPart } from "./selection-dim.js";
import { extentOf } from "./selection-points.js";

export * from "./selection-types.js";
export { slice, normalizeSelection, normalizeSlice } from "./selection-normalize.js";
export type { NormalizedDim } from "./selection-normalize.js";
export { planPoints, planMask } from "./selection-points.js";

/**
 * Plan a basic/orthogonal selection of an array of `shape` stored in chunks of `chunkShape`.
 * Projections are produced lazily in C order of the touched chunks; each chunk appears once.
 * Index arrays may be unsorted and repeat indices: reads fill every output position, writes
 * let the last occurrence win.
 */
export function planSelection(shape: readonly number[], chunkShape: readonly number[], selection: Selection): SelectionPlan {
  checkChunkShape(shape, chunkShape);
  const norm = normalizeSelection(shape, selection);
  const dims = norm.map((n, d) => planDim(n, shape[d], chunkShape[d]));
  const outShape = norm.filter((n) => n.kind !== "int").map(normalizedCount);
  const count = outShape.reduce((a, b) => a * b, 1);
  const chunkCount = count === 0 ? 0 : dims.reduce((a, p) => a * p.touched, 1);
  const rank = shape.length;

  function* generate(): Generator<ChunkProjection> {
    if (chunkCount === 0) return;
    // Odometer over the touched chunks of each dimension (last dimension fastest).
    const idx = new Array<number>(rank).fill(0);
    const parts: DimPart[] = dims.map((p) => p.part(0));
    for (;;) {
      const chunkCoords = parts.map((p) => p.chunk);
      const outSel: DimSel[] = [];
      for (let d = 0; d < rank; d++) if (!dims[d].dropped) outSel.push(parts[d].outSel);
      yield {
        chunkCoords,
        chunkSel: parts.map((p) => p.chunkSel),
        outSel,
        extent: extentOf(shape, chunkShape, chunkCoords),
        flat: false,
      };
      let d = rank - 1;
      for (; d >= 0; d--) {
        if (++idx[d] < dims[d].touched) { parts[d] = dims[d].part(idx[d]); break; }
        idx[d] = 0;
        parts[d] = dims[d].part(0);
      }
      if (d < 0) return;
    }
  }
  return {
    shape: [...shape], chunkShape: [...chunkShape], outShape, count, chunkCount,
    chunkView: [...chunkShape],
    projections: { [Symbol.iterator]: generate },
  };
}

/** A block selection along one dimension: a block index (negative from the end), a slice of blocks (step 1), or `null`. */
export type BlockDimSelection = number | Slice | null;

/**
 * Convert a block selection (zarr's `get_block_selection`) into the equivalent element
 * slices. Dimensions are never dropped: block `i` is the slice of its elements.
 */
export function blocksToSelection(shape: readonly number[], chunkShape: readonly number[], blocks: BlockDimSelection | "..." | readonly (BlockDimSelection | "...")[] | undefined): Slice[] {
  checkChunkShape(shape, chunkShape);
  const full = expandSelection(blocks as Selection, shape.length);
  return full.map((b, d) => {
    const c = chunkShape[d];
    const nBlocks = Math.ceil(shape[d] / c);
    if (b === null || b === undefined) return { start: 0, stop: shape[d], step: 1 };
    if (typeof b === "number") {
      const i = resolveIndex(b, nBlocks, d);
      return { start: i * c, stop: Math.min((i + 1) * c, shape[d]), step: 1 };
    }
    if (typeof b !== "object" || Array.isArray(b) || ArrayBuffer.isView(b) || "mask" in b)
      throw new SelectionError(`block selection in dimension ${d} must be an integer, a slice or null`);
    const s = normalizeSlice(b as Slice, nBlocks, d);
    if (s.step !== 1) throw new SelectionError(`block selection in dimension ${d}: only step 1 is supported, got ${s.step}`);
    return { start: s.start * c, stop: Math.min((s.start + s.count) * c, shape[d]), step: 1 };
  });
}

/** Plan a block selection: per dimension a block index or a slice of blocks. */
export function planBlocks(shape: readonly number[], chunkShape: readonly number[], blocks: BlockDimSelection | "..." | readonly (BlockDimSelection | "...")[] | undefined): SelectionPlan {
  return planSelection(shape, chunkShape, blocksToSelection(shape, chunkShape, blocks));
}

/** Number of elements a basic/orthogonal selection selects (duplicates in index arrays counted). */
export function countSelected(shape: readonly number[], selection: Selection): number {
  return normalizeSelection(shape, selection).reduce((a, n) => a * normalizedCount(n), 1);
}

/** True when `sel` selects every index in `[0, extent)`. */
function coversDim(sel: DimSel, extent: number): boolean {
  if (extent === 0) return true;
  if (isRange(sel)) {
    if (Math.abs(sel.step) !== 1 && sel.count > 1) return false;
    const lo = sel.step > 0 ? sel.start : sel.start + (sel.count - 1) * sel.step;
    return lo <= 0 && lo + sel.count >= extent;
  }
  if (sel.length < extent) return false;
  const seen = new Uint8Array(extent);
  let hit = 0;
  for (let j = 0; j < sel.length; j++) {
    const v = sel[j];
    if (v >= 0 && v < extent && !seen[v]) { seen[v] = 1; hit++; }
  }
  return hit === extent;
}

/**
 * True when a projection selects every element of its chunk that lies inside the array
 * (for edge chunks, the in-array part), so a write can skip reading the old chunk.
 */
export function isWholeChunk(projection: ChunkProjection, chunkShape: readonly number[]): boolean {
  const { chunkSel, extent } = projection;
  if (!projection.flat) return chunkSel.every((s, d) => coversDim(s, extent[d]));
  // Flat (points): count distinct in-extent offsets; all points lie inside the array.
  const size = chunkShape.reduce((a, b) => a * b, 1);
  const need = extent.reduce((a, b) => a * b, 1);
  const sel = chunkSel[0];
  // A range never repeats an offset, and every offset lies inside the array.
  if (isRange(sel)) return sel.count >= need;
  if (sel.length < need) return false;
  // Count distinct offsets: a bitmap when the chunk is small next to the list, else a sort
  // (an edge chunk of a huge chunk shape must not cost a chunk-sized allocation).
  let hit = 0;
  if (size <= 8 * sel.length + 4096) {
    const seen = new Uint8Array(size);
    for (let j = 0; j < sel.length; j++) if (!seen[sel[j]]) { seen[sel[j]] = 1; hit++; }
  } else {
    const sorted = Float64Array.from(sel).sort();
    for (let j = 0; j < sorted.length; j++) if (j === 0 || sorted[j] !== sorted[j - 1]) hit++;
  }
  return hit === need;
}
