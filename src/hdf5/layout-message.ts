/**
 * The data layout message (0x8), versions 1–4: compact data, a contiguous block, or chunked
 * storage with its chunk shape and the kind and parameters of its chunk index. Virtual
 * datasets are refused.
 * @module
 */
import { UnsupportedError } from "../format/errors.js";
import { cursor, type Cursor } from "./bytes.js";
import { corrupt, type Ctx } from "./context.js";

/** Where and how a chunked dataset's chunk index is stored. */
export type ChunkIndexInfo =
  | { type: "btree1"; address: number }
  | { type: "single"; address: number; filtered: boolean; filteredSize: number; filterMask: number }
  | { type: "implicit"; address: number }
  | { type: "fixed"; address: number; pageBits: number }
  | { type: "extensible"; address: number; maxBits: number; indexElements: number; minPointers: number; minElements: number; pageBits: number }
  | { type: "btree2"; address: number };

/** A decoded layout message. */
export type LayoutMessage =
  | { kind: "compact"; data: Uint8Array }
  /** `size` is undefined for layout versions 1–2, which do not store it. */
  | { kind: "contiguous"; address: number; size: number | undefined }
  | {
      kind: "chunked";
      /** Chunk shape (without the trailing element-size dimension). */
      chunkShape: number[];
      /** The trailing dimension: bytes per element. */
      elementSize: number;
      /** Layout v4 flag: partial edge chunks are stored without filters. */
      unfilteredEdges: boolean;
      index: ChunkIndexInfo;
    };

const WHAT = "data layout message";

function chunkDims(ctx: Ctx, dims: number[], at: number): { chunkShape: number[]; elementSize: number } {
  if (dims.length < 2) throw corrupt(ctx, WHAT, at, `chunk dimensionality ${dims.length} (needs the rank plus 1)`);
  if (dims.some((d) => d === 0)) throw corrupt(ctx, WHAT, at, `a chunk dimension is 0 (${dims.join(", ")})`);
  return { chunkShape: dims.slice(0, -1), elementSize: dims[dims.length - 1] };
}

function readDims(c: Cursor, n: number, bytes: number): number[] {
  const dims: number[] = [];
  for (let i = 0; i < n; i++) dims.push(c.uint(bytes));
  return dims;
}

/** Layout versions 1 and 2. */
function oldLayout(ctx: Ctx, c: Cursor, at: number): LayoutMessage {
  const ndims = c.u8();
  const cls = c.u8();
  c.skip(5);
  const address = cls === 1 || cls === 2 ? c.address() : -1;
  const dims = readDims(c, ndims, 4);
  if (cls === 0) return { kind: "compact", data: c.take(c.u32()).slice() };
  if (cls === 1) return { kind: "contiguous", address, size: undefined };
  if (cls === 2) return { kind: "chunked", ...chunkDims(ctx, dims, at), unfilteredEdges: false, index: { type: "btree1", address } };
  throw corrupt(ctx, WHAT, at, `unknown layout class ${cls}`);
}

function indexInfo(ctx: Ctx, c: Cursor, flags: number, at: number): ChunkIndexInfo {
  const type = c.u8();
  switch (type) {
    case 1: {
      const filtered = (flags & 2) !== 0;
      const filteredSize = filtered ? c.length() : 0;
      const filterMask = filtered ? c.u32() : 0;
      return { type: "single", filtered, filteredSize, filterMask, address: c.address() };
    }
    case 2:
      return { type: "implicit", address: c.address() };
    case 3: {
      const pageBits = c.u8();
      return { type: "fixed", pageBits, address: c.address() };
    }
    case 4: {
      const [maxBits, indexElements, minPointers, minElements, pageBits] = [c.u8(), c.u8(), c.u8(), c.u8(), c.u8()];
      return { type: "extensible", maxBits, indexElements, minPointers, minElements, pageBits, address: c.address() };
    }
    case 5:
      c.skip(6); // node size, split and merge percents: the B-tree header repeats them
      return { type: "btree2", address: c.address() };
    default:
      throw corrupt(ctx, WHAT, at, `unknown chunk index type ${type}`);
  }
}

/** Decode a data layout message body. */
export function parseLayout(ctx: Ctx, data: Uint8Array, at: number): LayoutMessage {
  const c = cursor(ctx, data, WHAT, at);
  const version = c.u8();
  if (version === 1 || version === 2) return oldLayout(ctx, c, at);
  if (version !== 3 && version !== 4) throw corrupt(ctx, WHAT, at, `unknown version ${version}`);
  const cls = c.u8();
  if (cls === 0) return { kind: "compact", data: c.take(c.u16()).slice() };
  if (cls === 1) {
    const address = c.address();
    return { kind: "contiguous", address, size: c.length() };
  }
  if (cls === 3 && version === 4) throw new UnsupportedError("virtual dataset layout", `layout message at ${at}`, ctx.key);
  if (cls !== 2) throw corrupt(ctx, WHAT, at, `unknown layout class ${cls}`);
  if (version === 3) {
    const ndims = c.u8();
    const address = c.address();
    const dims = readDims(c, ndims, 4);
    return { kind: "chunked", ...chunkDims(ctx, dims, at), unfilteredEdges: false, index: { type: "btree1", address } };
  }
  const flags = c.u8();
  if ((flags & ~3) !== 0) throw corrupt(ctx, WHAT, at, `unknown chunked layout flags 0x${flags.toString(16)}`);
  const ndims = c.u8();
  const dimBytes = c.u8();
  if (dimBytes < 1 || dimBytes > 8) throw corrupt(ctx, WHAT, at, `dimension size encoded in ${dimBytes} bytes`);
  const dims = readDims(c, ndims, dimBytes);
  const index = indexInfo(ctx, c, flags, at);
  return { kind: "chunked", ...chunkDims(ctx, dims, at), unfilteredEdges: (flags & 1) !== 0, index };
}
