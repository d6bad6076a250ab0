/**
 * `lzma` codec (numcodecs LZMA `{format, check, preset, filters}`, i.e. Python's
 * `lzma.compress`/`lzma.decompress`) on liblzma through lzma-native's synchronous native stream.
 *
 * | format | decode | encode |
 * |---|---|---|
 * | 0 auto | xz or .lzma, by magic | refused (Python refuses too) |
 * | 1 xz | every check, several streams, stream padding, any filter chain | `preset` or `filters`, `check` (-1 = CRC64) |
 * | 2 alone (.lzma) | one or more .lzma streams | `preset`, or `filters` = one LZMA1 filter |
 * | 3 raw | `filters`, one or more streams | `filters` |
 *
 * Filters are Python's dicts: `{id, preset, dict_size, lc, lp, pb, mode, nice_len, mf, depth}`
 * for LZMA1 (0x4000000000000001, which JSON turns into 2^62) and LZMA2 (0x21),
 * `{id: 0x03, dist}` for delta, `{id: 0x04..0x09}` for the BCJ filters.
 *
 * Differences from Python, all on input Python never writes: bytes after the last stream
 * that are not xz stream padding or another complete stream are refused rather than ignored;
 * xz padding between streams is honoured (Python stops at it). BCJ `start_offset` other than 0
 * cannot be passed through lzma-native and is refused. Decoders may use at most
 * {@link MEMLIMIT_FLOOR} (or the expected output size, if larger) of memory, which covers every
 * preset but not huge custom `dict_size`s.
 * @module
 */
import { createRequire } from "node:module";
import { CodecError } from "../format/errors.js";
import type { BytesToBytesCodec, CodecFactory } from "./types.js";
import { checkFields, expectSize, intField, plain, type Config } from "./bytes-support.js";

const NAME = "lzma";

// ---------------------------------------------------------------- lzma-native's native stream

/** A filter as lzma-native's FilterArray reads it (`id` by liblzma name). */
interface NativeFilter {
  id: string;
  options?: Record<string, number>;
}

/** Called synchronously from `code()`: output chunks, then end of stream / error, with liblzma's running totals. */
type BufferHandler = (buf: Buffer | null | undefined, processed: number | undefined, err: (Error & { name?: string }) | null | undefined, totalIn: number | null, totalOut: number | null) => void;

/** The parts of lzma-native's (untyped) native `Stream` used here; each init throws on a liblzma error. */
interface NativeStream {
  bufferHandler: BufferHandler;
  /** Feed input (`null` = finish); with `async` false it codes and calls `bufferHandler` before returning. */
  code(input: Uint8Array | null, async: boolean): void;
  setBufsize(n: number): number;
  easyEncoder_(preset: number, check: number): number;
  streamEncoder_(filters: NativeFilter[], check: number): number;
  aloneEncoder(options: Record<string, number>): number;
  rawEncoder_(filters: NativeFilter[]): number;
  streamDecoder_(memlimit: number, flags: number): number;
  aloneDecoder_(memlimit: number): number;
  rawDecoder_(filters: NativeFilter[]): number;
}

const native = createRequire(import.meta.url)("lzma-native") as { Stream: new () => NativeStream; CONCATENATED: number };

// ---------------------------------------------------------------- constants

const FORMAT_AUTO = 0;
const FORMAT_XZ = 1;
const FORMAT_ALONE = 2;
const FORMAT_RAW = 3;
/** Python's check ids (liblzma's); -1 means CRC64 for xz, none otherwise. */
const CHECK_DEFAULT = -1;
const CHECK_NONE = 0;
const CHECK_CRC64 = 4;
const CHECK_NAMES = new Map<number, string>([[CHECK_DEFAULT, "default"], [CHECK_NONE, "none"], [1, "CRC32"], [CHECK_CRC64, "CRC64"], [10, "SHA-256"]]);
const PRESET_DEFAULT = 6;
const PRESET_EXTREME = 0x80000000;
const UINT32_MAX = 0xffffffff;

const FILTER_LZMA1 = 0x4000000000000001n;
/** Python's numeric filter ids → liblzma names (what lzma-native's FilterArray looks up). */
const FILTER_NAMES = new Map<bigint, string>([
  [FILTER_LZMA1, "LZMA_FILTER_LZMA1"],
  [0x21n, "LZMA_FILTER_LZMA2"],
  [0x03n, "LZMA_FILTER_DELTA"],
  [0x04n, "LZMA_FILTER_X86"],
  [0x05n, "LZMA_FILTER_POWERPC"],
  [0x06n, "LZMA_FILTER_IA64"],
  [0x07n, "LZMA_FILTER_ARM"],
  [0x08n, "LZMA_FILTER_ARMTHUMB"],
  [0x09n, "LZMA_FILTER_SPARC"],
]);
/** The keys Python accepts in a filter dict, by filter kind. */
const LZMA_KEYS = ["id", "preset", "dict_size", "lc", "lp", "pb", "mode", "nice_len", "mf", "depth"];
const DELTA_KEYS = ["id", "dist"];
const BCJ_KEYS = ["id", "start_offset"];

/** liblzma's match finder and mode ids (as Python's lzma.MF_* / MODE_*). */
const MF_HC3 = 0x03;
const MF_HC4 = 0x04;
const MF_BT4 = 0x14;
const MODE_FAST = 1;
const MODE_NORMAL = 2;

/**
 * Upper bound on decoded bytes per compressed byte. An LZMA range coder spends at least
 * ~0.02 bits per decision and a 273-byte repeated match takes ~12 decisions, so no LZMA stream
 * exceeds ~8,300:1; delta/BCJ filters do not expand. Twice that, for margin.
 */
const MAX_RATIO = 16384;
/**
 * Smallest slice of compressed input fed per native call when the output size is bounded, so a
 * hostile stream can overshoot the bound by at most MIN_SLICE × MAX_RATIO (8 MiB) before it is stopped.
 */
const MIN_SLICE = 512;
/** Decoder memory always allowed (a preset-9 dictionary is 64 MiB); raised to the expected output size. */
const MEMLIMIT_FLOOR = 128 * 1024 * 1024;
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

// ---------------------------------------------------------------- configuration

/** Parsed, validated configuration (filters already in lzma-native's form). */
interface LzmaConfig {
  format: number;
  check: number;
  preset: number | null;
  filters: NativeFilter[] | null;
  /** Python's filter ids in order, for messages. */
  filterIds: bigint[];
}

/** Throw a CodecError naming this codec. */
function fail(message: string, key?: string, cause?: unknown): never {
  throw new CodecError(NAME, message, key, cause === undefined ? undefined : { cause });
}

/** A preset: level 0..9, optionally | PRESET_EXTREME (Python passes it to liblzma as a uint32). */
function presetValue(v: unknown, what: string, key?: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > UINT32_MAX || (v & ~PRESET_EXTREME) >>> 0 > 9) {
    fail(`${what} must be 0..9, optionally | PRESET_EXTREME (0x80000000), got ${JSON.stringify(v)}`, key);
  }
  return v;
}

/** liblzma's LZMA1/LZMA2 options for a preset (the xz(1) preset table; `lzma_lzma_preset`). */
function presetOptions(preset: number): Record<string, number> {
  const level = preset & 0xf;
  const extreme = (preset & PRESET_EXTREME) !== 0;
  const dictSize = 2 ** [18, 20, 21, 22, 22, 23, 23, 24, 25, 26][level];
  const o: Record<string, number> = { dictSize, lc: 3, lp: 0, pb: 2 };
  if (level <= 3) Object.assign(o, { mode: MODE_FAST, mf: level === 0 ? MF_HC3 : MF_HC4, niceLen: level <= 1 ? 128 : 273, depth: [4, 8, 24, 48][level] });
  else Object.assign(o, { mode: MODE_NORMAL, mf: MF_BT4, niceLen: level === 4 ? 16 : level === 5 ? 32 : 64, depth: 0 });
  if (extreme) Object.assign(o, { mode: MODE_NORMAL, mf: MF_BT4 }, level === 3 || level === 5 ? { niceLen: 192, depth: 0 } : { niceLen: 273, depth: 512 });
  return o;
}

/** A filter id as bigint: FILTER_LZMA1 exceeds 2^53, so JSON gives it as 2^62 (or a bigint reviver as bigint). */
function filterId(spec: Record<string, unknown>, key?: string): bigint {
  const id = spec.id;
  if (typeof id === "bigint") return id;
  if (typeof id === "number" && Number.isSafeInteger(id)) return BigInt(id);
  if (id === 2 ** 62) return FILTER_LZMA1;
  return fail(`filter ${JSON.stringify(spec)} has no integer "id"`, key);
}

/** An optional uint32 option of a filter dict (Python's converter refuses anything else). */
function uint32Option(spec: Record<string, unknown>, name: string, key?: string): number | undefined {
  const v = spec[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > UINT32_MAX) fail(`filter option "${name}" must be an integer in [0, 2^32), got ${JSON.stringify(v)}`, key);
  return v;
}

/**
 * One Python filter dict → lzma-native's form. LZMA options are resolved here, preset first and
 * then the explicit fields (Python's order; lzma-native would apply a preset last, over them).
 */
function nativeFilter(raw: unknown, key?: string): { id: bigint; filter: NativeFilter } {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail(`each filter must be an object, got ${JSON.stringify(raw)}`, key);
  const spec = raw as Record<string, unknown>;
  const id = filterId(spec, key);
  const name = FILTER_NAMES.get(id);
  if (!name) fail(`unknown filter id 0x${id.toString(16)}`, key);
  const allowed = name.endsWith("LZMA1") || name.endsWith("LZMA2") ? LZMA_KEYS : name.endsWith("DELTA") ? DELTA_KEYS : BCJ_KEYS;
  const extra = Object.keys(spec).find((k) => !allowed.includes(k));
  if (extra) fail(`filter 0x${id.toString(16)} has unknown option "${extra}" (expected ${allowed.join(", ")})`, key);
  if (allowed === LZMA_KEYS) {
    const options = presetOptions(spec.preset === undefined || spec.preset === null ? PRESET_DEFAULT : presetValue(spec.preset, `filter option "preset"`, key));
    const fields: [string, string][] = [["dict_size", "dictSize"], ["lc", "lc"], ["lp", "lp"], ["pb", "pb"], ["mode", "mode"], ["nice_len", "niceLen"], ["mf", "mf"], ["depth", "depth"]];
    for (const [py, js] of fields) {
      const v = uint32Option(spec, py, key);
      if (v !== undefined) options[js] = v;
    }
    return { id, filter: { id: name, options } };
  }
  if (allowed === DELTA_KEYS) return { id, filter: { id: name, options: { dist: uint32Option(spec, "dist", key) ?? 1 } } };
  if (uint32Option(spec, "start_offset", key)) fail(`filter 0x${id.toString(16)}: "start_offset" other than 0 is not supported (lzma-native cannot pass BCJ options)`, key);
  return { id, filter: { id: name } };
}

/** Read the numcodecs configuration; what only Python's encoder refuses is checked in {@link encode}. */
function parseConfig(config: Config, key?: string): LzmaConfig {
  checkFields(NAME, config, ["format", "check", "preset", "filters"], key);
  const format = intField(NAME, config, "format", FORMAT_XZ, 0, 3, key);
  const check = intField(NAME, config, "check", CHECK_DEFAULT, -1, 15, key);
  if (!CHECK_NAMES.has(check)) fail(`configuration field "check" = ${check} is not a supported check (-1, 0 none, 1 CRC32, 4 CRC64, 10 SHA-256)`, key);
  const preset = config.preset === undefined || config.preset === null ? null : presetValue(config.preset, `configuration field "preset"`, key);
  const f = config.filters;
  if (f !== undefined && f !== null && !Array.isArray(f)) fail(`configuration field "filters" must be a list or null`, key);
  const parsed = Array.isArray(f) ? f.map((x) => nativeFilter(x, key)) : null;
  if (format === FORMAT_RAW && !parsed) fail(`format 3 (raw) needs "filters"`, key);
  if (parsed && parsed.length === 0 && format === FORMAT_RAW) fail(`"filters" must not be empty`, key);
  return { format, check, preset, filters: parsed?.map((p) => p.filter) ?? null, filterIds: parsed?.map((p) => p.id) ?? [] };
}

// ---------------------------------------------------------------- running liblzma

/** Where decoded bytes go: a fixed buffer (known size) or a list of chunks. */
interface Sink {
  /** Bytes offered so far (may exceed a fixed buffer: then `overflow`). */
  size: number;
  overflow: boolean;
  /** Capacity of a fixed buffer, Infinity otherwise. */
  limit: number;
  push(buf: Uint8Array): void;
  /** Remaining room in a fixed buffer, Infinity otherwise. */
  room(): number;
}

/** A sink writing into `dst` and refusing (recording, not throwing: it runs inside a native callback) bytes past its end. */
function fixedSink(dst: Uint8Array): Sink & { dst: Uint8Array } {
  return {
    dst,
    size: 0,
    overflow: false,
    limit: dst.length,
    push(buf) {
      if (!this.overflow && this.size + buf.length <= dst.length) dst.set(buf, this.size);
      else this.overflow = true;
      this.size += buf.length;
    },
    room() {
      return dst.length - this.size;
    },
  };
}

/** A sink keeping every chunk (output of unknown size). */
function listSink(): Sink & { chunks: Uint8Array[] } {
  return {
    chunks: [],
    size: 0,
    overflow: false,
    limit: Infinity,
    push(buf) {
      this.chunks.push(buf);
      this.size += buf.length;
    },
    room: () => Infinity,
  };
}

/** A readable reason for a liblzma error code. */
function reason(err: Error & { name?: string }, decoding: boolean, memlimit: number): string {
  switch (err.name) {
    case "LZMA_DATA_ERROR":
      return "corrupt input: data is corrupt";
    case "LZMA_BUF_ERROR":
      return "corrupt or truncated input: data ends before the end of the stream";
    case "LZMA_FORMAT_ERROR":
      return "corrupt input: not in the expected lzma format (bad magic or header)";
    case "LZMA_OPTIONS_ERROR":
      return decoding ? "corrupt input: unsupported options in the stream or its headers" : "invalid or unsupported filter/preset options";
    case "LZMA_MEMLIMIT_ERROR":
      return `input needs more than the decoder memory limit of ${memlimit / 2 ** 20} MiB (its dictionary is too large)`;
    case "LZMA_UNSUPPORTED_CHECK":
      return "unsupported integrity check";
    case "LZMA_PROG_ERROR":
      return decoding ? "corrupt input" : "invalid options (e.g. a filter chain liblzma cannot use for this format)";
    default:
      return `${decoding ? "corrupt input: " : ""}${err.message}`;
  }
}

/** Initialise a native stream, turning liblzma's refusal (of options: no input is read yet) into a CodecError. */
function open(init: (s: NativeStream) => unknown, key?: string): NativeStream {
  const s = new native.Stream();
  try {
    init(s);
  } catch (e) {
    fail(reason(e as Error, false, 0), key, e);
  }
  return s;
}

/**
 * Run one stream (a fresh native stream; lzma-native resets it at the end) over `input`.
 * With a bounded sink the input goes in slices small enough that no slice can decode to much
 * more than the room left, so a hostile stream is stopped early. Returns the bytes liblzma consumed.
 */
function run(s: NativeStream, input: Uint8Array, sink: Sink, decoding: boolean, memlimit: number, key?: string): number {
  let ended = false;
  let error: (Error & { name?: string }) | null = null;
  let consumed = 0;
  s.bufferHandler = (buf, _processed, err, totalIn) => {
    if (totalIn !== null) consumed = totalIn;
    if (buf) sink.push(buf);
    else if (buf === null) {
      ended = true;
      error = err ?? null;
    }
  };
  let pos = 0;
  while (!ended && !sink.overflow && pos < input.length) {
    const room = sink.room();
    const n = room === Infinity ? input.length : Math.max(MIN_SLICE, Math.floor(room / MAX_RATIO));
    s.setBufsize(Math.min(1 << 20, Math.max(1 << 14, n * 8)));
    s.code(input.subarray(pos, pos + n), false);
    pos += n;
  }
  if (!ended && !sink.overflow) s.code(null, false);
  if (sink.overflow) fail(`data decodes to more than the expected ${sink.limit} bytes`, key);
  if (error) fail(reason(error, decoding, memlimit), key, error);
  if (!ended) fail("corrupt or truncated input: data ends before the end of the stream", key);
  return consumed;
}

// ---------------------------------------------------------------- encoding

/** Encode, refusing what Python's lzma.compress refuses. */
function encode(cfg: LzmaConfig, b: Uint8Array, key?: string): Uint8Array {
  if (cfg.format === FORMAT_AUTO) fail("format 0 (auto) can only decode (Python refuses to encode it too)", key);
  if (cfg.preset !== null && cfg.filters) fail(`configuration fields "preset" and "filters" cannot both be set to encode`, key);
  if (cfg.format !== FORMAT_XZ && cfg.check !== CHECK_DEFAULT && cfg.check !== CHECK_NONE) fail(`check ${CHECK_NAMES.get(cfg.check)} is only valid with format 1 (xz)`, key);
  const preset = cfg.preset ?? PRESET_DEFAULT;
  let init: (s: NativeStream) => unknown;
  if (cfg.format === FORMAT_XZ) {
    const check = cfg.check === CHECK_DEFAULT ? CHECK_CRC64 : cfg.check;
    const filters = cfg.filters;
    init = filters ? (s) => s.streamEncoder_(filters, check) : (s) => s.easyEncoder_(preset, check);
  } else if (cfg.format === FORMAT_ALONE) {
    let options = presetOptions(preset);
    if (cfg.filters) {
      const only = cfg.filters[0];
      if (cfg.filters.length !== 1 || cfg.filterIds[0] !== FILTER_LZMA1 || !only.options) fail("format 2 (alone) needs a single LZMA1 filter", key);
      options = only.options;
    }
    init = (s) => s.aloneEncoder(options);
  } else {
    const filters = cfg.filters ?? [];
    init = (s) => s.rawEncoder_(filters);
  }
  const sink = listSink();
  run(open(init, key), b, sink, false, 0, key);
  return sink.chunks.length === 1 ? plain(sink.chunks[0]) : concat(sink.chunks, sink.size);
}

/** Join chunks into one plain Uint8Array. */
function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const dst = new Uint8Array(size);
  let pos = 0;
  for (const c of chunks) {
    dst.set(c, pos);
    pos += c.length;
  }
  return dst;
}

// ---------------------------------------------------------------- decoding

/** Read an xz variable-length integer at `pos` (returns [value, next position]). */
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

/**
 * Total decoded size of concatenated xz streams, from their indexes, walking back from the end:
 * padding → footer → index → blocks → header. liblzma checks every index against the blocks it
 * decodes, so this is the exact output size of any input it accepts; knowing it first lets us
 * refuse a wrong `out` or an impossible size before decoding, and allocate once.
 */
function xzDecodedSize(b: Uint8Array, key?: string): number {
  let end = b.length;
  let total = 0;
  let streams = 0;
  for (;;) {
    while (end >= 4 && b[end - 1] === 0 && b[end - 2] === 0 && b[end - 3] === 0 && b[end - 4] === 0) end -= 4;
    if (end === 0) break;
    if (end < 32) fail("corrupt or truncated input: too short for an xz stream", key);
    if (b[end - 2] !== 0x59 || b[end - 1] !== 0x5a) fail("corrupt or truncated input: no xz stream footer", key);
    const backward = (new DataView(b.buffer, b.byteOffset + end - 8, 4).getUint32(0, true) + 1) * 4;
    const indexStart = end - 12 - backward;
    if (indexStart < 12 || b[indexStart] !== 0) fail("corrupt xz stream: bad index position", key);
    let [records, pos] = varint(b, indexStart + 1, end - 12, key);
    let blocks = 0;
    while (records-- > 0) {
      let unpadded: number, size: number;
      [unpadded, pos] = varint(b, pos, end - 12, key);
      [size, pos] = varint(b, pos, end - 12, key);
      blocks += Math.ceil(unpadded / 4) * 4;
      total += size;
      if (blocks > indexStart) fail("corrupt xz index: blocks larger than the stream", key);
    }
    const start = indexStart - blocks - 12;
    if (start < 0 || XZ_MAGIC.some((m, i) => b[start + i] !== m)) fail("corrupt xz stream: index does not lead back to a stream header", key);
    streams++;
    end = start;
  }
  if (streams === 0) fail("corrupt or truncated input: no xz stream", key);
  if (total > b.length * MAX_RATIO) fail(`corrupt xz index: declares ${total} decoded bytes, impossible for ${b.length} compressed bytes`, key);
  return total;
}

/** The sink for a decode: `out` (bounded) when given, else a growing list. */
function sinkFor(out: Uint8Array | undefined): Sink {
  return out ? fixedSink(out) : listSink();
}

/** Finish a decode: check the size against `out`, or join the chunks. */
function result(sink: Sink, out: Uint8Array | undefined, key?: string): Uint8Array {
  if (out) {
    expectSize(NAME, sink.size, out, key);
    return out;
  }
  const { chunks, size } = sink as ReturnType<typeof listSink>;
  return chunks.length === 1 ? plain(chunks[0]) : concat(chunks, size);
}

/** Decode xz: every stream, with padding, in one liblzma decoder (LZMA_CONCATENATED). */
function decodeXz(b: Uint8Array, out: Uint8Array | undefined, key?: string): Uint8Array {
  const total = xzDecodedSize(b, key);
  expectSize(NAME, total, out, key);
  const sink = fixedSink(out ?? new Uint8Array(total));
  const memlimit = Math.max(MEMLIMIT_FLOOR, total);
  run(open((s) => s.streamDecoder_(memlimit, native.CONCATENATED), key), b, sink, true, memlimit, key);
  if (sink.size !== total) fail(`xz data decodes to ${sink.size} bytes but its indexes record ${total}`, key);
  return sink.dst;
}

/**
 * Decode .lzma or raw streams: one after another until the input is used up (Python's
 * lzma.decompress does the same), each a fresh decoder.
 */
function decodeMembers(b: Uint8Array, out: Uint8Array | undefined, init: (s: NativeStream, memlimit: number) => unknown, key?: string): Uint8Array {
  if (b.length === 0) fail("corrupt or truncated input: no data", key);
  const sink = sinkFor(out);
  const memlimit = Math.max(MEMLIMIT_FLOOR, out?.length ?? 0);
  let pos = 0;
  while (pos < b.length) {
    const used = run(open((s) => init(s, memlimit), key), b.subarray(pos), sink, true, memlimit, key);
    if (used <= 0) fail("corrupt input: a stream consumed no bytes", key);
    pos += used;
  }
  return result(sink, out, key);
}

/** Check a .lzma header's declared size (if any) against the input and `out` before decoding. */
function checkAloneHeader(b: Uint8Array, out: Uint8Array | undefined, key?: string): void {
  if (b.length < 13) fail("corrupt or truncated input: too short for a .lzma header", key);
  const declared = new DataView(b.buffer, b.byteOffset + 5, 8).getBigUint64(0, true);
  if (declared === 0xffffffffffffffffn) return;
  if (declared > BigInt(b.length) * BigInt(MAX_RATIO)) fail(`corrupt .lzma header: declares ${declared} decoded bytes, impossible for ${b.length} compressed bytes`, key);
  // Only a lone stream can be checked up front; concatenated ones are checked as they decode.
  if (out && Number(declared) > out.length) fail(`data decodes to ${declared} bytes but ${out.length} were expected`, key);
}

/** Decode according to `format` (0 sniffs the xz magic, else .lzma, as liblzma's auto decoder does). */
function decode(cfg: LzmaConfig, b: Uint8Array, out: Uint8Array | undefined, key?: string): Uint8Array {
  const isXz = b.length >= 6 && XZ_MAGIC.every((m, i) => b[i] === m);
  const format = cfg.format === FORMAT_AUTO ? (isXz ? FORMAT_XZ : FORMAT_ALONE) : cfg.format;
  if (format === FORMAT_XZ) return decodeXz(b, out, key);
  if (format === FORMAT_ALONE) {
    checkAloneHeader(b, out, key);
    return decodeMembers(b, out, (s, memlimit) => s.aloneDecoder_(memlimit), key);
  }
  const filters = cfg.filters ?? [];
  return decodeMembers(b, out, (s) => s.rawDecoder_(filters), key);
}

/** numcodecs `lzma` factory: `{format = 1, check = -1, preset = null, filters = null}`. */
export const lzma: CodecFactory = (configuration, context): BytesToBytesCodec => {
  const key = context.key;
  const cfg = parseConfig(configuration, key);
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
