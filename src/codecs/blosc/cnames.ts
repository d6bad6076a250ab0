/**
 * Per-block compressors behind Blosc's `cname`s. Each block/split stream is stored exactly as
 * the underlying library's raw one-shot format (c-blosc adds no framing of its own):
 *
 * | cname | stream | library here |
 * |---|---|---|
 * | blosclz | BloscLZ | ./blosclz.ts (no npm package exists) |
 * | lz4, lz4hc | raw LZ4 block, no size prefix | encode: lz4-napi (its one-shot API adds a 4-byte LE size; stripped here); decode: ../lz4-block.ts |
 * | snappy | raw Snappy (varint length + body) | encode: snappy; decode: ./snappyraw.ts |
 * | zlib | zlib (RFC 1950) stream, as zlib's compress2 writes | node:zlib |
 * | zstd | one zstd frame | zstd-napi (low-level binding: decodes straight into the target) |
 *
 * lz4hc: lz4-napi has no high-compression mode, so lz4hc blocks are encoded with plain LZ4.
 * The stream format is identical (c-blosc even stores the same format code), so c-blosc
 * decodes them; only the ratio is lower than c-blosc's lz4hc.
 *
 * A stream that does not come out smaller than its input is stored raw by the frame
 * (./container.ts), so `compress` may also just report "incompressible" (0).
 * @module
 */
import { deflateSync } from "node:zlib";
import { compressSync as lz4Compress } from "lz4-napi";
import { compressSync as snappyCompress } from "snappy";
// The binding is CommonJS re-exporting a native addon, so Node exposes it only as a default export.
import zstdBinding from "zstd-napi/binding.js";
import { blosclzCompress, blosclzDecompress } from "./blosclz.js";
import { snappyDecode } from "./snappyraw.js";
import { CodecError } from "../../format/errors.js";
import { lz4DecodeBlock, lz4Problem } from "../lz4-block.js";
import { inflateInto } from "../inflate-into.js";

/** The compressor names Blosc1 knows. */
export type Cname = "blosclz" | "lz4" | "lz4hc" | "snappy" | "zlib" | "zstd";

/** All cnames, in c-blosc's code order. */
export const CNAMES: readonly Cname[] = ["blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"];

/** Compress `src` into `dst`; returns bytes written, or 0 when it does not fit in `dst`. */
export type BlockCompress = (src: Uint8Array, dst: Uint8Array, clevel: number) => number;
/** Decompress one stream into `dst` (sized to the expected output); returns bytes written. Throws on corrupt input. */
export type BlockDecompress = (src: Uint8Array, dst: Uint8Array) => number;

/** How one cname behaves inside a Blosc1 frame. */
export interface BlockCodec {
  cname: Cname;
  /** Library (stream format) code stored in header flag bits 5-7. */
  format: number;
  /** c-blosc's "high compression ratio" codecs get twice-larger automatic blocks. */
  hcr: boolean;
  /** c-blosc (forward-compatible split mode) never splits zstd blocks into per-byte streams. */
  splittable: boolean;
  compress: BlockCompress;
  decompress: BlockDecompress;
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** Copy a library's output into `dst` when it fits, else report "does not fit" (0). */
function place(out: Uint8Array, dst: Uint8Array): number {
  if (out.length === 0 || out.length > dst.length) return 0;
  dst.set(out);
  return out.length;
}

/** Sample size for the lz4 incompressibility probe; streams under 4× this skip the probe. */
const LZ4_PROBE = 8192;

const lz4: BlockCompress = (src, dst) => {
  // lz4_flex does not speed up on incompressible input the way liblz4's acceleration does
  // (~200 MB/s vs GB/s), so first compress a sample of the tail: when even that does not
  // shrink, report the stream incompressible and let the frame store it raw.
  if (src.length >= 4 * LZ4_PROBE && lz4Compress(asBuffer(src.subarray(src.length - LZ4_PROBE))).length - 4 >= LZ4_PROBE) return 0;
  const out = lz4Compress(asBuffer(src));
  return place(out.subarray(4), dst); // drop lz4-napi's 4-byte size prefix
};

// Decoded in place by ../lz4-block.ts (WebAssembly): 1.2-4x lz4-napi's speed, which framed
// each stream, allocated its output and copied it again (figures there and in bench/lz4.ts).
const lz4Decompress: BlockDecompress = (src, dst) => {
  const got = lz4DecodeBlock(src, dst);
  if (got < 0) throw new CodecError("blosc", lz4Problem(got));
  return got; // the frame decoder refuses a stream shorter than its block
};

const snappy: BlockCompress = (src, dst) => place(snappyCompress(src), dst);

// Hand-written (./snappyraw.ts): checks the declared length first, decodes in place.
const snappyDecompress: BlockDecompress = snappyDecode;

const zlib: BlockCompress = (src, dst, clevel) => place(deflateSync(src, { level: clevel }), dst);

// Straight into the block (../inflate-into.ts): inflateSync allocated each block's output
// and the frame copied it into place.
const zlibDecompress: BlockDecompress = inflateInto;

let cctx: zstdBinding.CCtx | undefined;
let dctx: zstdBinding.DCtx | undefined;

/** c-blosc maps clevel 1..9 onto zstd levels: 2·clevel−1 below 8, max−2 at 8, max at 9. */
export function zstdLevel(clevel: number): number {
  if (clevel >= 9) return 22;
  if (clevel === 8) return 20;
  return clevel * 2 - 1;
}

const zstd: BlockCompress = (src, dst, clevel) => {
  cctx ??= new zstdBinding.CCtx();
  try {
    return cctx.compress(dst, src, zstdLevel(clevel));
  } catch {
    return 0; // destination too small: the block is stored raw
  }
};

const zstdDecompress: BlockDecompress = (src, dst) => {
  dctx ??= new zstdBinding.DCtx();
  return dctx.decompress(dst, src);
};

const blosclz: BlockCompress = (src, dst, clevel) => blosclzCompress(src, dst, clevel);

const TABLE: Record<Cname, BlockCodec> = {
  blosclz: { cname: "blosclz", format: 0, hcr: false, splittable: true, compress: blosclz, decompress: blosclzDecompress },
  lz4: { cname: "lz4", format: 1, hcr: false, splittable: true, compress: lz4, decompress: lz4Decompress },
  lz4hc: { cname: "lz4hc", format: 1, hcr: true, splittable: true, compress: lz4, decompress: lz4Decompress },
  snappy: { cname: "snappy", format: 2, hcr: false, splittable: true, compress: snappy, decompress: snappyDecompress },
  zlib: { cname: "zlib", format: 3, hcr: true, splittable: true, compress: zlib, decompress: zlibDecompress },
  zstd: { cname: "zstd", format: 4, hcr: true, splittable: false, compress: zstd, decompress: zstdDecompress },
};

/** The block codec for `cname`. */
export function blockCodec(cname: Cname): BlockCodec {
  return TABLE[cname];
}

/** True when `s` names a Blosc1 compressor. */
export function isCname(s: unknown): s is Cname {
  return typeof s === "string" && (CNAMES as readonly string[]).includes(s);
}

const BY_FORMAT: (BlockDecompress | undefined)[] = [blosclzDecompress, lz4Decompress, snappyDecompress, zlibDecompress, zstdDecompress];

/** The stream decoder for header format code `format` (0..7), or undefined when Blosc1 defines none. */
export function decompressorFor(format: number): BlockDecompress | undefined {
  return BY_FORMAT[format];
}

/** Human name of a header format code, for error messages. */
export function formatName(format: number): string {
  return ["blosclz", "lz4", "snappy", "zlib", "zstd"][format] ?? `unknown compressor ${format}`;
}
