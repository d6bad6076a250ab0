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

/** Stored bytes of one read-grid cell and the key errors name. */
export interface FetchedChunk {
  bytes: Uint8Array;
  key: string;
}

/**
 * A reader of the array's *read grid*: inner chunks for sharded arrays (each fetched with
 * ranged reads; shard indexes cached for the reader's lifetime; ranges of neighbouring inner
 * chunks requested together are coalesced into one read), chunks otherwise.
 */
export interface ChunkReader {
  /** Shape of one read-grid cell. */
  chunkShape: number[];
  /** The pipeline that decodes a cell's bytes (the inner pipeline of a shard). */
  pipeline: Pipeline;
  /** Where a cell is stored: the store key (of the chunk or its shard) and the part of it ("" or the inner coordinates). */
  locate(coords: readonly number[]): { key: string; part: string };
  /** The stored bytes of a cell; undefined when it is not stored. */
  fetch(coords: readonly number[]): Promise<FetchedChunk | undefined>;
  /** Fetch and decode a cell. */
  read(coords: readonly number[]): Promise<NDArray | undefined>;
}

/** Neighbouring inner-chunk ranges closer than this are read as one (the gap bytes are read and dropped). */
const COALESCE_GAP = 64 * 1024;
/** A coalesced read never exceeds this, so one request stays a bounded allocation. */
const COALESCE_MAX = 64 * 2 ** 20;

/** Make a {@link ChunkReader} for `arr`. */
export async function chunkReader(arr: ZarrArray): Promise<ChunkReader> {
  const pipeline = await pipelineOf(arr);
  const shard = await shardingOf(arr);
  if (!shard) {
    const fetch = async (c: readonly number[]): Promise<FetchedChunk | undefined> => {
      const key = chunkKeyOf(arr, c);
      const bytes = await arr.store.get(key);
      return bytes === undefined ? undefined : { bytes, key };
    };
    return { chunkShape: arr.meta.chunkShape, pipeline, fetch, read: (c) => readChunk(arr, c), locate: (c) => ({ key: chunkKeyOf(arr, c), part: "" }) };
  }
  const indexes = new Map<string, Promise<BigUint64Array | undefined>>();
  const loadIndex = async (key: string): Promise<BigUint64Array | undefined> => {
    const range = shard.indexLocation === "end" ? { suffix: shard.indexSize } : { offset: 0, length: shard.indexSize };
    const b = await arr.store.get(key, range);
    if (b === undefined) return undefined;
    if (b.length !== shard.indexSize) throw new ChunkError(`shard index read returned ${b.length} bytes, expected ${shard.indexSize} (truncated shard?)`, key);
    return shard.decodeIndex(b, key);
  };
  const ranged = coalescingReader(arr);
  const locate = (coords: readonly number[]) => ({
    key: chunkKeyOf(arr, coords.map((c, d) => Math.floor(c / shard.chunksPerShard[d]))),
    part: coords.join(","),
  });
  const fetch = async (coords: readonly number[]): Promise<FetchedChunk | undefined> => {
    const { key } = locate(coords);
    let ip = indexes.get(key);
    if (!ip) { ip = loadIndex(key); indexes.set(key, ip); }
    const index = await ip;
    if (!index) return undefined;
    let i = 0;
    for (let d = 0; d < coords.length; d++) i = i * shard.chunksPerShard[d] + (coords[d] % shard.chunksPerShard[d]);
    const off = index[2 * i], nb = index[2 * i + 1];
    if (off === MISSING && nb === MISSING) return undefined;
    if (nb > 0xffffffffn || off > BigInt(Number.MAX_SAFE_INTEGER)) throw new ChunkError(`inner chunk ${coords} has an impossible index entry (${off}, ${nb})`, key);
    const bytes = await ranged(key, Number(off), Number(nb));
    if (bytes === undefined || bytes.length !== Number(nb)) throw new ChunkError(`inner chunk ${coords} at ${off}+${nb} lies outside the shard`, key);
    return { bytes, key: `${key}[inner ${coords.join(",")}]` };
  };
  const read = async (coords: readonly number[]): Promise<NDArray | undefined> => {
    const f = await fetch(coords);
    return f && decodeChunk(shard.inner, f.bytes, f.key);
  };
  return { chunkShape: shard.innerShape, pipeline: shard.inner, fetch, read, locate };
}

interface RangeRequest {
  offset: number;
  length: number;
  resolve(b: Uint8Array | undefined): void;
  reject(e: unknown): void;
}

/**
 * Ranged reads of one array's shards, batched: requests made in the same turn of the event
 * loop for the same key are sorted and merged when they are neighbours (gap <=
 * {@link COALESCE_GAP}), then served as views of the merged reads.
 */
function coalescingReader(arr: ZarrArray): (key: string, offset: number, length: number) => Promise<Uint8Array | undefined> {
  const pending = new Map<string, RangeRequest[]>();
  const flush = (key: string) => {
    const reqs = pending.get(key)!;
    pending.delete(key);
    reqs.sort((a, b) => a.offset - b.offset);
    for (let i = 0; i < reqs.length;) {
      let j = i + 1;
      let end = reqs[i].offset + reqs[i].length;
      while (j < reqs.length && reqs[j].offset - end <= COALESCE_GAP && Math.max(end, reqs[j].offset + reqs[j].length) - reqs[i].offset <= COALESCE_MAX) {
        end = Math.max(end, reqs[j].offset + reqs[j].length);
        j++;
      }
      const group = reqs.slice(i, j);
      const start = group[0].offset;
      arr.store.get(key, { offset: start, length: end - start }).then(
        (b) => {
          for (const r of group) {
            const lo = r.offset - start;
            r.resolve(b === undefined || b.length < lo + r.length ? b && b.subarray(Math.min(lo, b.length)) : b.subarray(lo, lo + r.length));
          }
        },
        (e) => { for (const r of group) r.reject(e); },
      );
      i = j;
    }
  };
  return (key, offset, length) => new Promise((resolve, reject) => {
    let list = pending.get(key);
    if (!list) {
      list = [];
      pending.set(key, list);
      setImmediate(() => flush(key));
    }
    list.push({ offset, length, resolve, reject });
  });
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
