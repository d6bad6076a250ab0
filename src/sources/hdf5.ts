/**
 * A chunk source over an HDF5 dataset. All HDF5 work, metadata included, runs as kernels in
 * pool threads (hdf5-kernel.ts), each thread with its own h5wasm instance and its own open
 * files, so chunk reads run in parallel and the main thread never instantiates h5wasm.
 *
 * The default chunk shape is the dataset's HDF5 chunking (row blocks of ~16 MiB for
 * contiguous datasets); `chunks` overrides it, e.g. (6553, 765, 2) over HDF5 chunks of
 * (6553, 10, 2): one source chunk then spans many HDF5 chunks, read in one hyperslab call.
 * Choose whole multiples of the HDF5 chunks: HDF5 decompresses every chunk a hyperslab
 * touches, so a source chunk that cuts HDF5 chunks decompresses them more than once.
 *
 * Reads skip HDF5 when they can: when the file's chunk index is readable and the filters
 * have codecs (hdf5-direct.ts), a compute task reads the stored chunks of its block itself
 * and decodes them with node:zlib (`rawChunk`, or `rawParts` for source chunks that are whole
 * multiples of the HDF5 chunks), and `read` does the same in a pool thread. `directChunks`
 * says whether that is so, or why not. Those
 * reads check the file's size and mtime against the index they came from; when they differ the
 * reading thread re-reads the index and reads a chunk only if it is unchanged there (same dataset
 * description, address, size, filter mask: what h5wasm's reopen would read), else a StoreError.
 * @module
 */
import { resolve } from "node:path";
import type { NDArray } from "../codecs/types.js";
import { bytesOf } from "../format/dtype.js";
import { NodeNotFoundError, StoreError, UnsupportedError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import type { KernelRef } from "../runtime/kernel-task.js";
import { defaultPool, type ChunkPool } from "../runtime/pool.js";
import { parseLocation } from "../stores/location.js";
import { HDF5_KERNELS, hdf5Failure, type Hdf5Description, type Hdf5Outcome, type Hdf5ReadArgs, type Hdf5ReadReport } from "./hdf5-kernel.js";
import { allocateShared, checkChunkShape, chunkBox, elementBytes, rowBlockChunks, tilesStored, tilingChunks, type ChunkBox, type ChunkReadOptions, type ChunkSource, type RawChunk, type RawParts } from "./types.js";
import { directRaw, fillOf, type Hdf5ChunkIndex } from "./hdf5-direct.js";
import { RAW_DECODE_KERNELS } from "./raw-decode.js";
import { pipelineRef } from "../runtime/pipeline-ref.js";
import type { PipelineSpec } from "../codecs/pipeline.js";
import { viewAs, type DataType } from "../format/dtype.js";

/** Options of {@link hdf5Source}. */
export interface Hdf5SourceOptions {
  /** Source chunk shape (default: the dataset's HDF5 chunk shape). */
  chunks?: readonly number[];
  /** Pool for metadata and reads (default: the process-wide pool; a read's own `pool` wins). */
  pool?: ChunkPool;
  signal?: AbortSignal;
}

/** An HDF5 source with what the file says about the dataset. */
export interface Hdf5ChunkSource extends ChunkSource {
  /** Absolute path of the file. */
  readonly file: string;
  /** Dataset path inside the file (no leading '/'). */
  readonly dataset: string;
  /** The dataset's own HDF5 chunk shape (null for contiguous or compact layouts). */
  readonly hdf5Chunks: readonly number[] | null;
  /** HDF5 filter names ("deflate", "shuffle"...). */
  readonly filters: readonly string[];
  /**
   * True when compute tasks read the stored chunks themselves (the file's chunk index, node:zlib:
   * see hdf5-direct.ts); else the reason they go through h5wasm.
   */
  readonly directChunks: true | string;
}

/** Split `file.h5#path/to/dataset` (or a file:// URL with a fragment) into file and dataset path. */
export function parseHdf5Location(location: string): { file: string; dataset: string } {
  const loc = parseLocation(location);
  if (loc.kind !== "file") throw new UnsupportedError("HDF5 location", `only local files are read (${loc.url})`, location);
  return { file: loc.file, dataset: loc.path };
}

function datasetPath(dataset: string, name: string): string {
  const p = dataset.replace(/^\/+|\/+$/g, "");
  if (p === "") throw new NodeNotFoundError("no dataset path given (use file.h5#path/to/dataset)", name);
  return p;
}

/** Stored chunk `coords` of the HDF5 grid as a raw chunk (undefined: it skipped a filter). */
function rawChunkMaker(index: Hdf5ChunkIndex, file: string, dtype: DataType, shape: number[], name: string): (coords: readonly number[]) => RawChunk | undefined {
  const itemBytes = elementBytes(dtype);
  const fill = fillOf(index, dtype, itemBytes);
  const spec: PipelineSpec = { zarrFormat: 2, codecs: index.codecs, chunk: { shape: index.chunkShape, dtype, fillValue: fill.value, fillRaw: fill.raw }, key: name };
  const pipeline = pipelineRef(spec);
  const grid = { shape, chunkShape: index.chunkShape };
  return (c) => directRaw(index, file, pipeline, fill, c, chunkBox(grid, c).shape, `${name} HDF5 chunk [${String(c)}]`);
}

/** Run an HDF5 kernel on `pool` and return its value or throw its typed error naming `name`. */
export async function callHdf5Kernel<T>(pool: ChunkPool, kernel: KernelRef, args: unknown, name: string, signal?: AbortSignal): Promise<T> {
  const r = await pool.kernel<Hdf5Outcome<T>>(kernel, args, { signal, key: name });
  if (!r.ok) throw hdf5Failure(r, name);
  return r.value;
}

/**
 * Open the HDF5 dataset `dataset` of `file` (or a location `file.h5#path/to/dataset`) as a
 * chunk source. Reads shape, dtype and chunking through a pool kernel. Integers, floats
 * (16/32/64-bit), integer enums and h5py's bool are read; other types give an
 * UnsupportedError, a missing file a StoreError, a missing dataset a NodeNotFoundError.
 */
export async function hdf5Source(location: string, opts?: Hdf5SourceOptions): Promise<Hdf5ChunkSource>;
export async function hdf5Source(file: string, dataset: string, opts?: Hdf5SourceOptions): Promise<Hdf5ChunkSource>;
export async function hdf5Source(fileOrLocation: string, datasetOrOpts?: string | Hdf5SourceOptions, maybeOpts?: Hdf5SourceOptions): Promise<Hdf5ChunkSource> {
  const explicit = typeof datasetOrOpts === "string";
  const opts = (explicit ? maybeOpts : datasetOrOpts) ?? {};
  const given = explicit ? { file: fileOrLocation, dataset: datasetOrOpts } : parseHdf5Location(fileOrLocation);
  const name = `${given.file}#${given.dataset.replace(/^\/+/, "")}`;
  if (typeof given.file !== "string" || given.file === "") throw new StoreError("no HDF5 file given", name);
  const file = resolve(given.file);
  const dataset = datasetPath(given.dataset, name);
  const pool = opts.pool;
  const d = await callHdf5Kernel<Hdf5Description>(pool ?? defaultPool(), HDF5_KERNELS.describe, { file, dataset }, name, opts.signal);
  const itemBytes = elementBytes(d.dtype);
  const chunkShape = checkChunkShape(opts.chunks ?? d.chunks ?? rowBlockChunks(d.shape, itemBytes), d.shape, name);
  let closed = false;
  const direct = d.direct.ok ? d.direct.index : undefined;
  const rawAt = direct && rawChunkMaker(direct, file, d.dtype, d.shape, name);
  const stored = direct?.chunkShape ?? [];
  const sameGrid = rawAt && String(chunkShape) === String(stored);
  const multiple = rawAt && !sameGrid && tilesStored(chunkShape, stored, d.shape);
  const open = (coords: readonly number[]) => {
    if (closed) throw new StoreError("the source is closed", name);
    return chunkBox(source, coords);
  };
  /** HDF5 grid coordinates of a source chunk on the same grid. */
  const storedCoords = (box: ChunkBox) => box.start.map((s, i) => s / stored[i]);
  /** The stored chunks tiling a block; undefined when one skipped a filter (it needs HDF5: the whole block goes through h5wasm then). */
  const partsOf = (box: ChunkBox): RawParts | undefined => {
    const parts = tilingChunks(box, stored).map((t) => ({ raw: rawAt!(t.coords), start: t.start }));
    return parts.every((p) => p.raw) ? { shape: box.shape, dtype: d.dtype, parts: parts as RawParts["parts"] } : undefined;
  };

  const source: Hdf5ChunkSource = {
    shape: d.shape, dtype: d.dtype, chunkShape, name, file, dataset, hdf5Chunks: d.chunks, filters: d.filters,
    directChunks: d.direct.ok || d.direct.reason,
    rawChunk: sameGrid ? async (coords) => rawAt(storedCoords(open(coords))) : undefined,
    rawParts: multiple ? async (coords) => partsOf(open(coords)) : undefined,
    async read(coords: readonly number[], ro: ChunkReadOptions = {}): Promise<NDArray> {
      const box = open(coords);
      ro.signal?.throwIfAborted();
      // Stored chunks the thread can decode itself (one, or several tiling the block): no HDF5 there either.
      const raw = sameGrid ? rawAt(storedCoords(box)) : undefined;
      const parts = multiple ? partsOf(box) : undefined;
      if (raw || parts) {
        const key = `${name} chunk [${String(coords)}]`;
        const r = await (ro.pool ?? pool ?? defaultPool()).kernel<{ bytes: Uint8Array; shape: number[] }>(RAW_DECODE_KERNELS.block, raw ? { raw } : { parts }, { signal: ro.signal, key });
        return { data: viewAs(d.dtype, r.bytes), shape: r.shape, dtype: d.dtype };
      }
      const data = allocateShared(d.dtype, product(box.shape));
      const args: Hdf5ReadArgs = { file, dataset, shape: d.shape, start: box.start, count: box.shape, out: bytesOf(data) };
      await callHdf5Kernel<Hdf5ReadReport>(ro.pool ?? pool ?? defaultPool(), HDF5_KERNELS.readInto, args, `${name} chunk [${String(coords)}]`, ro.signal);
      return { data, shape: box.shape, dtype: d.dtype };
    },
    leafTask(coords) {
      const box = open(coords);
      return {
        kernel: HDF5_KERNELS.readBlock, bytes: product(box.shape) * itemBytes, shape: box.shape,
        args: { file, dataset, shape: d.shape, start: box.start, count: box.shape, dtype: d.dtype, key: `${name} chunk [${String(coords)}]` },
      };
    },
    // Threads keep their open files until they exit (idle threads do) or evict them (8 per thread).
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
  return source;
}
