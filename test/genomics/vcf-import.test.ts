/**
 * importVcf on the shared VCFs (ex2.vcf, chr22.vcf.gz), every array cross-checked by an
 * independent reader: cyvcf2 (htslib) reads the VCF, zarr-python 2.13 reads the store
 * (vcf-check.py). Also: the cross-check itself catches a wrong value, progress reporting.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { set } from "../../src/array/access.js";
import { openArray } from "../../src/array/node.js";
import { createPool, type ChunkPool } from "../../src/runtime/pool.js";
import { openFsStore } from "../../src/stores/fs.js";
import { crossCheck, importTo, readArray, sharedVcf, values } from "./vcf-helpers.js";

let dir = "";
let pool: ChunkPool;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "zarrflow-vcf-import-"));
  pool = createPool({ threads: 2 });
});
after(async () => {
  await pool.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test("ex2.vcf (VCF 4.1 example): phased/unphased calls, multi-allelic sites, omitted values — equal to cyvcf2", async () => {
  const vcf = sharedVcf("ex2.vcf");
  const { summary, zarr } = await importTo(vcf, dir, "ex2.zarr", { pool });
  assert.equal(summary.variants, 5);
  assert.equal(summary.samples, 3);
  assert.equal(summary.ploidy, 2);
  assert.equal(summary.maxAlleles, 3);
  const r = crossCheck(vcf, zarr);
  assert.deepEqual(r.errors, []);
  assert.equal(r.nskipped, 0);
  assert.equal(r.records, 5);
  assert.deepEqual(r.arrays, [...summary.arrays].sort(), "every array written was checked");
  // A few values spelled out (the spec's conventions, independent of the checker).
  assert.deepEqual(values(await readArray(zarr, "call_genotype_phased")).slice(0, 6), [1, 1, 0, 1, 1, 0]);
  assert.deepEqual(values(await readArray(zarr, "call_HQ")).slice(6, 12), [58, 50, 65, 3, -1, -2], "omitted trailing HQ: missing then fill");
  assert.deepEqual(values(await readArray(zarr, "variant_allele")).slice(9, 12), ["T", "", ""], "ALT '.' has no alleles");
  const af = await readArray(zarr, "variant_AF");
  assert.deepEqual(Array.from(new Int32Array((af.data as Float32Array).buffer)).slice(0, 2), [0x3f000000, 0x7f800002], "Number=A padding is the fill NaN");
  assert.deepEqual(values(await readArray(zarr, "variant_filter")).slice(3, 6), [0, 1, 0], "q10 filter");
});

test("chr22.vcf.gz (bgzip, 10,376 records, contig without ##contig) in 3 variant chunks, progress reported", async () => {
  const vcf = sharedVcf("chr22.vcf.gz");
  const seen: [number, number][] = [];
  const { summary, zarr } = await importTo(vcf, dir, "chr22.zarr", { pool, variantsChunk: 4000, onProgress: (d, t) => seen.push([d, t]) });
  assert.equal(summary.variants, 10376);
  assert.equal(summary.samples, 5);
  assert.deepEqual(summary.warnings, ["contigs without a ##contig line: 22"]);
  const r = crossCheck(vcf, zarr);
  assert.deepEqual(r.errors, []);
  assert.equal(r.records, 10376);
  assert.deepEqual(r.arrays, [...summary.arrays].sort());
  assert.ok(seen.length >= 2);
  const total = seen[0][1];
  assert.ok(seen.every(([d, t], i) => t === total && d <= t && (i === 0 || d >= seen[i - 1][0])), "monotonic, bounded by the total");
  assert.equal(seen.at(-1)![0], total, "both passes read the whole file");
  const idx = await readArray(zarr, "region_index");
  assert.deepEqual(idx.shape, [3, 6]);
  assert.deepEqual(values(idx).filter((_, i) => i % 6 === 5), [4000, 4000, 2376], "records per chunk");
});

test("the cross-check fails on a wrong value (missing vs fill, genotype, phase)", async () => {
  const vcf = sharedVcf("ex2.vcf");
  const { zarr } = await importTo(vcf, dir, "ex2-bad.zarr", { pool });
  const store = await openFsStore(zarr);
  await set(await openArray(store, "call_HQ"), [1, 2, 1], -1, { pool: null }); // fill → missing
  await set(await openArray(store, "call_genotype"), [2, 0, 1], 1, { pool: null });
  await store.close();
  const r = crossCheck(vcf, zarr);
  assert.equal(r.errors.length, 2, r.errors.join("\n"));
  assert.match(r.errors[0], /record 1 .*call_HQ sample 2 \[-1, -1\] != \[-1, -2\]/);
  assert.match(r.errors[1], /record 2 .*GT sample 0/);
});
