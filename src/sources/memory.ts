/**
 * A chunk source over an n-dimensional array already in memory.
 *
 * A chunk that is a contiguous C-order block (a row block: leading dimensions of extent 1,
 * then one partial dimension, then whole trailing dimensions) of data that already lives in a
 * SharedArrayBuffer is handed out as a zero-copy view of that data. Every other chunk is
 * copied into a fresh SharedArrayBuffer, as are all chunks of data in ordinary memory (the
 * contract promises shared memory; copying the whole input once up front would double it).
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { bytesOf, viewAs } from "../format/dtype.js";
import { SelectionError } from "../format/errors.js";
import { checkShape, copyBox, product } from "../format/ndarray.js";
import {
  allocateShared, checkChunkShape, checkFixedSize, chunkBox, elementBytes, isShared, rowBlockChunks,
  type ChunkReadOptions, type ChunkSource,
} from "./types.js";

/** Options of {@link memorySource}. */
export interface MemorySourceOptions {
  /** Name for errors and progress (default "memory"). */
  name?: string;
}

/** True when the box `start`/`extent` of an array of `shape` is one contiguous run in C order. */
export function isContiguousBox(shape: readonly number[], extent: readonly number[]): boolean {
  let d = 0;
  while (d < shape.length && extent[d] === 1) d++;
  for (let e = d + 1; e < shape.length; e++) if (extent[e] !== shape[e]) return false;
  return true;
}

/** C-order element offset of `start` in an array of `shape`. */
function offsetOf(shape: readonly number[], start: readonly number[]): number {
  let off = 0;
  for (let d = 0; d < shape.length; d++) off = off * shape[d] + start[d];
  return off;
}

/**
 * A chunk source over `data` (fixed-size dtype, C order). `chunkShape` defaults to row
 * blocks of about 16 MiB. The source keeps a reference to `data`: changing it changes
 * later chunks (and, for shared data, chunks already handed out as views).
 */
export function memorySource(data: NDArray, chunkShape?: readonly number[], opts: MemorySourceOptions = {}): ChunkSource {
  const name = opts.name ?? "memory";
  checkFixedSize(data.dtype, name);
  const shape = [...data.shape];
  try { checkShape(shape, "shape"); } catch (e) { throw new SelectionError((e as Error).message, name); }
  const itemBytes = elementBytes(data.dtype);
  const bytes = bytesOf(data.data);
  if (bytes.byteLength !== product(shape) * itemBytes)
    throw new SelectionError(`data holds ${bytes.byteLength} bytes, shape [${String(shape)}] of ${itemBytes}-byte elements needs ${product(shape) * itemBytes}`, name);
  const chunks = checkChunkShape(chunkShape ?? rowBlockChunks(shape, itemBytes), shape, name);
  const shared = isShared(data.data);
  const dtype = data.dtype;
  const source: ChunkSource = {
    shape, dtype, chunkShape: chunks, name,
    read(coords: readonly number[], ro: ChunkReadOptions = {}) {
      try {
        ro.signal?.throwIfAborted();
        const box = chunkBox(source, coords);
        const n = product(box.shape);
        if (shared && isContiguousBox(shape, box.shape)) {
          const at = offsetOf(shape, box.start) * itemBytes;
          return Promise.resolve({ data: viewAs(dtype, bytes.subarray(at, at + n * itemBytes)), shape: box.shape, dtype });
        }
        const out = allocateShared(dtype, n);
        copyBox(dtype, data.data, shape, box.start, out, box.shape, box.shape.map(() => 0), box.shape);
        return Promise.resolve({ data: out, shape: box.shape, dtype });
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
  return source;
}
