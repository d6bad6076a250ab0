/**
 * Reading and writing selections of an array: basic/orthogonal selections (`get`, `set`),
 * point selections (`getPoints`, `setPoints`, zarr's vindex), block selections
 * (`getBlocks`, `setBlocks`), plus `resize` and `append`.
 *
 * Reads go chunk by chunk (inner chunks of shards, through ranged reads); missing chunks
 * read as the fill value. Writes that cover a whole chunk skip the read; partial writes
 * read, modify and write the chunk (the whole shard for sharded arrays).
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { allocate, layoutOf, type DataValues } from "../format/dtype.js";
import { SelectionError, StoreError } from "../format/errors.js";
import { rawFill } from "../format/fill-value.js";
import { allocateFilled, product } from "../format/ndarray.js";
import { isWritable } from "../stores/types.js";
import { chunkKeyOf, chunkReader, gridShape } from "./chunks.js";
import { cacheObjectId } from "./chunk-cache.js";
import { readPlan, type ReadOptions } from "./read.js";
import { writePlan, type WriteOptions, type WriteSource } from "./write.js";
import { writeMetadata, type ZarrArray } from "./node.js";
import { blocksToSelection, planPoints, planSelection, type BlockDimSelection } from "./selection.js";
import type { SelectionPlan, Selection } from "./selection-types.js";

/** Options for reads and writes (see {@link ReadOptions} and {@link WriteOptions}). */
export type AccessOptions = ReadOptions & WriteOptions;

/**
 * Read a basic or orthogonal selection (numpy/zarr `z[...]` and `z.oindex[...]`).
 * Integers drop their dimension; slices take `{start, stop, step}` (see `slice()`);
 * index arrays and `{mask}` select orthogonally; `"..."` fills the remaining dimensions.
 * @example const block = await get(arr, [slice(0, 10), null, 3]);
 */
export async function get(arr: ZarrArray, selection?: Selection, opts: AccessOptions = {}): Promise<NDArray> {
  const reader = await chunkReader(arr);
  return readPlan(arr, reader, planSelection(arr.meta.shape, reader.chunkShape, selection), opts);
}

/** Read single points: one integer array per dimension (zarr's `vindex`); result is 1-D. */
export async function getPoints(arr: ZarrArray, coords: readonly (readonly number[] | ArrayLike<number>)[], opts: AccessOptions = {}): Promise<NDArray> {
  const reader = await chunkReader(arr);
  return readPlan(arr, reader, planPoints(arr.meta.shape, reader.chunkShape, coords as never), opts);
}

/** Read whole chunks by block index (zarr's `blocks[...]`): per dimension a block number or a slice of blocks. */
export async function getBlocks(arr: ZarrArray, blocks: BlockSelection, opts: AccessOptions = {}): Promise<NDArray> {
  const reader = await chunkReader(arr);
  return readPlan(arr, reader, planSelection(arr.meta.shape, reader.chunkShape, blocksToSelection(arr.meta.shape, arr.meta.chunkShape, blocks)), opts);
}

/** Per dimension a block (chunk) index or a slice of blocks; `"..."` allowed. */
export type BlockSelection = BlockDimSelection | "..." | readonly (BlockDimSelection | "...")[] | undefined;

/** A value to write: an NDArray of the selection's shape, raw data of that many elements, or a scalar to broadcast. */
export type WriteValue = NDArray | DataValues | number | bigint | boolean | string | Uint8Array | null;

function scalarUnit(arr: ZarrArray, v: WriteValue): DataValues {
  const { dtype } = arr.meta;
  const one = allocate(dtype, 1);
  if (Array.isArray(one)) { one[0] = v; return one; }
  const raw = rawFill(dtype, dtype.kind === "int" || dtype.kind === "uint" ? (dtype.bits === 64 ? BigInt(v as number) : v) : dtype.kind === "datetime" || dtype.kind === "timedelta" ? BigInt(v as number) : v);
  return allocateFilled(dtype, 1, { value: v, raw });
}

function isNDArray(v: unknown): v is NDArray {
  return typeof v === "object" && v !== null && "data" in v && "shape" in v && "dtype" in v;
}

/**
 * Interpret a write value: the element data to copy (`data`), or one element to broadcast
 * (`unit`). Plain number arrays become the dtype's typed array; for vlen-bytes a single
 * Uint8Array is one value, and for S/V/structured a Uint8Array of exactly one element's
 * bytes is one value.
 */
function writeSource(arr: ZarrArray, value: WriteValue, count: number): WriteSource {
  const { dtype } = arr.meta;
  const { units, unitBytes } = layoutOf(dtype);
  const vlen = unitBytes === 0;
  const where = arr.path || "/";
  const check = (n: number) => {
    if (n !== count) throw new SelectionError(`value has ${n} elements, the selection ${count}`, where);
  };
  if (isNDArray(value)) {
    check(product(value.shape));
    return { data: value.data };
  }
  if (Array.isArray(value)) {
    check(value.length);
    if (vlen) return { data: value };
    const typed = allocate(dtype, count) as unknown as { [i: number]: unknown };
    value.forEach((v, i) => { typed[i] = typeof v === "boolean" ? Number(v) : dtype.kind === "int" || dtype.kind === "uint" ? (dtype.bits === 64 ? BigInt(v as number) : v) : v; });
    return { data: typed as unknown as DataValues };
  }
  const isTyped = typeof value === "object" && value !== null && "buffer" in value && typeof (value as { length?: unknown }).length === "number";
  if (isTyped && !(vlen && value instanceof Uint8Array)) {
    const len = (value as { length: number }).length;
    if (!(value instanceof Uint8Array && units > 1 && len === units && count !== 1)) {
      if (len % units !== 0) throw new SelectionError(`value has ${len} units, not a whole number of ${units}-unit elements`, where);
      check(len / units);
      return { data: value as DataValues };
    }
  }
  return { unit: scalarUnit(arr, value) };
}

function writeValue(arr: ZarrArray, plan: SelectionPlan, value: WriteValue, opts: AccessOptions): Promise<void> {
  if (!isWritable(arr.store)) throw new StoreError("store is read-only", arr.store.url);
  return writePlan(arr, plan, writeSource(arr, value, plan.count), opts);
}

/** Write a basic or orthogonal selection (`z[...] = value`, `z.oindex[...] = value`). */
export async function set(arr: ZarrArray, selection: Selection, value: WriteValue, opts: AccessOptions = {}): Promise<void> {
  await writeValue(arr, planSelection(arr.meta.shape, arr.meta.chunkShape, selection), value, opts);
}

/** Write single points (`z.vindex[...] = value`); with duplicate points the last value wins. */
export async function setPoints(arr: ZarrArray, coords: readonly (readonly number[] | ArrayLike<number>)[], value: WriteValue, opts: AccessOptions = {}): Promise<void> {
  await writeValue(arr, planPoints(arr.meta.shape, arr.meta.chunkShape, coords as never), value, opts);
}

/** Write whole chunks by block index (`z.blocks[...] = value`). */
export async function setBlocks(arr: ZarrArray, blocks: BlockSelection, value: WriteValue, opts: AccessOptions = {}): Promise<void> {
  await writeValue(arr, planSelection(arr.meta.shape, arr.meta.chunkShape, blocksToSelection(arr.meta.shape, arr.meta.chunkShape, blocks)), value, opts);
}

/**
 * Change the array's shape. Chunks wholly outside the new shape are deleted; as in
 * zarr-python, chunks cut by the new edge keep their stored values beyond it.
 */
export async function resize(arr: ZarrArray, shape: number[]): Promise<ZarrArray> {
  const store = arr.store;
  if (!isWritable(store)) throw new StoreError("store is read-only", store.url);
  if (shape.length !== arr.meta.shape.length || shape.some((s) => !Number.isSafeInteger(s) || s < 0))
    throw new SelectionError(`new shape ${shape} must have ${arr.meta.shape.length} non-negative integers`, arr.path || "/");
  const oldGrid = gridShape(arr.meta.shape, arr.meta.chunkShape);
  const newGrid = gridShape(shape, arr.meta.chunkShape);
  const meta = { ...arr.meta, shape: [...shape] };
  await writeMetadata(store, arr.path, meta);
  const deleted: string[] = [];
  // Delete chunks outside the new grid, visiting only the cells that fall outside: for each
  // shrunk dimension d, cells with coords[d] beyond the new grid and earlier dims still inside.
  for (let d = 0; d < oldGrid.length; d++) {
    if (newGrid[d] >= oldGrid[d]) continue;
    const lo = oldGrid.map((_, e) => (e === d ? newGrid[d] : 0));
    const hi = oldGrid.map((g, e) => (e < d ? Math.min(g, newGrid[e]) : g));
    if (hi.some((h, e) => h <= lo[e])) continue;
    const coords = [...lo];
    for (;;) {
      const k = chunkKeyOf(arr, coords);
      await store.delete(k);
      if (arr.cache) deleted.push(k);
      let e = coords.length - 1;
      for (; e >= 0; e--) { if (++coords[e] < hi[e]) break; coords[e] = lo[e]; }
      if (e < 0) break;
    }
  }
  if (arr.cache) for (const k of deleted) arr.cache.invalidate(cacheObjectId(store, k));
  return { ...arr, meta, pipeline: arr.pipeline };
}

/** Append `value` along `axis` (default 0): resize, then write the new region. Returns the resized array. */
export async function append(arr: ZarrArray, value: NDArray, axis = 0, opts: AccessOptions = {}): Promise<ZarrArray> {
  const shape = arr.meta.shape;
  if (value.shape.length !== shape.length || value.shape.some((s, d) => d !== axis && s !== shape[d]))
    throw new SelectionError(`cannot append shape ${value.shape} to ${shape} along axis ${axis}`, arr.path || "/");
  const grown = await resize(arr, shape.map((s, d) => (d === axis ? s + value.shape[d] : s)));
  await set(grown, shape.map((s, d) => (d === axis ? { start: s, stop: s + value.shape[d] } : null)), value, opts);
  return grown;
}

