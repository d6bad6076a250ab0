// Worker used by worker.test.ts: rebuild a pipeline from plain data, decode, copy into shared memory.
import { parentPort, workerData } from "node:worker_threads";
import { buildPipeline, decodeChunk, type PipelineSpec } from "../../src/codecs/pipeline.js";

const { spec, bytes, shared } = workerData as { spec: PipelineSpec; bytes: Uint8Array; shared: SharedArrayBuffer };
const p = await buildPipeline(spec);
const r = await decodeChunk(p, bytes, "c/0/0");
new Float64Array(shared).set(r.data as Float64Array);
parentPort!.postMessage("done");
