/**
 * Design constraint for the parallel runtime: a pipeline is plain data (PipelineSpec) and its
 * codecs are found by module URL + export name, so a worker thread rebuilds it by itself and
 * decodes a chunk to the same values — including a user-registered codec table.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { fileURLToPath, pathToFileURL } from "node:url";
import { buildPipeline, encodeChunk, type PipelineSpec } from "../../src/codecs/pipeline.js";
import { parseV3DataType } from "../../src/format/dtype.js";

test("a worker thread rebuilds a pipeline from plain data and decodes into shared memory", async () => {
  const dtype = parseV3DataType("float64");
  const spec: PipelineSpec = {
    zarrFormat: 3,
    chunk: { shape: [8, 8], dtype, fillValue: 0 },
    codecs: [
      { name: "transpose", configuration: { order: [1, 0] } },
      { name: "bytes", configuration: { endian: "big" } },
      { name: "blosc", configuration: { cname: "zstd", clevel: 3, shuffle: "bitshuffle", typesize: 8, blocksize: 0 } },
      { name: "crc32c", configuration: {} },
    ],
  };
  const data = Float64Array.from({ length: 64 }, (_, i) => Math.sin(i) * 1e3);
  const bytes = await encodeChunk(await buildPipeline(spec), { data, shape: [8, 8], dtype });
  const shared = new SharedArrayBuffer(64 * 8);
  const here = fileURLToPath(import.meta.url);
  const file = here.replace(/worker\.test\.(ts|js)$/, "decode-worker.$1");
  // From sources (tsx), the worker registers tsx itself before importing the TypeScript entry.
  const worker = file.endsWith(".ts")
    ? new Worker(`import("tsx/esm/api").then((t) => { t.register(); return import(${JSON.stringify(pathToFileURL(file).href)}); })`, { eval: true, workerData: { spec, bytes, shared } })
    : new Worker(file, { workerData: { spec, bytes, shared } });
  const msg = await new Promise((resolve, reject) => { worker.once("message", resolve); worker.once("error", reject); });
  await worker.terminate();
  assert.equal(msg, "done");
  assert.deepEqual([...new Float64Array(shared)], [...data]);
});
