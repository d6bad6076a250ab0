/**
 * The scheduler: turns lazy arrays into results. Every output block is one task on the
 * runtime's executor (no second executor): its fused plan is evaluated in a worker, the
 * result lands in the output (an in-memory array, or a Zarr array chunk) and is dropped, so
 * peak memory is the tasks in flight × block size, whatever the array's length. Several
 * outputs computed together read their shared inputs once per block. Progress, profilers
 * and cancellation come through the options; errors name the task and the block.
 * @module
 */
import { set } from "../array/access.js";
import { createArray, openArray, type CreateArrayOptions, type ZarrArray } from "../array/node.js";
import type { NDArray } from "../codecs/types.js";
import { copyRegion } from "../format/copy.js";
import { bytesOf, layoutOf, type DataValues } from "../format/dtype.js";
import { SelectionError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import { runTasks } from "../runtime/executor.js";
import type { ChunkPool } from "../runtime/pool.js";
import type { Store } from "../stores/types.js";
import { allocateShared, chunkBox, chunkCoords, chunkCount, type ChunkSource } from "../sources/types.js";
import type { ComputeCallbacks, TaskEvent } from "../diagnostics/profiler.js";
import { blockKey, evaluatePlans, isLazy, planOf, taskEstimate, type EvalContext } from "./lazy.js";

/** Options of {@link compute}, {@link computeMany} and {@link toZarr}. */
export interface ComputeOptions {
  pool?: ChunkPool;
  /** `"sync"` runs every kernel on this thread, one task at a time (debugging; same results). */
  scheduler?: "pool" | "sync";
  signal?: AbortSignal;
  /** Progress bars, profilers (src/diagnostics): told about the start, every task, the end. */
  callbacks?: ComputeCallbacks | readonly ComputeCallbacks[];
  /** Blocks in flight (default twice the pool's threads, at least 4; 1 with the sync scheduler). */
  maxInFlight?: number;
}

const now = () => performance.timeOrigin + performance.now();

/** The per-task plumbing of every computation (compute, toZarr, counts): callbacks, key naming, worker attribution. */
export function instrument(opts: ComputeOptions, total: number | undefined) {
  const cbs = opts.callbacks === undefined ? [] : Array.isArray(opts.callbacks) ? opts.callbacks : [opts.callbacks as ComputeCallbacks];
  let done = 0;
  const start = now();
  for (const c of cbs) c.onStart?.({ total, start });
  const ended = (e: TaskEvent) => {
    done++;
    for (const c of cbs) c.onTaskEnd?.(e, { done, total });
  };
  /** A context for one task that reports where it ran (nested tasks of reductions report too). */
  const context = (signal: AbortSignal): EvalContext => ({
    pool: opts.pool, signal, scheduler: opts.scheduler,
    onRun: (r, key) => ended({ key, start: r.start, end: r.end, worker: r.thread === 0 ? "main" : r.thread }),
  });
  const finish = (error?: unknown) => { for (const c of cbs) c.onFinish?.({ end: now(), error }); };
  return { context, finish, ended, get done() { return done; } };
}

function inFlight(opts: ComputeOptions): number {
  if (opts.scheduler === "sync") return 1;
  return opts.maxInFlight ?? Math.max(4, (opts.pool?.threads ?? 2) * 2);
}

/** Compute `x` into an in-memory NDArray (shared memory). */
export async function compute(x: ChunkSource, opts: ComputeOptions = {}): Promise<NDArray> {
  const [r] = await computeMany([x], opts);
  return r;
}

/**
 * Compute several arrays in one pass. Arrays with the same shape and chunks are evaluated
 * block by block together, so inputs they share are read (and shared intermediate results
 * computed) once per block.
 */
export async function computeMany(xs: readonly ChunkSource[], opts: ComputeOptions = {}): Promise<NDArray[]> {
  if (xs.length === 0) return [];
  const [g] = xs;
  const together = xs.every((x) => String(x.shape) === String(g.shape) && String(x.chunkShape) === String(g.chunkShape));
  if (!together) {
    const out: NDArray[] = [];
    for (const x of xs) out.push((await computeMany([x], opts))[0]);
    return out;
  }
  const outs = xs.map((x) => {
    const n = product(x.shape);
    if (n > 2 ** 32 - 1) throw new SelectionError(`the result has ${n} elements, more than one typed array holds; write it with toZarr instead`, x.name);
    return { data: allocateShared(x.dtype, n), shape: [...x.shape], dtype: x.dtype } as NDArray;
  });
  const label = xs.map((x) => (isLazy(x) ? x.label : "read")).join("+");
  const run = instrument(opts, xs.reduce((n, x) => n + taskEstimate(x), 0));
  try {
    await runTasks(chunkCoords(g), async (c, signal) => {
      const blocks = await evaluatePlans(xs.map((x) => planOf(x, c)), blockKey(label, c), run.context(signal));
      const box = chunkBox(g, c);
      blocks.forEach((b, i) => place(b, outs[i], box, xs[i].name));
    }, { maxInFlight: inFlight(opts), signal: opts.signal, keyOf: (c) => blockKey(label, c) });
  } catch (e) {
    run.finish(e);
    throw e;
  }
  run.finish();
  return outs;
}

function place(block: NDArray, out: NDArray, box: { start: number[]; shape: number[] }, name: string): void {
  if (String(block.shape) !== String(box.shape)) throw new SelectionError(`a block has shape [${String(block.shape)}], its place in the grid [${String(box.shape)}]`, name);
  if (block.dtype.kind !== out.dtype.kind) throw new SelectionError(`a block has dtype ${block.dtype.kind}, the array ${out.dtype.kind}`, name);
  const { units } = layoutOf(out.dtype);
  const all = box.shape.map((n) => ({ start: 0, step: 1, count: n }));
  const dst = box.start.map((s, d) => ({ start: s, step: 1, count: box.shape[d] }));
  copyRegion(block.data as DataValues, box.shape, all, out.data as DataValues, out.shape, dst, units);
}

/** Where {@link toZarr} writes: an existing array, or a new one to create. */
export type ZarrTarget = ZarrArray | { store: Store; path: string; options?: Omit<CreateArrayOptions, "shape" | "dtype" | "chunks"> & { chunks?: number[] } };

/** Options of {@link toZarr}. */
export interface ToZarrOptions extends ComputeOptions {
  /**
   * Skip blocks a previous, interrupted run finished: known from the journal (one marker key
   * per block, written after the block's chunk landed), not from chunk files existing.
   */
  resume?: boolean;
}

const JOURNAL = ".zarrflow-journal";

/**
 * Compute `x` and write it to a Zarr array chunk-parallel (v2 or v3, any codec): one task
 * per block; block and chunk (or shard) shapes must match so every write is a whole chunk.
 */
export async function toZarr(x: ChunkSource, target: ZarrTarget, opts: ToZarrOptions = {}): Promise<ZarrArray> {
  let arr: ZarrArray;
  if ("kind" in target) arr = target;
  else if (opts.resume) arr = await openArray(target.store, target.path).catch(() => createArray(target.store, target.path, { ...target.options, shape: [...x.shape], dtype: x.dtype, chunks: target.options?.chunks ?? [...x.chunkShape] }));
  else arr = await createArray(target.store, target.path, { ...target.options, shape: [...x.shape], dtype: x.dtype, chunks: target.options?.chunks ?? [...x.chunkShape] });
  const store = arr.store as Store;
  if (String(arr.meta.shape) !== String(x.shape)) throw new SelectionError(`target shape [${String(arr.meta.shape)}] differs from [${String(x.shape)}]`, arr.path);
  if (String(arr.meta.chunkShape) !== String(x.chunkShape)) throw new SelectionError(`target chunks (shards) [${String(arr.meta.chunkShape)}] differ from the blocks [${String(x.chunkShape)}]; rechunk first`, arr.path);
  const journal = (c: readonly number[]) => `${arr.path ? arr.path + "/" : ""}${JOURNAL}/${c.join(".")}`;
  const done = new Set<string>();
  if (opts.resume) for await (const k of store.list(`${arr.path ? arr.path + "/" : ""}${JOURNAL}/`)) done.add(k);
  const label = isLazy(x) ? `store-${x.label}` : "store";
  const todo = function* () { for (const c of chunkCoords(x)) if (!done.has(journal(c))) yield c; };
  const run = instrument(opts, taskEstimate(x) - done.size);
  try {
    await runTasks(todo(), async (c, signal) => {
      const ctx = run.context(signal);
      const [block] = await evaluatePlans([planOf(x, c)], blockKey(label, c), ctx);
      const box = chunkBox(x, c);
      await set(arr, box.start.map((s, d) => ({ start: s, stop: s + box.shape[d] })), block, { pool: opts.scheduler === "sync" ? null : opts.pool, signal });
      await store.set(journal(c), new Uint8Array(0));
    }, { maxInFlight: inFlight(opts), signal: opts.signal, keyOf: (c) => blockKey(label, c) });
  } catch (e) {
    run.finish(e);
    throw e;
  }
  // Complete: the journal has served its purpose.
  for await (const k of store.list(`${arr.path ? arr.path + "/" : ""}${JOURNAL}/`)) await store.delete(k);
  run.finish();
  return arr;
}

/** Compute `x` and keep the result in memory as a new lazy-array source (dask's persist). */
export async function persist(x: ChunkSource, opts: ComputeOptions = {}): Promise<ChunkSource> {
  const { memorySource } = await import("../sources/memory.js");
  const r = await compute(x, opts);
  return memorySource(r, x.chunkShape, { name: `persist(${x.name})` });
}

/** Bytes of an NDArray's data (for reports). */
export function nbytes(a: NDArray): number {
  return bytesOf(a.data as Exclude<DataValues, unknown[]>).byteLength;
}
