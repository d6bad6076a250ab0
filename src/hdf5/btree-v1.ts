/**
 * Version-1 B-trees ("TREE"): nodes of type 0 (group nodes, keys are local-heap name offsets)
 * and type 1 (raw-data chunk nodes). A node is read in one piece; walks check that each
 * child sits exactly one level below its parent and never visit a node twice.
 * @module
 */
import { allOnes, uintLE } from "./bytes.js";
import { corrupt, expectSignature, readAt, UNDEF, type Ctx } from "./context.js";

/** One node of a version-1 B-tree. */
export interface V1Node {
  addr: number;
  level: number;
  /** Number of children (keys: one more). */
  entries: number;
  bytes: Uint8Array;
  keySize: number;
}

const WHAT = "v1 B-tree node";

/** Read and check the node at `addr` of B-tree type `nodeType` with keys of `keySize` bytes. */
export function readV1Node(ctx: Ctx, addr: number, nodeType: number, keySize: number): V1Node {
  const headSize = 8 + 2 * ctx.offsetSize;
  const head = readAt(ctx, addr, headSize, WHAT);
  expectSignature(ctx, head, "TREE", WHAT, addr);
  if (head[4] !== nodeType) throw corrupt(ctx, WHAT, addr, `node type ${head[4]}, expected ${nodeType}`);
  const level = head[5];
  const entries = head[6] | (head[7] << 8);
  const bytes = readAt(ctx, addr, headSize + entries * (keySize + ctx.offsetSize) + keySize, WHAT);
  return { addr, level, entries, bytes, keySize };
}

/** Byte position of key `i` (0..entries) inside the node's bytes. */
export function v1KeyAt(ctx: Ctx, node: V1Node, i: number): number {
  return 8 + 2 * ctx.offsetSize + i * (node.keySize + ctx.offsetSize);
}

/** Relative address of child `i` (0..entries-1); an undefined or out-of-range value is an error. */
export function v1Child(ctx: Ctx, node: V1Node, i: number): number {
  const at = v1KeyAt(ctx, node, i) + node.keySize;
  if (allOnes(node.bytes, at, ctx.offsetSize)) return UNDEF;
  const v = uintLE(node.bytes, at, ctx.offsetSize);
  if (Number.isNaN(v)) throw corrupt(ctx, WHAT, node.addr, `child ${i} address exceeds 2^53`);
  return v;
}

/**
 * Visit every leaf (level 0) of the tree rooted at `root`, left to right. Loops and
 * inconsistent levels are MetadataErrors.
 */
export function walkV1Leaves(ctx: Ctx, root: number, nodeType: number, keySize: number, visit: (leaf: V1Node) => void): void {
  const seen = new Set<number>();
  const stack: { addr: number; level: number }[] = [{ addr: root, level: -1 }];
  while (stack.length > 0) {
    const { addr, level } = stack.pop()!;
    if (seen.has(addr)) throw corrupt(ctx, WHAT, addr, "node reached twice (loop in the tree)");
    seen.add(addr);
    const node = readV1Node(ctx, addr, nodeType, keySize);
    if (level >= 0 && node.level !== level) throw corrupt(ctx, WHAT, addr, `level ${node.level}, expected ${level} below its parent`);
    if (node.level === 0) {
      visit(node);
      continue;
    }
    // Push right to left so children pop in key order.
    for (let i = node.entries - 1; i >= 0; i--) {
      const child = v1Child(ctx, node, i);
      if (child === UNDEF) throw corrupt(ctx, WHAT, addr, `child ${i} has an undefined address`);
      stack.push({ addr: child, level: node.level - 1 });
    }
  }
}
