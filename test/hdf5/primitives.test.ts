/**
 * The building blocks of src/hdf5: lookup3 against the published test vectors, checksum
 * verification, bounded little-endian decoding and bounded file reads (typed errors, never a
 * RangeError).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { MetadataError } from "../../src/format/errors.js";
import { cursor, uintLE } from "../../src/hdf5/bytes.js";
import { lookup3, verifyChecksum } from "../../src/hdf5/checksum.js";
import type { Ctx } from "../../src/hdf5/context.js";
import { openFileReader } from "../../src/hdf5/file-reader.js";

const ctx = (size = 0): Ctx => ({ reader: { size, read: () => new Uint8Array(0), close: () => {} }, key: "f.h5#d", offsetSize: 8, lengthSize: 8, base: 0 });

test("lookup3 (hashlittle) gives the published test vectors", () => {
  const text = new TextEncoder().encode("Four score and seven years ago");
  assert.equal(lookup3(new Uint8Array(0)), 0xdeadbeef);
  assert.equal(lookup3(new Uint8Array(0), 0xdeadbeef), 0xbd5b7dde);
  assert.equal(lookup3(text), 0x17770551);
  assert.equal(lookup3(text, 1), 0xcd628161);
});

test("verifyChecksum accepts the right checksum and names structure and address on a mismatch", () => {
  const body = new TextEncoder().encode("an HDF5 structure of some length");
  const b = new Uint8Array(body.length + 4);
  b.set(body);
  new DataView(b.buffer).setUint32(body.length, lookup3(body), true);
  verifyChecksum(ctx(), b, "thing", 1234);
  b[3] ^= 1;
  assert.throws(() => verifyChecksum(ctx(), b, "thing", 1234), (e: unknown) => e instanceof MetadataError && /^f\.h5#d: thing at address 1234: checksum mismatch/.test(e.message));
});

test("little-endian integers up to 2^53; a cursor never reads past its structure", () => {
  assert.equal(uintLE(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 0]), 0, 8), 0x07060504030201);
  assert.equal(uintLE(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0]), 0, 8), 2 ** 53 - 1);
  assert.ok(Number.isNaN(uintLE(Uint8Array.from([0, 0, 0, 0, 0, 0, 0x20, 0]), 0, 8)));
  const c = cursor(ctx(), Uint8Array.from([1, 0, 0, 0, 0, 0, 0x20, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 7]), "node", 99);
  assert.throws(() => c.length(), (e: unknown) => e instanceof MetadataError && /node at address 99: the 8-byte value at byte 0 exceeds 2\^53/.test(e.message));
  assert.equal(c.address(), -1, "all ones: the undefined address");
  assert.equal(c.u8(), 7);
  assert.throws(() => c.u8(), (e: unknown) => e instanceof MetadataError && /runs past the end/.test(e.message));
});

test("file reads are bounds-checked (MetadataError), span pages and read large ranges whole", () => {
  const dir = mkdtempSync(join(tmpdir(), "zarrflow-hdf5-reader-"));
  try {
    const data = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff);
    writeFileSync(join(dir, "f"), data);
    const r = openFileReader(join(dir, "f"), "f#x");
    try {
      assert.equal(r.size, 70_000);
      assert.deepEqual(r.read(4090, 20, "a"), data.subarray(4090, 4110));
      assert.deepEqual(r.read(100, 30_000, "b"), data.subarray(100, 30_100));
      assert.deepEqual(r.read(69_990, 10, "c"), data.subarray(69_990));
      for (const [pos, len] of [[69_991, 10], [-1, 2], [2 ** 60, 8], [0, 70_001], [1.5, 2]]) {
        assert.throws(() => r.read(pos, len, "node"), (e: unknown) => e instanceof MetadataError && /^f#x: node: .* outside the file/.test(e.message), `${pos}+${len}`);
      }
    } finally {
      r.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
