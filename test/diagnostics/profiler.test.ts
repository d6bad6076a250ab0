/**
 * The task profiler and the callbacks plumbing: records what the computation reports
 * (copied), its wall-clock window, and fans out to several diagnostics at once.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { combineCallbacks, createProfiler, taskEventFromRun, type ComputeCallbacks, type TaskEvent } from "../../src/diagnostics/profiler.js";

test("records every finished task with key, times, worker and failure, in finishing order", () => {
  const prof = createProfiler();
  prof.onStart!({ total: 3, start: 100 });
  const e: TaskEvent = { key: "read-9f8e (0, 0)", start: 101, end: 105, worker: 3 };
  prof.onTaskEnd!(e, { done: 1, total: 3 });
  e.key = "mutated by the caller";
  prof.onTaskEnd!({ key: "add-1a2b (0, 0)", start: 104, end: 110, worker: "main" }, { done: 2, total: 3 });
  prof.onTaskEnd!({ key: "sum-77 (0,)", start: 111, end: 112, worker: 4, failed: true }, { done: 3, total: 3 });
  prof.onFinish!({ end: 120 });
  assert.deepEqual(prof.records(), [
    { key: "read-9f8e (0, 0)", start: 101, end: 105, worker: 3 },
    { key: "add-1a2b (0, 0)", start: 104, end: 110, worker: "main" },
    { key: "sum-77 (0,)", start: 111, end: 112, worker: 4, failed: true },
  ]);
  assert.deepEqual(prof.window(), { start: 100, end: 120 });
  prof.records().pop();
  assert.equal(prof.records().length, 3, "records() returns a copy");
});

test("several computations widen the window; clear() forgets everything", () => {
  const prof = createProfiler();
  prof.onStart!({ total: 1, start: 50 });
  prof.onFinish!({ end: 60 });
  prof.onStart!({ total: 1, start: 70 });
  prof.onTaskEnd!({ key: "x", start: 71, end: 72, worker: 1 }, { done: 1, total: 1 });
  prof.onFinish!({ end: 80, error: new Error("failed") });
  assert.deepEqual(prof.window(), { start: 50, end: 80 });
  prof.clear();
  assert.deepEqual(prof.records(), []);
  assert.deepEqual(prof.window(), {});
});

test("taskEventFromRun turns a pool kernel's run report into an event", () => {
  assert.deepEqual(taskEventFromRun("add-1 (2)", { thread: 7, start: 1.5, end: 2.5 }), { key: "add-1 (2)", start: 1.5, end: 2.5, worker: 7 });
  assert.deepEqual(taskEventFromRun("k", { thread: 1, start: 0, end: 1 }, true), { key: "k", start: 0, end: 1, worker: 1, failed: true });
});

test("combineCallbacks calls each diagnostic in order and skips missing members", () => {
  const calls: string[] = [];
  const spy = (name: string): ComputeCallbacks => ({
    onStart: (i) => calls.push(`${name}.start ${i.total}`),
    onTaskEnd: (e, p) => calls.push(`${name}.task ${e.key} ${p.done}/${p.total}`),
    onFinish: (i) => calls.push(`${name}.finish ${i.error === undefined ? "ok" : "error"}`),
  });
  const prof = createProfiler();
  const all = combineCallbacks(spy("a"), undefined, { onTaskEnd: () => calls.push("b.task") }, prof, spy("c"));
  all.onStart!({ total: 2, start: 0 });
  all.onTaskEnd!({ key: "t1", start: 0, end: 1, worker: 1 }, { done: 1, total: 2 });
  all.onFinish!({ end: 2, error: new Error("x") });
  assert.deepEqual(calls, ["a.start 2", "c.start 2", "a.task t1 1/2", "b.task", "c.task t1 1/2", "a.finish error", "c.finish error"]);
  assert.equal(prof.records().length, 1);
});
