/**
 * `lzma` codec (numcodecs LZMA `{format, check, preset, filters}`) via @napi-rs/lzma
 * (bindings to the Rust lzma-rs crate).
 *
 * | format | decode | encode |
 * |---|---|---|
 * | 0 auto | xz or .lzma, by magic | refused (Python refuses too) |
 * | 1 xz | check none/CRC32/CRC64, several streams, stream padding | LZMA2 chunks stored uncompressed, check none |
 * | 2 alone (.lzma) | yes | LZMA, literals only |
 * | 3 raw | one LZMA1 or LZMA2 filter | same |
 *
 * lzma-rs has no match finder and no presets, so encoded data is valid for every LZMA
 * decoder (numcodecs included) but barely compressed; `preset` is validated and ignored.
 * What lzma-rs cannot honour is refused with a CodecError naming it: xz SHA-256 checks,
 * explicit xz checks when encoding, filter chains other than a single LZMA1/LZMA2 filter,
 * filters with formats 1/2 when encoding, and LZMA1 lc/lp/pb other than 3/0/2 when encoding.
 * @module
 */
import { lzma as lzmaAlone, lzma2 as lzma2Raw, xz } from "@napi-rs/lzma";
import { CodecError } from "../format/errors.js";
import type { BytesToBytesCodec, CodecFactory } from "./types.js";
import { asBuffer, checkFields, corrupt, deliver, expectSize, intField, plain, type Config } from "./bytes-support.js";

const NAME = "lzma";

const FORMAT_AUTO = 0;
const FORMAT_XZ = 1;
const FORMAT_ALONE = 2;
const FORMAT_RAW = 3;
const CHECKS = new Map<number, string>([[-1, "default"], [0, "none"], [1, "CRC32"], [4, "CRC64"], [10, "SHA-256"]]);
const FILTER_LZMA1 = 0x4000000000000001n;
const FILTER_LZMA2 = 0x21n;
const PRESET_EXTREME = 0x80000000;
/** The .lzma properties byte lzma-rs always writes: lc=3, lp=0, pb=2. */
const LZMA_RS_PROPS = (2 * 5 + 0) * 9 + 3;
/** Dictionary size of each preset level (liblzma's table), used for raw LZMA1 headers. */
const PRESET_DICT = [1 << 18, 1 << 20, 1 << 21, 1 << 22, 1 << 22, 1 << 23, 1 << 23, 1 << 24, 1 << 25, 1 << 26];

/** The single supported raw filter. */
type RawFilter = { kind: "lzma2" } | { kind: "lzma1"; props: number; dictSize: number };

/** Parsed, validated configuration. */
interface LzmaConfig {
  format: number;
  check: number;
  preset: number | null;
  filters: unknown[] | null;
}

/** Throw a CodecError naming this codec. */
function fail(message: string, key?: string): never {
  throw new CodecError(NAME, message, key);
}

/** Read the numcodecs configuration. */
function parseConfig(config: Config, key?: string): LzmaConfig {
  checkFields(NAME, config, ["format", "check", "preset", "filters"], key);
  const format = intField(NAME, config, "format", FORMAT_XZ, 0, 3, key);
  const check = intField(NAME, config, "check", -1, -1, 15, key);
  if (!CHECKS.has(check)) fail(`configuration field "check" = ${check} is not a known lzma check`, key);
  let preset: number | null = null;
  if (config.preset !== undefined && config.preset !== null) {
    const p = config.preset;
    if (typeof p !== "number" || !Number.isInteger(p) || ((p & ~PRESET_EXTREME) >>> 0) > 9 || p < 0) {
      fail(`configuration field "preset" must be 0..9, optionally | PRESET_EXTREME, got ${JSON.stringify(p)}`, key);
    }
    preset = p;
  }
  const f = config.filters;
  if (f !== undefined && f !== null && !Array.isArray(f)) fail(`configuration field "filters" must be a list or null`, key);
  const filters = (f as unknown[] | null | undefined) ?? null;
  if (filters && preset !== null) fail(`configuration fields "preset" and "filters" cannot both be set`, key);
  if (format === FORMAT_RAW && !filters) fail(`format 3 (raw) needs "filters"`, key);
  return { format, check, preset, filters };
}

/** A filter id as bigint (FILTER_LZMA1 exceeds 2^53, so JSON may give it as bigint). */
function filterId(filter: unknown, key?: string): bigint {
  const id = (filter as { id?: unknown } | null)?.id;
  if (typeof id === "bigint") return id;
  if (typeof id === "number" && Number.isSafeInteger(id)) return BigInt(id);
  // 0x4000000000000001 read as a double rounds to 2^62.
  if (typeof id === "number" && id === 2 ** 62) return FILTER_LZMA1;
  return fail(`filter ${JSON.stringify(filter)} has no integer "id"`, key);
}

/** An optional integer option of a filter dict. */
function filterInt(filter: Record<string, unknown>, name: string, fallback: number, max: number, key?: string): number {
  const v = filter[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) fail(`filter option "${name}" must be an integer in [0, ${max}]`, key);
  return v;
}

/** Reduce a raw filter chain to the one filter lzma-rs can run, or refuse naming the chain. */
function rawFilter(filters: unknown[], key?: string): RawFilter {
  const ids = filters.map((f) => filterId(f, key));
  if (filters.length !== 1 || (ids[0] !== FILTER_LZMA1 && ids[0] !== FILTER_LZMA2)) {
    fail(`raw filter chain [${ids.map((i) => "0x" + i.toString(16)).join(", ")}] is not supported: @napi-rs/lzma runs only a single LZMA1 (0x4000000000000001) or LZMA2 (0x21) filter`, key);
  }
  if (ids[0] === FILTER_LZMA2) return { kind: "lzma2" };
  const f = filters[0] as Record<string, unknown>;
  const preset = filterInt(f, "preset", 6, PRESET_EXTREME + 9, key) & 0xf;
  const lc = filterInt(f, "lc", 3, 4, key);
  const lp = filterInt(f, "lp", 0, 4, key);
  const pb = filterInt(f, "pb", 2, 4, key);
  const dictSize = filterInt(f, "dict_size", PRESET_DICT[Math.min(preset, 9)], 0xffffffff, key);
  return { kind: "lzma1", props: (pb * 5 + lp) * 9 + lc, dictSize };
}

/** The 13-byte .lzma header lzma-rs needs in front of a raw LZMA1 stream (size unknown: end marker). */
function aloneHeader(props: number, dictSize: number): Uint8Array {
  const h = new Uint8Array(13).fill(0xff);
  h[0] = props;
  new DataView(h.buffer).setUint32(1, dictSize, true);
  return h;
}

/** Read an xz multibyte integer at `pos` (returns [value, next position]). */
function varint(b: Uint8Array, pos: number, end: number, key?: string): [number, number] {
  let v = 0;
  for (let i = 0; i < 9; i++) {
    if (pos >= end) fail("corrupt xz index: truncated integer", key);
    const byte = b[pos++];
    v += (byte & 0x7f) * 2 ** (7 * i);
    if (!(byte & 0x80)) {
      if (!Number.isSafeInteger(v)) fail("corrupt xz index: size beyond 2^53", key);
      return [v, pos];
    }
  }
  return fail("corrupt xz index: integer longer than 9 bytes", key);
}

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const CHECK_SIZES = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

/** One xz stream within the input: its bytes and the decoded size its index records. */
interface XzStream {
  bytes: Uint8Array;
  size: number;
}

/**
 * Split concatenated xz streams (lzma-rs reads only one) by walking back from the end:
 * footer → index → blocks → header. The index's sizes also bound the output before decoding.
 */
function xzStreams(b: Uint8Array, key?: string): XzStream[] {
  const streams: XzStream[] = [];
  let end = b.length;
  for (;;) {
    // Stream padding: groups of four zero bytes between/after streams.
    while (end >= 4 && b[end - 1] === 0 && b[end - 2] === 0 && b[end - 3] === 0 && b[end - 4] === 0) end -= 4;
    if (end === 0) break;
    if (end < 32) fail("corrupt or truncated input: too short for an xz stream", key);
    if (b[end - 2] !== 0x59 || b[end - 1] !== 0x5a) fail("corrupt or truncated input: no xz stream footer", key);
    const checkType = b[end - 3] & 0x0f;
    const backward = (new DataView(b.buffer, b.byteOffset + end - 8, 4).getUint32(0, true) + 1) * 4;
    const indexStart = end - 12 - backward;
    if (indexStart < 12 || b[indexStart] !== 0) fail("corrupt xz stream: bad index position", key);
    let [records, pos] = varint(b, indexStart + 1, end - 12, key);
    let blocks = 0;
    let size = 0;
    while (records-- > 0) {
      let unpadded: number, uncompressed: number;
      [unpadded, pos] = varint(b, pos, end - 12, key);
      [uncompressed, pos] = varint(b, pos, end - 12, key);
      blocks += Math.ceil(unpadded / 4) * 4;
      size += uncompressed;
    }
    const start = indexStart - blocks - 12;
    if (start < 0 || XZ_MAGIC.some((m, i) => b[start + i] !== m)) fail("corrupt xz stream: index does not lead back to a stream header", key);
    if ((b[start + 7] & 0x0f) !== checkType) fail("corrupt xz stream: header and footer flags differ", key);
    if (checkType !== 0 && checkType !== 1 && checkType !== 4) {
      fail(`xz check type ${checkType} (${CHECK_SIZES[checkType]}-byte${checkType === 10 ? " SHA-256" : ""}) is not supported by @napi-rs/lzma (only none, CRC32, CRC64)`, key);
    }
    streams.unshift({ bytes: b.subarray(start, end), size });
    end = start;
  }
  if (streams.length === 0) fail("corrupt or truncated input: no xz stream", key);
  return streams;
}

/** Decode xz, checking sizes against the streams' indexes and `out`. */
function decodeXz(b: Uint8Array, out: Uint8Array | undefined, key?: string): Uint8Array {
  const streams = xzStreams(b, key);
  expectSize(NAME, streams.reduce((s, x) => s + x.size, 0), out, key);
  const parts = streams.map((s) => {
    const d = run(() => xz.decompressSync(asBuffer(s.bytes)), key);
    if (d.length !== s.size) fail(`xz stream decodes to ${d.length} bytes but its index records ${s.size}`, key);
    return d;
  });
  if (parts.length === 1) return deliver(NAME, parts[0], out, key);
  const dst = out ?? new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    dst.set(p, pos);
    pos += p.length;
  }
  return dst;
}

/** Decode .lzma (alone), checking a declared size against `out` first. */
function decodeAlone(b: Uint8Array, out: Uint8Array | undefined, key?: string): Uint8Array {
  if (b.length < 13) fail("corrupt or truncated input: too short for a .lzma header", key);
  if (b[0] >= 9 * 5 * 5) fail(`corrupt .lzma header: properties byte ${b[0]} out of range`, key);
  const declared = new DataView(b.buffer, b.byteOffset + 5, 8).getBigUint64(0, true);
  if (declared !== 0xffffffffffffffffn) {
    if (declared > BigInt(Number.MAX_SAFE_INTEGER)) fail(`.lzma header declares ${declared} bytes`, key);
    expectSize(NAME, Number(declared), out, key);
  }
  const d = run(() => lzmaAlone.decompressSync(asBuffer(b)), key);
  if (declared !== 0xffffffffffffffffn && BigInt(d.length) !== declared) fail(`.lzma header declares ${declared} bytes but data decodes to ${d.length}`, key);
  return deliver(NAME, d, out, key);
}

/** Run a library call, turning its errors into CodecErrors. */
function run(f: () => Buffer, key?: string): Buffer {
  try {
    return f();
  } catch (e) {
    throw corrupt(NAME, e, key);
  }
}

/** Decode according to `format` (0 sniffs xz magic, else .lzma, as liblzma's auto decoder does). */
function decode(cfg: LzmaConfig, b: Uint8Array, out: Uint8Array | undefined, key?: string): Uint8Array {
  const isXz = b.length >= 6 && XZ_MAGIC.every((m, i) => b[i] === m);
  const format = cfg.format === FORMAT_AUTO ? (isXz ? FORMAT_XZ : FORMAT_ALONE) : cfg.format;
  if (format === FORMAT_XZ) return decodeXz(b, out, key);
  if (format === FORMAT_ALONE) return decodeAlone(b, out, key);
  const filter = rawFilter(cfg.filters ?? [], key);
  if (filter.kind === "lzma2") return deliver(NAME, run(() => lzma2Raw.decompressSync(asBuffer(b)), key), out, key);
  const framed = new Uint8Array(13 + b.length);
  framed.set(aloneHeader(filter.props, filter.dictSize));
  framed.set(b, 13);
  return deliver(NAME, run(() => lzmaAlone.decompressSync(Buffer.from(framed.buffer)), key), out, key);
}

/** Encode, refusing settings the library cannot honour. */
function encode(cfg: LzmaConfig, b: Uint8Array, key?: string): Uint8Array {
  const input = asBuffer(b);
  if (cfg.format === FORMAT_AUTO) fail("format 0 (auto) can only decode", key);
  if (cfg.format !== FORMAT_RAW && cfg.filters) fail(`custom filters with format ${cfg.format} cannot be encoded: @napi-rs/lzma has no filter options`, key);
  if (cfg.format === FORMAT_XZ) {
    if (cfg.check > 0) fail(`xz check ${CHECKS.get(cfg.check)} cannot be encoded: @napi-rs/lzma writes xz without a check`, key);
    return plain(xz.compressSync(input));
  }
  if (cfg.check > 0) fail(`check ${CHECKS.get(cfg.check)} is only valid with format 1 (xz)`, key);
  if (cfg.format === FORMAT_ALONE) return plain(lzmaAlone.compressSync(input));
  const filter = rawFilter(cfg.filters ?? [], key);
  if (filter.kind === "lzma2") return plain(lzma2Raw.compressSync(input));
  // lzma-rs always encodes with lc=3, lp=0, pb=2 (props 0x5d) and an end marker; other props would misdecode.
  if (filter.props !== LZMA_RS_PROPS) fail(`raw LZMA1 with lc/lp/pb other than 3/0/2 cannot be encoded by @napi-rs/lzma`, key);
  const framed = lzmaAlone.compressSync(input);
  if (framed[0] !== LZMA_RS_PROPS) fail(`@napi-rs/lzma wrote unexpected LZMA properties 0x${framed[0].toString(16)}`, key);
  return plain(framed.subarray(13));
}

/** numcodecs `lzma` factory: `{format = 1, check = -1, preset = null, filters = null}`. */
export const lzma: CodecFactory = (configuration, context): BytesToBytesCodec => {
  const key = context.key;
  const cfg = parseConfig(configuration, key);
  if (cfg.format === FORMAT_RAW) rawFilter(cfg.filters ?? [], key);
  return {
    kind: "bytes-to-bytes",
    name: NAME,
    async encode(b) {
      return encode(cfg, b, key);
    },
    async decode(b, out) {
      return decode(cfg, b, out, key);
    },
  };
};
