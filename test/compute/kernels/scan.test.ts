/**
 * cumsum/cumprod kernels against numpy 1.24: every dtype and axis, the array split into
 * blocks along the axis and scanned in order with carries, compared with numpy's scan of
 * the whole array (exact: both accumulate sequentially in the result dtype).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { scanBlock, scanResultType, type ScanOp } from "../../../src/compute/kernels/scan.js";
import { DT } from "../../../src/compute/kernels/dtypes.js";
import { sliceBlock } from "../../../src/compute/kernels/reduce.js";
import { ZarrError } from "../../../src/format/errors.js";
import type { NDArray } from "../../../src/codecs/types.js";
import { ALL, assertMatches, fromValues, makeArray, npName, numpy, toWire, valuesOf, type Wire } from "./np.js";
import { sharedData } from "../../../src/compute/kernels/values.js";
import type { NumericDType } from "../../../src/codecs/elementwise.js";

const OPS: ScanOp[] = ["cumsum", "cumprod", "nancumsum", "nancumprod"];

/** Scan `a` along `axis` in blocks of `step` along that axis, chaining carries; reassemble. */
function blockedScan(op: ScanOp, a: NDArray, axis: number, step: number): NDArray {
  const outDt = scanResultType(op, a.dtype) as NumericDType;
  const pieces: NDArray[] = [];
  let carry: NDArray | undefined;
  for (let s = 0; s < a.shape[axis]; s += step) {
    const start = a.shape.map((_, d) => (d === axis ? s : 0));
    const ext = a.shape.map((n, d) => (d === axis ? Math.min(step, n - s) : n));
    const r = scanBlock({ op, block: sliceBlock(a, start, ext), axis, carry });
    pieces.push(r.out);
    carry = r.carry;
  }
  // Concatenate along the axis through values (the test's own simple reassembly).
  const vals: (number | bigint)[] = new Array(a.shape.reduce((p, d) => p * d, 1));
  const outer = a.shape.slice(0, axis).reduce((p, d) => p * d, 1), inner = a.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  let j0 = 0;
  for (const p of pieces) {
    const pv = valuesOf(p), len = p.shape[axis];
    for (let o = 0; o < outer; o++) for (let j = 0; j < len; j++) for (let k = 0; k < inner; k++) {
      vals[(o * a.shape[axis] + j0 + j) * inner + k] = pv[(o * len + j) * inner + k];
    }
    j0 += len;
  }
  return fromValues(outDt, a.shape, vals);
}

test("cumsum/cumprod (and nan variants) of every dtype along every axis match numpy, blocked with carries", () => {
  const shape = [4, 5, 3];
  const cases: { op: ScanOp; a: NDArray; axis: number; step: number }[] = [];
  let seed = 1;
  for (const op of OPS) for (const t of ALL) for (const axis of [0, 1, 2]) {
    const a = t.kind === "float"
      ? makeArray(t, shape, seed++, { values: op.includes("prod") ? [0.5, 1.5, -1, 1.25, NaN, 2] : [0.1, -2.5, 3.75, 1e3, NaN, 0.3] })
      : makeArray(t, shape, seed++);
    cases.push({ op, a, axis, step: 1 + (seed % 3) });
  }
  const res = numpy<Wire[]>(`print(json.dumps([enc(getattr(np, c['op'])(arr(c['a']), axis=c['axis'])) for c in payload]))`,
    cases.map((c) => ({ op: c.op, a: toWire(c.a), axis: c.axis })));
  cases.forEach((c, i) => {
    const what = `${c.op}(${npName(c.a.dtype)}, axis ${c.axis}, blocks of ${c.step})`;
    assert.equal(npName(scanResultType(c.op, c.a.dtype)), res[i].dtype, `${what}: dtype`);
    assertMatches(blockedScan(c.op, c.a, c.axis, c.step), res[i], what);
    assertMatches(scanBlock({ op: c.op, block: c.a, axis: c.axis - 3 }).out, res[i], `${what} (one block, negative axis)`);
  });
});

test("int64 cumsum wraps; large int32 sums leave the exact-double path correctly", () => {
  const a = fromValues(DT.int64, [3], [2n ** 62n, 2n ** 62n, 2n ** 62n]);
  assert.deepEqual(valuesOf(scanBlock({ op: "cumsum", block: a, axis: 0 }).out), [2n ** 62n, -(2n ** 63n), -(2n ** 62n)]);
  const carry = { data: BigInt64Array.of(2n ** 60n), shape: [1], dtype: DT.int64 };
  const b = fromValues(DT.int32, [2], [2 ** 31 - 1, 5]);
  const r = scanBlock({ op: "cumsum", block: b, axis: 0, carry });
  assert.deepEqual(valuesOf(r.out), [2n ** 60n + 2n ** 31n - 1n, 2n ** 60n + 2n ** 31n + 4n]);
  assert.deepEqual(valuesOf(r.carry), [2n ** 60n + 2n ** 31n + 4n]);
  const neg = scanBlock({ op: "cumsum", block: fromValues(DT.int8, [3], [-128, -128, 5]), axis: 0 });
  assert.deepEqual(valuesOf(neg.out), [-128n, -256n, -251n]);
  assert.ok((neg.out.data as BigInt64Array).buffer instanceof SharedArrayBuffer);
});

test("carry checks, empty blocks and typed errors", () => {
  const a = makeArray(DT.float32, [2, 3], 1);
  assert.throws(() => scanBlock({ op: "cumsum", block: a, axis: 2 }), ZarrError);
  assert.throws(() => scanBlock({ op: "cummax" as never, block: a, axis: 0 }), ZarrError);
  assert.throws(() => scanBlock({ op: "cumsum", block: a, axis: 0, carry: { data: new Float64Array(3), shape: [1, 3], dtype: DT.float64 } }), ZarrError);
  assert.throws(() => scanBlock({ op: "cumsum", block: fromValues(DT.int8, [], [1]), axis: 0 }), ZarrError);
  const carry = { data: sharedData(DT.float32, 2), shape: [2, 1], dtype: DT.float32 };
  (carry.data as Float32Array).set([1.5, -2]);
  const e = scanBlock({ op: "cumsum", block: makeArray(DT.float32, [2, 0], 1), axis: 1, carry });
  assert.deepEqual(e.out.shape, [2, 0]);
  assert.deepEqual(valuesOf(e.carry), [1.5, -2]);
});
