/**
 * The Blosc1 frame ("chunk") format, as c-blosc 1.x / numcodecs.Blosc read and write it.
 * Hand-written: no maintained npm binding for c-blosc exists.
 *
 * Header (16 bytes, little endian): version (2), versionlz (1), flags, typesize,
 * nbytes (u32), blocksize (u32), cbytes (u32, whole frame). Flags: bit0 byte shuffle,
 * bit1 memcpyed (raw data follows the header), bit2 bit shuffle, bit3 reserved (must be 0),
 * bit4 "don't split", bits 5-7 stream format (0 blosclz, 1 lz4/lz4hc, 2 snappy, 3 zlib, 4 zstd).
 *
 * Unless memcpyed: an int32 table of block start offsets (from the frame start), then per block
 * one stream per split, each prefixed by its int32 size. A full block is split into `typesize`
 * streams (one per shuffled byte plane) when the split flag allows it, typesize ≤ 16 and the
 * block holds ≥ 128 elements; the last, shorter block is never split. A stream whose size equals
 * its decoded size is stored raw.
 *
 * Block size and split/memcpy choices follow c-blosc's documented behaviour so ratios match.
 * @module
 */
import { CodecError } from "../../format/errors.js";
import { bitShuffle, bitUnshuffle, byteShuffle, byteUnshuffle } from "./shuffle.js";
import { decompressorFor, formatName, type BlockCodec } from "./cnames.js";

/** Bytes in a Blosc1 header. */
export const HEADER_SIZE = 16;
/** The frame format version c-blosc 1.x writes and accepts. */
export const VERSION_FORMAT = 2;
/** The per-compressor format version (1 for every Blosc1 compressor). */
export const VERSION_LZ = 1;

/** Header flag bits. */
export const FLAG_SHUFFLE = 0x01;
export const FLAG_MEMCPYED = 0x02;
export const FLAG_BITSHUFFLE = 0x04;
export const FLAG_RESERVED = 0x08;
export const FLAG_DONT_SPLIT = 0x10;

/** Largest input c-blosc accepts (INT_MAX minus the header). */
export const MAX_BUFFERSIZE = 2 ** 31 - 1 - HEADER_SIZE;
/** Largest typesize; c-blosc treats anything larger as a byte stream (typesize 1). */
export const MAX_TYPESIZE = 255;
/** Largest block size c-blosc accepts. */
export const MAX_BLOCKSIZE = Math.floor((2 ** 31 - 1 - MAX_TYPESIZE * 4) / 3);

/** Buffers smaller than this are stored memcpyed; blocks must hold this many elements to be split. */
const MIN_BUFFERSIZE = 128;
/** Larger typesizes are never split. */
const MAX_SPLITS = 16;
/** c-blosc's assumed L1 cache size, the base of automatic block sizes. */
const L1 = 32 * 1024;

/** Shuffle filter codes (c-blosc numbering). */
export type ShuffleMode = 0 | 1 | 2;

/** A parsed Blosc1 header. */
export interface BloscHeader {
  version: number;
  versionlz: number;
  flags: number;
  typesize: number;
  nbytes: number;
  blocksize: number;
  cbytes: number;
}

/** What {@link encodeFrame} needs. */
export interface EncodeOptions {
  codec: BlockCodec;
  /** 0 (memcpy) .. 9. */
  clevel: number;
  shuffle: ShuffleMode;
  /** Element size in bytes; values outside 1..255 mean a byte stream, as in c-blosc. */
  typesize: number;
  /** Forced block size in bytes, or 0 for c-blosc's automatic choice. */
  blocksize: number;
}

const err = (message: string, key?: string): CodecError => new CodecError("blosc", message, key);

const u32 = (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
/** int32 as c-blosc reads it (negative values are corrupt). */
const i32 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

/** Read the 16-byte header; throws CodecError when fewer than 16 bytes are given. */
export function parseHeader(b: Uint8Array, key?: string): BloscHeader {
  if (b.length < HEADER_SIZE) throw err(`truncated frame: ${b.length} bytes, the header alone needs ${HEADER_SIZE}`, key);
  return {
    version: b[0],
    versionlz: b[1],
    flags: b[2],
    typesize: b[3],
    nbytes: u32(b, 4),
    blocksize: u32(b, 8),
    cbytes: u32(b, 12),
  };
}

/** Write `h` into the first 16 bytes of `b`. */
export function writeHeader(b: Uint8Array, h: BloscHeader): void {
  b[0] = h.version;
  b[1] = h.versionlz;
  b[2] = h.flags;
  b[3] = h.typesize;
  put32(b, 4, h.nbytes);
  put32(b, 8, h.blocksize);
  put32(b, 12, h.cbytes);
}

/**
 * Whether blocks are split into per-byte-plane streams (c-blosc's default "forward
 * compatible" split mode): never for zstd, only for typesize ≤ 16 and ≥ 128 elements per block.
 */
export function splitBlock(codec: BlockCodec, typesize: number, blocksize: number): boolean {
  return codec.splittable && typesize <= MAX_SPLITS && Math.floor(blocksize / typesize) >= MIN_BUFFERSIZE;
}

/** Automatic-block multipliers by clevel (relative to L1), before the HCR bonus at level 9. */
const LEVEL_FACTOR = [0.25, 0.5, 1, 2, 4, 4, 8, 8, 8, 8];

/**
 * The block size c-blosc picks for `nbytes` of `typesize`-byte elements: forced sizes are
 * clamped to [128, MAX_BLOCKSIZE]; automatic sizes start from L1 (doubled for HCR codecs) and
 * scale with clevel; splittable blocks are then widened to typesize × min(size, 256 KiB),
 * kept within [64 KiB, 1 MiB]; finally clamped to nbytes and rounded down to whole elements.
 */
export function computeBlocksize(codec: BlockCodec, clevel: number, typesize: number, nbytes: number, forced: number): number {
  if (nbytes < typesize) return 1;
  let bs = nbytes;
  if (forced > 0) {
    bs = Math.min(Math.max(forced, MIN_BUFFERSIZE), MAX_BLOCKSIZE);
  } else if (nbytes >= L1) {
    bs = L1 * (codec.hcr ? 2 : 1) * LEVEL_FACTOR[clevel];
    if (clevel === 9 && codec.hcr) bs *= 2;
  }
  if (clevel > 0 && splitBlock(codec, typesize, bs)) {
    bs = Math.min(bs, 1 << 18) * typesize;
    bs = Math.min(Math.max(bs, 1 << 16), 1 << 20);
  }
  if (bs > nbytes) bs = nbytes;
  if (bs > typesize) bs = Math.floor(bs / typesize) * typesize;
  return bs;
}

/**
 * Compress `src` into a Blosc1 frame that c-blosc decodes. Falls back to a memcpyed frame
 * (as c-blosc does) for clevel 0, inputs under 128 bytes, or when compression would not
 * fit in `nbytes + 16` bytes.
 */
export function encodeFrame(src: Uint8Array, o: EncodeOptions, key?: string): Uint8Array {
  const nbytes = src.length;
  if (nbytes > MAX_BUFFERSIZE) throw err(`input of ${nbytes} bytes exceeds Blosc's limit of ${MAX_BUFFERSIZE}`, key);
  if (!Number.isInteger(o.clevel) || o.clevel < 0 || o.clevel > 9) throw err(`clevel must be 0..9, got ${o.clevel}`, key);
  const typesize = o.typesize >= 1 && o.typesize <= MAX_TYPESIZE ? o.typesize : 1;
  const blocksize = computeBlocksize(o.codec, o.clevel, typesize, nbytes, o.blocksize);
  let flags = o.codec.format << 5;
  if (o.shuffle === 1) flags |= FLAG_SHUFFLE;
  if (o.shuffle === 2) flags |= FLAG_BITSHUFFLE;
  if (!splitBlock(o.codec, typesize, blocksize)) flags |= FLAG_DONT_SPLIT;

  const maxbytes = nbytes + HEADER_SIZE;
  const out = new Uint8Array(maxbytes);
  const header: BloscHeader = { version: VERSION_FORMAT, versionlz: VERSION_LZ, flags, typesize, nbytes, blocksize, cbytes: 0 };
  if (o.clevel > 0 && nbytes >= MIN_BUFFERSIZE) {
    const cbytes = compressBlocks(src, out, o, typesize, blocksize, (flags & FLAG_DONT_SPLIT) === 0);
    if (cbytes > 0) {
      writeHeader(out, { ...header, cbytes });
      // Do not pin a mostly-empty buffer behind a small result.
      return cbytes < maxbytes / 2 ? out.slice(0, cbytes) : out.subarray(0, cbytes);
    }
  }
  writeHeader(out, { ...header, flags: flags | FLAG_MEMCPYED, cbytes: maxbytes });
  out.set(src, HEADER_SIZE);
  return out;
}

/** Write block table and streams into `out`; returns the frame length, or 0 when it would not fit. */
function compressBlocks(src: Uint8Array, out: Uint8Array, o: EncodeOptions, typesize: number, blocksize: number, split: boolean): number {
  const nbytes = src.length;
  const maxbytes = out.length;
  const nblocks = Math.ceil(nbytes / blocksize);
  const leftover = nbytes % blocksize;
  let pos = HEADER_SIZE + 4 * nblocks;
  if (pos > maxbytes) return 0;
  const byteShuf = o.shuffle === 1 && typesize > 1;
  const bitShuf = o.shuffle === 2;
  const tmp = byteShuf || bitShuf ? new Uint8Array(blocksize) : undefined;
  for (let j = 0; j < nblocks; j++) {
    put32(out, HEADER_SIZE + 4 * j, pos);
    const last = j === nblocks - 1 && leftover > 0;
    const bsize = last ? leftover : blocksize;
    const block = src.subarray(j * blocksize, j * blocksize + bsize);
    let data = block;
    if (byteShuf) {
      data = tmp!.subarray(0, bsize);
      byteShuffle(block, data, typesize);
    } else if (bitShuf && bsize >= typesize) {
      data = tmp!.subarray(0, bsize);
      bitShuffle(block, data, typesize);
    }
    const nsplits = split && !last ? typesize : 1;
    const neblock = Math.floor(bsize / nsplits);
    for (let k = 0; k < nsplits; k++) {
      if (pos + 4 > maxbytes) return 0;
      const sizeAt = pos;
      pos += 4;
      const part = data.subarray(k * neblock, (k + 1) * neblock);
      // A stream must come out strictly smaller than its input; otherwise store it raw.
      const room = Math.min(neblock - 1, maxbytes - pos);
      let c = room > 0 ? o.codec.compress(part, out.subarray(pos, pos + room), o.clevel) : 0;
      if (c <= 0 || c >= neblock) {
        if (pos + neblock > maxbytes) return 0;
        out.set(part, pos);
        c = neblock;
      }
      put32(out, sizeAt, c);
      pos += c;
    }
  }
  return pos;
}

/** Header facts about a frame without decoding it (validated as {@link decodeFrame} would). */
export function frameInfo(input: Uint8Array, key?: string): BloscHeader {
  const h = parseHeader(input, key);
  if (h.version !== VERSION_FORMAT) throw err(`unsupported Blosc format version ${h.version} (expected ${VERSION_FORMAT})`, key);
  if (h.cbytes < HEADER_SIZE || h.cbytes > input.length)
    throw err(`header says the frame has ${h.cbytes} bytes but ${input.length} were given (truncated or corrupt)`, key);
  if (h.nbytes === 0) return h;
  if (h.nbytes > MAX_BUFFERSIZE) throw err(`header declares ${h.nbytes} bytes, beyond Blosc's limit`, key);
  if (h.blocksize === 0 || h.blocksize > h.nbytes || h.blocksize > MAX_BLOCKSIZE)
    throw err(`invalid block size ${h.blocksize} for ${h.nbytes} bytes`, key);
  if (h.typesize === 0) throw err("typesize 0 in header", key);
  if (h.flags & FLAG_RESERVED) throw err("reserved header flag bit 3 is set (frame from a future format?)", key);
  if (h.flags & FLAG_MEMCPYED) {
    if (h.cbytes !== h.nbytes + HEADER_SIZE) throw err(`memcpyed frame of ${h.nbytes} bytes must be ${h.nbytes + HEADER_SIZE} bytes long, header says ${h.cbytes}`, key);
    return h;
  }
  const format = h.flags >>> 5;
  if (!decompressorFor(format)) throw err(`unknown compressor format ${format} in header`, key);
  if (h.versionlz !== VERSION_LZ) throw err(`unsupported ${formatName(format)} format version ${h.versionlz}`, key);
  const nblocks = Math.ceil(h.nbytes / h.blocksize);
  const tableEnd = HEADER_SIZE + 4 * nblocks;
  if (tableEnd > h.cbytes) throw err(`block table of ${nblocks} entries does not fit in ${h.cbytes} bytes`, key);
  for (let j = 0; j < nblocks; j++) {
    const s = i32(input, HEADER_SIZE + 4 * j);
    if (s < tableEnd || s > h.cbytes - 4) throw err(`block ${j} starts at ${s}, outside the frame's ${tableEnd}..${h.cbytes - 4}`, key);
  }
  const typesize = h.typesize;
  const split = (h.flags & FLAG_DONT_SPLIT) === 0 && typesize <= MAX_SPLITS && Math.floor(h.blocksize / typesize) >= MIN_BUFFERSIZE;
  if (split && h.blocksize % typesize !== 0) throw err(`split block size ${h.blocksize} is not a multiple of typesize ${typesize}`, key);
  // Walk every stream before anything is allocated: each must lie inside the frame and be
  // able to expand to its share of the block, so a tiny frame cannot claim gigabytes.
  const leftover = h.nbytes % h.blocksize;
  for (let j = 0; j < nblocks; j++) {
    const last = j === nblocks - 1 && leftover > 0;
    const bsize = last ? leftover : h.blocksize;
    const nsplits = split && !last ? typesize : 1;
    const neblock = Math.floor(bsize / nsplits);
    let off = i32(input, HEADER_SIZE + 4 * j);
    for (let k = 0; k < nsplits; k++) {
      if (off > h.cbytes - 4) throw err(`block ${j} stream ${k} starts past the frame end`, key);
      const cs = i32(input, off);
      off += 4;
      if (cs < 0 || cs > h.cbytes - off) throw err(`block ${j} stream ${k} claims ${cs} bytes, beyond the frame end`, key);
      if (cs !== neblock && neblock > MAX_EXPANSION[format] * cs + 1024)
        throw err(`block ${j} stream ${k}: ${cs} bytes of ${formatName(format)} cannot expand to ${neblock}`, key);
      off += cs;
    }
  }
  return h;
}

/**
 * Upper bounds on how far one stream of each format can expand (blosclz and LZ4: 255 bytes
 * per length byte; Snappy: 64 bytes per 3-byte copy; deflate: 1032:1; zstd: a 4-byte RLE
 * block per 128 KiB), with a 2× margin.
 */
const MAX_EXPANSION = [512, 512, 64, 2100, 65536];

/**
 * Decode a Blosc1 frame. With `out` (exactly nbytes long) the data is decoded straight into
 * it; otherwise a buffer is allocated only after the header and block table are validated.
 * Throws CodecError for corrupt or truncated frames.
 */
export function decodeFrame(input: Uint8Array, out?: Uint8Array, key?: string): Uint8Array {
  const h = frameInfo(input, key);
  if (out !== undefined && out.length !== h.nbytes)
    throw err(`frame decodes to ${h.nbytes} bytes but the destination holds ${out.length}`, key);
  const dest = out ?? new Uint8Array(h.nbytes);
  if (h.nbytes === 0) return dest;
  if (h.flags & FLAG_MEMCPYED) {
    dest.set(input.subarray(HEADER_SIZE, HEADER_SIZE + h.nbytes));
    return dest;
  }
  const format = h.flags >>> 5;
  const decompress = decompressorFor(format)!;
  const { typesize, blocksize, nbytes, cbytes } = h;
  const nblocks = Math.ceil(nbytes / blocksize);
  const leftover = nbytes % blocksize;
  const split = (h.flags & FLAG_DONT_SPLIT) === 0 && typesize <= MAX_SPLITS && Math.floor(blocksize / typesize) >= MIN_BUFFERSIZE;
  // Byte shuffle wins when both flags are set, as in c-blosc.
  const byteShuf = (h.flags & FLAG_SHUFFLE) !== 0 && typesize > 1;
  const bitShuf = !byteShuf && (h.flags & FLAG_BITSHUFFLE) !== 0;
  const tmp = byteShuf || bitShuf ? new Uint8Array(blocksize) : undefined;

  for (let j = 0; j < nblocks; j++) {
    const last = j === nblocks - 1 && leftover > 0;
    const bsize = last ? leftover : blocksize;
    const target = dest.subarray(j * blocksize, j * blocksize + bsize);
    const unshuffle = byteShuf || (bitShuf && bsize >= typesize);
    const work = unshuffle ? tmp!.subarray(0, bsize) : target;
    const nsplits = split && !last ? typesize : 1;
    const neblock = Math.floor(bsize / nsplits);
    let off = i32(input, HEADER_SIZE + 4 * j);
    for (let k = 0; k < nsplits; k++) {
      if (off > cbytes - 4) throw err(`block ${j} stream ${k} starts past the frame end`, key);
      const cs = i32(input, off);
      off += 4;
      if (cs < 0 || cs > cbytes - off) throw err(`block ${j} stream ${k} claims ${cs} bytes, beyond the frame end`, key);
      const part = work.subarray(k * neblock, (k + 1) * neblock);
      const stream = input.subarray(off, off + cs);
      if (cs === neblock) {
        part.set(stream);
      } else {
        let got: number;
        try {
          got = decompress(stream, part);
        } catch (e) {
          const why = e instanceof CodecError ? e.message.replace(/^codec blosc: /, "") : (e as Error).message;
          throw new CodecError("blosc", `corrupt ${formatName(format)} stream in block ${j}: ${why}`, key, { cause: e });
        }
        if (got !== neblock) throw err(`block ${j} stream ${k} decoded to ${got} bytes, expected ${neblock}`, key);
      }
      off += cs;
    }
    if (byteShuf) byteUnshuffle(work, target, typesize);
    else if (unshuffle) bitUnshuffle(work, target, typesize);
  }
  return dest;
}
