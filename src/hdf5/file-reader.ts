/**
 * Bounded synchronous reads of one file at absolute positions. Every read is checked against
 * the file size first, so a truncated file fails with a {@link MetadataError} naming the
 * structure being read, never with a short read or a RangeError further on. Small reads go
 * through a little cache of 4 KiB pages (object headers, B-tree nodes and heap blocks are often
 * neighbours); large reads go straight to disk.
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { MetadataError, StoreError } from "../format/errors.js";

/** Reads of one open file; positions are absolute byte offsets (numbers: files over 4 GiB work). */
export interface FileReader {
  /** Size of the file in bytes when it was opened. */
  readonly size: number;
  /**
   * Bytes [pos, pos + len) of the file. `what` names the structure for the error when the range
   * is not inside the file. The result may share memory with the cache: do not modify it.
   */
  read(pos: number, len: number, what: string): Uint8Array;
  /** Close the file descriptor. */
  close(): void;
}

const PAGE = 4096;
/** Reads up to this size are served from pages. */
const SMALL = 4 * PAGE;
/** Pages kept before the cache is dropped (bounded memory, whatever the file). */
const MAX_PAGES = 2048;

/** Read exactly `len` bytes at `pos` into a new buffer (the range was checked by the caller). */
function readExact(fd: number, pos: number, len: number, what: string, key: string): Uint8Array {
  const out = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    let n: number;
    try {
      n = readSync(fd, out, done, len - done, pos + done);
    } catch (e) {
      throw new StoreError(`${what}: reading ${len} bytes at ${pos} failed: ${(e as Error).message}`, key, { cause: e });
    }
    // The file shrank under us: as corrupt as a truncated file.
    if (n <= 0) throw new MetadataError(`${what}: file ended at ${pos + done} while reading ${len} bytes at ${pos}`, key);
    done += n;
  }
  return out;
}

/**
 * Open `path` (a regular file) for bounded reads; `key` names the file (and dataset) in errors.
 * I/O failures while reading are StoreErrors.
 */
export function openFileReader(path: string, key: string): FileReader {
  const fd = openSync(path, "r");
  let size: number;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error("not a regular file");
    size = stat.size;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const pages = new Map<number, Uint8Array>();

  const page = (index: number): Uint8Array => {
    let p = pages.get(index);
    if (p === undefined) {
      if (pages.size >= MAX_PAGES) pages.clear();
      const start = index * PAGE;
      p = readExact(fd, start, Math.min(PAGE, size - start), "page", key);
      pages.set(index, p);
    }
    return p;
  };

  const read = (pos: number, len: number, what: string): Uint8Array => {
    if (!Number.isSafeInteger(pos) || !Number.isSafeInteger(len) || pos < 0 || len < 0 || pos + len > size) {
      throw new MetadataError(`${what}: ${len} bytes at address ${pos} are outside the file (${size} bytes; truncated or corrupt)`, key);
    }
    if (len === 0) return new Uint8Array(0);
    if (len > SMALL) return readExact(fd, pos, len, what, key);
    const first = Math.floor(pos / PAGE);
    const last = Math.floor((pos + len - 1) / PAGE);
    if (first === last) return page(first).subarray(pos - first * PAGE, pos - first * PAGE + len);
    const out = new Uint8Array(len);
    for (let i = first, at = 0; i <= last; i++) {
      const p = page(i);
      const from = i === first ? pos - first * PAGE : 0;
      const n = Math.min(p.length - from, len - at);
      out.set(p.subarray(from, from + n), at);
      at += n;
    }
    return out;
  };

  return { size, read, close: () => closeSync(fd) };
}
