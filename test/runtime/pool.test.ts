/**
 * The worker pool: lazily created, sized to the cores by default, encode/decodeInto tasks
 * with transferred inputs, and a process that uses the pool (directly or through
 * get) without calling destroy() still exits by itself.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import os from "node:os";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { createPool } from "../../src/runtime/pool.js";
import { pipelineKey, type CodecEntry, type PipelineRef } from "../../src/runtime/chunk-worker.js";
import { buildPipeline, encodeChunk, type PipelineSpec } from "../../src/codecs/pipeline.js";
import { locateCodec } from "../../src/codecs/registry.js";
import { parseV3DataType } from "../../src/format/dtype.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());

function refOf(spec: PipelineSpec): PipelineRef {
  const codecs: CodecEntry[] = ["bytes", ...spec.codecs.map((c) => c.name)].map((n) => [n, 3, locateCodec(n, 3)]);
  return { spec, codecs, key: pipelineKey(spec, codecs) };
}

const dtype = parseV3DataType("int32");
const spec: PipelineSpec = {
  zarrFormat: 3,
  chunk: { shape: [6, 4], dtype, fillValue: 0 },
  codecs: [
    { name: "bytes", configuration: { endian: "big" } },
    { name: "zstd", configuration: { level: 3, checksum: false } },
  ],
};

test("default size is os.availableParallelism(); nothing starts before the first task", () => {
  const p = createPool();
  assert.equal(p.threads, os.availableParallelism());
  assert.equal(createPool({ threads: 3 }).threads, 3);
  assert.equal(p.pending(), 0);
});

test("encode in a worker gives the bytes the main thread gives; decodeInto copies a region into shared memory", async () => {
  const data = Int32Array.from({ length: 24 }, (_, i) => i * 1000 - 7);
  const expected = await encodeChunk(await buildPipeline(spec), { data, shape: [6, 4], dtype });
  const input = new Uint8Array(data.slice().buffer);
  const encoded = await pool.run("encode", { pipeline: refOf(spec), data: input, shape: [6, 4], key: "c/0/0" }, { transferList: [input.buffer] });
  assert.equal(input.byteLength, 0, "the input was transferred, not copied");
  assert.ok(encoded instanceof Uint8Array);
  assert.deepEqual(encoded, expected);

  // Rows 1..4 step 2, columns [3, 0] of the chunk → a 2×2 output at its top-left of a 3×3 buffer.
  const out = new SharedArrayBuffer(9 * 4);
  const r = await pool.run("decodeInto", {
    pipeline: refOf(spec), bytes: expected.slice(), key: "c/0/0", out: { buffer: out, dtype, shape: [3, 3] },
    chunkView: [6, 4], chunkSel: [{ start: 1, step: 2, count: 2 }, Int32Array.from([3, 0])],
    outSel: [{ start: 0, step: 1, count: 2 }, { start: 0, step: 1, count: 2 }], units: 1,
  });
  assert.deepEqual(r, { ok: true, value: undefined });
  const v = (i: number) => i * 1000 - 7;
  assert.deepEqual([...new Int32Array(out)], [v(7), v(4), 0, v(15), v(12), 0, 0, 0, 0]);
});

test("task failures come back as plain data naming the chunk and codec", async () => {
  const out = new SharedArrayBuffer(24 * 4);
  const r = await pool.run("decodeInto", {
    pipeline: refOf(spec), bytes: new Uint8Array([1, 2, 3, 4, 5]), key: "arr/c/9/9", out: { buffer: out, dtype, shape: [6, 4] },
    chunkView: [6, 4], chunkSel: [{ start: 0, step: 1, count: 6 }, { start: 0, step: 1, count: 4 }],
    outSel: [{ start: 0, step: 1, count: 6 }, { start: 0, step: 1, count: 4 }], units: 1,
  });
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.error.key, "arr/c/9/9");
    assert.match(r.error.message, /arr\/c\/9\/9/);
  }
  const bad = await pool.run("encode", { pipeline: refOf(spec), data: new Uint8Array(5), shape: [6, 4], key: "arr/c/1/1" });
  assert.ok(bad !== null && !(bad instanceof Uint8Array) && !bad.ok);
});

const here = new URL(".", import.meta.url);
const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
const src = (p: string) => new URL(`../../src/${p}.${ext}`, here).href;

function runChild(body: string): { status: number | null; stdout: string; stderr: string; ms: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-pool-"));
  const file = path.join(dir, "child.mjs");
  fs.writeFileSync(file, body);
  const t = Date.now();
  const r = spawnSync(process.execPath, [...(ext === "ts" ? ["--import", "tsx"] : []), file], { encoding: "utf8", timeout: 20_000, cwd: new URL("../..", here).pathname });
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t };
}

test("a process that used the pool and get, without destroy(), exits by itself", () => {
  const r = runChild(`
    const { createPool, defaultPool } = await import(${JSON.stringify(src("runtime/pool"))});
    const { createMemoryStore } = await import(${JSON.stringify(src("stores/memory"))});
    const { createArray } = await import(${JSON.stringify(src("array/node"))});
    const { get, set } = await import(${JSON.stringify(src("array/access"))});
    const s = createMemoryStore();
    const a = await createArray(s, "a", { shape: [50, 30], chunks: [10, 10], dtype: "int16", fillValue: 5 });
    await set(a, [{ start: 0, stop: 40 }, null], Int16Array.from({ length: 1200 }, (_, i) => i));
    const viaDefault = await get(a, undefined, { pool: defaultPool() });
    const viaOwn = await get(a, [[0, 45], 29], { pool: createPool({ threads: 2 }) });
    let sum = 0; for (const v of viaDefault.data) sum += v;
    console.log(JSON.stringify({ sum, own: [...viaOwn.data], threads: defaultPool().threads }));
  `);
  assert.equal(r.status, 0, `child did not exit cleanly (status ${r.status}, ${r.ms} ms): ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { sum: number; own: number[]; threads: number };
  assert.equal(out.sum, (1199 * 1200) / 2 + 300 * 5);
  assert.deepEqual(out.own, [29, 5]);
  assert.equal(out.threads, os.availableParallelism());
  assert.ok(r.ms < 15_000);
});
