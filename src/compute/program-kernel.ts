/**
 * The kernel that runs a fused block program in a worker thread: it evaluates each tree
 * bottom-up, calling every node's kernel in this thread (imported by URL once per thread),
 * each shared node once. Leaves arrive as blocks in shared memory, as stored chunks (bytes,
 * or a local file this thread reads) decoded here into reused private buffers, or as leaf
 * tasks (a source's kernel that makes the block here, e.g. an HDF5 hyperslab read); kernels
 * that ask (`rawInputs`) get stored chunks undecoded. A block may also arrive as the stored
 * chunks that tile it (`parts`), decoded one by one and copied into place here. Only the results leave the thread.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { loadKernel } from "../runtime/kernel-task.js";
import type { ProgramArgs, ProgramNode, RawBlock } from "./plan.js";
import { decodeParts, decodeRaw } from "../sources/raw-decode.js";
import { giveBack, scratchBytes } from "../runtime/spare-buffers.js";
import { withPrivateOutputs } from "./kernels/values.js";

/** Evaluate `args.trees` over `args.leaves`; returns one value per tree. */
export async function runProgram(args: ProgramArgs): Promise<unknown[]> {
  const memo = new Map<number, Promise<unknown>>();
  const roots = new Set<ProgramNode>(args.trees);
  // Leaves that are themselves results leave the thread: they get buffers of their own.
  const rootLeaves = new Set(args.trees.flatMap((t) => ("leaf" in t ? [t.leaf] : [])));
  const scratch: ArrayBuffer[] = [];
  const leaves = new Map<number, Promise<NDArray>>();
  const leaf = (i: number): Promise<NDArray> => {
    let p = leaves.get(i);
    if (!p) {
      const l = args.leaves[i];
      if ("raw" in l) p = decodeRaw(l.raw, rootLeaves.has(i) ? undefined : scratch);
      else if ("parts" in l) p = decodeParts(l.parts, rootLeaves.has(i) ? undefined : scratch);
      else if ("task" in l) {
        const { kernel, args: a, bytes } = l.task;
        const shared = rootLeaves.has(i);
        const out = !shared && bytes !== undefined ? scratchBytes(scratch, bytes) : undefined;
        p = loadKernel(kernel).then((fn) => fn({ ...a, shared, out }) as Promise<NDArray>);
      }
      else p = Promise.resolve(l);
      leaves.set(i, p);
    }
    return p;
  };
  const evaluate = (n: ProgramNode): Promise<unknown> => {
    if ("leaf" in n) return leaf(n.leaf);
    if ("value" in n) return Promise.resolve(n.value);
    let p = memo.get(n.memo);
    if (!p) {
      p = (async () => {
        const fn = await loadKernel(n.kernel);
        const call: Record<string, unknown> = { ...n.params };
        const entries = Object.entries(n.inputs);
        // Stored chunks and leaf tasks stay unmade for kernels that ask (they make them in memory of their own).
        const undecoded = (input: ProgramNode): RawBlock | undefined => {
          if (!n.rawInputs || !("leaf" in input)) return undefined;
          const l = args.leaves[input.leaf];
          if ("raw" in l) return { raw: l.raw, decoded: () => leaf(input.leaf) };
          if ("parts" in l) return { parts: l.parts, decoded: () => leaf(input.leaf) };
          if ("task" in l) return { task: l.task, decoded: () => leaf(input.leaf) };
          return undefined;
        };
        const values = await Promise.all(entries.map(([, input]) => undecoded(input) ?? evaluate(input)));
        if (n.blocksAs) call[n.blocksAs] = values;
        else entries.forEach(([name], i) => (call[name] = values[i]));
        // Only a tree's root leaves this thread; intermediates take private memory.
        return roots.has(n) ? fn(call as never) : withPrivateOutputs(() => fn(call as never));
      })();
      memo.set(n.memo, p);
    }
    return p;
  };
  // On failure the buffers are dropped: other decodes of this task may still be writing them.
  const results = await Promise.all(args.trees.map(evaluate));
  // A kernel may hand back its input as the result: such a buffer is not reused.
  const kept = new Set(results.map((r) => ((r as NDArray | undefined)?.data as { buffer?: ArrayBufferLike } | undefined)?.buffer));
  giveBack(scratch.filter((b) => !kept.has(b)));
  return results;
}
