/**
 * zarrflow: Zarr v2 and v3 for TypeScript on Node.js.
 *
 * ```ts
 * import { openFsStore, createArray, openArray, get, set, slice } from "zarrflow";
 * const store = await openFsStore("data.zarr", { create: true });
 * const a = await createArray(store, "t", { shape: [100, 100], dtype: "float32", chunks: [10, 10] });
 * await set(a, [slice(0, 10), null], new Float32Array(1000).fill(1));
 * const block = await get(a, [slice(0, 5), 3]);
 * ```
 * Reads and writes decode and encode chunks on a pool of worker threads (all cores) by
 * default; pass `{ pool: null }` to stay on the calling thread.
 * @module
 */
export * from "./format/errors.js";
export {
  type DataType, type DataValues, type StructuredSpec, type Endian, type TimeUnit, type StructField, type TypedArray,
  Float16, NAT, parseV2DataType, parseV3DataType, v2DataTypeJSON, v3DataTypeJSON, dtypeName, toDataType, itemSize, isVariableLength, layoutOf,
} from "./format/dtype.js";
export { type FillValue } from "./format/fill-value.js";
export { type ArrayMetadata, type GroupMetadata, type CodecSpec } from "./format/metadata.js";
export { parseJson, stringifyJson, type JsonValue } from "./format/json.js";
export type { NDArray, ChunkSpec, Codec, CodecFactory, CodecContext, CodecLocation, ArrayToArrayCodec, ArrayToBytesCodec, BytesToBytesCodec } from "./codecs/types.js";
export { registerCodec, locateCodec, loadCodec, codecTables } from "./codecs/registry.js";
export { buildPipeline, pipelineSpecOf, decodeChunk, encodeChunk, type Pipeline, type PipelineSpec } from "./codecs/pipeline.js";
export type { Store, ReadableStore, ByteRange } from "./stores/types.js";
export { isWritable } from "./stores/types.js";
export { createMemoryStore } from "./stores/memory.js";
export { openFsStore } from "./stores/fs.js";
export { openZipStore } from "./stores/zip.js";
export { openHttpStore } from "./stores/http.js";
export { openLocation, parseLocation } from "./stores/location.js";
export {
  open, openArray, openGroup, createArray, createGroup, deleteNode, setAttributes, listChildren, walk, consolidateMetadata,
  type ZarrArray, type ZarrGroup, type ZarrNode, type CreateArrayOptions, type OpenOptions, type CodecJson,
} from "./array/node.js";
export { readChunk, writeChunk, chunkReader, chunkKeyOf, gridShape, type ChunkReader } from "./array/chunks.js";
export { get, set, getPoints, setPoints, getBlocks, setBlocks, resize, append, type AccessOptions, type WriteValue, type BlockSelection } from "./array/access.js";
export { MAX_RESULT_ELEMENTS, type ReadOptions } from "./array/read.js";
export type { WriteOptions } from "./array/write.js";
export { PARALLEL_MIN_BYTES, PARALLEL_MIN_CHUNK_BYTES, type PoolChoice } from "./array/parallel.js";
export { createChunkCache, type ChunkCache } from "./array/chunk-cache.js";
export { createPool, defaultPool, type ChunkPool, type PoolOptions, type RunTaskOptions } from "./runtime/pool.js";
export { runTasks, type RunOptions, type RunSummary, type Progress } from "./runtime/executor.js";
export { kernelRef, type Kernel, type KernelRef } from "./runtime/kernel-task.js";
export { keyedMutex, withLock, type Synchronizer, type Release } from "./runtime/synchronizer.js";
export { fileSynchronizer, type FileSynchronizerOptions } from "./runtime/file-synchronizer.js";
export { getField, setField, allocateStructured } from "./array/fields.js";
export { slice, type Selection, type Slice, type Mask, type DimSelection } from "./array/selection.js";
export { convert, convertArray, type ConvertOptions } from "./array/convert.js";
export { encodeNpy, decodeNpy, npyHeader, parseNpyHeader, createNpyWriter, openNpyReader, vlenToFixed } from "./io/npy.js";
export { exportNpy, importNpy, type StreamOptions } from "./io/npy-stream.js";
export { demoData, type DemoDataOptions, type DemoDataSummary, type DemoFormat } from "./genomics/demo-data.js";
export * from "./sources/index.js";
export { importHdf5, defaultImportChunks, defaultImportCompressor, type ImportHdf5Options, type ImportHdf5Summary, type ImportHdf5Skipped, type Hdf5ImportDataset } from "./io/hdf5-import.js";
