/**
 * Diagnostics of chunked computations (what dask.diagnostics is to dask): a progress bar,
 * a task profiler, a resource profiler (CPU of all threads, RSS), and one self-contained
 * HTML page plotting them on a shared time axis. Each is a set of {@link ComputeCallbacks}
 * a computation reports to.
 *
 * ```ts
 * const prof = createProfiler();
 * const res = createResourceProfiler({ intervalMs: 50 });
 * await compute(x, { callbacks: combineCallbacks(progressBar(), prof, res) });
 * visualize([prof, res], "profile.html");
 * ```
 * @module
 */
export {
  combineCallbacks, createProfiler, nowMs, taskEventFromRun,
  type ComputeCallbacks, type ProfileWindow, type Profiler, type TaskEvent,
} from "./profiler.js";
export {
  barCells, etaSeconds, formatDuration, formatRate, progressBar, renderLine,
  type BarState, type BarStream, type ProgressBar, type ProgressBarOptions,
} from "./progress.js";
export {
  cpuPercentBetween, createResourceProfiler, withProfilers,
  type ResourceProfiler, type ResourceProfilerOptions, type ResourceSample, type Startable,
} from "./resource-profiler.js";
export { renderProfile, summarize, visualize, type ProfileSummary, type VisualizeOptions } from "./visualize.js";
export { layoutLanes, laneBars, prefixTotals, taskPrefix, type Bar, type Lane, type LaneLayout, type PrefixTotal } from "./task-stream.js";
