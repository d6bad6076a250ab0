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
import { allocateShared, checkChunkShape, chunkBox, elementBytes, rowBlockChunks, type ChunkReadOptions, type ChunkSource } from "./types.js";

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

  const source: Hdf5ChunkSource = {
    shape: d.shape, dtype: d.dtype, chunkShape, name, file, dataset, hdf5Chunks: d.chunks, filters: d.filters,
    async read(coords: readonly number[], ro: ChunkReadOptions = {}): Promise<NDArray> {
      if (closed) throw new StoreError("the source is closed", name);
      ro.signal?.throwIfAborted();
      const box = chunkBox(source, coords);
      const data = allocateShared(d.dtype, product(box.shape));
      const args: Hdf5ReadArgs = { file, dataset, shape: d.shape, start: box.start, count: box.shape, out: bytesOf(data) };
      await callHdf5Kernel<Hdf5ReadReport>(ro.pool ?? pool ?? defaultPool(), HDF5_KERNELS.readInto, args, `${name} chunk [${String(coords)}]`, ro.signal);
      return { data, shape: box.shape, dtype: d.dtype };
    },
    leafTask(coords) {
      if (closed) throw new StoreError("the source is closed", name);
      const box = chunkBox(source, coords);
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
