/**
 * Little-endian decoding of HDF5 fields from a buffer already read: fixed and variable-width
 * unsigned integers (1–8 bytes, checked to be JS-safe), file addresses with the all-ones
 * "undefined address", and a bounds-checked cursor over one structure.
 * @module
 */
import { corrupt, UNDEF, type Ctx } from "./context.js";

/** Unsigned little-endian integer of `n` (0–8) bytes at `pos`, or NaN when above 2^53 - 1. */
export function uintLE(bytes: Uint8Array, pos: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[pos + i];
  return Number.isSafeInteger(v) ? v : NaN;
}

/** True when the `n` bytes at `pos` are all 0xff (HDF5's undefined address / unlimited size). */
export function allOnes(bytes: Uint8Array, pos: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (bytes[pos + i] !== 0xff) return false;
  return true;
}

/** A read position inside one structure's bytes; every read is bounds-checked. */
export interface Cursor {
  readonly bytes: Uint8Array;
  /** Position of the next read inside `bytes`. */
  pos: number;
  u8(): number;
  u16(): number;
  u32(): number;
  /** Unsigned integer of `n` bytes (0–8); an error when it is not a JS-safe integer. */
  uint(n: number): number;
  /** A file address (offset size), or {@link UNDEF}. */
  address(): number;
  /** A length (length size). */
  length(): number;
  /** The next `n` bytes (a view). */
  take(n: number): Uint8Array;
  skip(n: number): void;
  /** Bytes left. */
  left(): number;
}

/**
 * A cursor over `bytes`, the structure `what` read at relative address `addr`; reading past the
 * end is a MetadataError naming them.
 */
export function cursor(ctx: Ctx, bytes: Uint8Array, what: string, addr: number, start = 0): Cursor {
  const need = (n: number): number => {
    const p = c.pos;
    if (n < 0 || p + n > bytes.length) throw corrupt(ctx, what, addr, `field at byte ${p} runs past the end of the structure (${bytes.length} bytes)`);
    c.pos = p + n;
    return p;
  };
  const uint = (n: number): number => {
    const p = need(n);
    const v = uintLE(bytes, p, n);
    if (Number.isNaN(v)) throw corrupt(ctx, what, addr, `the ${n}-byte value at byte ${p} exceeds 2^53`);
    return v;
  };
  const c: Cursor = {
    bytes,
    pos: start,
    u8: () => bytes[need(1)],
    u16: () => uint(2),
    u32: () => uint(4),
    uint,
    address() {
      const n = ctx.offsetSize;
      if (c.pos + n <= bytes.length && allOnes(bytes, c.pos, n)) {
        c.pos += n;
        return UNDEF;
      }
      return uint(n);
    },
    length: () => uint(ctx.lengthSize),
    take(n) {
      const p = need(n);
      return bytes.subarray(p, p + n);
    },
    skip(n) {
      need(n);
    },
    left: () => bytes.length - c.pos,
  };
  return c;
}

/** Bytes needed for an unsigned integer up to `max` (HDF5's "limit encode size"). */
export function bytesFor(max: number): number {
  let n = 1;
  while (n < 8 && max >= 2 ** (8 * n)) n++;
  return n;
}

/** Floor of log2 of a positive integer. */
export function log2Floor(v: number): number {
  let r = 0;
  while (v >= 2) {
    v = Math.floor(v / 2);
    r++;
  }
  return r;
}
