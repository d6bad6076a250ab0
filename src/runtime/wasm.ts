/**
 * WebAssembly kernels for hot inner loops (SIMD where it measures faster than JavaScript):
 * one instance per thread of a module embedded as base64 (scripts/build-wasm.mjs makes the
 * `*-wasm.ts` files from `.wat` sources), with a helper that copies input into the module's
 * memory piece by piece. Null where WebAssembly SIMD is missing: callers keep a JS loop.
 * @module
 */

/** The part of the WebAssembly API used here (the compiler's ES lib set has no WebAssembly values). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }

const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** A module instance with its exports and memory. */
export interface WasmKernel {
  exports: Record<string, unknown>;
  /** The module's memory as bytes, grown to at least `bytes` (views made before a grow are stale). */
  memory(bytes: number): Uint8Array;
}

const instances = new Map<string, WasmKernel | null>();

/**
 * This thread's instance of the module `base64` (it must export `memory`), or null without
 * WebAssembly SIMD. Users that hold data in its memory across an `await` need an instance no
 * synchronous user shares: `slot` names a separate instance of the same module.
 */
export function wasmKernel(base64: string, slot = ""): WasmKernel | null {
  const id = slot === "" ? base64 : `${slot}:${base64}`;
  let k = instances.get(id);
  if (k !== undefined) return k;
  const bytes = Buffer.from(base64, "base64");
  if (!wasm?.validate(bytes)) k = null;
  else {
    const { exports } = new wasm.Instance(new wasm.Module(bytes));
    const mem = exports.memory as WasmMemory;
    k = {
      exports,
      memory(need) {
        if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
        return new Uint8Array(mem.buffer);
      },
    };
  }
  instances.set(id, k);
  return k;
}

/** Bytes of rows copied into a module per call: small enough to stay in the L2 cache. */
export const PIECE_BYTES = 64 * 1024;

/**
 * Run `call(inPtr, rows, outPtr)` over `rows` rows of `rowBytes` bytes of `src` (from byte
 * `from`), copied into the module piece by piece; `take(r0, n, out)` then reads the i32
 * results of rows r0..r0+n-1 (`perRow` per row) from module memory.
 */
export function byRowPieces(k: WasmKernel, src: Uint8Array, from: number, rows: number, rowBytes: number, perRow: number,
  call: (inPtr: number, rows: number, outPtr: number) => void, take: (r0: number, n: number, out: Int32Array) => void): void {
  const pieceRows = Math.max(1, Math.floor(PIECE_BYTES / Math.max(1, rowBytes)));
  const outPtr = (pieceRows * rowBytes + 15) & ~15;
  const heap = k.memory(outPtr + pieceRows * perRow * 4);
  const out = new Int32Array(heap.buffer, outPtr, pieceRows * perRow);
  for (let r0 = 0; r0 < rows; r0 += pieceRows) {
    const n = Math.min(pieceRows, rows - r0);
    heap.set(src.subarray(from + r0 * rowBytes, from + (r0 + n) * rowBytes), 0);
    out.fill(0, 0, n * perRow);
    call(0, n, outPtr);
    take(r0, n, out);
  }
}
