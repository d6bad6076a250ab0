/**
 * Parallel reads: the same results as `get` / `getPoints` (src/array/access.ts), with the
 * output in a SharedArrayBuffer and every stored chunk decoded and copied into it by a pool
 * thread. The main thread only plans, fetches bytes and fills missing chunks.
 *
 * This increment handles fixed-size dtypes on unsharded arrays; variable-length dtypes
 * (JS values cannot live in shared memory) and sharded arrays fall back to `get`.
 * @module
 */
import { checkResultSize, get, getPoints, type AccessOptions } from "../array/access.js";
import { chunkKeyOf, pipelineOf, shardingOf } from "../array/chunks.js";
import { fillRegion } from "../array/copy.js";
import type { ZarrArray } from "../array/node.js";
import { planPoints, planSelection } from "../array/selection.js";
import type { ChunkProjection, Selection, SelectionPlan } from "../array/selection-types.js";
import type { PipelineSpec } from "../codecs/pipeline.js";
import { locateCodec } from "../codecs/registry.js";
import type { NDArray } from "../codecs/types.js";
import { isVariableLength, layoutOf, viewAs } from "../format/dtype.js";
import { ChunkError, CodecError, UnsupportedError, ZarrError } from "../format/errors.js";
import { allocateFilled, product } from "../format/ndarray.js";
import { pipelineKey, type CodecEntry, type ErrorInfo, type PipelineRef } from "./chunk-worker.js";
import { runTasks, type Progress } from "./executor.js";
import { defaultPool, type ChunkPool } from "./pool.js";

/** Options of a parallel read. */
export interface ParallelReadOptions {
  /** Pool to run on (default: the process-wide {@link defaultPool}). */
  pool?: ChunkPool;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Chunks in flight (fetching or decoding; default twice the pool's threads, so I/O overlaps decoding). */
  maxInFlight?: number;
  /** Decoded bytes of the chunks in flight (default 512 MiB). */
  maxBytesInFlight?: number;
}

/** Read a basic or orthogonal selection in parallel; same result as `get(arr, selection)`. */
export async function getParallel(arr: ZarrArray, selection?: Selection, opts: ParallelReadOptions = {}): Promise<NDArray> {
  if (!(await parallelizable(arr))) return get(arr, selection, fallbackOptions(opts));
  return readPlanParallel(arr, planSelection(arr.meta.shape, arr.meta.chunkShape, selection), opts);
}

/** Read points (zarr's vindex) in parallel; same result as `getPoints(arr, coords)`. */
export async function getPointsParallel(arr: ZarrArray, coords: readonly (readonly number[] | ArrayLike<number>)[], opts: ParallelReadOptions = {}): Promise<NDArray> {
  if (!(await parallelizable(arr))) return getPoints(arr, coords, fallbackOptions(opts));
  return readPlanParallel(arr, planPoints(arr.meta.shape, arr.meta.chunkShape, coords as never), opts);
}

function fallbackOptions(opts: ParallelReadOptions): AccessOptions {
  return { signal: opts.signal, concurrency: opts.maxInFlight };
}

/** Fixed-size dtype and no sharding (building the pipeline here also validates the codecs). */
async function parallelizable(arr: ZarrArray): Promise<boolean> {
  if (isVariableLength(arr.meta.dtype)) return false;
  await pipelineOf(arr);
  return (await shardingOf(arr)) === undefined;
}

/** The pipeline as plain data plus the codec locations it uses (user-registered ones included). */
function pipelineRef(spec: PipelineSpec): PipelineRef {
  const entries = new Map<string, CodecEntry>();
  const add = (name: string, format: 2 | 3) => entries.set(`${format}:${name}`, [name, format, locateCodec(name, format, spec.key)]);
  add("bytes", 3); // the implicit serializer of v2 pipelines
  // v2 order "F" is a v3 transpose (see pipelineSpecOf).
  for (const c of spec.codecs) add(c.name, spec.zarrFormat === 2 && c.name === "transpose" ? 3 : spec.zarrFormat);
  const codecs = [...entries.values()];
  return { spec, codecs, key: pipelineKey(spec, codecs) };
}

/** Rebuild the typed error a worker reported (structured clone keeps neither class nor fields). */
function reviveError(info: ErrorInfo, chunkKey: string): ZarrError {
  const strip = (m: string, prefix?: string) => (prefix !== undefined && m.startsWith(`${prefix}: `) ? m.slice(prefix.length + 2) : m);
  let message = strip(info.message, info.key);
  let e: ZarrError;
  if (info.name === "CodecError" && info.codec !== undefined) {
    message = strip(message, `codec ${info.codec}`);
    e = new CodecError(info.codec, message, info.key ?? chunkKey);
  } else if (info.name === "UnsupportedError") e = new UnsupportedError("codec", message, info.key ?? chunkKey);
  else e = new ChunkError(message, info.key ?? chunkKey);
  if (info.stack) e.stack = `${e.name}: ${e.message}\n    [in worker] ${info.stack}`;
  return e;
}

/** Execute a selection plan on the pool, writing into a SharedArrayBuffer-backed result. */
export async function readPlanParallel(arr: ZarrArray, plan: SelectionPlan, opts: ParallelReadOptions = {}): Promise<NDArray> {
  const { dtype } = arr.meta;
  checkResultSize(arr, plan);
  const { units, unitBytes } = layoutOf(dtype);
  const buffer = new SharedArrayBuffer(plan.count * units * unitBytes);
  const out = viewAs(dtype, new Uint8Array(buffer));
  const fillUnit = arr.meta.fill.raw ? allocateFilled(dtype, 1, arr.meta.fill) : undefined;
  const ref = pipelineRef((await pipelineOf(arr)).spec);
  const pool = opts.pool ?? defaultPool();
  const sharedOut = { buffer, dtype, shape: plan.outShape };
  const chunkBytes = product(arr.meta.chunkShape) * units * unitBytes;

  await runTasks(plan.projections, async (p: ChunkProjection, signal) => {
    const key = chunkKeyOf(arr, p.chunkCoords);
    const stored = await arr.store.get(key);
    signal.throwIfAborted();
    if (stored === undefined) {
      if (fillUnit) fillRegion(out, plan.outShape, p.outSel, fillUnit);
      return;
    }
    // Transfer a buffer the view owns whole (stores hand out fresh buffers); copy out a view
    // into something larger rather than cloning all of it.
    const bytes = stored.byteOffset === 0 && stored.byteLength === stored.buffer.byteLength && stored.buffer instanceof ArrayBuffer ? stored : stored.slice();
    const r = await pool.run("decodeInto", {
      pipeline: ref, bytes, key, out: sharedOut,
      chunkView: plan.chunkView, chunkSel: p.chunkSel, outSel: p.outSel, units,
    }, { transferList: [bytes.buffer as ArrayBuffer], signal });
    if (!r.ok) throw reviveError(r.error, key);
  }, {
    maxInFlight: opts.maxInFlight ?? pool.threads * 2,
    maxBytesInFlight: opts.maxBytesInFlight ?? 512 * 2 ** 20,
    sizeOf: () => chunkBytes,
    keyOf: (p) => chunkKeyOf(arr, p.chunkCoords),
    signal: opts.signal,
    onProgress: opts.onProgress,
    total: plan.chunkCount,
  });
  return { data: out, shape: plan.outShape, dtype };
}
