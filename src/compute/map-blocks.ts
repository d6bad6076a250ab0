/**
 * `mapBlocks`: run a user kernel on every block of one or more lazy arrays (same shape; other
 * chunks are rechunked to the first input's), optionally dropping or adding axes. The kernel is fused with the plans of its
 * inputs, so it runs in the same worker task as the operations that make its blocks.
 * @module
 */
import { toDataType, type DataType } from "../format/dtype.js";
import { SelectionError } from "../format/errors.js";
import type { KernelRef } from "../runtime/kernel-task.js";
import type { ChunkSource } from "../sources/types.js";
import { lazyArray, planOf, type LazyArray } from "./lazy.js";
import type { BlockPlan } from "./plan.js";
import { unifyChunks } from "./ops.js";

function sameGeometry(what: string, inputs: readonly ChunkSource[]): ChunkSource {
  if (inputs.length === 0) throw new SelectionError(`${what} needs at least one input`);
  const [g] = inputs;
  for (const a of inputs.slice(1)) {
    if (String(a.shape) !== String(g.shape) || String(a.chunkShape) !== String(g.chunkShape))
      throw new SelectionError(`${what}: inputs differ in shape or chunks ([${String(g.shape)}]/[${String(g.chunkShape)}] vs [${String(a.shape)}]/[${String(a.chunkShape)}]); rechunk first`, a.name);
  }
  return g;
}

/** Options of {@link mapBlocks}. */
export interface MapBlocksOptions {
  /** Output dtype (default: the first input's). */
  dtype?: DataType | string;
  /** Output chunk shape when it differs from the inputs' (blocks then keep the same grid position). */
  chunks?: readonly number[];
  /** Output shape when chunks change (default: derived from the grid and `chunks`). */
  shape?: readonly number[];
  /** Input axes the kernel removes (each must lie in one chunk). */
  dropAxis?: readonly number[];
  /** Output axes the kernel adds (length given by `chunks` at that axis; one chunk). */
  newAxis?: readonly number[];
  /** Extra plain-data arguments for the kernel. */
  params?: Record<string, unknown>;
  /** Label in task keys (default the kernel's export name). */
  label?: string;
}

/**
 * Apply a kernel to every block: `kernel` is an ES-module export, named by URL + export
 * (`kernelRef(new URL("./k.js", import.meta.url), "myKernel")`), called in a worker as
 * `fn({ blocks, params, coords })` with the inputs' blocks (shared memory) and returning an
 * NDArray — ideally allocated in a SharedArrayBuffer so it is not copied back.
 */
export function mapBlocks(kernel: KernelRef, given: readonly (LazyArray | ChunkSource)[], opts: MapBlocksOptions = {}): LazyArray {
  // Inputs of one shape with other chunks are rechunked to the first's (as dask unifies them).
  const inputs = given.every((a) => String(a.shape) === String(given[0]?.shape)) ? unifyChunks(given) : given;
  const g = sameGeometry(opts.label ?? kernel.name, inputs);
  const drop = [...(opts.dropAxis ?? [])].sort((x, y) => x - y);
  const add = [...(opts.newAxis ?? [])].sort((x, y) => x - y);
  for (const d of drop) {
    if (!(d >= 0 && d < g.shape.length)) throw new SelectionError(`dropAxis ${d} is not an axis of the input`, g.name);
    if (g.chunkShape[d] < g.shape[d]) throw new SelectionError(`dropAxis ${d}: the axis spans several chunks; rechunk it to one`, g.name);
  }
  const kept = g.shape.map((_, d) => d).filter((d) => !drop.includes(d));
  let chunks = kept.map((d) => g.chunkShape[d]);
  let shape = kept.map((d) => g.shape[d]);
  for (const d of add) { chunks.splice(d, 0, opts.chunks?.[d] ?? 1); shape.splice(d, 0, opts.chunks?.[d] ?? 1); }
  if (opts.chunks && !add.length && !drop.length) {
    chunks = [...opts.chunks];
    const grid = g.shape.map((n, d) => Math.ceil(n / g.chunkShape[d]));
    shape = opts.shape ? [...opts.shape] : grid.map((n, d) => n * chunks[d]);
  } else if (opts.shape) shape = [...opts.shape];
  const dtype = opts.dtype === undefined ? g.dtype : typeof opts.dtype === "string" ? toDataType(opts.dtype) : opts.dtype;
  const label = opts.label ?? kernel.name;
  // Output block coords → input block coords: new axes removed, dropped axes at block 0.
  const inputCoords = (c: readonly number[]) => {
    const kept2 = c.filter((_, d) => !add.includes(d));
    const out: number[] = [];
    let k = 0;
    for (let d = 0; d < g.shape.length; d++) out.push(drop.includes(d) ? 0 : kept2[k++]);
    return out;
  };
  return lazyArray({ shape, dtype, chunkShape: chunks }, label, (c) => {
    const ic = inputCoords(c);
    const blockInputs: Record<string, BlockPlan> = {};
    inputs.forEach((x, i) => (blockInputs[String(i)] = planOf(x, ic)));
    return { kind: "call", kernel, label, params: { params: opts.params ?? {}, coords: [...c] }, inputs: blockInputs, blocksAs: "blocks" } as BlockPlan;
  });
}
