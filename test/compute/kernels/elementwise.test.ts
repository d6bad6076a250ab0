/**
 * Elementwise kernels against numpy 1.24: every binary op on every pair of numeric dtypes
 * (result dtype and values), every unary op on every dtype, astype between every pair,
 * broadcasting (scalars, (n,1)×(1,m), 0-d, empty), where, the fused chain, typed errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { astype, binary, chain, unary, where, type Operand } from "../../../src/compute/kernels/elementwise.js";
import { BINARY_OPS, DT, UNARY_OPS, resultType } from "../../../src/compute/kernels/dtypes.js";
import { UnsupportedError, ZarrError } from "../../../src/format/errors.js";
import type { NDArray } from "../../../src/codecs/types.js";
import type { NumericDType } from "../../../src/codecs/elementwise.js";
import { ALL, assertMatches, fromValues, makeArray, npName, numpy, toWire, tolFor, type Wire, UFUNC } from "./np.js";

type Result = Wire | { error: string };
const isErr = (r: Result): r is { error: string } => "error" in r;

/** Ops whose float results come from libm / SIMD code that may differ in the last bits. */
const TRANSCENDENTAL = new Set(["power", "exp", "log", "log1p"]);

const PY_UFUNC = `
def run(op, *xs):
    # numpy 1.x treats 0-d arrays as value-based scalars; our kernels (like numpy 2) treat them as arrays.
    arrays = [x for x in xs if isinstance(x, np.ndarray)]
    if any(x.ndim == 0 for x in arrays) and any(x.ndim > 0 for x in arrays):
        xs = [x.reshape(1) if isinstance(x, np.ndarray) and x.ndim == 0 else x for x in xs]
    return getattr(np, op)(*xs)
res = []
for c in payload:
    xs = [arr(x) if isinstance(x, dict) and 'b64' in x else (int(x['__big']) if isinstance(x, dict) else x) for x in c['args']]
    res.append(attempt(lambda: run(c['ufunc'], *xs)))
print(json.dumps(res))
`;

/** Compare one kernel call with numpy's result (or numpy's error with a typed error). */
function check(call: () => NDArray, r: Result, what: string, rtol: number): void {
  if (isErr(r)) {
    assert.throws(call, (e: unknown) => e instanceof ZarrError, `${what}: numpy raised ${r.error}, expected a typed error`);
    return;
  }
  let got: NDArray;
  try {
    got = call();
  } catch (e) {
    assert.fail(`${what}: threw ${(e as Error).message}; numpy gave ${r.dtype}`);
  }
  assertMatches(got, r, what, rtol);
  assert.ok((got.data as { buffer: ArrayBufferLike }).buffer instanceof SharedArrayBuffer, `${what}: result in shared memory`);
}

test("binary ops on every dtype pair match numpy (dtype and values)", () => {
  const cases: { op: string; a: NDArray; b: NDArray }[] = [];
  let seed = 1;
  for (const op of BINARY_OPS) {
    for (const ta of ALL) for (const tb of ALL) {
      const a = makeArray(ta, [3, 5], seed++);
      // Integer powers need non-negative exponents (numpy refuses negative ones; tested below).
      const powerOpts = tb.kind === "float" ? { values: [0, 1, 2, 0.5, -1, 3, NaN, -0.5] } : { ints: [0, 5] as [number, number] };
      const b = makeArray(tb, [3, 5], seed++, op === "power" ? powerOpts : {});
      cases.push({ op, a, b });
    }
  }
  const res = numpy<Result[]>(PY_UFUNC, cases.map((c) => ({ ufunc: UFUNC[c.op], args: [toWire(c.a), toWire(c.b)] })));
  let errors = 0;
  cases.forEach((c, i) => {
    const what = `${c.op}(${npName(c.a.dtype)}, ${npName(c.b.dtype)})`;
    const r = res[i];
    if (isErr(r)) errors++;
    else assert.equal(npName(resultType(c.op, c.a.dtype, c.b.dtype)), r.dtype, `${what}: resultType`);
    const rtol = TRANSCENDENTAL.has(c.op) && !isErr(r) && r.dtype.startsWith("float") ? tolFor(resultTypeOf(r)) * 4 : 0;
    check(() => binary({ op: c.op as never, a: c.a, b: c.b }), r, what, rtol);
  });
  // Sanity: numpy refused exactly the combinations with no loop (bitwise on floats, bool subtract...), not everything.
  assert.ok(errors > 100 && errors < 600, `numpy errors: ${errors}`);
});

test("integer powers with negative exponents are refused like numpy", () => {
  const a = makeArray(DT.int32, [4], 3, { ints: [1, 5] });
  const b = fromValues(DT.int32, [4], [2, -1, 3, 0]);
  assert.throws(() => binary({ op: "power", a, b }), ZarrError);
  const bb = fromValues(DT.int64, [4], [2n, -1n, 3n, 0n]);
  assert.throws(() => binary({ op: "power", a: makeArray(DT.int64, [4], 5, { ints: [1, 5] }), b: bb }), ZarrError);
});

test("unary ops on every dtype match numpy", () => {
  const cases: { op: string; a: NDArray }[] = [];
  let seed = 100;
  for (const op of UNARY_OPS) for (const t of ALL) cases.push({ op, a: makeArray(t, [4, 6], seed++) });
  const res = numpy<Result[]>(PY_UFUNC, cases.map((c) => ({ ufunc: UFUNC[c.op], args: [toWire(c.a)] })));
  cases.forEach((c, i) => {
    const r = res[i];
    const what = `${c.op}(${npName(c.a.dtype)})`;
    if (!isErr(r)) assert.equal(npName(resultType(c.op, c.a.dtype)), r.dtype, `${what}: resultType`);
    const rtol = TRANSCENDENTAL.has(c.op) && !isErr(r) ? tolFor(resultTypeOf(r), false) * 4 : 0;
    check(() => unary({ op: c.op as never, a: c.a }), r, what, rtol);
  });
});

function resultTypeOf(r: Wire): NumericDType {
  return (DT as Record<string, NumericDType>)[r.dtype] ?? DT.float64;
}

test("astype between every pair matches numpy (NaN/inf/out-of-range floats as numpy on x86-64)", () => {
  const cases: { a: NDArray; to: NumericDType }[] = [];
  let seed = 300;
  for (const from of ALL) for (const to of ALL) cases.push({ a: makeArray(from, [20], seed++), to });
  const res = numpy<Result[]>(`
res = [attempt(lambda: arr(c['a']).astype(c['to'])) for c in payload]
print(json.dumps(res))
`, cases.map((c) => ({ a: toWire(c.a), to: npName(c.to) })));
  cases.forEach((c, i) => check(() => astype({ a: c.a, dtype: c.to }), res[i], `astype(${npName(c.a.dtype)} → ${npName(c.to)})`, 0));
});

test("broadcasting: (n,1)×(1,m), trailing axes, 0-d, one element, empty", () => {
  const shapes: [number[], number[]][] = [[[4, 1], [1, 5]], [[2, 3, 4], [4]], [[3, 1, 2], [1, 4, 1]], [[], [3]], [[1], [2, 2]], [[1, 1], [1]], [[0, 3], [1, 3]], [[5, 1], [5, 1]], [[2, 1, 3], [2, 4, 3]]];
  const types: [NumericDType, NumericDType][] = [[DT.float64, DT.float64], [DT.int8, DT.uint8], [DT.int64, DT.int64], [DT.float16, DT.float32], [DT.uint64, DT.bool]];
  const cases: { op: string; a: NDArray; b: NDArray }[] = [];
  let seed = 500;
  for (const [sa, sb] of shapes) for (const [ta, tb] of types) for (const op of ["add", "multiply", "less", "maximum", "floorDivide"]) {
    cases.push({ op, a: makeArray(ta, sa, seed++), b: makeArray(tb, sb, seed++) });
    cases.push({ op, a: makeArray(tb, sb, seed++), b: makeArray(ta, sa, seed++) });
  }
  const res = numpy<Result[]>(PY_UFUNC, cases.map((c) => ({ ufunc: UFUNC[c.op], args: [toWire(c.a), toWire(c.b)] })));
  cases.forEach((c, i) => check(() => binary({ op: c.op as never, a: c.a, b: c.b }), res[i], `${c.op}([${c.a.shape}] ${npName(c.a.dtype)}, [${c.b.shape}] ${npName(c.b.dtype)})`, 0));
  assert.throws(() => binary({ op: "add", a: makeArray(DT.int8, [3], 1), b: makeArray(DT.int8, [4], 2) }), ZarrError);
});

test("scalars are weak: int8 + 3 stays int8, int + 1.5 is float64, float32 + 1.5 stays float32", () => {
  const scalars: (number | bigint | boolean)[] = [3, -2, 1.5, true, false, 0, 100];
  const cases: { op: string; a: Operand; b: Operand; args: unknown[] }[] = [];
  let seed = 900;
  for (const t of ALL) for (const s of scalars) for (const op of ["add", "subtract", "multiply", "divide", "floorDivide", "mod", "maximum", "less", "equal"]) {
    if (t.kind === "uint" && typeof s === "number" && s < 0) continue; // out of range for a weak scalar (numpy 1.24 would widen)
    const a = makeArray(t, [2, 3], seed++);
    const big = typeof s === "number" && Number.isInteger(s) && t.kind !== "bool" && t.kind !== "float" && t.bits === 64 ? BigInt(s) : s;
    cases.push({ op, a, b: { scalar: big }, args: [toWire(a), s] });
    cases.push({ op, a: { scalar: big }, b: a, args: [s, toWire(a)] });
  }
  const res = numpy<Result[]>(PY_UFUNC, cases.map((c) => ({ ufunc: UFUNC[c.op], args: c.args })));
  cases.forEach((c, i) => {
    const r = res[i];
    const s = JSON.stringify(c.args.find((x) => typeof x !== "object"));
    // numpy 1.24 widens on the scalar's value where the weak rule keeps the array type; only compare where the types agree.
    const what = `${c.op} with scalar ${s}`;
    if (!isErr(r)) {
      const k = "scalar" in c.a ? c.b : c.a;
      const kt = (k as NDArray).dtype;
      const want = r.dtype;
      const got = npName(resultType(c.op, "scalar" in c.a ? scalarKind(c.a.scalar) : kt, "scalar" in c.b ? scalarKind((c.b as { scalar: number }).scalar) : kt));
      if (got !== want) assert.fail(`${what} on ${npName(kt)}: weak type ${got}, numpy ${want}`);
    }
    check(() => binary({ op: c.op as never, a: c.a, b: c.b }), r, what, 0);
  });
  assert.equal(npName(resultType("add", DT.int8, "int-scalar")), "int8");
  assert.equal(npName(resultType("add", DT.int8, "float-scalar")), "float64");
  assert.equal(npName(resultType("add", DT.float32, "float-scalar")), "float32");
  assert.equal(npName(resultType("add", DT.float16, "float-scalar")), "float16");
  assert.equal(npName(resultType("add", DT.bool, "int-scalar")), "int64");
  assert.equal(npName(resultType("add", DT.bool, "bool-scalar")), "bool");
  assert.equal(npName(resultType("add", "int-scalar", "float-scalar")), "float64");
  assert.equal(npName(resultType("divide", DT.int8, "int-scalar")), "float64");
  // A weak integer scalar that does not fit the array type is refused (NEP 50), never wrapped silently.
  assert.throws(() => binary({ op: "add", a: makeArray(DT.int8, [2], 1), b: { scalar: 300 } }), ZarrError);
});

function scalarKind(s: number | bigint | boolean) {
  return typeof s === "boolean" ? "bool-scalar" as const : typeof s === "bigint" || Number.isInteger(s) ? "int-scalar" as const : "float-scalar" as const;
}

test("integer semantics: wraparound, // 0 and % 0 give 0, mod takes the divisor's sign", () => {
  const a = fromValues(DT.int8, [4], [127, -128, 7, -7]);
  const one = fromValues(DT.int8, [4], [1, -1, 0, 2]);
  assert.deepEqual(Array.from(binary({ op: "add", a, b: one }).data as Int8Array), [-128, 127, 7, -5]);
  assert.deepEqual(Array.from(binary({ op: "floorDivide", a, b: one }).data as Int8Array), [127, -128, 0, -4]);
  assert.deepEqual(Array.from(binary({ op: "mod", a, b: one }).data as Int8Array), [0, 0, 0, 1]);
  const f = binary({ op: "divide", a: fromValues(DT.float64, [3], [1, -1, 0]), b: { scalar: 0 } });
  assert.deepEqual(Array.from(f.data as Float64Array), [Infinity, -Infinity, NaN]);
});

test("where with broadcasting and scalars matches numpy", () => {
  const cases: { cond: NDArray; a: Operand; b: Operand; args: unknown[] }[] = [];
  let seed = 1500;
  const pairs: [NumericDType, NumericDType][] = [[DT.int8, DT.uint8], [DT.float32, DT.int16], [DT.int64, DT.uint64], [DT.float16, DT.float16], [DT.bool, DT.int32]];
  for (const [ta, tb] of pairs) for (const ct of [DT.bool, DT.float64, DT.int8]) {
    const cond = makeArray(ct, [3, 1], seed++);
    const a = makeArray(ta, [1, 4], seed++), b = makeArray(tb, [3, 4], seed++);
    cases.push({ cond, a, b, args: [toWire(cond), toWire(a), toWire(b)] });
    cases.push({ cond, a, b: { scalar: 1 }, args: [toWire(cond), toWire(a), 1] });
  }
  const res = numpy<Result[]>(PY_UFUNC, cases.map((c) => ({ ufunc: "where", args: c.args })));
  cases.forEach((c, i) => check(() => where({ cond: c.cond, a: c.a, b: c.b }), res[i], `where #${i}`, 0));
});

test("chain evaluates a fused program like the kernels one by one (and numpy)", () => {
  const n = 10007; // not a multiple of the tile
  const x = makeArray(DT.float32, [n], 1, { range: 10, nan: 0.05 });
  const y = makeArray(DT.int16, [n], 2, { ints: [-50, 50] });
  const h = makeArray(DT.float16, [n], 3, { range: 4 });
  // ((x * 2 + y) < 3) ? sqrt(abs(x)) : h ;  then astype int32
  const program = [
    { op: "multiply", a: { input: 0 }, b: { scalar: 2 } },
    { op: "add", a: { step: 0 }, b: { input: 1 } },
    { op: "less", a: { step: 1 }, b: { scalar: 3 } },
    { op: "abs", a: { input: 0 } },
    { op: "sqrt", a: { step: 3 } },
    { op: "where", cond: { step: 2 }, a: { step: 4 }, b: { input: 2 } },
    { op: "add", a: { step: 5 }, b: { input: 2 } },
    { op: "astype", a: { step: 6 }, dtype: DT.int32 },
  ];
  const got = chain({ inputs: [x, y, h], program: program as never });
  const s0 = binary({ op: "multiply", a: x, b: { scalar: 2 } });
  const s1 = binary({ op: "add", a: s0, b: y });
  const s2 = binary({ op: "less", a: s1, b: { scalar: 3 } });
  const s4 = unary({ op: "sqrt", a: unary({ op: "abs", a: x }) });
  const s5 = where({ cond: s2, a: s4, b: h });
  const s6 = binary({ op: "add", a: s5, b: h });
  const want = astype({ a: s6, dtype: DT.int32 });
  assert.equal(npName(got.dtype), "int32");
  assert.deepEqual(Array.from(got.data as Int32Array), Array.from(want.data as Int32Array));
  const [r] = numpy<Wire[]>(`
x, y, h = [arr(w) for w in payload]
r = np.where(x * np.float32(2) + y < 3, np.sqrt(np.abs(x)), h) + h
print(json.dumps([enc(r.astype(np.int32))]))
`, [toWire(x), toWire(y), toWire(h)]);
  assertMatches(got, r, "chain vs numpy");
  // A float16 intermediate is rounded at each step, as the one-by-one kernels do.
  const p2 = [{ op: "add", a: { input: 0 }, b: { input: 0 } }, { op: "multiply", a: { step: 0 }, b: { scalar: 1.5 } }];
  const g2 = chain({ inputs: [h], program: p2 as never });
  const w2 = binary({ op: "multiply", a: binary({ op: "add", a: h, b: h }), b: { scalar: 1.5 } });
  assert.deepEqual(Array.from(new Uint16Array((g2.data as unknown as { buffer: ArrayBuffer }).buffer)), Array.from(new Uint16Array((w2.data as unknown as { buffer: ArrayBuffer }).buffer)));
  assert.throws(() => chain({ inputs: [x], program: [{ op: "add", a: { input: 0 }, b: { step: 3 } }] as never }), ZarrError);
  assert.throws(() => chain({ inputs: [x, makeArray(DT.int8, [3], 1)], program: [{ op: "add", a: { input: 0 }, b: { input: 1 } }] as never }), ZarrError);
});

test("typed errors: complex, strings, datetimes, bad shapes and ops", () => {
  const c64: NDArray = { data: new Float32Array(4), shape: [2], dtype: { kind: "complex", bits: 64, endian: "little" } };
  const s: NDArray = { data: ["a", "b"], shape: [2], dtype: { kind: "string" } };
  const m: NDArray = { data: new BigInt64Array(2), shape: [2], dtype: { kind: "datetime", unit: "s", scale: 1, endian: "little" } };
  const f = makeArray(DT.float64, [2], 1);
  for (const bad of [c64, s, m]) {
    assert.throws(() => binary({ op: "add", a: bad, b: f }), UnsupportedError);
    assert.throws(() => unary({ op: "abs", a: bad }), UnsupportedError);
    assert.throws(() => astype({ a: bad, dtype: DT.float64 }), UnsupportedError);
  }
  assert.throws(() => binary({ op: "add", a: c64, b: f }), /complex/);
  assert.throws(() => binary({ op: "nope" as never, a: f, b: f }), ZarrError);
  assert.throws(() => binary({ op: "add", a: { data: new Float64Array(3), shape: [2], dtype: DT.float64 }, b: f }), ZarrError);
  assert.throws(() => binary({ op: "bitwiseAnd", a: f, b: f }), UnsupportedError);
  assert.throws(() => unary({ op: "negative", a: makeArray(DT.bool, [2], 1) }), UnsupportedError);
});
