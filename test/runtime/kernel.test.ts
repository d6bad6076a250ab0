/**
 * The pool's kernel API: kernels named by module URL + export name run in a worker thread,
 * return values (shared memory included), and their failures come back as typed errors
 * naming the task key while the pool keeps working.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { ChunkError } from "../../src/format/errors.js";
import { kernelRef } from "../../src/runtime/kernel-task.js";
import { createPool } from "../../src/runtime/pool.js";

const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
const kernels = new URL(`./kernels/faulty.${ext}`, import.meta.url);
const k = (name: string) => kernelRef(kernels, name);
const counter = () => new Int32Array(new SharedArrayBuffer(4));

const pool = createPool({ threads: 2 });
after(() => pool.destroy());

test("a kernel runs in a worker thread and returns its value", async () => {
  const r = await pool.kernel<{ value: unknown; threadId: number }>(k("echo"), { value: { a: [1, 2, 3], s: "x", n: 2n ** 70n } });
  assert.deepEqual(r.value, { a: [1, 2, 3], s: "x", n: 2n ** 70n });
  assert.notEqual(r.threadId, 0, "ran on a worker thread, not the main one");
});

test("a kernel writes into the caller's shared memory and returns a shared array the main thread sees", async () => {
  const out = new Float64Array(new SharedArrayBuffer(5 * 8));
  const made = await pool.kernel<Float64Array>(k("fillShared"), { out, scale: 1.5, length: 4 });
  assert.deepEqual([...out], [0, 1.5, 3, 4.5, 6]);
  assert.ok(made instanceof Float64Array);
  assert.ok(made.buffer instanceof SharedArrayBuffer, "the worker's SharedArrayBuffer arrives shared, not copied");
  assert.deepEqual([...made], [-0, -1, -2, -3]);
});

test("a throwing kernel rejects with a ChunkError naming the key; the pool still runs tasks", async () => {
  await assert.rejects(pool.kernel(k("fail"), { message: "bad input 42" }, { key: "calls/c/3" }), (e: unknown) => {
    assert.ok(e instanceof ChunkError);
    assert.equal(e.key, "calls/c/3");
    assert.match(e.message, /^calls\/c\/3: RangeError: bad input 42$/);
    return true;
  });
  const c = counter();
  assert.equal(await pool.kernel(k("countCalls"), { attempts: c }), 1);
  assert.equal(Atomics.load(c, 0), 1, "an ordinary task error is not retried");
});

test("without a key, the error names the kernel; a missing export is a typed error too", async () => {
  await assert.rejects(pool.kernel(k("fail"), { message: "no key" }), (e: unknown) => e instanceof ChunkError && e.key === "kernel fail");
  await assert.rejects(pool.kernel(k("noSuchKernel"), null, { key: "k/1" }), (e: unknown) => {
    assert.ok(e instanceof ChunkError);
    assert.match(e.message, /noSuchKernel is not a function/);
    return true;
  });
});

test("a result that cannot be cloned back is a typed error, and the pool survives", async () => {
  await assert.rejects(pool.kernel(k("uncloneable"), null, { key: "u/0" }), (e: unknown) => {
    assert.ok(e instanceof ChunkError);
    assert.equal(e.key, "u/0");
    assert.match(e.message, /failed twice.*structured-clone/);
    return true;
  });
  assert.deepEqual((await pool.kernel<{ value: unknown }>(k("echo"), { value: 7 })).value, 7);
});

test("an input that cannot be cloned is a typed error without retry", async () => {
  await assert.rejects(pool.kernel(k("echo"), { value: () => 1 }, { key: "in/0" }), (e: unknown) => {
    assert.ok(e instanceof ChunkError);
    assert.match(e.message, /^in\/0: kernel echo .*input cannot be sent/);
    return true;
  });
});

test("an aborted signal rejects with an AbortError and nothing runs", async () => {
  const c = counter();
  const ac = new AbortController();
  ac.abort();
  const p = pool.kernel(k("countCalls"), { attempts: c }, { signal: ac.signal });
  assert.equal(pool.pending(), 0, "nothing was submitted");
  await assert.rejects(p, { name: "AbortError" });
  await assert.rejects(pool.run("runKernel", { kernel: k("countCalls"), args: { attempts: c } }, { signal: ac.signal }), { name: "AbortError" });
  await pool.kernel(k("echo"), { value: 0 }); // the pool is idle and well
  assert.equal(Atomics.load(c, 0), 0);
});
