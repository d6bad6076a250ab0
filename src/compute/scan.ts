/**
 * Cumulative operations (cumsum, cumprod, nancumsum, nancumprod) of lazy arrays along one
 * axis. Blocks in different positions across the axis are independent; along the axis each
 * block continues from the *carry* (last scanned slice) of the block before it.
 *
 * Design: the result is a source whose `read(block)` waits for the carry into that block,
 * then scans the block (fused with the plan that makes it) from that carry in one worker
 * task, and hands the block's own outgoing carry to the next block along the axis. So a
 * computation that reads blocks in grid order scans every block exactly once, and every
 * result equals numpy's sequential scan bit for bit — floats round at every step in their
 * own dtype, as numpy does. (dask's approach — scan blocks independently, add an exclusive
 * prefix of per-block totals — parallelises along the axis but changes float rounding, and
 * costs a second pass over the data; here only the positions across the axis run in
 * parallel.) A block read out of order first computes the missing carries in a chain, each
 * from the nearest known one. Carries (one slice per block) are kept in an LRU bounded by
 * bytes, so peak memory is the blocks in flight plus that bound.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { SelectionError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import { kernelRef, siblingKernel } from "../runtime/kernel-task.js";
import { chunkBox, chunkGrid, type ChunkSource } from "../sources/types.js";
import { scanBlock, scanResultType, type ScanOp } from "./kernels/scan.js";
import { withPrivateOutputs } from "./kernels/values.js";
import { blockKey, evaluatePlans, lazyArray, planOf, taskEstimate, type CountedSource, type EvalContext, type LazyArray } from "./lazy.js";
import type { BlockPlan } from "./plan.js";
import { reshape } from "./transpose.js";

export type { ScanOp } from "./kernels/scan.js";

const SCAN = siblingKernel(import.meta.url, "./kernels/scan", "scanBlock");
const CARRY = kernelRef(import.meta.url, "scanCarry");

/** Options of {@link scan}. */
export interface ScanOptions {
  /** Bytes of carries kept for later reads (default 64 MiB); evicted ones are recomputed when needed. */
  maxCarryBytes?: number;
}

/**
 * Kernel: only the outgoing carry of scanning `block` from `carry` (the scanned block stays
 * in this thread's private memory and is dropped).
 */
export function scanCarry(args: { op: ScanOp; block: NDArray; axis: number; carry?: NDArray }): NDArray {
  return withPrivateOutputs(() => scanBlock(args)).carry;
}

/** A promise with its settle functions; never reported as unhandled (its readers handle it). */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => { resolve = a; reject = b; });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * Cumulative `op` of `x` along `axis` (numpy semantics: int64 accumulation for bool and
 * signed ints, uint64 for unsigned, floats in their own dtype). Without an axis the array
 * is flattened first, as numpy does (a 0-d array becomes one element; more than one
 * dimension goes through `reshape`, which may ask for a rechunk).
 * @example const c = cumsum(fromSource(counts), 0);
 */
export function scan(x: LazyArray | ChunkSource, op: ScanOp, axis?: number, opts: ScanOptions = {}): LazyArray {
  if (axis === undefined) {
    if (x.shape.length !== 1) x = reshape(x, [product(x.shape)]);
    axis = 0;
  }
  const rank = x.shape.length;
  if (rank === 0) throw new SelectionError(`cannot ${op} a 0-d array along axis ${axis} (omit the axis to flatten it)`, x.name);
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new SelectionError(`axis ${String(axis)} is out of range for ${rank} dimensions`, x.name);
  const ax = axis < 0 ? axis + rank : axis;
  const dtype = scanResultType(op, x.dtype); // throws a ComputeError for non-numeric dtypes
  const src = x;
  const grid = chunkGrid(src);
  const maxBytes = opts.maxCarryBytes ?? 64 * 2 ** 20;
  if (!(maxBytes >= 0)) throw new SelectionError(`maxCarryBytes must be a non-negative number, got ${String(opts.maxCarryBytes)}`, x.name);
  const label = op;

  // Carry INTO block c (c[ax] >= 1), keyed by coords; insertion order is the LRU order.
  const carries = new Map<string, { p: Promise<NDArray>; bytes: number }>();
  let held = 0;
  const keyOf = (c: readonly number[]) => c.join(",");
  const carryBytes = (c: readonly number[]) => product(chunkBox(src, c).shape.map((n, d) => (d === ax ? 1 : n))) * 8;
  const lookup = (c: readonly number[]): Promise<NDArray> | undefined => {
    const k = keyOf(c);
    const e = carries.get(k);
    if (!e) return undefined;
    carries.delete(k); // refresh its LRU position
    carries.set(k, e);
    return e.p;
  };
  const forget = (c: readonly number[], p: Promise<NDArray>) => {
    const k = keyOf(c);
    const e = carries.get(k);
    if (e && e.p === p) { carries.delete(k); held -= e.bytes; }
  };
  const remember = (c: readonly number[], p: Promise<NDArray>) => {
    const k = keyOf(c);
    const old = carries.get(k);
    if (old) { carries.delete(k); held -= old.bytes; }
    const bytes = carryBytes(c);
    carries.set(k, { p, bytes });
    held += bytes;
    for (const [ok, e] of carries) {
      if (held <= maxBytes || ok === k) break;
      carries.delete(ok);
      held -= e.bytes;
    }
    p.catch(() => forget(c, p)); // a failed carry is recomputed by the next reader
  };
  const along = (c: readonly number[], k: number) => c.map((v, d) => (d === ax ? k : v));
  const scanPlan = (kernel: typeof SCAN, c: readonly number[], carry: NDArray | undefined): BlockPlan => ({
    kind: "call", kernel, label, params: { op, axis: ax, carry }, inputs: { block: planOf(src, c) },
  });

  /** The carry into block `c`: a known one, or a chain of carry tasks from the nearest known one. */
  function carryInto(c: readonly number[], ctx: EvalContext): Promise<NDArray> {
    const hit = lookup(c);
    if (hit) return hit;
    let j = c[ax] - 1;
    let p: Promise<NDArray> | undefined;
    for (; j >= 1; j--) if ((p = lookup(along(c, j)))) break;
    // Walk forward from block j (j = 0: no carry) to c, remembering each carry on the way.
    let prev: Promise<NDArray | undefined> = p ?? Promise.resolve(undefined);
    for (let m = Math.max(j, 0); m < c[ax]; m++) {
      const from = along(c, m);
      const next = prev.then(async (carry) => {
        const [r] = await evaluatePlans([scanPlan(CARRY, from, carry)], blockKey(`${label}-carry`, from), ctx);
        return r;
      });
      remember(along(c, m + 1), next);
      prev = next;
    }
    return prev as Promise<NDArray>;
  }

  async function readBlock(c: readonly number[], ctx: EvalContext): Promise<NDArray> {
    // Promise the next block's carry before waiting for ours, so a reader of the next block
    // that arrives meanwhile waits for this task instead of recomputing it.
    const hasNext = c[ax] + 1 < grid[ax];
    const next = hasNext && !lookup(along(c, c[ax] + 1)) ? deferred<NDArray>() : undefined;
    if (next) remember(along(c, c[ax] + 1), next.promise);
    try {
      const carry = c[ax] === 0 ? undefined : await carryInto(c, ctx);
      const [r] = await evaluatePlans([scanPlan(SCAN, c, carry)], blockKey(label, c), ctx);
      const { out, carry: outgoing } = r as unknown as { out: NDArray; carry: NDArray };
      next?.resolve(outgoing);
      return out;
    } catch (e) {
      next?.reject(e);
      throw e;
    }
  }

  const source: CountedSource = {
    name: `${op}(${src.name})`, shape: [...src.shape], dtype, chunkShape: [...src.chunkShape],
    tasks: taskEstimate(src),
    read: (c, ro = {}) => readBlock(c, ro as EvalContext),
  };
  return lazyArray(source, label, (c) => ({ kind: "load", source, coords: [...c] }));
}

/** Cumulative sum along `axis` (numpy `cumsum`; flattened without an axis). */
export const cumsum = (x: LazyArray | ChunkSource, axis?: number, o?: ScanOptions) => scan(x, "cumsum", axis, o);
/** Cumulative product along `axis` (numpy `cumprod`). */
export const cumprod = (x: LazyArray | ChunkSource, axis?: number, o?: ScanOptions) => scan(x, "cumprod", axis, o);
/** Cumulative sum treating NaN as zero (numpy `nancumsum`). */
export const nancumsum = (x: LazyArray | ChunkSource, axis?: number, o?: ScanOptions) => scan(x, "nancumsum", axis, o);
/** Cumulative product treating NaN as one (numpy `nancumprod`). */
export const nancumprod = (x: LazyArray | ChunkSource, axis?: number, o?: ScanOptions) => scan(x, "nancumprod", axis, o);
