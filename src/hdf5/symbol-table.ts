/**
 * Old-style groups: a symbol table message points to a version-1 B-tree of type 0 whose keys
 * are names in a local heap ("HEAP") and whose leaves point to symbol table nodes ("SNOD"),
 * each a list of entries (name offset, object header address, cache type). One name is found
 * by descending the B-tree by its keys (byte-wise name order, as HDF5 sorts them).
 * @module
 */
import { cursor } from "./bytes.js";
import { readV1Node, v1Child, v1KeyAt, type V1Node } from "./btree-v1.js";
import { corrupt, expectSignature, readAt, UNDEF, type Ctx } from "./context.js";
import type { Link, SymbolTable } from "./link-messages.js";

/** A local heap's data segment. */
interface LocalHeap {
  addr: number;
  data: Uint8Array;
}

const utf8 = new TextDecoder();

function readLocalHeap(ctx: Ctx, addr: number): LocalHeap {
  const head = readAt(ctx, addr, 8 + 2 * ctx.lengthSize + ctx.offsetSize, "local heap");
  expectSignature(ctx, head, "HEAP", "local heap", addr);
  if (head[4] !== 0) throw corrupt(ctx, "local heap", addr, `unknown version ${head[4]}`);
  const c = cursor(ctx, head, "local heap", addr, 8);
  const size = c.length();
  c.length(); // free list head
  const dataAddr = c.address();
  return { addr, data: readAt(ctx, dataAddr, size, "local heap data segment") };
}

/** The null-terminated string at `offset` of the heap, as bytes. */
function heapString(ctx: Ctx, heap: LocalHeap, offset: number): Uint8Array {
  const end = heap.data.indexOf(0, offset);
  if (offset >= heap.data.length || end < 0) throw corrupt(ctx, "local heap", heap.addr, `no null-terminated string at offset ${offset}`);
  return heap.data.subarray(offset, end);
}

/** strcmp of two byte strings. */
function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Index of the child whose key range (key i, key i+1] holds `name`, or -1. */
function childFor(ctx: Ctx, node: V1Node, heap: LocalHeap, name: Uint8Array): number {
  for (let i = 0; i < node.entries; i++) {
    const at = v1KeyAt(ctx, node, i + 1);
    const offset = cursor(ctx, node.bytes, "v1 B-tree node", node.addr, at).length();
    if (compare(name, heapString(ctx, heap, offset)) <= 0) return i;
  }
  return -1;
}

/** Find `name` in the symbol table node at `addr`. */
function searchSnod(ctx: Ctx, addr: number, heap: LocalHeap, name: Uint8Array): Link | undefined {
  const head = readAt(ctx, addr, 8, "symbol table node");
  expectSignature(ctx, head, "SNOD", "symbol table node", addr);
  if (head[4] !== 1) throw corrupt(ctx, "symbol table node", addr, `unknown version ${head[4]}`);
  const count = head[6] | (head[7] << 8);
  const entrySize = 2 * ctx.offsetSize + 24;
  const bytes = readAt(ctx, addr, 8 + count * entrySize, "symbol table node");
  for (let i = 0; i < count; i++) {
    const c = cursor(ctx, bytes, "symbol table node", addr, 8 + i * entrySize);
    const nameOffset = c.uint(ctx.offsetSize);
    if (compare(heapString(ctx, heap, nameOffset), name) !== 0) continue;
    const address = c.address();
    const cacheType = c.u32();
    c.skip(4);
    const text = utf8.decode(name);
    if (cacheType === 2) return { name: text, kind: "soft", target: utf8.decode(heapString(ctx, heap, c.u32())) };
    if (address === UNDEF) throw corrupt(ctx, "symbol table node", addr, `entry "${text}" has an undefined object header address`);
    return { name: text, kind: "hard", address };
  }
  return undefined;
}

/** Look `name` up in an old-style group; undefined when it has no such link. */
export function lookupSymbol(ctx: Ctx, table: SymbolTable, name: string): Link | undefined {
  const heap = readLocalHeap(ctx, table.heapAddress);
  const key = new TextEncoder().encode(name);
  let addr = table.btreeAddress;
  let level = -1;
  // Each step goes one level down, so the loop ends after at most the root's level + 1 reads.
  for (;;) {
    const node = readV1Node(ctx, addr, 0, ctx.lengthSize);
    if (level >= 0 && node.level !== level - 1) throw corrupt(ctx, "v1 B-tree node", addr, `level ${node.level}, expected ${level - 1} below its parent`);
    level = node.level;
    const i = childFor(ctx, node, heap, key);
    if (i < 0) return undefined;
    const child = v1Child(ctx, node, i);
    if (child === UNDEF) throw corrupt(ctx, "v1 B-tree node", addr, `child ${i} has an undefined address`);
    if (node.level === 0) return searchSnod(ctx, child, heap, key);
    addr = child;
  }
}
