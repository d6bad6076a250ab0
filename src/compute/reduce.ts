/**
 * Reductions along any axes with a tree reduction: every input block is reduced to a small
 * partial result in a worker (fused with the operations that make the block), partials of
 * the same output cell are combined pairwise as they arrive (a binary-counter tree, so at
 * most log2(blocks) partials wait per cell), and the last one is finalized. The result is a
 * lazy array whose blocks are the output cells.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { SelectionError } from "../format/errors.js";
import { siblingKernel } from "../runtime/kernel-task.js";
import { runTasks } from "../runtime/executor.js";
import { chunkBox, chunkCoords, chunkCount, chunkGrid, elementBytes, type ChunkSource } from "../sources/types.js";
import { product } from "../format/ndarray.js";
import type { BlockPlan } from "./plan.js";
import { reduceCombine, reduceFinalize, reduceResultType, type Partial, type ReduceOp } from "./kernels/reduce.js";
import { blockKey, evaluatePlans, isLazy, lazyArray, planOf, taskEstimate, type CountedSource, type EvalContext, type LazyArray } from "./lazy.js";

const PARTIALS = siblingKernel(import.meta.url, "./kernels/reduce", "reducePartials");

/** Decoded input bytes one partial task reduces at most (several blocks of one cell per task). */
const TASK_BYTES = 16 * 2 ** 20;

/** Bytes of finished output cells a reduction keeps for re-reads (estimated at 16 bytes per element). */
const CELL_CACHE_BYTES = 16 * 2 ** 20;

/** Options of a reduction. */
export interface ReduceOptions {
  /** Axes to reduce (negative count from the end; default all). */
  axis?: number | readonly number[];
  /** Keep reduced axes with length 1 (default false). */
  keepdims?: boolean;
  /** Delta degrees of freedom for var/std (default 0). */
  ddof?: number;
  /** Tasks in flight per output cell (default 8). */
  maxInFlight?: number;
  /** Name of the tasks in keys, progress and profiles (default the operation's name). */
  label?: string;
  /**
   * Input blocks one task reduces (default: as many as fit in 16 MiB): their partials are
   * combined in the worker, so fewer tasks run and fewer partials cross threads.
   */
  blocksPerTask?: number;
}

function normAxes(axis: ReduceOptions["axis"], rank: number, name: string): number[] {
  const list = axis === undefined ? [...Array(rank).keys()] : typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => (a < 0 ? a + rank : a));
  for (const a of out) if (!Number.isInteger(a) || a < 0 || a >= rank) throw new SelectionError(`axis ${String(axis)} is out of range for ${rank} dimensions`, name);
  if (new Set(out).size !== out.length) throw new SelectionError(`repeated axis in ${String(axis)}`, name);
  return out.sort((x, y) => x - y);
}

/**
 * Bytes one block of `x` takes to make: its own size, or for a lazy block the chunks its plan
 * loads when more (a small block computed from big chunks is not a small task).
 */
function blockBytes(x: LazyArray | ChunkSource): number {
  const own = product(x.chunkShape) * elementBytes(x.dtype);
  const first = chunkCoords(x).next().value;
  if (!isLazy(x) || !first) return own;
  let loaded = 0;
  const walk = (p: BlockPlan): void => {
    if (p.kind === "load") loaded += product(p.source.chunkShape) * elementBytes(p.source.dtype);
    else if (p.kind === "call") Object.values(p.inputs).forEach(walk);
  };
  walk(x.plan(first));
  return Math.max(own, loaded);
}

/** Consecutive runs of at most `n` items of `items`. */
function* groupsOf<T>(items: Iterable<T>, n: number): Generator<T[]> {
  let group: T[] = [];
  for (const it of items) {
    group.push(it);
    if (group.length === n) { yield group; group = []; }
  }
  if (group.length) yield group;
}

/** Reduce `x` with `op` along `opts.axis`. */
export function reduce(x: LazyArray | ChunkSource, op: ReduceOp, opts: ReduceOptions = {}): LazyArray {
  const rank = x.shape.length;
  const axes = normAxes(opts.axis, rank, x.name);
  const keepdims = opts.keepdims ?? false;
  const grid = chunkGrid(x);
  const keep = (d: number) => !axes.includes(d);
  const outShape = x.shape.flatMap((n, d) => (keep(d) ? [n] : keepdims ? [1] : []));
  const outChunks = x.chunkShape.flatMap((n, d) => (keep(d) ? [n] : keepdims ? [1] : []));
  const dtype = reduceResultType(op, x.dtype);
  const name = opts.label ?? op;
  const cellCount = outChunks.length === 0 ? 1 : chunkCount({ shape: outShape, chunkShape: outChunks });
  const blocksPerCell = axes.reduce((n, d) => n * grid[d], 1);
  const perTask = Math.max(1, Math.floor(opts.blocksPerTask ?? TASK_BYTES / Math.max(1, blockBytes(x))));

  /** Input block coords feeding output cell `cell` (reduced axes vary, others fixed). */
  function* inputsOf(cell: readonly number[]): Generator<number[]> {
    const fixed: number[] = [];
    let k = 0;
    for (let d = 0; d < rank; d++) {
      if (keep(d)) fixed.push(cell[k++]);
      else { fixed.push(0); if (keepdims) k++; }
    }
    if (axes.some((d) => grid[d] === 0)) return;
    const c = [...fixed];
    for (;;) {
      yield [...c];
      let j = axes.length - 1;
      for (; j >= 0; j--) {
        const d = axes[j];
        if (++c[d] < grid[d]) break;
        c[d] = 0;
      }
      if (j < 0) return;
    }
  }

  // Finished cells are kept (they are small), up to CELL_CACHE_BYTES, oldest out first: a
  // reduction consumed block by block by a later operation is computed once, not once per
  // consuming block, and memory stays bounded however many cells there are.
  const cells = new Map<string, Promise<NDArray>>();
  let cachedBytes = 0;
  const cellBytes = outChunks.reduce((p, n) => p * n, 1) * 16;
  const source: CountedSource = {
    name: `${name}(${x.name})`, shape: outShape, dtype, chunkShape: outChunks,
    // One task per group of blocks of a cell, plus what x's blocks run of their own (nested reductions).
    tasks: cellCount * Math.ceil(blocksPerCell / perTask) + Math.max(0, taskEstimate(x) - chunkCount(x)),
    read(cell, ro = {}) {
      const k = cell.join(",");
      let p = cells.get(k);
      if (!p) {
        p = readCell(cell, ro as EvalContext);
        p.catch(() => cells.delete(k));
        cells.set(k, p);
        cachedBytes += cellBytes;
        while (cachedBytes > CELL_CACHE_BYTES && cells.size > 1) {
          cells.delete(cells.keys().next().value as string);
          cachedBytes -= cellBytes;
        }
      }
      return p;
    },
  };
  async function readCell(cell: readonly number[], ctx: EvalContext): Promise<NDArray> {
      // Binary-counter tree: levels[i] holds a partial combined from 2^i blocks.
      const levels: (Partial | undefined)[] = [];
      const push = (p: Partial) => {
        let cur = p;
        for (let i = 0; ; i++) {
          const there = levels[i];
          if (!there) { levels[i] = cur; return; }
          levels[i] = undefined;
          cur = reduceCombine({ op, parts: [there, cur] });
        }
      };
      await runTasks(groupsOf(inputsOf(cell), perTask), async (group, signal) => {
        const inputs: Record<string, BlockPlan> = {};
        group.forEach((b, i) => (inputs[String(i)] = planOf(x, b)));
        const plan: BlockPlan = {
          kind: "call", kernel: PARTIALS, label: name, blocksAs: "blocks", inputs,
          params: { op, axes, offsets: group.map((b) => chunkBox(x, b).start), shape: [...x.shape] },
        };
        const [p] = await evaluatePlans([plan], blockKey(name, group[0]), { ...ctx, signal });
        return p as unknown as Partial;
      }, {
        maxInFlight: opts.maxInFlight ?? 8,
        signal: ctx.signal,
        keyOf: (group) => blockKey(name, group[0]),
        onResult: (p) => push(p),
      });
      const parts = levels.filter((p): p is Partial => p !== undefined);
      if (parts.length === 0) throw new SelectionError(`cannot ${op} an empty selection`, x.name);
      const all = parts.length === 1 ? parts[0] : reduceCombine({ op, parts });
      return reduceFinalize({ op, part: all, ddof: opts.ddof ?? 0, keepdims, axes }) as NDArray;
  }
  return lazyArray(source, name, (c) => ({ kind: "load", source, coords: [...c] }));
}

/** Sum (NaN propagates; ints accumulate in 64 bits, as numpy). */
export const sum = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "sum", o);
/** Product. */
export const prod = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "prod", o);
/** Minimum (NaN propagates). */
export const min = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "min", o);
/** Maximum (NaN propagates). */
export const max = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "max", o);
/** Mean (float64 for integer input). */
export const mean = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "mean", o);
/** Variance (`ddof` as numpy). */
export const variance = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "var", o);
/** Standard deviation. */
export const std = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "std", o);
/** Index of the first minimum (flat index over the reduced axes, as numpy with one axis). */
export const argmin = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "argmin", o);
/** Index of the first maximum. */
export const argmax = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "argmax", o);
/** Any element true (nonzero). */
export const any = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "any", o);
/** All elements true (nonzero). */
export const all = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "all", o);
/** Number of nonzero elements. */
export const countNonzero = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "countNonzero", o);
/** Sum ignoring NaN. */
export const nansum = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "nansum", o);
/** Mean ignoring NaN. */
export const nanmean = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "nanmean", o);
/** Minimum ignoring NaN. */
export const nanmin = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "nanmin", o);
/** Maximum ignoring NaN. */
export const nanmax = (x: LazyArray | ChunkSource, o?: ReduceOptions) => reduce(x, "nanmax", o);
