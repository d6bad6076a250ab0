/**
 * Thread failures: a task whose worker thread dies (process.exit, an uncaught exception in a
 * timer, out of memory under resourceLimits) is retried once on another thread; a second
 * failure is a typed ChunkError naming the key; the pool keeps working, never hangs, and a
 * process that saw failures and never called destroy() still exits by itself.
 * Attempts are counted by the kernels themselves in shared memory.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { ChunkError } from "../../src/format/errors.js";
import { kernelRef } from "../../src/runtime/kernel-task.js";
import { createPool, type ChunkPool } from "../../src/runtime/pool.js";

const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
const kernels = new URL(`./kernels/faulty.${ext}`, import.meta.url);
const k = (name: string) => kernelRef(kernels, name);
const counter = () => new Int32Array(new SharedArrayBuffer(4));

const pools: ChunkPool[] = [];
/** A pool destroyed after the file's tests. */
function pool(opts: Parameters<typeof createPool>[0] = { threads: 2 }): ChunkPool {
  const p = createPool(opts);
  pools.push(p);
  return p;
}
after(() => Promise.all(pools.map((p) => p.destroy())));

const shared = pool();
/** Heap limit small enough that exhausting it is quick, large enough for a thread to start. */
const limited = pool({ threads: 2, resourceLimits: { maxOldGenerationSizeMb: 32 } });

/** The pool still runs tasks: a fresh task on each thread gives the right answer. */
async function stillWorks(p: ChunkPool): Promise<void> {
  const values = await Promise.all([1, 2, 3, 4].map((value) => p.kernel<{ value: number }>(k("echo"), { value })));
  assert.deepEqual(values.map((r) => r.value), [1, 2, 3, 4]);
}

test("a thread that exits on the first attempt: the retry gives the result", async () => {
  const attempts = counter();
  assert.equal(await shared.kernel(k("exitOnFirst"), { attempts, value: 42 }, { key: "a/c/0" }), 42);
  assert.equal(Atomics.load(attempts, 0), 2);
  assert.equal(shared.pending(), 0);
});

test("a thread that always exits: a ChunkError after exactly two attempts, and the pool still works", async () => {
  const attempts = counter();
  await assert.rejects(shared.kernel(k("alwaysExit"), { attempts }, { key: "a/c/1" }), (e: unknown) => {
    assert.ok(e instanceof ChunkError);
    assert.equal(e.key, "a/c/1");
    assert.match(e.message, /^a\/c\/1: worker thread failed twice running kernel alwaysExit \(.*faulty\.(ts|js)\): worker exited with code: 4$/);
    assert.match(String((e.cause as Error).message), /exited with code: 4/);
    return true;
  });
  assert.equal(Atomics.load(attempts, 0), 2);
  await stillWorks(shared);
});

test("run() retries the same way, and names the key from opts", async () => {
  const attempts = counter();
  const r = await shared.run("runKernel", { kernel: k("exitOnFirst"), args: { attempts, value: 9 } });
  assert.ok(r.ok && r.value === 9);
  const again = counter();
  await assert.rejects(shared.run("runKernel", { kernel: k("alwaysExit"), args: { attempts: again } }, { key: "r/0" }), { name: "ChunkError", key: "r/0" });
  assert.equal(Atomics.load(again, 0), 2);
});

test("an uncaught exception in a timer kills the thread mid-task: retried", async () => {
  const attempts = counter();
  assert.equal(await shared.kernel(k("throwInTimerOnFirst"), { attempts, value: "done" }), "done");
  assert.equal(Atomics.load(attempts, 0), 2);
});

test("a thread that dies after its task returned does not disturb the pool", async () => {
  assert.equal(await shared.kernel(k("throwAfterReturn"), { value: 5 }), 5);
  await new Promise((r) => setTimeout(r, 50)); // let the timer kill that thread
  await stillWorks(shared);
});

test("running out of memory under resourceLimits on the first attempt: retried and succeeds", async () => {
  const attempts = counter();
  assert.equal(await limited.kernel(k("oomOnFirst"), { attempts, value: 7 }, { key: "m/0" }), 7);
  assert.equal(Atomics.load(attempts, 0), 2);
});

test("always out of memory: a ChunkError saying so, and the limited pool is still usable", async () => {
  const attempts = counter();
  await assert.rejects(limited.kernel(k("alwaysOom"), { attempts }, { key: "m/1" }), (e: unknown) => {
    assert.ok(e instanceof ChunkError);
    assert.equal(e.key, "m/1");
    assert.match(e.message, /failed twice.*memory limit.*ERR_WORKER_OUT_OF_MEMORY/);
    assert.equal((e.cause as { code?: string }).code, "ERR_WORKER_OUT_OF_MEMORY");
    return true;
  });
  assert.equal(Atomics.load(attempts, 0), 2);
  await stillWorks(limited);
});

test("a task with transferred input is not retried (its input is gone) and tasks queued behind it still run", async () => {
  const one = pool({ threads: 1 });
  const attempts = counter();
  const moved = new ArrayBuffer(8);
  const dying = one.kernel(k("alwaysExit"), { attempts, moved }, { key: "t/0", transferList: [moved] });
  // Queued behind the dying task on the only thread: nothing would start a thread for them.
  const queued = [1, 2, 3].map((value) => one.kernel<{ value: number }>(k("echo"), { value }));
  await assert.rejects(dying, (e: unknown) => e instanceof ChunkError && /not retried: its input buffers were transferred/.test(e.message));
  assert.equal(Atomics.load(attempts, 0), 1);
  assert.deepEqual((await Promise.all(queued)).map((r) => r.value), [1, 2, 3]);
});

test("an aborted signal skips the retry: AbortError after one attempt", async () => {
  const attempts = counter();
  const ac = new AbortController();
  const p = shared.kernel(k("exitOnFirst"), { attempts, value: 1 }, { signal: ac.signal });
  ac.abort(); // the task is already submitted: it runs, its thread dies, and it is not run again
  await assert.rejects(p, { name: "AbortError" });
  assert.equal(Atomics.load(attempts, 0), 1);
});

test("threads that cannot start fail the waiting tasks with a ChunkError instead of hanging", async () => {
  // Far too little heap for a thread to even load its task module.
  const starved = pool({ threads: 2, resourceLimits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 } });
  const results = await Promise.allSettled([1, 2, 3].map((value) => starved.kernel(k("echo"), { value }, { key: `s/${value}` })));
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, "rejected");
    const e = (r as PromiseRejectedResult).reason as unknown;
    assert.ok(e instanceof ChunkError);
    assert.equal(e.key, `s/${i + 1}`);
    assert.match(e.message, /worker threads fail to start.*memory/);
  }
});

test("destroy() while a task waits rejects it with a ChunkError; the pool then starts afresh", async () => {
  const p = pool();
  const waiting = assert.rejects(p.kernel(k("sleep"), { ms: 50, value: 1 }, { key: "d/0" }), (e: unknown) => e instanceof ChunkError && /^d\/0: the pool was destroyed before kernel sleep/.test(e.message));
  await p.destroy();
  await waiting;
  assert.equal(await p.kernel(k("sleep"), { ms: 1, value: 2 }), 2);
});

test("a process whose pool saw thread failures, without destroy(), exits by itself", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-pool-failure-"));
  const file = path.join(dir, "child.mjs");
  fs.writeFileSync(file, `
    const { createPool } = await import(${JSON.stringify(new URL(`../../src/runtime/pool.${ext}`, import.meta.url).href)});
    const { kernelRef } = await import(${JSON.stringify(new URL(`../../src/runtime/kernel-task.${ext}`, import.meta.url).href)});
    const k = (name) => kernelRef(${JSON.stringify(kernels.href)}, name);
    const counter = () => new Int32Array(new SharedArrayBuffer(4));
    const pool = createPool({ threads: 2, resourceLimits: { maxOldGenerationSizeMb: 32 } });
    const out = {};
    out.retried = await pool.kernel(k("exitOnFirst"), { attempts: counter(), value: 11 });
    out.oom = await pool.kernel(k("oomOnFirst"), { attempts: counter(), value: 12 });
    out.failed = await pool.kernel(k("alwaysExit"), { attempts: counter() }, { key: "x" }).then(() => "no error", (e) => e.name);
    out.after = await pool.kernel(k("throwAfterReturn"), { value: 13 });
    await new Promise((r) => setTimeout(r, 100)); // that thread dies now, outside any task
    out.later = (await pool.kernel(k("echo"), { value: 14 })).value;
    console.log(JSON.stringify(out));
  `);
  const started = Date.now();
  const r = spawnSync(process.execPath, [...(ext === "ts" ? ["--import", "tsx"] : []), file], {
    encoding: "utf8", timeout: 20_000, cwd: new URL("../..", import.meta.url).pathname,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, `child did not exit cleanly (status ${r.status}, signal ${r.signal}, ${Date.now() - started} ms): ${r.stderr}`);
  assert.deepEqual(JSON.parse(r.stdout), { retried: 11, oom: 12, failed: "ChunkError", after: 13, later: 14 });
});
