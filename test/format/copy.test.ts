import { test } from "node:test";
import assert from "node:assert/strict";
import { Float16Array as F16 } from "@petamoriken/float16";
import { copyRegion, fillRegion, rawView } from "../../src/format/copy.js";
import { planSelection, slice, type DimSel } from "../../src/array/selection.js";
import type { DataValues } from "../../src/format/dtype.js";
import { SelectionError } from "../../src/format/errors.js";
import { prng } from "../prng.js";

type Rng = () => number;
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const prod = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);

/** Indices a compact selection denotes. */
const expand = (s: DimSel): number[] => (ArrayBuffer.isView(s) ? Array.from(s) : Array.from({ length: s.count }, (_, i) => s.start + i * s.step));

/** Flat element indices a selection visits, in C order. */
function flatOrder(shape: number[], sel: DimSel[]): number[] {
  const lists = sel.map(expand);
  const out: number[] = [];
  const total = lists.reduce((a, l) => a * l.length, 1);
  const idx = new Array(lists.length).fill(0);
  for (let p = 0; p < total; p++) {
    out.push(idx.reduce((a, i, d) => a * shape[d] + lists[d][i], 0));
    for (let d = lists.length - 1; d >= 0; d--) { if (++idx[d] < lists[d].length) break; idx[d] = 0; }
  }
  return out;
}

/** A random selection of `count` indices in a dimension of length `len` (range or list). */
function randDim(r: Rng, count: number, len: number, allowList: boolean): DimSel {
  if (allowList && r() < 0.35) {
    const a = Array.from({ length: count }, () => int(r, 0, len - 1));
    return r() < 0.2 ? Float64Array.from(a) : Int32Array.from(a);
  }
  if (count <= 1) return { start: count === 0 ? 0 : int(r, 0, len - 1), step: 1, count };
  const maxStep = Math.floor((len - 1) / (count - 1));
  const mag = r() < 0.6 ? 1 : int(r, 1, maxStep);
  const step = r() < 0.3 ? -mag : mag;
  const span = (count - 1) * mag;
  const lo = int(r, 0, len - 1 - span);
  return { start: step > 0 ? lo : lo + span, step, count };
}

/** Random pair of (shape, selection) with the given non-1 counts, extra single-index dims sprinkled in. */
function randSide(r: Rng, counts: number[], allowList: boolean): { shape: number[]; sel: DimSel[] } {
  const shape: number[] = [];
  const sel: DimSel[] = [];
  const add1 = () => { const len = int(r, 1, 4); shape.push(len); sel.push(r() < 0.3 ? Int32Array.of(int(r, 0, len - 1)) : { start: int(r, 0, len - 1), step: 1, count: 1 }); };
  for (const c of counts) {
    while (r() < 0.2) add1();
    const len = c + (r() < 0.4 ? 0 : int(r, 0, 6));
    shape.push(Math.max(len, 1));
    sel.push(randDim(r, c, Math.max(len, 1), allowList));
  }
  while (r() < 0.2) add1();
  return { shape, sel };
}

type Kind = "u8" | "i16" | "f32" | "f64" | "i64" | "f16" | "plain";
const ELEM: Record<Kind, number> = { u8: 1, i16: 2, f32: 4, f64: 8, i64: 8, f16: 2, plain: 0 };

function alloc(kind: Kind, n: number, r: Rng): DataValues {
  switch (kind) {
    case "plain": return Array.from({ length: n }, () => `s${int(r, 0, 999)}`);
    case "f16": { const f = new F16(n); new Uint16Array(f.buffer).forEach((_, i, a) => { a[i] = int(r, 0, 0xffff); }); return f as unknown as DataValues; }
    default: {
      const bytes = new Uint8Array(n * ELEM[kind]).map(() => int(r, 0, 255));
      const C = { u8: Uint8Array, i16: Int16Array, f32: Float32Array, f64: Float64Array, i64: BigInt64Array }[kind];
      return new C(bytes.buffer);
    }
  }
}

function bytesOfData(d: DataValues): Uint8Array {
  const t = d as unknown as { buffer: ArrayBuffer; byteOffset: number; length: number };
  return new Uint8Array(t.buffer, t.byteOffset, t.length * (d instanceof F16 ? 2 : (d as Uint8Array).BYTES_PER_ELEMENT));
}

test("copyRegion matches an element-by-element reference on random selections, containers and units", () => {
  const r = prng(8675309);
  const kinds: Kind[] = ["u8", "i16", "f32", "f64", "i64", "f16", "plain"];
  let memcpyish = 0;
  for (let iter = 0; iter < 2500; iter++) {
    const kind = kinds[iter % kinds.length];
    const units = kind === "plain" ? 1 : int(r, 1, 4);
    const rank = int(r, 0, 4);
    const counts = Array.from({ length: rank }, () => (r() < 0.05 ? 0 : int(r, 2, 7)));
    const S = randSide(r, counts, true);
    const D = randSide(r, counts, true);
    // Whole-buffer and contiguous cases: keep some selections as full ranges.
    if (r() < 0.2) { S.sel = S.shape.map((n, d) => (expand(S.sel[d]).length === 1 ? S.sel[d] : { start: 0, step: 1, count: n })); D.shape = S.sel.map(expand).map((l) => l.length); D.sel = D.shape.map((n) => ({ start: 0, step: 1, count: n })); memcpyish++; }
    const src = alloc(kind, prod(S.shape) * units, r);
    const dst = alloc(kind, prod(D.shape) * units, r);
    const so = flatOrder(S.shape, S.sel);
    const dO = flatOrder(D.shape, D.sel);
    assert.equal(so.length, dO.length);
    const ctx = () => JSON.stringify({ kind, units, S, D });
    if (kind === "plain") {
      const exp = [...(dst as string[])];
      so.forEach((s, p) => { exp[dO[p]] = (src as string[])[s]; });
      copyRegion(src, S.shape, S.sel, dst, D.shape, D.sel, units);
      assert.deepEqual(dst, exp, ctx());
    } else {
      const eb = ELEM[kind] * units;
      const sb = bytesOfData(src);
      const exp = bytesOfData(dst).slice();
      so.forEach((s, p) => exp.set(sb.subarray(s * eb, s * eb + eb), dO[p] * eb));
      copyRegion(src, S.shape, S.sel, dst, D.shape, D.sel, units);
      assert.deepEqual(bytesOfData(dst), exp, ctx());
    }
  }
  assert.ok(memcpyish > 300);
});

test("copyRegion: rows of a few int8/int16 elements (moved in wider words when aligned) land exactly, at any alignment", () => {
  const r = prng(4242);
  for (let iter = 0; iter < 800; iter++) {
    const eb = r() < 0.5 ? 1 : 2;
    const P = int(r, 1, 4);
    const cols = int(r, 1, 12);
    const rows = int(r, 1, 9);
    const C = cols + int(r, 0, 10);
    const R = rows + int(r, 0, 3);
    const col0 = int(r, 0, C - cols);
    // Source: a chunk (rows × cols × P) at a random byte offset; destination: a wider block.
    const srcOff = int(r, 0, 4) * eb, dstOff = int(r, 0, 4) * eb;
    const srcBytes = new Uint8Array(srcOff + rows * cols * P * eb + 8).map(() => int(r, 0, 255));
    const dstBytes = new Uint8Array(dstOff + R * C * P * eb + 8).map(() => int(r, 0, 255));
    const view = (b: Uint8Array, off: number, n: number): DataValues => (eb === 1 ? new Uint8Array(b.buffer, off, n) : new Int16Array(b.buffer, off, n));
    const src = view(srcBytes, srcOff, rows * cols * P);
    const dst = view(dstBytes, dstOff, R * C * P);
    const rowSel: DimSel = r() < 0.3 ? Int32Array.from({ length: rows }, () => int(r, 0, R - 1)) : { start: int(r, 0, R - rows), step: 1, count: rows };
    const dSel: DimSel[] = [rowSel, { start: col0, step: 1, count: cols }, { start: 0, step: 1, count: P }];
    const so = flatOrder([rows, cols, P], [{ start: 0, step: 1, count: rows }, { start: 0, step: 1, count: cols }, { start: 0, step: 1, count: P }]);
    const dO = flatOrder([R, C, P], dSel);
    const exp = dstBytes.slice();
    so.forEach((s, p) => exp.set(srcBytes.subarray(srcOff + s * eb, srcOff + s * eb + eb), dstOff + dO[p] * eb));
    copyRegion(src, [rows, cols, P], null, dst, [R, C, P], dSel);
    assert.deepEqual(dstBytes, exp, JSON.stringify({ eb, P, cols, rows, C, R, col0, srcOff, dstOff }));
  }
});

test("copyRegion: null selections copy whole buffers; dropped output dims pair with single-index chunk dims", () => {
  const a = Int32Array.from({ length: 24 }, (_, i) => i);
  const b = new Int32Array(24);
  copyRegion(a, [2, 3, 4], null, b, [2, 3, 4], null);
  assert.deepEqual(b, a);
  // Chunk [2,3,4] row 1, column 2 -> output of shape [4] (two dims dropped).
  const out = new Int32Array(4);
  copyRegion(a, [2, 3, 4], [{ start: 1, step: 1, count: 1 }, Int32Array.of(2), { start: 3, step: -1, count: 4 }], out, [4], [{ start: 0, step: 1, count: 4 }]);
  assert.deepEqual(Array.from(out), [23, 22, 21, 20]);
  // 0-d to 0-d.
  const z = new Float64Array(1);
  copyRegion(Float64Array.of(2.5), [], [], z, [], []);
  assert.equal(z[0], 2.5);
});

test("copying preserves bits exactly: NaN payloads, signalling NaNs, -0.0 in float64/float32/float16", () => {
  // float64: quiet NaN with payload, signalling NaN, -0, and a negative NaN.
  const f64 = new Float64Array(6);
  const w = new Uint32Array(f64.buffer);
  const pats = [[0x00000001, 0x7ff00000], [0xdeadbeef, 0x7ff8abcd], [0x00000000, 0x80000000], [0x12345678, 0xfff12345], [1, 2], [0xffffffff, 0x7fffffff]];
  pats.forEach(([lo, hi], i) => { w[2 * i] = lo; w[2 * i + 1] = hi; });
  const f32 = Uint32Array.of(0x7f800001, 0x7fc00123, 0x80000000, 0xff800abc, 0x7fbfffff, 0x00000001);
  const f32v = new Float32Array(f32.buffer);
  const f16 = new F16(6);
  new Uint16Array(f16.buffer).set([0x7c01, 0x7e55, 0x8000, 0xfc02, 0x7dff, 0x0001]);
  for (const data of [f64, f32v, f16 as unknown as DataValues]) {
    const bytes = bytesOfData(data).slice();
    const eb = bytes.length / 6;
    // Reversed (tight loop path), strided list, and the contiguous (set) path.
    for (const sel of [[{ start: 5, step: -1, count: 6 }], [Int32Array.of(3, 0, 5, 1, 4, 2)], [{ start: 0, step: 1, count: 6 }]] as DimSel[][]) {
      const C = data.constructor as unknown as new (n: number) => DataValues;
      const out = data instanceof F16 ? (new F16(6) as unknown as DataValues) : new C(6);
      copyRegion(data, [6], sel, out, [6], null);
      const order = expand(sel[0]);
      const exp = new Uint8Array(bytes.length);
      order.forEach((s, p) => exp.set(bytes.subarray(s * eb, s * eb + eb), p * eb));
      assert.deepEqual(bytesOfData(out), exp);
    }
    // Also through a plan: whole array read into a larger strided output.
    const out2 = data instanceof F16 ? (new F16(12) as unknown as DataValues) : new (data.constructor as unknown as new (n: number) => DataValues)(12);
    copyRegion(data, [6], null, out2, [12], [{ start: 11, step: -2, count: 6 }]);
    const ob = bytesOfData(out2);
    for (let i = 0; i < 6; i++) assert.deepEqual(ob.subarray((11 - 2 * i) * eb, (12 - 2 * i) * eb), bytes.subarray(i * eb, (i + 1) * eb));
  }
});

test("copying BigInt, complex (units=2) and fixed-size bytes (units=n) data", () => {
  const big = BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, 12345678901234567n, -5n);
  const bo = new BigInt64Array(6);
  copyRegion(big, [2, 3], [{ start: 1, step: -1, count: 2 }, Int32Array.of(2, 0, 1)], bo, [2, 3], [{ start: 0, step: 1, count: 2 }, { start: 2, step: -1, count: 3 }]);
  // src visits (1,2) (1,0) (1,1) (0,2) (0,0) (0,1) = -5, 0, 1234.., -1, -2^63, 2^63-1 into dst flat 2, 1, 0, 5, 4, 3.
  assert.deepEqual(Array.from(bo), [12345678901234567n, 0n, -5n, 2n ** 63n - 1n, -(2n ** 63n), -1n]);
  // complex128 with a NaN payload in an imaginary part; -0 in a real part.
  const c = new Float64Array([1, 2, -0, NaN, 3, 4]);
  new Uint32Array(c.buffer)[7] = 0x7ff80001;
  const co = new Float64Array(6);
  copyRegion(c, [3], [{ start: 2, step: -1, count: 3 }], co, [3], null, 2);
  const cb = new Uint8Array(c.buffer);
  const exp = new Uint8Array(48);
  exp.set(cb.subarray(32, 48), 0); exp.set(cb.subarray(16, 32), 16); exp.set(cb.subarray(0, 16), 32);
  assert.deepEqual(new Uint8Array(co.buffer), exp);
  // S5 (odd width: byte loops) and U3 (Uint32 units) with lists.
  const s5 = new TextEncoder().encode("aaaaabbbbbcccccddddd");
  const s5o = new Uint8Array(15);
  copyRegion(s5, [4], [Int32Array.of(3, 3, 0)], s5o, [3], null, 5);
  assert.equal(new TextDecoder().decode(s5o), "ddddddddddaaaaa");
  const u3 = Uint32Array.from([..."xyzXYZ123"].map((ch) => ch.codePointAt(0)!));
  const u3o = new Uint32Array(9);
  copyRegion(u3, [3], [{ start: 2, step: -1, count: 3 }], u3o, [3], null, 3);
  assert.equal(String.fromCodePoint(...u3o), "123XYZxyz");
  // Structured records viewed as bytes into a Uint8Array from a misaligned offset (word width falls back).
  const recs = new Uint8Array(33).map((_, i) => i);
  const src = recs.subarray(1); // 4 records of 8 bytes at byte offset 1
  const out = new Uint8Array(16);
  copyRegion(src, [4], [Int32Array.of(3, 1)], out, [2], null, 8);
  assert.deepEqual(Array.from(out), [25, 26, 27, 28, 29, 30, 31, 32, 9, 10, 11, 12, 13, 14, 15, 16]);
});

test("rawView gives same-width unsigned views over the same memory, including the Float16Array polyfill", () => {
  const f = new F16([1, -0, NaN]);
  const v = rawView(f as unknown as DataValues);
  assert.ok(v instanceof Uint16Array);
  assert.deepEqual(Array.from(v), [0x3c00, 0x8000, 0x7e00]);
  v[0] = 0x4000;
  assert.equal(f[0], 2);
  assert.ok(rawView(new Float64Array(2)) instanceof BigUint64Array);
  assert.ok(rawView(new Int8Array(2)) instanceof Uint8Array);
  assert.ok(rawView(new Float32Array(new ArrayBuffer(16), 4, 2)) instanceof Uint32Array);
  assert.equal(rawView(new Float32Array(new ArrayBuffer(16), 4, 2)).byteOffset, 4);
  assert.throws(() => rawView(["a"]), TypeError);
});

test("fillRegion writes the exact fill bits to exactly the selected elements", () => {
  const r = prng(555);
  for (let iter = 0; iter < 400; iter++) {
    const kind = (["u8", "i16", "f32", "f64", "i64", "f16", "plain"] as Kind[])[iter % 7];
    const units = kind === "plain" ? 1 : int(r, 1, 3);
    const rank = int(r, 0, 3);
    const counts = Array.from({ length: rank }, () => int(r, 2, 6));
    const D = r() < 0.3 ? (() => { const shape = counts.map((c) => c + int(r, 0, 2)); return { shape, sel: shape.map((n) => ({ start: 0, step: 1, count: n })) as DimSel[] }; })() : randSide(r, counts, true);
    const dst = alloc(kind, prod(D.shape) * units, r);
    const value = alloc(kind, units, r);
    const order = new Set(flatOrder(D.shape, D.sel));
    if (kind === "plain") {
      const exp = (dst as string[]).map((v, i) => (order.has(i) ? (value as string[])[0] : v));
      fillRegion(dst, D.shape, D.sel, value);
      assert.deepEqual(dst, exp);
    } else {
      const eb = ELEM[kind] * units;
      const exp = bytesOfData(dst).slice();
      for (const i of order) exp.set(bytesOfData(value), i * eb);
      fillRegion(dst, D.shape, D.sel, value);
      assert.deepEqual(bytesOfData(dst), exp, JSON.stringify({ kind, units, D }));
    }
  }
  // A NaN-payload fill value for float64 and complex128.
  const nan = new Float64Array(1);
  new Uint32Array(nan.buffer).set([0xabcdef01, 0x7ff01234]);
  const d = new Float64Array(10);
  fillRegion(d, [10], [{ start: 1, step: 3, count: 3 }], nan);
  const dw = new Uint32Array(d.buffer);
  for (let i = 0; i < 10; i++) assert.deepEqual([dw[2 * i], dw[2 * i + 1]], [1, 4, 7].includes(i) ? [0xabcdef01, 0x7ff01234] : [0, 0]);
  const cfill = new Float64Array(2);
  new Uint32Array(cfill.buffer).set([0, 0x80000000, 5, 0x7ff80000]);
  const cd = new Float64Array(2 * 300);
  fillRegion(cd, [300], null, cfill);
  const cw = new Uint32Array(cd.buffer);
  for (let i = 0; i < 300; i++) assert.deepEqual(Array.from(cw.subarray(4 * i, 4 * i + 4)), [0, 0x80000000, 5, 0x7ff80000]);
});

test("copyRegion and fillRegion reject mismatched or out-of-bounds selections and short buffers", () => {
  const a = new Int32Array(12);
  const err = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof SelectionError && re.test(e.message));
  err(() => copyRegion(a, [3, 4], null, new Int32Array(12), [12], null), /source selection \[3, 4\] does not match destination selection \[12\]/);
  err(() => copyRegion(a, [3, 4], [{ start: 0, step: 1, count: 3 }, { start: 2, step: 1, count: 3 }], new Int32Array(9), [3, 3], null), /source selection, dimension 1 \(length 4\).*out of bounds/);
  err(() => copyRegion(a, [3, 4], [{ start: 0, step: 1, count: 3 }, Int32Array.of(0, 4)], new Int32Array(6), [3, 2], null), /index 4 is out of bounds/);
  err(() => copyRegion(a, [3, 5], null, new Int32Array(15), [15], null), /source holds 12 units but shape \[3, 5\] needs 15/);
  err(() => copyRegion(a, [3, 4], [null as unknown as DimSel], a, [3, 4], null), /1 entries for 2 dimensions/);
  err(() => copyRegion(new Uint8Array(10), [2], null, new Uint32Array(3), [2], null, 5), /not a multiple/);
  err(() => fillRegion(new Float64Array(4), [4], null, new Uint8Array(3)), /fill value is 3 bytes/);
  err(() => fillRegion(a, [3, 4], [{ start: 0, step: 2, count: 3 }, { start: 0, step: 1, count: 4 }], Int32Array.of(1)), /out of bounds/);
  err(() => copyRegion(a, [12], null, a, [12], null, 0), /units must be a positive integer/);
});

test("plan + copy end-to-end on a larger chunked array, and a copyRegion micro-benchmark", (t) => {
  // Read a mixed selection from a [37, 23, 5] float64 array with chunks [8, 7, 2].
  const shape = [37, 23, 5];
  const chunks = [8, 7, 2];
  const a = Float64Array.from({ length: prod(shape) }, (_, i) => i * 0.5);
  const plan = planSelection(shape, chunks, [slice(null, null, -3), [22, 0, 7, 7, 13], slice(1, null)]);
  const out = new Float64Array(plan.count);
  for (const p of plan.projections) {
    const buf = new Float64Array(prod(chunks));
    for (let i = 0; i < chunks[0]; i++) for (let j = 0; j < chunks[1]; j++) for (let k = 0; k < chunks[2]; k++) {
      const g = [p.chunkCoords[0] * chunks[0] + i, p.chunkCoords[1] * chunks[1] + j, p.chunkCoords[2] * chunks[2] + k];
      if (g.every((v, d) => v < shape[d])) buf[(i * chunks[1] + j) * chunks[2] + k] = a[(g[0] * shape[1] + g[1]) * shape[2] + g[2]];
    }
    copyRegion(buf, plan.chunkView, p.chunkSel, out, plan.outShape, p.outSel);
  }
  let q = 0;
  for (let i = 36; i >= 0; i -= 3) for (const j of [22, 0, 7, 7, 13]) for (let k = 1; k < 5; k++) assert.equal(out[q++], a[(i * 23 + j) * 5 + k]);

  // Benchmark: a (6553, 200, 2) int8 chunk into a larger output, whole-chunk selection.
  const cshape = [6553, 200, 2];
  const chunk = new Int8Array(prod(cshape)).map((_, i) => i * 7);
  const bytes = chunk.length;
  const bench = (oshape: number[], reps: number): number => {
    const dst = new Int8Array(prod(oshape));
    // The whole array is read; chunk [1, 0, 0] lands in the middle of the (larger) output.
    const p2 = planSelection(oshape, cshape, null);
    const proj = [...p2.projections].find((p) => p.chunkCoords.join() === "1,0,0")!;
    assert.deepEqual(p2.outShape, oshape);
    copyRegion(chunk, cshape, proj.chunkSel, dst, p2.outShape, proj.outSel); // warm-up + check
    assert.equal(dst[(cshape[0] * oshape[1] + 5) * 2 + 1], chunk[5 * 2 + 1]);
    assert.equal(dst[((2 * cshape[0] - 1) * oshape[1] + 199) * 2 + 1], chunk[chunk.length - 1]);
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) copyRegion(chunk, cshape, proj.chunkSel, dst, p2.outShape, proj.outSel);
    return (bytes * reps) / ((performance.now() - t0) / 1000) / 1e9;
  };
  const contiguous = bench([3 * 6553, 200, 2], 200);
  const rows = bench([3 * 6553, 400, 2], 100);
  t.diagnostic(`copyRegion (6553,200,2) int8 whole chunk: ${contiguous.toFixed(2)} GB/s into (19659,200,2); ${rows.toFixed(2)} GB/s into (19659,400,2) (400-byte rows)`);
  assert.ok(contiguous > 0 && rows > 0);
});
