/**
 * A terminal progress bar for computations: tasks done/total, a bar, percent, throughput,
 * elapsed time and ETA, on one line of a TTY (stderr by default), redrawn at most every
 * 100 ms and cleared when the computation ends. Nothing is written to a stream that is not
 * a TTY (a log file or pipe must not fill with carriage returns).
 * @module
 */
import type { ComputeCallbacks } from "./profiler.js";

/** The stream a bar draws on: what it needs of a `NodeJS.WriteStream`. */
export interface BarStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/** Options of {@link progressBar}. */
export interface ProgressBarOptions {
  /** Text before the bar (default none). */
  label?: string;
  /** Where to draw (default `process.stderr`); drawn only when it is a TTY. */
  stream?: NodeJS.WriteStream | BarStream;
  /** Least time between two redraws (ms, default 100); the final state is always drawn. */
  minIntervalMs?: number;
  /** False draws nothing (e.g. `--quiet`); default true. */
  enabled?: boolean;
  /** Clock in ms (default `performance.now`); tests pass a fake one. */
  now?: () => number;
}

/** A progress bar: computation callbacks, or driven by hand with `update`/`end`. */
export interface ProgressBar extends ComputeCallbacks {
  /** `done` tasks of `total` (or of the total given to `onStart`; unknown draws no bar). */
  update(done: number, total?: number): void;
  /** Clear the line (when anything was drawn). */
  end(): void;
}

/** What one line shows. */
export interface BarState {
  label: string;
  done: number;
  total: number | undefined;
  /** Seconds since the start. */
  elapsed: number;
}

const MIN_BAR = 10;
const MAX_BAR = 40;

/** "4.2s", "42s", "3m07s", "2h05m"; "--" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  if (seconds < 60) return `${Math.floor(seconds)}s`;
  const s = Math.floor(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Tasks per second, short: "4.5", "450", "12.3k". */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond < 0) return "--";
  if (perSecond < 100) return perSecond.toFixed(1);
  if (perSecond < 10_000) return String(Math.round(perSecond));
  return `${(perSecond / 1000).toFixed(1)}k`;
}

/** Seconds left at the rate so far ("--" before the first task or without a total). */
export function etaSeconds(s: BarState): number {
  if (s.total === undefined || s.done <= 0 || s.elapsed <= 0) return NaN;
  return Math.max(0, s.total - s.done) * (s.elapsed / s.done);
}

/** The bar itself, `width` cells for fraction `frac` (eighths of a cell for a smooth edge). */
export function barCells(frac: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(frac) ? frac : 0));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const part = eighths % 8;
  const partial = part > 0 ? " ▏▎▍▌▋▊▉"[part] : "";
  return ("█".repeat(full) + partial).padEnd(width, " ");
}

/**
 * The line for state `s` fitting `columns` (the bar shrinks first, then the line is cut):
 * `label |██████    | 120/300  40% |  52.3 tasks/s |  2.3s elapsed | ETA  3.4s`.
 */
export function renderLine(s: BarState, columns: number): string {
  const rate = s.elapsed > 0 && s.done > 0 ? s.done / s.elapsed : NaN;
  const label = s.label ? `${s.label} ` : "";
  // Fixed-width fields keep the bar from changing length between redraws.
  const tail = `${formatRate(rate).padStart(5)} tasks/s | ${formatDuration(s.elapsed).padStart(5)} elapsed`;
  // One column stays free: writing the last column makes some terminals wrap.
  const room = Math.max(1, columns - 1);
  if (s.total === undefined) return cut(`${label}${s.done} tasks | ${tail}`, room);
  const pct = s.total > 0 ? Math.min(100, Math.floor((100 * s.done) / s.total)) : 100;
  const counts = `${String(s.done).padStart(String(s.total).length)}/${s.total} ${String(pct).padStart(3)}%`;
  const text = `${counts} | ${tail} | ETA ${formatDuration(etaSeconds(s)).padStart(5)}`;
  const width = Math.min(MAX_BAR, room - label.length - text.length - 3);
  if (width < MIN_BAR) return cut(`${label}${text}`, room);
  const frac = s.total > 0 ? s.done / s.total : 1;
  return `${label}|${barCells(frac, width)}| ${text}`;
}

function cut(line: string, room: number): string {
  return line.length <= room ? line : line.slice(0, room);
}

/**
 * Create a progress bar. Attach it to a computation as its callbacks, or call `update` and
 * `end` yourself. Draws only on a TTY, and only when enabled.
 */
export function progressBar(options: ProgressBarOptions = {}): ProgressBar {
  const stream: BarStream = options.stream ?? process.stderr;
  const active = options.enabled !== false && stream.isTTY === true;
  const interval = Math.max(0, options.minIntervalMs ?? 100);
  const now = options.now ?? (() => performance.now());
  let start: number | undefined;
  let total: number | undefined;
  let lastDraw = -Infinity;
  let drawn = false;

  const draw = (done: number) => {
    const t = now();
    start ??= t;
    lastDraw = t;
    drawn = true;
    const line = renderLine({ label: options.label ?? "", done, total, elapsed: (t - start) / 1000 }, stream.columns ?? 80);
    stream.write(`\r${line}\x1b[K`);
  };
  const update = (done: number, t?: number) => {
    if (t !== undefined) total = t;
    if (!active) return;
    start ??= now();
    // The last task always shows (a total that is an estimate may be passed: that is throttled)
    const final = total !== undefined && done === total;
    if (!final && now() - lastDraw < interval) return;
    draw(done);
  };
  const end = () => {
    if (drawn) stream.write("\r\x1b[K");
    drawn = false;
    lastDraw = -Infinity;
  };
  return {
    update,
    end,
    onStart(info) {
      // Times are the bar's own clock: `info.start` is epoch ms, the clock may be fake.
      start = now();
      total = info.total;
      lastDraw = -Infinity;
      if (active) draw(0);
    },
    onTaskEnd(_e, p) {
      update(p.done, p.total);
    },
    onFinish() {
      end();
      start = undefined;
    },
  };
}
