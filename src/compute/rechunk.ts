/**
 * `rechunk`: the same array under another regular chunk grid.
 *
 * Direct path: an output block is assembled from the input blocks it overlaps, in one task
 * (select.ts' view assembly), fused with whatever makes those blocks. That task holds every
 * overlapping input block at once, and an input block is read (or recomputed) once per
 * output block it overlaps.
 *
 * Intermediate path (rechunker's algorithm), taken when the direct path would hold more
 * than `maxMemory` of input blocks in one task, or would read input blocks more than
 * {@link REREAD_LIMIT} times on average ("all-to-all" rechunks such as (6553, 200, 2) →
 * (65536, 1, 2), where every output block needs a whole column of input blocks and every
 * input block feeds 200 output blocks): x is first written to a temporary Zarr array whose
 * chunks are the elementwise minimum of input and output chunks, one task per input block
 * (each input block read once); then each output block is read from that array (each
 * intermediate chunk decoded once per output block it feeds, typically once).
 * @module
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { get, set } from "../array/access.js";
import { createArray, type ZarrArray } from "../array/node.js";
import type { NDArray } from "../codecs/types.js";
import { bytesOf } from "../format/dtype.js";
import { SelectionError } from "../format/errors.js";
import { product } from "../format/ndarray.js";
import { runTasks } from "../runtime/executor.js";
import { openFsStore } from "../stores/fs.js";
import type { Store } from "../stores/types.js";
import { allocateShared, checkChunkShape, checkCoords, chunkBox, chunkCoords, chunkCount, elementBytes, type ChunkSource } from "../sources/types.js";
import { zarrSource } from "../sources/zarr.js";
import { blockKey, evaluatePlans, fromSource, isLazy, lazyArray, planOf, taskEstimate, type CountedSource, type EvalContext, type LazyArray } from "./lazy.js";
import { assembled, wholeView } from "./select.js";

/** Average reads of each input block above which the intermediate array is used. */
export const REREAD_LIMIT = 4;
/** Default bound on the input blocks one direct-path task holds (bytes). */
export const DEFAULT_MAX_MEMORY = 256 * 2 ** 20;

/** Options of {@link rechunk}. */
export interface RechunkOptions {
  /**
   * Where the intermediate array goes (under a fresh `zarrflow-rechunk-*` prefix, deleted
   * afterwards). Default: a fresh directory under `os.tmpdir()`, removed afterwards.
   */
  tempStore?: Store;
  /** Bytes of input blocks one task may hold on the direct path (default 256 MiB). */
  maxMemory?: number;
  /** `"auto"` (default) decides as described in the module docs; `"always"`/`"never"` force a path. */
  intermediate?: "auto" | "always" | "never";
  /** Blocks written at once while filling the intermediate (default twice the pool's threads, at least 4). */
  maxInFlight?: number;
}

/** What the direct path costs, estimated per dimension (edges ignored). */
export interface RechunkCost {
  /** Most bytes of input blocks one output block overlaps. */
  maxInputBytes: number;
  /** Average number of output blocks each input block overlaps (reads per input block). */
  rereads: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Cost of assembling `to`-chunks from `from`-chunks directly. Along a dimension of length n
 * with input chunk a and output chunk b (both clipped to n) and g = gcd(a, b), output blocks
 * start at offsets that are multiples of g inside an input block, so one overlaps at most
 * ceil((a - g + b) / a) input blocks, and an input block overlaps (a + b - g) / b output
 * blocks on average.
 */
export function rechunkCost(shape: readonly number[], from: readonly number[], to: readonly number[], itemBytes: number): RechunkCost {
  let maxInputBytes = itemBytes;
  let rereads = 1;
  shape.forEach((n, d) => {
    if (n === 0) return;
    const a = Math.min(from[d], n);
    const b = Math.min(to[d], n);
    const g = gcd(a, b);
    const blocks = Math.min(Math.ceil(n / a), Math.ceil((a - g + b) / a));
    maxInputBytes *= Math.min(n, blocks * a);
    rereads *= (a + b - g) / b;
  });
  return { maxInputBytes, rereads };
}

/** Resolve `chunks` against `x` (-1: the whole dimension) and validate them. */
function targetChunks(x: ChunkSource, chunks: readonly number[]): number[] {
  if (!Array.isArray(chunks)) throw new SelectionError(`rechunk: chunks must be an array of positive integers (or -1), got ${String(chunks)}`, x.name);
  return checkChunkShape(chunks.map((c, d) => (c === -1 ? Math.max(1, x.shape[d] ?? 1) : c)), x.shape, x.name);
}

/**
 * `x` with regular chunks `chunks` (-1 = the whole dimension). Values are unchanged bit for
 * bit. See the module docs for the two paths.
 *
 * Memory: on the direct path a task holds the input blocks its output block overlaps (at
 * most `maxMemory`, as {@link rechunkCost} estimates) plus the output block; tasks in flight
 * multiply that. Through the intermediate, writing holds one input block per task in flight,
 * reading one output block per task plus the intermediate chunks being decoded into it.
 *
 * Laziness: the intermediate is written when the first output block is read (the write's
 * promise is memoized, so concurrent readers wait for the same write) and deleted once every
 * output block has been read and none is being read, or on `close()`, or at process exit
 * for the default temp directory. A read after deletion writes it afresh. Reading every
 * block once (compute, toZarr) therefore writes and deletes it exactly once; a consumer
 * that revisits blocks after all were read pays a second write — persist such results.
 * @example const byColumn = rechunk(gt, [65536, 1, 2]); await toZarr(byColumn, target);
 */
export function rechunk(x: LazyArray | ChunkSource, chunks: readonly number[], opts: RechunkOptions = {}): LazyArray {
  const target = targetChunks(x, chunks);
  if (String(target) === String(x.chunkShape)) return isLazy(x) ? x : fromSource(x);
  const geometry = { shape: x.shape, dtype: x.dtype, chunkShape: target };
  const cost = rechunkCost(x.shape, x.chunkShape, target, elementBytes(x.dtype));
  const maxMemory = opts.maxMemory ?? DEFAULT_MAX_MEMORY;
  const mode = opts.intermediate ?? "auto";
  const viaTemp = chunkCount(x) > 0 && (mode === "always" || (mode === "auto" && (cost.maxInputBytes > maxMemory || cost.rereads > REREAD_LIMIT)));
  if (!viaTemp) return assembled([wholeView(x)], geometry, "rechunk");
  const source = intermediateSource(x, target, opts);
  const out = lazyArray(source, "rechunk", (c) => ({ kind: "load", source, coords: [...c] }));
  return Object.assign(out, { close: () => source.close() });
}

/** A temporary location for one intermediate array, and how to remove it. */
interface TempLocation {
  store: Store;
  path: string;
  remove(): Promise<void>;
}

// Default temp directories still present, removed at exit (one listener for all).
const liveDirs = new Set<string>();
let exitHook = false;
function trackDir(dir: string): void {
  liveDirs.add(dir);
  if (!exitHook) {
    exitHook = true;
    process.on("exit", () => { for (const d of liveDirs) fs.rmSync(d, { recursive: true, force: true }); });
  }
}

async function tempLocation(store: Store | undefined): Promise<TempLocation> {
  const name = `zarrflow-rechunk-${process.pid}-${randomBytes(6).toString("hex")}`;
  if (store) {
    // createArray adds a root group when the store has none; remove it again then.
    const rootGroup = (await store.get(".zgroup")) === undefined && (await store.get("zarr.json")) === undefined;
    return {
      store, path: name,
      async remove() {
        const keys: string[] = [];
        for await (const k of store.list(`${name}/`)) keys.push(k);
        if (rootGroup) keys.push(".zgroup");
        for (const k of keys) await store.delete(k);
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-rechunk-"));
  trackDir(dir);
  return {
    store: await openFsStore(dir), path: "rechunk",
    async remove() {
      await fs.promises.rm(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    },
  };
}

/** Read block `coords` of `arr` on this thread (the sync scheduler), into shared memory. */
async function readHere(arr: ZarrArray, grid: ChunkSource, coords: readonly number[]): Promise<NDArray> {
  const box = chunkBox(grid, coords);
  const a = await get(arr, box.start.map((s, d) => ({ start: s, stop: s + box.shape[d], step: 1 })), { pool: null });
  const data = allocateShared(a.dtype, product(a.shape));
  bytesOf(data).set(bytesOf(a.data));
  return { data, shape: a.shape, dtype: a.dtype };
}

/** The output of an intermediate-path rechunk: a source whose reads fill the intermediate first. */
function intermediateSource(x: ChunkSource, target: number[], opts: RechunkOptions): CountedSource & { close(): Promise<void> } {
  const inter = x.chunkShape.map((c, d) => Math.min(c, target[d]));
  const total = chunkCount({ shape: x.shape, chunkShape: target });
  let state: { written: Promise<{ arr: ZarrArray; reader: ChunkSource }>; where: Promise<TempLocation>; read: Set<string> } | undefined;
  let reading = 0;

  async function fill(where: Promise<TempLocation>, ctx: EvalContext): Promise<{ arr: ZarrArray; reader: ChunkSource }> {
    const loc = await where;
    // Native (little-endian) storage: blocks are native in memory, so nothing is swapped.
    const dtype = "endian" in x.dtype ? { ...x.dtype, endian: "little" as const } : x.dtype;
    const arr = await createArray(loc.store, loc.path, { zarrFormat: 2, shape: [...x.shape], dtype, chunks: inter, compressor: null });
    const pool = ctx.scheduler === "sync" ? null : ctx.pool;
    const label = `rechunk-write`;
    await runTasks(chunkCoords(x), async (c, signal) => {
      const [block] = await evaluatePlans([planOf(x, c)], blockKey(label, c), { ...ctx, signal });
      const box = chunkBox(x, c);
      await set(arr, box.start.map((s, d) => ({ start: s, stop: s + box.shape[d], step: 1 })), block, { pool, signal });
    }, {
      maxInFlight: ctx.scheduler === "sync" ? 1 : opts.maxInFlight ?? Math.max(4, (ctx.pool?.threads ?? 2) * 2),
      signal: ctx.signal, keyOf: (c) => blockKey(label, c),
    });
    return { arr, reader: zarrSource(arr, { chunks: target, name: source.name }) };
  }

  async function release(s: NonNullable<typeof state>): Promise<void> {
    if (state === s) state = undefined;
    await (await s.where).remove();
  }

  const source: CountedSource & { close(): Promise<void> } = {
    name: `rechunk(${x.name})`, shape: [...x.shape], dtype: x.dtype, chunkShape: target,
    tasks: taskEstimate(x),
    async read(coords, ro = {}): Promise<NDArray> {
      checkCoords(source, coords);
      const ctx = ro as EvalContext;
      if (!state) {
        const where = tempLocation(opts.tempStore);
        const s = { where, written: fill(where, ctx), read: new Set<string>() };
        // A failed write is forgotten (and its files removed) so a later read retries.
        s.written.catch(() => { void release(s).catch(() => {}); });
        state = s;
      }
      const s = state;
      reading++;
      try {
        const { arr, reader } = await s.written;
        const block = ctx.scheduler === "sync" ? await readHere(arr, source, coords) : await reader.read(coords, { pool: ctx.pool, signal: ctx.signal });
        s.read.add(coords.join(","));
        return block;
      } finally {
        reading--;
        // Best effort: a failed removal must not fail a read whose data is fine (default temp directories are retried at exit).
        if (s.read.size === total && reading === 0 && state === s) await release(s).catch(() => {});
      }
    },
    async close() {
      if (state) await release(state);
    },
  };
  return source;
}
