/**
 * Object headers, version 1 (8-byte aligned messages, no signature) and version 2 ("OHDR",
 * checksummed, continuation blocks "OCHK"): the list of header messages of one object,
 * following continuation messages (0x10) with a visited set so a loop cannot hang the parser.
 * @module
 */
import { UnsupportedError } from "../format/errors.js";
import { cursor } from "./bytes.js";
import { verifyChecksum } from "./checksum.js";
import { corrupt, expectSignature, readAt, UNDEF, type Ctx } from "./context.js";

/** One header message: its type, flags and body (a view of the file's bytes). */
export interface HeaderMessage {
  type: number;
  flags: number;
  data: Uint8Array;
  /** Relative address of the body (for error messages). */
  addr: number;
}

/** Message type numbers used by this reader. */
export const MSG = {
  nil: 0x0, dataspace: 0x1, linkInfo: 0x2, datatype: 0x3, fillOld: 0x4, fill: 0x5, link: 0x6,
  external: 0x7, layout: 0x8, groupInfo: 0xa, pipeline: 0xb, symbolTable: 0x11, continuation: 0x10,
} as const;

/** Highest message type the format defines; unknown types flagged "fail if unknown" are refused. */
const LAST_KNOWN_TYPE = 0x18;
const FAIL_IF_UNKNOWN = 0x80;
const MAX_CHUNKS = 10_000;

interface Block { addr: number; len: number }

function checkMessage(ctx: Ctx, type: number, flags: number, at: number): void {
  if (type > LAST_KNOWN_TYPE && (flags & FAIL_IF_UNKNOWN) !== 0) {
    throw new UnsupportedError("object header message", `type 0x${type.toString(16)} at address ${at} must be understood to read the object`, ctx.key);
  }
}

/** The continuation block a 0x10 message points to. */
function continuation(ctx: Ctx, data: Uint8Array, at: number): Block {
  const c = cursor(ctx, data, "continuation message", at);
  const addr = c.address();
  const len = c.length();
  if (addr === UNDEF) throw corrupt(ctx, "continuation message", at, "undefined block address");
  return { addr, len };
}

/** Messages of one version-1 block; continuations are appended to `queue`. */
function v1Block(ctx: Ctx, block: Block, out: HeaderMessage[], queue: Block[]): void {
  const bytes = readAt(ctx, block.addr, block.len, "object header block");
  const c = cursor(ctx, bytes, "object header block", block.addr);
  while (c.left() >= 8) {
    const type = c.u16();
    const size = c.u16();
    const flags = c.u8();
    c.skip(3);
    const at = block.addr + c.pos;
    const data = c.take(size);
    checkMessage(ctx, type, flags, at);
    if (type === MSG.continuation) queue.push(continuation(ctx, data, at));
    else if (type !== MSG.nil) out.push({ type, flags, data, addr: at });
  }
}

/** Messages of one version-2 block (`bytes` between prefix and checksum). */
function v2Messages(ctx: Ctx, bytes: Uint8Array, base: number, creationOrder: boolean, out: HeaderMessage[], queue: Block[]): void {
  const c = cursor(ctx, bytes, "object header block", base);
  const headerSize = creationOrder ? 6 : 4;
  while (c.left() >= headerSize) {
    const type = c.u8();
    const size = c.u16();
    const flags = c.u8();
    if (creationOrder) c.skip(2);
    const at = base + c.pos;
    const data = c.take(size);
    checkMessage(ctx, type, flags, at);
    if (type === MSG.continuation) queue.push(continuation(ctx, data, at));
    else if (type !== MSG.nil) out.push({ type, flags, data, addr: at });
  }
}

/** The first block of a version-2 header; returns whether messages carry a creation order. */
function v2First(ctx: Ctx, addr: number, out: HeaderMessage[], queue: Block[]): boolean {
  const head = readAt(ctx, addr, 6, "object header");
  const flags = head[5];
  if (head[4] !== 2) throw corrupt(ctx, "object header", addr, `version ${head[4]} (expected 2)`);
  if ((flags & 0xc0) !== 0) throw corrupt(ctx, "object header", addr, `reserved flag bits set (0x${flags.toString(16)})`);
  const sizeBytes = 1 << (flags & 3);
  const prefix = 6 + ((flags & 0x20) !== 0 ? 16 : 0) + ((flags & 0x10) !== 0 ? 4 : 0);
  const sizeField = readAt(ctx, addr + prefix, sizeBytes, "object header");
  const chunk0 = cursor(ctx, sizeField, "object header", addr).uint(sizeBytes);
  const all = readAt(ctx, addr, prefix + sizeBytes + chunk0 + 4, "object header");
  verifyChecksum(ctx, all, "object header", addr);
  const start = prefix + sizeBytes;
  v2Messages(ctx, all.subarray(start, start + chunk0), addr + start, (flags & 0x04) !== 0, out, queue);
  return (flags & 0x04) !== 0;
}

/** All header messages (continuations followed) of the object header at relative address `addr`. */
export function readObjectHeader(ctx: Ctx, addr: number): HeaderMessage[] {
  if (addr === UNDEF) throw corrupt(ctx, "object header", addr, "undefined address");
  const out: HeaderMessage[] = [];
  const queue: Block[] = [];
  const first = readAt(ctx, addr, 4, "object header");
  const isV2 = first[0] === 0x4f && first[1] === 0x48 && first[2] === 0x44 && first[3] === 0x52; // "OHDR"
  let creationOrder = false;
  if (isV2) creationOrder = v2First(ctx, addr, out, queue);
  else {
    const prefix = readAt(ctx, addr, 16, "object header");
    if (prefix[0] !== 1) throw corrupt(ctx, "object header", addr, `version ${prefix[0]} is neither 1 nor an "OHDR" signature`);
    const size = cursor(ctx, prefix, "object header", addr, 8).u32();
    queue.push({ addr: addr + 16, len: size });
  }
  const seen = new Set<number>(isV2 ? [addr] : []);
  for (let i = 0; i < queue.length; i++) {
    const block = queue[i];
    if (seen.has(block.addr)) throw corrupt(ctx, "object header", addr, `continuation loop at block ${block.addr}`);
    if (seen.size > MAX_CHUNKS) throw corrupt(ctx, "object header", addr, "too many continuation blocks");
    seen.add(block.addr);
    if (!isV2) v1Block(ctx, block, out, queue);
    else {
      const bytes = readAt(ctx, block.addr, block.len, "object header continuation block");
      if (block.len < 8) throw corrupt(ctx, "object header continuation block", block.addr, `length ${block.len} is too small`);
      expectSignature(ctx, bytes, "OCHK", "object header continuation block", block.addr);
      verifyChecksum(ctx, bytes, "object header continuation block", block.addr);
      v2Messages(ctx, bytes.subarray(4, bytes.length - 4), block.addr + 4, creationOrder, out, queue);
    }
  }
  return out;
}
