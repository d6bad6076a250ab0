/**
 * Raw Snappy decoder writing straight into the destination.
 * Hand-written because the `snappy` binding allocates a fresh output per stream and was
 * measured at about half the speed of this loop on Blosc's 64-256 KiB streams.
 *
 * Format: a little-endian base-128 varint with the decoded length, then elements whose tag
 * byte's low 2 bits say: 0 literal (length − 1 in the upper 6 bits; 60..63 mean 1..4 more
 * little-endian length bytes), 1 copy of 4..11 bytes with an 11-bit offset (3 high bits in
 * the tag, 8 in the next byte), 2 copy of 1..64 bytes with a 16-bit offset, 3 the same
 * with a 32-bit offset. Offsets count back from the current output position and are ≥ 1.
 * @module
 */
import { CodecError } from "../../format/errors.js";
import { copyMatch, copyLiterals } from "./lzcopy.js";

/** Corrupt-stream error; the frame decoder adds which block it was. */
const fail = (why: string): never => {
  throw new CodecError("blosc", `snappy: ${why}`);
};

/**
 * Decode one raw Snappy stream from `src` into `dst`, whose length must equal the declared
 * length. Returns bytes written. Every read and write is bounds-checked; throws CodecError
 * on truncated or corrupt input and never writes past `dst.length`.
 */
export function snappyDecode(src: Uint8Array, dst: Uint8Array): number {
  const n = src.length;
  const cap = dst.length;
  let ip = 0;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (ip >= n || shift > 28) fail("bad length header");
    const b = src[ip++];
    declared += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  if (declared !== cap) fail(`stream declares ${declared} bytes, block holds ${cap}`);
  const sv = new DataView(src.buffer, src.byteOffset, n);
  const dv = new DataView(dst.buffer, dst.byteOffset, cap);
  let op = 0;
  while (ip < n) {
    const tag = src[ip++];
    const kind = tag & 3;
    if (kind === 0) {
      let lit = (tag >>> 2) + 1;
      if (lit > 60) {
        const extra = lit - 60;
        if (ip + extra > n) fail("truncated literal length");
        lit = src[ip];
        if (extra > 1) lit |= src[ip + 1] << 8;
        if (extra > 2) lit |= src[ip + 2] << 16;
        if (extra > 3) lit = (lit | (src[ip + 3] << 24)) >>> 0;
        lit += 1;
        ip += extra;
      }
      if (lit > n - ip) fail("truncated literal");
      if (lit > cap - op) fail("literal overruns the block");
      copyLiterals(src, sv, ip, dst, dv, op, lit);
      ip += lit;
      op += lit;
      continue;
    }
    let len: number;
    let dist: number;
    if (kind === 1) {
      if (ip >= n) fail("truncated copy");
      len = ((tag >>> 2) & 7) + 4;
      dist = ((tag >>> 5) << 8) | src[ip++];
    } else if (kind === 2) {
      if (ip + 2 > n) fail("truncated copy");
      len = (tag >>> 2) + 1;
      dist = src[ip] | (src[ip + 1] << 8);
      ip += 2;
    } else {
      if (ip + 4 > n) fail("truncated copy");
      len = (tag >>> 2) + 1;
      dist = (src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16) | (src[ip + 3] << 24)) >>> 0;
      ip += 4;
    }
    if (dist === 0 || dist > op) fail("copy offset outside the block");
    if (len > cap - op) fail("copy overruns the block");
    copyMatch(dst, dv, op, dist, len);
    op += len;
  }
  return op;
}
