/**
 * `mapOverlap`: run a user kernel on every block extended by `depth` elements per axis from
 * its neighbours (moving windows, stencils, filters), then trim the result back to the
 * block. At the array's edges the missing elements come from the boundary rule, as
 * numpy.pad's modes: `"nearest"` (edge), `"reflect"` (mirror without repeating the edge),
 * `"constant"`; `"none"` extends edge blocks only inwards.
 *
 * The padded block is an assembly (select.ts) of the padded array seen as views of `x`: its
 * interior is `x` itself and its borders are index maps into `x` (clamped or mirrored), so
 * an output block's plan assembles the padded region from the plans of every input block it
 * overlaps — any depth works, also deeper than a chunk — and the kernel and the trim fuse
 * with them into one task per block. Neighbouring blocks are recomputed by each block that
 * needs them (persist an expensive input first).
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { bytesOf, dtypeName, toDataType, type DataType } from "../format/dtype.js";
import { copyRegion, fillRegion } from "../format/copy.js";
import { ComputeError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import { kernelRef, type KernelRef } from "../runtime/kernel-task.js";
import { allocateShared, chunkBox, elementBytes, type ChunkSource } from "../sources/types.js";
import { requireNumeric, sameType } from "./kernels/dtypes.js";
import { encodeHalfInto, isHalf, scalarIn, sharedData } from "./kernels/values.js";
import { lazyArray, type LazyArray } from "./lazy.js";
import type { BlockPlan } from "./plan.js";
import { assemblePlan, type AxisMap, type View, type ViewAxis } from "./select.js";

/** What lies beyond the array's edges. */
export type Boundary = "none" | "reflect" | "nearest" | "constant";
const BOUNDARIES: readonly Boundary[] = ["none", "reflect", "nearest", "constant"];

/** Options of {@link mapOverlap}. */
export interface MapOverlapOptions {
  /** Elements borrowed from each side, per axis (one number: every axis). */
  depth: number | readonly number[];
  /** Edge rule (default `"none"`, as dask). */
  boundary?: Boundary;
  /** Value beyond the edges with `boundary: "constant"` (default 0). */
  constant?: number | bigint | boolean;
  /** The kernel's output dtype (default x's). */
  dtype?: DataType | string;
  /** Extra plain-data arguments for the kernel. */
  params?: Record<string, unknown>;
  /** Label in task keys (default the kernel's export name). */
  label?: string;
}

/** What the user kernel receives. */
export interface OverlapKernelArgs {
  /** One block: the padded block. */
  blocks: NDArray[];
  params: Record<string, unknown>;
  /** Grid coordinates of the output block. */
  coords: number[];
  /** Requested depth per axis. */
  depth: number[];
  /** Elements actually added before and after the block per axis (less than depth only at edges with `"none"`). */
  margins: [number, number][];
}

/** numpy.pad's "reflect" source index of position `i` (any integer) of an axis of length n. */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** The pieces of one padded axis: where they land in the padded axis and which x indices they read. */
function axisParts(n: number, depth: number, boundary: Boundary): { offset: number; extent: number; map: AxisMap }[] {
  const parts: { offset: number; extent: number; map: AxisMap }[] = [{ offset: depth, extent: n, map: { kind: "range", start: 0, step: 1 } }];
  if (depth === 0 || boundary === "constant") return parts;
  const index = (i: number) => (boundary === "nearest" ? Math.min(Math.max(i, 0), n - 1) : reflectIndex(i, n));
  parts.push({ offset: 0, extent: depth, map: { kind: "list", indices: Int32Array.from({ length: depth }, (_, k) => index(k - depth)) } });
  parts.push({ offset: depth + n, extent: depth, map: { kind: "list", indices: Int32Array.from({ length: depth }, (_, k) => index(n + k)) } });
  return parts;
}

/** Views of `x` that tile the padded array (shape + 2·depth), border regions included. */
function paddedViews(x: ChunkSource, depth: readonly number[], boundary: Boundary): View[] {
  const perAxis = x.shape.map((n, d) => axisParts(n, depth[d], boundary));
  const views: View[] = [];
  const pick = perAxis.map(() => 0);
  for (;;) {
    const parts = perAxis.map((p, d) => p[pick[d]]);
    const axes: ViewAxis[] = parts.map((p, d) => ({ out: d, map: p.map }));
    views.push({ source: x, axes, offset: parts.map((p) => p.offset), extent: parts.map((p) => p.extent) });
    let d = perAxis.length - 1;
    for (; d >= 0; d--) { if (++pick[d] < perAxis[d].length) break; pick[d] = 0; }
    if (d < 0) return views;
  }
}

/** Kernel: set every element of `block` outside the box `inner` (per axis `[lo, hi)`) to `value` (in place: the block is a fresh assembly). */
export function overlapFill(args: { block: NDArray; inner: [number, number][]; value: number | bigint | boolean }): NDArray {
  const { block, inner, value } = args;
  const dt = requireNumeric(block.dtype, "mapOverlap");
  const unit = sharedData(dt, 1);
  if (isHalf(dt)) encodeHalfInto([Number(value)], unit);
  else (unit as unknown as (number | bigint)[])[0] = scalarIn(value, dt);
  const bytes = bytesOf(block.data);
  const unitBytes = bytesOf(unit);
  const shape = block.shape;
  const all = shape.map((n) => ({ start: 0, step: 1, count: n }));
  inner.forEach(([lo, hi], d) => {
    // The slabs before and after the inner box along d, whole along the other axes.
    for (const [s, e] of [[0, lo], [hi, shape[d]]]) {
      if (e <= s) continue;
      const sel = all.map((r, k) => (k === d ? { start: s, step: 1, count: e - s } : r));
      fillRegion(bytes, shape, sel, unitBytes);
    }
  });
  return block;
}

/** Kernel: the block without its margins (the user kernel's padded-shape result trimmed back to the output block). */
export function overlapTrim(args: { block: NDArray; margins: [number, number][]; padded: number[]; dtype: DataType; label: string }): NDArray {
  const { block, margins, padded, dtype, label } = args;
  if (typeof block !== "object" || block === null || !Array.isArray(block.shape) || typeof block.dtype !== "object")
    throw new ComputeError(label, "the kernel must return an NDArray");
  if (!sameType(block.dtype, dtype) || elementBytes(block.dtype) !== elementBytes(dtype))
    throw new ComputeError(label, `the kernel returned ${dtypeName(block.dtype)} data, the declared dtype is ${dtypeName(dtype)} (set options.dtype)`);
  if (String(block.shape) !== String(padded)) throw new ComputeError(label, `the kernel returned shape [${String(block.shape)}], not the padded block's [${String(padded)}]`);
  const shape = block.shape.map((n, d) => n - margins[d][0] - margins[d][1]);
  const eb = elementBytes(dtype);
  const src = bytesOf(block.data);
  if (src.byteLength !== product(block.shape) * eb) throw new ComputeError(label, `the kernel returned shape [${String(block.shape)}] with ${src.byteLength} bytes of data`);
  const out = allocateShared(dtype, product(shape));
  copyRegion(src, block.shape, shape.map((n, d) => ({ start: margins[d][0], step: 1, count: n })), bytesOf(out), shape, null, eb);
  return { data: out, shape, dtype };
}

const FILL = kernelRef(import.meta.url, "overlapFill");
const TRIM = kernelRef(import.meta.url, "overlapTrim");

function normDepth(x: ChunkSource, depth: MapOverlapOptions["depth"], label: string): number[] {
  const rank = x.shape.length;
  const list = typeof depth === "number" ? x.shape.map(() => depth) : Array.isArray(depth) ? [...(depth as number[])] : undefined;
  if (!list || list.length !== rank) throw new ComputeError(label, `depth must be a number or one number per axis (${rank}), got ${JSON.stringify(depth)}`, x.name);
  for (const v of list) if (!Number.isSafeInteger(v) || v < 0) throw new ComputeError(label, `depth must hold non-negative integers, got ${JSON.stringify(depth)}`, x.name);
  return list;
}

/**
 * Apply `kernel` to every block of `x` extended by `depth` neighbouring elements per axis.
 * The kernel (an ES-module export named by URL + export, as for mapBlocks) runs in a worker
 * as `fn({ blocks: [padded], params, coords, depth, margins })` and returns an NDArray of
 * the padded block's shape in `opts.dtype`; its margins are trimmed off.
 * @example const smooth = mapOverlap(kernelRef(url, "movingAverage3"), x, { depth: [1, 0], boundary: "nearest" });
 */
export function mapOverlap(kernel: KernelRef, x: LazyArray | ChunkSource, opts: MapOverlapOptions): LazyArray {
  const label = opts.label ?? kernel?.name ?? "mapOverlap";
  if (typeof kernel !== "object" || kernel === null || typeof kernel.module !== "string" || typeof kernel.name !== "string")
    throw new ComputeError(label, "kernel must be a kernel reference ({ module, name })", x.name);
  const boundary = opts.boundary ?? "none";
  if (!BOUNDARIES.includes(boundary)) throw new ComputeError(label, `boundary must be one of ${BOUNDARIES.join(", ")}, got ${String(boundary)}`, x.name);
  const depth = normDepth(x, opts.depth, label);
  const dtype = opts.dtype === undefined ? x.dtype : typeof opts.dtype === "string" ? toDataType(opts.dtype) : opts.dtype;
  elementBytes(dtype); // fixed-size output only
  const constant = opts.constant ?? 0;
  if (boundary === "constant") {
    if (!["number", "bigint", "boolean"].includes(typeof constant)) throw new ComputeError(label, `constant must be a number, bigint or boolean, got ${typeof constant}`, x.name);
    try { scalarIn(constant, requireNumeric(x.dtype, label)); } catch (e) {
      if (e instanceof RangeError) throw new ComputeError(label, e.message, x.name);
      throw e;
    }
  }
  const isZero = constant === 0 || constant === 0n || constant === false;
  const empty = x.shape.some((n) => n === 0);
  const views = empty ? [] : boundary === "none" ? paddedViews(x, x.shape.map(() => 0), "none") : paddedViews(x, depth, boundary);
  const params = opts.params ?? {};

  return lazyArray({ shape: x.shape, dtype, chunkShape: x.chunkShape }, label, (c) => {
    const box = chunkBox(x, c);
    const margins: [number, number][] = box.start.map((s, d) => {
      if (boundary !== "none") return [depth[d], depth[d]];
      return [Math.min(depth[d], s), Math.min(depth[d], x.shape[d] - s - box.shape[d])];
    });
    // The padded box: in padded-array coordinates (x's shifted by depth), or x's own for "none".
    const padded = {
      start: box.start.map((s, d) => (boundary === "none" ? s - margins[d][0] : s)),
      shape: box.shape.map((n, d) => n + margins[d][0] + margins[d][1]),
    };
    let input: BlockPlan = assemblePlan(views, padded, x.dtype, `${label}-pad`);
    if (boundary === "constant" && !isZero) {
      // Inside the array: padded positions [depth - s, depth - s + n) along each axis.
      const inner = box.start.map((s, d): [number, number] => [Math.max(0, depth[d] - s), Math.min(padded.shape[d], depth[d] - s + x.shape[d])]);
      if (inner.some(([lo, hi], d) => lo > 0 || hi < padded.shape[d]))
        input = { kind: "call", kernel: FILL, label: `${label}-pad`, params: { inner, value: constant }, inputs: { block: input } };
    }
    const call: BlockPlan = {
      kind: "call", kernel, label, blocksAs: "blocks",
      params: { params, coords: [...c], depth, margins },
      inputs: { "0": input },
    };
    return { kind: "call", kernel: TRIM, label, params: { margins, padded: padded.shape, dtype, label }, inputs: { block: call } };
  });
}
