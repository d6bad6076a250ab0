/**
 * Resolving a path ("a/b/c") from the root group to an object header: each step looks the
 * next name up in the current group, whatever its storage (old-style symbol table, compact
 * link messages, or dense links in a fractal heap). Soft links are followed (absolute, or
 * relative to the group holding them) within a budget of link traversals, so a cycle of soft
 * links ends with an error; external and user-defined links are refused.
 * @module
 */
import { MetadataError, NodeNotFoundError, UnsupportedError } from "../format/errors.js";
import { UNDEF, type Ctx } from "./context.js";
import { lookupDense } from "./dense-links.js";
import { parseLink, parseLinkInfo, parseSymbolTable, type Link } from "./link-messages.js";
import { MSG, readObjectHeader, type HeaderMessage } from "./object-header.js";
import { lookupSymbol } from "./symbol-table.js";

/** An object reached by a path. */
export interface FoundObject {
  /** Relative address of its object header. */
  address: number;
  messages: HeaderMessage[];
}

/** At most this many links (hard or soft) are traversed for one path. */
const LINK_BUDGET = 1000;

/** True when the header describes a group (of any storage kind). */
export function isGroup(messages: HeaderMessage[]): boolean {
  return messages.some((m) => m.type === MSG.symbolTable || m.type === MSG.linkInfo || m.type === MSG.groupInfo || m.type === MSG.link);
}

/** The link `name` of the group whose messages are `messages`, or undefined. */
function findLink(ctx: Ctx, messages: HeaderMessage[], name: string): Link | undefined {
  const table = messages.find((m) => m.type === MSG.symbolTable);
  if (table) return lookupSymbol(ctx, parseSymbolTable(ctx, table.data, table.addr), name);
  for (const m of messages) {
    if (m.type !== MSG.link) continue;
    const link = parseLink(ctx, m.data, m.addr);
    if (link.name === name) return link;
  }
  const info = messages.find((m) => m.type === MSG.linkInfo);
  if (info) {
    const li = parseLinkInfo(ctx, info.data, info.addr);
    if (li.heapAddress !== UNDEF) return lookupDense(ctx, li, name);
  }
  return undefined;
}

/** Split a path into names ("." and empty parts dropped). */
export function pathParts(path: string): string[] {
  return path.split("/").filter((p) => p !== "" && p !== ".");
}

/** Resolve `path` (absolute or relative to the root) to an object header. */
export function resolvePath(ctx: Ctx, root: number, path: string): FoundObject {
  const headers = new Map<number, HeaderMessage[]>();
  const header = (addr: number): HeaderMessage[] => {
    let h = headers.get(addr);
    if (h === undefined) headers.set(addr, (h = readObjectHeader(ctx, addr)));
    return h;
  };
  let budget = LINK_BUDGET;
  const walk = (start: number, parts: string[], shown: string): number => {
    let cur = start;
    for (let i = 0; i < parts.length; i++) {
      const messages = header(cur);
      const where = parts.slice(0, i).join("/") || "/";
      if (!isGroup(messages)) throw new NodeNotFoundError(`"${shown}": "${where}" is not a group`, ctx.key);
      const link = findLink(ctx, messages, parts[i]);
      if (link === undefined) throw new NodeNotFoundError(`"${shown}": no "${parts[i]}" in group "${where}"`, ctx.key);
      if (--budget < 0) throw new MetadataError(`"${shown}": more than ${LINK_BUDGET} links followed (a cycle of soft links?)`, ctx.key);
      if (link.kind === "hard") cur = link.address;
      else if (link.kind === "soft") cur = walk(link.target.startsWith("/") ? root : cur, pathParts(link.target), shown);
      else if (link.kind === "external") throw new UnsupportedError("external link", `"${parts[i]}" points to ${link.file}:${link.target}`, ctx.key);
      else throw new UnsupportedError("user-defined link", `"${parts[i]}" has link type ${link.linkType}`, ctx.key);
    }
    return cur;
  };
  const address = walk(root, pathParts(path), path);
  return { address, messages: header(address) };
}
