/**
 * A strict, read-only reader of HDF5 file structure (File Format Specification 3.0) that
 * finds where a dataset's values are stored: its shape, datatype, filters, fill value and the
 * file address, stored size and filter mask of every stored chunk. Chunks can then be read
 * at their addresses and decoded without the HDF5 library.
 *
 * Reads are lazy (only the structures on the path to the dataset and its chunk index) and
 * bounded: every structure is checked against the file size and its checksum, and every walk
 * against loops. Errors name `file#dataset`: `MetadataError` for files that are not
 * HDF5, truncated or corrupt; `UnsupportedError` for valid features not handled
 * (external links, virtual datasets, huge heap objects...); `NodeNotFoundError` when
 * the path does not lead to a dataset.
 * @module
 */
import { NodeNotFoundError, StoreError } from "../format/errors.js";
import type { Ctx } from "./context.js";
import { describeDataset } from "./dataset.js";
import { openFileReader, type FileReader } from "./file-reader.js";
import { isGroup, resolvePath } from "./groups.js";
import { MSG } from "./object-header.js";
import { readSuperblock } from "./superblock.js";

/** Per stored chunk, C order over the chunk grid. */
export interface Hdf5ChunkTable {
  /** Chunks per dimension: ceil(shape[d] / chunkShape[d]). */
  grid: number[];
  /** File address (absolute, base address applied) of each chunk's stored bytes; -1 when the chunk is not allocated. */
  address: Float64Array;
  /** Stored (filtered) bytes of each chunk; 0 when not allocated. */
  size: Float64Array;
  /** Filter mask of each chunk (bit i set: filter i of the pipeline was skipped for this chunk). */
  filterMask: Uint32Array;
}

/** One filter of the dataset's pipeline. */
export interface Hdf5Filter {
  /** HDF5 filter ID (1 deflate, 2 shuffle, 3 fletcher32, 32000 lzf...). */
  id: number;
  /** Name stored in the file, else the well-known name of the ID, else `filter-<id>`. */
  name: string;
  /** Optional filters may be skipped for a chunk (see the filter mask). */
  optional: boolean;
  /** The filter's parameters (e.g. the deflate level; the element size for shuffle). */
  clientData: number[];
}

/** The dataset's element type, as far as fixed-size numbers go. */
export interface Hdf5Datatype {
  /** "integer" (fixed-point), "float" (IEEE, little or big endian), or "other" (strings, compounds, enums...). */
  class: "integer" | "float" | "other";
  /** Bytes per element. */
  size: number;
  /** Byte order of numbers (true for classes without one). */
  littleEndian: boolean;
  /** Signed integer (floats: true; others: false). */
  signed: boolean;
}

/** Where the dataset's values are stored. */
export type Hdf5Storage =
  | { kind: "chunked"; chunkShape: number[]; chunks: Hdf5ChunkTable }
  /** Contiguous block; `address` is absolute, -1 when not allocated. */
  | { kind: "contiguous"; address: number; size: number }
  /** Values stored in the object header itself. */
  | { kind: "compact"; data: Uint8Array };

/** What a dataset's object header says about its data. */
export interface Hdf5DatasetLayout {
  /** Current extent (empty for a scalar). */
  shape: number[];
  /** Maximum extent; null = unlimited. */
  maxShape: (number | null)[];
  datatype: Hdf5Datatype;
  /** Filters in pipeline order (as applied when writing). */
  filters: Hdf5Filter[];
  /** Bytes of the fill value when defined, else undefined (reads as zeros). */
  fillValue: Uint8Array | undefined;
  storage: Hdf5Storage;
}

function open(file: string, key: string): FileReader {
  try {
    return openFileReader(file, key);
  } catch (e) {
    throw new StoreError(`cannot open the file: ${(e as Error).message}`, key, { cause: e });
  }
}

/** Read the layout of dataset `dataset` ("a/b/c", leading '/' optional) of the HDF5 file at `file`. Synchronous. */
export function readHdf5Layout(file: string, dataset: string): Hdf5DatasetLayout {
  const key = `${file}#${dataset}`;
  const reader = open(file, key);
  try {
    const sb = readSuperblock(reader, key);
    const ctx: Ctx = { reader, key, offsetSize: sb.offsetSize, lengthSize: sb.lengthSize, base: sb.base };
    const found = resolvePath(ctx, sb.rootAddress, dataset);
    if (!found.messages.some((m) => m.type === MSG.layout)) {
      const what = isGroup(found.messages) ? "is a group, not a dataset" : "is not a dataset (its object header has no data layout message)";
      throw new NodeNotFoundError(`"${dataset}" ${what}`, key);
    }
    return describeDataset(ctx, found.messages, found.address);
  } finally {
    reader.close();
  }
}
