/**
 * Basic and orthogonal selections of lazy arrays (`x[2, 10:50:3, ::-1]`, index arrays), and
 * the *view assembly* that rechunk, concatenate and stack share: an output block is the
 * region it covers of one or more sources seen through per-axis maps (a strided range, an
 * index list, or a fixed index that drops the axis). Its plan calls the assemble kernel on
 * the plans of the input blocks that region overlaps, so it fuses with what makes them; an
 * output block that is exactly one input block is that block's own plan (no copy).
 * @module
 */
import { normalizeSelection } from "../array/selection-normalize.js";
import type { Selection } from "../array/selection-types.js";
import { SelectionError } from "../format/errors.js";
import type { DataType } from "../format/dtype.js";
import type { DimSel } from "../format/region.js";
import { chunkBox, elementBytes, type ChunkBox, type ChunkSource } from "../sources/types.js";
import { ASSEMBLE, type AssemblePiece } from "./kernels/assemble.js";
import { fromSource, isLazy, lazyArray, planOf, type LazyArray } from "./lazy.js";
import type { BlockPlan } from "./plan.js";

/** How output positions along one axis map to a source axis. */
export type AxisMap =
  | { kind: "range"; start: number; step: number }
  | { kind: "list"; indices: ArrayLike<number> };

/** One source axis of a view: feeds output axis `out` through `map`, or is fixed at `index` (dropped). */
export type ViewAxis = { out: number; map: AxisMap } | { index: number };

/**
 * A source seen through per-axis maps, placed in the output box `offset` + `extent`: view
 * position p (0-based) along output axis `out` reads source index `start + p*step` (range) or
 * `indices[p]` (list). Output axes no source axis feeds are new axes of extent 1.
 */
export interface View {
  source: ChunkSource;
  axes: ViewAxis[];
  offset: number[];
  extent: number[];
}

/** The identity view of `x` at `offset` in an output of the same rank. */
export function wholeView(x: ChunkSource, offset: readonly number[] = x.shape.map(() => 0)): View {
  return { source: x, axes: x.shape.map((_, d) => ({ out: d, map: { kind: "range", start: 0, step: 1 } })), offset: [...offset], extent: [...x.shape] };
}

/** A piece of one source axis: the source block it lies in, what it reads there, where it lands (null: dropped axis). */
interface Segment {
  block: number;
  src: DimSel;
  dst: DimSel | null;
}

const range = (start: number, step: number, count: number): DimSel => ({ start, step, count });

/** Segments of source axis `a` (chunk `c`) for view positions [p0, p1) landing at output-block position `at`. */
function segments(map: AxisMap, c: number, p0: number, p1: number, at: number): Segment[] {
  const out: Segment[] = [];
  if (map.kind === "range") {
    const { start, step } = map;
    for (let p = p0; p < p1;) {
      const q = start + p * step;
      const b = Math.floor(q / c);
      // Last position still inside block b.
      const room = step > 0 ? Math.floor((b * c + c - 1 - q) / step) : Math.floor((q - b * c) / -step);
      const end = Math.min(p1, p + room + 1);
      out.push({ block: b, src: range(q - b * c, step, end - p), dst: range(at + p - p0, 1, end - p) });
      p = end;
    }
    return out;
  }
  // Index lists: one segment per source block, positions kept in output order.
  const byBlock = new Map<number, { src: number[]; dst: number[] }>();
  for (let p = p0; p < p1; p++) {
    const q = map.indices[p];
    const b = Math.floor(q / c);
    let g = byBlock.get(b);
    if (!g) byBlock.set(b, (g = { src: [], dst: [] }));
    g.src.push(q - b * c);
    g.dst.push(at + p - p0);
  }
  for (const [b, g] of [...byBlock].sort((x, y) => x[0] - y[0])) out.push({ block: b, src: Int32Array.from(g.src), dst: Int32Array.from(g.dst) });
  return out;
}

/** The pieces of output block `box` that view `v` provides, keyed by source block coords. */
function viewPieces(v: View, box: ChunkBox): { coords: number[]; src: DimSel[]; dst: DimSel[] }[] {
  const rank = box.shape.length;
  const lo: number[] = [];
  const hi: number[] = [];
  for (let d = 0; d < rank; d++) {
    lo.push(Math.max(box.start[d], v.offset[d]));
    hi.push(Math.min(box.start[d] + box.shape[d], v.offset[d] + v.extent[d]));
    if (hi[d] <= lo[d]) return [];
  }
  const fed = new Set<number>();
  const perAxis: Segment[][] = v.axes.map((a, i) => {
    const c = v.source.chunkShape[i];
    if ("index" in a) {
      const b = Math.floor(a.index / c);
      return [{ block: b, src: range(a.index - b * c, 1, 1), dst: null }];
    }
    fed.add(a.out);
    const d = a.out;
    return segments(a.map, c, lo[d] - v.offset[d], hi[d] - v.offset[d], lo[d] - box.start[d]);
  });
  // New axes (extent 1 in the view) land at their single position.
  const newDst: (DimSel | null)[] = box.shape.map((_, d) => (fed.has(d) ? null : range(lo[d] - box.start[d], 1, 1)));
  const pieces: { coords: number[]; src: DimSel[]; dst: DimSel[] }[] = [];
  const pick = new Array<number>(perAxis.length).fill(0);
  if (perAxis.some((s) => s.length === 0)) return [];
  for (;;) {
    const segs = perAxis.map((s, i) => s[pick[i]]);
    const dst = [...newDst];
    v.axes.forEach((a, i) => { if ("out" in a) dst[a.out] = segs[i].dst; });
    pieces.push({ coords: segs.map((s) => s.block), src: segs.map((s) => s.src), dst: dst as DimSel[] });
    let i = perAxis.length - 1;
    for (; i >= 0; i--) { if (++pick[i] < perAxis[i].length) break; pick[i] = 0; }
    if (i < 0) return pieces;
  }
}

/** True when a piece is exactly one whole input block landing as the whole output block. */
function isWholeBlock(v: View, coords: readonly number[], src: readonly DimSel[], dst: readonly DimSel[], box: ChunkBox): boolean {
  if (src.length !== dst.length || !v.axes.every((a, i) => "out" in a && a.out === i)) return false;
  const inBox = chunkBox(v.source, coords);
  const full = (s: DimSel, n: number) => !ArrayBuffer.isView(s) && (s as { start: number }).start === 0 && (s as { step: number }).step === 1 && (s as { count: number }).count === n;
  return inBox.shape.every((n, d) => n === box.shape[d] && full(src[d], n) && full(dst[d], n));
}

/**
 * The plan of the output block at `box` over `views` (which tile the output): one assemble
 * call over the overlapping input blocks' plans, each distinct block loaded once.
 */
export function assemblePlan(views: readonly View[], box: ChunkBox, dtype: DataType, label: string): BlockPlan {
  const inputs: Record<string, BlockPlan> = {};
  const index = new Map<string, number>();
  const pieces: AssemblePiece[] = [];
  let only: { v: View; coords: number[]; src: DimSel[]; dst: DimSel[] } | undefined;
  views.forEach((v, vi) => {
    for (const p of viewPieces(v, box)) {
      const key = `${vi}:${p.coords.join(",")}`;
      let k = index.get(key);
      if (k === undefined) {
        k = index.size;
        index.set(key, k);
        inputs[String(k)] = planOf(v.source, p.coords);
      }
      pieces.push({ block: k, src: p.src, dst: p.dst });
      only = { v, ...p };
    }
  });
  if (pieces.length === 1 && only && isWholeBlock(only.v, only.coords, only.src, only.dst, box)) return inputs["0"];
  return { kind: "call", kernel: ASSEMBLE, label, params: { dtype, shape: [...box.shape], pieces }, inputs, blocksAs: "blocks" };
}

/** A lazy array of `geometry` whose blocks are assembled from `views`. */
export function assembled(views: readonly View[], geometry: { shape: readonly number[]; dtype: DataType; chunkShape: readonly number[] }, label: string): LazyArray {
  const grid = { shape: geometry.shape, chunkShape: geometry.chunkShape, name: label };
  return lazyArray(geometry, label, (c) => assemblePlan(views, chunkBox(grid, c), geometry.dtype, label));
}

/** Options of {@link select}. */
export interface SelectOptions {
  /** Bytes of input blocks one output block may read along index arrays (default 256 MiB). */
  maxMemory?: number;
}

/** Most distinct chunks (of length `c`) that `L` consecutive entries of `indices` fall in. */
function maxBlocksPerWindow(indices: ArrayLike<number>, c: number, L: number): number {
  let most = 0;
  for (let k = 0; k < indices.length; k += L) {
    const seen = new Set<number>();
    for (let i = k; i < Math.min(indices.length, k + L); i++) seen.add(Math.floor(indices[i] / c));
    most = Math.max(most, seen.size);
  }
  return most;
}

/** Shrink the output chunks along index-array axes until an output block's input blocks fit `maxMemory`. */
function fitLists(x: ChunkSource, axes: readonly ViewAxis[], chunks: number[], maxMemory: number): void {
  // Extent of input read along each source axis per output block: one block for integers,
  // whole-axis chunks and block-aligned unit steps, else two (a block straddles a boundary).
  const extent = axes.map((a, i) => {
    const c = Math.min(x.shape[i], x.chunkShape[i]);
    if (!("out" in a) || a.map.kind === "list" || c === x.shape[i] || (a.map.step === 1 && a.map.start % c === 0)) return c;
    return 2 * c;
  });
  const base = elementBytes(x.dtype) * extent.reduce((p, n) => p * n, 1);
  axes.forEach((a) => {
    if (!("out" in a) || a.map.kind !== "list") return;
    const i = axes.indexOf(a);
    const c = x.chunkShape[i];
    const list = a.map.indices;
    let L = chunks[a.out];
    while (L > 1 && (base / extent[i]) * maxBlocksPerWindow(list, c, L) * Math.min(c, x.shape[i]) > maxMemory) L = Math.max(1, Math.floor(L / 2));
    chunks[a.out] = L;
  });
}

/**
 * Select from `x` (numpy basic indexing plus orthogonal index arrays): per dimension an
 * integer (drops it; negative counts from the end), a slice `{start, stop, step}` with
 * numpy's clipping and negative steps, `null` (all), an index array or `{mask}`; `"..."`
 * fills the dimensions not given. Out-of-range integers and indices throw a SelectionError.
 *
 * Result chunks: along unit-step slices x's chunk length (the output grid starts at 0, so a
 * block may straddle two input blocks); along a step s, `max(1, floor(chunk / |s|))`, so a
 * block still spans about one input block; along an index array x's chunk length, halved
 * until the input blocks one output block reads (those holding its indices) fit in
 * `opts.maxMemory` (default 256 MiB) or the length is 1.
 * @example const firstSamples = select(gt, [null, slice(0, 10)]);
 */
export function select(x: LazyArray | ChunkSource, selection: Selection, opts: SelectOptions = {}): LazyArray {
  let dims;
  try { dims = normalizeSelection(x.shape, selection); } catch (e) {
    if (e instanceof SelectionError) throw new SelectionError(e.message, x.name);
    throw e;
  }
  const axes: ViewAxis[] = [];
  const shape: number[] = [];
  const chunks: number[] = [];
  let identity = true;
  dims.forEach((s, d) => {
    const c = x.chunkShape[d];
    if (s.kind === "int") { axes.push({ index: s.index }); identity = false; return; }
    const out = shape.length;
    if (s.kind === "range") {
      if (!(s.start === 0 && s.step === 1 && s.count === x.shape[d])) identity = false;
      axes.push({ out, map: { kind: "range", start: s.start, step: s.step } });
      shape.push(s.count);
      chunks.push(Math.abs(s.step) === 1 ? c : Math.max(1, Math.floor(c / Math.abs(s.step))));
    } else {
      identity = false;
      axes.push({ out, map: { kind: "list", indices: s.indices } });
      shape.push(s.indices.length);
      chunks.push(c);
    }
  });
  if (identity) return isLazy(x) ? x : fromSource(x);
  fitLists(x, axes, chunks, opts.maxMemory ?? 256 * 2 ** 20);
  const view: View = { source: x, axes, offset: shape.map(() => 0), extent: shape };
  return assembled([view], { shape, dtype: x.dtype, chunkShape: chunks }, "select");
}
