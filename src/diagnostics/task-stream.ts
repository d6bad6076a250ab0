/**
 * The task stream as plain data for plotting: task events grouped into lanes (one per
 * worker, split where a worker ran tasks concurrently), then turned into bars on a pixel
 * axis, merging tasks too narrow to see so 100k tasks stay a few thousand rectangles.
 * @module
 */
import { ZarrError } from "../format/errors.js";
import type { TaskEvent } from "./profiler.js";

/** Most lanes one worker gets; tasks beyond that overlap in the lane that frees first. */
export const MAX_SUBLANES = 32;

/** One horizontal lane of the plot. */
export interface Lane {
  worker: number | "main";
  /** 0 for the worker's first lane; more when it ran tasks at the same time (async tasks on "main"). */
  sub: number;
  label: string;
}

/** Events placed in lanes: `lanes[i]` holds the events of lane i, sorted by start. */
export interface LaneLayout {
  lanes: Lane[];
  events: TaskEvent[][];
}

/** One rectangle: one task, or several adjacent tasks merged because they are narrower than a pixel. */
export interface Bar {
  lane: number;
  /** Pixel span on the time axis. */
  x0: number;
  x1: number;
  /** Prefix of the tasks (the one holding most of the merged time). */
  prefix: string;
  count: number;
  failed: number;
  /** Time span in epoch ms. */
  start: number;
  end: number;
  /** The task's key, for a bar of one task. */
  key?: string;
}

/**
 * The name a key's task family goes by: "add-1a2b (3, 0)" → "add", "('read-zarr-9f8e7d', 0)"
 * → "read-zarr". Words after the first that are hex hashes or numbers are dropped.
 */
export function taskPrefix(key: string): string {
  const head = key.replace(/^[\s('"[]+/, "").split(/[\s,'")\]]/, 1)[0] ?? "";
  const words = head.split("-");
  const kept = [words[0]];
  for (const w of words.slice(1)) {
    // A hash or a counter (has a digit, only hex digits) ends the name.
    if (/^[0-9a-f]+$/i.test(w) && /\d/.test(w)) break;
    kept.push(w);
  }
  const name = kept.join("-");
  return name === "" ? key : name;
}

/** Throw a typed error naming the task if its times are not a valid span. */
export function checkEvent(e: TaskEvent): void {
  if (!Number.isFinite(e.start) || !Number.isFinite(e.end)) {
    throw new ZarrError(`task event has a non-finite time (start ${e.start}, end ${e.end})`, e.key);
  }
  if (e.end < e.start) throw new ZarrError(`task event ends before it starts (start ${e.start}, end ${e.end})`, e.key);
  if (e.worker !== "main" && !Number.isInteger(e.worker)) {
    throw new ZarrError(`task event worker must be a thread id or "main", got ${String(e.worker)}`, e.key);
  }
}

/** Worker order on the plot: "main" first, then threads by id. */
function workerOrder(a: number | "main", b: number | "main"): number {
  if (a === b) return 0;
  if (a === "main") return -1;
  if (b === "main") return 1;
  return a - b;
}

/** A binary min-heap of [end, lane] pairs: the lane that frees first. */
function pushHeap(h: [number, number][], v: [number, number]): void {
  h.push(v);
  for (let i = h.length - 1; i > 0;) {
    const p = (i - 1) >> 1;
    if (h[p][0] <= h[i][0]) break;
    [h[p], h[i]] = [h[i], h[p]];
    i = p;
  }
}

function popHeap(h: [number, number][]): [number, number] {
  const top = h[0];
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && h[l][0] < h[m][0]) m = l;
      if (r < h.length && h[r][0] < h[m][0]) m = r;
      if (m === i) break;
      [h[m], h[i]] = [h[i], h[m]];
      i = m;
    }
  }
  return top;
}

/** Split one worker's events (sorted by start) into lanes where no two tasks overlap, up to `max` lanes. */
function partition(events: TaskEvent[], max: number): TaskEvent[][] {
  const lanes: TaskEvent[][] = [];
  const free: [number, number][] = [];
  for (const e of events) {
    let lane: number;
    if (free.length > 0 && (free[0][0] <= e.start || lanes.length >= max)) lane = popHeap(free)[1];
    else lane = lanes.push([]) - 1;
    lanes[lane].push(e);
    pushHeap(free, [e.end, lane]);
  }
  return lanes;
}

/** Group events into lanes: one per worker, more where a worker ran tasks concurrently. Validates every event. */
export function layoutLanes(events: readonly TaskEvent[], maxSublanes = MAX_SUBLANES): LaneLayout {
  const byWorker = new Map<number | "main", TaskEvent[]>();
  for (const e of events) {
    checkEvent(e);
    let l = byWorker.get(e.worker);
    if (!l) byWorker.set(e.worker, (l = []));
    l.push(e);
  }
  const out: LaneLayout = { lanes: [], events: [] };
  for (const worker of [...byWorker.keys()].sort(workerOrder)) {
    const list = byWorker.get(worker)!.sort((a, b) => a.start - b.start || a.end - b.end);
    const name = worker === "main" ? "main" : `thread ${worker}`;
    partition(list, maxSublanes).forEach((evs, sub) => {
      out.lanes.push({ worker, sub, label: sub === 0 ? name : `${name} #${sub + 1}` });
      out.events.push(evs);
    });
  }
  return out;
}

/** Bars being built: the merged time per prefix decides the bar's colour. */
interface Pending extends Bar {
  weights: Map<string, number>;
}

function openBar(lane: number, e: TaskEvent, x0: number, x1: number, prefix: string): Pending {
  return {
    lane, x0, x1, prefix, count: 1, failed: e.failed ? 1 : 0, start: e.start, end: e.end, key: e.key,
    weights: new Map([[prefix, e.end - e.start]]),
  };
}

function closeBar(p: Pending): Bar {
  let best = p.prefix;
  let most = -1;
  for (const [k, w] of p.weights) if (w > most) [best, most] = [k, w];
  const bar: Bar = { lane: p.lane, x0: p.x0, x1: p.x1, prefix: best, count: p.count, failed: p.failed, start: p.start, end: p.end };
  if (p.count === 1) bar.key = p.key;
  return bar;
}

/**
 * Whether a task starting right at the end of bar `cur` joins it: a task of the same family
 * when either is narrower than a pixel (a run of one colour loses nothing), a task of
 * another family only while both are (one pixel column shows its main family).
 */
function joins(cur: Pending, tiny: boolean, prefix: string): boolean {
  const narrow = cur.x1 - cur.x0 < 1;
  return prefix === cur.prefix ? tiny || narrow : tiny && narrow;
}

/**
 * Bars of one lane's events (sorted by start), with `x(t)` mapping epoch ms to pixels.
 * Tasks narrower than a pixel that start within half a pixel of the previous bar join it
 * (see {@link joins}) instead of becoming rectangles of their own, so a lane holds at most
 * about two bars per pixel whatever the number of tasks.
 */
export function laneBars(lane: number, events: readonly TaskEvent[], x: (t: number) => number, prefixOf: (key: string) => string = taskPrefix): Bar[] {
  const bars: Bar[] = [];
  let cur: Pending | undefined;
  for (const e of events) {
    const x0 = x(e.start);
    const x1 = x(e.end);
    const prefix = prefixOf(e.key);
    if (cur && x0 - cur.x1 < 0.5 && joins(cur, x1 - x0 < 1, prefix)) {
      cur.x1 = Math.max(cur.x1, x1);
      cur.end = Math.max(cur.end, e.end);
      cur.count++;
      if (e.failed) cur.failed++;
      cur.weights.set(prefix, (cur.weights.get(prefix) ?? 0) + (e.end - e.start));
      continue;
    }
    if (cur) bars.push(closeBar(cur));
    cur = openBar(lane, e, x0, x1, prefix);
  }
  if (cur) bars.push(closeBar(cur));
  return bars;
}

/** Per-prefix totals, largest total time first. */
export interface PrefixTotal {
  prefix: string;
  count: number;
  failed: number;
  /** Summed task time in ms. */
  time: number;
}

/** Count and time per task prefix, largest time first (ties by name). */
export function prefixTotals(events: readonly TaskEvent[], prefixOf: (key: string) => string = taskPrefix): PrefixTotal[] {
  const m = new Map<string, PrefixTotal>();
  for (const e of events) {
    const p = prefixOf(e.key);
    let t = m.get(p);
    if (!t) m.set(p, (t = { prefix: p, count: 0, failed: 0, time: 0 }));
    t.count++;
    if (e.failed) t.failed++;
    t.time += e.end - e.start;
  }
  return [...m.values()].sort((a, b) => b.time - a.time || (a.prefix < b.prefix ? -1 : 1));
}
