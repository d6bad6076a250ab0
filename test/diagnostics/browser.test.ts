/**
 * The profile page in a real headless browser (Debian's chromium through puppeteer-core):
 * a profile of a real computation — a few hundred kernels on a 2-thread pool plus a few
 * main-thread tasks, with a resource profiler sampling — must draw task rectangles inside
 * the plot area, CPU and memory lines with extent, a working cursor readout, and a
 * screenshot that is not blank and shows the task colours. Skipped, saying so, when no
 * chromium is installed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import puppeteer, { type Browser } from "puppeteer-core";
import { combineCallbacks, createProfiler, nowMs, taskEventFromRun, type TaskEvent } from "../../src/diagnostics/profiler.js";
import { createResourceProfiler } from "../../src/diagnostics/resource-profiler.js";
import { visualize } from "../../src/diagnostics/visualize.js";
import { runTasks } from "../../src/runtime/executor.js";
import { kernelRef } from "../../src/runtime/kernel-task.js";
import { createPool } from "../../src/runtime/pool.js";
import { CHROMIUM_ARGS, chromiumSkip, findChromium } from "./chromium.js";
import { countColour, decodePng, nonWhiteShare } from "./png.js";

const chromium = findChromium();
const skip = chromiumSkip(chromium);
const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
const spin = kernelRef(new URL(`./kernels/work.${ext}`, import.meta.url), "spin");

interface Box { x: number; y: number; width: number; height: number }
interface PageCheck {
  rects: number;
  inside: number;
  fills: string[];
  cpu: { points: number; box: Box; area: Box };
  mem: { points: number; box: Box; area: Box };
  cpuFill: Box;
  memFill: Box;
  tasksClient: Box;
  totalTasks: string;
  laneLabels: string[];
}

/** Runs in the page: what the SVG actually laid out. */
const CHECK = `(() => {
  const box = (el) => { const b = el.getBBox(); return { x: b.x, y: b.y, width: b.width, height: b.height }; };
  const area = box(document.getElementById("tasks-area"));
  const rects = [...document.querySelectorAll("#tasks rect")];
  const eps = 0.01;
  const inside = rects.filter((r) => {
    const b = r.getBBox();
    return b.width > 0 && b.height > 0 && b.x >= area.x - eps && b.x + b.width <= area.x + area.width + eps
      && b.y >= area.y - eps && b.y + b.height <= area.y + area.height + eps;
  }).length;
  const line = (id) => { const el = document.getElementById(id + "-line"); return { points: el.points.numberOfItems, box: box(el), area: box(document.getElementById(id + "-area")) }; };
  const c = document.getElementById("tasks-area").getBoundingClientRect();
  return {
    rects: rects.length, inside, fills: [...new Set(rects.map((r) => r.getAttribute("fill")))],
    cpu: line("cpu"), mem: line("mem"),
    cpuFill: box(document.getElementById("cpu-fill")), memFill: box(document.getElementById("mem-fill")),
    tasksClient: { x: c.x, y: c.y, width: c.width, height: c.height },
    totalTasks: document.getElementById("total-tasks").textContent,
    laneLabels: [...document.querySelectorAll(".lane-label")].map((t) => t.textContent),
  };
})()`;

/** Keep the main thread busy for `ms`. */
function busy(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  if (x < 0) console.log(x);
}

/** Profile a small real computation: 240 kernels (read/add/sum) on 2 threads, 6 tasks on main. */
async function profileComputation() {
  const pool = createPool({ threads: 2 });
  const prof = createProfiler();
  const res = createResourceProfiler({ intervalMs: 20 });
  const cbs = combineCallbacks(prof, res);
  const stages = ["read", "add", "sum"];
  const n = 240;
  const total = n + 6;
  let done = 0;
  const report = (e: TaskEvent) => cbs.onTaskEnd!(e, { done: ++done, total });
  cbs.onStart!({ total, start: nowMs() });
  try {
    await runTasks(Array.from({ length: n }, (_, i) => i), async (i) => {
      const key = `${stages[Math.floor((i * stages.length) / n)]}-5eed (${i})`;
      await pool.kernel(spin, { ms: 1 + (i % 3) }, { key, onRun: (run) => report(taskEventFromRun(key, run)) });
    }, { maxInFlight: 4 });
    for (let j = 0; j < 6; j++) {
      const start = nowMs();
      busy(3);
      report({ key: `concat-${j} (0)`, start, end: nowMs(), worker: "main" });
    }
  } finally {
    cbs.onFinish!({ end: nowMs() });
    await pool.destroy();
  }
  return { prof, res };
}

async function withBrowser<T>(fn: (b: Browser) => Promise<T>): Promise<T> {
  const browser = await puppeteer.launch({ executablePath: chromium, args: CHROMIUM_ARGS });
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

test("a real computation's profile renders in Chromium: rects in the plot, CPU and memory lines, cursor, non-blank screenshot", { skip, timeout: 90_000 }, async () => {
  const { prof, res } = await profileComputation();
  const records = prof.records();
  assert.equal(records.length, 246);
  const threads = new Set(records.filter((r) => r.worker !== "main").map((r) => r.worker));
  assert.equal(threads.size, 2, "both pool threads ran tasks");
  assert.ok(res.samples().length >= 2, `${res.samples().length} resource samples`);

  const dir = mkdtempSync(join(tmpdir(), "zarrflow-browser-"));
  try {
    const file = join(dir, "profile.html");
    visualize([prof, res], file, { title: "diagnostics browser test", cores: 2 });
    await withBrowser(async (browser) => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
      page.on("request", (r) => { if (!r.url().startsWith("file:")) errors.push(`fetched ${r.url()}`); });
      await page.setViewport({ width: 1280, height: 900 });
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      const r = (await page.evaluate(CHECK)) as PageCheck;

      assert.equal(r.totalTasks, "246");
      assert.ok(r.rects >= 50, `${r.rects} task rectangles`);
      assert.equal(r.inside, r.rects, "every task rectangle has width and lies inside the plot area");
      assert.ok(r.fills.length >= 4, `read, add, sum and concat coloured apart: ${r.fills.join(" ")}`);
      assert.deepEqual(r.laneLabels.slice(0, 1), ["main"]);
      assert.equal(r.laneLabels.filter((l) => l.startsWith("thread ")).length, 2);
      for (const [name, l] of [["cpu", r.cpu], ["mem", r.mem]] as const) {
        assert.ok(l.points >= 2, `${name}: ${l.points} points`);
        assert.ok(l.box.width > 0, `${name} line spans time`);
        assert.ok(l.box.x >= l.area.x - 0.01 && l.box.x + l.box.width <= l.area.x + l.area.width + 0.01, `${name} line inside its plot`);
        assert.ok(l.box.y >= l.area.y - 1 && l.box.y + l.box.height <= l.area.y + l.area.height + 1, `${name} line inside its plot vertically`);
      }
      assert.ok(r.cpu.box.height > 0, "CPU varies over the run");
      assert.ok(r.cpuFill.width > 0 && r.cpuFill.height > 0 && r.memFill.width > 0 && r.memFill.height > 0, "filled areas have extent");

      // The cursor: hovering the task stream reads out time, CPU and memory.
      const c = r.tasksClient;
      await page.mouse.move(c.x + c.width / 2, c.y + 3);
      const readout = (await page.evaluate(`document.getElementById("readout").textContent`)) as string;
      assert.match(readout, /^t = \d+\.\d{3} s · CPU \d+ % · RSS \d+\.\d MiB$/);
      await page.mouse.move(2, 2);

      const img = decodePng(await page.screenshot({ fullPage: true }));
      assert.ok(img.width >= 1000 && img.height >= 500, `${img.width}×${img.height}`);
      const share = nonWhiteShare(img);
      assert.ok(share > 0.02, `${(share * 100).toFixed(1)} % of the pixels are not white`);
      for (const fill of r.fills) assert.ok(countColour(img, fill) >= 20, `colour ${fill} is on screen`);
      assert.deepEqual(errors, []);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a 100k-task profile stays a few thousand rectangles, all inside the plot, in Chromium", { skip, timeout: 90_000 }, async () => {
  const prof = createProfiler();
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < 100_000; i++) {
    const slot = Math.floor(i / 8);
    prof.onTaskEnd!({ key: `${["read", "add", "sum"][Math.floor(slot / 4000)]}-ab (${i})`, start: t0 + slot * 0.2, end: t0 + slot * 0.2 + 0.15, worker: (i % 8) + 1 }, { done: i + 1, total: 100_000 });
  }
  const dir = mkdtempSync(join(tmpdir(), "zarrflow-browser-"));
  try {
    const file = join(dir, "big.html");
    visualize([prof], file, { cores: 8 });
    await withBrowser(async (browser) => {
      const page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      const r = (await page.evaluate(`(() => {
        const a = document.getElementById("tasks-area").getBBox();
        const rects = [...document.querySelectorAll("#tasks rect")];
        const inside = rects.filter((el) => { const b = el.getBBox(); return b.width > 0 && b.x >= a.x - 0.01 && b.x + b.width <= a.x + a.width + 0.01; }).length;
        return { rects: rects.length, inside, total: document.getElementById("total-tasks").textContent };
      })()`)) as { rects: number; inside: number; total: string };
      assert.equal(r.total, "100000");
      assert.ok(r.rects >= 8 && r.rects <= 8 * 2 * 840, `${r.rects} rectangles for 100k tasks`);
      assert.equal(r.inside, r.rects);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
