/**
 * The resource profiler: samples the process's CPU use and resident memory on a timer.
 *
 * CPU % comes from `process.cpuUsage()` deltas over the wall time between samples, × 100.
 * That counter is the whole process's (getrusage RUSAGE_SELF): it includes every worker
 * thread, so a pool keeping two cores busy reads about 200 %. The timer is unref'd: a
 * profiler left running never keeps the process alive. Samples are taken on the main
 * thread's event loop, so a main thread blocked for long samples late (the CPU % of the
 * late sample is still right: it is an average over the real interval).
 * @module
 */
import { ZarrError } from "../format/errors.js";
import { nowMs, type ComputeCallbacks } from "./profiler.js";

/** One sample: time (epoch ms), CPU % over the interval ending then (all threads), RSS in MiB. */
export interface ResourceSample {
  t: number;
  cpuPercent: number;
  rssMiB: number;
}

/** Options of {@link createResourceProfiler}. */
export interface ResourceProfilerOptions {
  /** Time between samples (ms, default 100, at least 1). */
  intervalMs?: number;
}

/** Samples CPU and memory between `start()` and `stop()`, or while the computation it is attached to runs. */
export interface ResourceProfiler extends ComputeCallbacks {
  readonly intervalMs: number;
  /** Start sampling (no-op when running). The first sample, at the start, has CPU 0: CPU is measured over the interval ending at each sample. */
  start(): void;
  /** Take a last sample and stop (no-op when stopped). */
  stop(): void;
  /** Whether it is sampling. */
  running(): boolean;
  /** The samples so far, oldest first (a copy). */
  samples(): ResourceSample[];
  /** Forget the samples. */
  clear(): void;
}

const MiB = 1024 * 1024;

/** A reading of the wall clock and the process CPU counter. */
interface Meter {
  t: number;
  cpuMicros: number;
}

function readMeter(): Meter {
  const u = process.cpuUsage();
  return { t: nowMs(), cpuMicros: u.user + u.system };
}

/** CPU % between two meter readings (0 for an empty interval). */
export function cpuPercentBetween(a: { t: number; cpuMicros: number }, b: { t: number; cpuMicros: number }): number {
  const wallMs = b.t - a.t;
  if (!(wallMs > 0)) return 0;
  return ((b.cpuMicros - a.cpuMicros) / 1000 / wallMs) * 100;
}

/** Create a resource profiler (not yet sampling). */
export function createResourceProfiler(options: ResourceProfilerOptions = {}): ResourceProfiler {
  const intervalMs = options.intervalMs ?? 100;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new ZarrError(`resource profiler: intervalMs must be a positive number of ms, got ${String(intervalMs)}`);
  }
  let list: ResourceSample[] = [];
  let timer: NodeJS.Timeout | undefined;
  let last: Meter | undefined;
  // Started by `onStart` (so `onFinish` stops it) rather than explicitly by the user.
  let byCallbacks = false;

  const sample = (cpuPercent?: number) => {
    const m = readMeter();
    const cpu = cpuPercent ?? (last ? cpuPercentBetween(last, m) : 0);
    last = m;
    list.push({ t: m.t, cpuPercent: cpu, rssMiB: process.memoryUsage.rss() / MiB });
  };
  const start = () => {
    if (timer) return;
    last = undefined;
    sample(0);
    timer = setInterval(() => sample(), Math.max(1, intervalMs));
    timer.unref();
  };
  const stop = () => {
    if (!timer) return;
    clearInterval(timer);
    timer = undefined;
    byCallbacks = false;
    // The tail since the last tick; skipped when too short to mean anything.
    if (last && nowMs() - last.t >= 1) sample();
  };
  return {
    intervalMs,
    start,
    stop,
    running: () => timer !== undefined,
    samples: () => list.map((s) => ({ ...s })),
    clear() {
      list = [];
    },
    onStart() {
      if (timer) return;
      start();
      byCallbacks = true;
    },
    onFinish() {
      if (byCallbacks) stop();
    },
  };
}

/** Anything {@link withProfilers} can start and stop (resource profilers); other entries are ignored. */
export interface Startable {
  start(): void;
  stop(): void;
  running(): boolean;
}

function isStartable(p: unknown): p is Startable {
  const s = p as Partial<Startable> | null;
  return typeof s?.start === "function" && typeof s.stop === "function" && typeof s.running === "function";
}

/**
 * Run `fn` with the resource profilers of `list` sampling (task profilers in the list are
 * left alone: they record through the computation's callbacks). Profilers already running
 * are not stopped afterwards.
 */
export async function withProfilers<T>(list: readonly unknown[], fn: () => T | Promise<T>): Promise<T> {
  const started = list.filter(isStartable).filter((p) => !p.running());
  for (const p of started) p.start();
  try {
    return await fn();
  } finally {
    for (const p of started) p.stop();
  }
}
