/**
 * Splits one normalized dimension selection across the chunk grid: which chunks it
 * touches, and for each what it selects inside the chunk and where that lands in the output.
 * Ranges are split arithmetically on demand (a dimension may have millions of chunks);
 * index lists are grouped once, each chunk's group visited once.
 * @module
 */
import type { DimSel, Range } from "./selection-types.js";
import type { NormalizedDim } from "./selection-normalize.js";

/** What one chunk along a dimension contributes. */
export interface DimPart {
  chunk: number;
  chunkSel: DimSel;
  outSel: DimSel;
}

/** A dimension's selection split over its chunks, with random access to the touched chunks. */
export interface DimPlan {
  /** Indices selected (1 for a dropped integer dimension). */
  count: number;
  /** True for an integer index: the dimension is not in the output. */
  dropped: boolean;
  /** Number of chunks touched, in ascending chunk order. */
  touched: number;
  /** The `i`-th touched chunk's part (`0 <= i < touched`). */
  part(i: number): DimPart;
}

const range = (start: number, step: number, count: number): Range => ({ start, step, count });

/**
 * Compact a list of indices: a {@link Range} when they form an arithmetic progression
 * with nonzero step (or a single index), else an Int32Array (Float64Array beyond int32).
 */
export function compactList(values: ArrayLike<number>, from: number, to: number): DimSel {
  const n = to - from;
  if (n === 1) return range(values[from], 1, 1);
  if (n > 1) {
    const step = values[from + 1] - values[from];
    let arith = step !== 0;
    for (let j = from + 2; arith && j < to; j++) if (values[j] - values[j - 1] !== step) arith = false;
    if (arith) return range(values[from], step, n);
  }
  let big = false;
  for (let j = from; j < to; j++) if (values[j] > 0x7fffffff) { big = true; break; }
  const out = big ? new Float64Array(n) : new Int32Array(n);
  for (let j = 0; j < n; j++) out[j] = values[from + j];
  return out;
}

/** Plan one dimension of length `length` chunked by `chunk`. */
export function planDim(sel: NormalizedDim, length: number, chunk: number): DimPlan {
  switch (sel.kind) {
    case "int": {
      const c = Math.floor(sel.index / chunk);
      const part: DimPart = { chunk: c, chunkSel: range(sel.index - c * chunk, 1, 1), outSel: range(0, 1, 1) };
      return { count: 1, dropped: true, touched: 1, part: () => part };
    }
    case "range": return planRange(sel.start, sel.step, sel.count, chunk);
    case "list": return planList(sel.indices, sel.sorted, length, chunk);
  }
}

/** Split `start + j*step, j < count` over chunks of length `chunk`, visiting chunks in ascending order. */
function planRange(start: number, step: number, count: number, chunk: number): DimPlan {
  if (count === 0) return { count: 0, dropped: false, touched: 0, part: () => { throw new RangeError("no chunks"); } };
  // Walk the indices upwards; for a negative step output positions then run backwards.
  const rev = step < 0;
  const st = Math.abs(step);
  const a0 = rev ? start + (count - 1) * step : start;
  const out = (j: number, n: number): Range => (rev && n > 1 ? range(count - 1 - j, -1, n) : range(rev ? count - 1 - j : j, 1, n));
  if (st >= chunk) {
    // Consecutive indices always fall in different chunks: one part per index.
    return {
      count, dropped: false, touched: count,
      part(i) {
        const idx = a0 + i * st;
        const c = Math.floor(idx / chunk);
        return { chunk: c, chunkSel: range(idx - c * chunk, 1, 1), outSel: out(i, 1) };
      },
    };
  }
  // Step shorter than a chunk: every chunk between the first and last index is touched.
  const first = Math.floor(a0 / chunk);
  const last = Math.floor((a0 + (count - 1) * st) / chunk);
  return {
    count, dropped: false, touched: last - first + 1,
    part(i) {
      const c = first + i;
      const lo = c * chunk;
      const j0 = Math.max(0, Math.ceil((lo - a0) / st));
      const j1 = Math.min(count - 1, Math.floor((lo + chunk - 1 - a0) / st));
      const n = j1 - j0 + 1;
      return { chunk: c, chunkSel: range(a0 + j0 * st - lo, n === 1 ? 1 : st, n), outSel: out(j0, n) };
    },
  };
}

/**
 * Group an index list by chunk. Positions are ordered by (chunk, original position), a stable
 * grouping: duplicates keep their order, so a write visits the last one last (numpy: last wins).
 */
function planList(indices: Float64Array, sorted: boolean, length: number, chunk: number): DimPlan {
  const n = indices.length;
  let order: Uint32Array | undefined;
  if (!sorted) {
    const ck = new Float64Array(n);
    for (let j = 0; j < n; j++) ck[j] = Math.floor(indices[j] / chunk);
    const nChunks = Math.ceil(length / chunk);
    order = nChunks <= 2 * n + 1024 ? countingOrder(ck, nChunks) : comparisonOrder(ck);
  }
  const at = (j: number): number => (order ? order[j] : j);
  const parts: DimPart[] = [];
  const local = new Float64Array(n);
  const pos = new Float64Array(n);
  let j = 0;
  while (j < n) {
    const c = Math.floor(indices[at(j)] / chunk);
    const lo = c * chunk;
    let k = j;
    while (k < n && indices[at(k)] < lo + chunk && indices[at(k)] >= lo) {
      local[k] = indices[at(k)] - lo;
      pos[k] = at(k);
      k++;
    }
    parts.push({ chunk: c, chunkSel: compactList(local, j, k), outSel: compactList(pos, j, k) });
    j = k;
  }
  return { count: n, dropped: false, touched: parts.length, part: (i) => parts[i] };
}

/** Stable counting sort of positions by chunk number: O(n + chunks). */
function countingOrder(ck: Float64Array, nChunks: number): Uint32Array {
  const start = new Float64Array(nChunks + 1);
  for (let j = 0; j < ck.length; j++) start[ck[j] + 1]++;
  for (let c = 0; c < nChunks; c++) start[c + 1] += start[c];
  const order = new Uint32Array(ck.length);
  for (let j = 0; j < ck.length; j++) order[start[ck[j]]++] = j;
  return order;
}

/** Positions sorted by (chunk, position), for grids much larger than the list. */
function comparisonOrder(ck: Float64Array): Uint32Array {
  const order = new Uint32Array(ck.length);
  for (let j = 0; j < order.length; j++) order[j] = j;
  return order.sort((a, b) => ck[a] - ck[b] || a - b);
}
