/**
 * Fixed array chunk index (layout v4, no unlimited dimension): a header ("FAHD") and one data
 * block ("FADB") holding an entry per chunk of the maximum grid. When there are more entries
 * than one page holds (2^pageBits), the data block is followed by checksummed pages and a
 * bitmap says which pages were ever written; entries of unwritten pages are unallocated.
 * @module
 */
import { cursor, uintLE, allOnes } from "./bytes.js";
import { verifyChecksum } from "./checksum.js";
import { corrupt, expectSignature, readAt, UNDEF, type Ctx } from "./context.js";
import { linearSlot, putChunk, type Numbering, type TableBuilder } from "./chunk-table.js";

/** How entries of a fixed or extensible array decode. */
export interface EntryFormat {
  filtered: boolean;
  entrySize: number;
  /** Bytes of the stored-size field of filtered entries. */
  sizeBytes: number;
}

/** The entry format for client ID `client` (0: address only, 1: filtered) and entries of `entrySize` bytes. */
export function entryFormat(ctx: Ctx, client: number, entrySize: number, what: string, addr: number): EntryFormat {
  const O = ctx.offsetSize;
  if (client === 0 && entrySize === O) return { filtered: false, entrySize, sizeBytes: 0 };
  if (client === 1 && entrySize > O + 4 && entrySize <= O + 12) return { filtered: true, entrySize, sizeBytes: entrySize - O - 4 };
  throw corrupt(ctx, what, addr, `client ID ${client} with entries of ${entrySize} bytes`);
}

/**
 * Record entries [0, count) of `bytes` (from `at`), the first being chunk number `first` of the
 * array numbering. Unallocated entries (undefined address) are skipped.
 */
export function putEntries(ctx: Ctx, b: TableBuilder, n: Numbering, f: EntryFormat, bytes: Uint8Array, at: number, count: number, first: number, what: string, addr: number): void {
  const O = ctx.offsetSize;
  const scratch = new Array<number>(b.shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    const p = at + i * f.entrySize;
    if (allOnes(bytes, p, O)) continue;
    const chunk = uintLE(bytes, p, O);
    const size = f.filtered ? uintLE(bytes, p + O, f.sizeBytes) : b.chunkBytes;
    const mask = f.filtered ? uintLE(bytes, p + O + f.sizeBytes, 4) : 0;
    if (Number.isNaN(chunk) || Number.isNaN(size)) throw corrupt(ctx, what, addr, `entry ${i}: a value exceeds 2^53`);
    const slot = linearSlot(b, n, first + i, scratch);
    if (slot >= 0) putChunk(ctx, b, slot, chunk, size, mask, what, addr);
  }
}

/** True when bit `i` of a page-init bitmap is set (most significant bit first). */
export function pageInitialized(bitmap: Uint8Array, i: number): boolean {
  return (bitmap[i >> 3] & (0x80 >> (i & 7))) !== 0;
}

/** Fill `b` from the fixed array whose header is at `addr`. */
export function readFixedArray(ctx: Ctx, b: TableBuilder, n: Numbering, addr: number, expected: number): void {
  const O = ctx.offsetSize;
  const head = readAt(ctx, addr, 8 + ctx.lengthSize + O + 4, "fixed array header");
  expectSignature(ctx, head, "FAHD", "fixed array header", addr);
  verifyChecksum(ctx, head, "fixed array header", addr);
  const c = cursor(ctx, head, "fixed array header", addr, 4);
  if (c.u8() !== 0) throw corrupt(ctx, "fixed array header", addr, `unknown version ${head[4]}`);
  const f = entryFormat(ctx, c.u8(), c.u8(), "fixed array header", addr);
  const pageBits = c.u8();
  const entries = c.length();
  const dblock = c.address();
  if (entries !== expected) throw corrupt(ctx, "fixed array header", addr, `${entries} entries, the dataset has ${expected} chunks at its maximum extent`);
  if (dblock === UNDEF || entries === 0) return;
  // The data block holds every entry (pages included): it must fit in the file.
  if (entries * f.entrySize > ctx.reader.size) throw corrupt(ctx, "fixed array header", addr, `${entries} entries do not fit in the file`);
  if (pageBits > 32) throw corrupt(ctx, "fixed array header", addr, `page bits ${pageBits}`);
  const pageEntries = 2 ** pageBits;
  const paged = entries > pageEntries;
  const pages = paged ? Math.ceil(entries / pageEntries) : 0;
  const bitmapBytes = Math.ceil(pages / 8);
  const prefix = 6 + O + bitmapBytes;
  const what = "fixed array data block";
  const bytes = readAt(ctx, dblock, prefix + (paged ? 0 : entries * f.entrySize) + 4, what);
  expectSignature(ctx, bytes, "FADB", what, dblock);
  verifyChecksum(ctx, bytes, what, dblock);
  if (uintLE(bytes, 6, O) !== addr) throw corrupt(ctx, what, dblock, "does not belong to its header");
  if (!paged) {
    putEntries(ctx, b, n, f, bytes, prefix, entries, 0, what, dblock);
    return;
  }
  const bitmap = bytes.subarray(6 + O, prefix);
  let pageAddr = dblock + prefix + 4;
  for (let p = 0; p < pages; p++) {
    const count = Math.min(pageEntries, entries - p * pageEntries);
    const size = count * f.entrySize + 4;
    if (pageInitialized(bitmap, p)) {
      const page = readAt(ctx, pageAddr, size, "fixed array data block page");
      verifyChecksum(ctx, page, "fixed array data block page", pageAddr);
      putEntries(ctx, b, n, f, page, 0, count, p * pageEntries, "fixed array data block page", pageAddr);
    }
    pageAddr += size;
  }
}
