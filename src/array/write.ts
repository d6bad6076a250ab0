/**
 * Executing a write plan, chunk (shard) by chunk: a write that covers a whole chunk builds
 * it from the value and encodes it — no read; in place from shared memory when the chunk is
 * a contiguous run of a SharedArrayBuffer-backed value — while a partial write reads,
 * decodes, modifies and re-encodes the stored chunk (read-modify-write). Encoding and
 * decoding run on the pool for fixed-size dtypes; this thread plans, copies and does I/O.
 *
 * Read-modify-write of one key never interleaves with another write of that key in this
 * process (an in-process lock per store key, per shard for sharded arrays); across
 * processes only with a `synchronizer` (see synchronizer.ts), and whole-chunk writes need
 * none: align writes to chunks.
 * @module
 */
import { decodeChunk } from "../codecs/pipeline.js";
import type { NDArray } from "../codecs/types.js";
import { copyRegion, fillRegion } from "../format/copy.js";
import { bytesOf, isShared, layoutOf, viewAs, type DataValues } from "../format/dtype.js";
import { StoreError } from "../format/errors.js";
import { allocateFilled, product } from "../format/ndarray.js";
import { isWritable } from "../stores/types.js";
import { perPlace } from "../stores/place.js";
import { runTasks, type Progress } from "../runtime/executor.js";
import { pipelineRef } from "../runtime/pipeline-ref.js";
import { keyedMutex, type Release, type Synchronizer } from "../runtime/synchronizer.js";
import { reviveError, type ErrorInfo, type TaskResult } from "../runtime/task-result.js";
import type { SharedOutput } from "../runtime/chunk-worker.js";
import { cacheObjectId } from "./chunk-cache.js";
import { chunkKeyOf, fillChunk, pipelineOf, writeChunk } from "./chunks.js";
import type { ZarrArray } from "./node.js";
import { contiguousRun, poolFor, type PoolChoice } from "./parallel.js";
import { isWholeChunk } from "./selection.js";
import type { ChunkProjection, SelectionPlan } from "./selection-types.js";

/** Options of writes. */
export interface WriteOptions extends PoolChoice {
  signal?: AbortSignal;
  /** Called after each chunk is stored. */
  onProgress?: (p: Progress) => void;
  /** Chunks in flight; default twice the pool's threads, or 16 on this thread. */
  maxInFlight?: number;
  /** Decoded bytes of the chunks in flight (default 256 MiB). */
  maxBytesInFlight?: number;
  /** Lock provider for read-modify-write across processes (default the array's own). */
  synchronizer?: Synchronizer;
}

/** What to write: element data laid out as the selection's output (`data`), or one element broadcast (`unit`). */
export type WriteSource = { data: DataValues; unit?: undefined } | { unit: DataValues; data?: undefined };

// One in-process lock table per store place (two objects on one directory share it).
const localLock = perPlace(keyedMutex);

/** A shared value as the workers see it. */
function sharedSource(data: DataValues, dtype: NDArray["dtype"], shape: number[]): SharedOutput {
  const b = bytesOf(data as Exclude<DataValues, unknown[]>);
  return { buffer: b.buffer as SharedArrayBuffer, byteOffset: b.byteOffset, dtype, shape };
}


/** Execute `plan` (made on the array's chunk grid) writing `source`. */
export async function writePlan(arr: ZarrArray, plan: SelectionPlan, source: WriteSource, opts: WriteOptions = {}): Promise<void> {
  const store = arr.store;
  if (!isWritable(store)) throw new StoreError("store is read-only", store.url);
  const { dtype } = arr.meta;
  const { units, unitBytes } = layoutOf(dtype);
  const chunkShape = arr.meta.chunkShape;
  const chunkElements = product(chunkShape);
  const copyUnits = unitBytes === 0 ? 1 : units;
  const pool = poolFor(arr, plan.chunkCount, chunkElements, opts);
  const pipeline = await pipelineOf(arr);
  const ref = pool && pipelineRef(pipeline.spec);
  const local = localLock(store);
  const remote = opts.synchronizer ?? arr.synchronizer;
  const cache = arr.cache;
  const interior = (p: ChunkProjection) => p.extent.every((e, d) => e === chunkShape[d]);
  // On the pool, a value in shared memory is read by the workers themselves. A value that is
  // not shared is copied here chunk by chunk instead: copying it whole into a fresh
  // SharedArrayBuffer first costs more than that (measured: first-touch page faults of the
  // new buffer alone took longer than all the per-chunk copies).
  const shared = pool && source.data && isShared(source.data) ? sharedSource(source.data, dtype, plan.outShape) : undefined;

  // On the pool, chunk buffers live in shared memory: workers decode into them and encode
  // from them without copies or transfers, so a task whose thread dies can be retried.
  // Shared chunk buffers are recycled once their chunk is stored: a fresh SharedArrayBuffer
  // costs first-touch page faults every time (measured to dominate big writes).
  const spare: DataValues[] = [];
  const newChunk = (covered = false): NDArray => {
    if (!pool) return fillChunk(arr, chunkShape);
    const data = spare.pop() ?? viewAs(dtype, new Uint8Array(new SharedArrayBuffer(chunkElements * units * unitBytes)));
    if (!covered) {
      if (arr.meta.fill.raw) fillRegion(data, [chunkElements], null, allocateFilled(dtype, 1, arr.meta.fill));
      else bytesOf(data as Exclude<DataValues, unknown[]>).fill(0);
    }
    return { data, shape: [...chunkShape], dtype };
  };
  const recycle = (chunk: NDArray) => { if (pool && spare.length < 64) spare.push(chunk.data as DataValues); };
  const decode = async (bytes: Uint8Array, key: string): Promise<NDArray> => {
    if (!pool) return decodeChunk(pipeline, bytes, key);
    const chunk = newChunk();
    const buffer = (chunk.data as unknown as { buffer: SharedArrayBuffer }).buffer;
    const all = chunkShape.map((n) => ({ start: 0, step: 1, count: n }));
    const r = await pool.run("decodeInto", {
      pipeline: ref!, bytes, key, out: { buffer, dtype, shape: [...chunkShape] },
      chunkView: [...chunkShape], chunkSel: all, outSel: all, units, direct: 0,
    });
    if (!r.ok) throw reviveError(r.error, key);
    return chunk;
  };

  /** Store what an encoding task returned: bytes, or null for a chunk of only the fill value. */
  const land = async (key: string, r: Uint8Array | null | TaskResult<never>): Promise<void> => {
    if (r === null) await store.delete(key);
    else if (r instanceof Uint8Array) await store.set(key, r);
    else throw reviveError((r as { error: ErrorInfo }).error, key);
  };
  const store1 = async (chunk: NDArray, key: string, p: ChunkProjection): Promise<void> => {
    if (!pool) return writeChunk(arr, p.chunkCoords, chunk);
    const data = bytesOf(chunk.data as Exclude<DataValues, unknown[]>);
    await land(key, await pool.run("encode", {
      pipeline: ref!, data, shape: [...chunkShape], key,
      fill: arr.writeEmptyChunks ? undefined : arr.meta.fill,
    }));
  };

  const writeCell = async (p: ChunkProjection): Promise<void> => {
    const key = chunkKeyOf(arr, p.chunkCoords);
    const whole = isWholeChunk(p, chunkShape);
    const releases: Release[] = [await local.lock(key)];
    try {
      if (remote && !whole) releases.push(await remote.lock(key));
      // Zero-copy: a whole interior chunk that is one contiguous run of a shared value is encoded in place.
      const run = shared && whole && !p.flat && interior(p) ? contiguousRun(p.outSel, plan.outShape, chunkShape) : undefined;
      if (run !== undefined) {
        const view = new Uint8Array(shared!.buffer, (shared!.byteOffset ?? 0) + run * units * unitBytes, chunkElements * units * unitBytes);
        await store1({ data: viewAs(dtype, view), shape: [...chunkShape], dtype }, key, p);
      } else if (pool && (shared || source.unit)) {
        // The worker builds the chunk (decode, copy the region from shared memory, encode):
        // this thread only reads and writes bytes.
        const existing = whole ? undefined : await store.get(key);
        await land(key, await pool.run("encodeRegion", {
          pipeline: ref!, key, shape: [...chunkShape], existing, fillValue: arr.meta.fill,
          source: shared, unit: source.unit && bytesOf(source.unit as Exclude<DataValues, unknown[]>).slice(),
          srcSel: p.outSel, chunkSel: p.chunkSel, chunkView: plan.chunkView, units, skipFill: !arr.writeEmptyChunks,
        }));
      } else {
        let chunk: NDArray;
        if (whole) chunk = newChunk(interior(p)); // an interior whole chunk is overwritten entirely
        else {
          const stored = await store.get(key);
          chunk = stored === undefined ? newChunk() : await decode(stored, key);
        }
        if (source.data) copyRegion(source.data, plan.outShape, p.outSel, chunk.data, plan.chunkView, p.chunkSel, copyUnits);
        else fillRegion(chunk.data, plan.chunkView, p.chunkSel, source.unit);
        await store1(chunk, key, p);
        recycle(chunk);
      }
      if (cache) cache.invalidate(cacheObjectId(store, key));
    } finally {
      for (const r of releases.reverse()) await r();
    }
  };

  const cellBytes = chunkElements * Math.max(1, units * unitBytes);
  await runTasks(plan.projections, (p, signal) => {
    signal.throwIfAborted();
    return writeCell(p);
  }, {
    maxInFlight: opts.maxInFlight ?? (pool ? pool.threads * 2 : 16),
    maxBytesInFlight: opts.maxBytesInFlight ?? 256 * 2 ** 20,
    sizeOf: () => cellBytes,
    keyOf: (p) => chunkKeyOf(arr, p.chunkCoords),
    signal: opts.signal,
    onProgress: opts.onProgress,
    total: plan.chunkCount,
  });
}
