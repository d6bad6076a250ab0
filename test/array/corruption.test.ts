/**
 * Corrupt stored chunks through the whole read path: byte flips, truncations, junk
 * appended, zeroed ranges. Every read either succeeds or rejects with a ZarrError that
 * names the chunk key — never another exception type, a crash or a hang. With a checksum
 * codec (crc32c) a corrupted chunk is always refused, never returned with wrong values.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createMemoryStore } from "../../src/stores/memory.js";
import { createArray, openArray, type CreateArrayOptions } from "../../src/array/node.js";
import { get, set } from "../../src/array/access.js";
import { ZarrError } from "../../src/format/errors.js";
import { prng as rng } from "../prng.js";

const CASES: [string, Partial<CreateArrayOptions>, boolean][] = [
  ["gzip", { compressors: [{ name: "gzip", configuration: { level: 1 } }] }, false],
  ["zstd", { compressors: [{ name: "zstd", configuration: { level: 1, checksum: false } }] }, false],
  ["blosc-lz4", { compressors: [{ name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 } }] }, false],
  ["blosc-zlib-bit", { compressors: [{ name: "blosc", configuration: { cname: "zlib", clevel: 3, shuffle: "bitshuffle", typesize: 4, blocksize: 0 } }] }, false],
  ["blosc-blosclz", { compressors: [{ name: "blosc", configuration: { cname: "blosclz", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 } }] }, false],
  ["blosc-zstd+crc32c", { compressors: [{ name: "blosc", configuration: { cname: "zstd", clevel: 3, shuffle: "shuffle", typesize: 4, blocksize: 0 } }, { name: "crc32c" }] }, true],
  ["zstd+crc32c", { compressors: [{ name: "zstd", configuration: { level: 1, checksum: false } }, { name: "crc32c" }] }, true],
  ["sharded", { shards: [64], compressors: [{ name: "gzip", configuration: { level: 1 } }] }, false],
  ["v2-lz4", { zarrFormat: 2, compressor: { id: "lz4", acceleration: 1 } }, false],
  ["v2-zlib-delta", { zarrFormat: 2, compressor: { id: "zlib", level: 1 }, filters: [{ id: "delta", dtype: "<i4" }] }, false],
  ["v2-bz2", { zarrFormat: 2, compressor: { id: "bz2", level: 1 } }, false],
  ["v2-crc32", { zarrFormat: 2, compressor: null, filters: [{ id: "crc32" }] }, true],
];

test("corrupted chunks: a typed error naming the chunk, or (without checksums) a successful read — never anything else", async () => {
  const problems: string[] = [];
  let refused = 0, read = 0;
  for (const [name, options, checksummed] of CASES) {
    const s = createMemoryStore();
    const arr = await createArray(s, "a", { shape: [64], chunks: [16], dtype: "int32", ...options });
    const data = Int32Array.from({ length: 64 }, (_, i) => (i * 2654435761) % 1000);
    await set(arr, null, data);
    let key = "";
    for await (const k of s.list("a/")) if (!/zarr\.json|\.z/.test(k)) { key = k; break; }
    const good = (await s.get(key))!;
    const rand = rng(name.length * 7919);
    for (let trial = 0; trial < 60; trial++) {
      let bad = good.slice();
      const kind = trial % 4;
      if (kind === 0) bad[Math.floor(rand() * bad.length)] ^= 1 << Math.floor(rand() * 8);
      else if (kind === 1) bad = bad.subarray(0, Math.floor(rand() * bad.length));
      else if (kind === 2) bad = Uint8Array.from([...bad, ...Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256))]);
      else { const at = Math.floor(rand() * bad.length); bad.fill(0, at, at + 1 + Math.floor(rand() * 16)); }
      if (bad.length === good.length && bad.every((b, i) => b === good[i])) continue;
      await s.set(key, bad);
      try {
        const got = await get(await openArray(s, "a"));
        read++;
        if (checksummed && kind !== 2) problems.push(`${name} trial ${trial}: corrupted chunk read without error`);
        assert.equal((got.data as Int32Array).length, 64);
      } catch (e) {
        refused++;
        if (!(e instanceof ZarrError)) problems.push(`${name} trial ${trial}: ${(e as Error)?.constructor?.name}: ${(e as Error).message}`);
        else if (!(e as Error).message.includes(key)) problems.push(`${name} trial ${trial}: error does not name ${key}: ${(e as Error).message}`);
      }
    }
  }
  process.stdout.write(`# corruption: ${refused} refused with typed errors, ${read} read (no checksum, or trailing junk)\n`);
  assert.deepEqual(problems, []);
});
