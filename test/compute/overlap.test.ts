/**
 * mapOverlap on a 2-thread pool against numpy references (numpy.pad for each boundary mode,
 * then the same window arithmetic over the whole array): a 3-point moving average along
 * each axis, a 2-d box sum deeper than a chunk, and a byte-moving shift that checks the
 * padding bit for bit (int64 extremes, float64 NaN); ragged edges, 1-element arrays, errors.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { NDArray } from "../../src/codecs/types.js";
import { ComputeError, ZarrError } from "../../src/format/errors.js";
import { kernelRef } from "../../src/runtime/kernel-task.js";
import { createPool } from "../../src/runtime/pool.js";
import { memorySource } from "../../src/sources/memory.js";
import { fromSource } from "../../src/compute/lazy.js";
import { compute } from "../../src/compute/compute.js";
import { binary } from "../../src/compute/ops.js";
import { mapOverlap, type Boundary } from "../../src/compute/overlap.js";
import { DT } from "../../src/compute/kernels/dtypes.js";
import { assertMatches, makeArray, numpy, toWire, type Wire } from "./kernels/np.js";

const pool = createPool({ threads: 2 });
after(() => pool.destroy());

const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
const K = new URL(`./more/overlap-kernels.${ext}`, import.meta.url);
const kernel = (name: string) => kernelRef(K, name);
const MODES: Boundary[] = ["none", "nearest", "reflect", "constant"];
const NP_MODE: Record<string, string> = { nearest: "edge", reflect: "reflect", constant: "constant" };

/** numpy: pad `a` by `depth` per axis with `mode` (none: zeros plus a count of real elements), then `script` on `p` (and `cnt`). */
const PAD = `
def padded(c):
    a = arr(c['a']); d = [(k, k) for k in c['depth']]
    if c['mode'] == 'none':
        return np.pad(a.astype(np.float64), d), np.pad(np.ones(a.shape), d)
    if c['mode'] == 'constant':
        v = c['constant']
        v = (int(v) if a.dtype.kind in 'iu' else float(v)) if isinstance(v, str) else v
        return np.pad(a, d, mode='constant', constant_values=a.dtype.type(v)), None
    return np.pad(a, d, mode=c['mode']), None
`;

test("3-point moving average along each axis equals numpy.pad + window mean, for every boundary mode", async () => {
  const a = makeArray(DT.float64, [17, 10], 3, { range: 50 });
  const x = fromSource(memorySource(a, [4, 3]));
  const cases: { axis: number; mode: Boundary; depth: number[] }[] = [];
  for (const axis of [0, 1]) for (const mode of MODES) cases.push({ axis, mode, depth: axis === 0 ? [1, 0] : [0, 1] });
  const want = numpy<Wire[]>(PAD + `
res = []
for c in payload:
    p, cnt = padded(dict(c, mode=NP.get(c['mode'], 'none'), constant=2.5))
    ax = c['axis']
    sl = lambda s: tuple(s if d == ax else slice(None) for d in range(p.ndim))
    tot = p[sl(slice(0, -2))] + p[sl(slice(1, -1))] + p[sl(slice(2, None))]
    if cnt is None:
        res.append(enc(tot / 3))
    else:
        n = cnt[sl(slice(0, -2))] + cnt[sl(slice(1, -1))] + cnt[sl(slice(2, None))]
        res.append(enc(tot / n))
print(json.dumps(res))
`.replace("NP.get", `${JSON.stringify(NP_MODE)}.get`), cases.map((c) => ({ ...c, a: toWire(a) })));
  for (const [i, c] of cases.entries()) {
    const y = mapOverlap(kernel("movingAverage3"), x, { depth: c.depth, boundary: c.mode, constant: 2.5, dtype: "float64", params: { axis: c.axis } });
    assert.deepEqual(y.shape, [17, 10]);
    assert.deepEqual(y.chunkShape, [4, 3]);
    assertMatches(await compute(y, { pool }), want[i], `axis ${c.axis} ${c.mode}`, 1e-15);
  }
});

test("a 2-d box sum deeper than a chunk (depth [4, 2], chunks [3, 2]) matches numpy for every mode; fuses with later ops", async () => {
  const a = makeArray(DT.int32, [13, 9], 5, { ints: [-100, 100] });
  const x = fromSource(memorySource(a, [3, 2]));
  const depth = [4, 2];
  const want = numpy<Wire[]>(PAD + `
res = []
for c in payload:
    p, cnt = padded(c)
    p = p.astype(np.float64)
    h, w = arr(c['a']).shape
    r0, r1 = c['depth']
    s = np.zeros((h, w))
    for di in range(2 * r0 + 1):
        for dj in range(2 * r1 + 1):
            s += p[di:di + h, dj:dj + w]
    res.append(enc(s))
print(json.dumps(res))
`, MODES.map((m) => ({ a: toWire(a), depth, mode: m === "none" ? "none" : NP_MODE[m], constant: -3 })));
  for (const [i, mode] of MODES.entries()) {
    const y = mapOverlap(kernel("boxSum2"), x, { depth, boundary: mode, constant: -3, dtype: "float64", params: { r: depth } });
    assertMatches(await compute(y, { pool }), want[i], `box sum ${mode}`);
  }
  // Downstream elementwise op on top, and the sync scheduler, agree.
  const y = binary("multiply", mapOverlap(kernel("boxSum2"), x, { depth, boundary: "reflect", dtype: "float64", params: { r: depth } }), 2);
  const r = await compute(y, { scheduler: "sync" });
  const ref = Array.from(await compute(mapOverlap(kernel("boxSum2"), x, { depth, boundary: "reflect", dtype: "float64", params: { r: depth } }), { pool }).then((b) => b.data as Float64Array), (v) => v * 2);
  assert.deepEqual(Array.from(r.data as Float64Array), ref);
});

test("padding is bit-exact: a shift by depth reads numpy.pad's border (int64 extremes, float64 NaN; ragged; deep reflect)", async () => {
  const i64 = makeArray(DT.int64, [11, 4], 7);
  const f64 = makeArray(DT.float64, [11, 4], 8);
  const cases: { a: NDArray; mode: Boundary; depth: number; constant: number | bigint }[] = [];
  for (const a of [i64, f64]) for (const mode of ["nearest", "reflect", "constant"] as Boundary[]) for (const depth of [1, 3, 9]) {
    cases.push({ a, mode, depth, constant: a === i64 ? -(2n ** 63n) : -0.5 });
  }
  const want = numpy<Wire[]>(PAD + `
res = []
for c in payload:
    a = arr(c['a'])
    k = c['depth'][0]
    p, _ = padded(c)
    res.append(enc(p[2 * k:2 * k + a.shape[0], k:k + a.shape[1]]))
print(json.dumps(res))
`, cases.map((c) => ({ a: toWire(c.a), depth: [c.depth, c.depth], mode: NP_MODE[c.mode], constant: String(c.constant) })));
  for (const [i, c] of cases.entries()) {
    const x = fromSource(memorySource(c.a, [3, 3]));
    const y = mapOverlap(kernel("shift"), x, { depth: c.depth, boundary: c.mode, constant: c.constant, params: { axis: 0, k: c.depth } });
    assert.equal(y.dtype, c.a.dtype);
    assertMatches(await compute(y, { pool }), want[i], `${c.a.dtype.kind} ${c.mode} depth ${c.depth}`);
  }
});

test("1-element and 0-d arrays; margins the kernel sees with boundary none", async () => {
  const one = fromSource(memorySource({ data: new Float64Array(new SharedArrayBuffer(8)).fill(5), shape: [1], dtype: DT.float64 }, [1]));
  for (const mode of MODES) {
    const r = await compute(mapOverlap(kernel("movingAverage3"), one, { depth: 2, boundary: mode, params: { axis: 0 } }), { pool });
    // constant 0: (0 + 5 + 0) / 3; every other mode sees 5s (none: only the element itself).
    assert.deepEqual(Array.from(r.data as Float64Array), [mode === "constant" ? 5 / 3 : 5], mode);
  }
  const zeroD = fromSource(memorySource({ data: new Float64Array(new SharedArrayBuffer(8)).fill(3), shape: [], dtype: DT.float64 }, []));
  const z = await compute(mapOverlap(kernel("shift"), zeroD, { depth: [], boundary: "reflect", params: { axis: 0, k: 0 } }), { pool });
  assert.deepEqual(z.shape, []);
  assert.deepEqual(Array.from(z.data as Float64Array), [3]);
  // Blocks of 4 over 10 elements, depth 2, "none": margins [0,2], [2,2], [2,0].
  const x = fromSource(memorySource(makeArray(DT.float64, [10, 2], 1), [4, 2]));
  const m = await compute(mapOverlap(kernel("report"), x, { depth: [2, 0], boundary: "none" }), { pool });
  assert.deepEqual(Array.from(m.data as Float64Array).filter((_, k) => k % 2 === 0), [22, 22, 22, 22, 222, 222, 222, 222, 202, 202]);
  const n = await compute(mapOverlap(kernel("report"), x, { depth: [2, 0], boundary: "nearest" }), { pool });
  assert.ok(Array.from(n.data as Float64Array).every((v) => v === 222));
});

test("bad input gives typed errors", async () => {
  const x = fromSource(memorySource(makeArray(DT.float64, [6, 4], 2), [3, 2]));
  const k = kernel("movingAverage3");
  assert.throws(() => mapOverlap(k, x, { depth: [1] }), ComputeError);
  assert.throws(() => mapOverlap(k, x, { depth: -1 }), ComputeError);
  assert.throws(() => mapOverlap(k, x, { depth: 1.5 }), ComputeError);
  assert.throws(() => mapOverlap(k, x, { depth: 1, boundary: "wrap" as Boundary }), ComputeError);
  const i8 = fromSource(memorySource(makeArray(DT.int8, [6], 2), [3]));
  assert.throws(() => mapOverlap(k, i8, { depth: 1, boundary: "constant", constant: 300 }), ComputeError);
  // Errors thrown in a worker come back as ZarrErrors naming the block (the runtime revives ComputeError as a ChunkError).
  await assert.rejects(compute(mapOverlap(kernel("badShape"), x, { depth: 1, boundary: "reflect" }), { pool }), (e: unknown) => e instanceof ZarrError && /not the padded block's \[5,4\]/.test(String(e)));
  await assert.rejects(compute(mapOverlap(kernel("movingAverage3"), i8, { depth: 1, params: { axis: 0 } }), { pool }), /declared dtype is int8/);
});
