/**
 * The worker pool of the parallel runtime: piscina threads running the task functions of
 * chunk-worker.ts, and kernels (see kernel-task.ts) through {@link ChunkPool.kernel}.
 * Created lazily on the first task; idle threads are unref'd by piscina and the pool holds
 * no timers of its own, so a process that never calls `destroy()` still exits when its work
 * is done.
 *
 * Failures. A task's own errors come back as plain data (task-result.ts), so a rejection
 * from piscina always means the *thread* failed: it called `process.exit()`, threw from a
 * timer or callback (uncaught in the worker), ran out of memory under `resourceLimits`
 * (ERR_WORKER_OUT_OF_MEMORY), or was terminated. piscina drops the dead thread and starts
 * another when work is waiting; the pool then runs the task once more, and a second failure
 * rejects with a {@link ChunkError} naming the task key. A thread that dies between tasks is
 * simply dropped. Threads that cannot even start (a worker module that fails to load, limits
 * too small to boot) fail every waiting task with a ChunkError instead of hanging.
 *
 * No process isolation: a crash in native code (a segfault in a codec addon, an abort in
 * C++) takes the whole process down, main thread included. piscina runs worker *threads*,
 * which share the process; only a pool of child processes could survive such a crash, at
 * the price of copying every input and output between processes (no SharedArrayBuffer).
 * That pool is future work — kernels are already named by module URL + export name so they
 * can move there unchanged.
 * @module
 */
import os from "node:os";
import type { ResourceLimits } from "node:worker_threads";
import { Piscina } from "piscina";
import { ChunkError } from "../format/errors.js";
import { abortError } from "./executor.js";
import type { DecodeIntoTask, DecodeTask, EncodeRegionTask, EncodeTask } from "./chunk-worker.js";
import type { KernelRef, KernelTask } from "./kernel-task.js";
import { unwrap, type TaskResult, type TaskRun } from "./task-result.js";

/** Pool settings. */
export interface PoolOptions {
  /** Worker threads (default `os.availableParallelism()`). */
  threads?: number;
  /** Idle time after which a thread above the minimum exits (ms, default 1000). */
  idleTimeout?: number;
  /**
   * Heap limits of each thread (node:worker_threads `ResourceLimits`). A thread that exceeds
   * them dies with ERR_WORKER_OUT_OF_MEMORY — its task is retried once like any thread
   * failure — instead of taking the process down.
   */
  resourceLimits?: ResourceLimits;
}

/** Task name → its input and output (the exports of chunk-worker.ts). */
export interface PoolTasks {
  decodeInto: { input: DecodeIntoTask; output: TaskResult };
  decode: { input: DecodeTask; output: Uint8Array | TaskResult<never> };
  encode: { input: EncodeTask; output: Uint8Array | null | TaskResult<never> };
  encodeRegion: { input: EncodeRegionTask; output: Uint8Array | null | TaskResult<never> };
  runKernel: { input: KernelTask; output: TaskResult<unknown> };
}

/** Options of one task submission. */
export interface RunTaskOptions {
  /**
   * Buffers to transfer (moved, not copied) to the worker. A transferred input is gone once
   * sent, so a task with a transfer list is NOT retried when its thread dies: it rejects
   * with a ChunkError at the first thread failure. Shared or copied inputs are retryable.
   */
  transferList?: ArrayBuffer[];
  /**
   * Checked before submission and before a retry: an aborted signal rejects with an
   * AbortError without running. A submitted task always completes. Not forwarded to piscina
   * on purpose: it would terminate the thread of a running task, and its reply racing the
   * termination surfaces as an uncaught "Unexpected message from Worker"; a chunk task is
   * short anyway.
   */
  signal?: AbortSignal;
  /** Names the task (a chunk key) in errors; defaults to the input's `key` when it has one. */
  key?: string;
}

/** Options of {@link ChunkPool.kernel}. */
export interface KernelOptions extends RunTaskOptions {
  /** Told where (thread id) and when (epoch ms) the kernel ran, for profilers. */
  onRun?: (run: TaskRun) => void;
}

/** A lazily created worker pool. */
export interface ChunkPool {
  /** Number of threads the pool runs at most. */
  readonly threads: number;
  /**
   * Run task `name` of chunk-worker.ts in a thread. Resolves with the task's output (task
   * errors are in it, as data); rejects with a ChunkError only when the thread failed twice
   * (or once, for a task with a transfer list), or the pool was destroyed meanwhile.
   */
  run<K extends keyof PoolTasks>(name: K, input: PoolTasks[K]["input"], opts?: RunTaskOptions): Promise<PoolTasks[K]["output"]>;
  /**
   * Run a kernel (see kernel-task.ts) on `args` in a thread and return its result. A kernel
   * that throws rejects with its typed error revived (a ChunkError naming `opts.key` for a
   * plain Error); a thread failure is handled as in {@link ChunkPool.run}.
   */
  kernel<R>(ref: KernelRef, args: unknown, opts?: KernelOptions): Promise<R>;
  /** Tasks submitted and not yet settled (0 when nothing is queued or running). */
  pending(): number;
  /** Stop every thread (tasks still queued or running reject with a ChunkError); later `run` calls start a fresh pool. */
  destroy(): Promise<void>;
}

const fromSources = import.meta.url.endsWith(".ts");
const workerFile = new URL(fromSources ? "./chunk-worker.ts" : "./chunk-worker.js", import.meta.url).href;
/**
 * Run from sources (tsx), worker threads need tsx's loader too. On Node 20 `--import tsx`
 * does not take effect inside worker threads, but tsx's register API called there does, so
 * workers preload a one-line data: module that calls it. Compiled code needs nothing.
 */
const workerExecArgv = fromSources
  ? ["--import", `data:text/javascript,${encodeURIComponent(`import { register } from ${JSON.stringify(import.meta.resolve("tsx/esm/api"))}; register();`)}`]
  : undefined;

/**
 * A task that does nothing: submitting it makes piscina start a thread for tasks left
 * waiting when the last thread died (piscina only starts threads when a task is submitted).
 */
const WAKE_TASK: KernelTask = { kernel: { module: "data:text/javascript,export%20const%20noop%3D()%3D%3E0%3B", name: "noop" }, args: null };

/** Times in a row the pool may find tasks waiting with no thread before it gives up on starting threads. */
const MAX_START_FAILURES = 2;

/** One piscina instance and what the pool has seen of its threads. */
interface Generation {
  piscina: Piscina;
  /** Destroyed (by `destroy()`, or because threads could not start); its tasks are not retried. */
  retired: boolean;
  /** Why threads could not start, when that retired it. */
  startFailure?: unknown;
  /** Times tasks were found waiting with no thread left, since a thread last became ready. */
  failedStarts: number;
  /** Last error a thread died with outside any task (piscina's "error" event). */
  lastError?: unknown;
}

/** Create a pool; no thread starts before the first `run`. */
export function createPool(options: PoolOptions = {}): ChunkPool {
  const threads = Math.max(1, Math.floor(options.threads ?? os.availableParallelism()));
  let current: Generation | undefined;
  const get = (): Generation => (current ??= startGeneration(threads, options, (g) => {
    if (current === g) current = undefined;
  }));
  let pending = 0;
  const run = <K extends keyof PoolTasks>(name: K, input: PoolTasks[K]["input"], opts: RunTaskOptions = {}): Promise<PoolTasks[K]["output"]> => {
    if (opts.signal?.aborted) return Promise.reject(abortError(opts.signal));
    pending++;
    const p = runWithRetry(get, name, input, opts) as Promise<PoolTasks[K]["output"]>;
    p.then(() => pending--, () => pending--);
    return p;
  };
  return {
    threads,
    run,
    kernel: async <R>(ref: KernelRef, args: unknown, opts: KernelOptions = {}): Promise<R> => {
      // A failure the kernel threw names the kernel when no key is given; a thread failure already does.
      const r = await run("runKernel", { kernel: ref, args }, opts);
      if (r.run) opts.onRun?.(r.run);
      return unwrap(r, opts.key ?? `kernel ${ref.name}`) as R;
    },
    pending: () => pending,
    async destroy() {
      const g = current;
      current = undefined;
      if (!g) return;
      g.retired = true;
      await g.piscina.destroy();
    },
  };
}

/** Start a piscina instance and watch its threads; `onRetire` runs if it has to be given up. */
function startGeneration(threads: number, options: PoolOptions, onRetire: (g: Generation) => void): Generation {
  const piscina = new Piscina({
    filename: workerFile,
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: options.idleTimeout ?? 1000,
    // "async" keeps each worker's event loop running between tasks (native codecs may
    // finish async work); "sync" would block it in Atomics.wait.
    atomics: "async",
    execArgv: workerExecArgv,
    resourceLimits: options.resourceLimits,
    // Tasks beyond the threads wait in piscina's queue; callers bound what they submit.
    maxQueue: Infinity,
  });
  const g: Generation = { piscina, retired: false, failedStarts: 0 };
  // A thread that dies with no task (after its task returned, or while starting) is
  // reported as an "error" event, which would crash the process if nobody listened.
  piscina.on("error", (e: unknown) => { g.lastError = e; });
  piscina.on("workerCreate", () => { g.failedStarts = 0; });
  // The dead thread leaves piscina's list right after this event: look once it has.
  piscina.on("workerDestroy", () => { setImmediate(() => wakeIfStalled(g, onRetire)); });
  return g;
}

/**
 * piscina starts threads only when a task is submitted, so tasks queued behind a thread
 * that died stay queued forever once no thread is left. Wake it with a no-op task; if
 * threads keep dying before they are ready, retire the instance so its tasks fail.
 */
function wakeIfStalled(g: Generation, onRetire: (g: Generation) => void): void {
  const p = g.piscina;
  if (g.retired || p.queueSize === 0 || p.threads.length > 0) return;
  if (++g.failedStarts >= MAX_START_FAILURES) {
    g.retired = true;
    g.startFailure = g.lastError ?? new Error("worker threads exit as they start");
    onRetire(g);
    p.destroy().catch(() => { /* its tasks reject through their own handlers */ });
    return;
  }
  p.run(WAKE_TASK, { name: "runKernel" }).catch(() => { /* its thread's death is handled like any other */ });
}

/** Submit a task; on a thread failure retry it once (when it can be), then reject with a ChunkError. */
function runWithRetry(get: () => Generation, name: keyof PoolTasks, input: PoolTasks[keyof PoolTasks]["input"], opts: RunTaskOptions): Promise<unknown> {
  const key = opts.key ?? keyOfInput(input);
  const what = describeTask(name, input);
  const attempt = (first?: unknown): Promise<unknown> => {
    const g = get();
    return g.piscina.run(input, { name, transferList: opts.transferList }).catch((e: unknown) => {
      if (g.retired) throw retiredError(g, e, what, key);
      if (isCloneError(e)) throw new ChunkError(`${what}: its input cannot be sent to a worker thread: ${reasonOf(e)}`, key, { cause: e });
      if (first !== undefined) {
        const why = reasonOf(first) === reasonOf(e) ? reasonOf(e) : `${reasonOf(first)}; then: ${reasonOf(e)}`;
        throw new ChunkError(`worker thread failed twice running ${what}: ${why}`, key, { cause: first });
      }
      if (opts.transferList?.length) {
        throw new ChunkError(`worker thread failed running ${what}: ${reasonOf(e)} (not retried: its input buffers were transferred)`, key, { cause: e });
      }
      if (opts.signal?.aborted) throw abortError(opts.signal);
      return attempt(e);
    });
  };
  return attempt();
}

/** The error of a task whose piscina instance was given up while it waited or ran. */
function retiredError(g: Generation, e: unknown, what: string, key: string | undefined): ChunkError {
  if (g.startFailure !== undefined) {
    return new ChunkError(`worker threads fail to start, so ${what} could not run: ${reasonOf(g.startFailure)}`, key, { cause: g.startFailure });
  }
  return new ChunkError(`the pool was destroyed before ${what} finished`, key, { cause: e });
}

/** The input's own chunk key (decodeInto and encode tasks carry one). */
function keyOfInput(input: unknown): string | undefined {
  const k = (input as { key?: unknown } | null | undefined)?.key;
  return typeof k === "string" ? k : undefined;
}

/** "kernel countAlleles (file:///…/alleles.js)" or "task decodeInto", for messages. */
function describeTask(name: keyof PoolTasks, input: unknown): string {
  if (name !== "runKernel") return `task ${name}`;
  const kernel = (input as Partial<KernelTask> | null | undefined)?.kernel;
  const module = String(kernel?.module);
  return `kernel ${String(kernel?.name)} (${module.startsWith("data:") ? "a data: module" : module})`;
}

/** A main-side DataCloneError: the input itself cannot be posted, so a retry cannot help. */
function isCloneError(e: unknown): boolean {
  return e instanceof Error && e.name === "DataCloneError";
}

/** Why a thread failed, in words. */
function reasonOf(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
  }
  if (e !== null && typeof e === "object" && Object.keys(e).length === 0) {
    // What a DataCloneError thrown inside the worker becomes once it reaches the main thread.
    return "the thread died with an error it could not report (a result that cannot be structured-cloned does this)";
  }
  try {
    return typeof e === "object" && e !== null ? JSON.stringify(e) : String(e);
  } catch {
    return String(e);
  }
}

let shared: ChunkPool | undefined;

/** The process-wide default pool (created on first use, sized to the cores). */
export function defaultPool(): ChunkPool {
  shared ??= createPool();
  return shared;
}
