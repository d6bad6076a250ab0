/**
 * Result-type rules against numpy 1.24 itself: `np.result_type` for every pair of numeric
 * dtypes, and the dtype every supported ufunc gives (or its TypeError) for every pair /
 * every dtype, asked of numpy on empty arrays.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BINARY_OPS, UNARY_OPS, commonType, resultType, type OperandType } from "../../../src/compute/kernels/dtypes.js";
import { UnsupportedError } from "../../../src/format/errors.js";
import { ALL, npName, numpy, UFUNC } from "./np.js";


const names = ALL.map(npName);

test("np.result_type of every pair of numeric dtypes", () => {
  const table = numpy<string[][]>(`
names = payload
print(json.dumps([[str(np.result_type(np.dtype(a), np.dtype(b))) for b in names] for a in names]))
`, names);
  ALL.forEach((a, i) => ALL.forEach((b, j) => assert.equal(npName(commonType("add", a, b)), table[i][j], `result_type(${names[i]}, ${names[j]})`)));
  // Spot checks the brief names.
  assert.equal(table[names.indexOf("int8")][names.indexOf("uint8")], "int16");
  assert.equal(table[names.indexOf("int64")][names.indexOf("uint64")], "float64");
  assert.equal(table[names.indexOf("int16")][names.indexOf("float32")], "float32");
  assert.equal(table[names.indexOf("int32")][names.indexOf("float32")], "float64");
});

test("every ufunc's result dtype (or TypeError) for every dtype pair matches numpy exactly", () => {
  const res = numpy<{ binary: Record<string, (string | null)[][]>; unary: Record<string, (string | null)[]> }>(`
names, binops, unops = payload
def dt(f):
    try:
        return str(f().dtype)
    except TypeError:
        return None
out = {'binary': {}, 'unary': {}}
for op in binops:
    f = getattr(np, op)
    out['binary'][op] = [[dt(lambda: f(np.empty(0, a), np.empty(0, b))) for b in names] for a in names]
for op in unops:
    f = getattr(np, op)
    out['unary'][op] = [dt(lambda: f(np.empty(0, a))) for a in names]
print(json.dumps(out))
`, [names, [...new Set(BINARY_OPS.map((o) => UFUNC[o]))], UNARY_OPS.map((o) => UFUNC[o])]);
  const ours = (op: string, a: OperandType, b?: OperandType): string | null => {
    try {
      return npName(resultType(op, a, b));
    } catch (e) {
      assert.ok(e instanceof UnsupportedError, `${op}: ${(e as Error).message}`);
      return null;
    }
  };
  for (const op of BINARY_OPS) ALL.forEach((a, i) => ALL.forEach((b, j) => {
    assert.equal(ours(op, a, b), res.binary[UFUNC[op]][i][j], `${op}(${names[i]}, ${names[j]})`);
  }));
  for (const op of UNARY_OPS) ALL.forEach((a, i) => assert.equal(ours(op, a), res.unary[UFUNC[op]][i], `${op}(${names[i]})`));
});

test("weak scalars (NEP 50 rules)", () => {
  const r = (op: string, a: OperandType, b?: OperandType) => npName(resultType(op, a, b));
  assert.equal(r("add", ALL[1], "int-scalar"), "int8");
  assert.equal(r("add", "int-scalar", ALL[5]), "uint8");
  assert.equal(r("multiply", ALL[2], "float-scalar"), "float64");
  assert.equal(r("multiply", ALL[10], "float-scalar"), "float32");
  assert.equal(r("add", ALL[0], "bool-scalar"), "bool");
  assert.equal(r("add", ALL[0], "int-scalar"), "int64");
  assert.equal(r("add", ALL[0], "float-scalar"), "float64");
  assert.equal(r("less", ALL[3], "float-scalar"), "bool");
  assert.equal(r("where", "int-scalar", "int-scalar"), "int64");
  assert.equal(r("where", "float-scalar", ALL[1]), "float64");
  assert.equal(r("divide", "int-scalar", "int-scalar"), "float64");
  assert.throws(() => resultType("add", { kind: "complex", bits: 64, endian: "little" }, ALL[1]), /complex/);
  assert.throws(() => resultType("add", { kind: "string" }, ALL[1]), UnsupportedError);
});
