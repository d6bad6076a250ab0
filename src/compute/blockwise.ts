/**
 * `blockwise`: index notation over block grids (dask.array.blockwise). Every input is
 * labelled with one letter per axis; output block (i, j, ...) calls the kernel with, per
 * input, its block at the coordinates its letters name. Letters absent from the output
 * index are contracted: their blocks are either assembled into one block along that axis
 * (`concatenate: true`) or passed as (nested) lists. The call is a plan node, so it fuses
 * with the operations that make the input blocks.
 * @module
 */
import { toDataType, type DataType } from "../format/dtype.js";
import { SelectionError } from "../format/errors.js";
import { siblingKernel, type KernelRef } from "../runtime/kernel-task.js";
import { chunkBox, chunkGrid, type ChunkSource } from "../sources/types.js";
import { lazyArray, planOf, type LazyArray } from "./lazy.js";
import type { BlockPlan } from "./plan.js";
import { assemblePlan, wholeView } from "./select.js";

/** Options of {@link blockwise}. */
export interface BlockwiseOptions {
  /** Output dtype (default: the first input's). */
  dtype?: DataType | string;
  /** Output letters that no input has, with their length (each one chunk). */
  newAxes?: Record<string, number>;
  /** Assemble the blocks along contracted letters into one block (default false: pass lists). */
  concatenate?: boolean;
  /** Extra plain-data arguments for the kernel. */
  params?: Record<string, unknown>;
  /** Label in task keys (default the kernel's export name). */
  label?: string;
}

/** Length and chunk of one index letter, and where it was first seen (for error messages). */
interface Letter {
  length: number;
  chunk: number;
  from: string;
}

// Nests the blocks along a contracted letter into the list the user kernel receives.
const BLOCK_LIST = siblingKernel(import.meta.url, "./kernels/assemble", "blockList");

function letters(index: string, what: string, name: string): string[] {
  const ls = [...index];
  if (new Set(ls).size !== ls.length) throw new SelectionError(`blockwise: ${what} index "${index}" repeats a letter`, name);
  return ls;
}

/** Length and chunk of every letter, checked to agree wherever a letter is shared. */
function letterTable(inputs: readonly [ChunkSource, string][], newAxes: Record<string, number>): Map<string, Letter> {
  const table = new Map<string, Letter>();
  inputs.forEach(([x, index], i) => {
    const ls = letters(index, `input ${i}`, x.name);
    if (ls.length !== x.shape.length) throw new SelectionError(`blockwise: input ${i} has ${x.shape.length} dimensions but index "${index}" names ${ls.length}`, x.name);
    ls.forEach((l, d) => {
      const mine = { length: x.shape[d], chunk: Math.min(x.chunkShape[d], Math.max(1, x.shape[d])), from: `input ${i} (${x.name})` };
      const seen = table.get(l);
      if (!seen) { table.set(l, mine); return; }
      if (seen.length !== mine.length || seen.chunk !== mine.chunk)
        throw new SelectionError(`blockwise: letter "${l}" has length ${seen.length} in chunks of ${seen.chunk} in ${seen.from} but length ${mine.length} in chunks of ${mine.chunk} in ${mine.from}; rechunk so they agree`, x.name);
    });
  });
  for (const [l, n] of Object.entries(newAxes)) {
    if ([...l].length !== 1) throw new SelectionError(`blockwise: newAxes key "${l}" must be one letter`);
    if (table.has(l)) throw new SelectionError(`blockwise: new axis "${l}" is already a letter of an input`);
    if (!Number.isInteger(n) || n < 1) throw new SelectionError(`blockwise: new axis "${l}" needs a positive integer length, got ${String(n)}`);
    table.set(l, { length: n, chunk: n, from: "newAxes" });
  }
  return table;
}

/**
 * Map blocks by index notation, as dask's `blockwise`: `blockwise(K, "ij", [[a, "ik"], [b, "kj"]], { concatenate: true })`
 * calls `K({ blocks: [aRow, bCol], params, coords })` for output block (i, j), where `aRow`
 * is row-block i of `a` with all its k-blocks assembled, and `bCol` likewise. Without
 * `concatenate`, an input with contracted letters arrives as the list of its blocks along
 * them (nested in the order of its letters). A letter shared by inputs must have the same
 * length and chunk size in each (else a SelectionError: rechunk). `kernel` is an ES-module
 * export named by URL, run in a worker; it should return an NDArray of the output block's
 * shape, ideally in a SharedArrayBuffer.
 */
export function blockwise(kernel: KernelRef, outIndex: string, inputs: readonly [LazyArray | ChunkSource, string][], opts: BlockwiseOptions = {}): LazyArray {
  const label = opts.label ?? kernel.name;
  if (inputs.length === 0) throw new SelectionError(`blockwise ${label} needs at least one input`);
  const table = letterTable(inputs, opts.newAxes ?? {});
  const out = letters(outIndex, "output", label);
  for (const l of out) if (!table.has(l)) throw new SelectionError(`blockwise: output letter "${l}" is in no input and not in newAxes`);
  for (const l of Object.keys(opts.newAxes ?? {})) if (!out.includes(l)) throw new SelectionError(`blockwise: new axis "${l}" is not in the output index "${outIndex}"`);
  const shape = out.map((l) => table.get(l)!.length);
  const chunkShape = out.map((l) => table.get(l)!.chunk);
  const dtype = opts.dtype === undefined ? inputs[0][0].dtype : typeof opts.dtype === "string" ? toDataType(opts.dtype) : opts.dtype;

  // Per input: its letters, the contracted ones (in its own order) and their block counts.
  const specs = inputs.map(([x, index]) => {
    const ls = [...index];
    const grid = chunkGrid(x);
    const contracted = ls.map((l, d) => d).filter((d) => !out.includes(ls[d]));
    return { x, ls, grid, contracted };
  });

  /** Plan of input `s` for output block `c`: one block, an assembled block, or nested lists. */
  const inputPlan = (s: (typeof specs)[number], c: readonly number[]): BlockPlan => {
    const at = s.ls.map((l) => (out.includes(l) ? c[out.indexOf(l)] : 0));
    if (s.contracted.length === 0) return planOf(s.x, at);
    if (opts.concatenate) {
      // The region of x spanned by its output-indexed blocks and the whole contracted axes.
      const box = { start: [] as number[], shape: [] as number[] };
      s.ls.forEach((_, d) => {
        const whole = s.contracted.includes(d);
        const b = whole ? undefined : chunkBox({ shape: [s.x.shape[d]], chunkShape: [s.x.chunkShape[d]], name: s.x.name }, [at[d]]);
        box.start.push(b ? b.start[0] : 0);
        box.shape.push(b ? b.shape[0] : s.x.shape[d]);
      });
      return assemblePlan([wholeView(s.x)], box, s.x.dtype, label);
    }
    const nest = (level: number, coords: number[]): BlockPlan => {
      if (level === s.contracted.length) return planOf(s.x, coords);
      const d = s.contracted[level];
      const inputs: Record<string, BlockPlan> = {};
      for (let b = 0; b < s.grid[d]; b++) {
        const next = [...coords];
        next[d] = b;
        inputs[String(b)] = nest(level + 1, next);
      }
      return { kind: "call", kernel: BLOCK_LIST, label, params: {}, inputs, blocksAs: "blocks" };
    };
    return nest(0, at);
  };

  return lazyArray({ shape, dtype, chunkShape }, label, (c) => {
    const blockInputs: Record<string, BlockPlan> = {};
    specs.forEach((s, i) => (blockInputs[String(i)] = inputPlan(s, c)));
    return { kind: "call", kernel, label, params: { params: opts.params ?? {}, coords: [...c] }, inputs: blockInputs, blocksAs: "blocks" };
  });
}

