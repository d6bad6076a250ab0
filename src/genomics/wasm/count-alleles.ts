/**
 * Allele counting of whole genotype rows in WebAssembly SIMD (count-alleles.wat): about 3×
 * the JavaScript loop's speed on demo calls (the JS scan is branchy and tops out near
 * 2 GB/s per thread; the SIMD loop is branch-free). Blocks in JS memory are copied into the
 * module piece by piece; a stored chunk can instead be decoded straight into the module's
 * memory and counted there ({@link wasmRawCounter}: no copy, no clipping of edge chunks).
 * Where WebAssembly SIMD is missing these return null and callers keep their JS loop.
 * @module
 */
import { decodeChunk } from "../../codecs/pipeline.js";
import type { NDArray } from "../../codecs/types.js";
import { pipelineFor } from "../../runtime/chunk-worker.js";
import { byRowPieces, wasmKernel, type WasmKernel } from "../../runtime/wasm.js";
import { checkTiling, storedBytes, storedBytesAll, type LeafTask, type RawChunk, type RawParts } from "../../sources/types.js";
import { product } from "../../format/ndarray.js";
import { decodeInto } from "../../sources/raw-decode.js";
import type { Pipeline } from "../../codecs/pipeline.js";
import { loadKernel } from "../../runtime/kernel-task.js";
import { ComputeError } from "../../format/errors.js";
import { WASM_BASE64 } from "./count-alleles-wasm.js";

/** Counts alleles 0..nA-1 of `rows` rows of `rowBytes` bytes of `g` from byte `from`, adding row r's count of allele a to `out[outAt(r) + a]`. */
export type RowCounter = (g: Int8Array, from: number, rows: number, rowBytes: number, nA: number, out: Int32Array, outAt: (r: number) => number) => void;

/**
 * Decodes the stored int8 (variants, samples, ploidy) chunk `raw` into the module's memory and
 * adds each row's counts of alleles 0..nA-1 to `counts` (rows of the chunk's extent × nA);
 * false when the chunk cannot go that way (not stored, not int8, ploidy cut: `counts`
 * untouched), true when done.
 */
export type RawCounter = (raw: RawChunk, nA: number, counts: Int32Array) => Promise<boolean>;

type CountFn = (inPtr: number, rows: number, rowBytes: number, outPtr: number, nA: number, stride: number) => void;

const countOf = (k: WasmKernel) => k.exports.count as CountFn;

// One fused task may run several counting kernels concurrently (their inputs are awaited
// together): blocks made in module memory take turns, since each fills the same memory and
// awaits in between.
let turn: Promise<unknown> = Promise.resolve();

/**
 * This thread's SIMD row counter, or null when WebAssembly SIMD is unavailable. It runs
 * synchronously, so it has an instance of its own: the other counters keep blocks in their
 * instance's memory across awaits, and this one could run in between.
 */
export function wasmRowCounter(): RowCounter | null {
  const k = wasmKernel(WASM_BASE64, "rows");
  if (!k) return null;
  const count = countOf(k);
  return (g, from, rows, rowBytes, nA, out, outAt) => {
    const bytes = new Uint8Array(g.buffer, g.byteOffset, g.length);
    byRowPieces(k, bytes, from, rows, rowBytes, nA, (inPtr, n, outPtr) => count(inPtr, n, rowBytes, outPtr, nA, rowBytes), (r0, n, counts) => {
      for (let r = 0; r < n; r++) {
        const at = outAt(r0 + r);
        for (let a = 0; a < nA; a++) out[at + a] += counts[r * nA + a];
      }
    });
  };
}

/**
 * Runs a source's leaf task (an int8 (variants, samples, ploidy) block of `task.bytes` bytes)
 * with the module's memory as its output and adds each row's counts of alleles 0..nA-1 to
 * `counts`; false when the task cannot fill a given buffer (`counts` untouched).
 */
export type TaskCounter = (task: LeafTask, nA: number, counts: Int32Array) => Promise<boolean>;

/** Where a block lies in the module's memory once made: its rows, the bytes counted per row, the bytes between rows. */
interface Layout { rows: number; rowBytes: number; stride: number }

/**
 * Count a block made straight into the module's memory: grows the memory once for `bytes` of
 * block and the counts (growing detaches views, so before any is made), lets `make` fill the
 * first `bytes` (it returns the block's data, copied in when it landed elsewhere), counts the
 * rows in place on top of `counts` (the module adds) and writes the sums back. Calls take
 * turns (see `turn`).
 */
function countInMemory(mod: WasmKernel, bytes: number, layout: Layout, nA: number, counts: Int32Array, make: (into: Uint8Array) => Promise<Int8Array>): Promise<boolean> {
  const run = async (): Promise<boolean> => {
    const outPtr = (bytes + 15) & ~15;
    const need = outPtr + layout.rows * nA * 4;
    const into = new Uint8Array(mod.memory(need).buffer, 0, bytes);
    const data = await make(into);
    const heap = mod.memory(need);
    if (data.buffer !== heap.buffer || data.byteOffset !== 0) new Int8Array(heap.buffer, 0, bytes).set(data);
    const out = new Int32Array(heap.buffer, outPtr, layout.rows * nA);
    out.set(counts);
    countOf(mod)(0, layout.rows, layout.rowBytes, outPtr, nA, layout.stride);
    counts.set(out);
    return true;
  };
  return takeTurn(run);
}

/** Run `run` after every earlier user of the module's memory in this thread (see `turn`). */
function takeTurn<T>(run: () => Promise<T>): Promise<T> {
  const mine = turn.then(run);
  turn = mine.catch(() => {});
  return mine;
}

/** This thread's counter of leaf-task blocks made in module memory, or null without WebAssembly SIMD. */
export function wasmTaskCounter(): TaskCounter | null {
  const mod = wasmKernel(WASM_BASE64);
  if (!mod) return null;
  return async (task, nA, counts) => {
    const [rows, S, P] = task.shape;
    if (task.bytes === undefined || task.shape.length !== 3) return false;
    const fn = await loadKernel(task.kernel);
    return countInMemory(mod, task.bytes, { rows, rowBytes: S * P, stride: S * P }, nA, counts, async (out) => {
      const block = (await fn({ ...task.args, out })) as NDArray;
      if (String(block.shape) !== String(task.shape) || block.dtype.kind !== "int" || block.dtype.bits !== 8) throw new ComputeError("countAlleles", "genotype blocks must be 3-d int8");
      return block.data as Int8Array;
    });
  };
}

/** This thread's counter of stored chunks decoded in module memory, or null without WebAssembly SIMD. */
export function wasmRawCounter(): RawCounter | null {
  const mod = wasmKernel(WASM_BASE64);
  if (!mod) return null;
  return async (raw, nA, counts) => {
    const p = await pipelineFor(raw.pipeline);
    const dtype = p.spec.chunk.dtype;
    const [C0, C1, C2] = raw.chunkShape;
    if (raw.chunkShape.length !== 3 || raw.extent[2] !== C2 || dtype.kind !== "int" || dtype.bits !== 8) return false;
    const bytes = storedBytes(raw);
    if (!bytes) return false;
    // Edge chunks are stored padded: count the rows' first extent[1] samples, stride the full row.
    const layout = { rows: raw.extent[0], rowBytes: raw.extent[1] * C2, stride: C1 * C2 };
    return countInMemory(mod, C0 * C1 * C2, layout, nA, counts, async (out) => {
      const into: NDArray = { data: new Int8Array(out.buffer, out.byteOffset, out.length), shape: [C0, C1, C2], dtype };
      return (await decodeChunk(p, bytes, raw.key, into)).data as Int8Array;
    });
  };
}

/**
 * Adds the allele counts of the int8 (variants, samples, ploidy) block of `parts` (stored
 * chunks tiling it) to `counts` (rows × nA); false when the block cannot go that way (a part
 * not int8 or cutting the ploidy: `counts` untouched), true when done.
 */
export type PartsCounter = (parts: RawParts, nA: number, counts: Int32Array) => Promise<boolean>;

type PlaceFn = (src: number, rows: number, run: number, srcStride: number, dst: number, dstStride: number) => void;

/** Bytes of block rows assembled and counted at a time: the band stays in the L2 cache. */
const BAND_BYTES = 256 * 1024;

/**
 * This thread's counter of blocks made from stored chunks in module memory, or null without
 * WebAssembly SIMD. Every chunk is decoded into module memory first; then bands of block rows
 * are assembled from them by the module (`place`: rows of a few samples are too short for
 * typed-array copies) and counted while the band is in cache: placing rows of 20 bytes 1.5 KB
 * apart into a whole 10 MB block cost more than counting it. Memory per thread: the block's
 * decoded chunks (kept by the module: WebAssembly memory does not shrink), as before the block.
 */
export function wasmPartsCounter(): PartsCounter | null {
  const mod = wasmKernel(WASM_BASE64);
  if (!mod) return null;
  const place = mod.exports.place as PlaceFn;
  return async (parts, nA, counts) => {
    const [rows, S, P] = parts.shape;
    if (parts.shape.length !== 3 || parts.dtype.kind !== "int" || parts.dtype.bits !== 8) return false;
    const pipelines: Pipeline[] = [];
    const offsets: number[] = [];
    let decodedBytes = 0;
    for (const { raw, start } of parts.parts) {
      const p = await pipelineFor(raw.pipeline);
      const dt = p.spec.chunk.dtype;
      if (raw.chunkShape.length !== 3 || raw.chunkShape[2] !== P || raw.extent[2] !== P || start[2] !== 0 || dt.kind !== "int" || dt.bits !== 8) return false;
      // Placing writes module memory by these numbers: a part outside its chunk or the block is a bug upstream.
      if (raw.extent.some((e, d) => e > raw.chunkShape[d] || start[d] < 0 || start[d] + e > parts.shape[d]))
        throw new ComputeError("countAlleles", `stored chunk ${raw.key} does not fit its place in the block`);
      pipelines.push(p);
      offsets.push(decodedBytes);
      decodedBytes += (product(raw.chunkShape) + 15) & ~15;
    }
    checkTiling(parts);
    const rowBytes = S * P;
    const band = Math.max(1, Math.floor(BAND_BYTES / Math.max(1, rowBytes)));
    const outPtr = (band * rowBytes + 15) & ~15;
    const chunksPtr = (outPtr + rows * nA * 4 + 15) & ~15;
    return takeTurn(async () => {
      const heap = mod.memory(chunksPtr + decodedBytes);
      const stored = storedBytesAll(parts.parts.map((x) => x.raw));
      for (const [i, { raw }] of parts.parts.entries()) {
        const n = product(raw.chunkShape);
        const dtype = pipelines[i].spec.chunk.dtype;
        await decodeInto(pipelines[i], raw, stored[i], { data: new Int8Array(heap.buffer, chunksPtr + offsets[i], n), shape: [...raw.chunkShape], dtype });
      }
      const out = new Int32Array(heap.buffer, outPtr, rows * nA);
      out.set(counts); // the module adds
      for (let r0 = 0; r0 < rows; r0 += band) {
        const n = Math.min(band, rows - r0);
        // The parts tile the block, so every byte of the band's rows is written before it is counted.
        for (const [i, { raw, start }] of parts.parts.entries()) {
          const lo = Math.max(r0, start[0]);
          const hi = Math.min(r0 + n, start[0] + raw.extent[0]);
          if (lo >= hi) continue;
          const stride = raw.chunkShape[1] * P;
          place(chunksPtr + offsets[i] + (lo - start[0]) * stride, hi - lo, raw.extent[1] * P, stride, (lo - r0) * rowBytes + start[1] * P, rowBytes);
        }
        countOf(mod)(0, n, rowBytes, outPtr + r0 * nA * 4, nA, rowBytes);
      }
      counts.set(out);
      return true;
    });
  };
}
