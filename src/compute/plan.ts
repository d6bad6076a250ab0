/**
 * Block plans: how one block of a lazy array is made, as plain data. A plan is a tree whose
 * leaves load a chunk of a source (or are scalars) and whose inner nodes call a kernel (an
 * ES-module export named by URL + name) on the values of their inputs. Chains and trees of
 * blockwise operations inline into one plan per block, so the whole tree runs as ONE task in
 * one worker thread (fusion): no intermediate block ever crosses threads.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import type { KernelRef } from "../runtime/kernel-task.js";
import type { ChunkSource, LeafTask, RawChunk, RawParts } from "../sources/types.js";

/** A scalar operand (broadcast by the kernels). */
export interface ScalarValue {
  scalar: number | bigint | boolean;
}

/** How one block is made. */
export type BlockPlan =
  | { kind: "load"; source: ChunkSource; coords: readonly number[] }
  | { kind: "value"; value: ScalarValue }
  | {
      kind: "call"; kernel: KernelRef; params: Record<string, unknown>; inputs: Record<string, BlockPlan>; label: string;
      /** When set, inputs named "0", "1", ... reach the kernel as one array under this name (mapBlocks' `blocks`). */
      blocksAs?: string;
      /** Inputs that are stored chunks or leaf tasks reach the kernel unmade, as {@link RawBlock}s (kernels that make them in memory of their own). */
      rawInputs?: boolean;
    };

/**
 * A block handed to a kernel unmade (see `rawInputs`): a stored chunk (`raw`), stored chunks
 * that tile it (`parts`) or a source's leaf task (`task`). The kernel decodes or runs it into
 * memory of its own, or calls `decoded()`.
 */
export interface RawBlock {
  raw?: RawChunk;
  parts?: RawParts;
  task?: LeafTask;
  /** The block made as any other input would be (clipped to its extent). */
  decoded(): Promise<NDArray>;
}

/** True for a {@link RawBlock}. */
export function isRawBlock(x: unknown): x is RawBlock {
  return typeof x === "object" && x !== null && ("raw" in x || "parts" in x || "task" in x) && typeof (x as RawBlock).decoded === "function";
}

/** A plan as a worker receives it: loads replaced by indexes into the loaded leaves. */
export type ProgramNode =
  | { leaf: number }
  | { value: ScalarValue }
  | { kernel: KernelRef; params: Record<string, unknown>; inputs: Record<string, ProgramNode>; memo: number; blocksAs?: string; rawInputs?: boolean };

/** What the program kernel receives: the trees to evaluate and the blocks their leaves load. */
export interface ProgramArgs {
  trees: ProgramNode[];
  /** Loaded blocks, stored chunks the worker decodes itself, or kernels that make the block there. */
  leaves: (NDArray | { raw: RawChunk } | { parts: RawParts } | { task: LeafTask })[];
}

/** A load leaf, identified for de-duplication (the same source chunk is read once per task). */
export interface LoadLeaf {
  source: ChunkSource;
  coords: readonly number[];
}

/**
 * Turn plans into programs: every distinct (source, chunk) leaf is listed once, and every
 * plan node object shared between the trees (a shared input of several outputs) gets one
 * memo slot, so it is evaluated once.
 */
export function toProgram(plans: readonly BlockPlan[]): { trees: ProgramNode[]; loads: LoadLeaf[]; labels: string[] } {
  const loads: LoadLeaf[] = [];
  const leafIndex = new Map<ChunkSource, Map<string, number>>();
  const memo = new Map<BlockPlan, ProgramNode>();
  const labels = new Set<string>();
  const visit = (p: BlockPlan): ProgramNode => {
    const seen = memo.get(p);
    if (seen) return seen;
    let node: ProgramNode;
    if (p.kind === "load") {
      let bySource = leafIndex.get(p.source);
      if (!bySource) leafIndex.set(p.source, (bySource = new Map()));
      const k = p.coords.join(",");
      let i = bySource.get(k);
      if (i === undefined) {
        i = loads.length;
        loads.push({ source: p.source, coords: p.coords });
        bySource.set(k, i);
      }
      node = { leaf: i };
    } else if (p.kind === "value") node = { value: p.value };
    else {
      labels.add(p.label);
      const inputs: Record<string, ProgramNode> = {};
      for (const [name, q] of Object.entries(p.inputs)) inputs[name] = visit(q);
      node = { kernel: p.kernel, params: p.params, inputs, memo: memo.size, blocksAs: p.blocksAs, rawInputs: p.rawInputs };
    }
    memo.set(p, node);
    return node;
  };
  const trees = plans.map(visit);
  return { trees, loads, labels: [...labels] };
}
