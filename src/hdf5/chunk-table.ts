/**
 * The table of stored chunks being filled by a chunk index walk: one slot per chunk of the
 * current chunk grid (C order), with checks that every chunk lies inside the file, inside the
 * grid and is listed once. Array-style indexes (fixed array, extensible array, implicit) number
 * chunks over the grid of the *maximum* dimensions, with the unlimited dimension (if any)
 * slowest; {@link linearSlot} maps such a number to a slot of the current grid.
 * @module
 */
import { UnsupportedError } from "../format/errors.js";
import { absolute, corrupt, type Ctx } from "./context.js";

/** Per stored chunk, C order over the chunk grid (the public API's Hdf5ChunkTable). */
export interface ChunkTable {
  /** Chunks per dimension: ceil(shape[d] / chunkShape[d]). */
  grid: number[];
  /** File address (absolute, base address applied) of each chunk's stored bytes; -1 when the chunk is not allocated. */
  address: Float64Array;
  /** Stored (filtered) bytes of each chunk; 0 when not allocated. */
  size: Float64Array;
  /** Filter mask of each chunk (bit i set: filter i of the pipeline was skipped for this chunk). */
  filterMask: Uint32Array;
}

/** A table being filled, with what the checks need. */
export interface TableBuilder {
  table: ChunkTable;
  shape: number[];
  chunkShape: number[];
  /** Unfiltered bytes of one chunk. */
  chunkBytes: number;
}

/** The most chunks a table may have (memory: 20 bytes a chunk). */
const MAX_CHUNKS = 2 ** 26;

/** An empty table (nothing allocated) for `shape` chunked by `chunkShape`. */
export function newTable(ctx: Ctx, shape: number[], chunkShape: number[], elementSize: number): TableBuilder {
  const grid = shape.map((s, d) => Math.ceil(s / chunkShape[d]));
  const n = grid.reduce((a, b) => a * b, 1);
  if (n > MAX_CHUNKS) throw new UnsupportedError("chunk grid", `${n} chunks (at most ${MAX_CHUNKS} are tabulated)`, ctx.key);
  const chunkBytes = chunkShape.reduce((a, b) => a * b, elementSize);
  const table = { grid, address: new Float64Array(n).fill(-1), size: new Float64Array(n), filterMask: new Uint32Array(n) };
  return { table, shape, chunkShape, chunkBytes };
}

/**
 * Record a stored chunk in slot `slot` (C-order index over the current grid). `addr` is
 * relative to the base address; `where` names the index structure for errors.
 */
export function putChunk(ctx: Ctx, b: TableBuilder, slot: number, addr: number, size: number, mask: number, where: string, whereAddr: number): void {
  if (size <= 0) throw corrupt(ctx, where, whereAddr, `chunk ${slot} has a stored size of ${size} bytes`);
  const pos = absolute(ctx, addr);
  if (!Number.isSafeInteger(pos + size) || pos + size > ctx.reader.size) {
    throw corrupt(ctx, where, whereAddr, `chunk ${slot} (${size} bytes at ${pos}) lies outside the file (${ctx.reader.size} bytes; truncated or corrupt)`);
  }
  const t = b.table;
  if (t.address[slot] !== -1) throw corrupt(ctx, where, whereAddr, `chunk ${slot} is listed twice`);
  t.address[slot] = pos;
  t.size[slot] = size;
  t.filterMask[slot] = mask;
}

/**
 * Slot of the chunk at scaled coordinates `scaled` (chunk units), or -1 when outside the
 * current grid (chunks left beyond a shrunk extent are not part of the dataset).
 */
export function scaledSlot(b: TableBuilder, scaled: ArrayLike<number>): number {
  const grid = b.table.grid;
  let slot = 0;
  for (let d = 0; d < grid.length; d++) {
    if (scaled[d] >= grid[d]) return -1;
    slot = slot * grid[d] + scaled[d];
  }
  return slot;
}

/** How an array-style index numbers chunks: dimension order (slowest first) and chunks per dimension. */
export interface Numbering {
  order: number[];
  maxGrid: number[];
}

/** Numbering over the maximum grid with dimension `unlimited` (or none: -1) moved first. */
export function numbering(b: TableBuilder, maxShape: (number | null)[], unlimited: number): Numbering {
  const rank = b.shape.length;
  const order = unlimited < 0 ? [...Array(rank).keys()] : [unlimited, ...[...Array(rank).keys()].filter((d) => d !== unlimited)];
  const maxGrid = maxShape.map((m, d) => (m === null ? Infinity : Math.ceil(m / b.chunkShape[d])));
  return { order, maxGrid };
}

/** Slot in the current grid of chunk number `index` of an array-style index, or -1 when outside. */
export function linearSlot(b: TableBuilder, n: Numbering, index: number, scratch: number[]): number {
  let rest = index;
  for (let k = n.order.length - 1; k > 0; k--) {
    const d = n.order[k];
    scratch[d] = rest % n.maxGrid[d];
    rest = Math.floor(rest / n.maxGrid[d]);
  }
  if (n.order.length > 0) scratch[n.order[0]] = rest;
  else if (rest !== 0) return -1;
  return scaledSlot(b, scratch);
}
