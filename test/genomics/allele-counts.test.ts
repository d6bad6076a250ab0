/**
 * alleleCounts (scikit-allel's AlleleCountsArray) on a 2-thread pool: every method on a
 * small hand-made case whose answers are derived from scikit-allel's code (allel/model/
 * ndarray.py, AlleleCountsArray: allelism = number of counts > 0, max_allele = last allele
 * with count > 0 else -1, is_variant = any alt count > 0, ...), written as literals; the
 * same over uint8 / int64 counts and an alleles axis split over chunks; a random case over
 * several blocks with a ragged last block against numpy formulas of the same definitions
 * (Debian's /usr/bin/python3); and typed errors for bad input.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { NDArray } from "../../src/codecs/types.js";
import { ComputeError, SelectionError } from "../../src/format/errors.js";
import { createPool } from "../../src/runtime/pool.js";
import { memorySource } from "../../src/sources/memory.js";
import { compute, computeMany } from "../../src/compute/compute.js";
import { fromSource, type LazyArray } from "../../src/compute/lazy.js";
import { countNonzero } from "../../src/compute/reduce.js";
import { DT } from "../../src/compute/kernels/dtypes.js";
import type { NumericDType } from "../../src/codecs/elementwise.js";
import { alleleCounts } from "../../src/genomics/allele-counts.js";
import { assertMatches, fromValues, numpy, toWire, valuesOf, type Wire } from "../compute/kernels/np.js";
import { prng } from "../prng.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());

const run = (x: LazyArray) => compute(x, { pool });

/** Hand-made counts (variants × 3 alleles), chosen so every method has true and false rows. */
const AC = [
  [4, 0, 0], // ref only
  [3, 1, 0], // alt 1 singleton; biallelic 0/1
  [1, 2, 1], // three alleles
  [0, 0, 2], // alt 2 only: variant but not segregating
  [0, 0, 0], // nothing called
  [0, 2, 3], // biallelic 1/2 (not 0/1)
  [2, 2, 0], // biallelic 0/1 with minor count 2
];

const counts = (dt: NumericDType, rows: number[][], chunks: number[]) =>
  fromSource(memorySource(fromValues(dt, [rows.length, rows[0].length], rows.flat()), chunks));

// Answers for AC, worked out by hand from scikit-allel's definitions.
const EXPECT = {
  allelism: [1, 2, 3, 1, 0, 2, 2],
  maxAllele: [0, 1, 2, 2, -1, 2, 1],
  isVariant: [0, 1, 1, 1, 0, 1, 1],
  isNonVariant: [1, 0, 0, 0, 1, 0, 0],
  isSegregating: [0, 1, 1, 0, 0, 1, 1],
  isNonSegregating: [1, 0, 0, 1, 1, 0, 0],
  isNonSegregating2: [0, 0, 0, 1, 0, 0, 0], // allelism == 1 and allele 2 counted
  isNonSegregating0: [1, 0, 0, 0, 0, 0, 0],
  isSingleton1: [0, 1, 0, 0, 0, 0, 0],
  isSingleton2: [0, 0, 1, 0, 0, 0, 0],
  isSingleton0: [0, 0, 1, 0, 0, 0, 0],
  isDoubleton1: [0, 0, 1, 0, 0, 1, 1],
  isDoubleton2: [0, 0, 0, 1, 0, 0, 0],
  isBiallelic: [0, 1, 0, 0, 0, 1, 1],
  isBiallelic01: [0, 1, 0, 0, 0, 0, 1],
  isBiallelic01mac2: [0, 0, 0, 0, 0, 0, 1],
};

async function checkHandMade(dt: NumericDType, chunks: number[]) {
  const ac = alleleCounts(counts(dt, AC, chunks));
  const what = `${dt.kind}${(dt as { bits?: number }).bits} chunks [${chunks.join(", ")}]`;
  assert.equal(ac.nVariants, 7);
  assert.equal(ac.nAlleles, 3);
  assert.equal(ac.array.chunkShape[1], 3, `${what}: alleles in one chunk`);

  const f = await run(ac.toFrequencies());
  assert.equal(f.dtype.kind, "float");
  assert.deepEqual(f.shape, [7, 3]);
  const fv = valuesOf(f).map(Number);
  const want = [[1, 0, 0], [3 / 4, 1 / 4, 0], [1 / 4, 2 / 4, 1 / 4], [0, 0, 1], [NaN, NaN, NaN], [0, 2 / 5, 3 / 5], [2 / 4, 2 / 4, 0]].flat();
  want.forEach((w, i) => assert.ok(Object.is(fv[i], w) || (w === 0 && fv[i] === 0), `${what}: frequency ${i}: ${fv[i]} vs ${w}`));
  assert.deepEqual(valuesOf(await run(ac.toFrequencies({ fill: -1 }))).slice(12, 15), [-1, -1, -1]);

  const allelism = await run(ac.allelism());
  assert.deepEqual(allelism.dtype, DT.int32);
  assert.deepEqual(valuesOf(allelism), EXPECT.allelism);
  const maxAllele = await run(ac.maxAllele());
  assert.deepEqual(maxAllele.dtype, DT.int8, "scikit-allel's max_allele is int8");
  assert.deepEqual(valuesOf(maxAllele), EXPECT.maxAllele);
  const masks: [LazyArray, number[]][] = [
    [ac.isVariant(), EXPECT.isVariant], [ac.isNonVariant(), EXPECT.isNonVariant],
    [ac.isSegregating(), EXPECT.isSegregating], [ac.isNonSegregating(), EXPECT.isNonSegregating],
    [ac.isNonSegregating(2), EXPECT.isNonSegregating2], [ac.isNonSegregating(0), EXPECT.isNonSegregating0],
    [ac.isSingleton(), EXPECT.isSingleton1], [ac.isSingleton(2), EXPECT.isSingleton2], [ac.isSingleton(0), EXPECT.isSingleton0],
    [ac.isDoubleton(), EXPECT.isDoubleton1], [ac.isDoubleton(2), EXPECT.isDoubleton2],
    [ac.isBiallelic(), EXPECT.isBiallelic], [ac.isBiallelic01(), EXPECT.isBiallelic01],
    [ac.isBiallelic01({ minMac: 1 }), EXPECT.isBiallelic01], [ac.isBiallelic01({ minMac: 2 }), EXPECT.isBiallelic01mac2],
  ];
  const got = await computeMany(masks.map(([m]) => m), { pool });
  masks.forEach(([m, e], i) => {
    assert.deepEqual(got[i].dtype, DT.bool, `${what}: ${m.label} is bool`);
    assert.deepEqual(valuesOf(got[i]), e, `${what}: ${m.label} #${i}`);
  });

  const sumOf = (a: number[]) => a.reduce((s, x) => s + x, 0);
  assert.equal(await ac.countVariant({ pool }), sumOf(EXPECT.isVariant)); // 5
  assert.equal(await ac.countNonVariant({ pool }), 2);
  assert.equal(await ac.countSegregating({ pool }), 4);
  assert.equal(await ac.countNonSegregating(undefined, { pool }), 3);
  assert.equal(await ac.countNonSegregating(2, { pool }), 1);
  assert.equal(await ac.countSingleton(1, { pool }), 1);
  assert.equal(await ac.countSingleton(2, { pool }), 1);
  assert.equal(await ac.countDoubleton(undefined, { pool }), 3);
  assert.equal(await ac.countDoubleton(2, { pool }), 1);
}

test("every method on hand-made int32 counts in ragged blocks gives scikit-allel's answers", async () => {
  await checkHandMade(DT.int32, [3, 3]);
});

test("uint8 and int64 counts, and an alleles axis split over chunks (rechunked), give the same answers", async () => {
  await checkHandMade(DT.uint8, [7, 3]);
  await checkHandMade(DT.int64, [2, 3]);
  await checkHandMade(DT.int16, [4, 2]);
});

test("mapAlleles moves counts as scikit-allel's map_alleles (negative: dropped; later allele wins; dtype kept)", async () => {
  // scikit-allel's map_alleles docstring example (AlleleCountsArray.map_alleles).
  const doc = alleleCounts(counts(DT.int32, [[4, 0, 0], [3, 1, 0], [1, 2, 1], [0, 0, 2]], [3, 3]));
  const docMap = fromValues(DT.int32, [4, 3], [[1, 0, 2], [1, 0, 2], [2, 1, 0], [1, 2, 0]].flat());
  const m1 = doc.mapAlleles(docMap);
  assert.equal(m1.nAlleles, 3);
  assert.deepEqual(valuesOf(await run(m1.array)), [[0, 4, 0], [1, 3, 0], [1, 2, 1], [2, 0, 0]].flat());

  // AC with a mapping worked out by hand: out[i, mapping[i, j]] = ac[i, j].
  const mapping = [[0, 1, 2], [1, 0, 2], [2, 1, 0], [-1, 1, 0], [0, 1, 2], [2, 0, 1], [1, 0, -1]];
  const expect = [[4, 0, 0], [1, 3, 0], [1, 2, 1], [2, 0, 0], [0, 0, 0], [2, 3, 0], [2, 2, 0]];
  for (const dt of [DT.int16, DT.int32, DT.int64]) {
    const ac = alleleCounts(counts(dt, AC, [3, 3]));
    const mapped = ac.mapAlleles(fromValues(DT.int8, [7, 3], mapping.flat()));
    const r = await run(mapped.array);
    assert.deepEqual(r.dtype, dt, "dtype of the counts kept");
    assert.deepEqual(valuesOf(r).map(Number), expect.flat());
    // maxAllele widens the output; a mapping chunked differently is rechunked to the counts' blocks.
    const wide = ac.mapAlleles(memorySource(fromValues(DT.int32, [7, 3], mapping.flat()), [2, 1]), { maxAllele: 3 });
    assert.equal(wide.nAlleles, 4);
    assert.deepEqual(valuesOf(await run(wide.array)).map(Number), expect.flatMap((row) => [...row, 0]));
    // The result is an AlleleCounts: its methods work on the mapped counts.
    assert.deepEqual(valuesOf(await run(mapped.maxAllele())), [0, 1, 2, 0, -1, 1, 1]);
  }
  // A mapping to allele 5 needs maxAllele >= 5.
  const ac = alleleCounts(counts(DT.int32, AC, [3, 3]));
  // Variant 5 ([0, 2, 3]) maps its allele 2 to 5: [2, 0, 0, 0, 0, 3] with six alleles.
  const far = fromValues(DT.int32, [7, 3], mapping.flat().map((k, i) => (i === 5 * 3 + 2 ? 5 : k)));
  await assert.rejects(run(ac.mapAlleles(far).array), (e: unknown) => e instanceof ComputeError && /variant 5, allele 2 is 5/.test(e.message));
  assert.deepEqual(valuesOf(await run(ac.mapAlleles(far, { maxAllele: 5 }).array)).slice(30, 36), [2, 0, 0, 0, 0, 3]);
});

test("a random case over several blocks (ragged last) equals numpy's formulas of scikit-allel's definitions", async () => {
  const V = 1003, A = 4;
  const rnd = prng(7);
  const flat: number[] = [];
  for (let i = 0; i < V * A; i++) { const u = rnd(); flat.push(u < 0.55 ? 0 : u < 0.7 ? 1 : u < 0.8 ? 2 : Math.floor(rnd() * 40)); }
  const map: number[] = [];
  for (let i = 0; i < V * A; i++) map.push(Math.floor(rnd() * (A + 2)) - 1); // -1..A: some dropped, some collide, some past A-1
  const data = fromValues(DT.int32, [V, A], flat);
  const mapping = fromValues(DT.int32, [V, A], map);
  const ac = alleleCounts(fromSource(memorySource(data, [128, A])));
  const outs = [
    ac.toFrequencies(), ac.allelism(), ac.maxAllele(), ac.isVariant(), ac.isNonVariant(), ac.isSegregating(),
    ac.isNonSegregating(), ac.isNonSegregating(1), ac.isSingleton(1), ac.isSingleton(3), ac.isDoubleton(1), ac.isDoubleton(0),
    ac.isBiallelic(), ac.isBiallelic01(), ac.isBiallelic01({ minMac: 3 }), ac.mapAlleles(mapping, { maxAllele: A }).array,
  ];
  const want = numpy<Wire[]>(`
ac = arr(payload['ac']); m = arr(payload['map'])
an = ac.sum(axis=1)[:, None]
freq = np.where(an > 0, ac / np.where(an > 0, an, 1), np.nan)
allelism = (ac > 0).sum(axis=1).astype('i4')
mx = np.full(ac.shape[0], -1, dtype='i1')
for j in range(ac.shape[1]):
    mx[ac[:, j] > 0] = j
bi = allelism == 2
mapped = np.zeros((ac.shape[0], ac.shape[1] + 1), dtype=ac.dtype)
for j in range(ac.shape[1]):
    keep = m[:, j] >= 0
    mapped[np.nonzero(keep)[0], m[keep, j]] = ac[keep, j]
res = [freq, allelism, mx, (ac[:, 1:] > 0).any(axis=1), (ac[:, 1:] == 0).all(axis=1), allelism > 1,
       allelism <= 1, (allelism == 1) & (ac[:, 1] > 0), ac[:, 1] == 1, ac[:, 3] == 1, ac[:, 1] == 2, ac[:, 0] == 2,
       bi, bi & (mx == 1), bi & (mx == 1) & (ac[:, :2].min(axis=1) >= 3), mapped]
print(json.dumps([enc(r) for r in res] + [int(np.sum(r)) for r in res[3:9]]))
`, { ac: toWire(data), map: toWire(mapping) });
  const got = await computeMany(outs, { pool }); // different shapes: computed one after another
  got.forEach((g, i) => assertMatches(g, want[i], `${outs[i].label} #${i}`));
  // Several blocks, and the last one ragged (1003 = 7 × 128 + 107).
  assert.deepEqual(ac.array.chunkShape, [128, A]);
  const sums = (want.slice(outs.length) as unknown as number[]);
  assert.equal(await ac.countVariant({ pool }), sums[0]);
  assert.equal(await ac.countNonVariant({ pool }), sums[1]);
  assert.equal(await ac.countSegregating({ pool }), sums[2]);
  assert.equal(await ac.countNonSegregating(undefined, { pool }), sums[3]);
  assert.equal(await ac.countNonSegregating(1, { pool }), sums[4]);
  assert.equal(await ac.countSingleton(1, { pool }), sums[5]);
  // Counting stays lazy when wanted: countNonzero of a mask is a 0-d int64 lazy array.
  assert.deepEqual(valuesOf(await run(countNonzero(ac.isVariant()))), [BigInt(sums[0])]);
});

test("no variants: empty results and zero counts; more than 128 alleles widen maxAllele to int16", async () => {
  const empty = alleleCounts(fromValues(DT.int32, [0, 3], []));
  assert.equal(empty.nVariants, 0);
  assert.deepEqual((await run(empty.allelism())).shape, [0]);
  assert.equal(await empty.countSegregating({ pool }), 0);
  const wide = new Array<number>(2 * 200).fill(0);
  wide[150] = 1; wide[200 + 199] = 5;
  const w = alleleCounts(fromValues(DT.int32, [2, 200], wide));
  const mx = await run(w.maxAllele());
  assert.deepEqual(mx.dtype, DT.int16);
  assert.deepEqual(valuesOf(mx), [150, 199]);
});

test("bad input gives typed errors: shape, dtype, no alleles, allele indexes, negative counts, options", async () => {
  const nd = (dt: NumericDType, shape: number[], v: number[]): NDArray => fromValues(dt, shape, v);
  assert.throws(() => alleleCounts(nd(DT.int32, [4], [1, 2, 3, 4])), (e: unknown) => e instanceof SelectionError && /^allele counts: allele counts must be 2-d/.test(e.message));
  assert.throws(() => alleleCounts(nd(DT.int32, [1, 2, 2], [1, 2, 3, 4])), SelectionError);
  assert.throws(() => alleleCounts(null as unknown as NDArray), SelectionError);
  assert.throws(() => alleleCounts(nd(DT.float64, [2, 2], [1, 2, 3, 4])), (e: unknown) => e instanceof SelectionError && /integers, got float64/.test(e.message));
  assert.throws(() => alleleCounts(nd(DT.bool, [2, 2], [1, 0, 1, 0])), SelectionError);
  assert.throws(() => alleleCounts(nd(DT.int32, [2, 0], [])), /at least one allele/);
  const ac = alleleCounts(counts(DT.int32, AC, [3, 3]));
  for (const bad of [3, -1, 1.5, NaN]) {
    assert.throws(() => ac.isSingleton(bad), (e: unknown) => e instanceof SelectionError && /out of range/.test(e.message), `isSingleton(${bad})`);
    assert.throws(() => ac.isDoubleton(bad), SelectionError);
    assert.throws(() => ac.isNonSegregating(bad), SelectionError);
  }
  await assert.rejects(ac.countSingleton(7, { pool }), SelectionError);
  assert.throws(() => ac.toFrequencies({ fill: "0" as unknown as number }), SelectionError);
  assert.throws(() => ac.isBiallelic01({ minMac: NaN }), SelectionError);
  assert.throws(() => ac.mapAlleles(nd(DT.int32, [7, 2], new Array(14).fill(0))), /shape \[7, 2\]/);
  assert.throws(() => ac.mapAlleles(nd(DT.float32, [7, 3], new Array(21).fill(0))), SelectionError);
  assert.throws(() => ac.mapAlleles(nd(DT.int32, [7, 3], new Array(21).fill(0)), { maxAllele: -1 }), SelectionError);
  // A negative count in the second block is reported with its variant and allele.
  const neg = AC.flat();
  neg[5 * 3 + 1] = -2;
  const bad = alleleCounts(counts(DT.int32, chunked(neg), [3, 3]));
  for (const x of [bad.allelism(), bad.toFrequencies(), bad.isSingleton()])
    await assert.rejects(run(x), (e: unknown) => e instanceof ComputeError && /negative allele count -2 at variant 5, allele 1/.test(e.message), x.label);
  await assert.rejects(bad.countVariant({ pool }), ComputeError);
});

/** Rows of 3 from a flat list. */
function chunked(flat: number[]): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < flat.length; i += 3) rows.push(flat.slice(i, i + 3));
  return rows;
}
