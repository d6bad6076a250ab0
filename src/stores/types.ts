/**
 * The store contract: one small async key/value interface that every backend
 * (memory, filesystem, zip, HTTP, S3 later) implements.
 *
 * Keys are '/'-separated relative paths ("a/b/.zarray", "c/0/1"); no leading '/', no
 * empty, '.' or '..' segments. Semantics:
 * - `get` resolves `undefined` when the key does not exist (never throws for "missing").
 * - `set` of one key is atomic: readers see the old value or the new one, never a mix
 *   (fs: temp file + rename; object stores: one PUT). No store is asked to rename.
 * - `delete` of a missing key is not an error.
 * - `list(prefix)` yields every key starting with `prefix` (a plain string prefix).
 * @module
 */

/** A byte range: `offset` and optional `length`, or the last `suffix` bytes. */
export type ByteRange = { offset: number; length?: number } | { suffix: number };

/** A readable store. */
export interface ReadableStore {
  get(key: string, range?: ByteRange): Promise<Uint8Array | undefined>;
  /** Keys starting with `prefix`, in no particular order. */
  list(prefix: string): AsyncIterable<string>;
  /**
   * Optional: the immediate children of `prefix` ("" or ending in "/"): keys directly under it,
   * and sub-prefixes ending in "/". Lets hierarchy listing skip millions of chunk keys.
   */
  listDir?(prefix: string): AsyncIterable<string>;
  /** Release resources (file handles). Idempotent. */
  close?(): Promise<void>;
  /** A short description for messages ("file:///data/x.zarr"). */
  readonly url?: string;
  /**
   * Optional (directory stores): where the value of `key` lies on the local disk — its
   * directory resolved and checked to be inside the store — so another thread can read it
   * with `readLocalFile` (stores/fs.ts); undefined when its directory does not exist.
   */
  localFile?(key: string): Promise<LocalFile | undefined>;
}

/** A key's file in a directory store: see {@link ReadableStore.localFile}. */
export interface LocalFile {
  /** The file's path, its directory resolved (the file itself may be missing or a symbolic link). */
  path: string;
  /** The store's resolved root: a symbolically linked file is read only if it resolves inside. */
  root: string;
}

/** A readable and writable store. */
export interface Store extends ReadableStore {
  set(key: string, value: Uint8Array): Promise<void>;
  delete(key: string): Promise<void>;
}

/** True when `s` can be written. */
export function isWritable(s: ReadableStore): s is Store {
  return typeof (s as Store).set === "function" && typeof (s as Store).delete === "function";
}
