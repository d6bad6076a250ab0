/**
 * cumsum/cumprod (and nan variants) of lazy arrays, and the eager histogram / bincount /
 * unique, on a 2-thread pool against numpy 1.24 (Debian's /usr/bin/python3): multi-dim
 * scans along each axis with ragged blocks (exact: both scan sequentially in the result
 * dtype), out-of-order reads, int64 BigInt and float64 with NaN, histogram edge and
 * last-bin-closed semantics, the automatic range, empty and 1-element inputs, errors.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { NDArray } from "../../src/codecs/types.js";
import { ComputeError, SelectionError, ZarrError } from "../../src/format/errors.js";
import { createPool } from "../../src/runtime/pool.js";
import { memorySource } from "../../src/sources/memory.js";
import type { NumericDType } from "../../src/codecs/elementwise.js";
import { fromSource } from "../../src/compute/lazy.js";
import { compute } from "../../src/compute/compute.js";
import { binary } from "../../src/compute/ops.js";
import { cumprod, cumsum, nancumprod, nancumsum, scan, type ScanOp } from "../../src/compute/scan.js";
import { bincount, histogram, unique } from "../../src/compute/counts.js";
import { DT } from "../../src/compute/kernels/dtypes.js";
import { assertMatches, fromValues, makeArray, numpy, toWire, valuesOf, type Wire } from "./kernels/np.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());

const SHAPE = [7, 5, 4];
const CHUNKS = [3, 2, 3];
const lazy = (a: NDArray, chunks = CHUNKS) => fromSource(memorySource(a, chunks));

test("cumsum along each axis of 3-d arrays (bool, uint8, int16, int64, float32, float64 with NaN) equals numpy", async () => {
  const dts: NumericDType[] = [DT.bool, DT.uint8, DT.int16, DT.int64, DT.float32, DT.float64];
  const cases: { a: NDArray; axis: number }[] = [];
  dts.forEach((dt, k) => {
    const a = dt.kind === "float" ? makeArray(dt, SHAPE, 10 + k, { range: 1000, nan: 0.03 }) : makeArray(dt, SHAPE, 10 + k);
    for (const axis of [0, 1, 2]) cases.push({ a, axis });
  });
  const want = numpy<Wire[]>(`print(json.dumps([enc(np.cumsum(arr(c['a']), axis=c['axis'])) for c in payload]))`, cases.map((c) => ({ a: toWire(c.a), axis: c.axis })));
  for (const [i, c] of cases.entries()) {
    const y = cumsum(lazy(c.a), c.axis);
    assert.deepEqual(y.chunkShape, CHUNKS);
    assertMatches(await compute(y, { pool }), want[i], `cumsum ${c.a.dtype.kind}${(c.a.dtype as { bits?: number }).bits ?? ""} axis ${c.axis}`);
  }
});

test("cumprod, nancumsum, nancumprod, negative and missing axes (flatten, 0-d) equal numpy", async () => {
  const f = makeArray(DT.float64, SHAPE, 3, { values: [0.5, 1.5, -1, 1.25, NaN, 2, -0.75] });
  const f32 = makeArray(DT.float32, SHAPE, 4, { values: [0.9, 1.1, -1.05, NaN, 1.01] });
  const i64 = makeArray(DT.int64, SHAPE, 5);
  const i8 = makeArray(DT.int8, [30], 6);
  const cases: { op: ScanOp; a: NDArray; axis?: number; chunks?: number[] }[] = [
    { op: "cumprod", a: f, axis: 1 }, { op: "cumprod", a: i64, axis: 0 }, { op: "cumprod", a: f32, axis: 2 },
    { op: "nancumsum", a: f, axis: 0 }, { op: "nancumprod", a: f32, axis: 1 }, { op: "nancumsum", a: i64, axis: -1 },
    { op: "cumsum", a: i8, chunks: [7] }, // 1-d, no axis
    { op: "cumsum", a: f, chunks: [7, 5, 4] }, // flattened (one block along the trailing axes)
  ];
  const want = numpy<Wire[]>(`print(json.dumps([enc(getattr(np, c['op'])(arr(c['a']), axis=c['axis'])) for c in payload]))`, cases.map((c) => ({ op: c.op, a: toWire(c.a), axis: c.axis ?? null })));
  for (const [i, c] of cases.entries()) {
    const y = scan(lazy(c.a, c.chunks ?? (c.a.shape.length === 1 ? [7] : CHUNKS)), c.op, c.axis);
    assertMatches(await compute(y, { pool }), want[i], `${c.op} axis ${c.axis}`);
  }
  const zeroD = fromSource(memorySource(fromValues(DT.int32, [], [42]), []));
  const z = await compute(cumsum(zeroD), { pool });
  assert.deepEqual(z.shape, [1]);
  assert.deepEqual(valuesOf(z), [42n]);
  const one = await compute(cumprod(lazy(fromValues(DT.float64, [1], [NaN]), [1]), 0), { pool });
  assert.ok(Number.isNaN(valuesOf(one)[0] as number));
  assert.deepEqual(valuesOf(await compute(nancumprod(lazy(fromValues(DT.float64, [1], [NaN]), [1])), { pool })), [1]);
  assert.deepEqual(valuesOf(await compute(nancumsum(lazy(fromValues(DT.float64, [3], [1, NaN, 2]), [1])), { pool })), [1, 1, 3]);
});

test("scan blocks read out of order, with no carry memory, and inside a fused chain give the same result", async () => {
  const a = makeArray(DT.float32, [20, 3], 9, { range: 10 });
  const x = lazy(a, [3, 2]);
  const ref = await compute(cumsum(x, 0), { pool });
  const y = cumsum(x, 0, { maxCarryBytes: 0 });
  // Last block first, then backwards: every carry is computed through the chain.
  const grid = [7, 2];
  const got = new Float32Array(60);
  for (let b = grid[0] - 1; b >= 0; b--) for (let c = grid[1] - 1; c >= 0; c--) {
    const blk = await y.read([b, c], { pool });
    const rows = blk.shape[0], cols = blk.shape[1];
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) got[(b * 3 + r) * 3 + c * 2 + k] = (blk.data as Float32Array)[r * cols + k];
  }
  assert.deepEqual(Array.from(got), Array.from(ref.data as Float32Array));
  const chained = await compute(binary("add", cumsum(binary("multiply", x, 2), 0), 1), { pool });
  const ref2 = await compute(binary("add", cumsum(binary("multiply", x, 2), 0), 1), { scheduler: "sync" });
  assert.deepEqual(Array.from(chained.data as Float32Array), Array.from(ref2.data as Float32Array));
  // Cross-check one column by hand: float32 sequential sums of 2x, plus 1.
  let acc = 0;
  const col0 = Array.from({ length: 20 }, (_, r) => { acc = Math.fround(acc + Math.fround(2 * (a.data as Float32Array)[r * 3])); return Math.fround(acc + 1); });
  assert.deepEqual(Array.from(chained.data as Float32Array).filter((_, k) => k % 3 === 0), col0);
  // Computed in grid order, every block is scanned once: no carry-only tasks.
  const keys: string[] = [];
  await compute(cumsum(x, 0), { pool, callbacks: { onTaskEnd: (e) => keys.push(e.key) } });
  assert.equal(keys.length, 14, keys.join("; "));
  assert.ok(keys.every((k) => !k.includes("carry")), keys.join("; "));
  assert.throws(() => cumsum(x, 2), SelectionError);
  assert.throws(() => cumsum(x, -3), SelectionError);
  assert.throws(() => cumsum(lazy(makeArray(DT.int8, [4, 4], 1), [2, 2])), SelectionError, "flattening a blocked 2-d array needs a rechunk");
});

test("histogram: equal bins with a range, explicit edges (duplicates, last bin closed), auto range, as numpy", async () => {
  const f = makeArray(DT.float64, [40, 7], 21, { range: 70, nan: 0.05 });
  (f.data as Float64Array).set([50, -50, 0, 10, 100, -100, 7.5], 0); // exact edges
  const f32 = makeArray(DT.float32, [33], 22, { range: 3 });
  const i16 = makeArray(DT.int16, [50], 23, { ints: [-40, 90] });
  const i64 = makeArray(DT.int64, [25], 24);
  const edges = [-100, -10, 0, 0, 10, 100];
  const want = numpy<{ c: Wire; e: Wire }[]>(`
out = []
for c in payload:
    a = arr(c['a'])
    kw = {'bins': c['bins']} if 'edges' not in c else {'bins': np.array(c['edges'], dtype=np.float64)}
    if c.get('range') is not None: kw['range'] = tuple(float(v) for v in c['range'])
    h, e = np.histogram(a, **kw)
    out.append({'c': enc(h.astype(np.int64)), 'e': enc(e)})
print(json.dumps(out))
`, [
    { a: toWire(f), bins: 7, range: [-50, 50] },
    { a: toWire(f), edges },
    { a: toWire(f32), bins: 5, range: [-1, 2] },
    { a: toWire(i16), bins: 6 }, // numpy's own min/max range
    { a: toWire(i64), bins: 4, range: [-1e19, 1e19] },
  ]);
  const results = [
    await histogram(lazy(f, [9, 4]), { bins: 7, range: [-50, 50], pool }),
    await histogram(lazy(f, [9, 4]), { edges, pool }),
    await histogram(lazy(f32, [8]), { bins: 5, range: [-1, 2], pool }),
    await histogram(lazy(i16, [8]), { bins: 6, range: "auto", pool }),
    await histogram(lazy(i64, [6]), { bins: 4, range: [-1e19, 1e19], pool }),
  ];
  results.forEach((r, i) => {
    assertMatches(r.counts, want[i].c, `histogram ${i}: counts`);
    assertMatches(r.edges, want[i].e, `histogram ${i}: edges`);
  });
  // The closed last bin: 100 (the last edge) is counted, in the last bin.
  const closed = await histogram(lazy(fromValues(DT.float64, [4], [0, 10, 100, 100.5]), [2]), { edges: [0, 10, 100], pool });
  assert.deepEqual(valuesOf(closed.counts), [1n, 2n]);
  // Empty input: zero counts, and auto range 0..1 as numpy.
  const empty = lazy(fromValues(DT.float64, [0], []), [4]);
  assert.deepEqual(valuesOf((await histogram(empty, { bins: 3, range: [0, 3], pool })).counts), [0n, 0n, 0n]);
  assert.deepEqual(valuesOf((await histogram(empty, { bins: 2, range: "auto", pool })).edges), [0, 0.5, 1]);
  // Errors: NaN makes the auto range not finite; a missing range; bad edges; bad bins.
  await assert.rejects(histogram(lazy(f, [9, 4]), { bins: 3, range: "auto", pool }), /autodetected range of \[NaN, NaN\] is not finite/);
  await assert.rejects(histogram(lazy(f, [9, 4]), { bins: 3 } as never), ComputeError);
  await assert.rejects(histogram(lazy(f, [9, 4]), { edges: [3, 1], pool }), ComputeError);
  await assert.rejects(histogram(lazy(f, [9, 4]), { bins: 0, range: [0, 1], pool }), ComputeError);
});

test("bincount and unique equal numpy (int64, float64 with NaN and -0.0); callbacks see every task; errors", async () => {
  const i32 = makeArray(DT.int32, [61], 31, { ints: [0, 17] });
  const u8 = makeArray(DT.uint8, [20], 32, { ints: [0, 5] });
  const f = makeArray(DT.float64, [9, 8], 33, { values: [1.5, -2, 0, -0, NaN, 3, 1.5, NaN, 7] });
  const i64 = makeArray(DT.int64, [6, 5], 34);
  const want = numpy<{ b1: Wire; b2: Wire; uf: Wire; cf: Wire; ui: Wire; ci: Wire }>(`
p = payload
uf, cf = np.unique(arr(p['f']), return_counts=True)
ui, ci = np.unique(arr(p['i64']), return_counts=True)
print(json.dumps({'b1': enc(np.bincount(arr(p['i32'])).astype(np.int64)), 'b2': enc(np.bincount(arr(p['u8']), minlength=9).astype(np.int64)),
  'uf': enc(uf), 'cf': enc(cf.astype(np.int64)), 'ui': enc(ui), 'ci': enc(ci.astype(np.int64))}))
`, { i32: toWire(i32), u8: toWire(u8), f: toWire(f), i64: toWire(i64) });
  let tasks = 0, started = 0, finished = 0;
  const callbacks = { onStart: () => started++, onTaskEnd: () => tasks++, onFinish: () => finished++ };
  assertMatches(await bincount(lazy(i32, [7]), { pool, callbacks }), want.b1, "bincount int32");
  assert.deepEqual([started, finished], [1, 1]);
  assert.ok(tasks >= 9, `a task per block reported (${tasks})`);
  assertMatches(await bincount(lazy(u8, [6]), { minlength: 9, pool }), want.b2, "bincount minlength");
  const uf = await unique(lazy(f, [2, 3]), { returnCounts: true, pool });
  assertMatches(uf.values, want.uf, "unique float64");
  assertMatches(uf.counts!, want.cf, "unique float64 counts");
  const ui = await unique(lazy(i64, [4, 2]), { returnCounts: true, pool });
  assertMatches(ui.values, want.ui, "unique int64");
  assertMatches(ui.counts!, want.ci, "unique int64 counts");
  const sync = await unique(lazy(i64, [4, 2]), { scheduler: "sync" });
  assert.equal(sync.counts, undefined, "counts only when asked");
  assert.deepEqual(valuesOf(sync.values), valuesOf(ui.values));
  // Empty and 1-element inputs.
  assert.deepEqual(valuesOf(await bincount(lazy(fromValues(DT.int32, [0], []), [4]), { minlength: 3, pool })), [0n, 0n, 0n]);
  assert.deepEqual(valuesOf((await unique(lazy(fromValues(DT.float64, [0], []), [4]), { pool })).values), []);
  const u1 = await unique(fromSource(memorySource(fromValues(DT.int16, [], [-4]), [])), { returnCounts: true, pool });
  assert.deepEqual([valuesOf(u1.values), valuesOf(u1.counts!)], [[-4], [1n]]);
  // Errors: negative values, floats, 2-d input.
  await assert.rejects(bincount(lazy(fromValues(DT.int32, [5], [1, 2, -1, 0, 3]), [2]), { pool }), (e: unknown) => e instanceof ZarrError && /negative/.test(String(e)));
  await assert.rejects(bincount(lazy(fromValues(DT.float64, [3], [1, 2, 3]), [2]), { pool }), ComputeError);
  await assert.rejects(bincount(lazy(i64, [4, 2]), { pool }), ComputeError);
});
