/**
 * runTasks: bounded in-flight work by count and bytes with backpressure on the source,
 * abort, progress, errors naming the task's key, and memory independent of the task count.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate as tick } from "node:timers/promises";
import { runTasks } from "../../src/runtime/executor.js";
import { ChunkError, CodecError } from "../../src/format/errors.js";

test("1e6 tiny tasks from a generator: bounded in flight, source pulled only as slots free", async () => {
  let pulled = 0;
  let running = 0;
  let maxRunning = 0;
  let maxAhead = 0; // tasks pulled but not finished
  let finished = 0;
  function* source() {
    for (let i = 0; i < 1_000_000; i++) { pulled++; maxAhead = Math.max(maxAhead, pulled - finished); yield i; }
  }
  let sum = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  const s = await runTasks(source(), async (i) => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    if (i % 1000 === 0) await tick(); else await null;
    running--;
    finished++;
    return i;
  }, { maxInFlight: 7, onResult: (r) => { sum += r; } });
  assert.equal(s.done, 1_000_000);
  assert.equal(sum, (1_000_000 * 999_999) / 2);
  assert.equal(s.maxInFlight, 7);
  assert.equal(maxRunning, 7);
  assert.ok(maxAhead <= 8, `pulled ahead of completion: ${maxAhead}`);
  const grown = process.memoryUsage().heapUsed - heapBefore;
  // Sanity only (GC timing varies): keeping anything per task would cost well over 150 MiB.
  assert.ok(grown < 120 * 2 ** 20, `heap grew ${grown} bytes`);
});

test("byte limit: tasks run together only while their sizes fit; an oversized task runs alone", async () => {
  const sizes = [40, 40, 40, 100, 10, 10, 10, 10];
  let bytes = 0;
  let maxBytes = 0;
  let aloneOk = true;
  let running = 0;
  const s = await runTasks(sizes, async (n) => {
    bytes += n; running++;
    maxBytes = Math.max(maxBytes, bytes);
    if (n === 100 && running !== 1) aloneOk = false;
    await tick();
    bytes -= n; running--;
  }, { maxInFlight: 10, maxBytesInFlight: 90, sizeOf: (n) => n });
  assert.equal(s.done, sizes.length);
  assert.ok(aloneOk);
  assert.equal(maxBytes, 100);
  assert.equal(s.maxBytesInFlight, 100);
  // Without the oversized task nothing exceeded 90: 40+40 = 80 then 10s.
  assert.ok(s.maxInFlight >= 2 && s.maxInFlight <= 9);
});

test("progress reports done/total for arrays and the given total for generators", async () => {
  const seen: string[] = [];
  await runTasks([1, 2, 3], async () => {}, { onProgress: (p) => seen.push(`${p.done}/${p.total}`) });
  assert.deepEqual(seen, ["1/3", "2/3", "3/3"]);
  const seen2: string[] = [];
  await runTasks((function* () { yield 1; yield 2; })(), async () => {}, { total: 2, onProgress: (p) => seen2.push(`${p.done}/${p.total}`) });
  assert.deepEqual(seen2, ["1/2", "2/2"]);
  const seen3: (number | undefined)[] = [];
  await runTasks((function* () { yield 1; })(), async () => {}, { onProgress: (p) => seen3.push(p.total) });
  assert.deepEqual(seen3, [undefined]);
});

test("a plain error becomes a ChunkError naming the task key; Zarr errors pass through; no new pulls after", async () => {
  let pulled = 0;
  function* source() { for (let i = 0; i < 1000; i++) { pulled++; yield i; } }
  await assert.rejects(
    runTasks(source(), async (i) => { await tick(); if (i === 5) throw new TypeError("boom"); }, { maxInFlight: 3, keyOf: (i) => `c/${i}` }),
    (e: unknown) => e instanceof ChunkError && e.key === "c/5" && /boom/.test(e.message) && (e.cause as Error).name === "TypeError",
  );
  assert.ok(pulled < 12, `pulled ${pulled}`);
  const codec = new CodecError("zstd", "bad frame", "c/1");
  await assert.rejects(runTasks([1], async () => { throw codec; }, { keyOf: () => "x" }), (e) => e === codec);
  // A throwing source rejects too.
  await assert.rejects(runTasks((function* () { yield 1; throw new RangeError("src"); })(), async () => {}), /src/);
});

test("abort: stops pulling, running tasks see the signal, rejects with AbortError after they settle", async () => {
  const ac = new AbortController();
  let pulled = 0;
  let settledRunning = 0;
  let running = 0;
  async function* source() { for (let i = 0; ; i++) { pulled++; yield i; } }
  const p = runTasks(source(), (i, signal) => new Promise<void>((resolve, reject) => {
    running++;
    if (i === 20) ac.abort();
    const onAbort = () => { clearTimeout(t); running--; settledRunning++; reject(signal.reason); };
    const t = setTimeout(() => { signal.removeEventListener("abort", onAbort); running--; resolve(); }, 2);
    signal.addEventListener("abort", onAbort, { once: true });
  }), { maxInFlight: 4, signal: ac.signal });
  await assert.rejects(p, (e: Error) => e.name === "AbortError");
  assert.equal(running, 0, "no task still running when the run rejects");
  assert.ok(settledRunning >= 1);
  const at = pulled;
  await tick();
  assert.equal(pulled, at);
  assert.ok(pulled <= 26);
  // Already aborted: rejects at once without pulling.
  let touched = false;
  await assert.rejects(runTasks((function* () { touched = true; yield 1; })(), async () => {}, { signal: AbortSignal.abort() }), (e: Error) => e.name === "AbortError");
  assert.equal(touched, false);
});

test("abort is not blocked by a stalled async source", async () => {
  const ac = new AbortController();
  async function* stalled() { yield 1; await new Promise(() => {}); }
  const p = runTasks(stalled(), async () => {}, { signal: ac.signal });
  setTimeout(() => ac.abort(), 10);
  await assert.rejects(p, (e: Error) => e.name === "AbortError");
});
