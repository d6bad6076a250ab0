/**
 * numpy broadcasting of shapes and the strided walk the kernels share: operands are C-order
 * blocks seen through per-operand strides (0 along broadcast axes), adjacent axes that walk
 * alike are merged, and the walk hands out runs along the last merged axis, so the inner
 * loops stay plain typed-array loops however many dimensions there are.
 * @module
 */
import { cStrides, product } from "../../format/ndarray.js";
import { KernelError } from "./dtypes.js";

export { cStrides };

/** Element count of a shape (the format layer's `product`). */
export { product as size };


/** Check that `shape` is a list of non-negative integers; throws KernelError naming `op`. */
export function checkShape(shape: unknown, op: string, what = "shape"): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new KernelError(op, `${what} must be a list of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return shape as number[];
}

/** numpy broadcasting of shapes (right-aligned; 1 stretches). Throws KernelError naming `op` when they do not broadcast. */
export function broadcastShapes(op: string, ...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = rank - s.length + i;
      const n = s[i];
      if (n === 1) continue;
      if (out[d] === 1) out[d] = n;
      else if (out[d] !== n) {
        throw new KernelError(op, `shapes ${shapes.map((x) => `[${x.join(", ")}]`).join(" and ")} do not broadcast`);
      }
    }
  }
  return out;
}

/** Strides to read a C-order block of `shape` as if broadcast to `outShape` (0 along stretched axes). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = cStrides(shape);
  const off = outShape.length - shape.length;
  return outShape.map((n, d) => (d < off || shape[d - off] === 1 ? 0 : own[d - off]));
}

/** A walk: extents of the merged axes and, per operand, its stride along each. */
export interface Walk {
  shape: number[];
  strides: number[][];
}

/**
 * Merge adjacent axes that every operand walks alike (stride[d] = stride[d+1] × extent[d+1])
 * and drop length-1 axes, so contiguous operands become one long run.
 */
export function coalesce(shape: readonly number[], strides: readonly (readonly number[])[]): Walk {
  const keep: number[] = [];
  for (let d = 0; d < shape.length; d++) if (shape[d] !== 1) keep.push(d);
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (const d of keep) {
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d]);
    if (mergeable) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => (outStrides[k][last] = s[d]));
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/** Called once per run: `offsets[k]` is operand k's offset at the run's start; the run has `n` elements stepping by `steps[k]`. */
export type RunVisitor = (offsets: readonly number[], n: number, steps: readonly number[]) => void;

/**
 * Walk `w` in C order, one call per run along its last axis. `bases` are the operands'
 * starting offsets. A 0-d walk (or all-length-1 shape) is one run of one element.
 * Empty shapes (an extent 0) make no calls.
 */
export function forEachRun(w: Walk, bases: readonly number[], visit: RunVisitor): void {
  const rank = w.shape.length;
  const k = bases.length;
  if (rank === 0) {
    visit(bases, 1, new Array<number>(k).fill(0));
    return;
  }
  if (w.shape.some((n) => n === 0)) return;
  const n = w.shape[rank - 1];
  const steps = w.strides.map((s) => s[rank - 1]);
  const off = bases.slice();
  const idx = new Array<number>(rank - 1).fill(0);
  for (;;) {
    visit(off, n, steps);
    // Odometer over the outer axes, updating each operand's offset incrementally.
    let d = rank - 2;
    for (; d >= 0; d--) {
      if (++idx[d] < w.shape[d]) {
        for (let j = 0; j < k; j++) off[j] += w.strides[j][d];
        break;
      }
      for (let j = 0; j < k; j++) off[j] -= w.strides[j][d] * (w.shape[d] - 1);
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}
