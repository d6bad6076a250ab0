/**
 * Streaming between Zarr arrays and .npy files, with memory bounded by a few chunks
 * (a "chunk row": the chunks that share one index along the first axis) whatever the
 * array's size. Used by the CLI's `export` and `import`, and public for API users.
 * @module
 */
import { get, set, type AccessOptions } from "../array/access.js";
import type { Selection } from "../array/selection.js";
import { createArray, type CreateArrayOptions, type ZarrArray } from "../array/node.js";
import type { NDArray } from "../codecs/types.js";
import { ChunkError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import type { Store } from "../stores/types.js";
import { createNpyWriter, decodeRaw, encodeRange, openNpyReader, vlenToFixed } from "./npy.js";

/** Progress callback: elements done of total. */
export type Progress = (done: number, total: number) => void;

/** Options for streaming. */
export interface StreamOptions extends AccessOptions {
  /** How export reads a piece (default `get`); e.g. a parallel reader running codecs on worker threads. */
  read?: (arr: ZarrArray, selection: Selection) => Promise<NDArray>;
  /** Upper bound on one piece's decoded bytes (default 8 MiB); a piece is at least one row of the first axis. */
  maxPieceBytes?: number;
  onProgress?: Progress;
}

/** Pieces along axis 0: [start, stop) row ranges aligned to the chunk grid, each ≤ budget where possible. */
export function* rowPieces(shape: readonly number[], chunk0: number, bytesPerRow: number, budget: number): Generator<[number, number]> {
  if (shape.length === 0) { yield [0, 1]; return; }
  const rowsPerChunk = Math.max(1, chunk0);
  const fitRows = Math.max(1, Math.floor(budget / Math.max(1, bytesPerRow)));
  // Whole chunk rows when at least one fits; otherwise rows within a chunk row.
  const step = fitRows >= rowsPerChunk ? Math.floor(fitRows / rowsPerChunk) * rowsPerChunk : fitRows;
  for (let r = 0; r < shape[0]; r += step) yield [r, Math.min(shape[0], r + step)];
}

function pieceSelection(shape: readonly number[], r0: number, r1: number) {
  return shape.length === 0 ? [] : [{ start: r0, stop: r1 }, ...shape.slice(1).map(() => null)];
}

/** Widen S/U data of `a` (from vlenToFixed) to exactly `width` characters/bytes per item. */
function padTo(a: NDArray, width: number): NDArray {
  const dt = a.dtype;
  if (dt.kind !== "fixed-unicode" && dt.kind !== "fixed-bytes") return a;
  const have = dt.kind === "fixed-unicode" ? dt.length : dt.size;
  if (have === width) return a;
  const n = product(a.shape);
  const src = a.data as Uint32Array | Uint8Array;
  const out = dt.kind === "fixed-unicode" ? new Uint32Array(n * width) : new Uint8Array(n * width);
  for (let i = 0; i < n; i++) out.set(src.subarray(i * have, (i + 1) * have), i * width);
  return { data: out, shape: a.shape, dtype: dt.kind === "fixed-unicode" ? { ...dt, length: width } : { kind: "fixed-bytes", size: width } };
}

/**
 * Export an array to a .npy file exactly as numpy's `np.save` writes it. Variable-length
 * strings become `U<n>` and bytes `S<n>` (n = the longest item, found in a first pass).
 */
export async function exportNpy(arr: ZarrArray, file: string, opts: StreamOptions = {}): Promise<void> {
  const { shape, dtype } = arr.meta;
  const budget = opts.maxPieceBytes ?? 8 * 2 ** 20;
  const rowElems = product(shape.slice(1));
  const itemBytes = "bits" in dtype ? dtype.bits / 8 : 16;
  const pieces = () => rowPieces(shape, arr.meta.chunkShape[0] ?? 1, rowElems * itemBytes, budget);
  let outDtype = dtype;
  let width = 0;
  if (dtype.kind === "string" || dtype.kind === "bytes") {
    width = 1;
    for (const [r0, r1] of pieces()) {
      const part = await (opts.read ?? ((a, sel) => get(a, sel, opts)))(arr, pieceSelection(shape, r0, r1));
      const fixed = vlenToFixed(part, arr.path);
      width = Math.max(width, fixed.dtype.kind === "fixed-unicode" ? fixed.dtype.length : (fixed.dtype as { size: number }).size);
    }
    outDtype = dtype.kind === "string" ? { kind: "fixed-unicode", length: width, endian: "little" } : { kind: "fixed-bytes", size: width };
  }
  const writer = await createNpyWriter(file, outDtype, shape);
  const total = product(shape);
  let done = 0;
  try {
    for (const [r0, r1] of pieces()) {
      let part = await (opts.read ?? ((a, sel) => get(a, sel, opts)))(arr, pieceSelection(shape, r0, r1));
      if (width) part = padTo(vlenToFixed(part, arr.path), width);
      await writer.write(encodeRange(part));
      done += product(part.shape);
      opts.onProgress?.(done, total);
    }
    await writer.close();
  } catch (e) {
    await writer.abort();
    throw e;
  }
}

/** Import a .npy file into a new array (`options` as for createArray; shape and dtype come from the file). */
export async function importNpy(
  file: string, store: Store, path: string,
  options: Omit<CreateArrayOptions, "shape" | "dtype"> & { dtype?: CreateArrayOptions["dtype"] }, opts: StreamOptions = {},
): Promise<ZarrArray> {
  const reader = await openNpyReader(file);
  try {
    const { shape, dtype, fortranOrder } = reader;
    const arr = await createArray(store, path, { ...options, shape, dtype: options.dtype ?? dtype });
    const total = product(shape);
    if (fortranOrder && shape.length > 1) {
      // Fortran-order files hold the transpose; read whole and transpose (bounded by 2^32 elements).
      const raw = await reader.read(0, total);
      const data = decodeRaw(dtype, raw, file);
      const t = await transposeToC({ data, shape: [...shape].reverse(), dtype });
      await set(arr, null, t, opts);
      opts.onProgress?.(total, total);
      return arr;
    }
    const rowElems = product(shape.slice(1));
    const budget = opts.maxPieceBytes ?? 8 * 2 ** 20;
    let done = 0;
    for (const [r0, r1] of rowPieces(shape, arr.meta.chunkShape[0] ?? 1, rowElems * reader.itemSize, budget)) {
      const count = shape.length === 0 ? 1 : (r1 - r0) * rowElems;
      const raw = await reader.read(shape.length === 0 ? 0 : r0 * rowElems, count);
      const data = decodeRaw(dtype, raw, file);
      await set(arr, pieceSelection(shape, r0, r1), { data, shape: shape.length === 0 ? [] : [r1 - r0, ...shape.slice(1)], dtype }, opts);
      done += count;
      opts.onProgress?.(done, total);
    }
    if (done !== total) throw new ChunkError(`imported ${done} of ${total} elements`, file);
    return arr;
  } finally {
    await reader.close();
  }
}

async function transposeToC(a: NDArray): Promise<NDArray> {
  const { transpose } = await import("../codecs/transpose.js");
  const n = a.shape.length;
  const order = Array.from({ length: n }, (_, i) => n - 1 - i);
  const codec = await transpose({ order }, { spec: { shape: a.shape, dtype: a.dtype, fillValue: null }, zarrFormat: 3 });
  if (codec.kind !== "array-to-array") throw new Error("transpose is not an array codec");
  return codec.encode(a);
}
