/**
 * Lazy chunked arrays (what dask.array is to numpy): an array that knows its shape, dtype
 * and chunk grid, and how to make any one block — nothing is computed until a block is
 * read. A lazy array is itself a {@link ChunkSource}, so every consumer of sources (compute,
 * genomics, toZarr) takes lazy arrays, Zarr arrays, HDF5 datasets and memory alike.
 *
 * Blockwise arrays carry a plan per block (plan.ts) that inlines their inputs' plans, so a
 * chain of operations runs as one fused task per block; arrays that are not blockwise
 * (reductions) are sources whose `read` runs their own sub-computation.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import type { DataType } from "../format/dtype.js";
import { SelectionError } from "../format/errors.js";
import type { ZarrArray } from "../array/node.js";
import { siblingKernel, type KernelRef } from "../runtime/kernel-task.js";
import { defaultPool, type ChunkPool } from "../runtime/pool.js";
import { nowMs } from "../runtime/task-result.js";
import { memorySource } from "../sources/memory.js";
import { chunkBox, checkCoords, chunkCoords, chunkCount, type ChunkReadOptions, type ChunkSource } from "../sources/types.js";
import { zarrSource } from "../sources/zarr.js";
import { toProgram, type BlockPlan, type ProgramArgs } from "./plan.js";
import { runProgram } from "./program-kernel.js";

/** A lazy chunked array. */
export interface LazyArray extends ChunkSource {
  readonly lazy: true;
  /** Operation name, used in task keys ("add", "sum", "read"...). */
  readonly label: string;
  /** The plan of block `coords` (grid coordinates). */
  plan(coords: readonly number[]): BlockPlan;
}

/** Where blocks are evaluated while reading a lazy array. */
export interface EvalContext extends ChunkReadOptions {
  /** `"sync"`: kernels run on the calling thread (debugging); default: on the pool. */
  scheduler?: "pool" | "sync";
  /** Told where (thread id; 0 = this thread) and when each task ran, with its key. */
  onRun?: (run: { thread: number; start: number; end: number }, key: string) => void;
}

/** Sources that run tasks of their own when read (reductions) say how many, for progress totals. */
export interface CountedSource extends ChunkSource {
  /** Tasks one full evaluation runs. */
  tasks: number;
}

/** The program kernel every fused block task runs. */
export const PROGRAM_KERNEL = siblingKernel(import.meta.url, "./program-kernel", "runProgram");

let nextId = 0;

/** Evaluate several block plans together: shared leaves are read once, shared nodes computed once, all in one task. */
export async function evaluatePlans(plans: readonly BlockPlan[], key: string, ctx: EvalContext = {}): Promise<NDArray[]> {
  const { trees, loads } = toProgram(plans);
  const t0 = nowMs();
  const computes = !trees.every((t) => "leaf" in t);
  // When a kernel runs anyway, chunks stored as one object each travel as bytes and are
  // decoded in that same worker task (no shared block buffer, no second round trip).
  // Sources whose reads are worker work anyway (HDF5) read the block in that task too.
  const inTask = computes && ctx.scheduler !== "sync";
  const leaves: ProgramArgs["leaves"] = await Promise.all(loads.map(async (l) => {
    const raw = inTask && l.source.rawChunk ? await l.source.rawChunk(l.coords) : undefined;
    if (raw) return { raw };
    const parts = inTask && l.source.rawParts ? await l.source.rawParts(l.coords) : undefined;
    if (parts) return { parts };
    if (inTask && l.source.leafTask) return { task: l.source.leafTask(l.coords) };
    return l.source.read(l.coords, ctx);
  }));
  // A task that only reads is still a task (its decoding ran on the pool through the source).
  if (!computes) {
    // Reading a reduction's cell only waits for the reduction's own tasks, which report themselves.
    if (!loads.some((l) => "tasks" in l.source)) ctx.onRun?.({ thread: 0, start: t0, end: nowMs() }, key);
    return trees.map((t) => leaves[(t as { leaf: number }).leaf] as NDArray);
  }
  ctx.signal?.throwIfAborted();
  if (ctx.scheduler === "sync") {
    const start = nowMs();
    const out = (await runProgram({ trees, leaves })) as NDArray[];
    ctx.onRun?.({ thread: 0, start, end: nowMs() }, key);
    return out;
  }
  const pool: ChunkPool = ctx.pool ?? defaultPool();
  return pool.kernel<NDArray[]>(PROGRAM_KERNEL, { trees, leaves }, { key, signal: ctx.signal, onRun: (r) => ctx.onRun?.(r, key) });
}

/** Task key of block `coords` of an array labelled `label`. */
export function blockKey(label: string, coords: readonly number[]): string {
  return `${label} (${coords.join(", ")})`;
}

/** Make a lazy array from its geometry and a per-block plan; `name` (for messages) defaults to the label and a counter. */
export function lazyArray(geometry: { shape: readonly number[]; dtype: DataType; chunkShape: readonly number[] }, label: string, plan: (coords: readonly number[]) => BlockPlan, name = `${label}-${nextId++}`): LazyArray {
  const self: LazyArray = {
    lazy: true,
    label,
    name,
    shape: [...geometry.shape],
    dtype: geometry.dtype,
    chunkShape: [...geometry.chunkShape],
    plan: (coords) => {
      checkCoords(self, coords);
      return plan(coords);
    },
    async read(coords, opts = {}) {
      const [block] = await evaluatePlans([self.plan(coords)], blockKey(label, coords), opts as EvalContext);
      return block;
    },
  };
  return self;
}

/** True for lazy arrays (as opposed to plain sources). */
export function isLazy(x: unknown): x is LazyArray {
  return typeof x === "object" && x !== null && (x as { lazy?: unknown }).lazy === true;
}

/** The plan of block `coords` of any source: inlined for lazy arrays, a load otherwise. */
export function planOf(x: ChunkSource, coords: readonly number[]): BlockPlan {
  return isLazy(x) ? x.plan(coords) : { kind: "load", source: x, coords: [...coords] };
}

/** Tasks one evaluation of `x` runs: its blocks, plus those of reductions its blocks load (run once each). */
export function taskEstimate(x: ChunkSource): number {
  if (!isLazy(x)) return chunkCount(x);
  const counted = new Set<CountedSource>();
  const first = [...chunkCoords(x)][0];
  const walk = (p: BlockPlan) => {
    if (p.kind === "load") { if ("tasks" in p.source) counted.add(p.source as CountedSource); }
    else if (p.kind === "call") Object.values(p.inputs).forEach(walk);
  };
  const plan = first && x.plan(first);
  if (plan) walk(plan);
  // Blocks that only read a reduction's cells are not tasks of their own (see evaluatePlans).
  let n = plan && plan.kind === "load" && "tasks" in plan.source ? 0 : chunkCount(x);
  for (const s of counted) n += s.tasks;
  return n;
}

/** Options of {@link fromSource}. */
export interface FromOptions {
  /** Chunk shape (default: the source's own; for memory data, row blocks of ~16 MiB). */
  chunks?: readonly number[];
}

/**
 * A lazy array over a chunk source, a Zarr array or an in-memory NDArray.
 * @example const gt = fromSource(await openArray(store, "calldata/GT"));
 */
export function fromSource(x: ChunkSource | ZarrArray | NDArray, opts: FromOptions = {}): LazyArray {
  const source = asSource(x, opts);
  if (isLazy(source) && !opts.chunks) return source;
  return lazyArray(source, "read", (c) => ({ kind: "load", source, coords: [...c] }), source.name);
}

function asSource(x: ChunkSource | ZarrArray | NDArray, opts: FromOptions): ChunkSource {
  if ("kind" in x && (x as ZarrArray).kind === "array") return zarrSource(x as ZarrArray, { chunks: opts.chunks });
  if ("read" in x && "chunkShape" in x) {
    const s = x as ChunkSource;
    if (opts.chunks && String(opts.chunks) !== String(s.chunkShape)) throw new SelectionError(`chunks [${String(opts.chunks)}] differ from the source's [${String(s.chunkShape)}]; use rechunk`, s.name);
    return s;
  }
  return memorySource(x as NDArray, opts.chunks);
}

/**
 * A lazy array whose blocks a kernel generates from nothing but their position: the kernel
 * (an ES-module export named by URL + export) is called in a worker as
 * `fn({ params, coords, start, shape })` and returns the block (an NDArray of that shape,
 * ideally in a SharedArrayBuffer).
 */
export function fromGenerator(kernel: KernelRef, geometry: { shape: readonly number[]; dtype: DataType; chunks: readonly number[] }, params: Record<string, unknown> = {}): LazyArray {
  const label = kernel.name;
  const g = { shape: geometry.shape, dtype: geometry.dtype, chunkShape: geometry.chunks };
  return lazyArray(g, label, (c) => {
    const box = chunkBox(g, c);
    return { kind: "call", kernel, label, params: { params, coords: [...c], start: box.start, shape: box.shape }, inputs: {} };
  });
}

/** The start and extent of block `coords` of `x`. */
export function blockBox(x: ChunkSource, coords: readonly number[]): { start: number[]; shape: number[] } {
  return chunkBox(x, coords);
}
