/**
 * Chunk-level I/O of an array: keys, the codec pipeline, reading a chunk (or, for sharded
 * arrays, one inner chunk through ranged reads of the shard index and entry), writing a
 * chunk (not storing chunks that equal the fill value unless asked, deleting them when
 * overwritten with fill). Everything above (selections, CLI, the runtime) goes through here.
 * @module
 */
import { buildPipeline, decodeChunk, encodeChunk, pipelineSpecOf, type Pipeline } from "../codecs/pipeline.js";
import { MISSING, type ShardGeometry, type ShardingCodec } from "../codecs/sharding.js";
import type { NDArray } from "../codecs/types.js";
import { chunkKey } from "../format/chunk-key.js";
import { ChunkError, StoreError } from "../format/errors.js";
import { allocateFilled, isAllFill, product } from "../format/ndarray.js";
import { isWritable } from "../stores/types.js";
import { keyIn, type ZarrArray } from "./node.js";

/** The array's codec pipeline (built once per array object). */
export function pipelineOf(arr: ZarrArray): Promise<Pipeline> {
  arr.pipeline ??= buildPipeline(pipelineSpecOf(arr.meta, keyIn(arr.path, arr.meta.zarrFormat === 3 ? "zarr.json" : ".zarray")));
  return arr.pipeline;
}

/** Store key of the chunk (or shard) at grid coordinates `coords`. */
export function chunkKeyOf(arr: ZarrArray, coords: readonly number[]): string {
  return keyIn(arr.path, chunkKey(arr.meta.chunkKeyEncoding, coords));
}

/** Number of chunks (shards) along each dimension. */
export function gridShape(shape: readonly number[], chunkShape: readonly number[]): number[] {
  return shape.map((s, d) => Math.ceil(s / chunkShape[d]));
}

/** Sharding geometry when the array's serializer is `sharding_indexed`, else undefined. */
export async function shardingOf(arr: ZarrArray): Promise<ShardGeometry | undefined> {
  const p = await pipelineOf(arr);
  const c = p.arrayToBytes.codec as Partial<ShardingCodec>;
  return p.arrayToArray.length === 0 && c.name === "sharding_indexed" ? c.shard : undefined;
}

/** A freshly allocated chunk holding the fill value. */
export function fillChunk(arr: ZarrArray, shape: readonly number[]): NDArray {
  return { data: allocateFilled(arr.meta.dtype, product(shape), arr.meta.fill), shape: [...shape], dtype: arr.meta.dtype };
}

/** Read and decode the stored chunk (shard) at `coords`; undefined when it is not stored. */
export async function readChunk(arr: ZarrArray, coords: readonly number[], out?: NDArray): Promise<NDArray | undefined> {
  const key = chunkKeyOf(arr, coords);
  const bytes = await arr.store.get(key);
  if (bytes === undefined) return undefined;
  return decodeChunk(await pipelineOf(arr), bytes, key, out);
}

/**
 * A reader of the array's *read grid*: inner chunks for sharded arrays (each fetched with
 * ranged reads; shard indexes cached for the reader's lifetime), chunks otherwise.
 */
export interface ChunkReader {
  /** Shape of one read-grid cell. */
  chunkShape: number[];
  read(coords: readonly number[]): Promise<NDArray | undefined>;
}

/** Make a {@link ChunkReader} for `arr`. */
export async function chunkReader(arr: ZarrArray): Promise<ChunkReader> {
  const shard = await shardingOf(arr);
  if (!shard) return { chunkShape: arr.meta.chunkShape, read: (c) => readChunk(arr, c) };
  const indexes = new Map<string, Promise<BigUint64Array | undefined>>();
  const loadIndex = async (key: string): Promise<BigUint64Array | undefined> => {
    const range = shard.indexLocation === "end" ? { suffix: shard.indexSize } : { offset: 0, length: shard.indexSize };
    const b = await arr.store.get(key, range);
    if (b === undefined) return undefined;
    if (b.length !== shard.indexSize) throw new ChunkError(`shard index read returned ${b.length} bytes, expected ${shard.indexSize} (truncated shard?)`, key);
    return shard.decodeIndex(b, key);
  };
  const read = async (coords: readonly number[]): Promise<NDArray | undefined> => {
    const shardCoords = coords.map((c, d) => Math.floor(c / shard.chunksPerShard[d]));
    const key = chunkKeyOf(arr, shardCoords);
    let ip = indexes.get(key);
    if (!ip) { ip = loadIndex(key); indexes.set(key, ip); }
    const index = await ip;
    if (!index) return undefined;
    let i = 0;
    for (let d = 0; d < coords.length; d++) i = i * shard.chunksPerShard[d] + (coords[d] % shard.chunksPerShard[d]);
    const off = index[2 * i], nb = index[2 * i + 1];
    if (off === MISSING && nb === MISSING) return undefined;
    if (nb > 0xffffffffn || off > BigInt(Number.MAX_SAFE_INTEGER)) throw new ChunkError(`inner chunk ${coords} has an impossible index entry (${off}, ${nb})`, key);
    const b = await arr.store.get(key, { offset: Number(off), length: Number(nb) });
    if (b === undefined || b.length !== Number(nb)) throw new ChunkError(`inner chunk ${coords} at ${off}+${nb} lies outside the shard`, key);
    return decodeChunk(shard.inner, b, `${key}[inner ${coords.join(",")}]`);
  };
  return { chunkShape: shard.innerShape, read };
}

/**
 * Encode and store a whole chunk (shard) at `coords` (`chunk` has the full chunk shape,
 * edge chunks included). Chunks equal to the fill value are deleted instead of stored
 * unless `arr.writeEmptyChunks`.
 */
export async function writeChunk(arr: ZarrArray, coords: readonly number[], chunk: NDArray): Promise<void> {
  const store = arr.store;
  if (!isWritable(store)) throw new StoreError("store is read-only", store.url);
  const key = chunkKeyOf(arr, coords);
  if (!arr.writeEmptyChunks && isAllFill(arr.meta.dtype, chunk.data, arr.meta.fill)) {
    await store.delete(key);
    return;
  }
  await store.set(key, await encodeChunk(await pipelineOf(arr), chunk, key));
}
