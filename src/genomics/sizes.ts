/**
 * On-disk size of stored chunks, for the compression ratio the demo data reports.
 * @module
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Total bytes of the files under `dir` (recursively) whose names do not start with "." (Zarr v2 chunks, not .zarray/.zattrs). */
export function chunkBytesUnder(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    total += e.isDirectory() ? chunkBytesUnder(p) : statSync(p).size;
  }
  return total;
}
