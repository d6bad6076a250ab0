/**
 * Worker kernels of the structural operations (rechunk, concatenate, stack, select,
 * transpose, reshape). They only move elements, never look at values: every copy goes
 * through byte views (the copy engine, or word loops here), so NaN payloads, -0.0 and
 * 64-bit integers come out bit for bit, for any fixed-size dtype.
 * @module
 */
import type { NDArray } from "../../codecs/types.js";
import { bytesOf, type DataType } from "../../format/dtype.js";
import { copyRegion } from "../../format/copy.js";
import { SelectionError } from "../../format/errors.js";
import { product } from "../../format/ndarray.js";
import type { DimSel } from "../../format/region.js";
import { kernelRef } from "../../runtime/kernel-task.js";
import { allocateShared, elementBytes } from "../../sources/types.js";

/** One region copied into the output block: from input block `block`, `src` of it to `dst` of the output. */
export interface AssemblePiece {
  /** Index of the input block (in `blocks`). */
  block: number;
  /** Per input-block dimension: what is read (a single index drops the dimension). */
  src: DimSel[];
  /** Per output dimension: where it lands (a single index for a dimension the input lacks). */
  dst: DimSel[];
}

/** Arguments of {@link assemble}. */
export interface AssembleArgs {
  blocks: NDArray[];
  dtype: DataType;
  /** Shape of the output block. */
  shape: number[];
  pieces: AssemblePiece[];
}

const isWhole = (sel: readonly DimSel[], shape: readonly number[]): boolean =>
  sel.length === shape.length && sel.every((s, d) => !ArrayBuffer.isView(s) && (s as { start: number }).start === 0 && (s as { step: number }).step === 1 && (s as { count: number }).count === shape[d]);

/**
 * Build one output block from regions of several input blocks, in a fresh shared buffer.
 * A single piece that is a whole input block of the same elements in the same order is
 * returned as a view of it under the output shape (no copy).
 */
export function assemble(args: AssembleArgs): NDArray {
  const { blocks, dtype, shape, pieces } = args;
  const eb = elementBytes(dtype);
  if (pieces.length === 1) {
    const [p] = pieces;
    const b = blocks[p.block];
    if (isWhole(p.src, b.shape) && isWhole(p.dst, shape) && product(b.shape) === product(shape)) return { data: b.data, shape: [...shape], dtype };
  }
  const out = allocateShared(dtype, product(shape));
  const dst = bytesOf(out);
  for (const p of pieces) {
    const b = blocks[p.block];
    if (b === undefined) throw new SelectionError(`assemble: piece names input block ${p.block}, only ${blocks.length} given`);
    if (elementBytes(b.dtype) !== eb) throw new SelectionError(`assemble: input block ${p.block} has ${elementBytes(b.dtype)}-byte elements, the output ${eb}`);
    copyRegion(bytesOf(b.data), b.shape, p.src, dst, shape, p.dst, eb);
  }
  return { data: out, shape: [...shape], dtype };
}

/** Arguments of {@link transposeBlock}. */
export interface TransposeArgs {
  block: NDArray;
  /** Output dimension d is input dimension `axes[d]`. */
  axes: number[];
}

/** Unsigned word view of a byte view, as wide as element size and alignment allow. */
function words(b: Uint8Array, eb: number): { w: Uint8Array | Uint16Array | Uint32Array; units: number } {
  if (eb % 4 === 0 && b.byteOffset % 4 === 0) return { w: new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4), units: eb / 4 };
  if (eb % 2 === 0 && b.byteOffset % 2 === 0) return { w: new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2), units: eb / 2 };
  return { w: b, units: eb };
}

/** The block with its dimensions permuted (numpy's `transpose(axes)`), in a fresh shared buffer. */
export function transposeBlock(args: TransposeArgs): NDArray {
  const { block, axes } = args;
  const inShape = block.shape;
  const rank = inShape.length;
  if (axes.length !== rank || [...axes].sort((a, b) => a - b).some((a, i) => a !== i))
    throw new SelectionError(`transpose: axes [${String(axes)}] are not a permutation of ${rank} dimensions`);
  const outShape = axes.map((a) => inShape[a]);
  const n = product(inShape);
  const eb = elementBytes(block.dtype);
  const out = allocateShared(block.dtype, n);
  const ob = bytesOf(out);
  const src = words(bytesOf(block.data), eb);
  const dst = words(ob, eb);
  // Align the word widths of both sides (the output is always aligned; the input may not be).
  const s = src.units === dst.units ? src : { w: bytesOf(block.data), units: eb };
  const d = src.units === dst.units ? dst : { w: ob, units: eb };
  const u = s.units;
  if (n === 0) return { data: out, shape: outShape, dtype: block.dtype };
  // Input strides (in words) seen from the output's dimensions.
  const inStride = new Array<number>(rank);
  let acc = u;
  for (let k = rank - 1; k >= 0; k--) { inStride[k] = acc; acc *= inShape[k]; }
  const strides = axes.map((a) => inStride[a]);
  const si = s.w, di = d.w;
  if (rank === 0) { for (let k = 0; k < u; k++) di[k] = si[k]; return { data: out, shape: outShape, dtype: block.dtype }; }
  const last = rank - 1;
  const len = outShape[last];
  const step = strides[last];
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (;;) {
    let base = 0;
    for (let k = 0; k < last; k++) base += idx[k] * strides[k];
    if (u === 1) for (let i = 0; i < len; i++, base += step) di[o++] = si[base];
    else for (let i = 0; i < len; i++, base += step) for (let k = 0; k < u; k++) di[o++] = si[base + k];
    let k = last - 1;
    for (; k >= 0; k--) { if (++idx[k] < outShape[k]) break; idx[k] = 0; }
    if (k < 0) break;
  }
  return { data: out, shape: outShape, dtype: block.dtype };
}

/** Arguments of {@link reshapeBlock}. */
export interface ReshapeArgs {
  block: NDArray;
  shape: number[];
}

/** The same elements in the same C order under another shape (a view: no copy). */
export function reshapeBlock(args: ReshapeArgs): NDArray {
  const { block, shape } = args;
  if (product(shape) !== product(block.shape)) throw new SelectionError(`reshape: a block of shape [${String(block.shape)}] cannot become [${String(shape)}]`);
  return { data: block.data, shape: [...shape], dtype: block.dtype };
}

/** Kernel references (this module's own URL, so they work from sources and compiled). */
export const ASSEMBLE = kernelRef(import.meta.url, "assemble");
/** See {@link transposeBlock}. */
export const TRANSPOSE = kernelRef(import.meta.url, "transposeBlock");
/** See {@link reshapeBlock}. */
export const RESHAPE = kernelRef(import.meta.url, "reshapeBlock");

/**
 * Identity kernel that hands its input blocks on as one array (blockwise with
 * `concatenate: false`: the blocks along a contracted letter, as a list).
 */
export function blockList(args: { blocks: unknown[] }): unknown[] {
  return args.blocks;
}
