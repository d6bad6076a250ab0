/**
 * GenotypeArray: allele counts and call states against numpy (Debian python) and the cases
 * the issue fixes, over memory sources with ragged edge chunks, several sample blocks,
 * sample subsets, -2 padding, haploid and polyploid data.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NDArray } from "../../src/codecs/types.js";
import { DT } from "../../src/compute/kernels/dtypes.js";
import { compute, computeMany } from "../../src/compute/compute.js";
import { memorySource } from "../../src/sources/memory.js";
import type { ChunkSource } from "../../src/sources/types.js";
import { genotypeArray } from "../../src/genomics/genotype-array.js";
import { prng } from "../prng.js";

const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";

const nd = (data: Int8Array, shape: number[]): NDArray => ({ data, shape, dtype: DT.int8 });
const rows = (a: NDArray): number[][] => {
  const [n, m] = a.shape;
  const v = Array.from(a.data as ArrayLike<number>, Number);
  return Array.from({ length: n }, (_, i) => v.slice(i * m, (i + 1) * m));
};

/** The issue's known case: 5 variants × 3 samples × 2. */
const KNOWN = nd(Int8Array.from([
  0, 0, 0, 1, -1, -1,
  0, 2, 1, 1, -1, -1,
  1, 0, 2, 1, -1, -1,
  2, 2, -1, -1, -1, -1,
  -1, -1, -1, -1, -1, -1,
]), [5, 3, 2]);

test("the known case: counts and subpop [0, 2], whatever the chunking", async () => {
  for (const chunks of [[5, 3, 2], [2, 2, 2], [1, 1, 2], [3, 1, 1]]) {
    const gt = genotypeArray(memorySource(KNOWN, chunks));
    const ac = await gt.countAlleles();
    assert.deepEqual(rows(await compute(ac.array)), [[3, 1, 0], [1, 2, 1], [1, 2, 1], [0, 0, 2], [0, 0, 0]], `chunks ${chunks}`);
    const sub = await gt.countAlleles({ subpop: [0, 2] });
    assert.deepEqual(rows(await compute(sub.array)), [[2, 0, 0], [1, 0, 1], [1, 1, 0], [0, 0, 2], [0, 0, 0]], `chunks ${chunks}`);
    assert.deepEqual((await compute(ac.array)).dtype, DT.int32);
  }
});

test("maxAllele smaller than the alleles present drops the others; larger adds zero columns", async () => {
  const gt = genotypeArray(memorySource(KNOWN, [2, 2, 2]));
  assert.deepEqual(rows(await compute((await gt.countAlleles({ maxAllele: 1 })).array)), [[3, 1], [1, 2], [1, 2], [0, 0], [0, 0]]);
  assert.deepEqual(rows(await compute((await gt.countAlleles({ maxAllele: 3 })).array)), [[3, 1, 0, 0], [1, 2, 1, 0], [1, 2, 1, 0], [0, 0, 2, 0], [0, 0, 0, 0]]);
  assert.equal(await gt.maxAllele(), 2);
});

test("-2 pads absent allele slots: a haploid [1, -2] is called and counts one allele", async () => {
  const g = nd(Int8Array.from([1, -2, 0, 0, -1, -2, 0, 1, -2, -2, 2, -2]), [2, 3, 2]);
  const gt = genotypeArray(memorySource(g, [1, 2, 2]));
  assert.deepEqual(rows(await compute((await gt.countAlleles()).array)), [[2, 1, 0], [1, 1, 1]]);
  assert.deepEqual(rows(await compute(gt.isCalled())), [[1, 1, 0], [1, 0, 1]]);
  assert.deepEqual(rows(await compute(gt.isHom())), [[1, 1, 0], [0, 0, 1]]);
  assert.deepEqual(rows(await compute(gt.isHomAlt())), [[1, 0, 0], [0, 0, 1]]);
  assert.deepEqual(rows(await compute(gt.isHet())), [[0, 0, 0], [1, 0, 0]]);
  assert.deepEqual(rows(await compute(gt.toNAlt({ fill: -1 }))), [[1, 0, -1], [1, -1, 1]]);
});

test("call states and per-call counts on the known case (scikit-allel's answers)", async () => {
  const gt = genotypeArray(memorySource(KNOWN, [2, 2, 2]));
  assert.deepEqual(rows(await compute(gt.isCalled())), [[1, 1, 0], [1, 1, 0], [1, 1, 0], [1, 0, 0], [0, 0, 0]]);
  assert.deepEqual(rows(await compute(gt.isMissing())), [[0, 0, 1], [0, 0, 1], [0, 0, 1], [0, 1, 1], [1, 1, 1]]);
  assert.deepEqual(rows(await compute(gt.isHomRef())), [[1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(rows(await compute(gt.isHet())), [[0, 1, 0], [1, 0, 0], [1, 1, 0], [0, 0, 0], [0, 0, 0]]);
  assert.deepEqual(rows(await compute(gt.isHomAlt())), [[0, 0, 0], [0, 1, 0], [0, 0, 0], [1, 0, 0], [0, 0, 0]]);
  assert.deepEqual(rows(await compute(gt.toNAlt())), [[0, 1, 0], [1, 2, 0], [1, 2, 0], [2, 0, 0], [0, 0, 0]]);
  assert.deepEqual([...(await compute(gt.countCalled(1))).data as BigInt64Array], [2n, 2n, 2n, 1n, 0n]);
  assert.deepEqual([...(await compute(gt.countCalled(0))).data as BigInt64Array], [4n, 3n, 0n]);
  assert.deepEqual([...(await compute(gt.countHet())).data as BigInt64Array], [4n]);
  assert.deepEqual([...(await compute(gt.countHomAlt(1))).data as BigInt64Array], [0n, 1n, 0n, 1n, 0n]);
  const perCall = await compute(await gt.toAlleleCounts());
  assert.deepEqual(perCall.shape, [5, 3, 3]);
  assert.deepEqual([...(perCall.data as Uint8Array).subarray(9, 18)], [1, 0, 1, 0, 2, 0, 0, 0, 0]);
});

/** Random calls: alleles 0..5 (mostly 0), -1 missing, -2 pads in some calls. */
function randomCalls(V: number, S: number, P: number, seed: number): Int8Array {
  const r = prng(seed);
  const g = new Int8Array(V * S * P);
  for (let i = 0; i < g.length; i++) {
    const u = r();
    g[i] = u < 0.6 ? 0 : u < 0.8 ? 1 : u < 0.85 ? 2 : u < 0.88 ? 5 : u < 0.95 ? -1 : -2;
  }
  // Whole zero and whole missing rows, so the word fast paths run.
  g.fill(0, 0, S * P * 3);
  g.fill(-1, S * P * 3, S * P * 5);
  return g;
}

/** numpy's allele counts of `g` (V, S, P) for alleles 0..maxAllele over `samples` (default all), and call states. */
function numpyReference(g: Int8Array, shape: number[], maxAllele: number, samples: number[] | null) {
  const dir = mkdtempSync(join(tmpdir(), "zarrflow-gt-"));
  try {
    writeFileSync(join(dir, "g.bin"), g);
    const script = `
import numpy as np, json, sys
g = np.fromfile(sys.argv[1], dtype=np.int8).reshape(${JSON.stringify(shape)})
sel = ${samples === null ? "None" : JSON.stringify(samples)}
h = g if sel is None else g[:, sel]
counts = np.stack([(h == a).sum(axis=(1, 2)) for a in range(${maxAllele + 1})], axis=1)
missing = (g < 0) & (g != -2)
alleles = g >= 0
called = ~missing.any(axis=2) & alleles.any(axis=2)
first = np.where(alleles, g, 127).min(axis=2)
last = np.where(alleles, g, -127).max(axis=2)
hom = called & (first == last)
het = called & (first != last)
nalt = np.where(called, ((g > 0)).sum(axis=2), -1)
print(json.dumps({"counts": counts.tolist(), "called": called.astype(int).tolist(), "hom": hom.astype(int).tolist(),
  "het": het.astype(int).tolist(), "homalt": (hom & (first > 0)).astype(int).tolist(), "nalt": nalt.tolist(),
  "calledPerSample": called.sum(axis=0).tolist()}))
`;
    writeFileSync(join(dir, "ref.py"), script);
    return JSON.parse(execFileSync(PYTHON, [join(dir, "ref.py"), join(dir, "g.bin")], { encoding: "utf8", maxBuffer: 1 << 26 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("random diploid calls over ragged chunks equal numpy: counts, subpops, call states", async () => {
  const [V, S, P] = [101, 23, 2];
  const g = randomCalls(V, S, P, 7);
  const src = memorySource(nd(g, [V, S, P]), [16, 5, 2]);
  const gt = genotypeArray(src);
  const subpop = [22, 0, 5, 5, 13];
  const ref = numpyReference(g, [V, S, P], 5, null);
  const refSub = numpyReference(g, [V, S, P], 5, subpop);
  assert.equal(await gt.maxAllele(), 5);
  assert.deepEqual(rows(await compute((await gt.countAlleles()).array)), ref.counts);
  assert.deepEqual(rows(await compute((await gt.countAlleles({ subpop })).array)), refSub.counts);
  // Several groups per variant row (a tiny task budget): the int32 partials are summed.
  assert.deepEqual(rows(await compute((await gt.countAlleles({ maxTaskBytes: 100 })).array)), ref.counts);
  assert.deepEqual(rows(await compute((await gt.countAlleles({ subpop, maxTaskBytes: 100 })).array)), refSub.counts);
  assert.deepEqual(rows(await compute(gt.isCalled())), ref.called);
  assert.deepEqual(rows(await compute(gt.isHom())), ref.hom);
  assert.deepEqual(rows(await compute(gt.isHet())), ref.het);
  assert.deepEqual(rows(await compute(gt.isHomAlt())), ref.homalt);
  assert.deepEqual(rows(await compute(gt.toNAlt({ fill: -1 }))), ref.nalt);
  assert.deepEqual((await compute(gt.countCalled(0))).data as BigInt64Array, BigInt64Array.from(ref.calledPerSample.map(BigInt)));
  // The sync scheduler gives the same counts.
  assert.deepEqual(rows(await compute((await gt.countAlleles({ maxAllele: 5 })).array, { scheduler: "sync" })), ref.counts);
});

test("haploid and tetraploid calls equal numpy; odd row lengths miss the word path's alignment", async () => {
  for (const [V, S, P] of [[37, 9, 1], [29, 7, 4], [13, 3, 3]]) {
    const g = randomCalls(V, S, P, V + S + P);
    const gt = genotypeArray(memorySource(nd(g, [V, S, P]), [8, 4, P]));
    const ref = numpyReference(g, [V, S, P], 5, null);
    assert.deepEqual(rows(await compute((await gt.countAlleles({ maxAllele: 5 })).array)), ref.counts, `ploidy ${P}`);
    assert.deepEqual(rows(await compute(gt.isHet())), ref.het, `ploidy ${P}`);
  }
});

test("all-missing chunks count zero; a ploidy axis cut in chunks is rechunked", async () => {
  const g = new Int8Array(10 * 4 * 2).fill(-1);
  g.set([0, 1, 1, 1], 0);
  const gt = genotypeArray(memorySource(nd(g, [10, 4, 2]), [3, 2, 1]));
  assert.deepEqual(gt.array.chunkShape, [3, 2, 2]);
  const counts = rows(await compute((await gt.countAlleles()).array));
  assert.deepEqual(counts[0], [1, 3]);
  assert.ok(counts.slice(1).every((r) => r[0] === 0 && r[1] === 0));
  const none = genotypeArray(memorySource(nd(new Int8Array(8).fill(-1), [2, 2, 2])));
  assert.equal(await none.maxAllele(), -1);
  assert.deepEqual(rows(await compute((await none.countAlleles()).array)), [[0], [0]]);
});

/** A source that counts how often each chunk is read (decoded or fetched raw). */
function countingSource(inner: ChunkSource): ChunkSource & { reads: Map<string, number> } {
  const reads = new Map<string, number>();
  return { ...inner, name: inner.name, reads, read(c, o) { reads.set(String(c), (reads.get(String(c)) ?? 0) + 1); return inner.read(c, o); } };
}

test("countAllelesSubpops: one pass reads each chunk once and equals per-population counts", async () => {
  const [V, S, P] = [40, 12, 2];
  const g = randomCalls(V, S, P, 99);
  const src = countingSource(memorySource(nd(g, [V, S, P]), [10, 4, 2]));
  const gt = genotypeArray(src);
  const pops = { a: [0, 1, 2, 3], b: [8, 11], c: [] as number[] };
  const byPop = await gt.countAllelesSubpops(pops, { maxAllele: 5 });
  const [a, b, c] = await computeMany([byPop.a.array, byPop.b.array, byPop.c.array]);
  assert.ok([...src.reads.values()].every((n) => n === 1), `chunk reads ${JSON.stringify([...src.reads])}`);
  // Blocks holding none of the samples are not read (samples 5..7 are in block 1, not selected).
  assert.equal(src.reads.has("0,1,0"), false);
  assert.deepEqual(rows(a), numpyReference(g, [V, S, P], 5, pops.a).counts);
  assert.deepEqual(rows(b), numpyReference(g, [V, S, P], 5, pops.b).counts);
  assert.ok(rows(c).every((r) => r.every((x) => x === 0)));
});

test("subsetting by variant mask, sample indices and selections", async () => {
  const gt = genotypeArray(memorySource(KNOWN, [2, 2, 2]));
  const kept = gt.compress([true, false, true, false, true]);
  assert.equal(kept.nVariants, 3);
  assert.deepEqual(rows(await compute((await kept.countAlleles({ maxAllele: 2 })).array)), [[3, 1, 0], [1, 2, 1], [0, 0, 0]]);
  const two = gt.take([2, 0], 1);
  assert.deepEqual(rows(await compute((await two.countAlleles({ maxAllele: 2 })).array)), [[2, 0, 0], [1, 0, 1], [1, 1, 0], [0, 0, 2], [0, 0, 0]]);
  const sub = gt.subset({ start: 1, stop: 3 }, [1]);
  assert.deepEqual([sub.nVariants, sub.nSamples], [2, 1]);
  assert.deepEqual(rows(await compute((await sub.countAlleles({ maxAllele: 2 })).array)), [[0, 2, 0], [0, 1, 1]]);
});

test("bad input: wrong rank, non-integer dtype, out-of-range samples and maxAllele", async () => {
  assert.throws(() => genotypeArray(memorySource({ data: new Int8Array(4), shape: [2, 2], dtype: DT.int8 })), /3-d/);
  assert.throws(() => genotypeArray(memorySource({ data: new Float32Array(8), shape: [2, 2, 2], dtype: DT.float32 })), /integers/);
  const gt = genotypeArray(memorySource(KNOWN));
  await assert.rejects(gt.countAlleles({ subpop: [3] }), /sample index 3 is out of range/);
  await assert.rejects(gt.countAlleles({ maxAllele: 200 }), /maxAllele/);
});

test("Zarr chunks decoded straight into the SIMD kernel's memory (edge chunks clipped by stride) count as numpy does", async () => {
  const { createMemoryStore } = await import("../../src/stores/memory.js");
  const { createArray } = await import("../../src/array/node.js");
  const { set } = await import("../../src/array/access.js");
  const [V, S, P] = [53, 29, 2];
  const g = randomCalls(V, S, P, 11);
  const store = createMemoryStore();
  // Codecs with their own decode-into paths: node:zlib (blosc zlib), WebAssembly LZ4 (blosc, numcodecs), none.
  for (const compressor of [{ id: "blosc", cname: "zlib", clevel: 3, shuffle: 0 }, { id: "blosc", cname: "lz4", clevel: 5, shuffle: 0, blocksize: 256 }, { id: "lz4", acceleration: 1 }, null]) {
    const a = await createArray(store, `gt-${compressor ? `${compressor.id}-${"cname" in compressor ? compressor.cname : ""}` : "raw"}`, { zarrFormat: 2, shape: [V, S, P], chunks: [16, 8, 2], dtype: "int8", fillValue: -1, compressor });
    await set(a, null, { data: g, shape: [V, S, P], dtype: DT.int8 }, { pool: null });
    const gt = genotypeArray(a);
    const ref = numpyReference(g, [V, S, P], 5, null);
    assert.deepEqual(rows(await compute((await gt.countAlleles({ maxAllele: 5 })).array)), ref.counts);
    // A reduction task holds several counting kernels at once (their chunks decode in turns).
    const { countSummary } = await import("../../src/genomics/count-summary.js");
    const totals = (await countSummary((await gt.countAlleles({ maxAllele: 5 })).array)).alleleTotals;
    assert.deepEqual(totals, [0, 1, 2, 3, 4, 5].map((k) => ref.counts.reduce((t: number, r: number[]) => t + r[k], 0)));
    const sub = [1, 28, 9];
    assert.deepEqual(rows(await compute((await gt.countAlleles({ maxAllele: 5, subpop: sub })).array)), numpyReference(g, [V, S, P], 5, sub).counts);
    const pops = await gt.countAllelesSubpops({ all: [...Array(S).keys()], some: sub }, { maxAllele: 5 });
    const [all, some] = await computeMany([pops.all.array, pops.some.array]);
    assert.deepEqual(rows(all), ref.counts);
    assert.deepEqual(rows(some), numpyReference(g, [V, S, P], 5, sub).counts);
    // The kernel given two whole sets: each stored chunk counted once, added to each set.
    const { countAllelesKernel } = await import("../../src/genomics/genotype-kernels.js");
    const { zarrSource } = await import("../../src/sources/zarr.js");
    const src = zarrSource(a);
    const blocks = await Promise.all([0, 1, 2, 3].map(async (j) => {
      const raw = (await src.rawChunk!([1, j, 0]))!;
      return { raw, decoded: () => src.read([1, j, 0]) };
    }));
    const two = await countAllelesKernel({ blocks, params: { maxAllele: 5, pops: [[null, null, null, null], [null, null, null, null]], popAxis: true } });
    assert.deepEqual(two.shape, [16, 2, 6]);
    const d = two.data as Int32Array;
    assert.deepEqual([...Array(16).keys()].map((r) => [[...d.subarray(r * 12, r * 12 + 6)], [...d.subarray(r * 12 + 6, r * 12 + 12)]]), ref.counts.slice(16, 32).map((c: number[]) => [c, c]));
  }
});

test("HDF5 blocks read straight into the SIMD kernel's memory (leaf tasks) count as numpy does", async () => {
  const { hdf5Source } = await import("../../src/sources/hdf5.js");
  const { countSummary } = await import("../../src/genomics/count-summary.js");
  const [V, S, P] = [45, 13, 2];
  const g = randomCalls(V, S, P, 21);
  const dir = mkdtempSync(join(tmpdir(), "zarrflow-gt-h5-"));
  try {
    writeFileSync(join(dir, "g.bin"), g);
    execFileSync(PYTHON, ["-c", `
import h5py, numpy as np, sys
g = np.fromfile(sys.argv[1], dtype=np.int8).reshape(${V}, ${S}, ${P})
with h5py.File(sys.argv[2], "w") as f: f.create_dataset("calldata/genotype", data=g, chunks=(8, 5, 2), compression="gzip")
`, join(dir, "g.bin"), join(dir, "g.h5")]);
    const gt = genotypeArray(await hdf5Source(join(dir, "g.h5"), "calldata/genotype"));
    const ref = numpyReference(g, [V, S, P], 5, null);
    const ac = await gt.countAlleles({ maxAllele: 5 });
    assert.deepEqual(rows(await compute(ac.array)), ref.counts);
    const totals = (await countSummary(ac.array)).alleleTotals;
    assert.deepEqual(totals, [0, 1, 2, 3, 4, 5].map((k) => ref.counts.reduce((t: number, r: number[]) => t + r[k], 0)));
    assert.deepEqual(rows(await compute((await gt.countAlleles({ maxAllele: 5, subpop: [0, 12] })).array)), numpyReference(g, [V, S, P], 5, [0, 12]).counts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
