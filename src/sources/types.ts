/**
 * Chunk sources: one interface that yields the chunks of an array-like thing (a Zarr array,
 * an HDF5 dataset, a typed array in memory), so the compute and genomics layers take any of
 * them. A source has a regular chunk grid over its shape; edge chunks are clipped to the
 * array's extent (ragged). Chunk data always lives in shared memory (a SharedArrayBuffer), so
 * kernels in pool threads see it without a copy.
 *
 * This module holds the contract and the grid geometry every source and consumer shares.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { isShared, isVariableLength, layoutOf, viewAs, type DataType, type DataValues } from "../format/dtype.js";

export { isShared };
import { ComputeError, SelectionError, UnsupportedError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import type { ChunkPool } from "../runtime/pool.js";
import type { PipelineRef } from "../runtime/chunk-worker.js";
import type { KernelRef } from "../runtime/kernel-task.js";
import { readFileRange, readLocalFile, type FileRange } from "../stores/fs.js";
import type { LocalFile } from "../stores/types.js";
import type { FillValue } from "../format/fill-value.js";
import { renewedRange } from "./hdf5-direct.js";

/** Options of one chunk read. */
export interface ChunkReadOptions {
  /** Pool whose threads do the reading/decoding (sources that use threads; default: the source's, else the process-wide pool). */
  pool?: ChunkPool;
  /** Checked before the read starts; an aborted read rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Something that yields the chunks of an n-dimensional array of a fixed-size dtype. */
export interface ChunkSource {
  /** Array shape. */
  readonly shape: readonly number[];
  /** Element type (fixed-size numeric or bool dtypes). */
  readonly dtype: DataType;
  /** Regular grid cell shape, every entry >= 1; edge chunks are clipped (ragged). */
  readonly chunkShape: readonly number[];
  /** Human name for errors and progress, e.g. "genotypes.zarr#calldata/GT" or "x.h5#calldata/genotype". */
  readonly name: string;
  /**
   * Read chunk `coords` (grid coordinates), clipped to the array's extent, C order, native
   * byte order, data backed by a SharedArrayBuffer. Treat the result as read-only: a source
   * may hand out views of memory it shares with other chunks (see each source).
   */
  read(coords: readonly number[], opts?: ChunkReadOptions): Promise<NDArray>;
  /** Release what the source holds; reads after `close` fail. */
  close?(): Promise<void>;
  /**
   * Optional: chunk `coords` as stored bytes plus what decodes them, when the chunk is exactly
   * one stored object (undefined otherwise). Lets the compute layer decode it in the same
   * worker task that computes on it: one task, no shared block buffer, no second hop.
   */
  rawChunk?(coords: readonly number[]): Promise<RawChunk | undefined>;
  /**
   * Optional: a kernel that makes chunk `coords` inside a worker thread (called with `args`
   * plus `shared: true` when the block must be in shared memory, or `out`, a reused buffer of
   * `bytes` bytes to fill, when the block stays in the thread), for sources whose reads
   * are worker work anyway (HDF5). The compute layer then reads the block in the task that
   * computes on it, into that thread's private memory: no shared buffer per block.
   */
  leafTask?(coords: readonly number[]): LeafTask;
  /**
   * Optional: chunk `coords` as several stored chunks that tile it (undefined when it cannot be
   * put that way), for sources whose chunks span many stored ones (HDF5 row blocks over small
   * HDF5 chunks). Like {@link rawChunk}, lets the computing task decode them itself.
   */
  rawParts?(coords: readonly number[]): Promise<RawParts | undefined>;
}

/** A block made of stored chunks: see {@link ChunkSource.rawParts}. */
export interface RawParts {
  /** The block's shape. */
  shape: number[];
  dtype: DataType;
  /** Each stored chunk and where its extent lands in the block (the parts tile the block). */
  parts: { raw: RawChunk; start: number[] }[];
}

/** A kernel call that makes one block in a worker: see {@link ChunkSource.leafTask}. */
export interface LeafTask {
  kernel: KernelRef;
  args: Record<string, unknown>;
  /** The block's shape. */
  shape: number[];
  /** Bytes of the block, when the kernel can fill a buffer it is given (`out`). */
  bytes?: number;
}

/** A chunk as stored: see {@link ChunkSource.rawChunk}. */
export interface RawChunk {
  /** The stored bytes; undefined when the chunk is not stored (it reads as the fill value) or is in `file`. */
  bytes?: Uint8Array;
  /** A local file holding the stored bytes, read by the thread that decodes them (a missing file: not stored). */
  file?: LocalFile;
  /** A byte range of a local file holding the stored bytes (a missing or changed file is an error, but see `hdf5`). */
  range?: FileRange;
  /**
   * Which chunk of which HDF5 dataset `range` holds (`chunk`: its C-order index over the HDF5
   * chunk grid; `of.layout`: what decoding it relies on; `of` is shared by the dataset's chunks). When the file's size or mtime changed,
   * the reading thread reads the dataset's chunk index again and reads the chunk from the file
   * as it is now if it is unchanged there (hdf5-direct.ts `renewedRange`); else the read fails.
   */
  hdf5?: { of: { dataset: string; layout: string }; chunk: number };
  /** Names the chunk in errors. */
  key: string;
  /** The pipeline that decodes `bytes` to a chunk of `chunkShape`. */
  pipeline: PipelineRef;
  /** Full stored chunk shape (edge chunks are stored padded). */
  chunkShape: number[];
  /** The part of the chunk inside the array (the source chunk's shape). */
  extent: number[];
  fill: FillValue;
}

/**
 * The stored bytes of a raw chunk, reading its file (range) in this thread when it names one
 * (undefined: not stored). A range of a file changed since is read again only where its HDF5
 * chunk is unchanged (see {@link RawChunk.hdf5}); otherwise the read's error stands.
 */
export function storedBytes(raw: RawChunk): Uint8Array | undefined {
  if (raw.bytes) return raw.bytes;
  if (raw.range) return readRanges(raw.range, [raw], raw.key);
  return raw.file ? readLocalFile(raw.file, raw.key) : undefined;
}

/**
 * Read `range`, which spans the ranges of `members`. When that fails and every member is an
 * HDF5 chunk unchanged in the file as it is now (all at one new stamp), read it again at that
 * stamp: offsets and lengths are unchanged then, so the span is too. Else the first error.
 */
function readRanges(range: FileRange, members: readonly RawChunk[], key: string): Uint8Array {
  try {
    return readFileRange(range, key);
  } catch (e) {
    const renewed = members.map(renewedRange);
    const now = renewed[0];
    if (!now || renewed.some((r) => !r || r.size !== now.size || r.mtimeMs !== now.mtimeMs)) throw e;
    return readFileRange({ ...range, size: now.size, mtimeMs: now.mtimeMs }, key);
  }
}

/** Bytes two ranges of one file may lie apart and still be read together (read and dropped). */
const COALESCE_GAP = 64 * 1024;
/** Largest single read that coalescing makes. */
const COALESCE_MAX = 64 * 2 ** 20;

/**
 * The stored bytes of every raw chunk in `raws` (undefined: not stored), as {@link storedBytes}
 * gives them, but ranges of one file that lie close together are read with one call: the
 * chunks of an HDF5 block usually sit one after another, and a read per chunk of a few KiB
 * costs as much as inflating it.
 */
export function storedBytesAll(raws: readonly RawChunk[]): (Uint8Array | undefined)[] {
  const out: (Uint8Array | undefined)[] = raws.map((r) => (r.range ? undefined : storedBytes(r)));
  const ranged = raws.map((r, i) => i).filter((i) => raws[i].range).sort((a, b) => raws[a].range!.offset - raws[b].range!.offset);
  for (let k = 0; k < ranged.length;) {
    const first = raws[ranged[k]].range!;
    let end = first.offset + first.length;
    let m = k + 1;
    for (; m < ranged.length; m++) {
      const r = raws[ranged[m]].range!;
      if (r.path !== first.path || r.mtimeMs !== first.mtimeMs || r.size !== first.size) break;
      if (r.offset - end > COALESCE_GAP || Math.max(end, r.offset + r.length) - first.offset > COALESCE_MAX) break;
      end = Math.max(end, r.offset + r.length);
    }
    const key = m - k === 1 ? raws[ranged[k]].key : `${raws[ranged[k]].key} (and ${m - k - 1} chunks after it)`;
    const bytes = readRanges({ ...first, length: end - first.offset }, ranged.slice(k, m).map((j) => raws[j]), key);
    for (let j = k; j < m; j++) {
      const r = raws[ranged[j]].range!;
      out[ranged[j]] = bytes.subarray(r.offset - first.offset, r.offset - first.offset + r.length);
    }
    k = m;
  }
  return out;
}

/** Where a chunk lies in the array: its first element and its (clipped) extent. */
export interface ChunkBox {
  start: number[];
  shape: number[];
}

/** Largest chunk, in elements: one typed array holds at most 2^32 - 1 elements on Node 20. */
export const MAX_CHUNK_ELEMENTS = 2 ** 32 - 1;

type Grid = Pick<ChunkSource, "shape" | "chunkShape">;

/** Number of chunks along each dimension (0 along an empty dimension). */
export function chunkGrid(source: Grid): number[] {
  return source.shape.map((n, d) => Math.ceil(n / source.chunkShape[d]));
}

/** Total number of chunks (1 for a 0-d array, 0 when any dimension is empty). */
export function chunkCount(source: Grid): number {
  return product(chunkGrid(source));
}

/** Start and clipped extent of chunk `coords`; throws a SelectionError naming the source for coords outside the grid. */
export function chunkBox(source: Grid & { name?: string }, coords: readonly number[]): ChunkBox {
  checkCoords(source, coords);
  const start = coords.map((c, d) => c * source.chunkShape[d]);
  return { start, shape: start.map((s, d) => Math.min(source.chunkShape[d], source.shape[d] - s)) };
}

/**
 * Throw a ComputeError unless the parts' extents add up to the block (parts are checked to lie
 * inside it where they are placed; with this, gaps would need overlaps): a block with a gap
 * would hold stale bytes from reused buffers.
 */
export function checkTiling(p: RawParts): void {
  const covered = p.parts.reduce((n, { raw }) => n + product(raw.extent), 0);
  if (covered !== product(p.shape)) throw new ComputeError("read", `stored chunks cover ${covered} of the block's ${product(p.shape)} elements`);
}

/**
 * True when every chunk of a `chunkShape` grid over `shape` is tiled by whole chunks of a
 * `stored` grid: each dimension a multiple of the stored one, or spanning the whole array.
 */
export function tilesStored(chunkShape: readonly number[], stored: readonly number[], shape: readonly number[]): boolean {
  return chunkShape.length === stored.length && chunkShape.every((n, d) => n % stored[d] === 0 || n >= shape[d]);
}

/**
 * The stored chunks (grid `stored`) that tile `box`, whose start is a multiple of `stored`:
 * each one's grid coordinates and where it starts inside the box.
 */
export function tilingChunks(box: ChunkBox, stored: readonly number[]): { coords: number[]; start: number[] }[] {
  const first = box.start.map((s, d) => s / stored[d]);
  return [...chunkCoords({ shape: box.shape, chunkShape: stored })].map((c) => ({ coords: c.map((x, d) => first[d] + x), start: c.map((x, d) => x * stored[d]) }));
}

/** Every grid coordinate in C order (last dimension fastest), generated lazily. */
export function* chunkCoords(source: Grid): Generator<number[]> {
  const grid = chunkGrid(source);
  if (grid.some((n) => n === 0)) return;
  const c = new Array<number>(grid.length).fill(0);
  for (;;) {
    yield c.slice();
    let d = grid.length - 1;
    for (; d >= 0; d--) {
      if (++c[d] < grid[d]) break;
      c[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Throw a SelectionError unless `coords` names a chunk of the grid. */
export function checkCoords(source: Grid & { name?: string }, coords: readonly number[]): void {
  const grid = chunkGrid(source);
  const bad = (why: string): never => { throw new SelectionError(`chunk [${String(coords)}]: ${why}`, source.name); };
  if (!Array.isArray(coords)) bad("coordinates must be an array of integers");
  if (coords.length !== grid.length) bad(`has ${coords.length} coordinates, the array has ${grid.length} dimensions`);
  for (const [d, c] of coords.entries())
    if (typeof c !== "number" || !Number.isSafeInteger(c) || c < 0 || c >= grid[d]) bad(`coordinate ${d} is outside the grid (0..${grid[d] - 1})`);
}

/**
 * Validate a chunk shape for an array of `shape` (same rank, positive integers, at most
 * {@link MAX_CHUNK_ELEMENTS} elements) and return a copy; errors name the source.
 */
export function checkChunkShape(chunkShape: readonly number[], shape: readonly number[], name: string): number[] {
  const bad = (why: string): never => { throw new SelectionError(`chunk shape [${String(chunkShape)}]: ${why}`, name); };
  if (!Array.isArray(chunkShape)) bad("must be an array of positive integers");
  if (chunkShape.length !== shape.length) bad(`has ${chunkShape.length} dimensions, the array has ${shape.length}`);
  for (const [d, n] of chunkShape.entries())
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) bad(`entry ${d} is not a positive integer`);
  // Clip to the array first: a chunk larger than the array never materialises whole.
  if (product(chunkShape.map((n, d) => Math.min(n, Math.max(1, shape[d])))) > MAX_CHUNK_ELEMENTS)
    bad(`a chunk would hold more than ${MAX_CHUNK_ELEMENTS} elements`);
  return [...chunkShape];
}

/** Throw an UnsupportedError unless `dtype` has a fixed size (JS values cannot live in shared memory). */
export function checkFixedSize(dtype: DataType, name: string): void {
  if (isVariableLength(dtype)) throw new UnsupportedError("data type", `${dtype.kind}: chunk sources hold fixed-size types only`, name);
}

/** Bytes one element of `dtype` takes in memory (fixed-size dtypes). */
export function elementBytes(dtype: DataType): number {
  const { units, unitBytes } = layoutOf(dtype);
  return units * unitBytes;
}

/** Zeroed data for `n` elements of `dtype` in a fresh SharedArrayBuffer. */
export function allocateShared(dtype: DataType, n: number): DataValues {
  return viewAs(dtype, new Uint8Array(new SharedArrayBuffer(n * elementBytes(dtype))));
}


/**
 * A chunk shape for data without one of its own (contiguous HDF5 datasets, memory arrays):
 * C-order row blocks of about `targetBytes`, which are contiguous in memory and on disk.
 * Trailing dimensions stay whole; the first dimension whose sub-block still exceeds the
 * target is cut, and the dimensions before it are 1.
 */
export function rowBlockChunks(shape: readonly number[], itemBytes: number, targetBytes = 16 * 2 ** 20): number[] {
  const chunks = shape.map((n) => Math.max(1, n));
  let inner = itemBytes; // bytes of one step along dimension d (the whole trailing block)
  for (let d = shape.length - 1; d >= 0; d--) {
    const whole = inner * chunks[d];
    if (whole > targetBytes) {
      chunks[d] = Math.max(1, Math.floor(targetBytes / inner));
      for (let e = 0; e < d; e++) chunks[e] = 1;
      break;
    }
    inner = whole;
  }
  return chunks;
}
