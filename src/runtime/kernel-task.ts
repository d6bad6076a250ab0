/**
 * Kernels: plain functions exported from an ES module, named by module URL + export name,
 * so the same kernel runs in a worker thread now and in a worker process or on another host
 * later (a name travels; a closure does not). This module is loaded inside pool threads;
 * {@link runKernel} is the pool task that imports the module (once per thread) and calls the
 * export with the task's arguments.
 *
 * A kernel takes one structured-cloneable argument (typed arrays over SharedArrayBuffers
 * arrive shared, not copied) and returns a structured-cloneable value or a promise of one.
 * It must be safe to run twice on the same input: a task whose thread dies is retried once.
 * @module
 */
import { threadId } from "node:worker_threads";
import { errorInfo, nowMs, type TaskResult } from "./task-result.js";

/** Where a kernel lives: an ES module URL (file:, data:, or a package specifier) and an export name. */
export interface KernelRef {
  module: string;
  name: string;
}

/** A kernel call as the pool ships it. */
export interface KernelTask {
  kernel: KernelRef;
  args: unknown;
}

/** The function type a kernel export has. */
export type Kernel<A = never, R = unknown> = (args: A) => R | Promise<R>;

/** Name a kernel: `kernelRef(import.meta.url, "countAlleles")` from the module that defines it. */
export function kernelRef(module: string | URL, name: string): KernelRef {
  return { module: String(module), name };
}

/**
 * Name a kernel in a module next to `base` (an `import.meta.url`): `path` without extension,
 * resolved to `.ts` when running from sources (tsx) and `.js` when compiled.
 */
export function siblingKernel(base: string, path: string, name: string): KernelRef {
  return kernelRef(new URL(`${path}.${base.endsWith(".ts") ? "ts" : "js"}`, base), name);
}

// Per-thread module cache: import() caches too, but resolving and checking the export once is cheaper.
const loaded = new Map<string, Promise<Kernel<unknown>>>();

/** The function `ref` names, imported once per thread. */
export function loadKernel(ref: KernelRef): Promise<Kernel<unknown>> {
  const id = `${ref.module}#${ref.name}`;
  let p = loaded.get(id);
  if (!p) {
    p = import(ref.module).then((m: Record<string, unknown>) => {
      const fn = m[ref.name];
      if (typeof fn !== "function") throw new TypeError(`kernel ${ref.name} is not a function exported by ${ref.module}`);
      return fn as Kernel<unknown>;
    });
    p.catch(() => loaded.delete(id));
    loaded.set(id, p);
  }
  return p;
}


/** Pool task: run the named kernel on `t.args`; failures come back as plain data. Both say where and when it ran (for profilers). */
export async function runKernel(t: KernelTask): Promise<TaskResult<unknown>> {
  const start = nowMs();
  try {
    const fn = await loadKernel(t.kernel);
    const value = await fn(t.args as never);
    return { ok: true, value, run: { thread: threadId, start, end: nowMs() } };
  } catch (e) {
    return { ok: false, error: errorInfo(e), run: { thread: threadId, start, end: nowMs() } };
  }
}
