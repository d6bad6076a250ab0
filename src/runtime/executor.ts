/**
 * The one task executor every parallel layer reuses: pulls tasks from a (possibly huge,
 * lazily generated) source only as slots free up, bounds the work in flight by count and by
 * bytes, cancels through an AbortSignal, reports progress, and names the failing chunk.
 * Memory stays bounded whatever the number of tasks: nothing is kept per finished task.
 * @module
 */
import { setMaxListeners } from "node:events";
import { ChunkError, ZarrError } from "../format/errors.js";

/** Progress after each finished task. */
export interface Progress {
  done: number;
  /** Number of tasks when known (array sources, or `total` given). */
  total?: number;
}

/** Options of {@link runTasks}. */
export interface RunOptions<T, R> {
  /** Tasks running at once (default 16). */
  maxInFlight?: number;
  /** Sum of `sizeOf` over running tasks (default unbounded). A task larger than this runs alone. */
  maxBytesInFlight?: number;
  /** Bytes a task holds while running (default 0). */
  sizeOf?: (task: T) => number;
  /** Name of the task (its chunk key) for errors. */
  keyOf?: (task: T) => string;
  /** Stops pulling; running tasks see the abort through their signal; rejects with an AbortError. */
  signal?: AbortSignal;
  /** Called after each task finishes. */
  onProgress?: (p: Progress) => void;
  /** Called with each result, in completion order (results are not collected). */
  onResult?: (result: R, task: T) => void;
  /** Number of tasks, when the source cannot tell. */
  total?: number;
}

/** Summary of a finished run. */
export interface RunSummary {
  done: number;
  /** Most tasks observed running at once. */
  maxInFlight: number;
  /** Most bytes observed in flight at once. */
  maxBytesInFlight: number;
}

/** The error an aborted `signal` rejects with: its reason when that is an AbortError, else a fresh one. */
export function abortError(signal: AbortSignal): unknown {
  const r: unknown = signal.reason;
  return r instanceof Error && r.name === "AbortError" ? r : new DOMException("the operation was aborted", "AbortError");
}

function nameFailure(e: unknown, key: string | undefined): unknown {
  if (e instanceof ZarrError || (e instanceof Error && e.name === "AbortError")) return e;
  return new ChunkError(`task failed: ${e instanceof Error ? e.message : String(e)}`, key, { cause: e });
}

function knownTotal(source: unknown): number | undefined {
  if (Array.isArray(source)) return source.length;
  if (ArrayBuffer.isView(source)) return (source as unknown as { length: number }).length;
  return undefined;
}

/**
 * Run `worker` over every task of `source`. The first failure (or an abort) stops pulling,
 * aborts the signal handed to running tasks, and is rethrown once they have settled, so no
 * task is still running (or writing into shared output) when the returned promise settles.
 */
export function runTasks<T, R>(
  source: Iterable<T> | AsyncIterable<T>,
  worker: (task: T, signal: AbortSignal) => Promise<R>,
  opts: RunOptions<T, R> = {},
): Promise<RunSummary> {
  const limit = Math.max(1, Math.floor(opts.maxInFlight ?? 16));
  const byteLimit = opts.maxBytesInFlight ?? Infinity;
  const sizeOf = opts.sizeOf ?? (() => 0);
  const total = opts.total ?? knownTotal(source);
  const inner = new AbortController();
  // Every task gets this signal and may listen to it (nested runs do): not a leak, so no warning.
  setMaxListeners(0, inner.signal);
  const isAsync = Symbol.asyncIterator in source;
  const it = (isAsync ? (source as AsyncIterable<T>)[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]()) as AsyncIterator<T> | Iterator<T>;
  const summary: RunSummary = { done: 0, maxInFlight: 0, maxBytesInFlight: 0 };

  return new Promise<RunSummary>((resolve, reject) => {
    let inFlight = 0;
    let bytes = 0;
    let exhausted = false;
    let pumping = false;
    let again = false;
    let failure: { error: unknown } | undefined;
    let waiting: { task: T; size: number } | undefined; // pulled, not yet started (byte limit)

    const fail = (e: unknown) => {
      if (failure) return;
      failure = { error: e };
      inner.abort(e);
      // Let a generator source clean up; its own errors do not replace ours.
      try { Promise.resolve(it.return?.()).catch(() => {}); } catch { /* ignore */ }
      settle();
    };
    const onAbort = () => fail(abortError(opts.signal!));
    const settle = () => {
      // A failed run does not wait for a pending pull (a stalled source must not block the abort).
      if (inFlight > 0 || (pumping && !failure)) return;
      if (!failure && !(exhausted && waiting === undefined)) return;
      opts.signal?.removeEventListener("abort", onAbort);
      if (failure) reject(failure.error);
      else resolve(summary);
    };
    const start = (task: T, size: number) => {
      inFlight++;
      bytes += size;
      summary.maxInFlight = Math.max(summary.maxInFlight, inFlight);
      summary.maxBytesInFlight = Math.max(summary.maxBytesInFlight, bytes);
      const finish = () => {
        inFlight--;
        bytes -= size;
        void pump();
      };
      let p: Promise<R>;
      try { p = worker(task, inner.signal); } catch (e) { p = Promise.reject(e); }
      p.then(
        (r) => {
          if (!failure) {
            try {
              summary.done++;
              opts.onResult?.(r, task);
              opts.onProgress?.({ done: summary.done, total });
            } catch (e) { fail(e); }
          }
          finish();
        },
        (e) => {
          fail(failure ? e : nameFailure(e, opts.keyOf?.(task)));
          finish();
        },
      );
    };
    // Pull and start tasks while slots are free; re-run when a slot frees during a pull.
    const pump = async () => {
      if (pumping) { again = true; return; }
      pumping = true;
      try {
        do {
          again = false;
          while (!failure && inFlight < limit) {
            if (waiting === undefined) {
              if (exhausted) break;
              // Sync sources are pulled without a microtask per item.
              const r = isAsync ? await it.next() : (it as Iterator<T>).next();
              if (r.done) { exhausted = true; break; }
              waiting = { task: r.value, size: sizeOf(r.value) };
              if (failure) break;
            }
            if (inFlight > 0 && bytes + waiting.size > byteLimit) break;
            const w = waiting;
            waiting = undefined;
            start(w.task, w.size);
          }
        } while (again && !failure);
      } catch (e) {
        fail(e);
      } finally {
        pumping = false;
      }
      settle();
    };

    if (opts.signal?.aborted) { reject(abortError(opts.signal)); return; }
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    void pump();
  });
}
