/**
 * histogram, bincount and unique kernels against numpy 1.24, per block and combined over
 * blocks; typed errors for bad input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  bincountCombine, bincountPartial, histogramCombine, histogramPartial, uniqueCombine, uniquePartial,
} from "../../../src/compute/kernels/count.js";
import { DT } from "../../../src/compute/kernels/dtypes.js";
import { sliceBlock } from "../../../src/compute/kernels/reduce.js";
import { ZarrError } from "../../../src/format/errors.js";
import type { NDArray } from "../../../src/codecs/types.js";
import { ALL, assertMatches, fromValues, makeArray, npName, numpy, toWire, type Wire } from "./np.js";

type Result = { counts: Wire; edges: Wire } | { error: string };

/** Split a 1-d array into blocks of `step`. */
function blocks(a: NDArray, step: number): NDArray[] {
  const out: NDArray[] = [];
  for (let s = 0; s < a.shape[0]; s += step) out.push(sliceBlock(a, [s], [Math.min(step, a.shape[0] - s)]));
  return out;
}

test("histogram with bins and range matches numpy for every dtype (NaN, out-of-range values, edge hits)", () => {
  const cases: { a: NDArray; bins: number; range: [number, number] }[] = [];
  let seed = 1;
  const ranges: [number, number][] = [[-3, 3], [0, 10], [-2.5, 7.75], [1, 1], [0.1, 0.7], [-100, 1000]];
  for (const t of ALL) for (const range of ranges) for (const bins of [1, 7, 10]) {
    const a = t.kind === "float" ? makeArray(t, [200], seed++, { range: 8, nan: 0.05 }) : makeArray(t, [200], seed++, { ints: [-5, 12] });
    cases.push({ a, bins, range });
  }
  // Values exactly on edges.
  cases.push({ a: fromValues(DT.float64, [6], [0, 0.1, 0.2, 0.30000000000000004, 0.3, 1]), bins: 10, range: [0, 1] });
  cases.push({ a: fromValues(DT.float32, [5], [0, 0.1, 0.2, 0.3, 1]), bins: 10, range: [0, 1] });
  const res = numpy<Result[]>(`
out = []
for c in payload:
    try:
        h, e = np.histogram(arr(c['a']), bins=c['bins'], range=(float(c['range'][0]), float(c['range'][1])))
        out.append({'counts': enc(h.astype(np.int64)), 'edges': enc(e)})
    except Exception as ex:
        out.append({'error': str(ex)})
print(json.dumps(out))
`, cases.map((c) => ({ a: toWire(c.a), bins: c.bins, range: c.range })));
  cases.forEach((c, i) => {
    const r = res[i];
    const what = `histogram(${npName(c.a.dtype)}, bins ${c.bins}, range ${c.range})`;
    if ("error" in r) { assert.throws(() => histogramPartial({ block: c.a, bins: c.bins, range: c.range }), ZarrError, what); return; }
    const parts = blocks(c.a, 37).map((b) => histogramPartial({ block: b, bins: c.bins, range: c.range }));
    const h = histogramCombine({ parts });
    assertMatches(h.counts, r.counts, what);
    assertMatches(h.edges, r.edges, `${what} edges`);
  });
});

test("histogram with explicit edges (duplicates, infinite ends) matches numpy", () => {
  const edgeSets = [[0, 1, 2, 3], [-5, -1, 0, 0, 2, 10], [-Infinity, 0, Infinity], [0.5, 0.5000001]];
  const cases: { a: NDArray; edges: number[] }[] = [];
  let seed = 50;
  for (const t of [DT.float64, DT.float32, DT.int64, DT.uint8, DT.float16, DT.bool]) for (const edges of edgeSets) {
    cases.push({ a: t.kind === "float" ? makeArray(t, [100], seed++, { range: 6, nan: 0.1 }) : makeArray(t, [100], seed++, { ints: [-6, 10] }), edges });
  }
  const res = numpy<Result[]>(`
out = []
for c in payload:
    h, e = np.histogram(arr(c['a']), bins=np.array([float(x) if not isinstance(x, str) else float(x) for x in c['edges']]))
    out.append({'counts': enc(h.astype(np.int64)), 'edges': enc(e)})
print(json.dumps(out))
`, cases.map((c) => ({ a: toWire(c.a), edges: c.edges.map((e) => (Number.isFinite(e) ? e : String(e).replace("Infinity", "inf"))) })));
  cases.forEach((c, i) => {
    const r = res[i] as { counts: Wire; edges: Wire };
    const parts = blocks(c.a, 30).map((b) => histogramPartial({ block: b, edges: c.edges }));
    assertMatches(histogramCombine({ parts }).counts, r.counts, `histogram(${npName(c.a.dtype)}, edges ${c.edges})`);
  });
  const a = makeArray(DT.float64, [10], 1);
  assert.throws(() => histogramPartial({ block: a, edges: [0, 2, 1] }), /monotonically/);
  assert.throws(() => histogramPartial({ block: a, bins: 5 }), ZarrError);
  assert.throws(() => histogramPartial({ block: a, bins: 0, range: [0, 1] }), ZarrError);
  assert.throws(() => histogramPartial({ block: a, bins: 3, range: [2, 1] }), ZarrError);
  assert.throws(() => histogramPartial({ block: a, bins: 3, range: [0, Infinity] }), ZarrError);
});

test("bincount matches numpy; combine takes the longest; negatives and floats are refused", () => {
  const cases: { a: NDArray; minlength: number }[] = [];
  let seed = 80;
  for (const t of [DT.bool, DT.int8, DT.int16, DT.int32, DT.int64, DT.uint8, DT.uint16, DT.uint32]) for (const minlength of [0, 3, 40]) {
    cases.push({ a: makeArray(t, [120], seed++, { ints: [0, 30] }), minlength });
  }
  const res = numpy<Wire[]>(`print(json.dumps([enc(np.bincount(arr(c['a']), minlength=c['minlength']).astype(np.int64)) for c in payload]))`,
    cases.map((c) => ({ a: toWire(c.a), minlength: c.minlength })));
  cases.forEach((c, i) => {
    const parts = blocks(c.a, 25).map((b) => bincountPartial({ block: b, minlength: c.minlength }));
    assertMatches(bincountCombine({ parts }), res[i], `bincount(${npName(c.a.dtype)}, minlength ${c.minlength})`);
  });
  assert.throws(() => bincountPartial({ block: fromValues(DT.int8, [3], [1, -1, 2]) }), /negative/);
  assert.throws(() => bincountPartial({ block: makeArray(DT.float64, [3], 1) }), ZarrError);
  assert.throws(() => bincountPartial({ block: makeArray(DT.uint64, [3], 1) }), ZarrError);
  assert.throws(() => bincountPartial({ block: makeArray(DT.int8, [3], 1, { ints: [0, 3] }), minlength: -1 }), ZarrError);
  assert.deepEqual(bincountPartial({ block: makeArray(DT.int8, [0], 1), minlength: 2 }).shape, [2]);
});

test("unique with counts matches numpy for every dtype (NaNs collapse like numpy 1.24)", () => {
  const cases: NDArray[] = [];
  let seed = 120;
  for (const t of ALL) {
    cases.push(t.kind === "float" ? makeArray(t, [150], seed++, { values: [1.5, -2, 0, 3.25, NaN, 1e4, -7.5, Infinity] }) : makeArray(t, [150], seed++));
  }
  const res = numpy<{ values: Wire; counts: Wire }[]>(`
out = []
for c in payload:
    v, n = np.unique(arr(c), return_counts=True)
    out.append({'values': enc(v), 'counts': enc(n.astype(np.int64))})
print(json.dumps(out))
`, cases.map(toWire));
  cases.forEach((a, i) => {
    const what = `unique(${npName(a.dtype)})`;
    const parts = blocks(a, 40).map((b) => uniquePartial({ block: b }));
    const u = uniqueCombine({ parts: [uniqueCombine({ parts: parts.slice(0, 2) }), ...parts.slice(2)] });
    assertMatches(u.values, res[i].values, what);
    assertMatches(u.counts, res[i].counts, `${what} counts`);
  });
  assert.throws(() => uniquePartial({ block: { data: ["x"], shape: [1], dtype: { kind: "string" } } }), ZarrError);
});
