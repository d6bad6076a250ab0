/**
 * readHdf5Layout on old-format files (h5py libver='earliest': superblock v0, symbol-table groups,
 * version-1 B-tree chunk indexes), compared with what HDF5 reports through h5py and proven by
 * decoding the chunks at the reported addresses: a dataset deep in groups with 2100 chunks
 * (a multi-level B-tree, ragged edges), chunks never written, gzip / shuffle / fletcher32 / lzf,
 * big-endian and float64 data, fill values, contiguous / compact / scalar datasets, 120 names in
 * one group, soft links, 4-byte offsets and a 512-byte user block.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { NodeNotFoundError } from "../../src/format/errors.js";
import { readHdf5Layout } from "../../src/hdf5/index.js";
import { checkHeader, checkStorage, checkValues, makeFiles, readBytes, skipNoH5py as skip, tempDir, type Entry } from "./expect.js";

let dir = "";
let manifest: Entry[] = [];

before(() => {
  dir = tempDir("earliest");
  if (!skip) manifest = makeFiles("earliest", dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const entry = (file: string, path: string): Entry => manifest.find((e) => e.file === file && e.path === path)!;
const values = (e: Entry): Uint8Array => new Uint8Array(readFileSync(join(dir, e.bin!)));

test("every dataset: shape, datatype, filters, fill value and every chunk's address/size/mask equal HDF5's", { skip }, () => {
  assert.equal(manifest.length, 17);
  for (const e of manifest) {
    const l = readHdf5Layout(join(dir, e.file), e.path);
    checkHeader(l, e);
    checkStorage(l, e);
  }
});

test("chunks decoded at the reported addresses hold the values h5py reads (missing chunks: the fill value)", { skip }, () => {
  let decoded = 0;
  let stored = 0;
  for (const e of manifest.filter((m) => m.layout === "chunked" && m.bin && m.filters.every((f) => f.id <= 3))) {
    decoded += checkValues(join(dir, e.file), readHdf5Layout(join(dir, e.file), e.path), values(e));
    stored += e.numChunks!;
  }
  assert.equal(decoded, stored);
  assert.ok(decoded > 2200, `decoded ${decoded} chunks`);
});

test("a dataset deep in groups with 2100 chunks (multi-level v1 B-tree) and ragged edges", { skip }, () => {
  const l = readHdf5Layout(join(dir, "earliest.h5"), "/3R/calldata/genotype");
  assert.equal(l.storage.kind, "chunked");
  if (l.storage.kind !== "chunked") return;
  assert.deepEqual(l.storage.chunks.grid, [100, 21, 1]);
  assert.ok(l.storage.chunks.address.every((a) => a > 0), "every chunk is stored");
  // Edge chunks are stored whole: the stored size of an uncompressed chunk would be 10*5*2.
  assert.deepEqual(l.filters.map((f) => f.name), ["deflate"]);
});

test("chunks never written are not allocated; the fill value is reported", { skip }, () => {
  const sparse = readHdf5Layout(join(dir, "earliest.h5"), "sparse");
  assert.equal(sparse.storage.kind, "chunked");
  if (sparse.storage.kind !== "chunked") return;
  const stored = [...sparse.storage.chunks.address.keys()].filter((i) => sparse.storage.kind === "chunked" && sparse.storage.chunks.address[i] >= 0);
  assert.deepEqual(stored, [0, 53, 63, 73]);
  assert.deepEqual([...sparse.fillValue!], [0xf9, 0xff, 0xff, 0xff], "-7 little-endian");
  const missing = [...sparse.storage.chunks.size].filter((s, i) => sparse.storage.kind === "chunked" && sparse.storage.chunks.address[i] < 0);
  assert.ok(missing.every((s) => s === 0));
  const never = readHdf5Layout(join(dir, "earliest.h5"), "never");
  assert.ok(never.storage.kind === "chunked" && never.storage.chunks.address.every((a) => a === -1));
  assert.equal(never.fillValue, undefined);
});

test("filters: shuffle+gzip on big-endian int32, gzip+fletcher32 on float64, lzf reported by id and name", { skip }, () => {
  const be = readHdf5Layout(join(dir, "earliest.h5"), "be");
  assert.deepEqual(be.datatype, { class: "integer", size: 4, littleEndian: false, signed: true });
  assert.deepEqual(be.filters.map((f) => [f.id, f.name]), [[2, "shuffle"], [1, "deflate"]]);
  const f64 = readHdf5Layout(join(dir, "earliest.h5"), "f64");
  assert.deepEqual(f64.datatype, { class: "float", size: 8, littleEndian: true, signed: true });
  assert.deepEqual(f64.filters.map((f) => f.id), [1, 3]);
  const lzf = readHdf5Layout(join(dir, "earliest.h5"), "lzf");
  assert.deepEqual(lzf.filters.map((f) => [f.id, f.name]), [[32000, "lzf"]]);
});

test("contiguous, unallocated contiguous, compact and scalar datasets", { skip }, () => {
  const file = join(dir, "earliest.h5");
  const contig = readHdf5Layout(file, "contig");
  assert.equal(contig.storage.kind, "contiguous");
  if (contig.storage.kind === "contiguous") {
    assert.deepEqual(readBytes(file, contig.storage.address, contig.storage.size), values(entry("earliest.h5", "contig")));
  }
  assert.deepEqual(readHdf5Layout(file, "contig_empty").storage, { kind: "contiguous", address: -1, size: 0 });
  const scalar = readHdf5Layout(file, "scalar");
  assert.deepEqual([scalar.shape, scalar.maxShape, scalar.storage.kind], [[], [], "contiguous"]);
  const compact = readHdf5Layout(join(dir, "compact.h5"), "compact");
  assert.equal(compact.storage.kind, "compact");
  if (compact.storage.kind === "compact") assert.deepEqual(compact.storage.data, values(entry("compact.h5", "compact")));
});

test("a group of 120 names (several symbol table nodes) and soft links, absolute and relative", { skip }, () => {
  const file = join(dir, "earliest.h5");
  for (let i = 0; i < 120; i++) {
    const l = readHdf5Layout(file, `many/d${String(i).padStart(3, "0")}`);
    assert.deepEqual(l.shape, [3]);
  }
  const target = readHdf5Layout(file, "3R/calldata/genotype");
  assert.deepEqual(readHdf5Layout(file, "link_to_genotype"), target);
  assert.deepEqual(readHdf5Layout(file, "3R/rel"), target);
  assert.throws(() => readHdf5Layout(file, "dangling"), NodeNotFoundError);
  assert.throws(() => readHdf5Layout(file, "many/d120"), (e: unknown) => e instanceof NodeNotFoundError && /no "d120" in group "many"/.test(e.message));
});

test("4-byte offsets and lengths; a 512-byte user block (addresses are absolute, base applied)", { skip }, () => {
  const small = entry("small-offsets.h5", "a/b");
  assert.ok(checkValues(join(dir, small.file), readHdf5Layout(join(dir, small.file), small.path), values(small)) === 40);
  const ub = entry("userblock.h5", "x");
  const l = readHdf5Layout(join(dir, ub.file), ub.path);
  assert.ok(l.storage.kind === "chunked" && l.storage.chunks.address[0] === (ub.address as number[])[0] + 512);
  assert.equal(checkValues(join(dir, ub.file), l, values(ub)), 20);
  const c = readHdf5Layout(join(dir, ub.file), "c");
  assert.ok(c.storage.kind === "contiguous");
  if (c.storage.kind === "contiguous") assert.deepEqual(readBytes(join(dir, ub.file), c.storage.address, c.storage.size), values(entry("userblock.h5", "c")));
});
