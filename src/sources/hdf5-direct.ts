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
 * @module
 */
import type { CodecSpec } from "../format/metadata.js";
import { viewAs, type DataType } from "../format/dtype.js";
import type { FillValue } from "../format/fill-value.js";
import { readHdf5Layout, type Hdf5DatasetLayout, type Hdf5Filter } from "../hdf5/index.js";
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
  stamp: { size: number; mtimeMs: number };
}

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

/**
 * Worker side: read the chunk index of `dataset` in `file` (already checked to be a dataset of
 * `dtype`, `itemBytes` per element). Never throws: a file the reader cannot handle is a reason.
 */
export function planDirect(file: string, dataset: string, dtype: DataType, itemBytes: number): Hdf5DirectPlan {
  try {
    const { layout, stamp } = readLayout(file, dataset);
    return planOf(layout, dtype, itemBytes, stamp);
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  }
}

/** The layout of `dataset`, checked to come from one version of the file. */
function readLayout(file: string, dataset: string): { layout: Hdf5DatasetLayout; stamp: Hdf5ChunkIndex["stamp"] } {
  const stamp = fileStamp(file);
  const layout = readHdf5Layout(file, dataset);
  const again = fileStamp(file);
  if (again.size !== stamp.size || again.mtimeMs !== stamp.mtimeMs) throw new StoreError("the file changed while its index was read", `${file}#${dataset}`);
  return { layout, stamp };
}

function planOf(layout: Hdf5DatasetLayout, dtype: DataType, itemBytes: number, stamp: Hdf5ChunkIndex["stamp"]): Hdf5DirectPlan {
  const why = refusal(layout, dtype, itemBytes);
  if (why) return { ok: false, reason: why };
  const storage = layout.storage as Extract<Hdf5DatasetLayout["storage"], { kind: "chunked" }>;
  const codecs = codecsOfFilters(layout.filters, itemBytes);
  if (typeof codecs === "string") return { ok: false, reason: codecs };
  const fill = layout.fillValue?.length === itemBytes ? layout.fillValue : undefined;
  const { grid, address, size, filterMask } = storage.chunks;
  return { ok: true, index: { chunkShape: storage.chunkShape, grid, address, size, filterMask, codecs, fill, stamp } };
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
 * and 30-40 MiB per thread). Undefined for anything else (and for any failure: h5wasm then
 * describes the dataset and words the error).
 */
export function describeDirect(file: string, dataset: string): Hdf5Description | undefined {
  try {
    const { layout, stamp } = readLayout(file, dataset);
    const dtype = dtypeOf(layout.datatype);
    if (!dtype || layout.storage.kind !== "chunked") return undefined;
    const direct = planOf(layout, dtype, layout.datatype.size, stamp);
    if (!direct.ok) return undefined;
    return { shape: layout.shape, dtype, chunks: direct.index.chunkShape, filters: layout.filters.map((f) => f.name), direct };
  } catch {
    return undefined;
  }
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
  return { ...raw, range };
}
