/**
 * The resource profiler: samples CPU % of the whole process (worker threads included) and
 * RSS on a timer, started and stopped explicitly, around a function, or by a computation's
 * callbacks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { Worker } from "node:worker_threads";
import { REPO, srcModule } from "../paths.js";
import { ZarrError } from "../../src/format/errors.js";
import { cpuPercentBetween, createResourceProfiler, withProfilers } from "../../src/diagnostics/resource-profiler.js";
import { createProfiler } from "../../src/diagnostics/profiler.js";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keep this (main) thread busy for `ms`. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  if (x < 0) console.log(x);
}

/**
 * A worker thread spinning for `ms`; resolves with the CPU time (ms) the thread itself used,
 * read from Linux's per-thread counters (/proc/thread-self/stat, in clock ticks of 10 ms).
 */
function busyWorker(ms: number): Promise<number> {
  const code = `const { parentPort } = require("node:worker_threads");
    const end = Date.now() + ${ms}; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1);
    const f = require("node:fs").readFileSync("/proc/thread-self/stat", "utf8").split(") ")[1].split(" ");
    parentPort.postMessage((Number(f[11]) + Number(f[12])) * 10);`;
  const w = new Worker(code, { eval: true });
  return new Promise((resolve, reject) => { w.on("message", resolve); w.on("error", reject); });
}

test("CPU % is CPU time over wall time", () => {
  assert.equal(cpuPercentBetween({ t: 0, cpuMicros: 0 }, { t: 100, cpuMicros: 150_000 }), 150);
  assert.equal(cpuPercentBetween({ t: 5, cpuMicros: 0 }, { t: 5, cpuMicros: 10 }), 0, "an empty interval is 0, not Infinity");
});

test("samples on a timer between start and stop: increasing times, RSS, CPU of a busy main thread", async () => {
  const rp = createResourceProfiler({ intervalMs: 10 });
  assert.equal(rp.running(), false);
  rp.start();
  assert.equal(rp.running(), true);
  for (let i = 0; i < 6; i++) { busy(15); await sleep(5); }
  rp.stop();
  assert.equal(rp.running(), false);
  const s = rp.samples();
  assert.ok(s.length >= 3, `${s.length} samples`);
  assert.equal(s[0].cpuPercent, 0, "the first sample marks the start");
  for (let i = 1; i < s.length; i++) assert.ok(s[i].t > s[i - 1].t, "times increase");
  assert.ok(s.every((x) => x.rssMiB > 5 && x.rssMiB < 1e5), "RSS in MiB");
  assert.ok(s.some((x) => x.cpuPercent > 20), `a busy main thread shows: ${s.map((x) => x.cpuPercent.toFixed(0)).join(" ")}`);
  const n = s.length;
  await sleep(40);
  assert.equal(rp.samples().length, n, "nothing is sampled after stop");
  rp.clear();
  assert.deepEqual(rp.samples(), []);
});

test("CPU % counts worker threads: the CPU it measures covers what two busy workers used", { skip: existsSync("/proc/thread-self/stat") ? false : "needs Linux's per-thread CPU counters" }, async () => {
  const rp = createResourceProfiler({ intervalMs: 50 });
  const used = await withProfilers([rp], () => Promise.all([busyWorker(600), busyWorker(600)]));
  const s = rp.samples();
  // CPU ms measured: each sample's CPU % holds over the interval since the previous one.
  let measured = 0;
  for (let i = 1; i < s.length; i++) measured += (s[i].cpuPercent / 100) * (s[i].t - s[i - 1].t);
  const workers = used[0] + used[1];
  const detail = `measured ${measured.toFixed(0)} ms of CPU, the workers used ${workers} ms; samples: ${s.map((x) => x.cpuPercent.toFixed(0)).join(" ")}`;
  assert.ok(workers >= 100, `the workers ran: ${detail}`);
  // The main thread only waits, so a profiler blind to worker threads would measure next to nothing.
  // (On an idle 2-core machine the peak reads 190-200 %; under load the workers get less, and so does this.)
  assert.ok(measured >= workers * 0.9 - 30, detail);
});

test("as callbacks it runs from onStart to onFinish, but does not stop a run started explicitly", () => {
  const rp = createResourceProfiler({ intervalMs: 1000 });
  rp.onStart!({ total: 1, start: 0 });
  assert.equal(rp.running(), true);
  busy(5);
  rp.onFinish!({ end: 0 });
  assert.equal(rp.running(), false);
  assert.ok(rp.samples().length >= 2, "start and end samples even for a run shorter than the interval");

  rp.start();
  rp.onStart!({ total: 1, start: 0 });
  rp.onFinish!({ end: 0 });
  assert.equal(rp.running(), true, "the user's explicit start is left alone");
  rp.stop();
});

test("withProfilers stops what it started, even when the function throws, and returns its value", async () => {
  const rp = createResourceProfiler({ intervalMs: 5 });
  const prof = createProfiler();
  assert.equal(await withProfilers([prof, rp], async () => { assert.equal(rp.running(), true); return 42; }), 42);
  assert.equal(rp.running(), false);
  await assert.rejects(withProfilers([rp], () => { throw new RangeError("boom"); }), RangeError);
  assert.equal(rp.running(), false);
  const other = createResourceProfiler();
  other.start();
  await withProfilers([other], () => undefined);
  assert.equal(other.running(), true, "a profiler already running is not stopped");
  other.stop();
});

test("an invalid interval is a typed error", () => {
  for (const intervalMs of [0, -5, NaN, Infinity]) {
    assert.throws(() => createResourceProfiler({ intervalMs }), (e: unknown) => e instanceof ZarrError && /intervalMs/.test(e.message));
  }
});

test("a profiler left running does not keep the process alive (its timer is unref'd)", async () => {
  const mod = pathToFileURL(srcModule("src/diagnostics/resource-profiler")).href;
  const code = `const { createResourceProfiler } = await import(${JSON.stringify(mod)}); const rp = createResourceProfiler({ intervalMs: 10 }); rp.start(); console.log("running", rp.running());`;
  const args = [...(mod.endsWith(".ts") ? ["--import", "tsx"] : []), "--input-type=module", "-e", code];
  const { stdout } = await run(process.execPath, args, { timeout: 20_000, cwd: REPO });
  assert.equal(stdout.trim(), "running true", "the child started sampling, then exited on its own");
});
