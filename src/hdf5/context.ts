/**
 * What every structure parser needs: the open file, the sizes of offsets and lengths from the
 * superblock, the base address, and the `file#dataset` key errors name. Plus the helpers that
 * turn an address from the file into a bounded read.
 * @module
 */
import { MetadataError } from "../format/errors.js";
import type { FileReader } from "./file-reader.js";

/** The "undefined address" (all bits set in the file) as returned by the parsers. */
export const UNDEF = -1;

/** Parsing context of one file. */
export interface Ctx {
  readonly reader: FileReader;
  /** `file#dataset`, the key of every error. */
  readonly key: string;
  /** Size of file addresses ("offsets") in bytes: 2, 4 or 8. */
  readonly offsetSize: number;
  /** Size of lengths in bytes: 2, 4 or 8. */
  readonly lengthSize: number;
  /** Base address: every address in the file is relative to it. */
  readonly base: number;
}

/** A MetadataError about the structure `what` at relative address `addr`. */
export function corrupt(ctx: Pick<Ctx, "key">, what: string, addr: number, message: string): MetadataError {
  return new MetadataError(`${what} at address ${addr}: ${message}`, ctx.key);
}

/** Bytes [addr, addr + len) of the file, `addr` relative to the base address; bounds-checked. */
export function readAt(ctx: Ctx, addr: number, len: number, what: string): Uint8Array {
  if (addr === UNDEF) throw corrupt(ctx, what, addr, "the address is undefined");
  return ctx.reader.read(ctx.base + addr, len, `${what} at address ${addr}`);
}

/** Absolute file position of relative address `addr` (for addresses reported to callers). */
export function absolute(ctx: Ctx, addr: number): number {
  return addr === UNDEF ? UNDEF : ctx.base + addr;
}

/** Check that `len` bytes at relative address `addr` lie inside the file, without reading them. */
export function checkRange(ctx: Ctx, addr: number, len: number, what: string): void {
  const pos = ctx.base + addr;
  if (addr < 0 || len < 0 || !Number.isSafeInteger(pos + len) || pos + len > ctx.reader.size) {
    throw corrupt(ctx, what, addr, `${len} bytes there are outside the file (${ctx.reader.size} bytes; truncated or corrupt)`);
  }
}

/** Check the 4-byte signature at the start of `bytes`. */
export function expectSignature(ctx: Ctx, bytes: Uint8Array, signature: string, what: string, addr: number): void {
  for (let i = 0; i < 4; i++) {
    if (bytes[i] !== signature.charCodeAt(i)) {
      const seen = String.fromCharCode(...bytes.subarray(0, 4)).replace(/[^\x20-\x7e]/g, "?");
      throw corrupt(ctx, what, addr, `expected signature "${signature}", found "${seen}"`);
    }
  }
}
