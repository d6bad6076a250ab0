/**
 * The profile page as text: lanes per worker, task colours by family, decimation of 100k
 * tasks, shared time axis, totals, escaping, self-containment, and typed errors for bad
 * events. (browser.test.ts checks the page renders in a real browser.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ZarrError } from "../../src/format/errors.js";
import { decimateSeries, niceCeil, tickLabels, ticks } from "../../src/diagnostics/axes.js";
import { createProfiler, type Profiler, type TaskEvent } from "../../src/diagnostics/profiler.js";
import type { ResourceProfiler, ResourceSample } from "../../src/diagnostics/resource-profiler.js";
import { laneBars, layoutLanes, MAX_SUBLANES, taskPrefix } from "../../src/diagnostics/task-stream.js";
import { renderProfile, summarize, visualize } from "../../src/diagnostics/visualize.js";

const T0 = 1_700_000_000_000;

/** A task profiler holding `events` (and the computation's window when given). */
function profilerOf(events: TaskEvent[], window?: { start: number; end: number }): Profiler {
  const p = createProfiler();
  if (window) p.onStart!({ total: events.length, start: window.start });
  events.forEach((e, i) => p.onTaskEnd!(e, { done: i + 1, total: events.length }));
  if (window) p.onFinish!({ end: window.end });
  return p;
}

/** A stand-in resource profiler holding `samples`. */
function samplesOf(samples: ResourceSample[]): ResourceProfiler {
  return {
    intervalMs: 100, start() {}, stop() {}, running: () => false, clear() {},
    samples: () => samples.map((s) => ({ ...s })),
  };
}

/** The `<rect>` elements of the task stream group. */
function taskRects(html: string): { x: number; width: number; fill: string; title: string; cls: string }[] {
  const g = html.slice(html.indexOf('<g id="tasks"'), html.indexOf("</g>", html.indexOf('<g id="tasks"')));
  return [...g.matchAll(/<rect( class="(\w+)")? x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="(#[0-9a-f]{6})"><title>([^<]*)<\/title><\/rect>/g)]
    .map((m) => ({ cls: m[2] ?? "", x: Number(m[3]), width: Number(m[4]), fill: m[5], title: m[6] }));
}

test("task prefixes: the family name without hashes or counters", () => {
  assert.equal(taskPrefix("add-1a2b (3, 0)"), "add");
  assert.equal(taskPrefix("read-zarr-9f8e7d6c (0, 1)"), "read-zarr");
  assert.equal(taskPrefix("('sum-aggregate-77', 0)"), "sum-aggregate");
  assert.equal(taskPrefix("store-add (2)"), "store-add");
  assert.equal(taskPrefix("add+mul (0, 0)"), "add+mul");
  assert.equal(taskPrefix("decode"), "decode");
  assert.equal(taskPrefix("x-12"), "x");
  assert.equal(taskPrefix("(((("), "((((", "a key with no name is its own prefix");
});

test("ticks are round numbers with labels that show them exactly", () => {
  assert.deepEqual(ticks(0, 2), [0, 0.2, 0.4, 0.6, 0.8, 1, 1.2, 1.4, 1.6, 1.8, 2]);
  assert.deepEqual(tickLabels(ticks(0, 2)).slice(0, 3), ["0.0", "0.2", "0.4"]);
  assert.deepEqual(ticks(0, 350, 4), [0, 100, 200, 300]);
  assert.deepEqual(tickLabels([0, 100, 200]), ["0", "100", "200"]);
  assert.deepEqual(ticks(0, 0.003, 3), [0, 0.001, 0.002, 0.003]);
  assert.equal(niceCeil(173), 200);
  assert.equal(niceCeil(200), 200);
  assert.equal(niceCeil(0), 1);
});

test("series decimation keeps each pixel's lowest and highest value, in time order", () => {
  const pts = Array.from({ length: 10_000 }, (_, i) => ({ x: i / 100, y: i === 5_050 ? 999 : i % 7 }));
  const d = decimateSeries(pts, 100);
  assert.ok(d.length <= 200, `${d.length} points`);
  assert.ok(d.some((p) => p.y === 999), "the spike survives");
  for (let i = 1; i < d.length; i++) assert.ok(d[i].x >= d[i - 1].x);
  assert.equal(decimateSeries(pts.slice(0, 50), 100).length, 50, "few points are kept as they are");
});

test("one lane per worker (main first, then threads by id); concurrent tasks on a worker get extra lanes", () => {
  const ev = (key: string, start: number, end: number, worker: number | "main"): TaskEvent => ({ key, start, end, worker });
  const layout = layoutLanes([
    ev("a-1", 0, 10, 7), ev("a-2", 10, 20, 7), ev("b-1", 0, 5, 3),
    ev("m-1", 0, 10, "main"), ev("m-2", 5, 15, "main"), ev("m-3", 12, 20, "main"),
  ]);
  assert.deepEqual(layout.lanes.map((l) => l.label), ["main", "main #2", "thread 3", "thread 7"]);
  assert.deepEqual(layout.events.map((l) => l.map((e) => e.key)), [["m-1", "m-3"], ["m-2"], ["b-1"], ["a-1", "a-2"]]);
  const many = Array.from({ length: 100 }, (_, i) => ev(`x-${i}`, 0, 1000, "main"));
  assert.equal(layoutLanes(many).lanes.length, MAX_SUBLANES, "lanes per worker are capped");
});

test("100k tiny tasks merge into at most ~2 rectangles per pixel per lane, accounting for every task", () => {
  const events: TaskEvent[] = [];
  for (let i = 0; i < 100_000; i++) {
    const w = i % 4;
    const slot = Math.floor(i / 4);
    events.push({ key: `${["read", "add", "sum"][slot % 3]}-ab12 (${i})`, start: T0 + slot * 0.1, end: T0 + slot * 0.1 + 0.08, worker: w + 1 });
  }
  const layout = layoutLanes(events);
  assert.equal(layout.lanes.length, 4);
  const width = 840;
  const span = 25_000 * 0.1;
  const bars = layout.events.map((evs, lane) => laneBars(lane, evs, (t) => ((t - T0) / span) * width));
  const counts = bars.map((b) => b.length);
  // Families alternate task by task, so a lane cannot become one bar: about one per pixel.
  assert.ok(counts.every((n) => n >= width / 4 && n <= 2 * width + 1), `bars per lane: ${counts.join(", ")}`);
  assert.equal(bars.flat().reduce((a, b) => a + b.count, 0), 100_000, "every task is in one bar");
  assert.ok(bars.flat().every((b) => b.x1 - b.x0 >= 1 || b === bars[b.lane].at(-1)), "merged bars are at least a pixel wide");

  const html = renderProfile([profilerOf(events)], { width: 1200, cores: 2 });
  const rects = taskRects(html);
  assert.ok(rects.length >= 4 * (width / 4) && rects.length <= 4 * (2 * width + 1), `${rects.length} rectangles`);
  assert.equal(new Set(rects.map((r) => r.fill)).size, 3, "the three families still show");
  assert.ok(html.length < 5e6, `page of ${html.length} characters`);
  assert.match(html, /<b id="total-tasks">100000<\/b>/);
});

test("wide tasks stay one rectangle each, coloured by family, with a tooltip naming the task", () => {
  const events: TaskEvent[] = [
    { key: "read-9f8e (0)", start: T0, end: T0 + 400, worker: 1 },
    { key: "add-1a2b (0)", start: T0 + 400, end: T0 + 700, worker: 1 },
    { key: "read-9f8e (1)", start: T0, end: T0 + 300, worker: 2 },
    { key: "sum-77 (0)", start: T0 + 300, end: T0 + 1000, worker: 2, failed: true },
  ];
  const html = renderProfile([profilerOf(events, { start: T0, end: T0 + 1000 })], { cores: 2 });
  const rects = taskRects(html);
  assert.equal(rects.length, 4);
  const fill = (k: string) => rects.find((r) => r.title.startsWith(k))!.fill;
  assert.equal(fill("read-9f8e (0)"), fill("read-9f8e (1)"), "one colour per family");
  assert.equal(new Set([fill("read"), fill("add"), fill("sum")]).size, 3, "different families, different colours");
  const left = 110;
  const plotWidth = 1200 - 110 - 250;
  for (const r of rects) assert.ok(r.x >= left && r.x + r.width <= left + plotWidth + 0.01 && r.width > 0, `inside the plot: ${JSON.stringify(r)}`);
  const add = rects.find((r) => r.title.startsWith("add"))!;
  assert.ok(Math.abs(add.x - (left + 0.4 * plotWidth)) < 0.02 && Math.abs(add.width - 0.3 * plotWidth) < 0.02, "x is time on the shared axis");
  assert.match(add.title, /^add-1a2b \(0\)\nthread 1 · 0\.400 → 0\.700 s \(300 ms\)$/);
  assert.equal(rects.find((r) => r.title.startsWith("sum"))!.cls, "failed");
  assert.match(html, /failed <b id="total-failed">1<\/b>/);
  assert.match(html, /<text x="[\d.]+" y="\d+">read · 2 · 700 ms<\/text>/, "the legend counts and times each family");
});

test("CPU and memory share the time axis with the tasks; totals summarize the run", () => {
  const events: TaskEvent[] = [{ key: "add-1 (0)", start: T0 + 100, end: T0 + 900, worker: 1 }];
  const samples: ResourceSample[] = [
    { t: T0, cpuPercent: 0, rssMiB: 50 },
    { t: T0 + 100, cpuPercent: 100, rssMiB: 60 },
    { t: T0 + 300, cpuPercent: 200, rssMiB: 80.25 },
    { t: T0 + 1000, cpuPercent: 50, rssMiB: 70 },
  ];
  const html = renderProfile([profilerOf(events), samplesOf(samples)], { cores: 2, title: "test run" });
  const points = (id: string) => html.match(new RegExp(`<polyline id="${id}" points="([^"]+)"`))![1].split(" ").map((p) => p.split(",").map(Number));
  const cpu = points("cpu-line");
  const mem = points("mem-line");
  assert.equal(cpu.length, 4);
  assert.equal(mem.length, 4);
  const left = 110;
  const plotWidth = 840;
  const px = (f: number) => Math.round((left + f * plotWidth) * 100) / 100;
  assert.deepEqual(cpu.map((p) => p[0]), [px(0), px(0.1), px(0.3), px(1)], "sample times on the same axis as tasks");
  assert.deepEqual(mem.map((p) => p[0]), cpu.map((p) => p[0]));
  assert.ok(cpu[2][1] < cpu[1][1] && cpu[1][1] < cpu[0][1], "higher CPU is higher on the plot");
  assert.match(html, />2 cores<\/text>/, "the cores' capacity is marked");
  assert.match(html, /<h1>test run<\/h1>/);
  assert.match(html, /wall time <b id="total-wall">0\.800 s<\/b>/, "without the computation's start/finish, wall time is the span of the tasks");
  assert.match(html, /peak RSS <b id="total-peak-rss">80\.3 MiB<\/b>/);
  // Mean CPU weights each sample by its interval: (100·100 + 200·200 + 50·700) / 1000 = 85.
  assert.match(html, /mean CPU <b id="total-mean-cpu">85 %<\/b>/);
  assert.match(html, /peak CPU <b id="total-peak-cpu">200 %<\/b>/);
  assert.match(html, /task time \/ wall <b id="total-parallelism">1\.00×<\/b>/);
  assert.match(html, /time since start \(s\)/);
  const s = summarize(events, samples);
  assert.equal(s.wallMs, 800);
  assert.equal(summarize(events, samples, { start: T0, end: T0 + 1000 }).wallMs, 1000, "the computation's own start/finish win");
  assert.equal(s.meanCpuPercent, 85);
});

test("the page is self-contained and escapes keys and titles", () => {
  const events: TaskEvent[] = [{ key: `<script>alert("x")</script>-1 (0)`, start: T0, end: T0 + 10, worker: 1 }];
  const html = renderProfile([profilerOf(events)], { title: "a < b & </script>" });
  assert.doesNotMatch(html, /<script>alert/);
  assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)/);
  assert.match(html, /<title>a &lt; b &amp; &lt;\/script&gt;<\/title>/);
  assert.doesNotMatch(html, /https?:|<link|\ssrc=|@import|@font-face|url\((?!#)/, "nothing is fetched");
  assert.equal(html.match(/<script/g)!.length, 2, "one JSON block and one inline script");
});

test("an empty profile renders with notes instead of plots", () => {
  const html = renderProfile([createProfiler()]);
  assert.match(html, /no tasks recorded/);
  assert.match(html, /no resource samples/);
  assert.match(html, /<b id="total-tasks">0<\/b>/);
});

test("bad events and bad profilers are typed errors naming the task", () => {
  const bad = (e: Partial<TaskEvent>) => renderProfile([profilerOf([{ key: "add-1 (0)", start: T0, end: T0 + 1, worker: 1, ...e }])]);
  assert.throws(() => bad({ start: NaN }), (e: unknown) => e instanceof ZarrError && e.key === "add-1 (0)" && /non-finite/.test(e.message));
  assert.throws(() => bad({ end: T0 - 5 }), (e: unknown) => e instanceof ZarrError && /ends before it starts/.test(e.message));
  assert.throws(() => bad({ worker: 1.5 }), (e: unknown) => e instanceof ZarrError && /worker/.test(e.message));
  assert.throws(() => renderProfile([samplesOf([{ t: T0, cpuPercent: Infinity, rssMiB: 1 }])]), ZarrError);
  assert.throws(() => renderProfile([{} as unknown as Profiler]), ZarrError);
});

test("visualize writes the page and returns it; an unwritable path is a typed error", () => {
  const dir = mkdtempSync(join(tmpdir(), "zarrflow-viz-"));
  try {
    const file = join(dir, "profile.html");
    const html = visualize([profilerOf([{ key: "add-1 (0)", start: T0, end: T0 + 5, worker: 1 }])], file);
    assert.equal(readFileSync(file, "utf8"), html);
    assert.match(html, /^<!doctype html>/);
    assert.throws(() => visualize([createProfiler()], join(dir, "missing", "p.html")), (e: unknown) => e instanceof ZarrError && e.key === join(dir, "missing", "p.html"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
