/**
 * importVcf on small hand-written VCFs for the cases the shared files lack: mixed ploidy in
 * one record, END, flags, Number=A/R/G/2/. with "." everywhere, Character as U1, undeclared
 * fields, VCF 4.4 leading phase, CRLF, sites-only and empty files, field selection,
 * overwrite, and Zarr v3 output (read back by zarrita).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import * as zarrita from "zarrita";
import { FileSystemStore } from "@zarrita/storage";
import { ZarrError } from "../../src/format/errors.js";
import { crossCheck, importTo, readArray, sharedVcf, values, writeVcf } from "./vcf-helpers.js";

let dir = "";
before(() => { dir = mkdtempSync(join(tmpdir(), "zarrflow-vcf-edge-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

const M = 0x7f800001, F = 0x7f800002; // float32 missing / fill bit patterns
const floatBits = async (zarr: string, name: string) => Array.from(new Int32Array(((await readArray(zarr, name)).data as Float32Array).slice().buffer));

const HEADER = [
  "##fileformat=VCFv4.3",
  "##contig=<ID=chr1,length=1000>",
  "##contig=<ID=chrX,length=2000>",
  '##FILTER=<ID=LowQual,Description="Low, \\"quality\\"">',
  '##INFO=<ID=END,Number=1,Type=Integer,Description="End">',
  '##INFO=<ID=DB,Number=0,Type=Flag,Description="dbSNP">',
  '##INFO=<ID=AC,Number=A,Type=Integer,Description="x">',
  '##INFO=<ID=AF,Number=A,Type=Float,Description="x">',
  '##INFO=<ID=NS,Number=1,Type=Integer,Description="x">',
  '##INFO=<ID=CIPOS,Number=2,Type=Integer,Description="x">',
  '##INFO=<ID=TAG,Number=.,Type=String,Description="x">',
  '##INFO=<ID=CH,Number=1,Type=Character,Description="x">',
  '##FORMAT=<ID=GT,Number=1,Type=String,Description="x">',
  '##FORMAT=<ID=PL,Number=G,Type=Integer,Description="x">',
  '##FORMAT=<ID=GP,Number=G,Type=Float,Description="x">',
  '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="x">',
  '##FORMAT=<ID=FT,Number=1,Type=String,Description="x">',
  "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1\ts2\ts3",
];
const ROWS = [
  ["chr1", "100", "rs1", "A", "C", "50", "PASS", "DB;AC=1;AF=0.5;NS=3;CIPOS=-5,5;TAG=a,b;CH=x", "GT:PL:GP:AD:FT", "0/1:10,0,20:0.1,0.8,0.1:5,6:ok", "1|1:.:.:.:.", "./.:1,2,3:.,.,.:.,.:ok"],
  ["chr1", "200", ".", "AT", "A,ATT,T", ".", "LowQual", "END=250;AC=1,2,.;AF=.;NS=.", "GT:PL", "0/2:1,2,3,4,5,6,7,8,9,10", "3|1:.", ".:1"],
  ["chrX", "300", ".", "G", "T", "10", "LowQual", ".", "GT:AD", "1:3,4", "0:5", "1/0:1,1"],
  ["chrX", "400", "rs4;rs5", "C", "G,T", "20.5", ".", "CH=.;TAG=.", "GT", "2", ".", "0|1"],
  ["chrX", "500", ".", "T", ".", "1e1", "PASS", "CIPOS=.,3", "GT:FT", "0:a", "0:b", ".:c"],
];

test("mixed ploidy, END, flags, Number=A/R/G/2/., '.' everywhere: equal to cyvcf2, values as the spec says", async () => {
  const vcf = writeVcf(dir, "mixed.vcf", HEADER, ROWS);
  const { summary, zarr } = await importTo(vcf, dir, "mixed.zarr", { pool: null, variantsChunk: 2 });
  assert.equal(summary.ploidy, 2);
  assert.equal(summary.maxAlleles, 4);
  const r = crossCheck(vcf, zarr);
  assert.deepEqual(r.errors, []);
  assert.equal(r.nskipped, 0);
  assert.deepEqual(r.arrays, [...summary.arrays].sort());
  const gt = values(await readArray(zarr, "call_genotype"));
  assert.deepEqual(gt.slice(12, 18), [1, -2, 0, -2, 1, 0], "haploid calls beside a diploid one are padded with -2");
  assert.deepEqual(gt.slice(6, 12), [0, 2, 3, 1, -1, -2], "'.' is one missing allele then fill");
  assert.deepEqual(values(await readArray(zarr, "call_genotype_phased")), [0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1], "one-allele calls count as phased");
  assert.deepEqual(values(await readArray(zarr, "variant_length")), [1, 51, 1, 1, 1], "END sets the length");
  assert.deepEqual(values(await readArray(zarr, "variant_DB")), [1, 0, 0, 0, 0]);
  assert.deepEqual(values(await readArray(zarr, "variant_AC")), [1, -2, -2, 1, 2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1]);
  assert.deepEqual((await floatBits(zarr, "variant_AF")).slice(0, 6), [0x3f000000, F, F, M, M, M], "AF=. is all missing");
  assert.deepEqual(values(await readArray(zarr, "variant_CIPOS")), [-5, 5, -1, -1, -1, -1, -1, -1, -1, 3]);
  assert.deepEqual(values(await readArray(zarr, "variant_NS")), [3, -1, -1, -1, -1]);
  assert.deepEqual(values(await readArray(zarr, "variant_TAG")), ["a", "b", ".", ".", ".", ".", ".", "", ".", "."]);
  assert.deepEqual(values(await readArray(zarr, "variant_id")), ["rs1", ".", ".", "rs4;rs5", "."]);
  const ch = JSON.parse(readFileSync(join(zarr, "variant_CH", ".zarray"), "utf8"));
  assert.equal(ch.dtype, "<U1", "Character → U1 when every value is one character");
  const pl = await readArray(zarr, "call_PL");
  assert.deepEqual(pl.shape, [5, 3, 10], "Number=G: genotypes of 4 alleles, diploid");
  assert.deepEqual(values(pl).slice(10, 20), [-1, -2, -2, -2, -2, -2, -2, -2, -2, -2], "sample value '.': missing then fill");
  assert.deepEqual((await floatBits(zarr, "call_GP")).slice(20, 23), [M, M, M]);
  assert.deepEqual(values(await readArray(zarr, "call_FT")).slice(12, 15), ["a", "b", "c"]);
  assert.deepEqual(values(await readArray(zarr, "variant_filter")), [1, 0, 0, 1, 0, 1, 0, 0, 1, 0], "filter_id = [PASS, LowQual]");
  assert.deepEqual(values(await readArray(zarr, "filter_description")), ["All filters passed", 'Low, "quality"']);
  assert.deepEqual(values(await readArray(zarr, "region_index")), [0, 0, 100, 200, 250, 2, 1, 1, 300, 400, 400, 2, 2, 1, 500, 500, 500, 1]);
});

test("VCF 4.4 leading phase, CRLF without a final newline, undeclared INFO/FORMAT fields, omitted string values, FORMAT '.'", async () => {
  const header = ["##fileformat=VCFv4.4", '##FORMAT=<ID=GT,Number=1,Type=String,Description="x">', '##FORMAT=<ID=PS,Number=1,Type=String,Description="x">', "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ta\tb"];
  const rows = [
    ["1", "5", ".", "A", "G", ".", ".", "XX=1,2;YY", "GT:PS:ZZ", "|1:p:7", "/0"],
    ["1", "6", ".", "A", "G", ".", "weird", "YY", ".", ".", "."],
    ["2", "7", ".", "A", "G", ".", ".", "XX=3", "GT", "0/1", "1|0"],
  ];
  const lf = writeVcf(dir, "odd.vcf", header, rows);
  const crlf = join(dir, "odd-crlf.vcf");
  writeFileSync(crlf, readFileSync(lf, "utf8").replace(/\n/g, "\r\n").replace(/\r\n$/, "")); // and no final newline
  const a = await importTo(lf, dir, "odd.zarr", { pool: null });
  const b = await importTo(crlf, dir, "odd-crlf.zarr", { pool: null });
  assert.deepEqual(a.summary.arrays, b.summary.arrays);
  for (const name of a.summary.arrays) assert.deepEqual(values(await readArray(b.zarr, name)), values(await readArray(a.zarr, name)), `CRLF: ${name}`);
  const z = a.zarr;
  assert.deepEqual(values(await readArray(z, "call_genotype")), [1, -2, 0, -2, -1, -1, -1, -1, 0, 1, 1, 0]);
  assert.deepEqual(values(await readArray(z, "call_genotype_phased")), [1, 0, 0, 0, 0, 1], '"|1" phased, "/0" not (VCF 4.4)');
  assert.deepEqual(values(await readArray(z, "call_PS")), ["p", ".", ".", ".", ".", "."], "omitted → '.'");
  assert.deepEqual(values(await readArray(z, "call_ZZ")), ["7", ".", ".", ".", ".", "."], "undeclared FORMAT: a string");
  assert.deepEqual(values(await readArray(z, "variant_XX")), ["1", "2", ".", ".", "3", ""], "undeclared INFO: strings");
  assert.deepEqual(values(await readArray(z, "variant_YY")), [1, 1, 0], "undeclared INFO without a value: a flag");
  assert.deepEqual(values(await readArray(z, "contig_id")), ["1", "2"]);
  assert.deepEqual(values(await readArray(z, "filter_id")), ["PASS", "weird"]);
  assert.ok(!a.summary.arrays.includes("contig_length"), "no lengths known");
  assert.equal(a.summary.warnings.length, 5, a.summary.warnings.join("\n"));
});

test("sites-only (8 columns), FORMAT without samples (9), and a header-only file", async () => {
  const base = ["##fileformat=VCFv4.2", '##INFO=<ID=DP,Number=1,Type=Integer,Description="x">'];
  const sites = writeVcf(dir, "sites.vcf", [...base, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"], [["1", "1", ".", "A", "T", ".", ".", "DP=4"]]);
  const s = await importTo(sites, dir, "sites.zarr", { pool: null });
  assert.equal(s.summary.samples, 0);
  assert.ok(!s.summary.arrays.some((n) => n.startsWith("call_")));
  assert.deepEqual(values(await readArray(s.zarr, "variant_DP")), [4]);
  assert.deepEqual(crossCheck(sites, s.zarr).errors, []);
  const nine = writeVcf(dir, "nine.vcf", [...base, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT"], [["1", "1", ".", "A", "T", ".", ".", "DP=4", "GT"]]);
  assert.equal((await importTo(nine, dir, "nine.zarr", { pool: null })).summary.variants, 1);
  const empty = writeVcf(dir, "empty.vcf", [...base, "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tx"], []);
  const e = await importTo(empty, dir, "empty.zarr", { pool: null });
  assert.equal(e.summary.variants, 0);
  assert.deepEqual((await readArray(e.zarr, "variant_position")).shape, [0]);
  assert.deepEqual((await readArray(e.zarr, "region_index")).shape, [0, 6]);
  assert.deepEqual(crossCheck(empty, e.zarr).errors, []);
});

test("field selection and overwrite", async () => {
  const vcf = sharedVcf("ex2.vcf");
  const inc = await importTo(vcf, dir, "sel.zarr", { pool: null, fields: { include: ["INFO/DP", "FORMAT/GQ"] } });
  assert.deepEqual(inc.summary.arrays.filter((n) => /^(variant|call)_[A-Z]/.test(n)).sort(), ["call_GQ", "variant_DP"]);
  assert.ok(!inc.summary.arrays.includes("call_genotype"), "GT not included");
  const exc = await importTo(vcf, dir, "sel2.zarr", { pool: null, fields: { exclude: ["FORMAT/GT", "INFO/AF"] } });
  assert.ok(!exc.summary.arrays.includes("call_genotype") && !exc.summary.arrays.includes("variant_AF") && exc.summary.arrays.includes("call_HQ"));
  assert.equal(exc.summary.ploidy, 0);
  await assert.rejects(importTo(vcf, dir, "sel.zarr", { pool: null }), (e: unknown) => e instanceof ZarrError && /already exists/.test((e as Error).message));
  const again = await importTo(vcf, dir, "sel.zarr", { pool: null, overwrite: true });
  assert.ok(again.summary.arrays.includes("call_genotype"));
  assert.deepEqual(crossCheck(vcf, again.zarr).errors, [], "nothing of the first import is left over");
});

test("Zarr v3: the same values as v2, dimension_names, readable by zarrita", async () => {
  const vcf = sharedVcf("ex2.vcf");
  const v2 = await importTo(vcf, dir, "v2.zarr", { pool: null });
  const v3 = await importTo(vcf, dir, "v3.zarr", { pool: null, zarrFormat: 3 });
  assert.deepEqual(v3.summary.arrays, v2.summary.arrays);
  for (const name of v2.summary.arrays) assert.deepEqual(values(await readArray(v3.zarr, name)), values(await readArray(v2.zarr, name)), name);
  const meta = JSON.parse(readFileSync(join(v3.zarr, "call_HQ", "zarr.json"), "utf8"));
  assert.deepEqual(meta.dimension_names, ["variants", "samples", "FORMAT_HQ_dim"]);
  const root = zarrita.root(new FileSystemStore(v3.zarr));
  const gt = await zarrita.get(await zarrita.open.v3(root.resolve("call_genotype"), { kind: "array" }));
  assert.deepEqual(Array.from(gt.data as Int8Array), values(await readArray(v2.zarr, "call_genotype")));
  const g = await zarrita.open.v3(root, { kind: "group" });
  assert.equal(g.attrs.vcf_zarr_version, "0.4");
});
