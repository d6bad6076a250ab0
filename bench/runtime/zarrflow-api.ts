/**
 * How the benchmark reaches zarrflow's parallel runtime, feature-detected so the bench runs
 * both before and after `get`/`set` learn the `pool` option: `get(arr, sel, {pool})` when
 * `get` actually submits work to the given pool, else `getParallel(arr, sel, {pool})`
 * (src/runtime/parallel-read.ts); `set(arr, sel, v, {pool})` always, reporting whether the
 * pool ran any task. `pool: null` asks for the main thread only.
 * @module
 */
import { get, set, type AccessOptions, type WriteValue } from "../../src/array/access.js";
import type { ZarrArray } from "../../src/array/node.js";
import type { Selection } from "../../src/array/selection.js";
import type { NDArray } from "../../src/codecs/types.js";
import { createPool, type ChunkPool } from "../../src/runtime/pool.js";

/** Access options once `get`/`set` take a pool (extra fields are ignored by older builds). */
type PoolOptions = AccessOptions & { pool?: ChunkPool | null };
const getWith = get as (arr: ZarrArray, selection: Selection, opts: PoolOptions) => Promise<NDArray>;
const setWith = set as (arr: ZarrArray, selection: Selection, value: WriteValue, opts: PoolOptions) => Promise<void>;

/** A pool wrapper counting submitted tasks: the feature probe. */
export interface CountingPool {
  pool: ChunkPool;
  tasks(): number;
}

/** Pool methods that do not submit work (not counted). */
const NOT_WORK = new Set<PropertyKey>(["pending", "destroy"]);

/**
 * Wrap `pool` so every submission (`run`, or any other method but `pending`/`destroy`) is
 * counted. A Proxy with methods bound to the real pool works for plain objects and classes.
 */
export function countingPool(pool: ChunkPool): CountingPool {
  let n = 0;
  const proxy = new Proxy(pool, {
    get(target, key) {
      const v: unknown = Reflect.get(target, key, target);
      if (typeof v !== "function") return v;
      const f = (v as (...a: unknown[]) => unknown).bind(target);
      return NOT_WORK.has(key) ? f : (...a: unknown[]) => { n++; return f(...a); };
    },
  });
  return { pool: proxy, tasks: () => n };
}

/** A reader of selections bound to one pool (or to the main thread) and the API it uses. */
export interface Reader {
  read(arr: ZarrArray, selection: Selection): Promise<NDArray>;
  /** The call measured, for the report (e.g. "get(arr, null, {pool})"). */
  api: string;
  close(): Promise<void>;
}

/**
 * A reader for `threads` pool threads (0 = main thread). `probe` is read once through `get`
 * with a counting pool: if `get` submitted tasks it is the parallel path, otherwise the
 * reader falls back to `getParallel` when that module exists (else `get`, labelled as not
 * using the pool). The probe doubles as the warm-up read.
 */
export async function makeReader(threads: number, arr: ZarrArray, probe: Selection): Promise<Reader> {
  if (threads === 0) {
    await getWith(arr, probe, { pool: null });
    return { read: (a, s) => getWith(a, s, { pool: null }), api: "get(arr, null, {pool: null})", close: async () => {} };
  }
  const counted = countingPool(createPool({ threads }));
  const close = () => counted.pool.destroy();
  await getWith(arr, probe, { pool: counted.pool });
  if (counted.tasks() > 0) return { read: (a, s) => getWith(a, s, { pool: counted.pool }), api: "get(arr, null, {pool})", close };
  const getParallel = await legacyGetParallel();
  if (!getParallel) return { read: (a, s) => getWith(a, s, { pool: counted.pool }), api: "get(arr, null, {pool}) (pool unused: main thread)", close };
  await getParallel(arr, probe, { pool: counted.pool });
  return { read: (a, s) => getParallel(a, s, { pool: counted.pool }), api: "getParallel(arr, null, {pool}) (get ignores pool yet)", close };
}

type GetParallel = (arr: ZarrArray, selection: Selection, opts: { pool: ChunkPool }) => Promise<NDArray>;

/** The parallel read of builds where `get` did not take a pool yet (src/runtime/parallel-read.ts), if present. */
async function legacyGetParallel(): Promise<GetParallel | undefined> {
  const specifier = "../../src/runtime/parallel-read.js"; // a variable: the module may be gone
  try {
    return ((await import(specifier)) as { getParallel?: GetParallel }).getParallel;
  } catch {
    return undefined;
  }
}

/** A writer bound to one pool (or the main thread); `api` says whether the pool did the work (known after the first write). */
export interface Writer {
  write(arr: ZarrArray, selection: Selection, value: WriteValue): Promise<void>;
  api(): string;
  close(): Promise<void>;
}

/** A writer for `threads` pool threads (0 = main thread). */
export function makeWriter(threads: number): Writer {
  if (threads === 0) return { write: (a, s, v) => setWith(a, s, v, { pool: null }), api: () => "set(arr, null, data, {pool: null})", close: async () => {} };
  const counted = countingPool(createPool({ threads }));
  return {
    write: (a, s, v) => setWith(a, s, v, { pool: counted.pool }),
    api: () => (counted.tasks() > 0 ? "set(arr, null, data, {pool})" : "set(arr, null, data, {pool}) (set ignores pool yet: main thread)"),
    close: () => counted.pool.destroy(),
  };
}
