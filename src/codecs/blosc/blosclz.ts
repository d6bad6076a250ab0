/**
 * BloscLZ, the FastLZ-derived LZ77 format that c-blosc uses for cname "blosclz".
 * Hand-written from the stream format because no npm package implements it.
 *
 * Stream format (one block/split, no length prefix):
 * - The first byte's low 5 bits are a literal count (c-blosc sets bit 5 as a marker; readers mask it).
 * - A control byte `c < 32` starts a literal run of `c + 1` bytes (1..32).
 * - Otherwise it is a match: `L = c >> 5` (1..7), `H = c & 31`. When `L == 7`, extension bytes
 *   follow, summed until one is not 255. Then a byte `D`. Length = L + 2 + extension sum.
 *   Near match: distance = H * 256 + D + 1 (≤ 8191). Far match: H == 31 and D == 255, then a
 *   16-bit big-endian `F`: distance = F + 8192.
 * - Every match is followed by more input; the stream ends after a literal run.
 * @module
 */
import { CodecError } from "../../format/errors.js";
import { copyLiterals, copyMatch } from "./lzcopy.js";

const MAX_COPY = 32;
/** Largest biased (distance - 1) value a near match can encode. */
const MAX_NEAR = 8191;
/** Largest distance a far match reaches (biased far offset fits 16 bits). */
const MAX_FAR = 65535 + MAX_NEAR;

/** Corrupt-stream error; the frame decoder adds which block it was. */
const fail = (why: string): never => {
  throw new CodecError("blosc", why);
};

/**
 * Decompress one BloscLZ stream into `dst`. Returns the number of bytes written
 * (the caller checks it equals the expected size). Throws CodecError on corrupt input.
 */
export function blosclzDecompress(src: Uint8Array, dst: Uint8Array): number {
  const n = src.length;
  const cap = dst.length;
  if (n === 0) return 0;
  const sv = new DataView(src.buffer, src.byteOffset, n);
  const dv = new DataView(dst.buffer, dst.byteOffset, cap);
  let ip = 0;
  let op = 0;
  let ctrl = src[ip++] & 31;
  for (;;) {
    if (ctrl >= 32) {
      let len = (ctrl >>> 5) - 1;
      const hi = ctrl & 31;
      if (len === 6) {
        let code: number;
        do {
          if (ip + 1 >= n) fail("truncated match length");
          code = src[ip++];
          len += code;
        } while (code === 255);
      } else if (ip + 1 >= n) {
        fail("truncated match");
      }
      const code = src[ip++];
      len += 3;
      let dist: number;
      if (code === 255 && hi === 31) {
        if (ip + 1 >= n) fail("truncated far match");
        dist = ((src[ip] << 8) | src[ip + 1]) + MAX_NEAR + 1;
        ip += 2;
      } else {
        dist = (hi << 8) + code + 1;
      }
      if (op + len > cap) fail("match overruns the block");
      if (dist > op) fail("match distance before the block start");
      // A match may not end the stream (c-blosc stops before copying it).
      if (ip >= n) fail("stream ends with a match");
      ctrl = src[ip++];
      copyMatch(dst, dv, op, dist, len);
      op += len;
    } else {
      const run = ctrl + 1;
      if (op + run > cap) fail("literal run overruns the block");
      if (ip + run > n) fail("truncated literal run");
      copyLiterals(src, sv, ip, dst, dv, op, run);
      ip += run;
      op += run;
      if (ip >= n) break;
      ctrl = src[ip++];
    }
  }
  return op;
}

let table = new Int32Array(0);
let probeOut = new Uint8Array(0);

/** Minimum ratio a probe must show per clevel (c-blosc's thresholds), else the stream is stored raw. */
const MIN_PROBE_RATIO = [0, 2, 1.5, 1.2, 1.2, 1.2, 1.2, 1.15, 1.1, 1.0];
/** Most bytes a probe compresses. */
const PROBE_MAX = 4096;

/**
 * Compress `src` into `dst`; returns the number of bytes written, or 0 when the result
 * would not fit in `dst` (the caller then stores the block raw) or `src` is too small to be
 * worth it. `clevel` (1..9) sizes the hash table as c-blosc does (bigger at higher levels).
 *
 * Like c-blosc, a cheap probe first compresses a sample from the last quarter; streams that
 * would barely shrink are stored raw, which costs a little ratio but decodes far faster.
 */
export function blosclzCompress(src: Uint8Array, dst: Uint8Array, clevel: number): number {
  const length = src.length;
  if (length < 16 || dst.length < 66) return 0;
  const level = Math.min(Math.max(clevel, 1), 9);
  const sample = Math.min(length >>> 2, PROBE_MAX);
  if (sample >= 16) {
    if (probeOut.length < PROBE_MAX * 2) probeOut = new Uint8Array(PROBE_MAX * 2);
    const got = lzEncode(src.subarray(length - sample), probeOut.subarray(0, sample * 2), level);
    if (got === 0 || sample / got < MIN_PROBE_RATIO[level]) return 0;
  }
  return lzEncode(src, dst, level);
}

/**
 * Greedy single-probe hashing with an LZ4-style skip that grows while no match is found,
 * so incompressible data is passed over quickly.
 */
function lzEncode(src: Uint8Array, dst: Uint8Array, clevel: number): number {
  const length = src.length;
  const cap = dst.length;
  if (length < 16 || cap < 66) return 0;
  const levelLog = clevel <= 1 ? 12 : clevel === 2 ? 13 : 14;
  const sizeLog = Math.max(8, 32 - Math.clz32(length - 1));
  const hashLog = Math.min(levelLog, sizeLog);
  const hashSize = 1 << hashLog;
  const shift = 32 - hashLog;
  if (table.length < hashSize) table = new Int32Array(1 << 14);
  table.fill(-1, 0, hashSize);
  const htab = table;

  // No match may start at or after ipLimit, nor extend past matchEnd, so the stream
  // always ends with a literal run as the format requires.
  const ipLimit = length - 12;
  const matchEnd = length - 4;
  let ip = 0;
  let anchor = 0;
  let op = 0;
  let misses = 1 << 6;

  while (ip < ipLimit) {
    const seq = src[ip] | (src[ip + 1] << 8) | (src[ip + 2] << 16) | (src[ip + 3] << 24);
    const h = Math.imul(seq, 0x9e3779b1) >>> shift;
    const ref = htab[h];
    htab[h] = ip;
    const dist = ip - ref;
    if (
      ref < 0 || dist > MAX_FAR ||
      src[ref] !== src[ip] || src[ref + 1] !== src[ip + 1] || src[ref + 2] !== src[ip + 2] || src[ref + 3] !== src[ip + 3]
    ) {
      ip += misses++ >> 6;
      continue;
    }
    let m = 4;
    const maxM = matchEnd - ip;
    while (m < maxM && src[ref + m] === src[ip + m]) m++;
    const d = dist - 1;
    const far = d >= MAX_NEAR;
    // Short matches cost more to decode than they save; far ones also cost 2 more bytes.
    if (m < (far ? 8 : 5)) {
      ip += misses++ >> 6;
      continue;
    }
    misses = 1 << 6;

    // Flush pending literals in runs of up to 32.
    let lit = ip - anchor;
    if (op + lit + Math.ceil(lit / MAX_COPY) + 5 + Math.floor(m / 255) > cap) return 0;
    while (lit > 0) {
      const run = lit < MAX_COPY ? lit : MAX_COPY;
      dst[op++] = run - 1;
      for (let k = 0; k < run; k++) dst[op++] = src[anchor++];
      lit -= run;
    }

    let len = m - 2; // stored length is biased by 2 (1 means 3 bytes)
    const hiBits = far ? 31 : d >>> 8;
    if (len < 7) {
      dst[op++] = (len << 5) | hiBits;
    } else {
      dst[op++] = (7 << 5) | hiBits;
      for (len -= 7; len >= 255; len -= 255) dst[op++] = 255;
      dst[op++] = len;
    }
    if (far) {
      const f = d - MAX_NEAR;
      dst[op++] = 255;
      dst[op++] = f >>> 8;
      dst[op++] = f & 255;
    } else {
      dst[op++] = d & 255;
    }

    ip += m;
    anchor = ip;
    // Seed the table with a position inside the match so the next repeat is found.
    const p = ip - 2;
    const s2 = src[p] | (src[p + 1] << 8) | (src[p + 2] << 16) | (src[p + 3] << 24);
    htab[Math.imul(s2, 0x9e3779b1) >>> shift] = p;
  }

  let lit = length - anchor;
  if (op + lit + Math.ceil(lit / MAX_COPY) > cap) return 0;
  while (lit > 0) {
    const run = lit < MAX_COPY ? lit : MAX_COPY;
    dst[op++] = run - 1;
    dst.set(src.subarray(anchor, anchor + run), op);
    op += run;
    anchor += run;
    lit -= run;
  }
  dst[0] |= 1 << 5; // c-blosc's marker bit; readers mask it off
  return op;
}
