/**
 * One self-contained HTML page of a profiled computation: the task stream (one lane per
 * worker, a rectangle per task coloured by task family), and below it CPU % and memory over
 * the same time axis (seconds since the computation started), with the totals on top.
 * Inline SVG and a few lines of inline JS (a cursor reading time, CPU and memory); nothing
 * is fetched, so the file opens offline and can be attached to a bug report.
 * @module
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { ZarrError } from "../format/errors.js";
import { decimateSeries, niceCeil, tickLabels, ticks } from "./axes.js";
import type { Profiler, ProfileWindow, TaskEvent } from "./profiler.js";
import type { ResourceProfiler, ResourceSample } from "./resource-profiler.js";
import { laneBars, layoutLanes, prefixTotals, type Bar, type Lane, type PrefixTotal } from "./task-stream.js";

/** Options of {@link visualize}. */
export interface VisualizeOptions {
  /** Page heading (default "zarrflow profile"). */
  title?: string;
  /** Cores drawn as the CPU reference line (default `os.availableParallelism()`). */
  cores?: number;
  /** Width of the plot in CSS pixels (default 1200, at least 500). */
  width?: number;
}

/** What the page's totals say. */
export interface ProfileSummary {
  tasks: number;
  failed: number;
  workers: number;
  /** Wall time of the computation in ms (its start/finish when seen, else the span of what was recorded). */
  wallMs: number;
  /** Summed task time in ms. */
  taskMs: number;
  peakRssMiB: number | undefined;
  /** Time-weighted mean over the samples. */
  meanCpuPercent: number | undefined;
  peakCpuPercent: number | undefined;
}

/** Everything the profilers recorded, merged. */
interface Recorded {
  events: TaskEvent[];
  samples: ResourceSample[];
  window: ProfileWindow;
}

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#17becf", "#8c564b", "#bcbd22"];
const OTHER = "#9a9a9a";
const CPU_COLOUR = "#d9480f";
const MEM_COLOUR = "#1c7ed6";

function isTaskProfiler(p: Profiler | ResourceProfiler): p is Profiler {
  return typeof (p as Partial<Profiler>).records === "function";
}

function collect(profilers: readonly (Profiler | ResourceProfiler)[]): Recorded {
  const out: Recorded = { events: [], samples: [], window: {} };
  for (const p of profilers) {
    if (isTaskProfiler(p)) {
      for (const e of p.records()) out.events.push(e);
      const w = p.window();
      if (w.start !== undefined && !(out.window.start !== undefined && out.window.start <= w.start)) out.window.start = w.start;
      if (w.end !== undefined && !(out.window.end !== undefined && out.window.end >= w.end)) out.window.end = w.end;
    } else if (typeof (p as Partial<ResourceProfiler>).samples === "function") {
      for (const s of p.samples()) out.samples.push(s);
    } else {
      throw new ZarrError("visualize: expected task profilers (createProfiler) or resource profilers (createResourceProfiler)");
    }
  }
  for (const s of out.samples) {
    if (!Number.isFinite(s.t) || !Number.isFinite(s.cpuPercent) || !Number.isFinite(s.rssMiB)) {
      throw new ZarrError(`visualize: resource sample with a non-finite value (t ${s.t}, cpu ${s.cpuPercent}, rss ${s.rssMiB})`);
    }
  }
  out.samples.sort((a, b) => a.t - b.t);
  return out;
}

/** Totals of a profile (tasks, wall time, peak RSS, mean CPU...). */
export function summarize(events: readonly TaskEvent[], samples: readonly ResourceSample[], window: ProfileWindow = {}): ProfileSummary {
  let first = window.start ?? Infinity;
  let last = window.end ?? -Infinity;
  let taskMs = 0;
  let failed = 0;
  const workers = new Set<number | "main">();
  for (const e of events) {
    if (window.start === undefined) first = Math.min(first, e.start);
    if (window.end === undefined) last = Math.max(last, e.end);
    taskMs += e.end - e.start;
    if (e.failed) failed++;
    workers.add(e.worker);
  }
  if (events.length === 0 && samples.length > 0) {
    first = Math.min(first, samples[0].t);
    last = Math.max(last, samples[samples.length - 1].t);
  }
  let weighted = 0;
  let span = 0;
  let peakCpu: number | undefined;
  let peakRss: number | undefined;
  samples.forEach((s, i) => {
    peakRss = Math.max(peakRss ?? -Infinity, s.rssMiB);
    // A sample's CPU % covers the interval since the previous one.
    if (i === 0) return;
    const dt = s.t - samples[i - 1].t;
    weighted += s.cpuPercent * dt;
    span += dt;
    peakCpu = Math.max(peakCpu ?? -Infinity, s.cpuPercent);
  });
  return {
    tasks: events.length,
    failed,
    workers: workers.size,
    wallMs: last > first ? last - first : 0,
    taskMs,
    peakRssMiB: peakRss,
    meanCpuPercent: span > 0 ? weighted / span : undefined,
    peakCpuPercent: peakCpu,
  };
}

/** Escape text for HTML/SVG content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Round for SVG coordinates (keeps the file small). */
const r2 = (v: number) => Math.round(v * 100) / 100;

function fmtSeconds(ms: number): string {
  const s = ms / 1000;
  return s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(3);
}

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : ms >= 10 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`;
}

/** Layout of the page's SVG: one shared x axis, panels stacked. */
interface Frame {
  left: number;
  width: number;
  t0: number;
  t1: number;
  /** Epoch ms → pixels from the left of the plot area. */
  px: (t: number) => number;
}

interface Panel {
  top: number;
  height: number;
}

function xAxis(f: Frame, p: Panel, showLabels: boolean): string {
  const secs = ticks(0, (f.t1 - f.t0) / 1000, Math.max(4, Math.round(f.width / 90)));
  const labels = tickLabels(secs);
  const bottom = p.top + p.height;
  return secs.map((s, i) => {
    const x = r2(f.left + (s * 1000 * f.width) / (f.t1 - f.t0));
    const grid = `<line class="grid" x1="${x}" x2="${x}" y1="${p.top}" y2="${bottom}"/><line class="tick" x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 4}"/>`;
    return showLabels ? `${grid}<text x="${x}" y="${bottom + 15}" text-anchor="middle">${labels[i]}</text>` : grid;
  }).join("");
}

function areaRect(f: Frame, p: Panel, id: string): string {
  return `<rect class="plot-area" id="${id}" x="${f.left}" y="${p.top}" width="${f.width}" height="${p.height}"/>`;
}

function panelTitle(f: Frame, p: Panel, text: string): string {
  return `<text class="panel-title" x="${f.left}" y="${p.top - 7}">${escapeXml(text)}</text>`;
}

function emptyNote(f: Frame, p: Panel, text: string): string {
  return `<text class="empty" x="${f.left + f.width / 2}" y="${p.top + p.height / 2 + 4}" text-anchor="middle">${escapeXml(text)}</text>`;
}

function barTitle(b: Bar, lane: Lane, t0: number): string {
  const when = `${lane.label} · ${fmtSeconds(b.start - t0)} → ${fmtSeconds(b.end - t0)} s`;
  if (b.count === 1) return `${b.key ?? b.prefix}\n${when} (${fmtMs(b.end - b.start)})${b.failed ? " · FAILED" : ""}`;
  return `${b.count} tasks, mostly ${b.prefix}\n${when}${b.failed ? ` · ${b.failed} failed` : ""}`;
}

function taskPanel(f: Frame, p: Panel, lanes: Lane[], bars: Bar[][], colourOf: (prefix: string) => string, laneH: number): string {
  const out: string[] = [panelTitle(f, p, "task stream (one lane per worker)"), areaRect(f, p, "tasks-area"), xAxis(f, p, true)];
  if (lanes.length === 0) return out.concat(emptyNote(f, p, "no tasks recorded")).join("");
  const pad = laneH >= 6 ? 1 : 0;
  const labelEvery = Math.max(1, Math.ceil(11 / laneH));
  lanes.forEach((lane, i) => {
    if (i % labelEvery === 0) {
      out.push(`<text class="lane-label" x="${f.left - 6}" y="${r2(p.top + (i + 0.5) * laneH + 4)}" text-anchor="end">${escapeXml(lane.label)}</text>`);
    }
  });
  out.push(`<g id="tasks" clip-path="url(#tasks-clip)">`);
  const right = f.left + f.width;
  for (const laneBarsList of bars) {
    for (const b of laneBarsList) {
      // A task narrower than a pixel still shows as one pixel, inside the plot area.
      const x = Math.min(Math.max(f.left + b.x0, f.left), right - 1);
      const w = Math.max(1, Math.min(b.x1 - b.x0, right - x));
      const y = p.top + b.lane * laneH + pad;
      const cls = b.failed > 0 ? ` class="failed"` : "";
      out.push(`<rect${cls} x="${r2(x)}" y="${r2(y)}" width="${r2(w)}" height="${r2(laneH - 2 * pad)}" fill="${colourOf(b.prefix)}"><title>${escapeXml(barTitle(b, lanes[b.lane], f.t0))}</title></rect>`);
    }
  }
  out.push("</g>");
  return out.join("");
}

interface SeriesSpec {
  id: string;
  title: string;
  unit: string;
  colour: string;
  values: (s: ResourceSample) => number;
  /** A dashed reference line (the cores' capacity on the CPU plot). */
  reference?: { value: number; label: string };
}

function seriesPanel(f: Frame, p: Panel, samples: readonly ResourceSample[], spec: SeriesSpec): string {
  const out: string[] = [panelTitle(f, p, spec.title), areaRect(f, p, `${spec.id}-area`), xAxis(f, p, true)];
  // A loop, not Math.max(...spread): hours of samples would overflow the argument list.
  let max = spec.reference?.value ?? 0;
  for (const s of samples) max = Math.max(max, spec.values(s));
  const top = niceCeil(max);
  const y = (v: number) => r2(p.top + p.height - (Math.max(0, v) / top) * p.height);
  const yt = ticks(0, top, 4);
  const labels = tickLabels(yt);
  yt.forEach((v, i) => {
    out.push(`<line class="grid" x1="${f.left}" x2="${f.left + f.width}" y1="${y(v)}" y2="${y(v)}"/><text x="${f.left - 6}" y="${y(v) + 4}" text-anchor="end">${labels[i]}</text>`);
  });
  out.push(`<text class="axis-title" transform="translate(${f.left - 48},${p.top + p.height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.unit)}</text>`);
  if (spec.reference) {
    const ry = y(spec.reference.value);
    out.push(`<line class="reference" x1="${f.left}" x2="${f.left + f.width}" y1="${ry}" y2="${ry}"/><text class="reference-label" x="${f.left + f.width - 4}" y="${ry - 4}" text-anchor="end">${escapeXml(spec.reference.label)}</text>`);
  }
  if (samples.length === 0) return out.concat(emptyNote(f, p, "no resource samples (attach a resource profiler)")).join("");
  const pts = decimateSeries(samples.map((s) => ({ x: f.px(s.t), y: spec.values(s) })), f.width);
  const coords = pts.map((q) => `${r2(f.left + q.x)},${y(q.y)}`);
  const base = p.top + p.height;
  const first = r2(f.left + pts[0].x);
  const last = r2(f.left + pts[pts.length - 1].x);
  out.push(`<path id="${spec.id}-fill" d="M${first},${base}L${coords.join("L")}L${last},${base}Z" fill="${spec.colour}" fill-opacity="0.15"/>`);
  out.push(`<polyline id="${spec.id}-line" points="${coords.join(" ")}" fill="none" stroke="${spec.colour}" stroke-width="1.5"/>`);
  return out.join("");
}

function legend(x: number, y: number, totals: PrefixTotal[], colourOf: (prefix: string) => string, failed: number): string {
  const out: string[] = [`<g id="legend"><text class="panel-title" x="${x}" y="${y}">task kinds</text>`];
  const shown = totals.slice(0, PALETTE.length);
  const rest = totals.slice(PALETTE.length);
  let row = y + 8;
  const item = (colour: string, text: string, extra = "") => {
    out.push(`<rect x="${x}" y="${row}" width="12" height="12" fill="${colour}"${extra}/><text x="${x + 18}" y="${row + 10}">${escapeXml(text)}</text>`);
    row += 18;
  };
  for (const t of shown) item(colourOf(t.prefix), `${t.prefix} · ${t.count} · ${fmtMs(t.time)}`);
  if (rest.length > 0) {
    const n = rest.reduce((a, t) => a + t.count, 0);
    item(OTHER, `${rest.length} other kinds · ${n}`);
  }
  if (failed > 0) item("#fff", `failed · ${failed}`, ` class="failed"`);
  out.push("</g>");
  return out.join("");
}

/** The cursor script: reads time, CPU and memory under the mouse. Data comes from the JSON block. */
const CURSOR_JS = `(() => {
  const d = JSON.parse(document.getElementById("profile-data").textContent);
  const svg = document.getElementById("profile");
  const cur = document.getElementById("cursor");
  const out = document.getElementById("readout");
  const near = (t) => { let lo = 0, hi = d.t.length - 1; while (lo < hi) { const m = (lo + hi) >> 1; if (d.t[m] < t) lo = m + 1; else hi = m; } return lo; };
  svg.addEventListener("mousemove", (ev) => {
    const p = svg.createSVGPoint(); p.x = ev.clientX; p.y = ev.clientY;
    const q = p.matrixTransform(svg.getScreenCTM().inverse());
    if (q.x < d.left || q.x > d.left + d.width) { cur.setAttribute("visibility", "hidden"); out.textContent = ""; return; }
    cur.setAttribute("visibility", "visible"); cur.setAttribute("x1", q.x); cur.setAttribute("x2", q.x);
    const t = ((q.x - d.left) / d.width) * d.span;
    let text = "t = " + t.toFixed(3) + " s";
    if (d.t.length > 0) { const i = near(t); text += " · CPU " + d.cpu[i].toFixed(0) + " % · RSS " + d.rss[i].toFixed(1) + " MiB"; }
    out.textContent = text;
  });
  svg.addEventListener("mouseleave", () => { cur.setAttribute("visibility", "hidden"); out.textContent = ""; });
})();`;

const STYLE = `body{font:13px system-ui,sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 6px}
#totals{margin:0 0 10px;color:#444}#totals b{color:#000}
svg text{font:11px system-ui,sans-serif;fill:#333}
svg .panel-title{font-weight:600}
svg .empty{fill:#888;font-style:italic}
.plot-area{fill:#fff;stroke:#999}
.grid{stroke:#ececec}.tick{stroke:#999}
.reference{stroke:#666;stroke-dasharray:4 3}
rect.failed{stroke:#c00;stroke-width:1.5}
#cursor{stroke:#000;stroke-opacity:.5}`;

/** Render the page (without writing it). */
export function renderProfile(profilers: readonly (Profiler | ResourceProfiler)[], options: VisualizeOptions = {}): string {
  const { events, samples, window } = collect(profilers);
  const layout = layoutLanes(events);
  const summary = summarize(events, samples, window);
  const cores = options.cores ?? os.availableParallelism();
  const W = Math.max(500, Math.floor(options.width ?? 1200));
  const left = 110;
  const width = W - left - 250;

  let t0 = window.start ?? Infinity;
  let t1 = window.end ?? -Infinity;
  for (const e of events) { t0 = Math.min(t0, e.start); t1 = Math.max(t1, e.end); }
  if (samples.length > 0) { t0 = Math.min(t0, samples[0].t); t1 = Math.max(t1, samples[samples.length - 1].t); }
  if (!Number.isFinite(t0)) { t0 = 0; t1 = 1000; }
  if (!(t1 > t0)) t1 = t0 + 1;
  const frame: Frame = { left, width, t0, t1, px: (t) => ((t - t0) / (t1 - t0)) * width };

  const laneCount = layout.lanes.length;
  const laneH = laneCount === 0 ? 40 : Math.max(3, Math.min(24, Math.floor(320 / laneCount)));
  const tasksP: Panel = { top: 40, height: laneCount === 0 ? 40 : laneH * laneCount };
  const cpuP: Panel = { top: tasksP.top + tasksP.height + 50, height: 140 };
  const memP: Panel = { top: cpuP.top + cpuP.height + 50, height: 140 };
  const totals = prefixTotals(events);
  const colours = new Map(totals.map((t, i) => [t.prefix, PALETTE[i] ?? OTHER]));
  const colourOf = (p: string) => colours.get(p) ?? OTHER;
  const bars = layout.events.map((evs, lane) => laneBars(lane, evs, frame.px));
  const legendRows = Math.min(totals.length, PALETTE.length + 1) + (summary.failed > 0 ? 1 : 0);
  const H = Math.max(memP.top + memP.height + 50, tasksP.top + 20 + legendRows * 18);

  // The cursor's readout data: one entry per plotted CPU point.
  const cursorPts = decimateSeries(samples.map((s) => ({ x: frame.px(s.t), y: s.cpuPercent, s })), width);
  const data = {
    left, width, span: (t1 - t0) / 1000,
    t: cursorPts.map((q) => Math.round(q.s.t - t0) / 1000),
    cpu: cursorPts.map((q) => Math.round(q.s.cpuPercent * 10) / 10),
    rss: cursorPts.map((q) => Math.round(q.s.rssMiB * 10) / 10),
  };

  const svg = [
    `<svg id="profile" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="task stream, CPU and memory over time">`,
    `<defs><clipPath id="tasks-clip"><rect x="${left}" y="${tasksP.top}" width="${width}" height="${tasksP.height}"/></clipPath></defs>`,
    `<text id="readout" x="${left + width}" y="16" text-anchor="end"></text>`,
    taskPanel(frame, tasksP, layout.lanes, bars, colourOf, laneH),
    legend(left + width + 20, tasksP.top - 7, totals, colourOf, summary.failed),
    seriesPanel(frame, cpuP, samples, {
      id: "cpu", title: "CPU (all threads of the process)", unit: "CPU %", colour: CPU_COLOUR, values: (s) => s.cpuPercent,
      reference: { value: 100 * cores, label: `${cores} core${cores === 1 ? "" : "s"}` },
    }),
    seriesPanel(frame, memP, samples, { id: "mem", title: "memory (resident set size)", unit: "MiB", colour: MEM_COLOUR, values: (s) => s.rssMiB }),
    `<text class="axis-title" x="${left + width / 2}" y="${memP.top + memP.height + 36}" text-anchor="middle">time since start (s)</text>`,
    `<line id="cursor" visibility="hidden" x1="0" x2="0" y1="${tasksP.top}" y2="${memP.top + memP.height}"/>`,
    "</svg>",
  ].join("\n");

  const title = options.title ?? "zarrflow profile";
  const s = summary;
  const fact = (id: string, label: string, value: string) => `${label} <b id="${id}">${escapeXml(value)}</b>`;
  const facts = [
    fact("total-tasks", "tasks", String(s.tasks)),
    ...(s.failed > 0 ? [fact("total-failed", "failed", String(s.failed))] : []),
    fact("total-wall", "wall time", `${(s.wallMs / 1000).toFixed(3)} s`),
    fact("total-workers", "workers", String(s.workers)),
    fact("total-parallelism", "task time / wall", s.wallMs > 0 ? `${(s.taskMs / s.wallMs).toFixed(2)}×` : "–"),
    fact("total-peak-rss", "peak RSS", s.peakRssMiB === undefined ? "–" : `${s.peakRssMiB.toFixed(1)} MiB`),
    fact("total-mean-cpu", "mean CPU", s.meanCpuPercent === undefined ? "–" : `${s.meanCpuPercent.toFixed(0)} %`),
    fact("total-peak-cpu", "peak CPU", s.peakCpuPercent === undefined ? "–" : `${s.peakCpuPercent.toFixed(0)} %`),
  ];
  // "</" inside the JSON would end the script element early.
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  return [
    "<!doctype html>",
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeXml(title)}</h1>`,
    `<p id="totals">${facts.join(" · ")}</p>`,
    svg,
    `<script type="application/json" id="profile-data">${json}</script>`,
    `<script>${CURSOR_JS}</script>`,
    "</body></html>",
    "",
  ].join("\n");
}

/**
 * Write the profile of `profilers` (task and resource profilers, in any number) to `file`
 * as one self-contained HTML page, and return the page.
 */
export function visualize(profilers: readonly (Profiler | ResourceProfiler)[], file: string, options: VisualizeOptions = {}): string {
  const html = renderProfile(profilers, options);
  try {
    writeFileSync(file, html);
  } catch (e) {
    throw new ZarrError(`cannot write the profile page: ${e instanceof Error ? e.message : String(e)}`, file, { cause: e });
  }
  return html;
}

