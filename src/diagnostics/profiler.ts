/**
 * The diagnostics contract of chunked computations, and the task profiler.
 *
 * A computation (the scheduler in src/compute) reports what it does through
 * {@link ComputeCallbacks}: once when it starts, once per finished task, once when it ends.
 * Diagnostics (progress bar, task profiler, resource profiler) are plain objects implementing
 * those callbacks, so any number of them can watch one computation ({@link combineCallbacks}).
 * @module
 */
import { nowMs, type TaskRun } from "../runtime/task-result.js";

/**
 * One finished task: its key (e.g. "add-1a2b (3, 0)"), wall-clock start/end in epoch ms
 * (performance.timeOrigin + performance.now()), and where it ran: a pool thread id, or "main".
 */
export interface TaskEvent {
  key: string;
  start: number;
  end: number;
  worker: number | "main";
  failed?: boolean;
}

/** What a computation reports as it runs; every member optional. */
export interface ComputeCallbacks {
  onStart?(info: { total: number | undefined; start: number }): void;
  onTaskEnd?(e: TaskEvent, progress: { done: number; total: number | undefined }): void;
  onFinish?(info: { end: number; error?: unknown }): void;
}

/** Wall-clock span of the computations a profiler watched (epoch ms), when it saw them start/finish. */
export interface ProfileWindow {
  start?: number;
  end?: number;
}

/** Records every finished task of the computations it is attached to. */
export interface Profiler extends ComputeCallbacks {
  /** The tasks seen so far, in the order they finished (a copy). */
  records(): TaskEvent[];
  /** First `onStart` and last `onFinish` seen (the computation's own wall time). */
  window(): ProfileWindow;
  /** Forget every record (and the window). */
  clear(): void;
}

export { nowMs };

/** Create a task profiler; attach it to a computation as its callbacks. */
export function createProfiler(): Profiler {
  let events: TaskEvent[] = [];
  let win: ProfileWindow = {};
  return {
    onStart(info) {
      if (win.start === undefined || info.start < win.start) win.start = info.start;
    },
    onTaskEnd(e) {
      // Copied: the caller may reuse its event object.
      const r: TaskEvent = { key: e.key, start: e.start, end: e.end, worker: e.worker };
      if (e.failed) r.failed = true;
      events.push(r);
    },
    onFinish(info) {
      if (win.end === undefined || info.end > win.end) win.end = info.end;
    },
    records: () => events.slice(),
    window: () => ({ ...win }),
    clear() {
      events = [];
      win = {};
    },
  };
}

/** The event of a kernel that ran in a pool thread (`pool.kernel(..., { onRun })` says where and when). */
export function taskEventFromRun(key: string, run: TaskRun, failed = false): TaskEvent {
  const e: TaskEvent = { key, start: run.start, end: run.end, worker: run.thread };
  if (failed) e.failed = true;
  return e;
}

/**
 * One set of callbacks calling each of `list` in order (undefined entries are skipped), so a
 * computation takes a single `callbacks` while users attach a progress bar and profilers.
 */
export function combineCallbacks(...list: (ComputeCallbacks | undefined)[]): ComputeCallbacks {
  const cbs = list.filter((c): c is ComputeCallbacks => c !== undefined);
  return {
    onStart: (info) => { for (const c of cbs) c.onStart?.(info); },
    onTaskEnd: (e, p) => { for (const c of cbs) c.onTaskEnd?.(e, p); },
    onFinish: (info) => { for (const c of cbs) c.onFinish?.(info); },
  };
}
