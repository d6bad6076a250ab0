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
import { describeDataset, type DatasetLayout } from "./dataset.js";
import { openFileReader, type FileReader } from "./file-reader.js";
import { isGroup, resolvePath } from "./groups.js";
import { MSG } from "./object-header.js";
import { readSuperblock } from "./superblock.js";

// The public names of the types the reader fills (documented where they are defined).
export type { ChunkTable as Hdf5ChunkTable } from "./chunk-table.js";
export type { Datatype as Hdf5Datatype, Filter as Hdf5Filter } from "./messages.js";
export type { DatasetLayout as Hdf5DatasetLayout, Storage as Hdf5Storage } from "./dataset.js";

function open(file: string, key: string): FileReader {
  try {
    return openFileReader(file, key);
  } catch (e) {
    throw new StoreError(`cannot open the file: ${(e as Error).message}`, key, { cause: e });
  }
}

/** Read the layout of dataset `dataset` ("a/b/c", leading '/' optional) of the HDF5 file at `file`. Synchronous. */
export function readHdf5Layout(file: string, dataset: string): DatasetLayout {
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
