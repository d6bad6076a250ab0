/**
 * Streaming between Zarr arrays and .npy files, with memory bounded by a few chunks
 * (a "chunk row": the chunks that share one index along the first axis) whatever the
 * array's size. Used by the CLI's `export` and `import`, and public for API users.
 * @module
 */
import { get, set, type AccessOptions } from "../array/access.js";
import { createArray, type CreateArrayOptions, type ZarrArray } from "../array/node.js";
import type { NDArray } from "../codecs/types.js";
import { isVariableLength, layoutOf, viewAs } from "../format/dtype.js";
import { ChunkError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import type { Store } from "../stores/types.js";
import { createNpyWriter, decodeRaw, encodeRange, openNpyReader, vlenToFixed } from "./npy.js";

/** Progress callback: elements done of total. */
export type Progress = (done: number, total: number) => void;

/** Options for streaming (reads and writes run on the worker pool as `get`/`set` do). */
export interface StreamOptions extends Omit<AccessOptions, "onProgress"> {
  /**
   * Upper bound on one piece's decoded bytes. Default: one chunk row (the chunks sharing one
   * index along the first axis), at least 8 MiB and at most 512 MiB, so pieces never cut
   * chunks unless a chunk row is larger than that. A piece is at least one row of the first axis.
   */
  maxPieceBytes?: number;
  onProgress?: Progress;
}

/** The options `get`/`set` see (progress is reported per piece here, not per chunk). */
function accessOptions(opts: StreamOptions): AccessOptions {
  const { onProgress: _p, maxPieceBytes: _m, ...rest } = opts;
  return rest;
}

/** The default piece budget of {@link StreamOptions.maxPieceBytes}. */
function pieceBudget(arr: ZarrArray, bytesPerRow: number, opts: StreamOptions): number {
  if (opts.maxPieceBytes !== undefined) return opts.maxPieceBytes;
  const chunkRow = (arr.meta.chunkShape[0] ?? 1) * bytesPerRow;
  return Math.max(8 * 2 ** 20, Math.min(512 * 2 ** 20, chunkRow));
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
  const rowElems = product(shape.slice(1));
  const itemBytes = "bits" in dtype ? dtype.bits / 8 : 16;
  const budget = pieceBudget(arr, rowElems * itemBytes, opts);
  const pieces = () => rowPieces(shape, arr.meta.chunkShape[0] ?? 1, rowElems * itemBytes, budget);
  // Fixed-size data: two shared piece buffers, alternated (one being filled by the workers
  // while the other is written out), so memory stays flat however many pieces there are.
  const fixed = !isVariableLength(dtype);
  const pieceBytes = fixed ? Math.max(...[...pieces()].slice(0, 1).map(([r0, r1]) => (r1 - r0) * rowElems), 1) * layoutOf(dtype).units * layoutOf(dtype).unitBytes : 0;
  const buffers = fixed ? [0, 1].map(() => viewAs(dtype, new Uint8Array(new SharedArrayBuffer(pieceBytes)))) : [];
  let turn = 0;
  const read = (r0: number, r1: number) => get(arr, pieceSelection(shape, r0, r1), { ...accessOptions(opts), out: fixed ? buffers[turn++ % 2] : undefined });
  let outDtype = dtype;
  let width = 0;
  if (dtype.kind === "string" || dtype.kind === "bytes") {
    width = 1;
    for (const [r0, r1] of pieces()) {
      const part = await read(r0, r1);
      const fixed = vlenToFixed(part, arr.path);
      width = Math.max(width, fixed.dtype.kind === "fixed-unicode" ? fixed.dtype.length : (fixed.dtype as { size: number }).size);
    }
    outDtype = dtype.kind === "string" ? { kind: "fixed-unicode", length: width, endian: "little" } : { kind: "fixed-bytes", size: width };
  }
  const writer = await createNpyWriter(file, outDtype, shape);
  const total = product(shape);
  let done = 0;
  // The next piece is read (decoded on the pool) while this one is written: two pieces in memory.
  const it = pieces()[Symbol.iterator]();
  const start = () => { const r = it.next(); return r.done ? undefined : read(r.value[0], r.value[1]); };
  let next = start();
  try {
    while (next) {
      let part = await next;
      next = start();
      if (width) part = padTo(vlenToFixed(part, arr.path), width);
      await writer.write(encodeRange(part));
      done += product(part.shape);
      opts.onProgress?.(done, total);
    }
    await writer.close();
  } catch (e) {
    next?.catch(() => {});
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
      await set(arr, null, t, accessOptions(opts));
      opts.onProgress?.(total, total);
      return arr;
    }
    const rowElems = product(shape.slice(1));
    const budget = pieceBudget(arr, rowElems * reader.itemSize, opts);
    let done = 0;
    // The next piece is read from the file while this one is encoded and stored.
    const it = rowPieces(shape, arr.meta.chunkShape[0] ?? 1, rowElems * reader.itemSize, budget)[Symbol.iterator]();
    const start = () => {
      const r = it.next();
      if (r.done) return undefined;
      const [r0, r1] = r.value;
      const count = shape.length === 0 ? 1 : (r1 - r0) * rowElems;
      return reader.read(shape.length === 0 ? 0 : r0 * rowElems, count).then((raw) => ({ r0, r1, count, raw }));
    };
    // Two shared piece buffers, alternated: chunks that are contiguous runs of a piece are
    // encoded by the workers straight from it, and memory stays flat.
    const pieceBytes = Math.max(1, ...[...rowPieces(shape, arr.meta.chunkShape[0] ?? 1, rowElems * reader.itemSize, budget)].slice(0, 1).map(([r0, r1]) => (shape.length === 0 ? 1 : (r1 - r0) * rowElems) * reader.itemSize));
    const buffers = [0, 1].map(() => new Uint8Array(new SharedArrayBuffer(pieceBytes)));
    let turn = 0;
    let next = start();
    try {
      while (next) {
        const { r0, r1, count, raw } = await next;
        next = start();
        const data = decodeRaw(dtype, raw, file, buffers[turn++ % 2]);
        await set(arr, pieceSelection(shape, r0, r1), { data, shape: shape.length === 0 ? [] : [r1 - r0, ...shape.slice(1)], dtype }, accessOptions(opts));
        done += count;
        opts.onProgress?.(done, total);
      }
    } catch (e) {
      next?.catch(() => {});
      throw e;
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
