/**
 * The worker pool of the parallel runtime: piscina threads running the task functions of
 * chunk-worker.ts. Created lazily on the first task; idle threads are unref'd by piscina and
 * the pool holds no timers of its own, so a process that never calls `destroy()` still exits
 * when its work is done.
 * @module
 */
import os from "node:os";
import { Piscina } from "piscina";
import type { DecodeIntoTask, EncodeTask, TaskResult } from "./chunk-worker.js";

/** Pool settings. */
export interface PoolOptions {
  /** Worker threads (default `os.availableParallelism()`). */
  threads?: number;
  /** Idle time after which a thread above the minimum exits (ms, default 1000). */
  idleTimeout?: number;
}

/** Task name → its input and output (the exports of chunk-worker.ts). */
export interface PoolTasks {
  decodeInto: { input: DecodeIntoTask; output: TaskResult };
  encode: { input: EncodeTask; output: Uint8Array | TaskResult<never> };
}

/** Options of one task submission. */
export interface RunTaskOptions {
  /** Buffers to transfer (moved, not copied) to the worker. */
  transferList?: ArrayBuffer[];
  /**
   * Checked before submission: an aborted signal rejects with an AbortError without running.
   * A submitted task always completes. Not forwarded to piscina on purpose: it would
   * terminate the thread of a running task, and its reply racing the termination surfaces
   * as an uncaught "Unexpected message from Worker"; a chunk task is short anyway.
   */
  signal?: AbortSignal;
}

/** A lazily created worker pool. */
export interface ChunkPool {
  /** Number of threads the pool runs at most. */
  readonly threads: number;
  /** Run task `name` of chunk-worker.ts in a thread. */
  run<K extends keyof PoolTasks>(name: K, input: PoolTasks[K]["input"], opts?: RunTaskOptions): Promise<PoolTasks[K]["output"]>;
  /** Tasks submitted and not yet settled (0 when nothing is queued or running). */
  pending(): number;
  /** Stop every thread; later `run` calls start a fresh pool. */
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

/** Create a pool; no thread starts before the first `run`. */
export function createPool(options: PoolOptions = {}): ChunkPool {
  const threads = Math.max(1, Math.floor(options.threads ?? os.availableParallelism()));
  let piscina: Piscina | undefined;
  const get = (): Piscina => {
    piscina ??= new Piscina({
      filename: workerFile,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: options.idleTimeout ?? 1000,
      // "async" keeps each worker's event loop running between tasks (native codecs may
      // finish async work); "sync" would block it in Atomics.wait.
      atomics: "async",
      execArgv: workerExecArgv,
      // Tasks beyond the threads wait in piscina's queue; callers bound what they submit.
      maxQueue: Infinity,
    });
    return piscina;
  };
  let pending = 0;
  return {
    threads,
    run: (name, input, opts = {}) => {
      if (opts.signal?.aborted) return Promise.reject(abortError(opts.signal));
      pending++;
      const p = get().run(input, { name, transferList: opts.transferList }) as Promise<PoolTasks[typeof name]["output"]>;
      p.then(() => pending--, () => pending--);
      return p;
    },
    pending: () => pending,
    async destroy() {
      const p = piscina;
      piscina = undefined;
      await p?.destroy();
    },
  };
}

function abortError(signal: AbortSignal): unknown {
  const r: unknown = signal.reason;
  return r instanceof Error && r.name === "AbortError" ? r : new DOMException("the operation was aborted", "AbortError");
}

let shared: ChunkPool | undefined;

/** The process-wide default pool (created on first use, sized to the cores). */
export function defaultPool(): ChunkPool {
  shared ??= createPool();
  return shared;
}
