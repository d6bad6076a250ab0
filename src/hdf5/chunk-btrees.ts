/**
 * Chunk indexes kept in B-trees: the version-1 B-tree of type 1 (layout versions 1–3; each
 * key holds the chunk's stored size, filter mask and element offsets with a trailing
 * element-size dimension) and the version-2 B-tree of record type 10 (unfiltered chunks:
 * address, scaled offsets) or 11 (filtered: address, stored size, filter mask, scaled offsets).
 * @module
 */
import { uintLE } from "./bytes.js";
import { readV2Header, walkV2 } from "./btree-v2.js";
import { v1Child, v1KeyAt, walkV1Leaves } from "./btree-v1.js";
import { corrupt, UNDEF, type Ctx } from "./context.js";
import { putChunk, scaledSlot, type TableBuilder } from "./chunk-table.js";

/** Fill `b` from the version-1 chunk B-tree rooted at `root`. */
export function readV1ChunkTree(ctx: Ctx, b: TableBuilder, root: number): void {
  const rank = b.chunkShape.length;
  const keySize = 8 + 8 * (rank + 1);
  const scaled = new Array<number>(rank).fill(0);
  walkV1Leaves(ctx, root, 1, keySize, (leaf) => {
    const bytes = leaf.bytes;
    for (let i = 0; i < leaf.entries; i++) {
      const k = v1KeyAt(ctx, leaf, i);
      const size = uintLE(bytes, k, 4);
      const mask = uintLE(bytes, k + 4, 4);
      for (let d = 0; d <= rank; d++) {
        const offset = uintLE(bytes, k + 8 + 8 * d, 8);
        if (d === rank) {
          if (offset !== 0) throw corrupt(ctx, "v1 B-tree node", leaf.addr, `key ${i}: the offset of the element-size dimension is not 0`);
          break;
        }
        const extent = b.chunkShape[d];
        if (Number.isNaN(offset)) throw corrupt(ctx, "v1 B-tree node", leaf.addr, `key ${i}: offset of dimension ${d} exceeds 2^53`);
        if (offset % extent !== 0) throw corrupt(ctx, "v1 B-tree node", leaf.addr, `key ${i}: offset ${offset} of dimension ${d} is not a multiple of the chunk size ${extent}`);
        scaled[d] = offset / extent;
      }
      const addr = v1Child(ctx, leaf, i);
      if (addr === UNDEF) throw corrupt(ctx, "v1 B-tree node", leaf.addr, `chunk ${i} has an undefined address`);
      const slot = scaledSlot(b, scaled);
      if (slot >= 0) putChunk(ctx, b, slot, addr, size, mask, "v1 B-tree node", leaf.addr);
    }
  });
}

/** Fill `b` from the version-2 chunk B-tree whose header is at `addr`. */
export function readV2ChunkTree(ctx: Ctx, b: TableBuilder, addr: number, filtered: boolean): void {
  const type = filtered ? 11 : 10;
  const h = readV2Header(ctx, addr, type);
  const rank = b.chunkShape.length;
  const O = ctx.offsetSize;
  const sizeBytes = filtered ? h.recordSize - O - 4 - 8 * rank : 0;
  if (filtered ? sizeBytes < 1 || sizeBytes > 8 : h.recordSize !== O + 8 * rank) {
    throw corrupt(ctx, "v2 B-tree header", addr, `record size ${h.recordSize} does not fit a rank-${rank} chunk record of type ${type}`);
  }
  const scaled = new Array<number>(rank).fill(0);
  let seen = 0;
  walkV2(ctx, h, (rec) => {
    seen++;
    const chunk = uintLE(rec, 0, O);
    const size = filtered ? uintLE(rec, O, sizeBytes) : b.chunkBytes;
    const mask = filtered ? uintLE(rec, O + sizeBytes, 4) : 0;
    const at = O + (filtered ? sizeBytes + 4 : 0);
    for (let d = 0; d < rank; d++) scaled[d] = uintLE(rec, at + 8 * d, 8);
    if (Number.isNaN(chunk) || Number.isNaN(size) || scaled.some(Number.isNaN)) throw corrupt(ctx, "v2 B-tree record", addr, "a value exceeds 2^53");
    const slot = scaledSlot(b, scaled);
    if (slot >= 0) putChunk(ctx, b, slot, chunk, size, mask, "v2 B-tree record", addr);
  });
  if (seen !== h.totalRecords) throw corrupt(ctx, "v2 B-tree header", addr, `says ${h.totalRecords} records, the tree holds ${seen}`);
}
