/**
 * Raw LZ4 block decoding straight into the caller's buffer: the streams inside blosc-lz4
 * frames and the body of numcodecs' `lz4` codec.
 *
 * Block format: sequences of a token byte (high nibble: literal count, low nibble: match
 * length − 4; 15 means "more length bytes follow", each 255 meaning "and more"), the
 * literals, a 16-bit little-endian match offset and the extra match length bytes; the last
 * sequence is literals only and ends the block.
 *
 * Why hand-written (WebAssembly, ./wasm/lz4-block.wat): lz4-napi (lz4_flex) needed the block
 * copied behind a 4-byte size prefix, allocated a fresh output per block, and that output
 * was copied again into place. The WebAssembly decoder copies the block in, decodes with
 * 16–64-byte vector copies (a swizzle spreads patterns shorter than 16 bytes) and copies the
 * output out once. Measured with `node --import tsx bench/lz4.ts --repeats 21` (one thread,
 * blosc-lz4 clevel 5 streams of 128 KiB blocks, medians of 3 runs, lz4-napi → this):
 * demo genotype chunks 1.4 → 4.6 GB/s (3.3–4.4×), float32 random walk 1.9 → 3.9 (2.0×),
 * int16 signal 2.5 → 6.1 (2.5×), text-like bytes 1.3 → 1.6 (1.2×); numcodecs `lz4` 1 MiB
 * chunks: genotypes 3.2×, text 1.15×, random bytes 1.4×. End to end, allele counting over
 * the 1 M-variant LZ4 demo copy (bench/genomics child, 2 workers, second pass) went from
 * 0.79 to 0.39 s. Pure JavaScript decoders measured 0.83–0.89× of lz4_flex on the
 * genotypes and 0.16–0.31× on text (typed-array copy calls cost 15–50 ns, byte loops
 * ~1.4 ns a byte: too much for sequences of 5–80 bytes), so JavaScript is only the fallback
 * where WebAssembly SIMD is missing or its memory cannot grow (or would pass 2 GiB):
 * {@link lz4BlockJs}, the same rules and result codes (the tests run both on every case).
 *
 * Memory: one instance per thread keeps at most 16 MiB (input + output of the largest
 * block seen); larger blocks get a throw-away instance (on 32 MiB numcodecs chunks still
 * 1.1–1.7× lz4-napi, both paying for fresh pages).
 *
 * Rules: those of liblz4's `LZ4_decompress_safe`, which c-blosc and numcodecs decode with
 * (the output is bounded by `dst`; callers require it filled exactly), plus offset 0, which
 * the format calls invalid and liblz4 lets through as a copy of undefined bytes. lz4_flex
 * also decodes blocks breaking the end rules (a match starting in the last 12 bytes of the
 * output or reaching into its last 5); liblz4, so Python, refuses them, and so does this.
 * @module
 */
import { copyLiterals, copyMatch } from "./blosc/lzcopy.js";
import { WASM_BASE64 } from "./wasm/lz4-block-wasm.js";

/** Why a block was refused, by negative result code (index = −code). */
const PROBLEMS = [
  "",
  "the input ends where a sequence is due (truncated block)",
  "truncated literal length",
  "literals run past the end of the input",
  "literals run past the end of the output",
  "a match starts within the last 12 bytes of the output (LZ4 ends every block with at least 12 bytes after its last match)",
  "truncated match offset",
  "match offset 0 is invalid",
  "match offset reaches before the start of the output",
  "truncated match length",
  "a match runs past the end of the output or into its last 5 bytes (which must be literals)",
];

/** The reason behind a negative result of {@link lz4DecodeBlock} / {@link lz4BlockJs}. */
export function lz4Problem(code: number): string {
  return PROBLEMS[-code] ?? `unknown LZ4 decoder result ${code}`;
}

/**
 * Decode the raw LZ4 block `src` into `dst`, whose length bounds the output. Returns how
 * many bytes the block decoded to — callers must check it equals `dst.length`, as a block may
 * end early — or a negative code when the block is malformed (see {@link lz4Problem}).
 * Either way `dst` may hold partial output; nothing outside `dst` is written.
 */
export function lz4DecodeBlock(src: Uint8Array, dst: Uint8Array): number {
  return decodeWasm(src, dst) ?? lz4BlockJs(src, dst);
}

/** The decoder {@link lz4DecodeBlock} uses here: "wasm", or "js" without WebAssembly SIMD (blocks over 2 GiB always use "js"). */
export function lz4Engine(): "wasm" | "js" {
  return resident() ? "wasm" : "js";
}

// ---------------------------------------------------------------------------------------
// WebAssembly decoder: one resident instance per thread, a throw-away one for huge blocks.

/** The slice of the WebAssembly API used here (the project's TS libs do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface Lz4Wasm {
  memory: WasmMemory;
  decode: (ip: number, n: number, op: number, cap: number) => number;
}

/** Input offset in module memory (the decoder's tables sit below). */
const INPUT_AT = 512;
/** Bytes after the input and after the output that the decoder's wide copies may touch. */
const SLACK = 64;
/** Larger blocks get a throw-away instance: module memory never shrinks, so the resident one stays this small. */
const RESIDENT_BYTES = 16 << 20;
/** Address limit of the module's contract (it compares addresses unsigned; 2^31 keeps JS↔i32 conversions exact). */
const MAX_WASM_BYTES = 2 ** 31;

let compiled: object | null | undefined;
let kept: Lz4Wasm | null | undefined;

/** The global WebAssembly object, when this runtime has one. */
function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/** A new instance of the compiled module, or null without WebAssembly SIMD. */
function instantiate(): Lz4Wasm | null {
  const api = wasmApi();
  if (compiled === undefined) {
    const bytes = Buffer.from(WASM_BASE64, "base64");
    compiled = api?.validate(bytes) ? new api.Module(bytes) : null;
  }
  if (compiled === null || !api) return null;
  const { exports } = new api.Instance(compiled);
  return { memory: exports.memory as WasmMemory, decode: exports.decode as Lz4Wasm["decode"] };
}

/** This thread's resident instance (made on first use), or null without WebAssembly SIMD. */
function resident(): Lz4Wasm | null {
  if (kept === undefined) kept = instantiate();
  return kept;
}

/** Grow `w`'s memory to `bytes`; false when it cannot. */
function reserve(w: Lz4Wasm, bytes: number): boolean {
  const have = w.memory.buffer.byteLength;
  if (have >= bytes) return true;
  try {
    w.memory.grow(Math.ceil((bytes - have) / 65536));
    return true;
  } catch {
    return false; // out of memory for the module: the JS decoder needs none
  }
}

/** Decode with WebAssembly: the result code, or undefined when this block must use the JS decoder. */
function decodeWasm(src: Uint8Array, dst: Uint8Array): number | undefined {
  const n = src.length;
  const cap = dst.length;
  const outAt = Math.ceil((INPUT_AT + n + SLACK) / 16) * 16;
  const need = outAt + cap + SLACK;
  if (need > MAX_WASM_BYTES) return undefined;
  const w = need <= RESIDENT_BYTES ? resident() : instantiate();
  if (!w || !reserve(w, need)) return undefined;
  const heap = new Uint8Array(w.memory.buffer);
  heap.set(src, INPUT_AT);
  const r = w.decode(INPUT_AT, n, outAt, cap);
  if (r >= 0) dst.set(heap.subarray(outAt, outAt + r));
  return r;
}

// ---------------------------------------------------------------------------------------
// JavaScript twin of ./wasm/lz4-block.wat: same checks in the same order, same codes.

/**
 * {@link lz4DecodeBlock} in plain JavaScript (same results). Every read and write is
 * bounds-checked before it happens; each step consumes input, so it always terminates.
 */
export function lz4BlockJs(src: Uint8Array, dst: Uint8Array): number {
  const n = src.length;
  const cap = dst.length;
  const sv = new DataView(src.buffer, src.byteOffset, n);
  const dv = new DataView(dst.buffer, dst.byteOffset, cap);
  let ip = 0;
  let op = 0;
  for (;;) {
    if (ip >= n) return -1;
    const token = src[ip++];
    let len = token >>> 4;
    if (len === 15) {
      let b: number;
      do {
        if (ip >= n) return -2;
        b = src[ip++];
        len += b;
        if (len > cap) return -4;
      } while (b === 255);
    }
    if (len > n - ip) return -3;
    if (len > cap - op) return -4;
    copyLiterals(src, sv, ip, dst, dv, op, len);
    ip += len;
    op += len;
    if (ip === n) break;
    if (op > cap - 12) return -5;
    if (n - ip < 2) return -6;
    const dist = src[ip] | (src[ip + 1] << 8);
    ip += 2;
    if (dist === 0) return -7;
    if (dist > op) return -8;
    len = (token & 15) + 4;
    if (len === 19) {
      let b: number;
      do {
        if (ip >= n) return -9;
        b = src[ip++];
        len += b;
        if (len > cap) return -10;
      } while (b === 255);
    }
    if (len > cap - 5 - op) return -10;
    copyMatch(dst, dv, op, dist, len);
    op += len;
  }
  return op;
}
