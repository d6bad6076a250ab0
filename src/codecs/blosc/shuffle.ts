/**
 * Byte shuffle and bit shuffle of one block, laid out exactly as c-blosc 1.x does it.
 * Hand-written: no installed package implements these transforms.
 *
 * Byte shuffle with `n = floor(len / typesize)` whole elements: byte `j` of element `i`
 * goes to `j * n + i`; the `len % typesize` trailing bytes are copied unchanged.
 *
 * Bit shuffle: only when `n` is a multiple of 8 (otherwise c-blosc copies the whole
 * block unchanged). Bit `k` of byte `j` of element `i` goes to bit `i % 8` of byte
 * `(j * 8 + k) * (n / 8) + floor(i / 8)`; trailing partial-element bytes are copied.
 *
 * All functions write `dst` (same length as `src`, distinct memory) and are inverses pairwise.
 * The decode directions use the Wasm SIMD kernels in ./simd.ts when they apply (decode
 * speed matters most), falling back to the JS loops here.
 * @module
 */
import { simdBitUnshuffle1, simdUnshuffle } from "./simd.js";

/** True on little-endian hosts, where wide typed-array stores may replace byte stores. */
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Word-at-a-time paths for typesize 2, 4 and 8: four elements per step, moving 32-bit words
 * and transposing 4×4 bytes in registers (about twice as fast as byte loads in V8).
 * They need little-endian hosts, 4-byte aligned views and a multiple of 4 elements.
 */
function wordPath(src: Uint8Array, dst: Uint8Array, typesize: number, n: number): boolean {
  return LITTLE && (typesize === 2 || typesize === 4 || typesize === 8) && n % 4 === 0 &&
    src.byteOffset % 4 === 0 && dst.byteOffset % 4 === 0;
}

const words = (b: Uint8Array, count: number): Int32Array => new Int32Array(b.buffer, b.byteOffset, count);

/** 4×4 byte transpose of 4 consecutive words starting at `s[i]` with stride `ss`, into `d[o]` with stride `ds`. */
function t4(s: Int32Array, i: number, ss: number, d: Int32Array, o: number, ds: number): void {
  const w0 = s[i], w1 = s[i + ss], w2 = s[i + 2 * ss], w3 = s[i + 3 * ss];
  d[o] = (w0 & 0xff) | ((w1 & 0xff) << 8) | ((w2 & 0xff) << 16) | (w3 << 24);
  d[o + ds] = ((w0 >>> 8) & 0xff) | (w1 & 0xff00) | ((w2 & 0xff00) << 8) | ((w3 & 0xff00) << 16);
  d[o + 2 * ds] = ((w0 >>> 16) & 0xff) | ((w1 >>> 8) & 0xff00) | (w2 & 0xff0000) | ((w3 & 0xff0000) << 8);
  d[o + 3 * ds] = (w0 >>> 24) | ((w1 >>> 16) & 0xff00) | ((w2 >>> 8) & 0xff0000) | (w3 & 0xff000000);
}

function shuffleWords(src: Uint8Array, dst: Uint8Array, typesize: number, n: number): void {
  const q = n >>> 2; // words per byte plane
  const s = words(src, (n * typesize) >>> 2);
  const d = words(dst, (n * typesize) >>> 2);
  if (typesize === 2) {
    for (let k = 0; k < q; k++) {
      const x = s[2 * k], y = s[2 * k + 1];
      d[k] = (x & 0xff) | ((x >>> 8) & 0xff00) | ((y & 0xff) << 16) | ((y << 8) & 0xff000000);
      d[q + k] = ((x >>> 8) & 0xff) | ((x >>> 16) & 0xff00) | ((y << 8) & 0xff0000) | (y & 0xff000000);
    }
  } else if (typesize === 4) {
    for (let k = 0; k < q; k++) t4(s, 4 * k, 1, d, k, q);
  } else {
    for (let k = 0; k < q; k++) {
      t4(s, 8 * k, 2, d, k, q); // low words → planes 0-3
      t4(s, 8 * k + 1, 2, d, 4 * q + k, q); // high words → planes 4-7
    }
  }
}

function unshuffleWords(src: Uint8Array, dst: Uint8Array, typesize: number, n: number): void {
  const q = n >>> 2;
  const s = words(src, (n * typesize) >>> 2);
  const d = words(dst, (n * typesize) >>> 2);
  if (typesize === 2) {
    for (let k = 0; k < q; k++) {
      const a = s[k], b = s[q + k];
      d[2 * k] = (a & 0xff) | ((b & 0xff) << 8) | ((a & 0xff00) << 8) | ((b & 0xff00) << 16);
      d[2 * k + 1] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | ((a >>> 8) & 0xff0000) | (b & 0xff000000);
    }
  } else if (typesize === 4) {
    for (let k = 0; k < q; k++) t4(s, k, q, d, 4 * k, 1);
  } else {
    for (let k = 0; k < q; k++) {
      t4(s, k, q, d, 8 * k, 2);
      t4(s, 4 * q + k, q, d, 8 * k + 1, 2);
    }
  }
}

/** Shuffle the bytes of `src` (elements of `typesize` bytes) into `dst`. */
export function byteShuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const len = src.length;
  const n = Math.floor(len / typesize);
  if (typesize <= 1 || n === 0) {
    dst.set(src);
    return;
  }
  if (wordPath(src, dst, typesize, n)) {
    shuffleWords(src, dst, typesize, n);
  } else {
    // Walk the destination sequentially (one plane at a time) so stores stay contiguous.
    for (let j = 0; j < typesize; j++) {
      const base = j * n;
      for (let i = 0, s = j; i < n; i++, s += typesize) dst[base + i] = src[s];
    }
  }
  const body = n * typesize;
  if (body < len) dst.set(src.subarray(body), body);
}

/** Undo {@link byteShuffle}: `src` holds shuffled bytes, `dst` receives the elements. */
export function byteUnshuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const len = src.length;
  const n = Math.floor(len / typesize);
  if (typesize <= 1 || n === 0) {
    dst.set(src);
    return;
  }
  if (simdUnshuffle(src, dst, typesize, n)) {
    // done by Wasm SIMD (typesize 2/4/8, n % 16 == 0)
  } else if (wordPath(src, dst, typesize, n)) {
    unshuffleWords(src, dst, typesize, n);
  } else {
    // Read each plane sequentially; strided stores are cheaper than strided loads here.
    for (let j = 0; j < typesize; j++) {
      const base = j * n;
      for (let i = 0, d = j; i < n; i++, d += typesize) dst[d] = src[base + i];
    }
  }
  const body = n * typesize;
  if (body < len) dst.set(src.subarray(body), body);
}

/*
 * Bit shuffles work on groups of 8 elements: for each byte position `j`, the 8 bytes
 * (one per element) form an 8×8 bit matrix held as two 32-bit halves (bytes 0-3 in `lo`,
 * 4-7 in `hi`); transposing it (classic three-step swap of 1×1, 2×2 and 4×4 sub-blocks,
 * shifts 7, 14 and 28) yields byte `k` = bit `k` of each element, which goes to bit-row
 * `j * 8 + k`. The transpose is its own inverse, so unshuffling runs the same steps the
 * other way round. The general loops write it out inline (the result feeds byte stores
 * directly); the typesize-1 paths use {@link bt8}, which stores both halves as words.
 */

/** Transpose the 8×8 bit matrix (`lo`, `hi`) and store the halves at `out[i]`, `out[j]`. */
function bt8(lo: number, hi: number, out: Int32Array, i: number, j: number): void {
  let t = (lo ^ (lo >>> 7)) & 0x00aa00aa;
  lo ^= t ^ (t << 7);
  t = (hi ^ (hi >>> 7)) & 0x00aa00aa;
  hi ^= t ^ (t << 7);
  t = (lo ^ (lo >>> 14)) & 0x0000cccc;
  lo ^= t ^ (t << 14);
  t = (hi ^ (hi >>> 14)) & 0x0000cccc;
  hi ^= t ^ (t << 14);
  t = (lo ^ ((lo >>> 28) | (hi << 4))) & 0xf0f0f0f0;
  out[i] = lo ^ t;
  out[j] = hi ^ (t >>> 4);
}

/** Scratch for four transposed groups: low halves at 0-3, high halves at 4-7. */
const T = new Int32Array(8);

/**
 * typesize 1 (the common bool/uint8 case) with whole words on both sides: four groups of 8
 * bytes per step, bit rows assembled by 4×4 byte transposes. Needs n % 32 == 0 and aligned views.
 */
function bitWords1(src: Uint8Array, dst: Uint8Array, n: number): boolean {
  return LITTLE && n % 32 === 0 && src.byteOffset % 4 === 0 && dst.byteOffset % 4 === 0;
}

function bitShuffle1(src: Uint8Array, dst: Uint8Array, n: number): void {
  const rq = n >>> 5; // words per bit-row
  const s = words(src, n >>> 2);
  const d = words(dst, n >>> 2);
  for (let g = 0; g < rq; g++) {
    const i = 8 * g;
    for (let e = 0; e < 4; e++) bt8(s[i + 2 * e], s[i + 2 * e + 1], T, e, 4 + e);
    t4(T, 0, 1, d, g, rq);
    t4(T, 4, 1, d, 4 * rq + g, rq);
  }
}

function bitUnshuffle1(src: Uint8Array, dst: Uint8Array, n: number): void {
  const rq = n >>> 5;
  const s = words(src, n >>> 2);
  const d = words(dst, n >>> 2);
  // Kept in locals rather than going through the T scratch: ~1.5× faster in V8.
  for (let g = 0; g < rq; g++) {
    const a0 = s[g], a1 = s[g + rq], a2 = s[g + 2 * rq], a3 = s[g + 3 * rq];
    const b0 = s[g + 4 * rq], b1 = s[g + 5 * rq], b2 = s[g + 6 * rq], b3 = s[g + 7 * rq];
    const o = 8 * g;
    bt8((a0 & 0xff) | ((a1 & 0xff) << 8) | ((a2 & 0xff) << 16) | (a3 << 24),
      (b0 & 0xff) | ((b1 & 0xff) << 8) | ((b2 & 0xff) << 16) | (b3 << 24), d, o, o + 1);
    bt8(((a0 >>> 8) & 0xff) | (a1 & 0xff00) | ((a2 & 0xff00) << 8) | ((a3 & 0xff00) << 16),
      ((b0 >>> 8) & 0xff) | (b1 & 0xff00) | ((b2 & 0xff00) << 8) | ((b3 & 0xff00) << 16), d, o + 2, o + 3);
    bt8(((a0 >>> 16) & 0xff) | ((a1 >>> 8) & 0xff00) | (a2 & 0xff0000) | ((a3 & 0xff0000) << 8),
      ((b0 >>> 16) & 0xff) | ((b1 >>> 8) & 0xff00) | (b2 & 0xff0000) | ((b3 & 0xff0000) << 8), d, o + 4, o + 5);
    bt8((a0 >>> 24) | ((a1 >>> 16) & 0xff00) | ((a2 >>> 8) & 0xff0000) | (a3 & 0xff000000),
      (b0 >>> 24) | ((b1 >>> 16) & 0xff00) | ((b2 >>> 8) & 0xff0000) | (b3 & 0xff000000), d, o + 6, o + 7);
  }
}

/** Reused plane buffer for {@link bitUnshufflePlanes}; grows to the largest block seen. */
let planes = new Uint8Array(0);

/**
 * Multi-byte elements, word path: bit-rows `8j..8j+7` are exactly the typesize-1 bit
 * shuffle of byte plane `j` (byte `j` of every element), so undo that per plane with the
 * word-wide typesize-1 kernel, then byte-unshuffle the planes. Two fast passes beat one
 * byte-at-a-time pass by about 3×. Needs n % 32 == 0 (planes stay word aligned).
 */
function bitUnshufflePlanes(src: Uint8Array, dst: Uint8Array, typesize: number, n: number): void {
  const body = n * typesize;
  if (planes.length < body) planes = new Uint8Array(body);
  const tmp = planes.subarray(0, body);
  for (let j = 0; j < typesize; j++) {
    const from = src.subarray(j * n, (j + 1) * n);
    const to = tmp.subarray(j * n, (j + 1) * n);
    if (!simdBitUnshuffle1(from, to, n)) bitUnshuffle1(from, to, n);
  }
  byteUnshuffle(tmp, dst.subarray(0, body), typesize);
  if (body < src.length) dst.set(src.subarray(body), body);
}

/** Bit-shuffle `src` (elements of `typesize` bytes) into `dst`, as c-blosc does per block. */
export function bitShuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const len = src.length;
  const n = Math.floor(len / typesize);
  if (n % 8 !== 0 || n === 0) {
    dst.set(src);
    return;
  }
  if (typesize === 1 && bitWords1(src, dst, n)) {
    bitShuffle1(src, dst, n);
    return;
  }
  const rows = n >>> 3; // bytes per bit-row
  const ts = typesize;
  for (let j = 0; j < ts; j++) {
    const rowBase = j * 8 * rows;
    for (let g = 0, s = j; g < rows; g++, s += 8 * ts) {
      let lo = src[s] | (src[s + ts] << 8) | (src[s + 2 * ts] << 16) | (src[s + 3 * ts] << 24);
      const s4 = s + 4 * ts;
      let hi = src[s4] | (src[s4 + ts] << 8) | (src[s4 + 2 * ts] << 16) | (src[s4 + 3 * ts] << 24);
      let t = (lo ^ (lo >>> 7)) & 0x00aa00aa;
      lo ^= t ^ (t << 7);
      t = (hi ^ (hi >>> 7)) & 0x00aa00aa;
      hi ^= t ^ (t << 7);
      t = (lo ^ (lo >>> 14)) & 0x0000cccc;
      lo ^= t ^ (t << 14);
      t = (hi ^ (hi >>> 14)) & 0x0000cccc;
      hi ^= t ^ (t << 14);
      t = (lo ^ ((lo >>> 28) | (hi << 4))) & 0xf0f0f0f0;
      lo ^= t;
      hi ^= t >>> 4;
      const o = rowBase + g;
      dst[o] = lo;
      dst[o + rows] = lo >>> 8;
      dst[o + 2 * rows] = lo >>> 16;
      dst[o + 3 * rows] = lo >>> 24;
      dst[o + 4 * rows] = hi;
      dst[o + 5 * rows] = hi >>> 8;
      dst[o + 6 * rows] = hi >>> 16;
      dst[o + 7 * rows] = hi >>> 24;
    }
  }
  const body = n * typesize;
  if (body < len) dst.set(src.subarray(body), body);
}

/** Undo {@link bitShuffle}. */
export function bitUnshuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const len = src.length;
  const n = Math.floor(len / typesize);
  if (n % 8 !== 0 || n === 0) {
    dst.set(src);
    return;
  }
  if (typesize === 1 && simdBitUnshuffle1(src, dst, n)) return;
  if (typesize === 1 && bitWords1(src, dst, n)) {
    bitUnshuffle1(src, dst, n);
    return;
  }
  if (bitWords1(src, dst, n)) {
    bitUnshufflePlanes(src, dst, typesize, n);
    return;
  }
  const rows = n >>> 3;
  const ts = typesize;
  for (let j = 0; j < ts; j++) {
    const rowBase = j * 8 * rows;
    for (let g = 0, d = j; g < rows; g++, d += 8 * ts) {
      const o = rowBase + g;
      let lo = src[o] | (src[o + rows] << 8) | (src[o + 2 * rows] << 16) | (src[o + 3 * rows] << 24);
      let hi = src[o + 4 * rows] | (src[o + 5 * rows] << 8) | (src[o + 6 * rows] << 16) | (src[o + 7 * rows] << 24);
      let t = (lo ^ (lo >>> 7)) & 0x00aa00aa;
      lo ^= t ^ (t << 7);
      t = (hi ^ (hi >>> 7)) & 0x00aa00aa;
      hi ^= t ^ (t << 7);
      t = (lo ^ (lo >>> 14)) & 0x0000cccc;
      lo ^= t ^ (t << 14);
      t = (hi ^ (hi >>> 14)) & 0x0000cccc;
      hi ^= t ^ (t << 14);
      t = (lo ^ ((lo >>> 28) | (hi << 4))) & 0xf0f0f0f0;
      lo ^= t;
      hi ^= t >>> 4;
      dst[d] = lo;
      dst[d + ts] = lo >>> 8;
      dst[d + 2 * ts] = lo >>> 16;
      dst[d + 3 * ts] = lo >>> 24;
      const d4 = d + 4 * ts;
      dst[d4] = hi;
      dst[d4 + ts] = hi >>> 8;
      dst[d4 + 2 * ts] = hi >>> 16;
      dst[d4 + 3 * ts] = hi >>> 24;
    }
  }
  const body = n * typesize;
  if (body < len) dst.set(src.subarray(body), body);
}
