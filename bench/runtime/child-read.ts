/**
 * zarrflow read side of the benchmark, run in its own process so its peak RSS is its own:
 *
 *   node --import tsx bench/runtime/child-read.ts PATH COMPONENT THREADS
 *
 * Full read of the array COMPONENT of the Zarr store at PATH with THREADS pool threads
 * (0 = main thread, `pool: null`). Timed after a warm-up read of the first chunk row, which
 * also starts the pool threads and detects the API to use (see zarrflow-api.ts).
 * @module
 */
import { openArray } from "../../src/array/node.js";
import { slice } from "../../src/array/selection.js";
import { openFsStore } from "../../src/stores/fs.js";
import { checksum, reportResult } from "./child-result.js";
import { makeReader } from "./zarrflow-api.js";

const [path, component, threadsArg] = process.argv.slice(2);
const store = await openFsStore(path, { readOnly: true });
const arr = await openArray(store, component);
const reader = await makeReader(Number(threadsArg), arr, [slice(0, arr.meta.chunkShape[0]), "..."]);
const t = performance.now();
const a = await reader.read(arr, null);
const seconds = (performance.now() - t) / 1000;
await reader.close();
const data = a.data as Int8Array;
reportResult({ seconds, bytes: data.byteLength, checksum: checksum(data), api: reader.api });
