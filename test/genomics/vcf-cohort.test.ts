/**
 * importVcf on the shared cyvcf2 test files (test.vcf.gz: 189 samples, many INFO/FORMAT
 * types; test-haploidX.vcf: haploid calls; test-multiallelic-homozygous-alt.vcf.gz), every
 * array cross-checked against cyvcf2 with zarr-python 2.13 reading the store (vcf-check.py).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createPool, type ChunkPool } from "../../src/runtime/pool.js";
import { crossCheck, importTo, readArray, sharedVcf, values } from "./vcf-helpers.js";

let dir = "";
let pool: ChunkPool;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "zarrflow-vcf-cohort-"));
  pool = createPool({ threads: 2 });
});
after(async () => {
  await pool.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test("test.vcf.gz (115 × 189, Number=R/G/4, String FORMAT, wide Character INFO) with sample chunks of 64", async () => {
  const vcf = sharedVcf("test.vcf.gz");
  const { summary, zarr } = await importTo(vcf, dir, "test.zarr", { pool, samplesChunk: 64, variantsChunk: 50 });
  assert.equal(summary.variants, 115);
  assert.equal(summary.samples, 189);
  const r = crossCheck(vcf, zarr);
  assert.deepEqual(r.errors, []);
  assert.equal(r.nskipped, 0);
  assert.deepEqual(r.arrays, [...summary.arrays].sort());
  const gt = JSON.parse(readFileSync(join(zarr, "call_genotype", ".zarray"), "utf8"));
  assert.deepEqual(gt.chunks, [50, 64, 2]);
  assert.equal(gt.dtype, "|i1");
  assert.equal(gt.compressor.shuffle, 2, "genotypes are bit-shuffled (bio2zarr)");
  const pgt = JSON.parse(readFileSync(join(zarr, "call_PGT", ".zarray"), "utf8"));
  assert.equal(pgt.dtype, "|O");
  assert.deepEqual(pgt.filters, [{ id: "vlen-utf8" }]);
  // Character fields with longer values are kept whole (as strings), with a warning.
  assert.ok(summary.warnings.some((w) => /encode_consensus_helas3 is Type=Character/.test(w)));
  assert.ok(values(await readArray(zarr, "variant_encode_consensus_helas3")).includes("unknown"));
});

test("test-haploidX.vcf: haploid calls (ploidy 1, phased); with ploidy 2 every call is [allele, -2]", async () => {
  const vcf = sharedVcf("test-haploidX.vcf");
  const one = await importTo(vcf, dir, "hx1.zarr", { pool });
  assert.equal(one.summary.ploidy, 1);
  assert.deepEqual(crossCheck(vcf, one.zarr).errors, []);
  const two = await importTo(vcf, dir, "hx2.zarr", { pool, ploidy: 2, variantsChunk: 300 });
  assert.equal(two.summary.ploidy, 2);
  const r = crossCheck(vcf, two.zarr);
  assert.deepEqual(r.errors, []);
  assert.equal(r.records, 777);
  const g1 = values(await readArray(one.zarr, "call_genotype"));
  const g2 = values(await readArray(two.zarr, "call_genotype"));
  assert.equal(g2.length, 2 * g1.length);
  assert.ok(g1.every((a, i) => g2[2 * i] === a && g2[2 * i + 1] === -2), "[a] → [a, -2]");
  assert.ok(g1.includes(-1) && g1.includes(0) && g1.includes(1));
  const mask = values(await readArray(two.zarr, "call_genotype_mask"));
  assert.ok(mask.every((m, i) => m === ((g2[i] as number) < 0 ? 1 : 0)));
  // AD has 3 values where the record has 2 alleles (a GATK artifact): kept, in its own dimension.
  assert.ok(one.summary.warnings.some((w) => /FORMAT\/AD .*FORMAT_AD_dim/.test(w)));
});

test("test-multiallelic-homozygous-alt.vcf.gz: 3 alleles, symbolic <*:DEL>, 2/2 call", async () => {
  const vcf = sharedVcf("test-multiallelic-homozygous-alt.vcf.gz");
  const { summary, zarr } = await importTo(vcf, dir, "multi.zarr", { pool });
  assert.equal(summary.maxAlleles, 3);
  assert.deepEqual(crossCheck(vcf, zarr).errors, []);
  assert.deepEqual(values(await readArray(zarr, "variant_allele")), ["G", "A", "<*:DEL>"]);
  assert.deepEqual(values(await readArray(zarr, "call_genotype")), [2, 2]);
  assert.deepEqual(values(await readArray(zarr, "variant_filter")), [0], "FILTER '.' sets no filter");
});
