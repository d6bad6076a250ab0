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
import { MAX_RESULT_ELEMENTS } from "../array/read.js";
import { createArray, openArray, type CreateArrayOptions, type ZarrArray } from "../array/node.js";
import type { NDArray } from "../codecs/types.js";
import { copyRegion } from "../format/copy.js";
import { bytesOf, layoutOf, type DataValues } from "../format/dtype.js";
import { SelectionError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import { runTasks } from "../runtime/executor.js";
import { nowMs } from "../runtime/task-result.js";
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


/** The per-task plumbing of every computation (compute, toZarr, counts): callbacks, key naming, worker attribution. */
export function instrument(opts: ComputeOptions, total: number | undefined) {
  const cbs = opts.callbacks === undefined ? [] : Array.isArray(opts.callbacks) ? opts.callbacks : [opts.callbacks as ComputeCallbacks];
  let done = 0;
  const start = nowMs();
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
  const finish = (error?: unknown) => { for (const c of cbs) c.onFinish?.({ end: nowMs(), error }); };
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
    if (n > MAX_RESULT_ELEMENTS) throw new SelectionError(`the result has ${n} elements, more than one typed array holds; write it with toZarr instead`, x.name);
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

/** A target opened (or created) for `x`, with its journal of finished blocks. */
interface Prepared {
  arr: ZarrArray;
  store: Store;
  journalKey(c: readonly number[]): string;
  prefix: string;
  done: Set<string>;
}

async function prepare(x: ChunkSource, target: ZarrTarget, opts: ToZarrOptions): Promise<Prepared> {
  const create = (t: Exclude<ZarrTarget, ZarrArray>) => createArray(t.store, t.path, { ...t.options, shape: [...x.shape], dtype: x.dtype, chunks: t.options?.chunks ?? [...x.chunkShape] });
  let arr: ZarrArray;
  if ("kind" in target) arr = target;
  else if (opts.resume) arr = await openArray(target.store, target.path).catch(() => create(target));
  else arr = await create(target);
  if (String(arr.meta.shape) !== String(x.shape)) throw new SelectionError(`target shape [${String(arr.meta.shape)}] differs from [${String(x.shape)}]`, arr.path);
  if (String(arr.meta.chunkShape) !== String(x.chunkShape)) throw new SelectionError(`target chunks (shards) [${String(arr.meta.chunkShape)}] differ from the blocks [${String(x.chunkShape)}]; rechunk first`, arr.path);
  const store = arr.store as Store;
  const prefix = `${arr.path ? arr.path + "/" : ""}${JOURNAL}/`;
  const done = new Set<string>();
  if (opts.resume) for await (const k of store.list(prefix)) done.add(k);
  return { arr, store, prefix, done, journalKey: (c) => `${prefix}${c.join(".")}` };
}

/**
 * Compute `x` and write it to a Zarr array chunk-parallel (v2 or v3, any codec): one task
 * per block; block and chunk (or shard) shapes must match so every write is a whole chunk
 * (for sharded arrays, one task per shard).
 */
export async function toZarr(x: ChunkSource, target: ZarrTarget, opts: ToZarrOptions = {}): Promise<ZarrArray> {
  return (await store([[x, target]], opts))[0];
}

/**
 * Write several arrays in one pass (dask's `store`): arrays with the same shape and chunks
 * are evaluated block by block together, so inputs they share are read once per block.
 * Each target keeps its own resume journal.
 */
export async function store(pairs: readonly (readonly [ChunkSource, ZarrTarget])[], opts: ToZarrOptions = {}): Promise<ZarrArray[]> {
  if (pairs.length === 0) return [];
  const [g] = pairs[0];
  if (!pairs.every(([x]) => String(x.shape) === String(g.shape) && String(x.chunkShape) === String(g.chunkShape))) {
    const out: ZarrArray[] = [];
    for (const pair of pairs) out.push(...(await store([pair], opts)));
    return out;
  }
  const targets = await Promise.all(pairs.map(([x, t]) => prepare(x, t, opts)));
  const xs = pairs.map(([x]) => x);
  const label = `store-${xs.map((x) => (isLazy(x) ? x.label : "read")).join("+")}`;
  const pending = (c: readonly number[]) => targets.flatMap((t, i) => (t.done.has(t.journalKey(c)) ? [] : [i]));
  const todo = function* () { for (const c of chunkCoords(g)) if (pending(c).length) yield c; };
  const remaining = Math.max(0, chunkCount(g) - Math.min(...targets.map((t) => t.done.size)));
  const run = instrument(opts, Math.round(xs.reduce((n, x) => n + taskEstimate(x), 0) * (remaining / Math.max(1, chunkCount(g)))));
  try {
    await runTasks(todo(), async (c, signal) => {
      const which = pending(c);
      const blocks = await evaluatePlans(which.map((i) => planOf(xs[i], c)), blockKey(label, c), run.context(signal));
      const box = chunkBox(g, c);
      const sel = box.start.map((s, d) => ({ start: s, stop: s + box.shape[d] }));
      await Promise.all(which.map(async (i, k) => {
        const t = targets[i];
        await set(t.arr, sel, blocks[k], { pool: opts.scheduler === "sync" ? null : opts.pool, signal });
        await t.store.set(t.journalKey(c), new Uint8Array(0)); // only after the chunk landed
      }));
    }, { maxInFlight: inFlight(opts), signal: opts.signal, keyOf: (c) => blockKey(label, c) });
  } catch (e) {
    run.finish(e);
    throw e;
  }
  // Complete: the journals have served their purpose.
  for (const t of targets) for await (const k of t.store.list(t.prefix)) await t.store.delete(k);
  run.finish();
  return targets.map((t) => t.arr);
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
