/**
 * Fractal heaps ("FRHP"), where dense groups keep their link messages: reading one object by
 * its heap ID. Managed objects are found through the doubling table: the root indirect
 * block ("FHIB") has rows of `width` blocks, rows 0 and 1 of the starting size and each later
 * row twice the size of the one before; rows up to the maximum direct-block size hold direct
 * blocks ("FHDB"), later rows hold indirect blocks with fewer rows. Tiny objects live in the
 * ID itself; huge objects (their own B-tree) and filtered heaps are refused.
 * @module
 */
import { UnsupportedError } from "../format/errors.js";
import { cursor, log2Floor, uintLE } from "./bytes.js";
import { lookup3, verifyChecksum } from "./checksum.js";
import { corrupt, expectSignature, readAt, UNDEF, type Ctx } from "./context.js";

/** What the heap header says (the parts a reader needs). */
export interface FractalHeap {
  addr: number;
  idLength: number;
  checksummedBlocks: boolean;
  width: number;
  startSize: number;
  maxDirectSize: number;
  /** Bytes of an offset into the heap (block offsets and managed IDs). */
  offsetBytes: number;
  /** Bytes of a managed object's length in its ID. */
  lengthBytes: number;
  /** Rows holding direct blocks. */
  directRows: number;
  rootAddress: number;
  rootRows: number;
}

const WHAT = "fractal heap header";

function isPowerOfTwo(v: number): boolean {
  return v > 0 && Number.isSafeInteger(v) && 2 ** log2Floor(v) === v;
}

/** Read and check the fractal heap header at `addr`. */
export function readFractalHeap(ctx: Ctx, addr: number): FractalHeap {
  const O = ctx.offsetSize;
  const L = ctx.lengthSize;
  const fixedSize = 4 + 1 + 2 + 2 + 1 + 4 + L + O + L + O + 8 * L + 2 + L + L + 2 + 2 + O + 2;
  const head = readAt(ctx, addr, fixedSize + 4, WHAT);
  expectSignature(ctx, head, "FRHP", WHAT, addr);
  const c = cursor(ctx, head, WHAT, addr, 4);
  if (c.u8() !== 0) throw corrupt(ctx, WHAT, addr, `unknown version ${head[4]}`);
  const idLength = c.u16();
  const filterLength = c.u16();
  if (filterLength > 0) throw new UnsupportedError("filtered fractal heap", `heap at address ${addr} has I/O filters`, ctx.key);
  verifyChecksum(ctx, head, WHAT, addr);
  const flags = c.u8();
  const maxManaged = c.u32();
  c.skip(L + O + L + O + 8 * L); // huge-object and free-space bookkeeping, statistics
  const width = c.u16();
  const startSize = c.length();
  const maxDirectSize = c.length();
  const maxHeapBits = c.u16();
  c.skip(2); // starting rows of the root indirect block
  const rootAddress = c.address();
  const rootRows = c.u16();
  if (width === 0 || !isPowerOfTwo(startSize) || !isPowerOfTwo(maxDirectSize) || maxDirectSize < startSize || maxHeapBits === 0 || maxHeapBits > 64) {
    throw corrupt(ctx, WHAT, addr, `impossible doubling table (width ${width}, block sizes ${startSize}..${maxDirectSize}, ${maxHeapBits} offset bits)`);
  }
  const offsetBytes = Math.ceil(maxHeapBits / 8);
  const lengthBytes = Math.min(Math.ceil(log2Floor(maxDirectSize) / 8), byteCount(maxManaged));
  const directRows = log2Floor(maxDirectSize) - log2Floor(startSize) + 2;
  return { addr, idLength, checksummedBlocks: (flags & 2) !== 0, width, startSize, maxDirectSize, offsetBytes, lengthBytes, directRows, rootAddress, rootRows };
}

/** Bytes to encode `v` (HDF5's "limit encode size"). */
function byteCount(v: number): number {
  return Math.floor(log2Floor(Math.max(1, v)) / 8) + 1;
}

/** Size of the blocks of row `row` of the doubling table. */
function rowSize(h: FractalHeap, row: number): number {
  return row === 0 ? h.startSize : h.startSize * 2 ** (row - 1);
}

/** The direct block holding heap offset `offset`: its address and the offset's position inside it. */
function locate(ctx: Ctx, h: FractalHeap, offset: number): { block: number; size: number; at: number } {
  if (h.rootRows === 0) return { block: h.rootAddress, size: h.startSize, at: offset };
  let iblock = h.rootAddress;
  let rows = h.rootRows;
  let rel = offset;
  // Each step enters a strictly smaller indirect block, so this ends within the row count.
  for (let depth = 0; depth < 64; depth++) {
    let row = 0;
    let start = 0;
    while (row < rows && rel >= start + h.width * rowSize(h, row)) start += h.width * rowSize(h, row++);
    if (row >= rows) throw corrupt(ctx, "fractal heap", h.addr, `heap offset ${offset} is beyond the indirect block at ${iblock}`);
    const size = rowSize(h, row);
    const col = Math.floor((rel - start) / size);
    const entry = row * h.width + col;
    const child = indirectEntry(ctx, h, iblock, rows, entry);
    if (child === UNDEF) throw corrupt(ctx, "fractal heap", h.addr, `heap offset ${offset} falls in an unallocated block`);
    rel -= start + col * size;
    if (row < h.directRows) return { block: child, size, at: rel };
    iblock = child;
    rows = log2Floor(size) - log2Floor(h.startSize * h.width) + 1;
  }
  throw corrupt(ctx, "fractal heap", h.addr, "indirect blocks nested too deep");
}

/** Address in entry `entry` of the indirect block at `addr` with `rows` rows. */
function indirectEntry(ctx: Ctx, h: FractalHeap, addr: number, rows: number, entry: number): number {
  const what = "fractal heap indirect block";
  const entries = rows * h.width;
  const size = 4 + 1 + ctx.offsetSize + h.offsetBytes + entries * ctx.offsetSize + 4;
  const bytes = readAt(ctx, addr, size, what);
  expectSignature(ctx, bytes, "FHIB", what, addr);
  verifyChecksum(ctx, bytes, what, addr);
  const c = cursor(ctx, bytes, what, addr, 5);
  if (bytes[4] !== 0) throw corrupt(ctx, what, addr, `unknown version ${bytes[4]}`);
  if (c.address() !== h.addr) throw corrupt(ctx, what, addr, "does not belong to its heap");
  c.skip(h.offsetBytes + entry * ctx.offsetSize);
  return c.address();
}

/** Bytes of the object with heap ID `id` (a view or copy; do not modify). */
export function heapObject(ctx: Ctx, h: FractalHeap, id: Uint8Array): Uint8Array {
  const flags = id[0];
  const type = (flags >> 4) & 3;
  if (flags >> 6 !== 0) throw corrupt(ctx, "fractal heap ID", h.addr, `unknown version ${flags >> 6}`);
  if (type === 1) throw new UnsupportedError("huge fractal heap object", `heap at address ${h.addr}`, ctx.key);
  if (type === 2) {
    // Tiny: the object is in the ID; longer IDs spend a second byte on the length.
    const extended = h.idLength > 18;
    const length = (extended ? ((flags & 0x0f) << 8) | id[1] : flags & 0x0f) + 1;
    const from = extended ? 2 : 1;
    if (from + length > id.length) throw corrupt(ctx, "fractal heap ID", h.addr, `tiny object of ${length} bytes in a ${id.length}-byte ID`);
    return id.subarray(from, from + length);
  }
  if (type !== 0) throw corrupt(ctx, "fractal heap ID", h.addr, `unknown object type ${type}`);
  if (1 + h.offsetBytes + h.lengthBytes > id.length) throw corrupt(ctx, "fractal heap ID", h.addr, `ID of ${id.length} bytes is too short`);
  const offset = uintLE(id, 1, h.offsetBytes);
  const length = uintLE(id, 1 + h.offsetBytes, h.lengthBytes);
  if (Number.isNaN(offset) || Number.isNaN(length)) throw corrupt(ctx, "fractal heap ID", h.addr, "offset or length exceeds 2^53");
  const { block, size, at } = locate(ctx, h, offset);
  const header = 5 + ctx.offsetSize + h.offsetBytes + (h.checksummedBlocks ? 4 : 0);
  if (at < header || at + length > size) throw corrupt(ctx, "fractal heap direct block", block, `object of ${length} bytes at ${at} is outside the block of ${size} bytes`);
  const bytes = readAt(ctx, block, h.checksummedBlocks ? size : header, "fractal heap direct block");
  expectSignature(ctx, bytes, "FHDB", "fractal heap direct block", block);
  if (h.checksummedBlocks) checkDirectBlock(ctx, bytes, header - 4, block);
  return h.checksummedBlocks ? bytes.subarray(at, at + length) : readAt(ctx, block + at, length, "fractal heap object");
}

/** A direct block's checksum covers the whole block with the checksum field read as zeros. */
function checkDirectBlock(ctx: Ctx, bytes: Uint8Array, at: number, addr: number): void {
  const copy = bytes.slice();
  const stored = uintLE(copy, at, 4);
  copy.fill(0, at, at + 4);
  const computed = lookup3(copy);
  if (stored !== computed) throw corrupt(ctx, "fractal heap direct block", addr, `checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}): the file is corrupt`);
}
