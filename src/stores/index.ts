/**
 * Stores: the contract and every backend.
 * @module
 */
export type { ByteRange, ReadableStore, Store } from "./types.js";
export { isWritable } from "./types.js";
export { checkKey, checkPrefix, checkRange, keyProblem, resolveRange, splitPrefix } from "./keys.js";
export { createMemoryStore } from "./memory.js";
export { openFsStore, isTempFileName } from "./fs.js";
export type { FsStore, FsStoreOptions, ReadableFsStore } from "./fs.js";
export { openZipStore, detectZipRoot } from "./zip.js";
export type { ZipStoreOptions, ZipStoreInfo, ReadableZipStore, WritableZipStore } from "./zip.js";
export { openHttpStore } from "./http.js";
export type { HttpStoreOptions } from "./http.js";
export { openLocation, parseLocation } from "./location.js";
export type { LocationMode, OpenedLocation, ParsedLocation } from "./location.js";
