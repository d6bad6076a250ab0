/**
 * Allele counting of whole genotype rows in WebAssembly SIMD (count-alleles.wat): about 3×
 * the JavaScript loop's speed on demo calls (the JS scan is branchy and tops out near
 * 2 GB/s per thread; the SIMD loop is branch-free). Where WebAssembly SIMD is missing,
 * `wasmRowCounter()` is null and callers keep their JavaScript loop.
 * @module
 */
import { byRowPieces, wasmKernel } from "../../runtime/wasm.js";
import { WASM_BASE64 } from "./count-alleles-wasm.js";

/** Counts alleles 0..nA-1 of `rows` rows of `rowBytes` bytes of `g` from byte `from`, adding row r's count of allele a to `out[outAt(r) + a]`. */
export type RowCounter = (g: Int8Array, from: number, rows: number, rowBytes: number, nA: number, out: Int32Array, outAt: (r: number) => number) => void;

/** This thread's SIMD row counter, or null when WebAssembly SIMD is unavailable. */
export function wasmRowCounter(): RowCounter | null {
  const k = wasmKernel(WASM_BASE64);
  if (!k) return null;
  const count = k.exports.count as (inPtr: number, rows: number, rowBytes: number, outPtr: number, nA: number) => void;
  return (g, from, rows, rowBytes, nA, out, outAt) => {
    const bytes = new Uint8Array(g.buffer, g.byteOffset, g.length);
    byRowPieces(k, bytes, from, rows, rowBytes, nA, (inPtr, n, outPtr) => count(inPtr, n, rowBytes, outPtr, nA), (r0, n, counts) => {
      for (let r = 0; r < n; r++) {
        const at = outAt(r0 + r);
        for (let a = 0; a < nA; a++) out[at + a] += counts[r * nA + a];
      }
    });
  };
}
