/**
 * The byte-level number parsers of the VCF importer against the engine's own (correctly
 * rounded) parsing, on random text, and the header's structured-line parser.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseFloatBytes, parseIntBytes, parseStructured } from "../../src/genomics/vcf/index.js";
import { BAD } from "../../src/genomics/vcf/numbers.js";

const bytes = (s: string) => Buffer.from(s, "latin1");
const pf = (s: string) => { const b = bytes(` ${s};`); return parseFloatBytes(b, 1, b.length - 1); };
const pi = (s: string) => { const b = bytes(`:${s},`); return parseIntBytes(b, 1, b.length - 1); };

test("parseIntBytes: every int32, signs, and rejects junk and overflow", () => {
  fc.assert(fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), (n) => pi(String(n)) === n && (n === -2147483648 || pi(`+${Math.abs(n)}`) === Math.abs(n))));
  for (const s of ["", "-", "+", "1x", "x1", "1.0", "1e3", " 1", "2147483648", "-2147483649", "99999999999", "0x10"]) assert.equal(pi(s), BAD, s);
  assert.equal(pi("-2147483648"), -2147483648);
  assert.equal(pi("007"), 7);
});

test("parseFloatBytes equals Number() on the text (so float32 storage equals strtod then a cast)", () => {
  const forms = (x: number) => [String(x), x.toExponential(), x.toExponential(3), x.toPrecision(17), x.toPrecision(6), x.toFixed(4)];
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
    for (const s of forms(x)) {
      if (!Number.isFinite(Number(s))) continue;
      const got = pf(s), want = Number(s);
      if (want === BAD ? got !== 0 : !Object.is(got, want)) return false; // 5e-324 reads as 0 (its float32)
    }
    return true;
  }), { numRuns: 3000 });
  // Decimal text as VCF writers produce it: digits, optional point, optional exponent.
  const digits = fc.stringMatching(/^[0-9]{1,22}$/);
  fc.assert(fc.property(fc.constantFrom("", "-", "+"), digits, fc.option(digits), fc.option(fc.integer({ min: -340, max: 340 })), (sign, a, b, e) => {
    const s = `${sign}${a}${b === null ? "" : "." + b}${e === null ? "" : "e" + e}`;
    const want = Number(s);
    return want === BAD ? pf(s) === 0 : Object.is(pf(s), want);
  }), { numRuns: 5000 });
  assert.ok(Number.isNaN(pf("nan")) && Number.isNaN(pf("NaN")));
  assert.equal(pf("-inf"), -Infinity);
  assert.equal(pf("Infinity"), Infinity);
  assert.equal(pf(".5"), 0.5);
  assert.equal(pf("5."), 5);
  assert.equal(pf("5e-324"), 0, "a double subnormal that is 0 as a float32 is 0, not an error");
  for (const s of ["", ".", "-", "e5", "1e", "1e+", "1.2.3", "1,5", "--1", "0x1p3", "1f", "in", "nana"]) assert.equal(pf(s), BAD, s);
});

test("parseStructured: quoted values with commas and escaped quotes", () => {
  const m = parseStructured('<ID=X,Number=1,Type=String,Description="a, \\"b\\", c",Source="s">');
  assert.deepEqual(m && Object.fromEntries(m), { ID: "X", Number: "1", Type: "String", Description: 'a, "b", c', Source: "s" });
  assert.equal(parseStructured("<ID=X,Description=\"open>"), undefined);
  assert.equal(parseStructured("ID=X"), undefined);
});
