/**
 * The compute scheduler over lazy arrays: mapBlocks on a Zarr source computes exactly the
 * reference; chains of blockwise steps fuse into one task per block; several outputs
 * computed together read a shared input once per block; the sync scheduler gives the same
 * result; a kernel that throws rejects naming the task and block, and the pool survives;
 * toZarr writes chunk-parallel and resumes after kill -9 from its journal without rewriting
 * finished chunks.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createMemoryStore } from "../../src/stores/memory.js";
import { openFsStore } from "../../src/stores/fs.js";
import { createArray, openArray } from "../../src/array/node.js";
import { get, set } from "../../src/array/access.js";
import { kernelRef } from "../../src/runtime/kernel-task.js";
import { createPool } from "../../src/runtime/pool.js";
import { ChunkError } from "../../src/format/errors.js";
import type { ChunkSource } from "../../src/sources/types.js";
import { fromGenerator, fromSource } from "../../src/compute/lazy.js";
import { zarrSource } from "../../src/sources/zarr.js";
import { mapBlocks } from "../../src/compute/map-blocks.js";
import { compute, computeMany, store } from "../../src/compute/compute.js";
import type { TaskEvent } from "../../src/diagnostics/profiler.js";
import { REPO } from "../paths.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());
const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
const K = (name: string) => kernelRef(new URL(`./fixtures/block-kernels.${ext}`, import.meta.url), name);

async function source(shape = [50, 7], chunks = [8, 7]) {
  const a = await createArray(createMemoryStore(), "x", { shape, chunks, dtype: "int16", fillValue: 0 });
  const data = Int16Array.from({ length: shape[0] * shape[1] }, (_, i) => (i * 37) % 1000 - 500);
  await set(a, null, { data, shape, dtype: a.meta.dtype }, { pool: null });
  return { a, data };
}

/** A source that counts its chunk reads (as blocks, or as stored bytes a worker decodes). */
function counting(s: ChunkSource): ChunkSource & { reads: number } {
  const c: ChunkSource & { reads: number } = {
    ...s, reads: 0,
    read: (coords, o) => { c.reads++; return s.read(coords, o); },
    rawChunk: s.rawChunk && ((coords) => { c.reads++; return s.rawChunk!(coords); }),
  };
  return c;
}

test("mapBlocks chains compute the reference, fused into one task per block; sync scheduler agrees", async () => {
  const { a, data } = await source();
  const x = fromSource(a);
  const y = mapBlocks(K("scaleAdd"), [x], { params: { k: 3 }, dtype: "float64" });
  const z = mapBlocks(K("scaleAdd"), [y, y], { params: { k: 0.5 }, dtype: "float64" }); // 0.5*y + y
  const events: TaskEvent[] = [];
  const r = await compute(z, { pool, callbacks: { onTaskEnd: (e) => events.push(e) } });
  const want = Float64Array.from(data, (v) => v * 3 * 0.5 + v * 3);
  assert.deepEqual(Float64Array.from(r.data as Float64Array), want);
  assert.equal(events.length, 7, "one task per block: the chain is fused");
  assert.ok(events.every((e) => typeof e.worker === "number" && e.worker > 0 && e.end >= e.start && /^scaleAdd \(\d, 0\)$/.test(e.key)));
  const s = await compute(z, { scheduler: "sync" });
  assert.deepEqual(Float64Array.from(s.data as Float64Array), want);
});

test("dropAxis: row sums per block; several outputs in one pass read the shared input once per block", async () => {
  const { a, data } = await source([50, 7], [8, 7]);
  const src = counting(zarrSource(a));
  const sums = mapBlocks(K("rowSums"), [src], { dropAxis: [1], dtype: "int32" });
  const r = await compute(sums, { pool });
  const want = Array.from({ length: 50 }, (_, i) => data.slice(i * 7, i * 7 + 7).reduce((p, q) => p + q, 0));
  assert.deepEqual([...(r.data as Int32Array)], want);
  src.reads = 0;
  const twice = mapBlocks(K("scaleAdd"), [src], { params: { k: 2 }, dtype: "float64" });
  const thrice = mapBlocks(K("scaleAdd"), [src], { params: { k: 3 }, dtype: "float64" });
  const [p, q] = await computeMany([twice, thrice], { pool });
  assert.equal(src.reads, 7, "7 blocks, each read once for both outputs");
  assert.deepEqual(Float64Array.from(p.data as Float64Array), Float64Array.from(data, (v) => 2 * v));
  assert.deepEqual(Float64Array.from(q.data as Float64Array), Float64Array.from(data, (v) => 3 * v));
});

test("a reduction groups blocks per task by what the blocks load, not by their reduced size", async () => {
  const { memorySource } = await import("../../src/sources/memory.js");
  const { sum } = await import("../../src/compute/reduce.js");
  const n = 3000;
  const data = new Int8Array(4 * n * n).map((_, i) => (i % 7) - 3);
  const big = memorySource({ data, shape: [4 * n, n], dtype: { kind: "int", bits: 8, endian: "little" } }, [n, n]);
  // Blocks of 12 KB made from 9 MB chunks: grouping them by their own size would read all four chunks in one task.
  const sums = mapBlocks(K("rowSums"), [big], { dropAxis: [1], dtype: "int32" });
  const want = [...data].reduce((a, b) => a + b, 0);
  for (const [blocksPerTask, tasks] of [[undefined, 4], [4, 1]] as const) {
    const events: TaskEvent[] = [];
    const r = await compute(sum(sums, { blocksPerTask }), { pool, callbacks: { onTaskEnd: (e) => events.push(e) } });
    assert.equal(Number((r.data as BigInt64Array)[0]), want);
    assert.equal(events.length, tasks, `blocksPerTask ${blocksPerTask}: ${events.map((e) => e.key).join(", ")}`);
  }
});

test("a kernel that throws rejects naming the task and block; the pool keeps working", async () => {
  const { a, data } = await source();
  const bad = mapBlocks(K("failOn"), [fromSource(a)], { params: { badRow: 4 }, dtype: "float64" });
  await assert.rejects(compute(bad, { pool }), (e: unknown) => e instanceof ChunkError && /failOn \(4, 0\)/.test(String(e.key) + e.message) && /bad block 4,0/.test(e.message));
  const ok = await compute(mapBlocks(K("scaleAdd"), [fromSource(a)], { params: { k: 1 }, dtype: "float64" }), { pool });
  assert.deepEqual(Float64Array.from(ok.data as Float64Array), Float64Array.from(data));
});

test("toZarr resumes after kill -9 from its journal: exact result, finished chunks not rewritten", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-resume-"));
  try {
    const store = await openFsStore(dir);
    const shape = [64, 4];
    const a = await createArray(store, "src", { zarrFormat: 2, shape, chunks: [4, 4], dtype: "<i4", fillValue: 0, compressor: null });
    const data = Int32Array.from({ length: 256 }, (_, i) => i + 1);
    await set(a, null, { data, shape, dtype: a.meta.dtype }, { pool: null });
    const script = fileURLToPath(new URL(`./resume-writer.${ext}`, import.meta.url));
    const args = [...(ext === "ts" ? ["--import", "tsx"] : []), script, dir, "150"];
    // First run: killed (SIGKILL) once a few blocks have landed.
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stderr.on("data", (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += d;
        if ((out.match(/^block /gm) ?? []).length >= 4) { child.kill("SIGKILL"); resolve(); }
      });
      child.on("close", (code) => reject(new Error(`writer ended (${code}) before being killed: ${err}`)));
    });
    await new Promise((r) => child.on("close", r));
    // (a write killed mid-way leaves a temp file beside the markers: not a journal entry)
    const journal = fs.readdirSync(path.join(dir, "out", ".zarrflow-journal")).filter((j) => /^\d+\.\d+$/.test(j));
    assert.ok(journal.length >= 1 && journal.length < 16, `some but not all blocks finished (${journal.length})`);
    const before = new Map(journal.map((j) => [j, fs.statSync(path.join(dir, "out", j)).mtimeMs]));
    await new Promise((r) => setTimeout(r, 30));
    // Second run: resumes, writes only the rest.
    const second = spawn(process.execPath, args, { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let out2 = "", err2 = "";
    second.stdout.on("data", (d) => (out2 += d));
    second.stderr.on("data", (d) => (err2 += d));
    const code = await new Promise((r) => second.on("close", r));
    assert.equal(code, 0, err2);
    assert.match(out2, /done/);
    const rewritten = (out2.match(/^block /gm) ?? []).length;
    assert.equal(rewritten, 16 - journal.length, "only the unfinished blocks ran");
    for (const [j, t] of before) assert.equal(fs.statSync(path.join(dir, "out", j)).mtimeMs, t, `chunk ${j} was not rewritten`);
    const res = await get(await openArray(store, "out"), undefined, { pool: null });
    assert.deepEqual(Int32Array.from(res.data as Int32Array), data.map((v) => v));
    // Entries are cleared; a temp file of a marker write the kill interrupted may stay (not an entry: under load the kill can land mid-write).
    const left = fs.existsSync(path.join(dir, "out", ".zarrflow-journal")) ? fs.readdirSync(path.join(dir, "out", ".zarrflow-journal")) : [];
    assert.deepEqual(left.filter((j) => /^\d+\.\d+$/.test(j)), [], "the journal is cleared when complete");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a chunk generator makes blocks from their position; an aborted computation rejects with AbortError and the pool carries on", async () => {
  const g = fromGenerator(K("positions"), { shape: [37, 11], dtype: { kind: "float", bits: 64, endian: "little" }, chunks: [5, 4] }, { cols: 11 });
  const r = await compute(g, { pool });
  assert.deepEqual(Float64Array.from(r.data as Float64Array), Float64Array.from({ length: 37 * 11 }, (_, i) => i));
  const slow = mapBlocks(K("slowCopy"), [fromSource((await source([64, 4], [4, 4])).a)], { params: { ms: 40 } });
  const ac = new AbortController();
  let done = 0;
  const p = compute(slow, { pool, signal: ac.signal, maxInFlight: 2, callbacks: { onTaskEnd: () => { if (++done === 2) ac.abort(); } } });
  await assert.rejects(p, (e: Error) => e.name === "AbortError");
  assert.ok(done < 16, `stopped early (${done} of 16 blocks)`);
  assert.equal(pool.pending(), 0, "nothing left running in the pool");
  const again = await compute(g, { pool });
  assert.deepEqual(again.shape, [37, 11]);
});

test("store([...]) writes several arrays in one pass, reading their shared input once per block", async () => {
  const { a, data } = await source([50, 7], [8, 7]);
  const src = counting(zarrSource(a));
  const target = createMemoryStore();
  const [p, q] = await store([
    [mapBlocks(K("scaleAdd"), [src], { params: { k: 2 }, dtype: "float64" }), { store: target, path: "twice", options: { zarrFormat: 2 } }],
    [mapBlocks(K("scaleAdd"), [src], { params: { k: -1 }, dtype: "float64" }), { store: target, path: "neg", options: { compressors: [] } }],
  ], { pool });
  assert.equal(src.reads, 7, "7 blocks, each read once for both targets");
  assert.equal(p.meta.zarrFormat, 2);
  assert.equal(q.meta.zarrFormat, 3);
  assert.deepEqual(Float64Array.from((await get(p, undefined, { pool: null })).data as Float64Array), Float64Array.from(data, (v) => 2 * v));
  assert.deepEqual(Float64Array.from((await get(q, undefined, { pool: null })).data as Float64Array), Float64Array.from(data, (v) => -v));
  const keys: string[] = [];
  for await (const k of target.list("")) keys.push(k);
  assert.ok(!keys.some((k) => k.includes(".zarrflow-journal")), "journals cleared");
});
