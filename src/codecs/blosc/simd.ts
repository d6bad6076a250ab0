/**
 * WebAssembly SIMD kernels for the decode-side unshuffles: the scalar JS loops top out
 * near 3.5 GB/s (byte) and 1.7 GB/s (bit), ALU bound, while 16-byte vector ops run
 * 2.5-5× faster including the copies in and out of Wasm memory (measured on 128-256 KiB
 * blocks). No installed package offers this, so the tiny module is assembled here from
 * readable opcodes instead of shipping an opaque binary.
 *
 * {@link simdUnshuffle}: `src` holds `typesize` planes of `n` bytes
 * (n % 16 == 0), `dst` receives the interleaved elements. ts 4 and 8 are done as
 * repeated 2-way interleaves: zipping planes (0,1), (2,3), ... byte-wise, then the results
 * in 2-byte units, then 4-byte units, puts each element's bytes back in order.
 * {@link simdBitUnshuffle1}: the same 8-plane unshuffle plus 8×8 bit transposes.
 *
 * Safety: Wasm bounds-checks every access; callers' sizes are checked here against the
 * inputs, and the Wasm memory is capped by MAX_SIMD_BLOCK (larger blocks use the JS loops).
 * @module
 */

/** Unsigned LEB128. */
function leb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];
const name = (s: string): number[] => [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

// Opcodes used below.
const BLOCK = 0x02, LOOP = 0x03, BR = 0x0c, BR_IF = 0x0d, END = 0x0b, VOID = 0x40;
const GET = 0x20, SET = 0x21, I32 = 0x41, GE_U = 0x4f, ADD = 0x6a, SHL = 0x74;
const SIMD = 0xfd, LOAD = 0x00, STORE = 0x0b, SHUFFLE = 0x0d;
const mem = (offset: number): number[] => [0, ...leb(offset)]; // align hint 1, offset

/** Lanes interleaving `unit`-byte units of a (lanes 0-15) and b (16-31), low or high half. */
function lanes(unit: number, high: boolean): number[] {
  const out: number[] = [];
  const base = high ? 8 : 0;
  for (let u = 0; u < 8 / unit; u++) {
    for (let k = 0; k < unit; k++) out.push(base + u * unit + k);
    for (let k = 0; k < unit; k++) out.push(16 + base + u * unit + k);
  }
  return out;
}

/**
 * Body of `z(a, b, dst, n, unit)`-style loops, specialised per unit: for k in 0..n step 16,
 * interleave 16 bytes at a+k and b+k into 32 bytes at dst+2k.
 * Params: 0 a, 1 b, 2 dst, 3 n; local 4 k.
 */
function zipBody(unit: number): number[] {
  const addr = [GET, 2, GET, 4, I32, 1, SHL, ADD];
  const ld = (p: number): number[] => [GET, p, GET, 4, ADD, SIMD, LOAD, ...mem(0)];
  return [
    ...leb(1), 1, 0x7f, // one i32 local
    BLOCK, VOID, LOOP, VOID,
    GET, 4, GET, 3, GE_U, BR_IF, 1,
    ...addr, ...ld(0), ...ld(1), SIMD, SHUFFLE, ...lanes(unit, false), SIMD, STORE, ...mem(0),
    ...addr, ...ld(0), ...ld(1), SIMD, SHUFFLE, ...lanes(unit, true), SIMD, STORE, ...mem(16),
    GET, 4, I32, 16, ADD, SET, 4,
    BR, 0, END, END, END,
  ];
}

// SIMD opcodes past 0x7f take a two-byte LEB128.
const CONST = 0x0c, AND = 0x4e, XOR = 0x51, SHL64 = [0xcb, 0x01], SHR64 = [0xcd, 0x01];

/** v128 constant holding the 64-bit value hi32:lo32 in both lanes. */
function c64(lo32: number, hi32: number): number[] {
  const w = [lo32, hi32, lo32, hi32];
  return w.flatMap((x) => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, x >>> 24]);
}

/**
 * Body of `t(p, len)`: transpose the 8×8 bit matrix of every 8-byte group in place
 * (len % 16 == 0), two groups per vector, with the three delta swaps (shifts 7, 14, 28)
 * that the scalar bt8 in ./shuffle.ts does on 32-bit halves, here on whole 64-bit lanes.
 * Params: 0 p, 1 len; locals: 2 k (i32), 3 x, 4 t (v128).
 */
function transposeBody(): number[] {
  const addr = [GET, 0, GET, 2, ADD];
  const step = (shift: number, mask: number[]): number[] => [
    GET, 3, GET, 3, I32, shift, SIMD, ...SHR64, SIMD, XOR, SIMD, CONST, ...mask, SIMD, AND, SET, 4,
    GET, 3, GET, 4, SIMD, XOR, GET, 4, I32, shift, SIMD, ...SHL64, SIMD, XOR, SET, 3,
  ];
  return [
    ...leb(2), 1, 0x7f, 2, 0x7b, // locals: 1 × i32, 2 × v128
    BLOCK, VOID, LOOP, VOID,
    GET, 2, GET, 1, GE_U, BR_IF, 1,
    ...addr, SIMD, LOAD, ...mem(0), SET, 3,
    ...step(7, c64(0x00aa00aa, 0x00aa00aa)),
    ...step(14, c64(0x0000cccc, 0x0000cccc)),
    ...step(28, c64(0xf0f0f0f0, 0)),
    ...addr, GET, 3, SIMD, STORE, ...mem(0),
    GET, 2, I32, 16, ADD, SET, 2,
    BR, 0, END, END, END,
  ];
}

/**
 * Module exporting memory "m", zip functions "z1", "z2", "z4" (interleave 1-, 2-, 4-byte
 * units) and "t" (8×8 bit transposes).
 */
function moduleBytes(): Uint8Array {
  const zipType = [0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 0];
  const tType = [0x60, 2, 0x7f, 0x7f, 0];
  const units = [1, 2, 4];
  const bodies = [...units.map(zipBody), transposeBody()];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec([zipType, tType])),
    ...section(3, vec([...units.map(() => [0]), [1]])),
    ...section(5, vec([[0, 1]])), // memory: min 1 page, no max
    ...section(7, vec([[...name("m"), 2, 0], ...units.map((u, i) => [...name(`z${u}`), 0, i]), [...name("t"), 0, 3]])),
    ...section(10, vec(bodies.map((b) => [...leb(b.length), ...b]))),
  ];
  return new Uint8Array(bytes);
}

type Zip = (a: number, b: number, dst: number, n: number) => void;

/** The slice of the WebAssembly API used here (the project's TS libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}

interface Simd {
  memory: WasmMemory;
  zip: Record<number, Zip>;
  transpose: (p: number, len: number) => void;
}

/** Compiled lazily; `null` when the runtime lacks Wasm SIMD (then callers use JS loops). */
let simd: Simd | null | undefined;

function load(): Simd | null {
  if (simd !== undefined) return simd;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    if (wasm === undefined) throw new Error("no WebAssembly");
    const e = new wasm.Instance(new wasm.Module(moduleBytes())).exports;
    simd = { memory: e.m as WasmMemory, zip: { 1: e.z1 as Zip, 2: e.z2 as Zip, 4: e.z4 as Zip }, transpose: e.t as Simd["transpose"] };
  } catch {
    simd = null;
  }
  return simd;
}

/** Blocks larger than this stay on the JS path, so the never-shrinking Wasm memory stays small. */
const MAX_SIMD_BLOCK = 4 << 20;
const PAGE = 65536;

/** The Wasm state with at least `need` bytes of memory, or null (no SIMD / out of memory). */
function withHeap(need: number): Simd | null {
  const s = load();
  if (s === null) return null;
  const have = s.memory.buffer.byteLength;
  if (have < need) {
    try {
      s.memory.grow(Math.ceil((need - have) / PAGE));
    } catch {
      return null; // out of memory for the scratch: the JS loops need none
    }
  }
  return s;
}

/**
 * Unshuffle `body` bytes of `typesize` planes already at heap offset 0, using [body, 2·body)
 * as the other buffer; returns where the result ended up (0 or body).
 */
function unshuffleInHeap(s: Simd, body: number, typesize: number): number {
  let from = 0;
  let to = body;
  // Each round interleaves `unit`-byte units of adjacent plane pairs (2p, 2p + 1), halving the
  // plane count: ts 2 needs one round; ts 4 two (bytes, then byte pairs); ts 8 three.
  for (let unit = 1, planes = typesize; planes > 1; unit *= 2, planes /= 2) {
    const len = body / planes; // bytes per current plane
    for (let p = 0; p < planes / 2; p++) s.zip[unit](from + 2 * p * len, from + (2 * p + 1) * len, to + 2 * p * len, len);
    [from, to] = [to, from];
  }
  return from;
}

/**
 * Byte-unshuffle `n` elements of `typesize` 2, 4 or 8 from `src` into `dst` with Wasm SIMD.
 * Returns false (nothing written) when not applicable: other typesizes, n % 16 != 0,
 * blocks over 4 MiB, or no Wasm SIMD.
 */
export function simdUnshuffle(src: Uint8Array, dst: Uint8Array, typesize: number, n: number): boolean {
  if ((typesize !== 2 && typesize !== 4 && typesize !== 8) || n % 16 !== 0 || n === 0) return false;
  const body = n * typesize;
  if (body > MAX_SIMD_BLOCK || src.length < body || dst.length < body) return false;
  const s = withHeap(2 * body);
  if (s === null) return false;
  const heap = new Uint8Array(s.memory.buffer);
  heap.set(src.subarray(0, body));
  const at = unshuffleInHeap(s, body, typesize);
  dst.set(heap.subarray(at, at + body));
  return true;
}

/**
 * Undo a typesize-1 bit shuffle of `n` bytes (n % 128 == 0) from `src` into `dst`: the 8
 * bit-rows of n/8 bytes, byte-unshuffled as 8 planes, give each 8-element group's bytes
 * side by side, and an 8×8 bit transpose of each group restores the elements.
 * Returns false (nothing written) when not applicable, as {@link simdUnshuffle}.
 */
export function simdBitUnshuffle1(src: Uint8Array, dst: Uint8Array, n: number): boolean {
  if (n % 128 !== 0 || n === 0 || n > MAX_SIMD_BLOCK || src.length < n || dst.length < n) return false;
  const s = withHeap(2 * n);
  if (s === null) return false;
  const heap = new Uint8Array(s.memory.buffer);
  heap.set(src.subarray(0, n));
  const at = unshuffleInHeap(s, n, 8);
  s.transpose(at, n);
  dst.set(heap.subarray(at, at + n));
  return true;
}
