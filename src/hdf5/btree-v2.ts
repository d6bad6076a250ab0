/**
 * Version-2 B-trees: header "BTHD", internal nodes "BTIN" and leaves "BTLF", all checksummed.
 * Records of internal nodes are records too. The width of the per-child record counts in
 * internal nodes follows from the node size, record size and depth (the spec's maximum
 * records per node); they are computed here the same way and every count is checked.
 * @module
 */
import { bytesFor, cursor } from "./bytes.js";
import { verifyChecksum } from "./checksum.js";
import { corrupt, expectSignature, readAt, UNDEF, type Ctx } from "./context.js";

/** What a B-tree header says. */
export interface V2Header {
  addr: number;
  type: number;
  nodeSize: number;
  recordSize: number;
  depth: number;
  root: number;
  rootRecords: number;
  totalRecords: number;
}

/** Decides whether the child between records `left` and `right` (undefined at the ends) may hold wanted records. */
export type Descend = (left: Uint8Array | undefined, right: Uint8Array | undefined) => boolean;

const PREFIX = 6; // signature, version, type
const OVERHEAD = PREFIX + 4; // and the checksum

/** Read and check the B-tree header at `addr`; its record type must be `type`. */
export function readV2Header(ctx: Ctx, addr: number, type: number): V2Header {
  const what = "v2 B-tree header";
  const bytes = readAt(ctx, addr, 16 + ctx.offsetSize + 2 + ctx.lengthSize + 4, what);
  expectSignature(ctx, bytes, "BTHD", what, addr);
  verifyChecksum(ctx, bytes, what, addr);
  const c = cursor(ctx, bytes, what, addr, 4);
  if (c.u8() !== 0) throw corrupt(ctx, what, addr, `unknown version ${bytes[4]}`);
  const found = c.u8();
  if (found !== type) throw corrupt(ctx, what, addr, `record type ${found}, expected ${type}`);
  const nodeSize = c.u32();
  const recordSize = c.u16();
  const depth = c.u16();
  c.skip(2);
  const root = c.address();
  const rootRecords = c.u16();
  const totalRecords = c.length();
  if (recordSize === 0 || nodeSize <= OVERHEAD + recordSize) throw corrupt(ctx, what, addr, `node size ${nodeSize} cannot hold a record of ${recordSize} bytes`);
  if (depth > 64) throw corrupt(ctx, what, addr, `depth ${depth}`);
  return { addr, type, nodeSize, recordSize, depth, root, rootRecords, totalRecords };
}

/** Per depth: maximum records of a node, and bytes of the child-pointer count fields. */
interface Levels {
  maxRecords: number[];
  /** Bytes of "number of records in child" (same at every depth). */
  countSize: number;
  /** Per depth d ≥ 1: bytes of "total records in child" (0 when d = 1). */
  totalSize: number[];
}

function levels(ctx: Ctx, h: V2Header): Levels {
  const maxRecords = [Math.floor((h.nodeSize - OVERHEAD) / h.recordSize)];
  const cumulative = [maxRecords[0]];
  const countSize = bytesFor(maxRecords[0]);
  const totalSize = [0];
  for (let d = 1; d <= h.depth; d++) {
    const totalBytes = d > 1 ? bytesFor(cumulative[d - 1]) : 0;
    const pointer = ctx.offsetSize + countSize + totalBytes;
    const max = Math.floor((h.nodeSize - (OVERHEAD + pointer)) / (h.recordSize + pointer));
    if (max < 1) throw corrupt(ctx, "v2 B-tree header", h.addr, `node size ${h.nodeSize} holds no record at depth ${d}`);
    maxRecords.push(max);
    totalSize.push(totalBytes);
    cumulative.push(Math.min(Number.MAX_SAFE_INTEGER, (max + 1) * cumulative[d - 1] + max));
  }
  return { maxRecords, countSize, totalSize };
}

/**
 * Visit the records of the tree in key order (a record of an internal node between the
 * children around it). `descend` prunes children that cannot hold wanted records.
 */
export function walkV2(ctx: Ctx, h: V2Header, visit: (record: Uint8Array) => void, descend: Descend = () => true): void {
  if (h.root === UNDEF || h.rootRecords === 0) return;
  const lv = levels(ctx, h);
  const seen = new Set<number>();
  const node = (addr: number, depth: number, records: number): void => {
    const what = depth === 0 ? "v2 B-tree leaf node" : "v2 B-tree internal node";
    if (seen.has(addr)) throw corrupt(ctx, what, addr, "node reached twice (loop in the tree)");
    seen.add(addr);
    if (records > lv.maxRecords[depth]) throw corrupt(ctx, what, addr, `${records} records, at most ${lv.maxRecords[depth]} fit`);
    const pointer = depth === 0 ? 0 : ctx.offsetSize + lv.countSize + lv.totalSize[depth];
    const size = PREFIX + records * h.recordSize + (depth === 0 ? 0 : (records + 1) * pointer) + 4;
    const bytes = readAt(ctx, addr, size, what);
    expectSignature(ctx, bytes, depth === 0 ? "BTLF" : "BTIN", what, addr);
    verifyChecksum(ctx, bytes, what, addr);
    if (bytes[4] !== 0 || bytes[5] !== h.type) throw corrupt(ctx, what, addr, `version ${bytes[4]} / type ${bytes[5]}, expected 0 / ${h.type}`);
    const record = (i: number): Uint8Array => bytes.subarray(PREFIX + i * h.recordSize, PREFIX + (i + 1) * h.recordSize);
    if (depth === 0) {
      for (let i = 0; i < records; i++) visit(record(i));
      return;
    }
    const c = cursor(ctx, bytes, what, addr, PREFIX + records * h.recordSize);
    for (let i = 0; i <= records; i++) {
      const child = c.address();
      const count = c.uint(lv.countSize);
      c.skip(lv.totalSize[depth]);
      const left = i > 0 ? record(i - 1) : undefined;
      const right = i < records ? record(i) : undefined;
      if (descend(left, right)) {
        if (child === UNDEF) throw corrupt(ctx, what, addr, `child ${i} has an undefined address`);
        node(child, depth - 1, count);
      }
      if (right !== undefined) visit(right);
    }
  };
  node(h.root, h.depth, h.rootRecords);
}
