/**
 * Extensible array chunk index (layout v4, one unlimited dimension). A header ("EAHD") points
 * to an index block ("EAIB") holding the first few entries, the addresses of the data blocks
 * of the first super blocks, and the addresses of the later super blocks ("EASB"), which hold
 * data block ("EADB") addresses. Super block s has 2^floor(s/2) data blocks of
 * 2^ceil(s/2) × (minimum data-block entries) entries each; data blocks larger than a page
 * (2^pageBits entries) are stored as checksummed pages, with a bitmap in their super block
 * saying which pages were written (bit j × pages + p, most significant bit first). Entries at or past the header's "maximum index set" were
 * never written.
 * @module
 */
import { UnsupportedError } from "../format/errors.js";
import { cursor, log2Floor, uintLE } from "./bytes.js";
import { verifyChecksum } from "./checksum.js";
import { corrupt, expectSignature, readAt, UNDEF, type Ctx } from "./context.js";
import { type Numbering, type TableBuilder } from "./chunk-table.js";
import { entryFormat, pageInitialized, putEntries, type EntryFormat } from "./fixed-array.js";
import type { ChunkIndexInfo } from "./layout-message.js";

type EaInfo = Extract<ChunkIndexInfo, { type: "extensible" }>;

interface SuperInfo { dataBlocks: number; entries: number; start: number; firstBlock: number }

/** State shared by the readers of one array. */
interface Ea {
  ctx: Ctx;
  b: TableBuilder;
  n: Numbering;
  f: EntryFormat;
  header: number;
  offsetBytes: number;
  pageEntries: number;
  /** Entries in the index block; data-block entries are numbered after them. */
  indexEntries: number;
  maxSet: number;
}

function checkBlock(ea: Ea, bytes: Uint8Array, signature: string, what: string, addr: number): void {
  expectSignature(ea.ctx, bytes, signature, what, addr);
  verifyChecksum(ea.ctx, bytes, what, addr);
  if (bytes[4] !== 0) throw corrupt(ea.ctx, what, addr, `unknown version ${bytes[4]}`);
  if (uintLE(bytes, 6, ea.ctx.offsetSize) !== ea.header) throw corrupt(ea.ctx, what, addr, "does not belong to its header");
}

/** Read a data block of `entries` entries, numbered from `first`; `bitmap`/`bit` say which pages exist. */
function dataBlock(ea: Ea, addr: number, entries: number, first: number, bitmap: Uint8Array | undefined, bit: number): void {
  const { ctx, f } = ea;
  const what = "extensible array data block";
  const prefix = 6 + ctx.offsetSize + ea.offsetBytes;
  const count = Math.max(0, Math.min(entries, ea.maxSet - first));
  if (entries <= ea.pageEntries) {
    const bytes = readAt(ctx, addr, prefix + entries * f.entrySize + 4, what);
    checkBlock(ea, bytes, "EADB", what, addr);
    putEntries(ctx, ea.b, ea.n, f, bytes, prefix, count, first, what, addr);
    return;
  }
  if (bitmap === undefined) throw new UnsupportedError("extensible array", `paged data block at ${addr} pointed to by the index block`, ctx.key);
  checkBlock(ea, readAt(ctx, addr, prefix + 4, what), "EADB", what, addr);
  const pageSize = ea.pageEntries * f.entrySize + 4;
  for (let p = 0; p * ea.pageEntries < count; p++) {
    if (!pageInitialized(bitmap, bit + p)) continue;
    const at = addr + prefix + 4 + p * pageSize;
    const page = readAt(ctx, at, pageSize, "extensible array data block page");
    verifyChecksum(ctx, page, "extensible array data block page", at);
    const n = Math.min(ea.pageEntries, count - p * ea.pageEntries);
    putEntries(ctx, ea.b, ea.n, f, page, 0, n, first + p * ea.pageEntries, "extensible array data block page", at);
  }
}

/** Read super block `s` at `addr` and its data blocks. */
function superBlock(ea: Ea, addr: number, s: SuperInfo): void {
  const { ctx } = ea;
  const what = "extensible array super block";
  const pages = s.entries > ea.pageEntries ? s.entries / ea.pageEntries : 0;
  // The bitmap packs (data block × page) bits, but its size is a whole byte per data block
  // (as the library allocates it).
  const bitmapBytes = s.dataBlocks * Math.ceil(pages / 8);
  const prefix = 6 + ctx.offsetSize + ea.offsetBytes;
  const bytes = readAt(ctx, addr, prefix + bitmapBytes + s.dataBlocks * ctx.offsetSize + 4, what);
  checkBlock(ea, bytes, "EASB", what, addr);
  const bitmap = pages > 0 ? bytes.subarray(prefix, prefix + bitmapBytes) : undefined;
  const c = cursor(ctx, bytes, what, addr, prefix + bitmapBytes);
  for (let j = 0; j < s.dataBlocks; j++) {
    const block = c.address();
    const first = ea.indexEntries + s.start + j * s.entries;
    if (block !== UNDEF && first < ea.maxSet) dataBlock(ea, block, s.entries, first, bitmap, j * pages);
  }
}

/** Fill `b` from the extensible array whose header is at `addr`. */
export function readExtensibleArray(ctx: Ctx, b: TableBuilder, n: Numbering, addr: number, info: EaInfo): void {
  const O = ctx.offsetSize;
  const what = "extensible array header";
  const head = readAt(ctx, addr, 12 + 6 * ctx.lengthSize + O + 4, what);
  expectSignature(ctx, head, "EAHD", what, addr);
  verifyChecksum(ctx, head, what, addr);
  const c = cursor(ctx, head, what, addr, 4);
  if (c.u8() !== 0) throw corrupt(ctx, what, addr, `unknown version ${head[4]}`);
  const f = entryFormat(ctx, c.u8(), c.u8(), what, addr);
  const [maxBits, indexEntries, minEntries, minPointers, pageBits] = [c.u8(), c.u8(), c.u8(), c.u8(), c.u8()];
  c.skip(4 * ctx.lengthSize); // super/data block counts and sizes
  const maxSet = c.length();
  c.length(); // elements realized
  const iblock = c.address();
  const pow2 = (v: number): boolean => v > 0 && 2 ** log2Floor(v) === v;
  if (maxBits === 0 || maxBits > 64 || !pow2(minEntries) || !pow2(minPointers) || pageBits > 32 || log2Floor(minEntries) > maxBits) {
    throw corrupt(ctx, what, addr, `impossible parameters (bits ${maxBits}, data block ${minEntries}, pointers ${minPointers}, page bits ${pageBits})`);
  }
  if (maxBits !== info.maxBits || indexEntries !== info.indexElements || minEntries !== info.minElements || minPointers !== info.minPointers || pageBits !== info.pageBits) {
    throw corrupt(ctx, what, addr, "parameters differ from the layout message's");
  }
  if (iblock === UNDEF || maxSet === 0) return;
  const ea: Ea = { ctx, b, n, f, header: addr, offsetBytes: Math.ceil(maxBits / 8), pageEntries: 2 ** pageBits, indexEntries, maxSet };

  const supers: SuperInfo[] = [];
  for (let s = 0, start = 0, firstBlock = 0; s < 1 + maxBits - log2Floor(minEntries); s++) {
    const dataBlocks = 2 ** Math.floor(s / 2);
    const entries = 2 ** Math.floor((s + 1) / 2) * minEntries;
    supers.push({ dataBlocks, entries, start, firstBlock });
    start += dataBlocks * entries;
    firstBlock += dataBlocks;
  }
  const direct = 2 * log2Floor(minPointers); // super blocks whose data blocks the index block points to
  const blockAddrs = 2 * (minPointers - 1);
  const superAddrs = Math.max(0, supers.length - direct);
  const iwhat = "extensible array index block";
  const bytes = readAt(ctx, iblock, 6 + O + indexEntries * f.entrySize + (blockAddrs + superAddrs) * O + 4, iwhat);
  checkBlock(ea, bytes, "EAIB", iwhat, iblock);
  putEntries(ctx, b, n, f, bytes, 6 + O, Math.min(indexEntries, maxSet), 0, iwhat, iblock);
  const ic = cursor(ctx, bytes, iwhat, iblock, 6 + O + indexEntries * f.entrySize);
  const dataAddrs = Array.from({ length: blockAddrs }, () => ic.address());
  const superAddrList = Array.from({ length: superAddrs }, () => ic.address());
  for (let s = 0; s < supers.length; s++) {
    const info = supers[s];
    if (indexEntries + info.start >= maxSet) break;
    if (s < direct) {
      for (let j = 0; j < info.dataBlocks; j++) {
        const block = dataAddrs[info.firstBlock + j];
        const first = indexEntries + info.start + j * info.entries;
        if (block !== UNDEF && first < maxSet) dataBlock(ea, block, info.entries, first, undefined, 0);
      }
    } else if (superAddrList[s - direct] !== UNDEF) superBlock(ea, superAddrList[s - direct], info);
  }
}
