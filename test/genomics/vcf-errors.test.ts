/**
 * Bad input to importVcf: every case rejects with a VcfError naming the file and the line
 * (never a hang, never a store with wrong values), and a failed import leaves no files.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import { VcfError } from "../../src/genomics/vcf/index.js";
import { importTo, sharedVcf } from "./vcf-helpers.js";

let dir = "";
before(() => { dir = mkdtempSync(join(tmpdir(), "zarrflow-vcf-errors-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

const EX2 = () => readFileSync(sharedVcf("ex2.vcf"), "utf8");
/** ex2.vcf has 22 header lines; its records are lines 23..27. */
const FIRST = 23;

/** ex2.vcf with record `i` (0-based) replaced. */
function withRecord(i: number, replace: (cols: string[]) => string[]): string {
  const lines = EX2().split("\n");
  lines[FIRST - 1 + i] = replace(lines[FIRST - 1 + i].split("\t")).join("\t");
  return lines.join("\n");
}

function files(p: string): string[] {
  try {
    return readdirSync(p, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
  } catch { return []; }
}

/** Import `text` (or bytes) and expect a VcfError at `line` whose message matches `re`; the target must end with no files. */
async function rejects(name: string, content: string | Uint8Array, line: number | undefined | ((l: number) => boolean), re: RegExp): Promise<VcfError> {
  const file = join(dir, name);
  writeFileSync(file, content);
  let err: unknown;
  await importTo(file, dir, `${name}.zarr`, { pool: null, variantsChunk: 2 }).catch((e: unknown) => { err = e; });
  assert.ok(err instanceof VcfError, `${name}: expected a VcfError, got ${String(err)}`);
  assert.equal(err.file, file);
  if (typeof line === "function") assert.ok(err.line !== undefined && line(err.line), `${name}: line ${err.line}`);
  else assert.equal(err.line, line, `${name}: ${err.message}`);
  assert.match(err.message, re);
  assert.ok(err.message.startsWith(err.line === undefined ? `${file}: ` : `${file}:${err.line}: `), err.message);
  assert.deepEqual(files(join(dir, `${name}.zarr`)), [], `${name}: a failed import leaves no files`);
  return err;
}

test("truncated and corrupt gzip", async () => {
  const gz = readFileSync(sharedVcf("chr22.vcf.gz"));
  // The line named is the one after the last whole line inflated (about 1/5 of 10,376 records here).
  const inData = (l: number) => l > 40 && l < 10_376;
  await rejects("trunc.vcf.gz", gz.subarray(0, 100_000), inData, /truncated or corrupt gzip data: unexpected end of file/);
  const bad = Buffer.from(gz);
  for (let i = 200_000; i < 200_050; i++) bad[i] ^= 0x55;
  await rejects("corrupt.vcf.gz", bad, inData, /truncated or corrupt gzip data/);
  // A small gzip cut inside its deflate stream (no bgzip blocks).
  const small = gzipSync(EX2());
  await rejects("cut.vcf.gz", small.subarray(0, small.length - 20), (l) => l >= 1 && l <= 28, /truncated or corrupt gzip data/);
});

test("wrong column counts", async () => {
  await rejects("few.vcf", withRecord(2, (c) => c.slice(0, 5)), FIRST + 2, /too few columns: no QUAL column/);
  await rejects("fewsamples.vcf", withRecord(1, (c) => c.slice(0, 10)), FIRST + 1, /too few columns/);
  await rejects("many.vcf", withRecord(4, (c) => [...c, "0/0"]), FIRST + 4, /too many columns/);
  await rejects("morevalues.vcf", withRecord(0, (c) => [...c.slice(0, 9), c[9] + ":1:2", ...c.slice(10)]), FIRST, /more values than the FORMAT keys/);
});

test("non-numeric values (checked when parsed, after the first pass: the partial output is removed)", async () => {
  await rejects("pos.vcf", withRecord(3, (c) => [c[0], "12a", ...c.slice(2)]), FIRST + 3, /POS: "12a" is not an Integer/);
  await rejects("info.vcf", withRecord(1, (c) => [...c.slice(0, 7), c[7].replace("DP=11", "DP=1x"), ...c.slice(8)]), FIRST + 1, /INFO\/DP: "1x" is not an Integer/);
  await rejects("format.vcf", withRecord(4, (c) => [...c.slice(0, 9), "0/1:3.5:4", ...c.slice(10)]), FIRST + 4, /FORMAT\/GQ: "3.5" is not an Integer/);
  await rejects("float.vcf", withRecord(2, (c) => [...c.slice(0, 7), c[7].replace("AF=0.333", "AF=0.3x3"), ...c.slice(8)]), FIRST + 2, /INFO\/AF: "0.3x3,0.667" is not a Float|INFO\/AF: "0.3x3" is not a Float/);
  await rejects("qual.vcf", withRecord(0, (c) => [...c.slice(0, 5), "high", ...c.slice(6)]), FIRST, /QUAL: "high" is not a Float/);
  await rejects("bigint.vcf", withRecord(0, (c) => [...c.slice(0, 7), c[7].replace("DP=14", "DP=2147483648"), ...c.slice(8)]), FIRST, /INFO\/DP: "2147483648" is not an Integer/);
  await rejects("gt.vcf", withRecord(1, (c) => [...c.slice(0, 9), "0/a:48:1:51,51", ...c.slice(10)]), FIRST + 1, /bad GT value "0\/a"/);
});

test("malformed headers", async () => {
  await rejects("nochrom.vcf", "##fileformat=VCFv4.2\n1\t2\t.\tA\tT\t.\t.\t.\n", 2, /data line before the #CHROM header line/);
  await rejects("onlymeta.vcf", "##fileformat=VCFv4.2\n", 2, /no #CHROM header line/);
  await rejects("notype.vcf", EX2().replace('##INFO=<ID=DP,Number=1,Type=Integer,', '##INFO=<ID=DP,Number=1,'), 8, /INFO\/DP: bad Type/);
  await rejects("number.vcf", EX2().replace('ID=HQ,Number=2', 'ID=HQ,Number=two'), 18, /FORMAT\/HQ: bad Number "two"/);
  await rejects("columns.vcf", EX2().replace("#CHROM\tPOS\tID", "#CHROM\tPOS\tIDX"), 22, /column 3 must be ID/);
  await rejects("unterminated.vcf", EX2().replace('Description="Genotype Quality">', 'Description="Genotype Quality>'), 16, /malformed ##FORMAT line/);
});

test("bad arguments", async () => {
  const file = join(dir, "args.vcf");
  writeFileSync(file, EX2());
  const expect = async (opts: object, re: RegExp) => {
    let err: unknown;
    await importTo(file, dir, "args.zarr", { pool: null, ...opts }).catch((e: unknown) => { err = e; });
    assert.ok(err instanceof VcfError, String(err));
    assert.match((err as Error).message, re);
  };
  await expect({ ploidy: 1 }, /ploidy 1 is less than the highest ploidy in the file \(2\)/);
  await expect({ fields: { include: ["INFO/XX"] } }, /field "INFO\/XX" is not in the file/);
  await expect({ variantsChunk: 0 }, /variantsChunk must be a positive integer/);
  let missing: unknown;
  await importTo(join(dir, "nope.vcf"), dir, "nope.zarr", { pool: null }).catch((e: unknown) => { missing = e; });
  assert.ok(missing instanceof VcfError && /cannot open/.test(missing.message));
});

test("an INFO field whose array name clashes with a fixed array", async () => {
  await rejects("clash.vcf", EX2().replace("##INFO=<ID=NS,", '##INFO=<ID=id,Number=1,Type=String,Description="x">\n##INFO=<ID=NS,'), undefined, /array name variant_id is used twice/);
});

test("abort: rejects with an AbortError, nothing left behind, no hang", async () => {
  const big = join(dir, "big.vcf");
  const text = EX2();
  const head = text.split("\n").slice(0, FIRST - 1).join("\n") + "\n";
  const rec = text.split("\n").slice(FIRST - 1, FIRST + 4).join("\n") + "\n";
  writeFileSync(big, head + rec.repeat(20_000));
  assert.ok(statSync(big).size > 3e6);
  const ac = new AbortController();
  let reported = 0;
  const run = importTo(big, dir, "abort.zarr", { pool: null, variantsChunk: 1000, signal: ac.signal, onProgress: (d, t) => { if (d > t / 2 && reported++ === 0) ac.abort(); } });
  await assert.rejects(run, (e: unknown) => e instanceof Error && e.name === "AbortError");
  assert.deepEqual(files(join(dir, "abort.zarr")), []);
});
