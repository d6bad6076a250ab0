/**
 * 32-bit checksum codecs. Each stores its checksum as 4 little-endian bytes next to the data:
 *
 * | codec | algorithm | where (default) | source of the default |
 * |---|---|---|---|
 * | `crc32` | CRC-32 (zlib) | start | numcodecs CRC32 |
 * | `adler32` | Adler-32 (zlib) | start | numcodecs Adler32 |
 * | `crc32c` | CRC-32C (Castagnoli) | end | v3 `crc32c`, numcodecs CRC32C |
 * | `fletcher32` | HDF5's Fletcher-32 | end | numcodecs Fletcher32 |
 *
 * numcodecs ≥ 0.13 adds a `location` ("start" / "end") field to crc32, adler32 and crc32c;
 * it is honoured. Decoding verifies the checksum and throws a CodecError naming the codec.
 *
 * CRC-32 uses node:zlib's native crc32 when the runtime has it (Node ≥ 20.15). No installed
 * package computes CRC-32C, Adler-32 or HDF5's Fletcher-32, so those are written here.
 * @module
 */
import * as nodeZlib from "node:zlib";
import { CodecError } from "../format/errors.js";
import type { BytesToBytesCodec, CodecFactory } from "./types.js";
import { checkFields, expectSize, type Config } from "./bytes-support.js";

/** A 32-bit checksum of a byte range (unsigned result). */
export type Checksum = (data: Uint8Array) => number;

/**
 * Slicing-by-8 tables for a reflected CRC-32 polynomial: table k maps a byte to its CRC
 * contribution k bytes further on, so eight bytes are folded per step.
 */
function slicingTables(poly: number): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    for (let k = 1; k < 8; k++) t[k * 256 + i] = (t[(k - 1) * 256 + i] >>> 8) ^ t[t[(k - 1) * 256 + i] & 0xff];
  }
  return t;
}

/** Whether typed-array words read little-endian here (then whole 32-bit words can be loaded at once). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const NO_WORDS = new Uint32Array(0);

/** A table-driven (slicing-by-8) CRC-32 for the reflected polynomial `poly`, init and xorout 0xFFFFFFFF. */
export function crcFunction(poly: number): Checksum {
  const t = slicingTables(poly);
  return (data) => {
    let crc = 0xffffffff;
    const n = data.length;
    let i = 0;
    // Byte steps up to a 4-byte-aligned address, so the bulk can be read as Uint32 words (~40% faster).
    const head = LITTLE_ENDIAN ? Math.min(n, (4 - (data.byteOffset & 3)) & 3) : n;
    for (; i < head; i++) crc = t[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
    const count = ((n - i) >>> 3) << 1; // 0 unless i is aligned (short input, or big-endian host)
    const words = count > 0 ? new Uint32Array(data.buffer, data.byteOffset + i, count) : NO_WORDS;
    for (let w = 0; w < words.length; w += 2) {
      const lo = words[w] ^ crc;
      const hi = words[w + 1];
      crc =
        t[1792 + (lo & 0xff)] ^ t[1536 + ((lo >>> 8) & 0xff)] ^ t[1280 + ((lo >>> 16) & 0xff)] ^ t[1024 + (lo >>> 24)] ^
        t[768 + (hi & 0xff)] ^ t[512 + ((hi >>> 8) & 0xff)] ^ t[256 + ((hi >>> 16) & 0xff)] ^ t[hi >>> 24];
    }
    for (i += words.length * 4; i < n; i++) crc = t[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
    return (crc ^ 0xffffffff) >>> 0;
  };
}

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as python's crc32c / google-crc32c. */
export const crc32cChecksum: Checksum = crcFunction(0x82f63b78);

const nativeCrc32 = (nodeZlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 (zlib's, reflected polynomial 0xEDB88320), native when available. */
export const crc32Checksum: Checksum = nativeCrc32 ? (data) => nativeCrc32(data) >>> 0 : crcFunction(0xedb88320);

/** Adler-32 (RFC 1950), as zlib.adler32. Sums are reduced every 5552 bytes, the most that cannot overflow 2^32. */
export const adler32Checksum: Checksum = (data) => {
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
};

/**
 * HDF5's Fletcher-32 (H5checksum.c, as numcodecs' Fletcher32): big-endian 16-bit words,
 * folded every 360 words, a trailing odd byte counts as a word's high byte. 360 words keep
 * both sums below 2^32 between folds, so JS numbers reproduce the C uint32 arithmetic.
 */
export const fletcher32Checksum: Checksum = (data) => {
  let sum1 = 0;
  let sum2 = 0;
  const words = data.length >>> 1;
  let i = 0;
  for (let w = 0; w < words; ) {
    const blockEnd = Math.min(w + 360, words);
    for (; w < blockEnd; w++, i += 2) {
      sum1 += (data[i] << 8) | data[i + 1];
      sum2 += sum1;
    }
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  if (data.length & 1) {
    sum1 += data[i] << 8;
    sum2 += sum1;
    sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
    sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  }
  sum1 = (sum1 & 0xffff) + (sum1 >>> 16);
  sum2 = (sum2 & 0xffff) + (sum2 >>> 16);
  return ((sum2 << 16) | sum1) >>> 0;
};

/** Where the 4 checksum bytes sit. */
type Location = "start" | "end";

function readLocation(name: string, config: Config, fallback: Location, key?: string): Location {
  const v = config.location;
  if (v === undefined || v === null) return fallback;
  if (v !== "start" && v !== "end") throw new CodecError(name, `configuration field "location" must be "start" or "end", got ${JSON.stringify(v)}`, key);
  return v;
}

/** A checksum codec: `sum` stored little-endian at `location` (configurable when `configurable`). */
function checksumCodec(name: string, sum: Checksum, fallback: Location, configurable: boolean): CodecFactory {
  return (configuration, context): BytesToBytesCodec => {
    const key = context.key;
    checkFields(name, configuration, configurable ? ["location"] : [], key);
    const location = readLocation(name, configuration, fallback, key);
    return {
      kind: "bytes-to-bytes",
      name,
      async encode(b) {
        const enc = new Uint8Array(b.length + 4);
        const at = location === "start" ? 0 : b.length;
        enc.set(b, location === "start" ? 4 : 0);
        new DataView(enc.buffer).setUint32(at, sum(b), true);
        return enc;
      },
      async decode(b, out) {
        if (b.length < 4) throw new CodecError(name, `corrupt or truncated input: ${b.length} bytes cannot hold a 4-byte checksum`, key);
        const payload = location === "start" ? b.subarray(4) : b.subarray(0, b.length - 4);
        expectSize(name, payload.length, out, key);
        const stored = new DataView(b.buffer, b.byteOffset + (location === "start" ? 0 : b.length - 4), 4).getUint32(0, true);
        const actual = sum(payload);
        if (stored !== actual) {
          throw new CodecError(name, `checksum mismatch: stored 0x${stored.toString(16).padStart(8, "0")}, computed 0x${actual.toString(16).padStart(8, "0")} (data corrupt)`, key);
        }
        const dst = out ?? new Uint8Array(payload.length);
        dst.set(payload);
        return dst;
      },
      encodedSize: (n) => n + 4,
    };
  };
}

/** numcodecs `crc32`: CRC-32 prepended (`location` "start"), or appended with `{location: "end"}`. */
export const crc32: CodecFactory = checksumCodec("crc32", crc32Checksum, "start", true);
/** numcodecs `adler32`: Adler-32 prepended (`location` "start"), or appended with `{location: "end"}`. */
export const adler32: CodecFactory = checksumCodec("adler32", adler32Checksum, "start", true);
/** v3 `crc32c` / numcodecs `crc32c`: CRC-32C appended (`location` "end" by default). */
export const crc32c: CodecFactory = checksumCodec("crc32c", crc32cChecksum, "end", true);
/** numcodecs `fletcher32`: HDF5 Fletcher-32 appended; no configuration. */
export const fletcher32: CodecFactory = checksumCodec("fletcher32", fletcher32Checksum, "end", false);
