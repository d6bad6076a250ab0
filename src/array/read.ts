/**
 * Executing a read plan: every read-grid cell the plan touches is fetched by this thread
 * (I/O), then decoded by a pool thread straight into the shared result — into place when
 * the cell is a contiguous run of the result, else through the copy engine — or, for
 * variable-length dtypes and tiny jobs, decoded here. Missing cells read as the fill value.
 * @module
 */
import { decodeChunk } from "../codecs/pipeline.js";
import type { NDArray } from "../codecs/types.js";
import { allocate, bytesOf, isShared, isVariableLength, layoutOf, ownsBuffer, viewAs, type DataValues } from "../format/dtype.js";
import { copyRegion, fillRegion } from "../format/copy.js";
import { allocateFilled, product } from "../format/ndarray.js";
import { runTasks, type Progress } from "../runtime/executor.js";
import { pipelineRef } from "../runtime/pipeline-ref.js";
import { reviveError, type ErrorInfo } from "../runtime/task-result.js";
import { cacheObjectId, type ChunkCache } from "./chunk-cache.js";
import type { ChunkReader } from "./chunks.js";
import type { ZarrArray } from "./node.js";
import { contiguousRun, poolFor, selectsWholeChunk, type PoolChoice } from "./parallel.js";
import type { ChunkProjection, SelectionPlan } from "./selection-types.js";
import { SelectionError } from "../format/errors.js";

/** Options of reads. */
export interface ReadOptions extends PoolChoice {
  signal?: AbortSignal;
  /** Called after each chunk (read-grid cell) is done. */
  onProgress?: (p: Progress) => void;
  /** Cells in flight (being fetched or decoded); default twice the pool's threads, or 16 on this thread. */
  maxInFlight?: number;
  /** Decoded bytes of the cells in flight (default 256 MiB). */
  maxBytesInFlight?: number;
  /** Decoded-chunk cache to consult and fill (default the array's own, if it has one). */
  cache?: ChunkCache;
  /**
   * Write the result into this buffer instead of allocating one (reuse it across calls to
   * keep memory flat when streaming): same dtype, at least as many elements as the
   * selection; the result is a view of its first elements. Workers write into it directly
   * when it lives in a SharedArrayBuffer; otherwise the chunks are decoded on this thread.
   */
  out?: DataValues;
}

/** Largest in-memory result: typed arrays hold at most 2^32 elements on Node 20. */
export const MAX_RESULT_ELEMENTS = 2 ** 32 - 1;

/** Refuse in-memory results larger than one typed array holds, pointing to streaming. */
export function checkResultSize(arr: ZarrArray, plan: SelectionPlan): void {
  if (plan.count > MAX_RESULT_ELEMENTS)
    throw new SelectionError(`the selection has ${plan.count} elements, more than one typed array holds (${MAX_RESULT_ELEMENTS}); read it in pieces or stream it (zarrflow export)`, arr.path || "/");
}

function fillValueFor(arr: ZarrArray): unknown {
  const v = arr.meta.fill.value;
  if (v !== null && v !== undefined) return v;
  return arr.meta.dtype.kind === "string" ? "" : arr.meta.dtype.kind === "bytes" ? new Uint8Array(0) : null;
}

/** The first `count` elements of a caller's output buffer, checked against the array's dtype. */
function resultIn(arr: ZarrArray, out: DataValues, count: number): DataValues {
  const { dtype } = arr.meta;
  const where = arr.path || "/";
  if (Array.isArray(out) || isVariableLength(dtype)) throw new SelectionError("an output buffer can be given for fixed-size dtypes only", where);
  const { units, unitBytes } = layoutOf(dtype);
  const b = bytesOf(out as Exclude<DataValues, unknown[]>);
  const need = count * units * unitBytes;
  if (b.byteLength < need) throw new SelectionError(`the output buffer holds ${b.byteLength} bytes, the selection needs ${need}`, where);
  const view = viewAs(dtype, b.subarray(0, need));
  if (view.constructor !== allocate(dtype, 0).constructor) throw new SelectionError(`the output buffer does not hold ${JSON.stringify(dtype)} values`, where);
  return view;
}

/** Execute `plan` (made on `reader.chunkShape`) and return the selection's values. */
export async function readPlan(arr: ZarrArray, reader: ChunkReader, plan: SelectionPlan, opts: ReadOptions = {}): Promise<NDArray> {
  const { dtype } = arr.meta;
  checkResultSize(arr, plan);
  const { units, unitBytes } = layoutOf(dtype);
  const cellElements = product(reader.chunkShape);
  const given = opts.out && resultIn(arr, opts.out, plan.count);
  const pool = given && !isShared(given) ? undefined : poolFor(arr, plan.chunkCount, cellElements, opts);
  const out: DataValues = given ?? (pool ? viewAs(dtype, new Uint8Array(new SharedArrayBuffer(plan.count * units * unitBytes))) : allocate(dtype, plan.count));
  const copyUnits = Array.isArray(out) ? 1 : units;
  const fillUnit = Array.isArray(out) ? [fillValueFor(arr)] : arr.meta.fill.raw ? allocateFilled(dtype, 1, arr.meta.fill) : undefined;
  const cache = opts.cache ?? arr.cache;
  const ref = pool && pipelineRef(reader.pipeline.spec);
  const sharedOut = pool && { buffer: (out as unknown as { buffer: SharedArrayBuffer }).buffer, byteOffset: (out as unknown as { byteOffset: number }).byteOffset, dtype, shape: plan.outShape };
  const interior = (p: ChunkProjection) => p.extent.every((e, d) => e === reader.chunkShape[d]);

  const place = (chunk: NDArray, p: ChunkProjection) => copyRegion(chunk.data, plan.chunkView, p.chunkSel, out, plan.outShape, p.outSel, copyUnits);

  const readCell = async (p: ChunkProjection, signal: AbortSignal): Promise<void> => {
    const where = cache && reader.locate(p.chunkCoords);
    const object = where && cacheObjectId(arr.store, where.key);
    const hit = cache && cache.get(object!, where!.part);
    if (hit) return place(hit, p);
    const f = await reader.fetch(p.chunkCoords);
    signal.throwIfAborted();
    if (f === undefined) {
      if (fillUnit) fillRegion(out, plan.outShape, p.outSel, fillUnit);
      return;
    }
    if (!pool) {
      const chunk = await decodeChunk(reader.pipeline, f.bytes, f.key);
      if (cache) cache.set(object!, where!.part, chunk);
      return place(chunk, p);
    }
    // The stored bytes are copied to the worker, not transferred: a copy of compressed bytes is
    // cheap, and it lets the pool retry the task if its thread dies. A view into a larger
    // (coalesced) read is cut out first so only its own bytes are copied.
    const bytes = ownsBuffer(f.bytes) ? f.bytes : f.bytes.slice();
    if (cache) {
      const r = await pool.run("decode", { pipeline: ref!, bytes, key: f.key }, { signal });
      if (!(r instanceof Uint8Array)) throw reviveError((r as { error: ErrorInfo }).error, f.key);
      const chunk = { data: viewAs(dtype, r), shape: [...reader.chunkShape], dtype };
      cache.set(object!, where!.part, chunk);
      return place(chunk, p);
    }
    const direct = !p.flat && interior(p) && selectsWholeChunk(p.chunkSel, reader.chunkShape) ? contiguousRun(p.outSel, plan.outShape, reader.chunkShape) : undefined;
    const r = await pool.run("decodeInto", {
      pipeline: ref!, bytes, key: f.key, out: sharedOut!,
      chunkView: plan.chunkView, chunkSel: p.chunkSel, outSel: p.outSel, units, direct,
    }, { signal });
    if (!r.ok) throw reviveError(r.error, f.key);
  };

  const cellBytes = cellElements * units * unitBytes;
  await runTasks(plan.projections, readCell, {
    maxInFlight: opts.maxInFlight ?? (pool ? pool.threads * 2 : 16),
    maxBytesInFlight: opts.maxBytesInFlight ?? 256 * 2 ** 20,
    sizeOf: () => cellBytes,
    keyOf: (p) => reader.locate(p.chunkCoords).key,
    signal: opts.signal,
    onProgress: opts.onProgress,
    total: plan.chunkCount,
  });
  return { data: out, shape: plan.outShape, dtype };
}
