/** Test helpers for chunk sources: the expected bytes of a chunk, computed element by element. */
import assert from "node:assert/strict";
import type { NDArray } from "../../src/codecs/types.js";
import { bytesOf } from "../../src/format/dtype.js";
import { chunkBox, chunkCoords, isShared, type ChunkReadOptions, type ChunkSource } from "../../src/sources/index.js";

/** Bytes of the box `start`/`extent` of a C-order array of `shape` held in `all` (naive, one element at a time). */
export function boxBytes(all: Uint8Array, shape: readonly number[], itemBytes: number, start: readonly number[], extent: readonly number[]): Uint8Array {
  const n = extent.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(n * itemBytes);
  const idx = new Array<number>(extent.length).fill(0);
  for (let i = 0; i < n; i++) {
    let flat = 0;
    for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + start[d] + idx[d];
    out.set(all.subarray(flat * itemBytes, (flat + 1) * itemBytes), i * itemBytes);
    for (let d = extent.length - 1; d >= 0; d--) {
      if (++idx[d] < extent[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Read every chunk of `source` and compare it with the same box of `all` (C-order bytes of
 * the whole array): shape, dtype, shared memory and every byte. Returns the number of chunks.
 */
export async function checkAllChunks(source: ChunkSource, all: Uint8Array, itemBytes: number, opts?: ChunkReadOptions): Promise<number> {
  let n = 0;
  let elements = 0;
  for (const coords of chunkCoords(source)) {
    const chunk: NDArray = await source.read(coords, opts);
    const box = chunkBox(source, coords);
    assert.deepEqual(chunk.shape, box.shape, `${source.name} chunk [${String(coords)}] shape`);
    assert.deepEqual(chunk.dtype, source.dtype);
    assert.ok(isShared(chunk.data), `${source.name} chunk [${String(coords)}] is not in shared memory`);
    const got = bytesOf(chunk.data);
    const want = boxBytes(all, source.shape, itemBytes, box.start, box.shape);
    assert.ok(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(want), `${source.name} chunk [${String(coords)}] differs`);
    elements += box.shape.reduce((a, b) => a * b, 1);
    n++;
  }
  // The chunks tile the array exactly.
  assert.equal(elements * itemBytes, all.byteLength, `${source.name}: chunks cover ${elements} elements`);
  return n;
}
