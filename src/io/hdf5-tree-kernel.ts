/**
 * The worker side of the HDF5 importer: kernels (see runtime/kernel-task.ts) that run in pool
 * threads, next to the chunk-source kernels of sources/hdf5-kernel.ts and sharing their
 * thread's h5wasm instance. They list a file's hierarchy with every object's attributes as
 * JSON and what each dataset holds ({@link hdf5Tree}), read variable-length strings
 * ({@link hdf5ReadVlenStrings}) and read fixed-size data that is not a number
 * (fixed-length strings, opaque, packed compounds: {@link hdf5ReadRaw}).
 *
 * As in hdf5-kernel.ts, expected failures come back as plain data (`Hdf5Outcome`) and HDF5
 * calls that would fail are avoided by checking first (a failing call inside h5wasm prints
 * diagnostics or leaks wasm stack). Importing this module does not load h5wasm.
 * @module
 */
import { Float16, type DataType, type StructField } from "../format/dtype.js";
import { ChunkError, NodeNotFoundError, StoreError, UnsupportedError } from "../format/errors.js";
import type { JsonValue } from "../format/json.js";
import { product } from "../format/ndarray.js";
import { dtypeOfHdf5, h5, hdf5ReadInto, openFile, outcome, type Hdf5Outcome, type Hdf5ReadArgs, type Hdf5ReadReport } from "../sources/hdf5-kernel.js";

type H5Module = Awaited<typeof import("h5wasm/node")["ready"]>;
type H5Metadata = ReturnType<H5Module["get_dataset_metadata"]>;

/** Arguments of {@link hdf5Tree}. */
export interface Hdf5TreeArgs {
  /** Absolute path of the file. */
  file: string;
  /** Group or dataset to list, inside the file, without a leading '/' ("" for the root group). */
  root: string;
}

/** How a dataset's elements are read and what they become in Zarr. */
export type Hdf5Stored =
  /** Integers, floats, enums, h5py's bool: read by the chunk source of sources/hdf5.ts. */
  | { kind: "numeric"; dtype: DataType }
  /** Fixed-size bytes read as stored: fixed-length strings (`strpad` set), opaque, packed compounds, h5py complex. */
  | { kind: "raw"; dtype: DataType; strpad?: number }
  /** Variable-length strings: UTF-8 ones become strings, ASCII ones byte strings. */
  | { kind: "vlen-string"; utf8: boolean }
  /** Not importable (`feature` and `message` as in an UnsupportedError). */
  | { kind: "unsupported"; feature: string; message: string };

/** A dataset as {@link hdf5Tree} reports it. */
export interface Hdf5DatasetInfo {
  /** Shape ([] for a scalar or a null dataspace). */
  shape: number[];
  /** HDF5 chunk shape, or null for contiguous and compact layouts. */
  chunks: number[] | null;
  /** HDF5 filter names ("deflate", "shuffle"...). */
  filters: string[];
  stored: Hdf5Stored;
}

/** One object of the listed hierarchy. */
export interface Hdf5TreeNode {
  /** Path inside the file, no leading '/' ("" for the root group). */
  path: string;
  /** "skipped": soft and external links, named datatypes (Zarr has no such nodes). */
  kind: "group" | "dataset" | "skipped";
  /** The object's HDF5 attributes as JSON (see {@link attributeJson}). */
  attributes: Record<string, JsonValue>;
  /** Attributes left out or decoded lossily, and why a "skipped" node is skipped. */
  notes: { attribute?: string; reason: string }[];
  dataset?: Hdf5DatasetInfo;
}

/** What {@link hdf5Tree} reports: the root first, then everything below it in name order. */
export interface Hdf5Tree {
  nodes: Hdf5TreeNode[];
}

/** Arguments of {@link hdf5ReadVlenStrings}. */
export interface Hdf5VlenArgs {
  file: string;
  dataset: string;
  /** Shape the dataset had when listed (a changed file is an error, not a wrong read). */
  shape: number[];
  start: number[];
  count: number[];
  /** Decode as UTF-8 strings (else return the bytes). */
  utf8: boolean;
}

/** What {@link hdf5ReadVlenStrings} returns: C-order values and their total byte length. */
export interface Hdf5VlenValues {
  values: string[] | Uint8Array[];
  bytes: number;
}

/** Arguments of {@link hdf5ReadRaw}: a hyperslab read, and the HDF5 string padding to normalise. */
export interface Hdf5RawArgs extends Hdf5ReadArgs {
  /** HDF5 `strpad` of a fixed-length string dataset: 0 null-terminated, 1 null-padded, 2 space-padded. */
  strpad?: number;
}

/** An UnsupportedError's message without its "unsupported <feature>: " prefix. */
function unsupportedMessage(e: UnsupportedError): string {
  return e.message.slice(`unsupported ${e.feature}: `.length);
}

const objectPath = (path: string): string => (path === "" ? "/" : `/${path}`);

// ---------------------------------------------------------------- datatypes

/** Type classes the importer refuses (strings and opaque data it reads itself). */
const REFUSED_CLASSES: Record<number, string> = {
  2: "time", 4: "bitfield", 6: "compound", 7: "reference", 9: "variable-length sequence", 10: "array",
};

/** What a dataset of HDF5 type `meta` becomes (or why it cannot be imported). */
function storedOf(meta: H5Metadata): Hdf5Stored {
  try {
    switch (meta.type) {
      case 3:
        if (meta.vlen) return { kind: "vlen-string", utf8: meta.cset === 1 };
        return { kind: "raw", dtype: { kind: "fixed-bytes", size: meta.size }, strpad: meta.strpad ?? 1 };
      case 5: return { kind: "raw", dtype: { kind: "raw", size: meta.size } };
      case 6: return { kind: "raw", dtype: compoundDtype(meta) };
      default:
        return { kind: "numeric", dtype: dtypeOfHdf5(meta) };
    }
  } catch (e) {
    if (e instanceof UnsupportedError) return { kind: "unsupported", feature: e.feature, message: unsupportedMessage(e) };
    throw e;
  }
}

/**
 * The Zarr dtype of an HDF5 compound: h5py's complex numbers (members r, i of one float type)
 * become complex; other compounds of little-endian numeric members without padding become
 * structured dtypes (numpy's packed layout). Anything else is refused.
 */
function compoundDtype(meta: H5Metadata): DataType {
  const unsupported = (what: string): never => { throw new UnsupportedError("HDF5 datatype", `compound ${what}`); };
  const members = meta.compound_type?.members ?? [];
  if (members.length === 0) unsupported("without members");
  const [a, b] = members;
  if (members.length === 2 && a.name === "r" && b.name === "i" && a.type === 1 && b.type === 1 && a.size === b.size && (a.size === 4 || a.size === 8)
    && a.offset === 0 && b.offset === a.size && meta.size === 2 * a.size && a.littleEndian && b.littleEndian)
    return { kind: "complex", bits: (a.size * 16) as 64 | 128, endian: "little" };
  const fields: StructField[] = [];
  let offset = 0;
  for (const m of members) {
    if (m.offset !== offset) unsupported(`with padding (member ${JSON.stringify(m.name)} at byte ${m.offset}, expected ${offset})`);
    if (m.type !== 0 && m.type !== 1 && m.type !== 8) unsupported(`member ${JSON.stringify(m.name)} of type class ${REFUSED_CLASSES[m.type] ?? (m.type === 3 ? "string" : m.type)}`);
    if (m.size > 1 && !m.littleEndian) unsupported(`member ${JSON.stringify(m.name)} is big-endian`);
    fields.push({ name: m.name, dtype: dtypeOfHdf5(m), shape: [], offset });
    offset += m.size;
  }
  if (offset !== meta.size) unsupported(`with ${meta.size - offset} bytes of trailing padding`);
  return { kind: "structured", fields, itemsize: offset };
}

// ---------------------------------------------------------------- attributes

const utf8Strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Lossy = new TextDecoder("utf-8", { ignoreBOM: true });

/** Bytes of one fixed-length string without its padding (as h5py/numpy see the value). */
function unpad(bytes: Uint8Array, strpad: number): Uint8Array {
  let end = bytes.length;
  if (strpad === 0) {
    const z = bytes.indexOf(0);
    if (z >= 0) end = z;
  } else {
    const pad = strpad === 2 ? 0x20 : 0;
    while (end > 0 && bytes[end - 1] === pad) end--;
  }
  return bytes.subarray(0, end);
}

/** A converter from one element's bytes to JSON, or the reason the type has no JSON form. */
type ElementReader = ((heap: Uint8Array, at: number) => JsonValue) | string;

/** How to turn attribute elements of type `meta` into JSON values; `lossy` is called when a string is not valid UTF-8. */
function elementReader(meta: H5Metadata, lossy: () => void): ElementReader {
  const { size } = meta;
  const dv = (heap: Uint8Array, at: number) => new DataView(heap.buffer, heap.byteOffset + at, size);
  const decode = (b: Uint8Array): string => {
    try {
      return utf8Strict.decode(b);
    } catch {
      lossy();
      return utf8Lossy.decode(b);
    }
  };
  const int = (signed: boolean): ElementReader => {
    switch (size) {
      case 1: return (h, at) => (signed ? dv(h, at).getInt8(0) : h[at]);
      case 2: return (h, at) => (signed ? dv(h, at).getInt16(0, true) : dv(h, at).getUint16(0, true));
      case 4: return (h, at) => (signed ? dv(h, at).getInt32(0, true) : dv(h, at).getUint32(0, true));
      case 8: return (h, at) => {
        const v = signed ? dv(h, at).getBigInt64(0, true) : dv(h, at).getBigUint64(0, true);
        // JSON writes bigints exactly; small ones stay plain numbers.
        return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      };
      default: return `${size}-byte integers`;
    }
  };
  switch (meta.type) {
    case 0: return int(meta.signed);
    case 1:
      if (size === 2) return (h, at) => Number((new Float16(h.slice(at, at + 2).buffer) as ArrayLike<number>)[0]);
      if (size === 4) return (h, at) => dv(h, at).getFloat32(0, true);
      if (size === 8) return (h, at) => dv(h, at).getFloat64(0, true);
      return `${size}-byte floats`;
    case 8: {
      const m = meta.enum_type?.members ?? {};
      const names = Object.keys(m).sort();
      if (size === 1 && names.length === 2 && names[0] === "FALSE" && names[1] === "TRUE" && m.FALSE === 0 && m.TRUE === 1) return (h, at) => h[at] !== 0;
      if (meta.enum_type?.type !== 0) return "enum over a non-integer type";
      return int(meta.signed);
    }
    case 3:
      if (meta.vlen) return (h, at) => {
        const p = dv(h, at).getUint32(0, true);
        if (p === 0) return "";
        const end = h.indexOf(0, p);
        return decode(h.subarray(p, end < 0 ? h.length : end));
      };
      return (h, at) => decode(unpad(h.subarray(at, at + size), meta.strpad ?? 1));
    default:
      return `type class ${REFUSED_CLASSES[meta.type] ?? (meta.type === 5 ? "opaque" : meta.type)}`;
  }
}

/** Nest a flat C-order list into lists of `shape` (a scalar for shape []). */
function nest(flat: JsonValue[], shape: readonly number[]): JsonValue {
  if (shape.length === 0) return flat[0];
  const build = (d: number, at: number): JsonValue[] => {
    const inner = product(shape.slice(d + 1));
    return Array.from({ length: shape[d] }, (_, i) => (d === shape.length - 1 ? flat[at + i] : build(d + 1, at + i * inner)));
  };
  return build(0, 0);
}

/**
 * The JSON value of attribute `name` of object `obj`: numbers (int64 beyond 2^53 as bigint,
 * written exactly), booleans for h5py's bool, strings (fixed-length and byte strings decoded as
 * UTF-8), nested lists by the attribute's shape, null for an empty (null-dataspace) attribute.
 * Returns the reason instead for types with no JSON form (compound, reference, array...).
 */
function attributeJson(M: H5Module, file: bigint, obj: string, name: string): { value: JsonValue; lossy: boolean } | { reason: string } {
  const meta = M.get_attribute_metadata(file, obj, name);
  if (meta.shape === null) return { value: null, lossy: false };
  let lossy = false;
  const read = elementReader(meta, () => { lossy = true; });
  if (typeof read === "string") return { reason: `unsupported attribute type: ${read}` };
  const n = meta.total_size;
  const nbytes = n * meta.size;
  const ptr = M._malloc(Math.max(1, nbytes));
  if (!ptr) throw new ChunkError(`the HDF5 instance could not allocate ${nbytes} bytes`);
  try {
    if (M.get_attribute_data(file, obj, name, BigInt(ptr)) < 0) return { reason: "HDF5 could not read it" };
    try {
      // Vlen strings point elsewhere into the heap: read before reclaiming (HEAPU8 after the call, it may have grown).
      const heap = M.HEAPU8;
      const flat: JsonValue[] = new Array<JsonValue>(n);
      for (let i = 0; i < n; i++) flat[i] = read(heap, ptr + i * meta.size);
      return { value: nest(flat, meta.shape), lossy };
    } finally {
      if (meta.vlen) M.reclaim_vlen_memory(file, obj, name, BigInt(ptr));
    }
  } finally {
    M._free(ptr);
  }
}

/** All attributes of `obj` that have a JSON form, and notes on the others. */
function attributesOf(M: H5Module, file: bigint, obj: string): Pick<Hdf5TreeNode, "attributes" | "notes"> {
  const attributes: Record<string, JsonValue> = {};
  const notes: Hdf5TreeNode["notes"] = [];
  for (const name of M.get_attribute_names(file, obj)) {
    const r = attributeJson(M, file, obj, name);
    if ("reason" in r) notes.push({ attribute: name, reason: `${r.reason}; not imported` });
    else {
      attributes[name] = r.value;
      if (r.lossy) notes.push({ attribute: name, reason: "not valid UTF-8; invalid bytes became U+FFFD" });
    }
  }
  return { attributes, notes };
}

// ---------------------------------------------------------------- kernels

/** The description of dataset `path` (its type checked for import; plugin filters refused as in hdf5-kernel.ts). */
function datasetInfo(M: H5Module, file: bigint, path: string): Hdf5DatasetInfo {
  const meta = M.get_dataset_metadata(file, objectPath(path));
  const filters = M.get_dataset_filters(file, objectPath(path));
  const plugin = filters.find((x) => x.id >= 256);
  const stored: Hdf5Stored = plugin
    ? { kind: "unsupported", feature: "HDF5 filter", message: `${plugin.name || "unnamed"} (id ${plugin.id}): h5wasm decodes HDF5's built-in filters only` }
    : meta.shape === null ? { kind: "unsupported", feature: "HDF5 dataspace", message: "a null dataspace (no shape, no data)" }
    : storedOf(meta);
  return { shape: meta.shape ?? [], chunks: meta.chunks, filters: filters.map((x) => x.name), stored };
}

/** One listed object: a group, a dataset, or a link/named datatype that is skipped. */
function treeNode(M: H5Module, file: bigint, path: string, checkLinks: boolean): Hdf5TreeNode {
  const obj = objectPath(path);
  if (checkLinks) {
    // Both calls only inspect the link itself (it exists: it was listed).
    const soft = M.get_symbolic_link(file, obj);
    if (soft !== null) return { path, kind: "skipped", attributes: {}, notes: [{ reason: `soft link to ${soft}; Zarr has no links (the target is imported where it lives)` }] };
    const ext = M.get_external_link(file, obj) as { filename?: string; obj_path?: string };
    if (ext.filename !== undefined) return { path, kind: "skipped", attributes: {}, notes: [{ reason: `external link to ${ext.filename}:${ext.obj_path}; not followed` }] };
  }
  const type = M.get_type(file, obj);
  if (type === M.H5G_GROUP) return { path, kind: "group", ...attributesOf(M, file, obj) };
  if (type === M.H5G_DATASET) return { path, kind: "dataset", ...attributesOf(M, file, obj), dataset: datasetInfo(M, file, path) };
  return { path, kind: "skipped", attributes: {}, notes: [{ reason: type === M.H5G_TYPE ? "a named datatype" : "not a group or dataset" }] };
}

/**
 * Kernel: the group or dataset `root` of `file` and everything below it (groups recursively,
 * in name order; soft/external links and named datatypes reported as skipped), each with
 * its attributes and, for datasets, shape, chunking, filters and how its data is read.
 */
export function hdf5Tree(args: Hdf5TreeArgs): Promise<Hdf5Outcome<Hdf5Tree>> {
  return outcome(async () => {
    const M = await h5();
    const file = openFile(M, args.file).id;
    const root = args.root.replace(/^\/+|\/+$/g, "");
    const type = M.get_type(file, objectPath(root));
    if (type < 0) throw new NodeNotFoundError("no such group or dataset");
    if (type !== M.H5G_GROUP && type !== M.H5G_DATASET) throw new NodeNotFoundError("is not a group or dataset (a dangling link or a named datatype)");
    const top = treeNode(M, file, root, false);
    if (top.kind !== "group") return { nodes: [top] };
    const below = M.get_names(file, objectPath(root), true).map((rel) => treeNode(M, file, root === "" ? rel : `${root}/${rel}`, true));
    return { nodes: [top, ...below] };
  });
}

/** Kernel: read the hyperslab `start`/`count` of a variable-length string dataset as strings (UTF-8) or bytes. */
export function hdf5ReadVlenStrings(args: Hdf5VlenArgs): Promise<Hdf5Outcome<Hdf5VlenValues>> {
  return outcome(async () => {
    const M = await h5();
    const file = openFile(M, args.file).id;
    const obj = objectPath(args.dataset);
    if (M.get_type(file, obj) !== M.H5G_DATASET) throw new NodeNotFoundError("no such dataset");
    const meta = M.get_dataset_metadata(file, obj);
    if (meta.type !== 3 || !meta.vlen) throw new StoreError("the dataset no longer holds variable-length strings");
    if (meta.shape === null || String(meta.shape) !== String(args.shape))
      throw new StoreError(`the dataset's shape changed since it was listed ([${String(args.shape)}] → [${String(meta.shape)}])`);
    const n = product(args.count);
    if (n === 0) return { values: [], bytes: 0 };
    const ptr = M._malloc(n * meta.size);
    if (!ptr) throw new ChunkError(`the HDF5 instance could not allocate ${n * meta.size} bytes`);
    const rank0 = args.count.length === 0;
    const count = args.count.map(BigInt);
    try {
      const status = M.get_dataset_data(file, obj, rank0 ? null : count, rank0 ? null : args.start.map(BigInt), rank0 ? null : count.map(() => 1n), BigInt(ptr));
      if (status < 0) throw new ChunkError(`HDF5 failed to read [${String(args.start)}] + [${String(args.count)}] (status ${status})`);
      try {
        const heap = M.HEAPU8;
        const ptrs = new DataView(heap.buffer, heap.byteOffset + ptr, n * 4);
        const values: (string | Uint8Array)[] = new Array<string | Uint8Array>(n);
        let bytes = 0;
        for (let i = 0; i < n; i++) {
          const p = ptrs.getUint32(i * 4, true);
          const end = p === 0 ? 0 : heap.indexOf(0, p);
          const b = p === 0 ? new Uint8Array(0) : heap.subarray(p, end < 0 ? heap.length : end);
          bytes += b.length;
          if (!args.utf8) values[i] = b.slice();
          else {
            try {
              values[i] = utf8Strict.decode(b);
            } catch {
              const at = args.start.length ? ` (element ${i} of the block at [${String(args.start)}])` : "";
              throw new ChunkError(`a UTF-8 string${at} is not valid UTF-8`);
            }
          }
        }
        return { values: values as string[] | Uint8Array[], bytes };
      } finally {
        if (rank0) M.reclaim_vlen_memory(file, obj, "", BigInt(ptr));
        else M.reclaim_vlen_memory_count(file, obj, "", BigInt(ptr), count);
      }
    } finally {
      M._free(ptr);
    }
  });
}

/**
 * Kernel: read a hyperslab of fixed-size elements as stored (hdf5-kernel.ts's `hdf5ReadInto`),
 * then give fixed-length strings numpy's null padding, as h5py reads them: bytes after a
 * null terminator and trailing spaces of space-padded strings become zeros.
 */
export async function hdf5ReadRaw(args: Hdf5RawArgs): Promise<Hdf5Outcome<Hdf5ReadReport>> {
  const r = await hdf5ReadInto(args);
  if (!r.ok || args.strpad === undefined || args.strpad === 1) return r;
  const size = args.out.byteLength / Math.max(1, product(args.count));
  for (let at = 0; at < args.out.byteLength; at += size) {
    const s = args.out.subarray(at, at + size);
    s.fill(0, unpad(s, args.strpad).length);
  }
  return r;
}
