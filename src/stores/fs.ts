/**
 * Filesystem store: one file per key under a root directory, laid out like
 * zarr-python 2's DirectoryStore (key "a/b/0.0" is the file `<root>/a/b/0.0`).
 *
 * - `get` with a range reads only that range (FileHandle.read at an offset).
 * - `set` writes a temp file in the key's directory and renames it over the key, so a
 *   reader sees the old or the new bytes, never a mix; a crash before the rename leaves the
 *   old value plus a stray temp file, which `list` never reports.
 * - `delete` removes the file and, like zarr-python, leaves now-empty directories in place.
 * - Every key is resolved with `realpath` and refused when it lands outside the root, so a
 *   symlink inside the root cannot be used to read or write elsewhere. (A symlink swapped
 *   in between the check and the open is outside this guard; the final component is opened
 *   with O_NOFOLLOW where the platform has it.)
 * @module
 */
import fs, { constants as fsc, promises as fsp } from "node:fs";
import type { Dirent } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { StoreError } from "../format/errors.js";
import { checkKey, checkPrefix, keyProblem, resolveRange, splitPrefix } from "./keys.js";
import type { ByteRange, LocalFile, ReadableStore, Store } from "./types.js";

/** Options of {@link openFsStore}. */
export interface FsStoreOptions {
  /** Open without `set`/`delete` (the returned store is not writable). Default false. */
  readOnly?: boolean;
  /** Create the root directory (and parents) when missing. Default false. */
  create?: boolean;
  /** fsync each written file and its directory before `set` resolves (durability across power loss). Default false. */
  fsync?: boolean;
}

const TEMP_PREFIX = ".zarrflow-tmp-";
/** zarr-python 2's DirectoryStore temp files: `<name>.<uuid4 hex>.partial`. */
const PY_TEMP = /\.[0-9a-f]{32}\.partial$/;

/** True for names of temp files written by this store (or zarr-python's); they are never listed. */
export function isTempFileName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX) || PY_TEMP.test(name);
}

/** A fresh temp file name. Independent of the key's name so it never exceeds NAME_MAX. */
export function tempFileName(): string {
  return `${TEMP_PREFIX}${process.pid}-${randomBytes(8).toString("hex")}`;
}

/** The errno code of a Node fs error. */
const codeOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;

/** Codes meaning "no such key" (ENOTDIR: a parent component is a file). */
const isMissing = (e: unknown): boolean => {
  const c = codeOf(e);
  return c === "ENOENT" || c === "ENOTDIR";
};

/** Wrap an unexpected fs error as a StoreError naming the key and operation. */
function ioError(op: string, key: string, e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new StoreError(`${op} failed: ${msg}`, key, { cause: e });
}

const O_NOFOLLOW = fsc.O_NOFOLLOW ?? 0;
/** Files up to this size are read synchronously (see readSmallSync). */
const SYNC_READ_MAX = 256 * 1024;

/** A filesystem store opened read-only (`close` is a no-op: no handle stays open between calls). */
export type ReadableFsStore = ReadableStore & { close(): Promise<void> };
/** A writable filesystem store. */
export type FsStore = Store & { close(): Promise<void> };

/** Open a directory store rooted at `root`. Read-only stores have no `set`/`delete`. */
export async function openFsStore(root: string, options: FsStoreOptions & { readOnly: true }): Promise<ReadableFsStore>;
export async function openFsStore(root: string, options?: FsStoreOptions): Promise<FsStore>;
export async function openFsStore(root: string, options: FsStoreOptions = {}): Promise<ReadableFsStore | FsStore> {
  const { readOnly = false, create = false, fsync = false } = options;
  if (readOnly && create) throw new StoreError(`cannot both create and open read-only: ${root}`);
  let st;
  try {
    st = await fsp.stat(root);
  } catch (e) {
    if (!isMissing(e) || !create) throw new StoreError(`cannot open directory store ${root}: ${(e as Error).message}`, undefined, { cause: e });
    await fsp.mkdir(root, { recursive: true });
    st = await fsp.stat(root);
  }
  if (!st.isDirectory()) throw new StoreError(`not a directory: ${root}`);
  const rootReal = await fsp.realpath(root);
  const inside = (real: string): boolean => insideRoot(rootReal, real);
  const url = pathToFileURL(rootReal).href;
  const abs = (key: string): string => path.join(rootReal, ...checkKey(key).split("/"));

  /** realpath, or undefined when the path does not exist. */
  const realOrMissing = async (p: string, key: string, op: string): Promise<string | undefined> => {
    try {
      return await fsp.realpath(p);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw ioError(op, key, e);
    }
  };

  // Real paths of directories chunks were read from, so a read costs one open instead of a
  // realpath walk per key (measured: a third of the time per tiny chunk). The file itself is
  // opened with O_NOFOLLOW, so a symlinked chunk still goes through the full check. Dropped
  // whenever this store deletes anything (a directory might be replaced).
  const dirReal = new Map<string, string>();
  const realFile = async (key: string): Promise<string | undefined> => {
    const p = abs(key);
    const dir = path.dirname(p);
    let d = dirReal.get(dir);
    if (d === undefined) {
      d = await realOrMissing(dir, key, "get");
      if (d === undefined) return undefined;
      if (!inside(d)) throw escape(key);
      if (dirReal.size > 4096) dirReal.clear();
      dirReal.set(dir, d);
    }
    return path.join(d, path.basename(p));
  };

  async function get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    let real = O_NOFOLLOW ? await realFile(key) : await realOrMissing(abs(key), key, "get");
    if (real === undefined) return undefined;
    if (!inside(real)) throw escape(key);
    const small = readSmallSync(real, key, range);
    if (small !== "large") {
      // A loop of reads that never waits on real I/O would starve everything else on the
      // event loop (a writer it waits for, timers): give way every few reads.
      if (++syncReads % 8 === 0) await new Promise((r) => setImmediate(r));
      return small;
    }
    let fh: fsp.FileHandle | undefined;
    try {
      fh = await fsp.open(real, fsc.O_RDONLY | O_NOFOLLOW);
    } catch (e) {
      if (isMissing(e)) return undefined; // deleted since realpath
      if ((e as NodeJS.ErrnoException).code !== "ELOOP") throw ioError("get", key, e);
    }
    if (!fh) {
      // The chunk file is a symbolic link: follow it only if it resolves inside the root.
      real = await realOrMissing(abs(key), key, "get");
      if (real === undefined) return undefined;
      if (!inside(real)) throw escape(key);
      return readFrom(real, key, range);
    }
    return readOpen(fh, key, range);
  }

  /**
   * Small files are read synchronously: four trips through libuv's thread pool (open, stat,
   * read, close) cost far more than the read itself for a few KiB from the page cache
   * (measured: 4 KiB chunks went from ~110 µs to ~50 µs each, 9k → 20k chunks/s). Larger files, symbolic links
   * and errors other than "missing" take the asynchronous path.
   */
  let syncReads = 0;
  function readSmallSync(real: string, key: string, range?: ByteRange): Uint8Array | undefined | "large" {
    let fd: number;
    try {
      fd = fs.openSync(real, fsc.O_RDONLY | O_NOFOLLOW);
    } catch (e) {
      return isMissing(e) ? undefined : "large";
    }
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) return undefined; // directories are not keys
      if (st.size > SYNC_READ_MAX) return "large";
      const [start, end] = resolveRange(st.size, range, key);
      const out = new Uint8Array(end - start);
      let done = 0;
      while (done < out.length) {
        const n = fs.readSync(fd, out, done, out.length - done, start + done);
        if (n === 0) break;
        done += n;
      }
      return done === out.length ? out : out.slice(0, done);
    } catch (e) {
      if (e instanceof StoreError) throw e;
      return "large";
    } finally {
      fs.closeSync(fd);
    }
  }

  async function readFrom(real: string, key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(real, fsc.O_RDONLY | O_NOFOLLOW);
    } catch (e) {
      if (isMissing(e)) return undefined; // deleted since realpath
      throw ioError("get", key, e);
    }
    return readOpen(fh, key, range);
  }

  async function readOpen(fh: fsp.FileHandle, key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    try {
      const st = await fh.stat();
      if (!st.isFile()) return undefined; // directories are not keys
      const [start, end] = resolveRange(st.size, range, key);
      const out = new Uint8Array(end - start);
      let done = 0;
      while (done < out.length) {
        const { bytesRead } = await fh.read(out, done, out.length - done, start + done);
        if (bytesRead === 0) break; // shrank underneath us (not via this store: set renames)
        done += bytesRead;
      }
      return done === out.length ? out : out.slice(0, done);
    } catch (e) {
      throw ioError("get", key, e);
    } finally {
      await fh.close();
    }
  }

  async function* list(prefix: string): AsyncGenerator<string> {
    const [dir, partial] = splitPrefix(prefix);
    const start = dir === "" ? rootReal : path.join(rootReal, ...dir.split("/"));
    const real = await realOrMissing(start, prefix, "list");
    if (real === undefined) return;
    if (!inside(real)) throw escape(prefix);
    yield* walk(real, dir === "" ? "" : dir + "/", partial);
  }

  /** The entries of directory `absDir` (none when it does not exist); I/O errors name `keyPrefix`. */
  async function* entries(absDir: string, keyPrefix: string): AsyncGenerator<Dirent> {
    let d;
    try {
      d = await fsp.opendir(absDir);
    } catch (e) {
      if (isMissing(e)) return;
      throw ioError("list", keyPrefix, e);
    }
    yield* d as AsyncIterable<Dirent>;
  }

  /**
   * Yield the keys of files under `absDir` whose names start with `partial` (top level only).
   * Like zarr-python's os.walk listing, symlinked files are reported (when they stay inside
   * the root) and symlinked directories are not descended, which also rules out cycles.
   */
  async function* walk(absDir: string, keyPrefix: string, partial: string): AsyncGenerator<string> {
    for await (const ent of entries(absDir, keyPrefix)) {
      const name = ent.name;
      if (!name.startsWith(partial) || isTempFileName(name) || keyProblem(name) !== undefined) continue;
      const child = path.join(absDir, name);
      if (ent.isDirectory()) yield* walk(child, keyPrefix + name + "/", "");
      else if (ent.isFile()) yield keyPrefix + name;
      else if (ent.isSymbolicLink()) {
        const r = await realOrMissing(child, keyPrefix + name, "list");
        if (r !== undefined && inside(r) && (await fsp.stat(r).catch(() => undefined))?.isFile()) yield keyPrefix + name;
      }
    }
  }

  /** Immediate children of a directory prefix: files as keys, directories as "name/" (symlinked directories skipped, as in walk). */
  async function* listDir(prefix: string): AsyncGenerator<string> {
    if (prefix !== "" && !prefix.endsWith("/")) throw new StoreError(`listDir needs "" or a prefix ending in "/"`, prefix);
    const dir = prefix.replace(/\/$/, "");
    if (dir !== "") checkPrefix(dir);
    const start = dir === "" ? rootReal : path.join(rootReal, ...dir.split("/"));
    const real = await realOrMissing(start, prefix, "list");
    if (real === undefined) return;
    if (!inside(real)) throw escape(prefix);
    for await (const ent of entries(real, prefix)) {
      const name = ent.name;
      if (isTempFileName(name) || keyProblem(name) !== undefined) continue;
      if (ent.isDirectory()) yield prefix + name + "/";
      else if (ent.isFile()) yield prefix + name;
    }
  }

  /** The key's file for readers in other threads (read with {@link readLocalFile}, which opens it without following links). */
  async function localFile(key: string): Promise<LocalFile | undefined> {
    if (!O_NOFOLLOW) return undefined;
    const real = await realFile(key);
    return real === undefined ? undefined : { path: real, root: rootReal };
  }

  if (readOnly) return { url, get, list, listDir, localFile, close: async () => {} };

  /** realpath of the key's directory, creating it as needed; refused when outside the root. */
  async function ensureDir(dirAbs: string, key: string): Promise<string> {
    const missing: string[] = [];
    let cur = dirAbs;
    let real: string | undefined;
    // Find the deepest existing ancestor first: mkdir -p through a symlink pointing outside
    // would create directories there.
    for (;;) {
      try {
        real = await fsp.realpath(cur);
        break;
      } catch (e) {
        if (codeOf(e) === "ENOTDIR") throw new StoreError("a parent of the key is a file", key);
        if (!isMissing(e) || cur === rootReal) throw ioError("set", key, e);
        missing.unshift(path.basename(cur));
        cur = path.dirname(cur);
      }
    }
    if (!inside(real)) throw escape(key);
    if (!(await fsp.stat(real)).isDirectory()) throw new StoreError("a parent of the key is a file", key);
    if (missing.length === 0) return real;
    const want = path.join(real, ...missing);
    try {
      await fsp.mkdir(want, { recursive: true });
    } catch (e) {
      if (codeOf(e) === "ENOTDIR" || codeOf(e) === "EEXIST") throw new StoreError("a parent of the key is a file", key);
      throw ioError("set", key, e);
    }
    const made = await fsp.realpath(want);
    if (!inside(made)) throw escape(key);
    return made;
  }

  /** Refuse when the key's own path is a symlink leaving the root, or a directory. */
  async function checkTarget(target: string, key: string, op: string): Promise<"file" | "missing" | "dir"> {
    let st;
    try {
      st = await fsp.lstat(target);
    } catch (e) {
      if (isMissing(e)) return "missing";
      throw ioError(op, key, e);
    }
    if (st.isSymbolicLink()) {
      const r = await realOrMissing(target, key, op);
      // A dangling link cannot be verified: refuse rather than guess.
      if (r === undefined || !inside(r)) throw escape(key);
    }
    return st.isDirectory() ? "dir" : "file";
  }

  async function set(key: string, value: Uint8Array): Promise<void> {
    const segments = checkKey(key).split("/");
    const name = segments[segments.length - 1];
    if (isTempFileName(name)) throw new StoreError("key name is reserved for temporary files", key);
    if (!(value instanceof Uint8Array)) throw new StoreError("value is not a Uint8Array", key);
    const dir = await ensureDir(path.join(rootReal, ...segments.slice(0, -1)), key);
    const target = path.join(dir, name);
    if ((await checkTarget(target, key, "set")) === "dir") throw new StoreError("a directory is in the way", key);
    const tmp = path.join(dir, tempFileName());
    try {
      const fh = await fsp.open(tmp, "wx");
      try {
        await fh.writeFile(value);
        if (fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, target);
    } catch (e) {
      await fsp.unlink(tmp).catch(() => {});
      throw ioError("set", key, e);
    }
    if (fsync) await syncDir(dir, key);
  }

  async function del(key: string): Promise<void> {
    dirReal.clear();
    const p = abs(key);
    const dir = await realOrMissing(path.dirname(p), key, "delete");
    if (dir === undefined) return;
    if (!inside(dir)) throw escape(key);
    const target = path.join(dir, path.basename(p));
    if ((await checkTarget(target, key, "delete")) !== "file") return; // missing, or a directory (not a key)
    try {
      await fsp.unlink(target);
    } catch (e) {
      if (!isMissing(e)) throw ioError("delete", key, e);
    }
  }

  return { url, get, list, listDir, localFile, set, delete: del, close: async () => {} };
}

/** True when the resolved path `real` is the store root `rootReal` or lies below it. */
function insideRoot(rootReal: string, real: string): boolean {
  return real === rootReal || real.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep);
}

/** The error of a key whose symbolic link leads out of the store. */
const escape = (key: string) => new StoreError("resolves outside the store root (symbolic link)", key);

/** Fill `out` from `fd` at `position` (short reads continue); returns the bytes read, fewer at end of file. */
function readFully(fd: number, out: Uint8Array, position: number): number {
  let done = 0;
  while (done < out.length) {
    const n = fs.readSync(fd, out, done, out.length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * Read a key's file named by a directory store's `localFile` (in any thread): undefined when
 * it is missing or not a file; a symbolic link is followed only when it resolves inside the
 * store's root, as the store's own `get` does.
 */
export function readLocalFile(f: LocalFile, key: string): Uint8Array | undefined {
  let fd: number;
  try {
    fd = fs.openSync(f.path, fsc.O_RDONLY | O_NOFOLLOW);
  } catch (e) {
    if (isMissing(e)) return undefined;
    if ((e as NodeJS.ErrnoException).code !== "ELOOP") throw ioError("get", key, e);
    let real: string;
    try {
      real = fs.realpathSync(f.path);
    } catch (e2) {
      if (isMissing(e2)) return undefined;
      throw ioError("get", key, e2);
    }
    if (!insideRoot(f.root, real)) throw escape(key);
    try {
      fd = fs.openSync(real, fsc.O_RDONLY);
    } catch (e3) {
      if (isMissing(e3)) return undefined;
      throw ioError("get", key, e3);
    }
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    const out = new Uint8Array(st.size);
    const done = readFully(fd, out, 0);
    return done === out.length ? out : out.slice(0, done);
  } catch (e) {
    throw ioError("get", key, e);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A byte range of a local file that must not have changed since it was planned: reads check
 * the file's size and modification time against what the planner saw.
 */
export interface FileRange {
  path: string;
  offset: number;
  length: number;
  /** The file's size and mtime (ms) when the range was planned. */
  size: number;
  mtimeMs: number;
}

/** The file's size and modification time, for {@link FileRange}s planned now. */
export function fileStamp(path: string): { size: number; mtimeMs: number } {
  const st = fs.statSync(path);
  return { size: st.size, mtimeMs: st.mtimeMs };
}

/**
 * Read `r` (in any thread). A missing file, one that changed since the range was planned
 * (size or mtime) or a short read is a StoreError naming `key`: a range of another file
 * version would decode to garbage or, worse, to wrong values.
 */
export function readFileRange(r: FileRange, key: string): Uint8Array {
  let fd: number;
  try {
    fd = fs.openSync(r.path, fsc.O_RDONLY);
  } catch (e) {
    throw ioError("get", key, e);
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.size !== r.size || st.mtimeMs !== r.mtimeMs) throw new StoreError(`${r.path} changed since it was opened (size or modification time); open it again`, key);
    const out = new Uint8Array(r.length);
    const done = readFully(fd, out, r.offset);
    if (done < out.length) throw new StoreError(`${r.path} ends at byte ${r.offset + done}, inside the range [${r.offset}, ${r.offset + r.length})`, key);
    return out;
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw ioError("get", key, e);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync a directory so a rename in it is durable (not supported on Windows: ignored there). */
async function syncDir(dir: string, key: string): Promise<void> {
  let fh;
  try {
    fh = await fsp.open(dir, "r");
  } catch (e) {
    if (process.platform === "win32") return;
    throw ioError("set", key, e);
  }
  try {
    await fh.sync();
  } catch (e) {
    if (process.platform !== "win32") throw ioError("set", key, e);
  } finally {
    await fh.close();
  }
}
