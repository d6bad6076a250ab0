/**
 * readHdf5Layout on new-format files (h5py libver='latest': superblock v2/v3, object header v2,
 * link messages, dense groups in fractal heaps, layout v4) against HDF5 through h5py, and by
 * decoding every stored chunk at the reported address. Covers every layout-v4 chunk index:
 * fixed array (plain, paged with pages never written, maximum shape above the shape),
 * extensible array (140,000 chunks: super blocks with paged data blocks and holes; unlimited
 * dimension not first), version-2 B-tree (record types 10 and 11), single chunk (filtered and
 * not) and implicit (allocation early). And a file past 4 GiB (a sparse 4 GiB user block).
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { MetadataError, NodeNotFoundError, UnsupportedError } from "../../src/format/errors.js";
import { readHdf5Layout, type Hdf5DatasetLayout } from "../../src/hdf5/index.js";
import { lookup3 } from "../../src/hdf5/checksum.js";
import { checkHeader, checkStorage, checkValues, indexTypeOf, layoutMessageAt, makeFiles, skipNoH5py as skip, tempDir, type Entry } from "./expect.js";

let dir = "";
let file = "";
let manifest: Entry[] = [];

before(() => {
  dir = tempDir("latest");
  file = join(dir, "latest.h5");
  if (!skip) manifest = makeFiles("latest", dir);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const values = (e: Entry): Uint8Array => new Uint8Array(readFileSync(join(dir, e.bin!)));
const stored = (l: Hdf5DatasetLayout): number[] =>
  l.storage.kind === "chunked" ? [...l.storage.chunks.address.keys()].filter((i) => l.storage.kind === "chunked" && l.storage.chunks.address[i] >= 0) : [];

test("every dataset: header and every chunk's address/size/mask equal HDF5's; every chunk decodes to h5py's values", { skip }, () => {
  assert.equal(manifest.length, 28);
  let decoded = 0;
  for (const e of manifest) {
    const l = readHdf5Layout(join(dir, e.file), e.path);
    checkHeader(l, e);
    checkStorage(l, e);
    if (e.layout === "chunked") decoded += checkValues(join(dir, e.file), l, values(e));
  }
  assert.equal(decoded, manifest.reduce((n, e) => n + (e.numChunks ?? 0), 0));
});

test("the datasets use the chunk indexes they are meant to test", { skip }, () => {
  const want: Record<string, string> = {
    fixed: "fixed", paged: "fixed", fixed_max: "fixed", ea: "extensible", ea_2d: "extensible", ea_dim1: "extensible",
    bt2: "btree2", bt2_gzip: "btree2", single: "single", single_gzip: "single", implicit: "implicit", implicit_max: "implicit", contig: "contiguous",
  };
  for (const [path, type] of Object.entries(want)) assert.equal(indexTypeOf(file, path), type, path);
});

test("fixed array: paged data block with pages never written; maximum shape above the shape", { skip }, () => {
  // 40 x 30 chunks, 1024 a page: chunks 0..1023 on page 0, 1024..1199 on page 1.
  assert.deepEqual(stored(readHdf5Layout(file, "paged_first")), [0, 1, 2, 3, 4]);
  const last = stored(readHdf5Layout(file, "paged_last"));
  assert.equal(last.length, 40);
  assert.ok(last.every((i) => i >= 1140), "only chunks of the second page");
  const grow = readHdf5Layout(file, "fixed_max");
  assert.deepEqual(grow.maxShape, [100, 80]);
  assert.ok(grow.storage.kind === "chunked" && grow.storage.chunks.grid.join() === "5,5");
  assert.equal(stored(grow).length, 25);
});

test("extensible array of 140,000 chunks: paged super-block data blocks, holes never written", { skip }, () => {
  const l = readHdf5Layout(file, "ea");
  const s = stored(l);
  assert.equal(s.length, 133000 + (139000 - 135200));
  assert.equal(s[132999], 132999);
  assert.equal(s[133000], 135200, "the hole [133000, 135200) is not allocated");
  assert.equal(s[s.length - 1], 138999);
  // Every stored chunk is one int32 (its values were checked against h5py's above).
  const chunks = l.storage.kind === "chunked" ? l.storage.chunks : undefined;
  assert.ok(chunks);
  assert.ok(chunks.size.every((v, i) => v === (chunks.address[i] >= 0 ? 4 : 0)));
});

test("version-2 B-tree: unfiltered (type 10) and filtered (type 11) records", { skip }, () => {
  const bt2 = readHdf5Layout(file, "bt2");
  assert.equal(stored(bt2).length, 500);
  const gz = readHdf5Layout(file, "bt2_gzip");
  assert.deepEqual(gz.filters.map((f) => f.name), ["deflate", "fletcher32"]);
  assert.equal(stored(gz).length, 15 * 26, "rows 150..199 never written");
});

test("single chunk (with and without filters, and never written) and implicit index with a fill value", { skip }, () => {
  const single = readHdf5Layout(file, "single");
  assert.ok(single.storage.kind === "chunked" && single.storage.chunks.size[0] === 33 * 17 * 4);
  const gz = readHdf5Layout(file, "single_gzip");
  assert.ok(gz.storage.kind === "chunked" && gz.storage.chunks.size[0] < 33 * 17 * 4);
  assert.deepEqual(stored(readHdf5Layout(file, "single_empty")), []);
  // Maximum shape (50, 60) above the shape (35, 48): chunks are numbered over the 5 x 6 grid.
  const wide = readHdf5Layout(file, "implicit_max");
  assert.ok(wide.storage.kind === "chunked" && wide.storage.chunks.address[5] === wide.storage.chunks.address[0] + 6 * 400);
  const implicit = readHdf5Layout(file, "implicit");
  assert.deepEqual([...implicit.fillValue!], [42, 0, 0, 0]);
  assert.ok(implicit.storage.kind === "chunked");
  if (implicit.storage.kind === "chunked") {
    const a = implicit.storage.chunks.address;
    assert.ok([...a].every((v, i) => v === a[0] + i * 400), "implicit chunks lie back to back");
  }
});

test("dense groups (fractal heap + name index), creation-order tracking, soft links, committed datatype", { skip }, () => {
  for (let i = 0; i < 50; i++) {
    const l = readHdf5Layout(file, `/many/ds${String(i).padStart(2, "0")}`);
    assert.equal(checkValues(file, l, new Uint8Array(new Int32Array(12).fill(i).buffer)), 2, `many/ds${i}`);
  }
  for (let i = 0; i < 50; i += 7) assert.deepEqual(readHdf5Layout(file, `ordered/z${String(i).padStart(2, "0")}_with_a_longer_name`).shape, [6]);
  assert.deepEqual(readHdf5Layout(file, "soft"), readHdf5Layout(file, "many/ds07"));
  assert.deepEqual(readHdf5Layout(file, "many/up/z05_with_a_longer_name"), readHdf5Layout(file, "ordered/z05_with_a_longer_name"));
  assert.deepEqual(readHdf5Layout(file, "committed").datatype, { class: "integer", size: 2, littleEndian: true, signed: true });
  assert.deepEqual(readHdf5Layout(file, "strings").datatype, { class: "other", size: 7, littleEndian: true, signed: false });
  assert.deepEqual(readHdf5Layout(file, "compound").datatype, { class: "other", size: 12, littleEndian: true, signed: false });
});

test("layout flag 'partial edge chunks unfiltered': those chunks report every filter as skipped", { skip }, () => {
  // h5py cannot set the flag (H5Pset_chunk_opts): set it in a copy and fix the header's checksum.
  const b = new Uint8Array(readFileSync(file));
  const { header, body } = layoutMessageAt(file, "fixed");
  assert.deepEqual([b[body], b[body + 1], b[body + 2]], [4, 2, 0], "layout v4, chunked, no flags");
  b[body + 2] = 1;
  const flags = b[header + 5];
  const prefix = 6 + (flags & 0x20 ? 16 : 0) + (flags & 0x10 ? 4 : 0);
  const sizeBytes = 1 << (flags & 3);
  let chunk0 = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) chunk0 = chunk0 * 256 + b[header + prefix + i];
  const end = header + prefix + sizeBytes + chunk0;
  assert.ok(body < end, "the layout message is in the header's first block");
  new DataView(b.buffer).setUint32(end, lookup3(b.subarray(header, end)), true);
  const patched = join(dir, "edge-flag.h5");
  writeFileSync(patched, b);
  const l = readHdf5Layout(patched, "fixed");
  assert.ok(l.storage.kind === "chunked");
  // 95 x 100 in 10 x 10 chunks: the last chunk row is partial, no column is.
  assert.deepEqual([...l.storage.chunks.filterMask], Array.from({ length: 100 }, (_, i) => (i >= 90 ? 1 : 0)));
});

test("a file past 4 GiB: addresses above 2^32 are read and reported exactly", { skip }, () => {
  for (const path of ["x", "y"]) {
    const l = readHdf5Layout(join(dir, "big.h5"), path);
    assert.ok(l.storage.kind === "chunked");
    assert.ok([...l.storage.chunks.address].every((a) => a > 2 ** 32), path);
  }
});

test("a dense group of 20,000 links (child indirect blocks in the heap, a 2-level name index)", { skip }, () => {
  const single = readHdf5Layout(file, "single");
  const fixed = readHdf5Layout(file, "fixed");
  for (let i = 0; i < 20000; i += 97) {
    const l = readHdf5Layout(file, `huge/link_${String(i).padStart(5, "0")}_${"x".repeat(30)}`);
    assert.deepEqual(l, i % 1000 === 7 ? single : fixed, `link ${i}`);
  }
  for (let i = 7; i < 20000; i += 1000) assert.deepEqual(readHdf5Layout(file, `huge/link_${String(i).padStart(5, "0")}_${"x".repeat(30)}`), single);
  assert.throws(() => readHdf5Layout(file, `huge/link_20000_${"x".repeat(30)}`), NodeNotFoundError);
});

test("typed errors: missing names, groups, paths through datasets, soft-link loops, external links", { skip }, () => {
  const notFound = (path: string, re: RegExp) =>
    assert.throws(() => readHdf5Layout(file, path), (e: unknown) => e instanceof NodeNotFoundError && re.test(e.message) && e.message.includes(`${file}#${path}`));
  notFound("many/ds50", /no "ds50" in group "many"/);
  notFound("many", /is a group, not a dataset/);
  notFound("/", /is a group/);
  notFound("fixed/inside", /"fixed" is not a group/);
  assert.throws(() => readHdf5Layout(file, "loop_a"), (e: unknown) => e instanceof MetadataError && /cycle of soft links/.test(e.message));
  assert.throws(() => readHdf5Layout(file, "ext"), (e: unknown) => e instanceof UnsupportedError && e.feature === "external link");
  assert.throws(() => readHdf5Layout(file, "external_storage"), (e: unknown) => e instanceof UnsupportedError && e.feature === "external storage");
  assert.throws(() => readHdf5Layout(file, "virtual"), (e: unknown) => e instanceof UnsupportedError && e.feature === "virtual dataset layout");
});
