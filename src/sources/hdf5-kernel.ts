/**
 * The worker side of the HDF5 chunk source: kernels (see runtime/kernel-task.ts) that run in
 * pool threads. Each thread instantiates h5wasm once (lazily, on its first HDF5 task) and keeps
 * the files it opened, so reads in different threads run in parallel in separate HDF5 instances.
 *
 * Expected failures (missing file, not HDF5, missing dataset, unsupported type, file changed)
 * come back as plain data ({@link Hdf5Outcome}) and the main thread rebuilds the typed error:
 * structured clone would drop an error's class. HDF5 calls that would fail are avoided by
 * checking first, because an HDF5 error inside h5wasm either prints a diagnostic or, with
 * h5wasm's throwing error handler, leaks wasm stack on every throw until the instance crashes.
 *
 * Importing this module does not load h5wasm; the main thread imports it for the kernel names.
 * @module
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { releaseShared } from "../runtime/worker-gc.js";
import { threadId } from "node:worker_threads";
import type { NDArray } from "../codecs/types.js";
import { layoutOf, viewAs, type DataType } from "../format/dtype.js";
import { ChunkError, NodeNotFoundError, StoreError, UnsupportedError, type ZarrError } from "../format/errors.js";
import { kernelRef } from "../runtime/kernel-task.js";
import { describeDirect, planDirect, readDatasetLayout, type Hdf5DirectPlan } from "./hdf5-direct.js";

type H5Module = Awaited<typeof import("h5wasm/node")["ready"]>;
type H5Metadata = ReturnType<H5Module["get_dataset_metadata"]>;

/** What kind of typed error a failed kernel stands for. */
export type Hdf5FailureKind = "store" | "not-found" | "unsupported" | "chunk";

/** A kernel's result: a value, or an expected failure as plain data. */
export type Hdf5Outcome<T> = { ok: true; value: T } | { ok: false; kind: Hdf5FailureKind; message: string; feature?: string };

/** Arguments naming a dataset: an absolute file path and a dataset path inside it. */
export interface Hdf5DatasetRef {
  file: string;
  /** Path inside the file without a leading '/'. */
  dataset: string;
}

/** What {@link hdf5Describe} reports. */
export interface Hdf5Description {
  shape: number[];
  dtype: DataType;
  /** The dataset's HDF5 chunk shape, or null for contiguous/compact layouts. */
  chunks: number[] | null;
  /** Names of the HDF5 filters ("deflate", "shuffle"...). */
  filters: string[];
  /** The chunk index when stored chunks can be read without HDF5, else why not. */
  direct: Hdf5DirectPlan;
}

/** Arguments of {@link hdf5ReadInto}. */
export interface Hdf5ReadArgs extends Hdf5DatasetRef {
  /** Shape the dataset had when the source was opened (a changed file is an error, not a wrong read). */
  shape: number[];
  start: number[];
  count: number[];
  /** Destination (C order, little-endian), a view of a SharedArrayBuffer of exactly the box's bytes. */
  out: Uint8Array;
}

/** What {@link hdf5ReadInto} reports. */
export interface Hdf5ReadReport {
  /** `threadId` of the thread that read (0 when run on the main thread). */
  threadId: number;
  bytes: number;
}

/** Names of the kernels, for `pool.kernel(ref, args)`. */
export const HDF5_KERNELS = {
  describe: kernelRef(import.meta.url, "hdf5Describe"),
  readInto: kernelRef(import.meta.url, "hdf5ReadInto"),
  readBlock: kernelRef(import.meta.url, "hdf5ReadBlock"),
} as const;

/** Rebuild the typed error a kernel reported as plain data, naming `name`. */
export function hdf5Failure(o: Extract<Hdf5Outcome<unknown>, { ok: false }>, name: string): ZarrError {
  switch (o.kind) {
    case "not-found": return new NodeNotFoundError(o.message, name);
    case "unsupported": return new UnsupportedError(o.feature ?? "HDF5 feature", o.message, name);
    case "store": return new StoreError(o.message, name);
    default: return new ChunkError(o.message, name);
  }
}

// ---------------------------------------------------------------- per-thread state

let instance: Promise<H5Module> | undefined;

/** This thread's h5wasm instance (instantiated on first use; a failed start is retried next time). */
export function h5(): Promise<H5Module> {
  if (!instance) {
    instance = import("h5wasm/node").then((m) => m.default.ready);
    instance.catch(() => { instance = undefined; });
  }
  return instance;
}

/** A file open in this thread. */
export interface OpenFile {
  id: bigint;
  /** dev:ino:size:mtime when opened; a rewritten file is reopened. */
  identity: string;
  /** Dataset metadata read so far, by dataset path. */
  datasets: Map<string, H5Metadata>;
}

/** Files open in this thread, least recently used first. */
const files = new Map<string, OpenFile>();
const MAX_OPEN_FILES = 8;

/** Scratch buffer in the wasm heap, grown to the largest read (wasm memory never shrinks anyway). */
let scratch = { ptr: 0, size: 0 };


const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** True when the file carries the HDF5 superblock signature at 0, 512, 1024, 2048... */
function hasHdf5Signature(path: string, size: number): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const b = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      if (readSync(fd, b, 0, 8, at) === 8 && b.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } catch (e) {
    throw new StoreError(`cannot read the file (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The file's identity (dev:ino:size:mtime; a rewritten file gets a new one) and size. */
function statFile(path: string): { identity: string; size: number } {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StoreError(code === "ENOENT" ? "no such file" : `cannot read the file (${code ?? String(e)})`);
  }
  if (!st.isFile()) throw new StoreError("not a file");
  return { identity: `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`, size: st.size };
}

/** The open file at `path`, opening (or reopening, when it changed on disk) as needed. */
export function openFile(M: H5Module, path: string): OpenFile {
  const { identity, size } = statFile(path);
  const cached = files.get(path);
  if (cached) {
    files.delete(path);
    if (cached.identity === identity) {
      files.set(path, cached);
      return cached;
    }
    M.close_file(cached.id);
  }
  if (!hasHdf5Signature(path, size)) throw new StoreError("not an HDF5 file (no HDF5 signature)");
  const id = M.open(path, M.H5F_ACC_RDONLY, false, -1, -1);
  if (id < 0n) throw new StoreError("HDF5 could not open the file");
  const f: OpenFile = { id, identity, datasets: new Map() };
  files.set(path, f);
  while (files.size > MAX_OPEN_FILES) {
    const [oldest, of] = files.entries().next().value as [string, OpenFile];
    M.close_file(of.id);
    files.delete(oldest);
  }
  return f;
}

/** Metadata of `dataset`, checked to exist and be a dataset (cached per open file). */
function datasetMetadata(M: H5Module, f: OpenFile, dataset: string): H5Metadata {
  let meta = f.datasets.get(dataset);
  if (meta) return meta;
  const type = M.get_type(f.id, `/${dataset}`);
  if (type !== M.H5G_DATASET) {
    const what = type === M.H5G_GROUP ? "is a group, not a dataset" : type < 0 ? "no such dataset" : "is not a dataset";
    throw new NodeNotFoundError(what);
  }
  meta = M.get_dataset_metadata(f.id, `/${dataset}`);
  f.datasets.set(dataset, meta);
  return meta;
}

/** Names of the HDF5 type classes no numeric dtype maps to, for messages. */
export const CLASS_NAMES: Record<number, string> = {
  2: "time", 3: "string", 4: "bitfield", 5: "opaque", 6: "compound", 7: "reference", 9: "variable-length", 10: "array",
};

/** The zarrflow dtype of an HDF5 type (integers, floats, enums of integers; h5py's bool enum → bool). */
export function dtypeOfHdf5(meta: Pick<H5Metadata, "type" | "size" | "signed" | "vlen" | "enum_type">): DataType {
  const unsupported = (what: string): never => { throw new UnsupportedError("HDF5 datatype", what); };
  if (meta.vlen) unsupported("variable-length data");
  const size = meta.size;
  const intOf = (signed: boolean): DataType => {
    if (![1, 2, 4, 8].includes(size)) unsupported(`${size}-byte integers`);
    return { kind: signed ? "int" : "uint", bits: (size * 8) as 8, endian: "little" };
  };
  switch (meta.type) {
    case 0: return intOf(meta.signed);
    case 1:
      if (![2, 4, 8].includes(size)) unsupported(`${size}-byte floats`);
      return { kind: "float", bits: (size * 8) as 16, endian: "little" };
    case 8: {
      // An enum's values are its base integers; h5py stores numpy bool as the enum {FALSE: 0, TRUE: 1} over int8.
      const members = meta.enum_type?.members ?? {};
      const names = Object.keys(members).sort();
      if (size === 1 && names.length === 2 && names[0] === "FALSE" && names[1] === "TRUE" && members.FALSE === 0 && members.TRUE === 1) return { kind: "bool" };
      if (meta.enum_type?.type !== 0) unsupported("enum over a non-integer base type");
      return intOf(meta.signed);
    }
    default:
      return unsupported(CLASS_NAMES[meta.type] ?? `type class ${meta.type}`);
  }
}

/** Run a kernel body, turning the typed errors it throws into plain-data outcomes (they cross threads). */
export async function outcome<T>(f: () => T | Promise<T>): Promise<Hdf5Outcome<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    const fail = (kind: Hdf5FailureKind, message = (e as Error).message, feature?: string): Hdf5Outcome<T> => ({ ok: false, kind, message, feature });
    if (e instanceof UnsupportedError) return fail("unsupported", e.message.slice(`unsupported ${e.feature}: `.length), e.feature);
    if (e instanceof NodeNotFoundError) return fail("not-found");
    if (e instanceof StoreError) return fail("store");
    if (e instanceof ChunkError) return fail("chunk");
    throw e;
  }
}

// ---------------------------------------------------------------- kernels

/** Kernel: shape, dtype, HDF5 chunking and filters of a dataset. */
export function hdf5Describe(args: Hdf5DatasetRef): Promise<Hdf5Outcome<Hdf5Description>> {
  return outcome(async () => {
    // Plain numbers in chunks HDF5 filters we can undo need no HDF5 library at all.
    // The file's own layout is read once: it describes the dataset, or h5wasm does and it still gives the chunk index.
    const read = readDatasetLayout(args.file, args.dataset);
    const plain = describeDirect(read);
    if (plain) return plain;
    const M = await h5();
    const f = openFile(M, args.file);
    const meta = datasetMetadata(M, f, args.dataset);
    if (meta.shape === null) throw new UnsupportedError("HDF5 dataspace", "datasets with a null dataspace (no shape)");
    const dtype = dtypeOfHdf5(meta);
    const filters = M.get_dataset_filters(f.id, `/${args.dataset}`);
    // Filters from plugins (ids >= 256: lzf, blosc, zstd...) are not in h5wasm: refuse now rather than fail every read.
    const plugin = filters.find((x) => x.id >= 256);
    if (plugin) throw new UnsupportedError("HDF5 filter", `${plugin.name || "unnamed"} (id ${plugin.id}): h5wasm decodes HDF5's built-in filters only (deflate, shuffle, fletcher32, nbit, scaleoffset)`);
    const direct: Hdf5DirectPlan = meta.chunks ? planDirect(read, dtype, meta.size) : { ok: false, reason: "not chunked" };
    return { shape: meta.shape, dtype, chunks: meta.chunks, filters: filters.map((x) => x.name), direct };
  });
}

/** Arguments of {@link hdf5ReadBlock}. */
export interface Hdf5BlockArgs extends Omit<Hdf5ReadArgs, "out"> {
  dtype: DataType;
  /** Names the block in errors. */
  key: string;
  /** Allocate the block in shared memory (it leaves the thread); default private memory. */
  shared?: boolean;
  /** Fill this buffer (exactly the block's bytes) instead of allocating one. */
  out?: Uint8Array;
}

/**
 * Kernel (a chunk source's leaf task): the hyperslab `start`/`count` as an NDArray made in
 * this thread — in `out`, or new private memory unless `shared`; failures throw typed errors.
 */
export async function hdf5ReadBlock(args: Hdf5BlockArgs): Promise<NDArray> {
  const { units, unitBytes } = layoutOf(args.dtype);
  const n = args.count.reduce((a, b) => a * b, 1) * units * unitBytes;
  const out = args.out && args.out.byteLength === n ? args.out : new Uint8Array(args.shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
  const r = await hdf5ReadInto({ file: args.file, dataset: args.dataset, shape: args.shape, start: args.start, count: args.count, out });
  if (!r.ok) throw hdf5Failure(r, args.key);
  return { data: viewAs(args.dtype, out), shape: [...args.count], dtype: args.dtype };
}

/**
 * Kernel: read the hyperslab `start`/`count` into `out` (one copy, from the wasm heap into
 * the shared buffer; HDF5 converts big-endian data to little-endian on the way).
 */
export function hdf5ReadInto(args: Hdf5ReadArgs): Promise<Hdf5Outcome<Hdf5ReadReport>> {
  return outcome(async () => {
    const M = await h5();
    const f = openFile(M, args.file);
    const meta = datasetMetadata(M, f, args.dataset);
    if (meta.shape === null || meta.shape.length !== args.shape.length || meta.shape.some((n, d) => n !== args.shape[d]))
      throw new StoreError(`the dataset's shape changed since it was opened ([${String(args.shape)}] → [${String(meta.shape)}])`);
    const n = args.count.reduce((a, b) => a * b, meta.size);
    if (args.out.byteLength !== n) throw new ChunkError(`output holds ${args.out.byteLength} bytes, the hyperslab ${n}`);
    if (n === 0) return { threadId, bytes: 0 };
    if (scratch.size < n) {
      if (scratch.ptr) M._free(scratch.ptr);
      scratch = { ptr: 0, size: 0 };
      const ptr = M._malloc(n);
      if (!ptr) throw new ChunkError(`the HDF5 instance could not allocate ${n} bytes`);
      scratch = { ptr, size: n };
    }
    const big = (xs: number[]) => xs.map(BigInt);
    // A 0-d dataset has no hyperslab: read it whole.
    const rank0 = args.count.length === 0;
    const status = M.get_dataset_data(f.id, `/${args.dataset}`, rank0 ? null : big(args.count), rank0 ? null : big(args.start), rank0 ? null : args.count.map(() => 1n), BigInt(scratch.ptr));
    if (status < 0) throw new ChunkError(`HDF5 failed to read [${String(args.start)}] + [${String(args.count)}] (status ${status})`);
    // HEAPU8 is re-created when the wasm memory grows: read it after the call.
    args.out.set(M.HEAPU8.subarray(scratch.ptr, scratch.ptr + n));
    releaseShared(n);
    return { threadId, bytes: n };
  });
}
