/**
 * The genomics commands end to end: `count-alleles` over Zarr groups/arrays and HDF5 (totals
 * and `--out` checked with numpy/zarr-python), the layouts' allele metadata, and `story` on a
 * small demo size (both sources agree, the profile page is written).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { python, tempDir } from "../interop/python.js";
import { REPO } from "../paths.js";

const CLI = join(REPO, "dist", "src", "cli", "main.js");

function zarrflow(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
}
function ok(...args: string[]): string {
  const r = zarrflow(...args);
  if (r.status !== 0) throw new Error(`zarrflow ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

let dir = "";
/** numpy's answers over the demo Zarr copy: per-allele totals (0..3), variant and segregating sites, and counts of samples 0,2,5. */
let ref: { totals: number[]; variant: number; segregating: number; subTotals: number[] };

before(() => {
  assert.ok(existsSync(CLI), `build first: ${CLI}`);
  dir = tempDir("genomics-cli");
  ok("demo-data", dir, "--variants", "15000", "--samples", "60", "--seed", "3", "--formats", "zarr,hdf5");
  const out = python(["-c", `
import zarr, numpy as np, json, sys
g = zarr.open(sys.argv[1], mode="r")["calldata/GT"][:]
ac = np.stack([(g == a).sum(axis=(1, 2)) for a in range(4)], axis=1)
sub = np.stack([(g[:, [0, 2, 5]] == a).sum(axis=(1, 2)) for a in range(4)], axis=1)
print(json.dumps({"totals": ac.sum(axis=0).tolist(), "variant": int((ac[:, 1:] > 0).any(axis=1).sum()),
  "segregating": int(((ac > 0).sum(axis=1) > 1).sum()), "subTotals": sub.sum(axis=0).tolist()}))
`, join(dir, "genotypes.zarr")]);
  ref = JSON.parse(out);
});

test("count-alleles --json on a Zarr group and on the HDF5 copy equals numpy", () => {
  for (const loc of [join(dir, "genotypes.zarr"), `${join(dir, "genotypes.h5")}#calldata/genotype`, `${join(dir, "genotypes.h5")}#calldata`]) {
    const r = JSON.parse(ok("count-alleles", loc, "--json", "--max-allele", "3", "--workers", "2"));
    assert.deepEqual(r.alleleTotals, ref.totals, loc);
    assert.equal(r.variantSites, ref.variant, loc);
    assert.equal(r.segregatingSites, ref.segregating, loc);
    assert.equal(r.maxAlleleFrom, "option");
  }
  // Without --max-allele the demo data's variants/ALT (3 columns) says it, in both formats.
  const r = JSON.parse(ok("count-alleles", join(dir, "genotypes.zarr") + "#calldata/GT", "--json", "--subpop", "0,2,5", "--workers", "0"));
  assert.equal(r.maxAllele, 3);
  assert.equal(r.maxAlleleFrom, "metadata");
  assert.deepEqual(r.alleleTotals, ref.subTotals);
  const h = JSON.parse(ok("count-alleles", join(dir, "genotypes.h5"), "--json"));
  assert.deepEqual([h.maxAllele, h.maxAlleleFrom], [3, "metadata"]);
});

test("count-alleles --out writes int32 counts zarr-python reads; text output and profile page", () => {
  const out = join(dir, "counts.zarr");
  const page = join(dir, "ca.html");
  const text = ok("count-alleles", join(dir, "genotypes.zarr"), "--max-allele", "3", "--out", out, "--profile", page, "--quiet");
  assert.match(text, /alleles\s+0: [\d,]+\s+1: [\d,]+/);
  assert.match(text, new RegExp(`${ref.segregating.toLocaleString("en-US")} segregating`));
  assert.ok(readFileSync(page, "utf8").includes("<svg"), "profile page has plots");
  const check = python(["-c", `
import zarr, numpy as np, sys
g = zarr.open(sys.argv[1], mode="r")["calldata/GT"][:]
c = zarr.open(sys.argv[2], mode="r")
ac = np.stack([(g == a).sum(axis=(1, 2)) for a in range(4)], axis=1)
assert c.dtype == np.int32, c.dtype
assert c.shape == ac.shape, (c.shape, ac.shape)
assert (c[:] == ac).all()
print("ok")
`, join(dir, "genotypes.zarr"), out]);
  assert.equal(check.trim(), "ok");
});

test("import-hdf5 copies the demo HDF5 file to Zarr; counts from the copy equal numpy's", () => {
  const out = join(dir, "imported.zarr");
  const text = ok("import-hdf5", join(dir, "genotypes.h5"), out, "--quiet");
  // The calls and the site and sample arrays beside them (POS, REF, ALT, samples).
  assert.match(text, /3 groups, 5 arrays/);
  const r = JSON.parse(ok("count-alleles", out, "--json"));
  assert.equal(r.where, `${out}#calldata/genotype`);
  assert.deepEqual([r.maxAllele, r.maxAlleleFrom], [3, "metadata"], "variants/ALT came along");
  assert.deepEqual(r.alleleTotals, ref.totals);
});

test("import-vcf then count-alleles equals cyvcf2's allele counts (mixed ploidy on chrX, 1000 Genomes chr22)", () => {
  const vcfDir = join(REPO, "..", "shared", "vcf");
  for (const name of ["test-haploidX.vcf", "chr22.vcf.gz"]) {
    const out = join(dir, `${name}.zarr`);
    ok("import-vcf", join(vcfDir, name), out, "--quiet");
    const r = JSON.parse(ok("count-alleles", out, "--json"));
    assert.equal(r.maxAlleleFrom, "metadata");
    const want = JSON.parse(python(["-c", `
import cyvcf2, json, sys
totals = [0] * (${r.maxAllele} + 1)
for v in cyvcf2.VCF(sys.argv[1]):
    for call in v.genotypes:
        for a in call[:-1]:
            if 0 <= a < len(totals): totals[a] += 1
print(json.dumps(totals))
`, join(vcfDir, name)]));
    assert.deepEqual(r.alleleTotals, want, name);
  }
});

test("the layouts' allele arrays give maxAllele without a pass (scikit-allel variants/ALT, VCF Zarr variant_allele)", () => {
  const d = tempDir("layouts");
  python(["-c", `
import zarr, numpy as np, sys
g = np.array([[[0, 1], [1, 1]], [[0, 0], [-1, -1]], [[2, 0], [0, 0]]], dtype="i1")
root = zarr.open_group(sys.argv[1] + "/allel.zarr", mode="w")
root.create_dataset("3R/calldata/GT", data=g, chunks=(2, 2, 2))
root.create_dataset("3R/variants/ALT", data=np.array([[b"T", b"", b""]] * 3, dtype="S1"))
v = zarr.open_group(sys.argv[1] + "/vcf.zarr", mode="w")
v.create_dataset("call_genotype", data=g, chunks=(2, 2, 2))
v.create_dataset("variant_allele", data=np.array([["A", "T", "G", "C", "N"]] * 3, dtype=object), object_codec=__import__("numcodecs").VLenUTF8())
`, d]);
  const allel = JSON.parse(ok("count-alleles", `${join(d, "allel.zarr")}#3R`, "--json"));
  assert.equal(allel.maxAlleleFrom, "metadata");
  assert.equal(allel.maxAllele, 3);
  assert.deepEqual(allel.alleleTotals, [6, 3, 1, 0]);
  const vcf = JSON.parse(ok("count-alleles", join(d, "vcf.zarr"), "--json"));
  assert.equal(vcf.maxAllele, 4);
  assert.deepEqual(vcf.alleleTotals, [6, 3, 1, 0, 0]);
  assert.equal(vcf.segregatingSites, 2);
  // scikit-allel HDF5 (h5py): ALT holds byte strings; its shape comes from the file's structure.
  python(["-c", `
import h5py, numpy as np, sys
g = np.array([[[0, 1], [1, 1]], [[0, 0], [-1, -1]], [[2, 0], [0, 0]]], dtype="i1")
with h5py.File(sys.argv[1] + "/allel.h5", "w") as f:
    f.create_dataset("3R/calldata/genotype", data=g, chunks=(2, 2, 2), compression="gzip")
    f.create_dataset("3R/variants/ALT", data=np.array([[b"T", b"", b""]] * 3, dtype="S1"))
    f.create_dataset("2L/calldata/genotype", data=g)
`, d]);
  const h5 = JSON.parse(ok("count-alleles", `${join(d, "allel.h5")}#3R`, "--json"));
  assert.deepEqual([h5.maxAllele, h5.maxAlleleFrom, h5.alleleTotals], [3, "metadata", [6, 3, 1, 0]]);
  // No ALT beside the calls: the data decides, with one more pass.
  const bare = JSON.parse(ok("count-alleles", `${join(d, "allel.h5")}#2L`, "--json"));
  assert.deepEqual([bare.maxAllele, bare.maxAlleleFrom, bare.alleleTotals], [2, "data", [6, 3, 1]]);
});

test("count-alleles: clear errors for a location without genotypes and bad options", () => {
  const none = zarrflow("count-alleles", join(dir, "nothing-here.zarr"));
  assert.notEqual(none.status, 0);
  assert.match(none.stderr, /zarrflow: \w*Error/);
  const group = zarrflow("count-alleles", `${join(dir, "genotypes.zarr")}#`, "--json");
  assert.equal(group.status, 0, group.stderr);
  const bad = zarrflow("count-alleles", join(dir, "genotypes.zarr"), "--subpop", "1,x");
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--subpop/);
  const far = zarrflow("count-alleles", join(dir, "genotypes.zarr"), "--subpop", "60", "--max-allele", "3");
  assert.notEqual(far.status, 0);
  assert.match(far.stderr, /sample index 60 is out of range/);
  // Not HDF5 / not VCF: the reason, and a failed import leaves no output directory behind.
  const junk = join(dir, "junk.h5");
  writeFileSync(junk, "not hdf5");
  const notH5 = zarrflow("count-alleles", junk);
  assert.match(notH5.stderr, /StoreError: .*not an HDF5 file/);
  const imp = zarrflow("import-hdf5", junk, join(dir, "junk-out.zarr"));
  assert.notEqual(imp.status, 0);
  assert.equal(existsSync(join(dir, "junk-out.zarr")), false);
  const vcf = join(dir, "junk.vcf");
  writeFileSync(vcf, "chr1\t1\t.\tA\tT\n");
  const impVcf = zarrflow("import-vcf", vcf, join(dir, "junk-vcf.zarr"));
  assert.match(impVcf.stderr, /VcfError: .*junk\.vcf:1: /);
  assert.equal(existsSync(join(dir, "junk-vcf.zarr")), false);
});

test("story: demo data, counts from HDF5 and Zarr agree, side-by-side timings, a profile page", () => {
  const d = tempDir("story");
  const first = ok("story", d, "--variants", "8000", "--samples", "40", "--workers", "2", "--quiet");
  assert.match(first, /making demo data/);
  assert.match(first, /results agree/);
  assert.match(first, /HDF5\s+[\d.]+ s/);
  assert.match(first, /Zarr\s+[\d.]+ s/);
  const page = readFileSync(join(d, "profile.html"), "utf8");
  assert.ok(page.includes("<svg"));
  // A second run reuses the data it made.
  const again = ok("story", d, "--variants", "8000", "--samples", "40", "--workers", "2", "--quiet");
  assert.match(again, /demo data already in/);
});
