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
 * @module
 */

/** True on little-endian hosts, where wide typed-array stores may replace byte stores. */
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Shuffle the bytes of `src` (elements of `typesize` bytes) into `dst`. */
export function byteShuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const len = src.length;
  const n = Math.floor(len / typesize);
  if (typesize <= 1 || n === 0) {
    dst.set(src);
    return;
  }
  const body = n * typesize;
  if (LITTLE && typesize === 2 && src.byteOffset % 2 === 0) {
    const s16 = new Uint16Array(src.buffer, src.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const v = s16[i];
      dst[i] = v;
      dst[n + i] = v >>> 8;
    }
  } else if (LITTLE && typesize === 4 && src.byteOffset % 4 === 0) {
    const s32 = new Int32Array(src.buffer, src.byteOffset, n);
    const n2 = 2 * n, n3 = 3 * n;
    for (let i = 0; i < n; i++) {
      const v = s32[i];
      dst[i] = v;
      dst[n + i] = v >>> 8;
      dst[n2 + i] = v >>> 16;
      dst[n3 + i] = v >>> 24;
    }
  } else if (LITTLE && typesize === 8 && src.byteOffset % 4 === 0) {
    const s32 = new Int32Array(src.buffer, src.byteOffset, 2 * n);
    for (let i = 0; i < n; i++) {
      const lo = s32[2 * i], hi = s32[2 * i + 1];
      dst[i] = lo;
      dst[n + i] = lo >>> 8;
      dst[2 * n + i] = lo >>> 16;
      dst[3 * n + i] = lo >>> 24;
      dst[4 * n + i] = hi;
      dst[5 * n + i] = hi >>> 8;
      dst[6 * n + i] = hi >>> 16;
      dst[7 * n + i] = hi >>> 24;
    }
  } else {
    // Walk the destination sequentially (one plane at a time) so stores stay contiguous.
    for (let j = 0; j < typesize; j++) {
      const base = j * n;
      for (let i = 0, s = j; i < n; i++, s += typesize) dst[base + i] = src[s];
    }
  }
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
  const body = n * typesize;
  if (LITTLE && typesize === 2 && dst.byteOffset % 2 === 0) {
    const d16 = new Uint16Array(dst.buffer, dst.byteOffset, n);
    for (let i = 0; i < n; i++) d16[i] = src[i] | (src[n + i] << 8);
  } else if (LITTLE && typesize === 4 && dst.byteOffset % 4 === 0) {
    const d32 = new Int32Array(dst.buffer, dst.byteOffset, n);
    const n2 = 2 * n, n3 = 3 * n;
    for (let i = 0; i < n; i++) d32[i] = src[i] | (src[n + i] << 8) | (src[n2 + i] << 16) | (src[n3 + i] << 24);
  } else if (LITTLE && typesize === 8 && dst.byteOffset % 4 === 0) {
    const d32 = new Int32Array(dst.buffer, dst.byteOffset, 2 * n);
    const n2 = 2 * n, n3 = 3 * n, n4 = 4 * n, n5 = 5 * n, n6 = 6 * n, n7 = 7 * n;
    for (let i = 0; i < n; i++) {
      d32[2 * i] = src[i] | (src[n + i] << 8) | (src[n2 + i] << 16) | (src[n3 + i] << 24);
      d32[2 * i + 1] = src[n4 + i] | (src[n5 + i] << 8) | (src[n6 + i] << 16) | (src[n7 + i] << 24);
    }
  } else {
    // Read each plane sequentially; strided stores are cheaper than strided loads here.
    for (let j = 0; j < typesize; j++) {
      const base = j * n;
      for (let i = 0, d = j; i < n; i++, d += typesize) dst[d] = src[base + i];
    }
  }
  if (body < len) dst.set(src.subarray(body), body);
}

/**
 * Transpose an 8×8 bit matrix held as two 32-bit halves (bytes 0-3 in `lo`, 4-7 in `hi`):
 * afterwards byte `k` holds, at bit `m`, what was bit `k` of byte `m`. Returns via `T8`.
 */
const T8 = new Int32Array(2);
function transpose8(lo: number, hi: number): void {
  // Classic three-step swap of 1×1, 2×2 and 4×4 sub-blocks (shifts 7, 14, 28).
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
  T8[0] = lo;
  T8[1] = hi;
}

/** Bit-shuffle `src` (elements of `typesize` bytes) into `dst`, as c-blosc does per block. */
export function bitShuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const len = src.length;
  const n = Math.floor(len / typesize);
  if (n % 8 !== 0 || n === 0) {
    dst.set(src);
    return;
  }
  const rows = n >>> 3; // bytes per bit-row
  const stride8 = 8 * typesize;
  for (let j = 0; j < typesize; j++) {
    const rowBase = j * 8 * rows;
    for (let g = 0, s = j; g < rows; g++, s += stride8) {
      const lo = src[s] | (src[s + typesize] << 8) | (src[s + 2 * typesize] << 16) | (src[s + 3 * typesize] << 24);
      const s4 = s + 4 * typesize;
      const hi = src[s4] | (src[s4 + typesize] << 8) | (src[s4 + 2 * typesize] << 16) | (src[s4 + 3 * typesize] << 24);
      transpose8(lo, hi);
      const a = T8[0], b = T8[1];
      const o = rowBase + g;
      dst[o] = a;
      dst[o + rows] = a >>> 8;
      dst[o + 2 * rows] = a >>> 16;
      dst[o + 3 * rows] = a >>> 24;
      dst[o + 4 * rows] = b;
      dst[o + 5 * rows] = b >>> 8;
      dst[o + 6 * rows] = b >>> 16;
      dst[o + 7 * rows] = b >>> 24;
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
  const rows = n >>> 3;
  const stride8 = 8 * typesize;
  for (let j = 0; j < typesize; j++) {
    const rowBase = j * 8 * rows;
    for (let g = 0, d = j; g < rows; g++, d += stride8) {
      const o = rowBase + g;
      const lo = src[o] | (src[o + rows] << 8) | (src[o + 2 * rows] << 16) | (src[o + 3 * rows] << 24);
      const hi = src[o + 4 * rows] | (src[o + 5 * rows] << 8) | (src[o + 6 * rows] << 16) | (src[o + 7 * rows] << 24);
      // The 8×8 bit transpose is its own inverse.
      transpose8(lo, hi);
      const a = T8[0], b = T8[1];
      dst[d] = a;
      dst[d + typesize] = a >>> 8;
      dst[d + 2 * typesize] = a >>> 16;
      dst[d + 3 * typesize] = a >>> 24;
      const d4 = d + 4 * typesize;
      dst[d4] = b;
      dst[d4 + typesize] = b >>> 8;
      dst[d4 + 2 * typesize] = b >>> 16;
      dst[d4 + 3 * typesize] = b >>> 24;
    }
  }
  const body = n * typesize;
  if (body < len) dst.set(src.subarray(body), body);
}
