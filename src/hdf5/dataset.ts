/**
 * A dataset's layout from its object header messages: dataspace, datatype, fill value,
 * filter pipeline and data layout, with shared messages (e.g. a committed datatype) read from
 * the object header they live in; then the storage: compact bytes, the contiguous block, or
 * the table of stored chunks.
 * @module
 */
import { UnsupportedError } from "../format/errors.js";
import { cursor } from "./bytes.js";
import { absolute, checkRange, corrupt, UNDEF, type Ctx } from "./context.js";
import { readChunkTable } from "./chunk-index.js";
import { parseLayout } from "./layout-message.js";
import { parseDataspace, parseDatatype, parseFill, parseOldFill, parsePipeline, type Dataspace, type Datatype, type Filter } from "./messages.js";
import { MSG, readObjectHeader, type HeaderMessage } from "./object-header.js";
import type { ChunkTable } from "./chunk-table.js";

/** Where a dataset's values are stored. */
export type Storage =
  | { kind: "chunked"; chunkShape: number[]; chunks: ChunkTable }
  /** Contiguous block; `address` is absolute, -1 when not allocated. */
  | { kind: "contiguous"; address: number; size: number }
  /** Values stored in the object header itself. */
  | { kind: "compact"; data: Uint8Array };

/** What a dataset's object header says about its data (the public API's Hdf5DatasetLayout). */
export interface DatasetLayout {
  /** Current extent (empty for a scalar). */
  shape: number[];
  /** Maximum extent; null = unlimited. */
  maxShape: (number | null)[];
  datatype: Datatype;
  /** Filters in pipeline order (as applied when writing). */
  filters: Filter[];
  /** Bytes of the fill value when defined, else undefined (reads as zeros). */
  fillValue: Uint8Array | undefined;
  storage: Storage;
}

const SHARED = 0x02;
const MAX_SHARED_HOPS = 8;

/** The object header address a shared message points to. */
function sharedTarget(ctx: Ctx, m: HeaderMessage): number {
  const c = cursor(ctx, m.data, "shared message", m.addr);
  const version = c.u8();
  const type = c.u8();
  if (version === 1) c.skip(6);
  else if (version === 3 && type === 1) throw new UnsupportedError("shared message heap", `message at ${m.addr} lives in the file's shared-message heap`, ctx.key);
  else if (version !== 2 && !(version === 3 && type === 2)) throw corrupt(ctx, "shared message", m.addr, `version ${version}, type ${type}`);
  const addr = c.address();
  if (addr === UNDEF) throw corrupt(ctx, "shared message", m.addr, "undefined object header address");
  return addr;
}

/** The first message of `type`, read from wherever it is shared from; undefined when absent. */
function message(ctx: Ctx, messages: HeaderMessage[], type: number): HeaderMessage | undefined {
  let m = messages.find((x) => x.type === type);
  for (let hop = 0; m !== undefined && (m.flags & SHARED) !== 0; hop++) {
    if (hop >= MAX_SHARED_HOPS) throw corrupt(ctx, "shared message", m.addr, "chain of shared messages too long (loop?)");
    const from = m.addr;
    m = readObjectHeader(ctx, sharedTarget(ctx, m)).find((x) => x.type === type);
    if (m === undefined) throw corrupt(ctx, "shared message", from, `the object header it points to has no message of type 0x${type.toString(16)}`);
  }
  return m;
}

function required(ctx: Ctx, messages: HeaderMessage[], type: number, name: string, at: number): HeaderMessage {
  const m = message(ctx, messages, type);
  if (m === undefined) throw corrupt(ctx, "dataset object header", at, `no ${name} message`);
  return m;
}

/** A contiguous block; not allocated (never written): address -1 and size 0, like a missing chunk. */
function contiguous(ctx: Ctx, address: number, size: number, at: number): Storage {
  if (!Number.isSafeInteger(size)) throw corrupt(ctx, "data layout message", at, `size ${size}`);
  if (address === UNDEF) return { kind: "contiguous", address: -1, size: 0 };
  checkRange(ctx, address, size, "contiguous dataset data");
  return { kind: "contiguous", address: absolute(ctx, address), size };
}

/** Describe the dataset whose object header (at `at`) has `messages`; they must include a layout message. */
export function describeDataset(ctx: Ctx, messages: HeaderMessage[], at: number): DatasetLayout {
  if (messages.some((m) => m.type === MSG.external)) throw new UnsupportedError("external storage", "the dataset's values are in other files", ctx.key);
  const spaceMsg = required(ctx, messages, MSG.dataspace, "dataspace", at);
  const space: Dataspace = parseDataspace(ctx, spaceMsg.data, spaceMsg.addr);
  const typeMsg = required(ctx, messages, MSG.datatype, "datatype", at);
  const datatype = parseDatatype(ctx, typeMsg.data, typeMsg.addr);
  const pipe = message(ctx, messages, MSG.pipeline);
  const filters = pipe ? parsePipeline(ctx, pipe.data, pipe.addr) : [];
  const fillMsg = message(ctx, messages, MSG.fill);
  const oldFill = fillMsg ? undefined : message(ctx, messages, MSG.fillOld);
  const fillValue = fillMsg ? parseFill(ctx, fillMsg.data, fillMsg.addr) : oldFill ? parseOldFill(ctx, oldFill.data, oldFill.addr) : undefined;
  if (fillValue && datatype.class !== "other" && fillValue.length !== datatype.size) {
    throw corrupt(ctx, "fill value message", (fillMsg ?? oldFill)!.addr, `${fillValue.length} bytes for a ${datatype.size}-byte datatype`);
  }
  const layoutMsg = required(ctx, messages, MSG.layout, "data layout", at);
  const layout = parseLayout(ctx, layoutMsg.data, layoutMsg.addr);
  const bytes = space.shape.reduce((a, b) => a * b, datatype.size);
  let storage: Storage;
  if (layout.kind === "compact") {
    if (layout.data.length < bytes) throw corrupt(ctx, "data layout message", layoutMsg.addr, `compact data of ${layout.data.length} bytes for ${bytes} bytes of values`);
    storage = { kind: "compact", data: layout.data };
  } else if (layout.kind === "contiguous") {
    const size = layout.size ?? bytes;
    if (size < bytes) throw corrupt(ctx, "data layout message", layoutMsg.addr, `contiguous block of ${size} bytes for ${bytes} bytes of values`);
    storage = contiguous(ctx, layout.address, size, layoutMsg.addr);
  } else {
    if (layout.elementSize !== datatype.size) throw corrupt(ctx, "data layout message", layoutMsg.addr, `element size ${layout.elementSize}, the datatype has ${datatype.size} bytes`);
    storage = { kind: "chunked", chunkShape: layout.chunkShape, chunks: readChunkTable(ctx, layout, space, filters, layoutMsg.addr) };
  }
  return { shape: space.shape, maxShape: space.maxShape, datatype, filters, fillValue, storage };
}
