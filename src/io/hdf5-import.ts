/**
 * HDF5 → Zarr import: a whole file, a group, or one dataset becomes the same hierarchy in a
 * Zarr store (v2 by default, so zarr-python 2.13 reads it; or v3). Groups become groups,
 * datasets arrays, HDF5 attributes Zarr attributes.
 *
 * All HDF5 work runs as kernels in pool threads (hdf5-tree-kernel.ts lists the hierarchy,
 * attributes and types; numeric data goes through the chunk source of sources/hdf5.ts), never
 * on the calling thread. Data is copied chunk-parallel through the runtime's executor and the
 * array write path: one task per Zarr chunk reads that block from HDF5 in a pool thread into
 * shared memory and writes it as a whole chunk (encoded in the pool), with at most 2 × threads
 * tasks in flight, so memory is about that many chunks whatever the dataset's size.
 * Variable-length strings go the same way (their JS values are encoded on this thread).
 *
 * What each dataset becomes:
 *
 * | HDF5 | Zarr |
 * |---|---|
 * | integers, floats (16/32/64), integer enums, h5py bool | the same numeric dtype (little-endian), bool |
 * | fixed-length strings (`S<n>`, ASCII or UTF-8) | `|S<n>` bytes; null-terminated and space-padded strings are null-padded as h5py reads them |
 * | variable-length UTF-8 strings (h5py `str`) | vlen-utf8 strings (`|O` in v2) |
 * | variable-length ASCII strings (h5py `bytes`) | vlen-bytes (`|O` in v2) |
 * | opaque (numpy `V<n>`) | `|V<n>` |
 * | h5py complex (compound r, i) | complex64 / complex128 |
 * | packed compound of little-endian numeric members | structured dtype |
 * | other compounds, references, arrays, vlen sequences, time, bitfield, null dataspace, plugin filters (lzf, blosc...) | UnsupportedError naming the dataset (or skipped with `skipUnsupported`) |
 *
 * Attributes: numbers (int64 beyond 2^53 written exactly), booleans (h5py bool), strings
 * (fixed-length and byte strings decoded as UTF-8; invalid bytes become U+FFFD and are
 * reported), nested lists by the attribute's shape, null for an empty attribute. Attributes of
 * other types (compound, reference, ...) are left out and listed in the summary's `skipped`,
 * as are soft links, external links and named datatypes.
 * @module
 */
import { resolve } from "node:path";
import { set } from "../array/access.js";
import { createArray, createGroup, type CodecJson, type CreateArrayOptions, type ZarrArray } from "../array/node.js";
import { PARALLEL_MIN_CHUNK_BYTES } from "../array/parallel.js";
import type { NDArray } from "../codecs/types.js";
import { bytesOf, isVariableLength, itemSize, type DataType } from "../format/dtype.js";
import { StoreError, UnsupportedError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import { abortError, runTasks } from "../runtime/executor.js";
import { siblingKernel } from "../runtime/kernel-task.js";
import { createPool, defaultPool, type ChunkPool } from "../runtime/pool.js";
import type { Hdf5ReadReport } from "../sources/hdf5-kernel.js";
import { callHdf5Kernel, hdf5Source, parseHdf5Location } from "../sources/hdf5.js";
import { allocateShared, checkChunkShape, chunkBox, chunkCoords, chunkCount, elementBytes, rowBlockChunks, type ChunkSource } from "../sources/types.js";
import type { Store } from "../stores/types.js";
import type { Hdf5RawArgs, Hdf5Stored, Hdf5Tree, Hdf5TreeNode, Hdf5VlenArgs, Hdf5VlenValues } from "./hdf5-tree-kernel.js";

const KERNELS = {
  tree: siblingKernel(import.meta.url, "./hdf5-tree-kernel", "hdf5Tree"),
  vlen: siblingKernel(import.meta.url, "./hdf5-tree-kernel", "hdf5ReadVlenStrings"),
  raw: siblingKernel(import.meta.url, "./hdf5-tree-kernel", "hdf5ReadRaw"),
};

/** A dataset as the `chunks` and `compressor` options see it. */
export interface Hdf5ImportDataset {
  /** Path inside the HDF5 file, no leading '/'. */
  path: string;
  shape: readonly number[];
  /** The Zarr dtype it becomes. */
  dtype: DataType;
  /** The HDF5 chunk shape, or null for contiguous and compact datasets. */
  hdf5Chunks: readonly number[] | null;
  /** HDF5 filter names ("deflate", "shuffle"...). */
  filters: readonly string[];
}

/** Options of {@link importHdf5}. */
export interface ImportHdf5Options {
  /** Zarr format of everything written (default 2: zarr-python 2.13 reads it). */
  zarrFormat?: 2 | 3;
  /**
   * Zarr chunk shapes. Default per dataset: its HDF5 chunk shape (clipped to the dataset's
   * extent) when chunked, else C-order row blocks of about 16 MiB. Give one shape for every
   * dataset (a rank mismatch is a SelectionError), shapes by dataset path in the file, or a
   * function (undefined keeps the default). Choose whole multiples of the HDF5 chunks: HDF5
   * decompresses every chunk a read touches, so a Zarr chunk that cuts HDF5 chunks makes
   * them be decompressed more than once.
   */
  chunks?: readonly number[] | Readonly<Record<string, readonly number[]>> | ((d: Hdf5ImportDataset) => readonly number[] | undefined);
  /**
   * The compressor, in the target format's spelling (v2 numcodecs `{id, ...}`, v3
   * `{name, configuration}`), null for none, or a function of the dataset (undefined keeps the
   * default). Default: blosc zlib clevel 3 without shuffle for 1-byte numbers (int8, uint8,
   * bool: the Ag1000G genotype layout); blosc lz4 clevel 5 with byte shuffle for wider
   * numbers (zarr-python 2's default, fast to decode); blosc lz4 clevel 5 without shuffle for
   * strings, bytes and records.
   */
  compressor?: CodecJson | null | ((d: Hdf5ImportDataset) => CodecJson | null | undefined);
  /** Replace whatever is at the target path (default false: an existing node is an error). */
  overwrite?: boolean;
  /** Skip datasets of unsupported types (listed in the summary) instead of failing (default false). */
  skipUnsupported?: boolean;
  /**
   * Worker pool for HDF5 reads and chunk encoding (default: the process-wide pool). `null`
   * keeps encoding on this thread one chunk at a time; HDF5 still runs in one private worker
   * thread, as h5wasm never runs on the calling thread.
   */
  pool?: ChunkPool | null;
  /** Called after each chunk with chunks done and chunks in all (over every array). */
  onProgress?: (done: number, total: number) => void;
  /** Aborts the import (rejects with an AbortError; arrays written so far stay). */
  signal?: AbortSignal;
}

/** Something not imported, and why. */
export interface ImportHdf5Skipped {
  /** Path inside the HDF5 file. */
  path: string;
  /** Set when an attribute of `path` was left out (or decoded lossily). */
  attribute?: string;
  reason: string;
}

/** What {@link importHdf5} did. */
export interface ImportHdf5Summary {
  /** Zarr groups written. */
  groups: number;
  /** Zarr arrays written. */
  arrays: number;
  /** Bytes of data copied, uncompressed (for strings: their UTF-8 bytes). */
  bytes: number;
  seconds: number;
  /** Nodes, datasets and attributes not imported (or imported lossily). */
  skipped: ImportHdf5Skipped[];
}

/** One dataset to write: where, as what, in which chunks. */
interface DatasetPlan {
  node: Hdf5TreeNode & { dataset: NonNullable<Hdf5TreeNode["dataset"]> };
  target: string;
  dtype: DataType;
  chunks: number[];
  compressor: CodecJson | null;
  /** `file#path`, naming the dataset in errors. */
  name: string;
}

type Plan = { kind: "group"; node: Hdf5TreeNode; target: string } | ({ kind: "dataset" } & DatasetPlan);

/** The Zarr dtype of a stored kind (undefined when unsupported). */
function zarrDtype(s: Hdf5Stored): DataType | undefined {
  switch (s.kind) {
    case "numeric": case "raw": return s.dtype;
    case "vlen-string": return s.utf8 ? { kind: "string" } : { kind: "bytes" };
    default: return undefined;
  }
}

/** Bytes one element is assumed to take when sizing row blocks (variable-length: a guess per string). */
const VLEN_ITEM_GUESS = 64;

/** Smallest default Zarr chunk grown from small HDF5 chunks: each chunk is a file or object, and HDF5 chunks are often ~100 KiB. */
export const MIN_IMPORT_CHUNK_BYTES = 2 ** 20;

/**
 * The default Zarr chunks of a dataset: its HDF5 chunks clipped to the extent (Zarr stores edge
 * chunks whole; an empty dimension keeps its HDF5 chunk length for later appends), grown by
 * whole multiples — last dimension first, each at most to its extent — until a chunk holds at
 * least {@link MIN_IMPORT_CHUNK_BYTES} (Ag1000G's (6553, 10, 2) int8 calls become
 * (6553, 90, 2): 9 files per row of variants instead of 77); else C-order row blocks of ~16 MiB.
 */
export function defaultImportChunks(d: Hdf5ImportDataset): number[] {
  const item = isVariableLength(d.dtype) ? VLEN_ITEM_GUESS : elementBytes(d.dtype);
  if (!d.hdf5Chunks) return rowBlockChunks(d.shape, item);
  const chunks = d.hdf5Chunks.map((c, i) => (d.shape[i] === 0 ? c : Math.min(c, d.shape[i])));
  for (let i = chunks.length - 1; i >= 0; i--) {
    const bytes = product(chunks) * item;
    if (bytes >= MIN_IMPORT_CHUNK_BYTES) break;
    if (d.shape[i] <= chunks[i]) continue;
    const times = Math.ceil(MIN_IMPORT_CHUNK_BYTES / bytes);
    chunks[i] = Math.min(chunks[i] * times, Math.ceil(d.shape[i] / chunks[i]) * chunks[i]);
    // Past the extent is no use: one chunk spans the dimension.
    if (chunks[i] > d.shape[i]) chunks[i] = d.shape[i];
  }
  return chunks;
}

/**
 * The default compressor of a dataset in `zarrFormat`'s spelling: blosc zlib 3 without
 * shuffle for 1-byte numbers, blosc lz4 5 with byte shuffle for wider numbers, blosc lz4 5
 * without shuffle for strings, bytes and records.
 */
export function defaultImportCompressor(dtype: DataType, zarrFormat: 2 | 3): CodecJson {
  const size = itemSize(dtype) ?? 1;
  const numeric = ["bool", "int", "uint", "float", "complex"].includes(dtype.kind);
  const cname = numeric && size === 1 ? "zlib" : "lz4";
  const clevel = cname === "zlib" ? 3 : 5;
  const shuffle = numeric && size > 1;
  if (zarrFormat === 2) return { id: "blosc", cname, clevel, shuffle: shuffle ? 1 : 0, blocksize: 0 };
  return { name: "blosc", configuration: { cname, clevel, shuffle: shuffle ? "shuffle" : "noshuffle", typesize: shuffle ? size : 1, blocksize: 0 } };
}

function chunksFor(d: Hdf5ImportDataset, opt: ImportHdf5Options["chunks"], name: string): number[] {
  const given = typeof opt === "function" ? opt(d) : Array.isArray(opt) ? (opt as readonly number[]) : (opt as Readonly<Record<string, readonly number[]>> | undefined)?.[d.path];
  return given === undefined ? defaultImportChunks(d) : checkChunkShape(given, d.shape, name);
}

/** Where node `path` of the file lands: relative to the imported root, under the target path. */
function targetPath(base: string, root: string, path: string): string {
  const rel = root === "" ? path : path === root ? "" : path.slice(root.length + 1);
  const b = base.replace(/^\/+|\/+$/g, "");
  return b === "" ? rel : rel === "" ? b : `${b}/${rel}`;
}

/** Decide every node's target, dtype, chunks and compressor; refuse (or skip) unsupported datasets before anything is written. */
function planImport(tree: Hdf5Tree, file: string, root: string, targetBase: string, o: ImportHdf5Options, skipped: ImportHdf5Skipped[]): Plan[] {
  const zarrFormat = o.zarrFormat ?? 2;
  const plans: Plan[] = [];
  for (const node of tree.nodes) {
    for (const n of node.notes) skipped.push({ path: node.path, ...n });
    const target = targetPath(targetBase, root, node.path);
    if (node.kind === "group") plans.push({ kind: "group", node, target });
    if (node.kind !== "dataset" || !node.dataset) continue;
    const name = `${file}#${node.path}`;
    const { stored } = node.dataset;
    const dtype = zarrDtype(stored);
    if (!dtype) {
      const s = stored as Extract<Hdf5Stored, { kind: "unsupported" }>;
      if (!o.skipUnsupported) throw new UnsupportedError(s.feature, s.message, name);
      skipped.push({ path: node.path, reason: `unsupported ${s.feature}: ${s.message}` });
      continue;
    }
    const d: Hdf5ImportDataset = { path: node.path, shape: node.dataset.shape, dtype, hdf5Chunks: node.dataset.chunks, filters: node.dataset.filters };
    const picked = typeof o.compressor === "function" ? o.compressor(d) : o.compressor;
    const compressor = picked === undefined ? defaultImportCompressor(dtype, zarrFormat) : picked;
    plans.push({ kind: "dataset", node: node as DatasetPlan["node"], target, dtype, chunks: chunksFor(d, o.chunks, name), compressor, name });
  }
  return plans;
}

/** A chunk source over fixed-size, non-numeric HDF5 data (strings, opaque, records), read by the raw kernel. */
function rawSource(file: string, p: DatasetPlan, strpad: number | undefined, pool: ChunkPool): ChunkSource {
  const { shape } = p.node.dataset;
  const source: ChunkSource = {
    shape, dtype: p.dtype, chunkShape: p.chunks, name: p.name,
    async read(coords, ro = {}) {
      ro.signal?.throwIfAborted();
      const box = chunkBox(source, coords);
      const data = allocateShared(p.dtype, product(box.shape));
      const args: Hdf5RawArgs = { file, dataset: p.node.path, shape, start: box.start, count: box.shape, out: bytesOf(data), strpad };
      await callHdf5Kernel<Hdf5ReadReport>(ro.pool ?? pool, KERNELS.raw, args, `${p.name} chunk [${String(coords)}]`, ro.signal);
      return { data, shape: box.shape, dtype: p.dtype };
    },
  };
  return source;
}

/** How the copy runs: the pool, whether encoding stays on this thread, progress and abort. */
interface CopyContext {
  file: string;
  pool: ChunkPool;
  /** True with `pool: null`: one chunk at a time, encoded on this thread. */
  serial: boolean;
  tick: () => void;
  signal?: AbortSignal;
}

/** Decoded bytes of the blocks in flight, unless one block alone is larger. */
const MAX_BYTES_IN_FLIGHT = 256 * 2 ** 20;

/** Reads one block (grid coordinates) of a dataset; returns it with its uncompressed byte count. */
type BlockReader = (coords: readonly number[], signal: AbortSignal) => Promise<{ block: NDArray; bytes: number }>;

/**
 * Copy a dataset block by block: each task reads one Zarr chunk's worth (in a pool thread)
 * and writes it as a whole chunk (encoded in the pool from shared memory for fixed-size
 * dtypes, on this thread for strings). At most 2 × threads blocks, and about
 * {@link MAX_BYTES_IN_FLIGHT} of them, are in flight.
 */
async function copyBlocks(arr: ZarrArray, p: DatasetPlan, read: BlockReader, ctx: CopyContext): Promise<number> {
  const grid = { shape: p.node.dataset.shape, chunkShape: p.chunks };
  let bytes = 0;
  const keyOf = (c: readonly number[]) => `${p.name} chunk [${String(c)}]`;
  const vlen = isVariableLength(p.dtype);
  const chunkBytes = product(p.chunks) * (vlen ? VLEN_ITEM_GUESS : elementBytes(p.dtype));
  // Encoding a few KiB costs less than a round trip to a worker (see array/parallel.ts).
  const encodeOn = ctx.serial || vlen || chunkBytes < PARALLEL_MIN_CHUNK_BYTES ? null : ctx.pool;
  await runTasks(chunkCoords(grid), async (c, signal) => {
    const box = chunkBox(grid, c);
    const r = await read(c, signal);
    const sel = box.start.length === 0 ? undefined : box.start.map((s, d) => ({ start: s, stop: s + box.shape[d] }));
    await set(arr, sel, r.block, { pool: encodeOn, signal });
    bytes += r.bytes;
    ctx.tick();
  }, {
    maxInFlight: ctx.serial ? 1 : Math.max(2, ctx.pool.threads * 2),
    // Huge HDF5 chunks (HDF5 allows up to 4 GiB) then run fewer at a time, one at least.
    maxBytesInFlight: MAX_BYTES_IN_FLIGHT, sizeOf: () => chunkBytes,
    signal: ctx.signal, keyOf,
  });
  return bytes;
}

/** A block reader over variable-length strings (values come back from the kernel as JS strings or bytes). */
function vlenReader(p: DatasetPlan, utf8: boolean, ctx: CopyContext): BlockReader {
  const { shape } = p.node.dataset;
  return async (c, signal) => {
    const box = chunkBox({ shape, chunkShape: p.chunks }, c);
    const args: Hdf5VlenArgs = { file: ctx.file, dataset: p.node.path, shape, start: box.start, count: box.shape, utf8 };
    const r = await callHdf5Kernel<Hdf5VlenValues>(ctx.pool, KERNELS.vlen, args, `${p.name} chunk [${String(c)}]`, signal);
    return { block: { data: r.values, shape: box.shape, dtype: p.dtype }, bytes: r.bytes };
  };
}

/** A block reader over a fixed-size chunk source (blocks in shared memory). */
function sourceReader(source: ChunkSource, ctx: CopyContext): BlockReader {
  const itemBytes = elementBytes(source.dtype);
  return async (c, signal) => {
    const block = await source.read(c, { pool: ctx.pool, signal });
    return { block, bytes: product(block.shape) * itemBytes };
  };
}

/** Create the array of one dataset and copy its data; returns the bytes copied. */
async function importDataset(store: Store, p: DatasetPlan, overwrite: boolean, zarrFormat: 2 | 3, ctx: CopyContext): Promise<number> {
  const { stored, shape } = p.node.dataset;
  const create: CreateArrayOptions = {
    shape: [...shape], dtype: p.dtype, chunks: p.chunks, zarrFormat, attributes: p.node.attributes, overwrite,
    ...(zarrFormat === 2 ? { compressor: p.compressor } : { compressors: p.compressor ? [p.compressor] : [] }),
    // A chunk of empty strings would otherwise not be stored; readers' fill values for strings differ.
    writeEmptyChunks: isVariableLength(p.dtype),
  };
  const arr = await createArray(store, p.target, create);
  if (stored.kind === "vlen-string") return copyBlocks(arr, p, vlenReader(p, stored.utf8, ctx), ctx);
  const source = stored.kind === "numeric"
    ? await hdf5Source(ctx.file, p.node.path, { pool: ctx.pool, chunks: p.chunks, signal: ctx.signal })
    : rawSource(ctx.file, p, stored.kind === "raw" ? stored.strpad : undefined, ctx.pool);
  return copyBlocks(arr, p, sourceReader(source, ctx), ctx);
}

/**
 * Import an HDF5 file, group or dataset into a Zarr store. `file` is `file.h5` (the whole
 * file), `file.h5#group/path` (that group and everything below it) or `file.h5#path/to/dataset`
 * (one array). The imported root lands at `target.path` in `target.store`: a group for a file
 * or group, an array for a dataset; parent groups are created as needed.
 *
 * Errors: a missing or non-HDF5 file is a StoreError, a missing path a NodeNotFoundError, a
 * dataset of an unsupported type an UnsupportedError naming `file#dataset` (thrown before
 * anything is written), an existing target node a ZarrError unless `overwrite`.
 * @example
 * const store = await openFsStore("ag1000g.zarr", { create: true });
 * const s = await importHdf5("ag1000g.h5", { store, path: "" }, { onProgress: (d, t) => console.log(d, t) });
 */
export async function importHdf5(file: string, target: { store: Store; path: string }, options: ImportHdf5Options = {}): Promise<ImportHdf5Summary> {
  const t0 = performance.now();
  const loc = parseHdf5Location(file);
  if (loc.file === "") throw new StoreError("no HDF5 file given", file);
  const abs = resolve(loc.file);
  const root = loc.dataset.replace(/^\/+|\/+$/g, "");
  const zarrFormat = options.zarrFormat ?? 2;
  // Destroyed at the end: no reason to let its thread (and its h5wasm) go idle before.
  const own = options.pool === null ? createPool({ threads: 1, idleTimeout: 60_000 }) : undefined;
  const pool = own ?? options.pool ?? defaultPool();
  const signal = options.signal;
  try {
    if (signal?.aborted) throw abortError(signal);
    const tree = await callHdf5Kernel<Hdf5Tree>(pool, KERNELS.tree, { file: abs, root }, root === "" ? loc.file : `${loc.file}#${root}`, signal);
    const skipped: ImportHdf5Skipped[] = [];
    const plans = planImport(tree, loc.file, root, target.path, options, skipped);
    const total = plans.reduce((n, p) => n + (p.kind === "dataset" ? chunkCount({ shape: p.node.dataset.shape, chunkShape: p.chunks }) : 0), 0);
    let done = 0;
    const ctx: CopyContext = {
      file: abs, pool, serial: own !== undefined, signal,
      tick: () => options.onProgress?.(++done, total),
    };
    const summary: ImportHdf5Summary = { groups: 0, arrays: 0, bytes: 0, seconds: 0, skipped };
    for (const p of plans) {
      if (signal?.aborted) throw abortError(signal);
      if (p.kind === "group") {
        await createGroup(target.store, p.target, { zarrFormat, attributes: p.node.attributes, overwrite: options.overwrite });
        summary.groups++;
      } else {
        summary.bytes += await importDataset(target.store, p, options.overwrite ?? false, zarrFormat, ctx);
        summary.arrays++;
      }
    }
    summary.seconds = (performance.now() - t0) / 1000;
    return summary;
  } finally {
    await own?.destroy();
  }
}
