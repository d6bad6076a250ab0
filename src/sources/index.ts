/**
 * Chunk sources: Zarr arrays, HDF5 datasets and in-memory arrays behind one interface
 * ({@link ChunkSource}) that yields chunks in shared memory.
 * @module
 */
export {
  allocateShared, checkChunkShape, checkCoords, chunkBox, chunkCoords, chunkCount, chunkGrid, isShared, rowBlockChunks,
  MAX_CHUNK_ELEMENTS, type ChunkBox, type ChunkReadOptions, type ChunkSource,
} from "./types.js";
export { isContiguousBox, memorySource, type MemorySourceOptions } from "./memory.js";
export { zarrSource, type ZarrSourceOptions } from "./zarr.js";
export { hdf5Source, parseHdf5Location, type Hdf5ChunkSource, type Hdf5SourceOptions } from "./hdf5.js";
export { HDF5_KERNELS, type Hdf5Description, type Hdf5ReadArgs, type Hdf5ReadReport } from "./hdf5-kernel.js";
