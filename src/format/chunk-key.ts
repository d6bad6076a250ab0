/**
 * Chunk key encodings: chunk grid coordinates → store key (relative to the array's path).
 * @module
 */

/** How chunk coordinates become keys. v3 `default`: "c/1/2" (or "c.1.2"); v2: "1.2" (or "1/2"). */
export interface ChunkKeyEncoding {
  name: "default" | "v2";
  separator: "/" | ".";
}

/** The key of the chunk at `coords`. 0-d arrays: "c" (default) or "0" (v2). */
export function chunkKey(enc: ChunkKeyEncoding, coords: readonly number[]): string {
  if (enc.name === "default") return coords.length === 0 ? "c" : "c" + enc.separator + coords.join(enc.separator);
  return coords.length === 0 ? "0" : coords.join(enc.separator);
}

/** Parse a chunk key back to coordinates, or undefined when `key` is not a chunk key of this encoding. */
export function parseChunkKey(enc: ChunkKeyEncoding, key: string, ndim: number): number[] | undefined {
  let rest = key;
  if (enc.name === "default") {
    if (ndim === 0) return key === "c" ? [] : undefined;
    if (!key.startsWith("c" + enc.separator)) return undefined;
    rest = key.slice(2);
  } else if (ndim === 0) return key === "0" ? [] : undefined;
  const parts = rest.split(enc.separator);
  if (parts.length !== ndim || !parts.every((p) => /^(0|[1-9]\d*)$/.test(p))) return undefined;
  return parts.map(Number);
}
