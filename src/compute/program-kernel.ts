/**
 * The kernel that runs a fused block program in a worker thread: it evaluates each tree
 * bottom-up, calling every node's kernel in this thread (imported by URL once per thread),
 * each shared node once. Blocks live in shared memory, so neither the loaded leaves nor the
 * results are copied between threads.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { loadKernel } from "../runtime/kernel-task.js";
import type { ProgramArgs, ProgramNode } from "./plan.js";
import type { RawChunk } from "../sources/types.js";
import { decodeChunk } from "../codecs/pipeline.js";
import { copyRegion } from "../format/copy.js";
import { allocate, layoutOf } from "../format/dtype.js";
import { allocateFilled, product } from "../format/ndarray.js";
import { pipelineFor } from "../runtime/chunk-worker.js";
import { withPrivateOutputs } from "./kernels/values.js";

/** Decode a stored chunk in this thread, clipped to its extent; missing chunks become the fill value. */
async function decodeRaw(raw: RawChunk): Promise<NDArray> {
  const p = await pipelineFor(raw.pipeline);
  const dtype = p.spec.chunk.dtype;
  const full = raw.bytes ? await decodeChunk(p, raw.bytes, raw.key) : { data: allocateFilled(dtype, product(raw.chunkShape), raw.fill), shape: raw.chunkShape, dtype };
  if (raw.extent.every((e, d) => e === raw.chunkShape[d])) return full;
  const { units } = layoutOf(dtype);
  const out = allocate(dtype, product(raw.extent));
  const sel = raw.extent.map((n) => ({ start: 0, step: 1, count: n }));
  copyRegion(full.data, raw.chunkShape, sel, out, raw.extent, sel, units);
  return { data: out, shape: [...raw.extent], dtype };
}

/** Evaluate `args.trees` over `args.leaves`; returns one value per tree. */
export async function runProgram(args: ProgramArgs): Promise<unknown[]> {
  const memo = new Map<number, Promise<unknown>>();
  const roots = new Set<ProgramNode>(args.trees);
  const leaves = new Map<number, Promise<NDArray>>();
  const leaf = (i: number): Promise<NDArray> => {
    let p = leaves.get(i);
    if (!p) {
      const l = args.leaves[i];
      p = "raw" in l ? decodeRaw(l.raw) : Promise.resolve(l);
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
        const values = await Promise.all(entries.map(([, input]) => evaluate(input)));
        if (n.blocksAs) call[n.blocksAs] = values;
        else entries.forEach(([name], i) => (call[name] = values[i]));
        // Only a tree's root leaves this thread; intermediates take private memory.
        return roots.has(n) ? fn(call as never) : withPrivateOutputs(() => fn(call as never));
      })();
      memo.set(n.memo, p);
    }
    return p;
  };
  return Promise.all(args.trees.map(evaluate));
}
