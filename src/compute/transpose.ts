/**
 * `transpose` and `reshape` of lazy arrays, both blockwise: block (i, j, ...) of a transpose
 * is the transposed input block at the permuted coordinates (chunks permuted too); a reshape
 * is offered only where every input block is, element for element in C order, one block of
 * the result (a zero-copy relabelling), and refused otherwise with a hint to rechunk.
 * @module
 */
import { SelectionError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import { chunkBox, type ChunkSource } from "../sources/types.js";
import { RESHAPE, TRANSPOSE } from "./kernels/assemble.js";
import { fromSource, isLazy, lazyArray, planOf, type LazyArray } from "./lazy.js";

/**
 * Permute the dimensions of `x`: output dimension d is input dimension `axes[d]` (negative
 * counts from the end; default: reversed, as numpy).
 * @example const samplesFirst = transpose(gt, [1, 0, 2]);
 */
export function transpose(x: LazyArray | ChunkSource, axes?: readonly number[]): LazyArray {
  const rank = x.shape.length;
  const perm = axes === undefined ? [...Array(rank).keys()].reverse() : [...axes].map((a) => (typeof a === "number" && a < 0 ? a + rank : a));
  if (perm.length !== rank || !perm.every((a) => Number.isSafeInteger(a) && a >= 0 && a < rank) || new Set(perm).size !== rank)
    throw new SelectionError(`transpose: axes [${String(axes)}] are not a permutation of ${rank} dimensions`, x.name);
  if (perm.every((a, d) => a === d)) return isLazy(x) ? x : fromSource(x);
  const shape = perm.map((a) => x.shape[a]);
  const chunkShape = perm.map((a) => x.chunkShape[a]);
  return lazyArray({ shape, dtype: x.dtype, chunkShape }, "transpose", (c) => {
    const ic = new Array<number>(rank);
    perm.forEach((a, d) => (ic[a] = c[d]));
    return { kind: "call", kernel: TRANSPOSE, label: "transpose", params: { axes: perm }, inputs: { block: planOf(x, ic) } };
  });
}

/** `shape` with one -1 resolved from the element count `n`. */
function resolveShape(x: ChunkSource, shape: readonly number[]): number[] {
  const bad = (why: string): never => { throw new SelectionError(`reshape to [${String(shape)}]: ${why}`, x.name); };
  if (!Array.isArray(shape)) bad("the shape must be an array of integers");
  const n = product(x.shape);
  const free = shape.filter((s) => s === -1).length;
  if (free > 1) bad("only one dimension may be -1");
  if (!shape.every((s) => s === -1 || (Number.isSafeInteger(s) && s >= 0))) bad("dimensions must be non-negative integers (or one -1)");
  const known = product(shape.filter((s) => s !== -1));
  if (free === 1) {
    if (known === 0 || n % known !== 0) bad(`cannot infer -1 for ${n} elements`);
    return shape.map((s) => (s === -1 ? n / known : s));
  }
  if (known !== n) bad(`${n} elements do not fit ${known}`);
  return [...shape];
}

/**
 * Give `x` a new shape with the same elements in C order (one dimension may be -1). Only
 * where it stays blockwise: the dimensions that change (all but a common trailing run) must
 * have every dimension after the first one whole in one chunk, and an input block — a run of
 * `chunk × rest` positions of the flattened leading dimensions — must split evenly into
 * whole rows of the new trailing dimensions of that group. Otherwise a SelectionError says
 * which rechunk makes it possible.
 * @example reshape(x, [-1, 2]) // (n, k, 2) with chunks (c, k, 2) → (n·k, 2), chunks (c·k, 2)
 */
export function reshape(x: LazyArray | ChunkSource, shape: readonly number[]): LazyArray {
  const out = resolveShape(x, shape);
  if (String(out) === String(x.shape)) return isLazy(x) ? x : fromSource(x);
  const inS = x.shape;
  // Common trailing run, which keeps its chunks.
  let t = 0;
  while (t < inS.length && t < out.length && inS[inS.length - 1 - t] === out[out.length - 1 - t]) t++;
  const p = inS.length - t;
  const q = out.length - t;
  const lead = inS.slice(0, p);
  const newLead = out.slice(0, q);
  const tail = x.chunkShape.slice(p);
  const total = product(lead);
  let newChunks: number[];
  if (total === 0 || product(x.shape) === 0) newChunks = newLead.map((n) => Math.max(1, n));
  else {
    const whole = (d: number) => x.chunkShape[d] >= inS[d];
    const c0 = p === 0 ? 1 : Math.min(x.chunkShape[0], inS[0]);
    const inner = product(lead.slice(1));
    const notWhole = lead.map((_, d) => d).filter((d) => d > 0 && !whole(d));
    const advice = () => {
      const want = x.chunkShape.map((c, d) => (d > 0 && d < p ? inS[d] : c));
      return `rechunk(x, [${String(want)}]) first`;
    };
    if (notWhole.length) throw new SelectionError(`reshape [${String(inS)}] → [${String(out)}]: dimensions ${String(notWhole)} span several chunks; ${advice()}`, x.name);
    const run = c0 * inner; // flattened leading positions one input block covers
    if (run >= total) newChunks = newLead.map((n) => Math.max(1, n));
    else {
      const newInner = product(newLead.slice(1));
      if (newInner === 0 || run % newInner !== 0)
        throw new SelectionError(`reshape [${String(inS)}] → [${String(out)}]: an input block holds ${run} leading positions, not a whole number of rows of ${newInner}; rechunk dimension 0 to a multiple of ${newInner / gcd(newInner, inner)} first`, x.name);
      newChunks = [run / newInner, ...newLead.slice(1).map((n) => Math.max(1, n))];
    }
  }
  const chunkShape = [...newChunks, ...tail];
  const outGeom = { shape: out, chunkShape, name: x.name };
  return lazyArray({ shape: out, dtype: x.dtype, chunkShape }, "reshape", (c) => {
    // Leading group: one block along its first dimension, block i ↔ input block i.
    const ic = [...(p > 0 ? [q > 0 ? c[0] : 0, ...new Array<number>(p - 1).fill(0)] : []), ...c.slice(q)];
    const box = chunkBox(outGeom, c);
    return { kind: "call", kernel: RESHAPE, label: "reshape", params: { shape: box.shape }, inputs: { block: planOf(x, ic) } };
  });
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
