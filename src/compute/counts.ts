/**
 * Eager counting operations over lazy arrays: `histogram`, `bincount` and `unique`. Each
 * input block becomes one small partial in a worker (fused with the plan that makes the
 * block), partials are combined pairwise as they arrive (a binary-counter tree, so at most
 * log2(blocks) partials wait and merged partials stay balanced in size), and the one left is
 * the result. They return values, not lazy arrays, and take the scheduler's options.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { ComputeError } from "../format/errors.js";
import { runTasks } from "../runtime/executor.js";
import { kernelRef, siblingKernel, type KernelRef } from "../runtime/kernel-task.js";
import { defaultPool } from "../runtime/pool.js";
import { allocateShared, chunkCoords, chunkCount, type ChunkSource } from "../sources/types.js";
import { instrument, type ComputeOptions } from "./compute.js";
import { bincountCombine, bincountPartial, histogramCombine, histogramPartial, uniqueCombine, uniquePartial, type HistogramPartial, type UniquePartial } from "./kernels/count.js";
import { requireNumeric } from "./kernels/dtypes.js";
import { decodeHalf, isBigType, isHalf, type BigVec, type NumVec } from "./kernels/values.js";
import { blockKey, evaluatePlans, planOf, taskEstimate, type EvalContext, type LazyArray } from "./lazy.js";
import type { BlockPlan } from "./plan.js";

const countKernel = (name: string) => siblingKernel(import.meta.url, "./kernels/count", name);
const RANGE = kernelRef(import.meta.url, "rangePartial");


/** Kernel: `[min, max]` of a block as doubles (NaN when the block holds a NaN; `[Infinity, -Infinity]` when empty). */
export function rangePartial(args: { block: NDArray }): [number, number] {
  const dt = requireNumeric(args.block.dtype, "histogram");
  const data = args.block.data;
  let lo = Infinity, hi = -Infinity;
  if (isBigType(dt)) {
    for (const v of data as BigVec) { const x = Number(v); if (x < lo) lo = x; if (x > hi) hi = x; }
    return [lo, hi];
  }
  const x = (isHalf(dt) ? decodeHalf(data) : data) as NumVec;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v !== v) return [NaN, NaN];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** How partials of one kind are made and merged. */
interface Counter<P> {
  name: string;
  /** The partial kernel and its parameters (the block arrives as `block`). */
  kernel: KernelRef;
  params: Record<string, unknown>;
  /** Merge partials (in any order: every merge here is commutative and associative). */
  combine(parts: P[], ctx: EvalContext): Promise<P>;
  /** The result of no blocks at all. */
  empty(): P;
  /** Merges that run as tasks of their own (for progress totals). */
  combineTasks?: number;
}

/** Run `counter` over every block of `x` and combine the partials in a balanced tree. */
async function treeCount<P>(x: ChunkSource, counter: Counter<P>, opts: ComputeOptions): Promise<P> {
  const run = instrument(opts, taskEstimate(x) + (counter.combineTasks ?? 0));
  const levels: (P | undefined)[] = [];
  const merging = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const base = run.context(opts.signal ?? new AbortController().signal);
  const push = (p: P, level: number): void => {
    const there = levels[level];
    if (there === undefined) { levels[level] = p; return; }
    levels[level] = undefined;
    const t: Promise<void> = counter.combine([there, p], base).then((r) => push(r, level + 1), (e: unknown) => { failure ??= { error: e }; });
    merging.add(t);
    void t.then(() => merging.delete(t));
  };
  try {
    try {
      await runTasks(chunkCoords(x), async (c, signal) => {
        const plan: BlockPlan = { kind: "call", kernel: counter.kernel, label: counter.name, params: counter.params, inputs: { block: planOf(x, c) } };
        const [p] = await evaluatePlans([plan], blockKey(counter.name, c), run.context(signal));
        return p as unknown as P;
      }, {
        maxInFlight: opts.scheduler === "sync" ? 1 : opts.maxInFlight ?? Math.max(4, (opts.pool?.threads ?? 2) * 2),
        signal: opts.signal,
        keyOf: (c) => blockKey(counter.name, c),
        onResult: (p) => push(p, 0),
      });
    } finally {
      // Merges already started settle before we return or throw (none keeps running).
      while (merging.size) await Promise.all([...merging]);
    }
    if (failure) throw failure.error;
    const left = levels.filter((p): p is P => p !== undefined);
    const result = left.length === 0 ? counter.empty() : left.length === 1 ? left[0] : await counter.combine(left, base);
    run.finish();
    return result;
  } catch (e) {
    run.finish(e);
    throw e;
  }
}

/** A zero-length block of `x`'s dtype (checks the dtype is numeric first). */
function emptyBlock(x: ChunkSource, op: string): NDArray {
  const dt = requireNumeric(x.dtype, op);
  return { data: allocateShared(dt, 0), shape: [0], dtype: dt };
}

/** Rethrow a kernel's ComputeError with the array's name. */
function named<T>(x: ChunkSource, f: () => T): T {
  try { return f(); } catch (e) {
    if (e instanceof ComputeError && e.key === undefined) throw new ComputeError(e.op, e.message.slice(e.op.length + 2), x.name);
    throw e;
  }
}

/** Options of {@link histogram}: equal bins over a range, or explicit edges. */
export type HistogramOptions = ComputeOptions & (
  | {
      /** Number of equal-width bins (default 10). */
      bins?: number;
      /**
       * `[lo, hi]` (required, as a blocked histogram cannot see the data's extent), or
       * `"auto"`: first compute the data's min and max in one extra pass (numpy's default).
       */
      range: readonly [number, number] | "auto";
      edges?: undefined;
    }
  | {
      /** Increasing bin edges; every bin is half-open except the last, which is closed. */
      edges: readonly number[] | Float64Array;
      bins?: undefined;
      range?: undefined;
    });

/** The result of {@link histogram}: int64 counts per bin and numpy's `bin_edges`. */
export interface HistogramResult {
  counts: NDArray;
  edges: NDArray;
}

/**
 * numpy `histogram(x, bins, range)` / `histogram(x, bins=edges)` of all elements of `x`
 * (flattened): values outside the range and NaN are not counted; the last bin includes its
 * right edge. Equal-width bins reproduce numpy's arithmetic (edges in the data's float type).
 * @example const { counts, edges } = await histogram(x, { bins: 20, range: [0, 1] });
 */
export async function histogram(x: LazyArray | ChunkSource, opts: HistogramOptions): Promise<HistogramResult> {
  let params: { bins?: number; range?: [number, number]; edges?: number[] };
  if (opts.edges !== undefined) params = { edges: Array.from(opts.edges) };
  else {
    let range = opts.range as HistogramOptions["range"] | undefined;
    if (range === undefined) throw new ComputeError("histogram", "needs range: [lo, hi] (or \"auto\" for one extra min/max pass) with bins, or explicit edges", x.name);
    if (range === "auto") range = await dataRange(x, opts);
    // Copied as given: the kernel checks the shape of the range (bad input: a typed error).
    params = { bins: opts.bins ?? 10, range: (Array.isArray(range) ? [...(range as number[])] : range) as [number, number] };
  }
  const empty = emptyBlock(x, "histogram");
  const zero = named(x, () => histogramPartial({ block: empty, ...params }));
  return treeCount<HistogramPartial>(x, {
    name: "histogram", kernel: countKernel("histogramPartial"), params: params as Record<string, unknown>,
    combine: (parts) => Promise.resolve(histogramCombine({ parts })),
    empty: () => zero,
  }, opts);
}

/** numpy's automatic histogram range: the data's min and max (0..1 for no data), which must be finite. */
async function dataRange(x: ChunkSource, opts: ComputeOptions): Promise<[number, number]> {
  emptyBlock(x, "histogram");
  const r = await treeCount<[number, number]>(x, {
    name: "histogram-range", kernel: RANGE, params: {},
    combine: (parts) => Promise.resolve(parts.reduce<[number, number]>((a, b) => [
      a[0] !== a[0] || b[0] !== b[0] ? NaN : Math.min(a[0], b[0]),
      a[1] !== a[1] || b[1] !== b[1] ? NaN : Math.max(a[1], b[1]),
    ], [Infinity, -Infinity])),
    empty: () => [Infinity, -Infinity],
  }, opts);
  if (r[0] === Infinity && r[1] === -Infinity) return [0, 1];
  if (!Number.isFinite(r[0]) || !Number.isFinite(r[1])) throw new ComputeError("histogram", `autodetected range of [${r[0]}, ${r[1]}] is not finite`, x.name);
  return r;
}

/** Options of {@link bincount}. */
export interface BincountOptions extends ComputeOptions {
  /** Shortest result (default 0). */
  minlength?: number;
}

/**
 * numpy `bincount(x, minlength)`: int64 counts of each value 0..max of a 1-d array of
 * non-negative integers (bool, int8..int64, uint8..uint32).
 */
export async function bincount(x: LazyArray | ChunkSource, opts: BincountOptions = {}): Promise<NDArray> {
  if (x.shape.length !== 1) throw new ComputeError("bincount", `the input must be 1-dimensional, it has ${x.shape.length} dimensions`, x.name);
  const params = { minlength: opts.minlength ?? 0 };
  const zero = named(x, () => bincountPartial({ block: emptyBlock(x, "bincount"), ...params }));
  return treeCount<NDArray>(x, {
    name: "bincount", kernel: countKernel("bincountPartial"), params,
    combine: (parts) => Promise.resolve(bincountCombine({ parts })),
    empty: () => zero,
  }, opts);
}

/** Options of {@link unique}. */
export interface UniqueOptions extends ComputeOptions {
  /** Also return how often each value occurs (numpy `return_counts`). */
  returnCounts?: boolean;
}

/** The result of {@link unique}: sorted distinct values (x's dtype), and int64 counts when asked. */
export interface UniqueResult {
  values: NDArray;
  counts?: NDArray;
}

const UNIQUE_COMBINE = countKernel("uniqueCombine");

/**
 * numpy `unique(x, return_counts)` of all elements of `x` (flattened): sorted distinct
 * values, NaNs (sorted last) collapsed into one as numpy 1.24 does. Merges of block results
 * run on the pool (they are as large as the distinct values).
 */
export async function unique(x: LazyArray | ChunkSource, opts: UniqueOptions = {}): Promise<UniqueResult> {
  const zero = named(x, () => uniquePartial({ block: emptyBlock(x, "unique") }));
  const blocks = chunkCount(x);
  const r = await treeCount<UniquePartial>(x, {
    name: "unique", kernel: countKernel("uniquePartial"), params: {},
    combine: (parts, ctx) => {
      if (ctx.scheduler === "sync") return Promise.resolve(uniqueCombine({ parts }));
      return (ctx.pool ?? defaultPool()).kernel<UniquePartial>(UNIQUE_COMBINE, { parts }, {
        key: `unique-combine (${parts.length})`, signal: ctx.signal,
        onRun: (run) => ctx.onRun?.(run, "unique-combine"),
      });
    },
    empty: () => zero,
    combineTasks: Math.max(0, blocks - 1),
  }, opts);
  return opts.returnCounts ? { values: r.values, counts: r.counts } : { values: r.values };
}
