/**
 * The table of a chunked dataset's stored chunks, from whichever chunk index its layout names:
 * version-1 B-tree (layouts 1–3), or for layout 4 single chunk, implicit (allocated early, no
 * filters: chunks lie back to back), fixed array, extensible array or version-2 B-tree.
 * @module
 */
import { corrupt, UNDEF, type Ctx } from "./context.js";
import { readV1ChunkTree, readV2ChunkTree } from "./chunk-btrees.js";
import { linearSlot, newTable, numbering, putChunk, type ChunkTable, type TableBuilder } from "./chunk-table.js";
import { readExtensibleArray } from "./extensible-array.js";
import { readFixedArray } from "./fixed-array.js";
import type { LayoutMessage } from "./layout-message.js";
import type { Dataspace, Filter } from "./messages.js";

type Chunked = Extract<LayoutMessage, { kind: "chunked" }>;

/** Chunks of the maximum grid (the numbering of array-style indexes); an error when a dimension is unlimited. */
function maxChunks(ctx: Ctx, b: TableBuilder, space: Dataspace, what: string, at: number): number {
  let n = 1;
  space.maxShape.forEach((m, d) => {
    if (m === null) throw corrupt(ctx, what, at, `dimension ${d} is unlimited, which this index cannot hold`);
    n *= Math.ceil(m / b.chunkShape[d]);
  });
  return n;
}

/** Mark every partial edge chunk as having skipped all filters (layout flag "don't filter partial edge chunks"). */
function unfilteredEdges(b: TableBuilder, filters: number): void {
  const mask = filters >= 32 ? 0xffffffff : 2 ** filters - 1;
  const { grid } = b.table;
  const partial = b.shape.map((s, d) => s % b.chunkShape[d] !== 0);
  const scaled = new Array<number>(grid.length).fill(0);
  for (let slot = 0; slot < b.table.address.length; slot++) {
    let rest = slot;
    for (let d = grid.length - 1; d >= 0; d--) {
      scaled[d] = rest % grid[d];
      rest = Math.floor(rest / grid[d]);
    }
    if (scaled.some((s, d) => partial[d] && s === grid[d] - 1)) b.table.filterMask[slot] = (b.table.filterMask[slot] | mask) >>> 0;
  }
}

/** Read the chunk table of a chunked dataset. `at` is the layout message's address (for errors). */
export function readChunkTable(ctx: Ctx, layout: Chunked, space: Dataspace, filters: Filter[], at: number): ChunkTable {
  const rank = space.shape.length;
  if (layout.chunkShape.length !== rank) throw corrupt(ctx, "data layout message", at, `chunks of rank ${layout.chunkShape.length} for a dataset of rank ${rank}`);
  const b = newTable(ctx, space.shape, layout.chunkShape, layout.elementSize);
  const index = layout.index;
  if (index.address === UNDEF) return b.table;
  switch (index.type) {
    case "btree1":
      readV1ChunkTree(ctx, b, index.address);
      break;
    case "btree2":
      readV2ChunkTree(ctx, b, index.address, filters.length > 0);
      break;
    case "single": {
      if (b.table.address.length !== 1) throw corrupt(ctx, "data layout message", at, `single-chunk index for a grid of ${b.table.address.length} chunks`);
      putChunk(ctx, b, 0, index.address, index.filtered ? index.filteredSize : b.chunkBytes, index.filterMask, "single chunk", index.address);
      break;
    }
    case "implicit": {
      const total = maxChunks(ctx, b, space, "implicit chunk index", index.address);
      // Every chunk of the maximum grid is allocated: they must all fit in the file.
      if (total * b.chunkBytes > ctx.reader.size) throw corrupt(ctx, "implicit chunk index", index.address, `${total} chunks of ${b.chunkBytes} bytes do not fit in the file`);
      const n = numbering(b, space.maxShape, -1);
      const scratch = new Array<number>(rank).fill(0);
      for (let i = 0; i < total; i++) {
        const slot = linearSlot(b, n, i, scratch);
        if (slot >= 0) putChunk(ctx, b, slot, index.address + i * b.chunkBytes, b.chunkBytes, 0, "implicit chunk index", index.address);
      }
      break;
    }
    case "fixed": {
      const total = maxChunks(ctx, b, space, "fixed array", index.address);
      readFixedArray(ctx, b, numbering(b, space.maxShape, -1), index.address, total);
      break;
    }
    case "extensible": {
      const unlimited = space.maxShape.flatMap((m, d) => (m === null ? [d] : []));
      if (unlimited.length !== 1) throw corrupt(ctx, "data layout message", at, `extensible array index with ${unlimited.length} unlimited dimensions (needs 1)`);
      readExtensibleArray(ctx, b, numbering(b, space.maxShape, unlimited[0]), index.address, index);
      break;
    }
  }
  if (layout.unfilteredEdges && filters.length > 0) unfilteredEdges(b, filters.length);
  return b.table;
}
