/**
 * The kernel that runs a fused block program in a worker thread: it evaluates each tree
 * bottom-up, calling every node's kernel in this thread (imported by URL once per thread),
 * each shared node once. Blocks live in shared memory, so neither the loaded leaves nor the
 * results are copied between threads.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import type { Kernel, KernelRef } from "../runtime/kernel-task.js";
import type { ProgramArgs, ProgramNode } from "./plan.js";

const modules = new Map<string, Promise<Kernel<unknown>>>();

function load(ref: KernelRef): Promise<Kernel<unknown>> {
  const id = `${ref.module}#${ref.name}`;
  let p = modules.get(id);
  if (!p) {
    p = import(ref.module).then((m: Record<string, unknown>) => {
      const fn = m[ref.name];
      if (typeof fn !== "function") throw new TypeError(`kernel ${ref.name} is not a function exported by ${ref.module}`);
      return fn as Kernel<unknown>;
    });
    p.catch(() => modules.delete(id));
    modules.set(id, p);
  }
  return p;
}

/** Evaluate `args.trees` over `args.leaves`; returns one value per tree. */
export async function runProgram(args: ProgramArgs): Promise<unknown[]> {
  const memo = new Map<number, Promise<unknown>>();
  const evaluate = (n: ProgramNode): Promise<unknown> => {
    if ("leaf" in n) return Promise.resolve(args.leaves[n.leaf] as NDArray);
    if ("value" in n) return Promise.resolve(n.value);
    let p = memo.get(n.memo);
    if (!p) {
      p = (async () => {
        const fn = await load(n.kernel);
        const call: Record<string, unknown> = { ...n.params };
        const entries = Object.entries(n.inputs);
        const values = await Promise.all(entries.map(([, input]) => evaluate(input)));
        if (n.blocksAs) call[n.blocksAs] = values;
        else entries.forEach(([name], i) => (call[name] = values[i]));
        return fn(call as never);
      })();
      memo.set(n.memo, p);
    }
    return p;
  };
  return Promise.all(args.trees.map(evaluate));
}
