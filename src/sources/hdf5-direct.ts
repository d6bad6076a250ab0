/**
 * Reading an HDF5 dataset's stored chunks without the HDF5 library: the file's own chunk index
 * (read by src/hdf5) gives every chunk's address and size, a worker reads those bytes and
 * decodes them with the codecs that do what HDF5's filters do (deflate → zlib, shuffle,
 * fletcher32), exactly like a Zarr chunk. Every thread then inflates with node:zlib instead of
 * h5wasm's inflate inside WebAssembly (about 2× slower) behind a hyperslab copy.
 *
 * Only what decodes bit for bit that way takes this path: little-endian fixed-size numbers,
 * those three filters, chunks that skipped none of them. Anything else (other filters,
 * big-endian data, a layout the reader does not handle) keeps h5wasm, with the reason kept.
 *
 * Ranges carry the file's size and mtime when its index was read. A file whose stamp changed
 * (h5py opening it to append does, without writing) has its index read again by the thread
 * that reads a chunk (`renewedRange`): a chunk still at the same place in a dataset of the same
 * description is read from the file as it is now; anything else stays an error.
 * @module
 */
import type { CodecSpec } from "../format/metadata.js";
import { viewAs, type DataType } from "../format/dtype.js";
import type { FillValue } from "../format/fill-value.js";
import { readHdf5Layout, type Hdf5ChunkTable, type Hdf5DatasetLayout, type Hdf5Filter } from "../hdf5/index.js";
import { fileStamp, type FileRange } from "../stores/fs.js";
import { StoreError } from "../format/errors.js";
import type { Hdf5Description } from "./hdf5-kernel.js";
import type { PipelineRef } from "../runtime/chunk-worker.js";
import type { RawChunk } from "./types.js";

/** Where every stored chunk of a dataset is and how its bytes decode (plain data: crosses threads). */
export interface Hdf5ChunkIndex {
  chunkShape: number[];
  /** Chunks per dimension. */
  grid: number[];
  /** Per chunk, C order over the grid: file address (-1: not allocated), stored bytes, filter mask. */
  address: Float64Array;
  size: Float64Array;
  filterMask: Uint32Array;
  /** The codecs (Zarr v2 names, pipeline order) that undo the dataset's filters. */
  codecs: CodecSpec[];
  /** One element of the fill value (little-endian bytes), or undefined: zeros. */
  fill: Uint8Array | undefined;
  /** The file's size and mtime when the index was read (reads check them). */
  stamp: Stamp;
  /**
   * The dataset's path in the file (a changed file's index is read again from it) and what
   * decoding a stored chunk relies on besides its bytes (shape, chunk shape, datatype,
   * filters: a re-read index must match it). One object every raw chunk refers to, so a task
   * message carries it once, not once per chunk.
   */
  ident: { dataset: string; layout: string };
}

type Stamp = { size: number; mtimeMs: number };

/** The index, or why the dataset keeps being read through h5wasm. */
export type Hdf5DirectPlan = { ok: true; index: Hdf5ChunkIndex } | { ok: false; reason: string };

/** The codecs undoing `filters` (in pipeline order) for elements of `itemBytes`, or why there are none. */
export function codecsOfFilters(filters: readonly Hdf5Filter[], itemBytes: number): CodecSpec[] | string {
  const codecs: CodecSpec[] = [];
  for (const f of filters) {
    if (f.id === 1) codecs.push({ name: "zlib", configuration: { level: Math.min(9, Math.max(0, f.clientData[0] ?? 1)) } });
    // HDF5 shuffles by the datatype's size (its client data says so once the dataset exists).
    else if (f.id === 2) codecs.push({ name: "shuffle", configuration: { elementsize: f.clientData[0] ?? itemBytes } });
    else if (f.id === 3) codecs.push({ name: "fletcher32", configuration: {} });
    else return `filter ${f.name || "?"} (id ${f.id}) has no codec here`;
  }
  return codecs;
}

/** Why `layout` cannot be read chunk by chunk as `dtype` (undefined: it can). */
function refusal(layout: Hdf5DatasetLayout, dtype: DataType, itemBytes: number): string | undefined {
  const t = layout.datatype;
  if (t.class !== "integer" && t.class !== "float") return "not a numeric datatype";
  if (t.size !== itemBytes) return `datatype is ${t.size} bytes, the source's dtype ${itemBytes}`;
  if (!t.littleEndian && t.size > 1) return "big-endian data";
  if (dtype.kind === "float" && t.class !== "float") return "datatype class differs from the dtype";
  if (layout.storage.kind !== "chunked") return `${layout.storage.kind} layout`;
  return undefined;
}

/** A dataset's layout as read from its file (with the file's stamp), or why it could not be read. */
export type LayoutRead = { layout: Hdf5DatasetLayout; stamp: Stamp; dataset: string } | { error: string };

/** Worker side: read the layout of `dataset` in `file` once, for {@link describeDirect} and {@link planDirect}. Never throws. */
export function readDatasetLayout(file: string, dataset: string): LayoutRead {
  try {
    return { ...readLayout(file, dataset), dataset };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * Worker side: the chunk index of a dataset already checked (by h5wasm) to be of `dtype`,
 * `itemBytes` per element, or why its chunks cannot be read without HDF5.
 */
export function planDirect(read: LayoutRead, dtype: DataType, itemBytes: number): Hdf5DirectPlan {
  if ("error" in read) return { ok: false, reason: read.error };
  return planOf(read.layout, dtype, itemBytes, read.stamp, read.dataset);
}

/** The layout of `dataset`, checked to come from one version of the file. */
function readLayout(file: string, dataset: string): { layout: Hdf5DatasetLayout; stamp: Stamp } {
  const stamp = fileStamp(file);
  const layout = readHdf5Layout(file, dataset);
  const again = fileStamp(file);
  if (again.size !== stamp.size || again.mtimeMs !== stamp.mtimeMs) throw new StoreError("the file changed while its index was read", `${file}#${dataset}`);
  return { layout, stamp };
}

function planOf(layout: Hdf5DatasetLayout, dtype: DataType, itemBytes: number, stamp: Stamp, dataset: string): Hdf5DirectPlan {
  const why = refusal(layout, dtype, itemBytes);
  if (why) return { ok: false, reason: why };
  const storage = layout.storage as Extract<Hdf5DatasetLayout["storage"], { kind: "chunked" }>;
  const codecs = codecsOfFilters(layout.filters, itemBytes);
  if (typeof codecs === "string") return { ok: false, reason: codecs };
  const fill = layout.fillValue?.length === itemBytes ? layout.fillValue : undefined;
  const { grid, address, size, filterMask } = storage.chunks;
  const layoutId = layoutIdOf(layout, storage.chunkShape);
  return { ok: true, index: { chunkShape: storage.chunkShape, grid, address, size, filterMask, codecs, fill, stamp, ident: { dataset, layout: layoutId } } };
}

/**
 * What decoding a stored chunk relies on besides its bytes, as one string: the dataset's shape
 * (the grid and edge extents), chunk shape, datatype and filters with their parameters.
 */
function layoutIdOf(layout: Hdf5DatasetLayout, chunkShape: readonly number[]): string {
  const t = layout.datatype;
  return JSON.stringify([layout.shape, chunkShape, [t.class, t.size, t.littleEndian, t.signed], layout.filters.map((f) => [f.id, f.clientData])]);
}

/** The dtype of a plain HDF5 number (undefined for anything else: h5wasm describes those). */
function dtypeOf(t: Hdf5DatasetLayout["datatype"]): DataType | undefined {
  if (t.class === "integer" && [1, 2, 4, 8].includes(t.size)) return { kind: t.signed ? "int" : "uint", bits: (t.size * 8) as 8, endian: "little" };
  if (t.class === "float" && [2, 4, 8].includes(t.size)) return { kind: "float", bits: (t.size * 8) as 16, endian: "little" };
  return undefined;
}

/**
 * Worker side: the whole description of a chunked dataset of plain numbers whose chunks can be
 * read without HDF5, from the file's own structures — h5wasm is then never started (~0.3 s
 * and 30-40 MiB per thread). Undefined for anything else (and for a layout that could not be
 * read: h5wasm then describes the dataset and words the error).
 */
export function describeDirect(read: LayoutRead): Hdf5Description | undefined {
  if ("error" in read) return undefined;
  const { layout } = read;
  const dtype = dtypeOf(layout.datatype);
  if (!dtype || layout.storage.kind !== "chunked") return undefined;
  const direct = planDirect(read, dtype, layout.datatype.size);
  if (!direct.ok) return undefined;
  return { shape: layout.shape, dtype, chunks: direct.index.chunkShape, filters: layout.filters.map((f) => f.name), direct };
}

/** The fill value of chunks never written, as the source's dtype. */
export function fillOf(index: Hdf5ChunkIndex, dtype: DataType, itemBytes: number): FillValue {
  const raw = index.fill ? Uint8Array.from(index.fill) : new Uint8Array(itemBytes);
  return { value: viewAs(dtype, raw.slice())[0], raw };
}

/**
 * Stored chunk `coords` (HDF5 grid) of `file` as a raw chunk, or undefined when it skipped a
 * filter (its bytes need another pipeline: the caller reads it through h5wasm).
 */
export function directRaw(index: Hdf5ChunkIndex, file: string, pipeline: PipelineRef, fill: FillValue, coords: readonly number[], extent: number[], key: string): RawChunk | undefined {
  let i = 0;
  for (let d = 0; d < coords.length; d++) i = i * index.grid[d] + coords[d];
  if (index.filterMask[i] !== 0) return undefined;
  const raw: RawChunk = { key, pipeline, chunkShape: index.chunkShape, extent, fill };
  const address = index.address[i];
  if (address < 0) return raw; // never written: the fill value
  const range: FileRange = { path: file, offset: address, length: index.size[i], ...index.stamp };
  return { ...raw, range, hdf5: { of: index.ident, chunk: i } };
}

/** A dataset's chunk table re-read from a changed file (none: it could not be read as chunked). */
interface Reread {
  key: string;
  stamp: Stamp;
  layoutId?: string;
  chunks?: Hdf5ChunkTable;
}

/** Re-read indexes this thread keeps: a computation reads few files at once. */
const REREADS_KEPT = 4;
const rereads: Reread[] = [];
let rereadCount = 0;

/** How many times this thread has read a changed file's chunk index again (for tests). */
export function hdf5IndexRereads(): number {
  return rereadCount;
}

const rereadKey = (file: string, dataset: string, s: Stamp) => `${s.size}:${s.mtimeMs}:${file}#${dataset}`;

/** The chunk table of `dataset` in `file` at stamp `now`, read at most once per thread while kept. */
function reread(file: string, dataset: string, now: Stamp): Reread {
  const key = rereadKey(file, dataset, now);
  const kept = rereads.find((r) => r.key === key);
  if (kept) return kept;
  rereadCount++;
  let entry: Reread = { key, stamp: now };
  try {
    const { layout, stamp } = readLayout(file, dataset);
    // Kept under the stamp it was read at: the file may have changed again since `now`.
    if (layout.storage.kind === "chunked")
      entry = { key: rereadKey(file, dataset, stamp), stamp, layoutId: layoutIdOf(layout, layout.storage.chunkShape), chunks: layout.storage.chunks };
  } catch {
    // Not readable now (truncated, replaced, changing): kept as such, the read keeps its error.
  }
  rereads.push(entry);
  if (rereads.length > REREADS_KEPT) rereads.shift();
  return entry;
}

/**
 * Worker side: the range of HDF5 chunk `raw` in its file as the file is now, when the file's
 * size or mtime differ from the range's (h5py opening a file to append changes the mtime
 * without writing). The dataset's chunk index is read again (once per file, dataset and new
 * stamp in a thread) and, when the dataset's shape, chunk shape, datatype and filters and this
 * chunk's address, stored size and filter mask are all unchanged, the range is returned with
 * the new stamp (the read then checks that one). Undefined otherwise: not an HDF5 chunk, the
 * file unchanged, missing or unreadable, the chunk moved, resized or gone; the caller keeps
 * its error and reads nothing.
 *
 * A chunk rewritten in place with the same stored size passes and reads as the file holds it
 * now: what a read through h5wasm, which reopens the file, returns too. The check guarantees
 * the bytes read are this chunk's, decoded as the source was described, not that they are
 * the bytes it held when the source was opened.
 */
export function renewedRange(raw: RawChunk): FileRange | undefined {
  const { range, hdf5 } = raw;
  if (!range || !hdf5) return undefined;
  let now: Stamp;
  try {
    now = fileStamp(range.path);
  } catch {
    return undefined;
  }
  if (now.size === range.size && now.mtimeMs === range.mtimeMs) return undefined;
  const { chunks, layoutId, stamp } = reread(range.path, hdf5.of.dataset, now);
  const i = hdf5.chunk;
  if (!chunks || layoutId !== hdf5.of.layout || !Number.isSafeInteger(i) || i < 0 || i >= chunks.address.length) return undefined;
  if (chunks.address[i] !== range.offset || chunks.size[i] !== range.length || chunks.filterMask[i] !== 0) return undefined;
  return { ...range, size: stamp.size, mtimeMs: stamp.mtimeMs };
}
