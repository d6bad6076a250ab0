/**
 * File-system facts the benchmark reports: stored chunk bytes, chunk counts, free space.
 * @module
 */
import { existsSync, readdirSync, readFileSync, statfsSync, statSync } from "node:fs";
import path from "node:path";

/** Bytes of the chunk files of a Zarr v2 array directory (metadata excluded). */
export function chunkBytes(arrayDir: string): number {
  let n = 0;
  for (const e of readdirSync(arrayDir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && !e.name.startsWith(".")) n += statSync(path.join(e.parentPath ?? e.path, e.name)).size;
  }
  return n;
}

/** Number of chunks of an array of `shape` chunked `chunks`. */
export function chunkCount(shape: readonly number[], chunks: readonly number[]): number {
  return shape.reduce((p, s, i) => p * Math.ceil(s / chunks[i]), 1);
}

/** Free bytes on the file system holding `dir` (its nearest existing ancestor). */
export function freeBytes(dir: string): number {
  let p = dir;
  while (!existsSync(p)) p = path.dirname(p);
  const s = statfsSync(p);
  return s.bavail * s.bsize;
}

/** Read every file under `p` (or the file `p`) once, so all sides start with a warm page cache. */
export function warmPageCache(p: string): void {
  if (!existsSync(p)) return;
  if (statSync(p).isFile()) {
    readFileSync(p);
    return;
  }
  for (const e of readdirSync(p, { recursive: true, withFileTypes: true })) if (e.isFile()) readFileSync(path.join(e.parentPath ?? e.path, e.name));
}
