/**
 * Decoders of the group messages: link (0x6; also the records of a dense group's fractal
 * heap), link info (0x2) and symbol table (0x11).
 * @module
 */
import { cursor } from "./bytes.js";
import { corrupt, type Ctx } from "./context.js";

/** One link of a group. */
export type Link =
  | { name: string; kind: "hard"; address: number }
  | { name: string; kind: "soft"; target: string }
  | { name: string; kind: "external"; file: string; target: string }
  | { name: string; kind: "user-defined"; linkType: number };

/** Link info message: where a dense group's links are (undefined heap address: compact group). */
export interface LinkInfo {
  heapAddress: number;
  nameIndexAddress: number;
}

/** Symbol table message: an old-style group's B-tree and local heap. */
export interface SymbolTable {
  btreeAddress: number;
  heapAddress: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** Decode a link message body (`what` says where it was found). */
export function parseLink(ctx: Ctx, data: Uint8Array, at: number, what = "link message"): Link {
  const c = cursor(ctx, data, what, at);
  const version = c.u8();
  if (version !== 1) throw corrupt(ctx, what, at, `unknown version ${version}`);
  const flags = c.u8();
  if ((flags & 0xe0) !== 0) throw corrupt(ctx, what, at, `unknown flags 0x${flags.toString(16)}`);
  const linkType = (flags & 0x08) !== 0 ? c.u8() : 0;
  if ((flags & 0x04) !== 0) c.skip(8); // creation order
  if ((flags & 0x10) !== 0) c.skip(1); // character set: names are decoded as UTF-8 either way
  const nameLength = c.uint(1 << (flags & 3));
  if (nameLength === 0) throw corrupt(ctx, what, at, "empty link name");
  const name = utf8.decode(c.take(nameLength));
  if (linkType === 0) return { name, kind: "hard", address: c.address() };
  const info = c.take(c.u16());
  if (linkType === 1) return { name, kind: "soft", target: utf8.decode(info) };
  if (linkType === 64) {
    // Flags byte, then two null-terminated strings: file name and object path.
    const parts = utf8.decode(info.subarray(1)).split("\0");
    return { name, kind: "external", file: parts[0] ?? "", target: parts[1] ?? "" };
  }
  return { name, kind: "user-defined", linkType };
}

/** Decode a link info message body. */
export function parseLinkInfo(ctx: Ctx, data: Uint8Array, at: number): LinkInfo {
  const c = cursor(ctx, data, "link info message", at);
  const version = c.u8();
  if (version !== 0) throw corrupt(ctx, "link info message", at, `unknown version ${version}`);
  const flags = c.u8();
  if ((flags & 1) !== 0) c.skip(8); // maximum creation index
  const heapAddress = c.address();
  const nameIndexAddress = c.address();
  return { heapAddress, nameIndexAddress };
}

/** Decode a symbol table message body. */
export function parseSymbolTable(ctx: Ctx, data: Uint8Array, at: number): SymbolTable {
  const c = cursor(ctx, data, "symbol table message", at);
  return { btreeAddress: c.address(), heapAddress: c.address() };
}
