/**
 * `concatenate` and `stack` of lazy arrays. The result takes the first input's chunks;
 * where an input's extent does not line up with that grid, a block is assembled from the
 * overlapping blocks of the inputs it spans (select.ts' view assembly). Blocks that are
 * exactly one input block are that block's plan, so aligned inputs cost nothing extra.
 * @module
 */
import type { DataType } from "../format/dtype.js";
import { SelectionError } from "../format/errors.js";
import type { ChunkSource } from "../sources/types.js";
import type { LazyArray } from "./lazy.js";
import { assembled, wholeView, type View } from "./select.js";

/** Dtypes equal as in-memory data (chunk data is native byte order, so a stored endian does not matter). */
function sameData(a: DataType, b: DataType): boolean {
  const strip = (t: DataType) => JSON.stringify("endian" in t ? { ...t, endian: undefined } : t);
  return strip(a) === strip(b);
}

/** Check `xs` is a non-empty list of sources of one dtype; returns the first. */
function checkInputs(what: string, xs: readonly (LazyArray | ChunkSource)[]): ChunkSource {
  if (!Array.isArray(xs) || xs.length === 0) throw new SelectionError(`${what} needs at least one array`);
  for (const [i, a] of xs.entries())
    if (typeof a !== "object" || a === null || typeof (a as ChunkSource).read !== "function" || !Array.isArray((a as ChunkSource).shape))
      throw new SelectionError(`${what}: input ${i} is not an array`);
  const [g] = xs;
  for (const a of xs.slice(1)) {
    if (!sameData(a.dtype, g.dtype)) throw new SelectionError(`${what}: dtypes differ (${JSON.stringify(g.dtype)} vs ${JSON.stringify(a.dtype)}); astype first`, a.name);
    if (a.shape.length !== g.shape.length) throw new SelectionError(`${what}: inputs have ${g.shape.length} and ${a.shape.length} dimensions`, a.name);
  }
  return g;
}

function normAxis(axis: number, rank: number, what: string, name: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isSafeInteger(a) || a < 0 || a >= rank) throw new SelectionError(`${what}: axis ${axis} is out of range for ${rank} dimensions`, name);
  return a;
}

/**
 * Join `xs` along existing axis `axis` (negative counts from the end). Same dtype and the
 * same extent on every other axis; chunks are the first input's.
 * @example const both = concatenate([cohortA, cohortB], 1);
 */
export function concatenate(xs: readonly (LazyArray | ChunkSource)[], axis = 0): LazyArray {
  const g = checkInputs("concatenate", xs);
  const rank = g.shape.length;
  if (rank === 0) throw new SelectionError("concatenate: zero-dimensional arrays cannot be concatenated; use stack", g.name);
  const ax = normAxis(axis, rank, "concatenate", g.name);
  const views: View[] = [];
  let at = 0;
  for (const x of xs) {
    x.shape.forEach((n, d) => {
      if (d !== ax && n !== g.shape[d]) throw new SelectionError(`concatenate: shape [${String(x.shape)}] differs from [${String(g.shape)}] off axis ${ax}`, x.name);
    });
    views.push(wholeView(x, g.shape.map((_, d) => (d === ax ? at : 0))));
    at += x.shape[ax];
  }
  const shape = g.shape.map((n, d) => (d === ax ? at : n));
  return assembled(views, { shape, dtype: g.dtype, chunkShape: g.chunkShape }, "concatenate");
}

/**
 * Stack `xs` (all the same shape and dtype) along a new axis `axis` of length `xs.length`
 * (chunk 1 there; the other chunks are the first input's).
 * @example const pair = stack([a, b], -1);
 */
export function stack(xs: readonly (LazyArray | ChunkSource)[], axis = 0): LazyArray {
  const g = checkInputs("stack", xs);
  const rank = g.shape.length + 1;
  const ax = normAxis(axis, rank, "stack", g.name);
  const views: View[] = xs.map((x, k) => {
    if (String(x.shape) !== String(g.shape)) throw new SelectionError(`stack: shape [${String(x.shape)}] differs from [${String(g.shape)}]`, x.name);
    const outAxis = (d: number) => (d < ax ? d : d + 1);
    const offset = new Array<number>(rank).fill(0);
    offset[ax] = k;
    const extent = [...g.shape];
    extent.splice(ax, 0, 1);
    return { source: x, axes: x.shape.map((_, d) => ({ out: outAxis(d), map: { kind: "range", start: 0, step: 1 } as const })), offset, extent };
  });
  const shape = [...g.shape];
  shape.splice(ax, 0, xs.length);
  const chunkShape = [...g.chunkShape];
  chunkShape.splice(ax, 0, 1);
  return assembled(views, { shape, dtype: g.dtype, chunkShape }, "stack");
}
