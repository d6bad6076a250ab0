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
import { checkTiling, storedBytes, storedBytesAll, type RawChunk, type RawParts } from "../sources/types.js";
import { decodeChunk } from "../codecs/pipeline.js";
import { copyRegion } from "../format/copy.js";
import { allocate, isVariableLength, layoutOf, viewAs } from "../format/dtype.js";
import { allocateFilled, product } from "../format/ndarray.js";
import { pipelineFor } from "../runtime/chunk-worker.js";
import { withPrivateOutputs } from "./kernels/values.js";

// Decode buffers of chunks that never leave this thread, reused from task to task: a fresh
// buffer per chunk costs a page fault per 4 KiB on first touch, as much as decoding it.
// Tasks run one at a time per thread (the pool's default), so a buffer returned here at
// the end of a task is free.
const SPARE_BUFFERS = 8;
const spare: ArrayBuffer[] = [];

function takeBuffer(bytes: number): ArrayBuffer {
  let best = -1;
  spare.forEach((b, i) => { if (b.byteLength >= bytes && (best < 0 || b.byteLength < spare[best].byteLength)) best = i; });
  return best < 0 ? new ArrayBuffer(bytes) : spare.splice(best, 1)[0];
}

function giveBack(buffers: readonly ArrayBuffer[]): void {
  spare.push(...buffers);
  spare.sort((a, b) => b.byteLength - a.byteLength);
  spare.length = Math.min(spare.length, SPARE_BUFFERS);
}

/** `bytes` of a reused buffer, listed in `scratch` to be given back when the task ends. */
function scratchBytes(scratch: ArrayBuffer[], bytes: number): Uint8Array {
  const buffer = takeBuffer(bytes);
  scratch.push(buffer);
  return new Uint8Array(buffer, 0, bytes);
}

/**
 * Decode a stored chunk in this thread, clipped to its extent; missing chunks become the
 * fill value. With `scratch`, the chunk (and its clipped copy) go into reused buffers.
 * `given`: its stored bytes, already read.
 */
async function decodeRaw(raw: RawChunk, scratch?: ArrayBuffer[], given?: Uint8Array): Promise<NDArray> {
  const p = await pipelineFor(raw.pipeline);
  const dtype = p.spec.chunk.dtype;
  const reuse = scratch && !isVariableLength(dtype) ? scratch : undefined;
  const { units, unitBytes } = layoutOf(dtype);
  const fresh = (shape: readonly number[]) => viewAs(dtype, scratchBytes(reuse!, product(shape) * units * unitBytes));
  const bytes = given ?? storedBytes(raw);
  const into: NDArray | undefined = reuse && bytes ? { data: fresh(raw.chunkShape), shape: [...raw.chunkShape], dtype } : undefined;
  const full = bytes ? await decodeChunk(p, bytes, raw.key, into) : { data: allocateFilled(dtype, product(raw.chunkShape), raw.fill), shape: raw.chunkShape, dtype };
  if (raw.extent.every((e, d) => e === raw.chunkShape[d])) return full;
  const out = reuse ? fresh(raw.extent) : allocate(dtype, product(raw.extent));
  const sel = raw.extent.map((n) => ({ start: 0, step: 1, count: n }));
  copyRegion(full.data, raw.chunkShape, sel, out, raw.extent, sel, units);
  return { data: out, shape: [...raw.extent], dtype };
}

/**
 * Make a block from the stored chunks that tile it: each decoded (into a reused buffer, given
 * back at once) and copied into its place. With `scratch`, the block is a reused buffer too.
 */
async function decodeParts(p: RawParts, scratch?: ArrayBuffer[]): Promise<NDArray> {
  const { dtype } = p;
  const { units, unitBytes } = layoutOf(dtype);
  const n = product(p.shape);
  const data = scratch ? viewAs(dtype, scratchBytes(scratch, n * units * unitBytes)) : allocate(dtype, n);
  checkTiling(p);
  const stored = storedBytesAll(p.parts.map((x) => x.raw));
  for (const [i, { raw, start }] of p.parts.entries()) {
    const mine: ArrayBuffer[] = [];
    const part = await decodeRaw(raw, mine, stored[i]);
    const into = raw.extent.map((count, d) => ({ start: start[d], step: 1, count }));
    copyRegion(part.data, part.shape, null, data, p.shape, into, units);
    giveBack(mine);
  }
  return { data, shape: [...p.shape], dtype };
}

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
