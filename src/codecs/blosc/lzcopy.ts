/**
 * Copy helpers shared by the hand-written LZ77-family decoders (Snappy, BloscLZ).
 * Short copies dominate those streams; moving 4 bytes per DataView access is about twice
 * as fast as byte loops in V8, and long copies go to native `set`/`copyWithin`.
 *
 * "Wild" copies may write up to 7 bytes past the requested end, but only when that stays
 * inside `dst` (the decoder overwrites them later, as output is strictly sequential), and
 * read only inside `src`/already-written output. Callers must have bounds-checked
 * `len` against both buffers first.
 * @module
 */

/** Runs at least this long use native copies. */
const BULK = 64;

/** Copy `len` literal bytes from `src[ip..]` to `dst[op..]` (both ranges already checked). */
export function copyLiterals(src: Uint8Array, sv: DataView, ip: number, dst: Uint8Array, dv: DataView, op: number, len: number): void {
  if (len < BULK && ip + len + 8 <= src.length && op + len + 8 <= dst.length) {
    const end = op + len;
    do {
      dv.setInt32(op, sv.getInt32(ip, true), true);
      dv.setInt32(op + 4, sv.getInt32(ip + 4, true), true);
      op += 8;
      ip += 8;
    } while (op < end);
  } else if (len < BULK) {
    const end = ip + len;
    while (ip < end) dst[op++] = src[ip++];
  } else {
    dst.set(src.subarray(ip, ip + len), op);
  }
}

/**
 * Copy a `len`-byte match from `dist` bytes back (1 ≤ dist ≤ op, op + len ≤ dst.length,
 * both checked by the caller). Overlapping matches repeat the pattern, as LZ77 requires.
 */
export function copyMatch(dst: Uint8Array, dv: DataView, op: number, dist: number, len: number): void {
  let ref = op - dist;
  const end = op + len;
  if (dist < 8 && dist > 1 && len > 16 && end + 8 <= dst.length) {
    // Short-period pattern: lay down 8 bytes one at a time, then continue in 8-byte steps
    // from a multiple of the period that is ≥ 8 back (the same bytes, now non-overlapping).
    for (let k = 0; k < 8; k++) dst[op + k] = dst[ref + k];
    op += 8;
    ref = op - dist * Math.ceil(8 / dist);
    do {
      dv.setInt32(op, dv.getInt32(ref, true), true);
      dv.setInt32(op + 4, dv.getInt32(ref + 4, true), true);
      op += 8;
      ref += 8;
    } while (op < end);
  } else if (dist >= 8 && end + 8 <= dst.length) {
    if (len >= BULK && dist >= len) {
      dst.copyWithin(op, ref, ref + len);
      return;
    }
    // Each 8-byte step reads only bytes written before it (ref + 8 ≤ op), so overlap is safe.
    do {
      dv.setInt32(op, dv.getInt32(ref, true), true);
      dv.setInt32(op + 4, dv.getInt32(ref + 4, true), true);
      op += 8;
      ref += 8;
    } while (op < end);
  } else if (dist === 1) {
    dst.fill(dst[ref], op, end);
  } else {
    while (op < end) dst[op++] = dst[ref++];
  }
}
