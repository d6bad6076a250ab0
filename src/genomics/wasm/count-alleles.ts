/**
 * Allele counting of whole genotype rows in WebAssembly SIMD (count-alleles.wat): about 4×
 * the JavaScript loop's speed on real calls (JS tops out near 2 GB/s per thread on this
 * branchy scan; the SIMD loop is branch-free, see bench/RESULTS.md). Rows are copied into
 * the module's memory in cache-sized pieces and counted there. One instance per thread,
 * made on first use; where WebAssembly SIMD is missing, `wasmRowCounter()` is null and
 * callers keep their JavaScript loop.
 * @module
 */
import { WASM_BASE64 } from "./count-alleles-wasm.js";

/** Bytes of rows copied into the module per call: small enough to stay in the L2 cache. */
const PIECE_BYTES = 64 * 1024;

/** Counts alleles 0..nA-1 of `rows` rows of `rowBytes` bytes of `g` from byte `from`, adding row r's count of allele a to `out[outAt(r) + a]`. */
export type RowCounter = (g: Int8Array, from: number, rows: number, rowBytes: number, nA: number, out: Int32Array, outAt: (r: number) => number) => void;

let counter: RowCounter | null | undefined;

/** The part of the WebAssembly API used here (the compiler's ES lib set has no WebAssembly values). */
interface WasmMemory { readonly buffer: ArrayBuffer; grow(pages: number): number }
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** This thread's SIMD row counter, or null when WebAssembly SIMD is unavailable. */
export function wasmRowCounter(): RowCounter | null {
  if (counter !== undefined) return counter;
  const bytes = Buffer.from(WASM_BASE64, "base64");
  if (!wasm?.validate(bytes)) return (counter = null);
  const instance = new wasm.Instance(new wasm.Module(bytes));
  const memory = instance.exports.memory as WasmMemory;
  const count = instance.exports.count as (inPtr: number, rows: number, rowBytes: number, outPtr: number, nA: number) => void;
  counter = (g, from, rows, rowBytes, nA, out, outAt) => {
    const pieceRows = Math.max(1, Math.floor(PIECE_BYTES / Math.max(1, rowBytes)));
    const inBytes = pieceRows * rowBytes;
    const outPtr = (inBytes + 15) & ~15;
    const need = outPtr + pieceRows * nA * 4;
    if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    const heap = new Int8Array(memory.buffer);
    const counts = new Int32Array(memory.buffer, outPtr, pieceRows * nA);
    for (let r0 = 0; r0 < rows; r0 += pieceRows) {
      const n = Math.min(pieceRows, rows - r0);
      heap.set(g.subarray(from + r0 * rowBytes, from + (r0 + n) * rowBytes), 0);
      counts.fill(0, 0, n * nA);
      count(0, n, rowBytes, outPtr, nA);
      for (let r = 0; r < n; r++) {
        const at = outAt(r0 + r);
        for (let a = 0; a < nA; a++) out[at + a] += counts[r * nA + a];
      }
    }
  };
  return counter;
}
