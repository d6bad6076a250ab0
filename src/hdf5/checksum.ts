/**
 * Bob Jenkins' lookup3 hash ("hashlittle", byte-wise), which HDF5 uses as the checksum of its
 * version-2 structures and to hash link names in dense groups; and the check of a structure
 * whose last 4 bytes hold the checksum of the bytes before them.
 * @module
 */
import { corrupt, type Ctx } from "./context.js";

function rot(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** lookup3 hashlittle of `bytes` with initial value `init` (HDF5 passes 0). */
export function lookup3(bytes: Uint8Array, init = 0): number {
  let len = bytes.length;
  let a = (0xdeadbeef + len + init) | 0;
  let b = a;
  let c = a;
  let k = 0;
  while (len > 12) {
    a = (a + (bytes[k] | (bytes[k + 1] << 8) | (bytes[k + 2] << 16) | (bytes[k + 3] << 24))) | 0;
    b = (b + (bytes[k + 4] | (bytes[k + 5] << 8) | (bytes[k + 6] << 16) | (bytes[k + 7] << 24))) | 0;
    c = (c + (bytes[k + 8] | (bytes[k + 9] << 8) | (bytes[k + 10] << 16) | (bytes[k + 11] << 24))) | 0;
    // mix
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    len -= 12;
    k += 12;
  }
  if (len === 0) return c >>> 0;
  // The tail: up to 12 bytes added into a, b, c by position.
  const add = [0, 0, 0];
  for (let i = 0; i < len; i++) add[i >> 2] += bytes[k + i] << (8 * (i & 3));
  a = (a + add[0]) | 0;
  b = (b + add[1]) | 0;
  c = (c + add[2]) | 0;
  // final
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}

/**
 * Check a structure whose last 4 bytes are the lookup3 checksum of everything before them;
 * a mismatch is a MetadataError naming the structure and its address.
 */
export function verifyChecksum(ctx: Ctx, bytes: Uint8Array, what: string, addr: number): void {
  const n = bytes.length - 4;
  if (n < 0) throw corrupt(ctx, what, addr, "too short to hold a checksum");
  const stored = (bytes[n] | (bytes[n + 1] << 8) | (bytes[n + 2] << 16) | (bytes[n + 3] << 24)) >>> 0;
  const computed = lookup3(bytes.subarray(0, n));
  if (stored !== computed) {
    throw corrupt(ctx, what, addr, `checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)}): the file is corrupt`);
  }
}
