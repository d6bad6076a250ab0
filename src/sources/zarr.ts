/**
 * A chunk source over a Zarr array. Each chunk is a box selection read with `get`, whose
 * parallel path decodes the stored chunks in pool threads straight into a SharedArrayBuffer
 * (always when a pool is given; without one, `get` keeps tiny reads on this thread and the
 * result is copied into shared memory). Missing stored chunks read as the fill value.
 *
 * The default chunk shape is the array's chunk grid (for sharded arrays: the shard shape).
 * A larger `chunks` lets one source chunk span many stored chunks, which decode in parallel
 * (or, inside a compute task, in that task: `rawParts`); choose multiples of the stored chunk
 * shape, or stored chunks on the borders are decoded once per source chunk that touches them.
 * @module
 */
import { get } from "../array/access.js";
import type { ZarrArray } from "../array/node.js";
import { slice } from "../array/selection.js";
import { chunkKeyOf, pipelineOf, shardingOf } from "../array/chunks.js";
import { pipelineRef } from "../runtime/pipeline-ref.js";
import type { NDArray } from "../codecs/types.js";
import { bytesOf } from "../format/dtype.js";
import { allocateShared, checkChunkShape, checkFixedSize, chunkBox, isShared, tilesStored, tilingChunks, type ChunkReadOptions, type ChunkSource, type RawChunk, type RawParts } from "./types.js";

/** Options of {@link zarrSource}. */
export interface ZarrSourceOptions {
  /** Source chunk shape (default: the array's chunk shape). */
  chunks?: readonly number[];
  /** Name for errors and progress (default: store URL + "#" + array path). */
  name?: string;
}

/** Default name: the store's URL (or "zarr") and the array path. */
function zarrName(arr: ZarrArray): string {
  const store = arr.store.url ?? "zarr";
  return arr.path === "" ? store : `${store}#${arr.path}`;
}

/** Make sure chunk data lives in shared memory (reads `get` keeps on this thread do not). */
function toShared(a: NDArray): NDArray {
  if (isShared(a.data)) return a;
  const out = allocateShared(a.dtype, a.shape.reduce((x, y) => x * y, 1));
  bytesOf(out).set(bytesOf(a.data));
  return { data: out, shape: a.shape, dtype: a.dtype };
}

/** A chunk source over `arr` (fixed-size dtypes). */
export function zarrSource(arr: ZarrArray, opts: ZarrSourceOptions = {}): ChunkSource {
  const name = opts.name ?? zarrName(arr);
  const { dtype, shape } = arr.meta;
  checkFixedSize(dtype, name);
  const chunkShape = checkChunkShape(opts.chunks ?? arr.meta.chunkShape, shape, name);
  const stored = arr.meta.chunkShape;
  const sameGrid = String(chunkShape) === String(stored);
  const multiple = !sameGrid && tilesStored(chunkShape, stored, shape);
  /** Stored chunk `coords` as it stands: undefined for sharded arrays. */
  const storedRaw = async (coords: readonly number[]): Promise<RawChunk | undefined> => {
    const p = await pipelineOf(arr);
    if (await shardingOf(arr)) return undefined;
    const key = chunkKeyOf(arr, coords);
    const extent = chunkBox({ shape, chunkShape: stored }, coords).shape;
    const raw = { key, pipeline: pipelineRef(p.spec), chunkShape: [...stored], extent, fill: arr.meta.fill };
    // A directory store's chunk is read by the worker that decodes it: the main thread only plans.
    const file = await arr.store.localFile?.(key);
    return file ? { ...raw, file } : { ...raw, bytes: await arr.store.get(key) };
  };
  const source: ChunkSource = {
    shape: [...shape], dtype, chunkShape, name,
    rawChunk: sameGrid ? async (coords) => { chunkBox(source, coords); return storedRaw(coords); } : undefined,
    // Source chunks made of whole stored chunks: the stored chunks that tile each.
    rawParts: multiple ? async (coords) => {
      const box = chunkBox(source, coords);
      const parts = await Promise.all(tilingChunks(box, stored).map(async (t) => {
        const raw = await storedRaw(t.coords);
        return raw && { raw, start: t.start };
      }));
      return parts.every((p) => p !== undefined) ? { shape: box.shape, dtype, parts: parts as RawParts["parts"] } : undefined;
    } : undefined,
    async read(coords: readonly number[], ro: ChunkReadOptions = {}) {
      ro.signal?.throwIfAborted();
      const box = chunkBox(source, coords);
      const selection = box.start.map((s, d) => slice(s, s + box.shape[d]));
      return toShared(await get(arr, selection, { pool: ro.pool, signal: ro.signal }));
    },
  };
  return source;
}
