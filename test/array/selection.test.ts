import { prng } from "../prng.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  planSelection, planPoints, planMask, planBlocks, blocksToSelection, countSelected, isWholeChunk, slice,
  normalizeSlice, type ChunkProjection, type DimSelection, type Selection, type SelectionPlan, type Slice, type BlockDimSelection,
} from "../../src/array/selection.js";
import { copyRegion } from "../../src/format/copy.js";
import { SelectionError } from "../../src/format/errors.js";

const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";

// ---------------------------------------------------------------- seeded PRNG and generators

type Rng = () => number;
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1)); // inclusive
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

function randShape(r: Rng): { shape: number[]; chunks: number[] } {
  const rank = int(r, 0, 4);
  const shape: number[] = [];
  const chunks: number[] = [];
  for (let d = 0; d < rank; d++) {
    const n = r() < 0.08 ? 0 : r() < 0.1 ? 1 : int(r, 1, rank >= 3 ? 6 : 11);
    shape.push(n);
    chunks.push(r() < 0.1 ? n + int(r, 1, 3) : int(r, 1, Math.max(1, Math.min(n, 5))));
  }
  return { shape, chunks };
}

function randSliceBound(r: Rng, n: number): number | null {
  return r() < 0.25 ? null : int(r, -n - 3, n + 3);
}

function randDimSel(r: Rng, n: number, allowInt = true): DimSelection {
  const k = r();
  if (k < 0.15 && n > 0 && allowInt) return int(r, -n, n - 1);
  if (k < 0.25) return null;
  if (k < 0.6) {
    const step = r() < 0.3 ? null : pick(r, [1, 1, 2, 3, 5, -1, -1, -2, -3, -4]);
    return r() < 0.5 ? slice(randSliceBound(r, n), randSliceBound(r, n), step) : { start: randSliceBound(r, n), stop: randSliceBound(r, n), step };
  }
  if (k < 0.85 || n === 0) {
    const len = n === 0 ? 0 : int(r, 0, 7);
    const a = Array.from({ length: len }, () => int(r, -n, n - 1));
    const kind = r();
    if (kind < 0.2) return Int32Array.from(a);
    if (kind < 0.3) return BigInt64Array.from(a.map(BigInt));
    if (kind < 0.4) return a.map((v) => (v < 0 ? v + n : v)).sort((x, y) => x - y);
    return a;
  }
  const m = Array.from({ length: n }, () => r() < 0.5);
  return r() < 0.5 ? { mask: m } : { mask: Uint8Array.from(m.map(Number)) };
}

function randSelection(r: Rng, shape: number[]): Selection {
  const sel: (DimSelection | "...")[] = shape.map((n) => randDimSel(r, n));
  const k = r();
  if (k < 0.15) return sel.slice(0, int(r, 0, sel.length)); // shorter: padded with full slices
  if (k < 0.35) {
    // Replace a run of entries by "...".
    const a = int(r, 0, sel.length);
    const b = int(r, a, sel.length);
    return [...sel.slice(0, a), "...", ...sel.slice(b)];
  }
  if (k < 0.4 && sel.length === 1 && !Array.isArray(sel[0])) return sel[0] as Selection; // lone entry (a plain array would be the per-dim list)
  return sel;
}

// ---------------------------------------------------------------- reference implementation

/** Indices of a slice by walking it (independent of the closed-form code under test). */
function refSlice(n: number, s: Slice): number[] {
  const step = s.step ?? 1;
  const out: number[] = [];
  if (step > 0) {
    const fix = (v: number) => (v < 0 ? Math.max(0, v + n) : Math.min(v, n));
    const a = s.start == null ? 0 : fix(s.start);
    const b = s.stop == null ? n : fix(s.stop);
    for (let i = a; i < b; i += step) out.push(i);
  } else {
    const fix = (v: number) => (v < 0 ? Math.max(-1, v + n) : Math.min(v, n - 1));
    const a = s.start == null ? n - 1 : fix(s.start);
    const b = s.stop == null ? -1 : fix(s.stop);
    for (let i = a; i > b; i += step) out.push(i);
  }
  return out;
}

/** Per-dimension index lists and whether the dimension is dropped. */
function refDims(shape: number[], sel: Selection): { lists: number[][]; dropped: boolean[] } {
  const list: (DimSelection | "...")[] = sel === undefined || sel === null ? [] : Array.isArray(sel) ? [...sel] : [sel as DimSelection];
  const given = list.filter((e) => e !== "...").length;
  const full: DimSelection[] = [];
  for (const e of list) if (e === "...") for (let k = 0; k < shape.length - given; k++) full.push(null); else full.push(e);
  while (full.length < shape.length) full.push(null);
  const lists: number[][] = [];
  const dropped: boolean[] = [];
  full.forEach((s, d) => {
    const n = shape[d];
    dropped.push(typeof s === "number");
    if (s === null) lists.push([...Array(n).keys()]);
    else if (typeof s === "number") lists.push([s < 0 ? s + n : s]);
    else if (Array.isArray(s) || ArrayBuffer.isView(s)) lists.push(Array.from(s as ArrayLike<number | bigint>, (v) => { const x = Number(v); return x < 0 ? x + n : x; }));
    else if ("mask" in (s as object)) lists.push([...Array(n).keys()].filter((i) => (s as { mask: ArrayLike<unknown> }).mask[i]));
    else lists.push(refSlice(n, s as Slice));
  });
  return { lists, dropped };
}

/** Visit the outer product of lists in C order: cb(array coords, output position). */
function forOuter(lists: number[][], cb: (coords: number[], pos: number) => void): void {
  const total = lists.reduce((a, l) => a * l.length, 1);
  const idx = new Array(lists.length).fill(0);
  for (let p = 0; p < total; p++) {
    cb(idx.map((i, d) => lists[d][i]), p);
    for (let d = lists.length - 1; d >= 0; d--) { if (++idx[d] < lists[d].length) break; idx[d] = 0; }
  }
}

const flatIndex = (shape: number[], c: number[]): number => c.reduce((a, v, d) => a * shape[d] + v, 0);
const prod = (xs: number[]): number => xs.reduce((a, b) => a * b, 1);

/** Extract chunk `coords` of a C-order array into a full-size chunk buffer (outside = fill). */
function getChunk(a: Int32Array, shape: number[], chunks: number[], coords: number[], fill: number): Int32Array {
  const out = new Int32Array(prod(chunks)).fill(fill);
  forOuter(chunks.map((c) => [...Array(c).keys()]), (local, pos) => {
    const g = local.map((v, d) => v + coords[d] * chunks[d]);
    if (g.every((v, d) => v < shape[d])) out[pos] = a[flatIndex(shape, g)];
  });
  return out;
}

function putChunk(a: Int32Array, shape: number[], chunks: number[], coords: number[], buf: Int32Array): void {
  forOuter(chunks.map((c) => [...Array(c).keys()]), (local, pos) => {
    const g = local.map((v, d) => v + coords[d] * chunks[d]);
    if (g.every((v, d) => v < shape[d])) a[flatIndex(shape, g)] = buf[pos];
  });
}

function arange(n: number, r?: Rng): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = r ? int(r, -1e6, 1e6) : i;
  return a;
}

/** Read through a plan: decode every touched chunk from `a`, copy into the output. */
function readPlan(a: Int32Array, shape: number[], chunks: number[], plan: SelectionPlan): Int32Array {
  const out = new Int32Array(plan.count).fill(-123456789);
  let n = 0;
  const seen = new Set<string>();
  for (const p of plan.projections) {
    n++;
    const key = p.chunkCoords.join(",");
    assert.ok(!seen.has(key), `chunk ${key} visited twice`);
    seen.add(key);
    const buf = getChunk(a, shape, chunks, p.chunkCoords, -999);
    copyRegion(buf, plan.chunkView, p.chunkSel, out, plan.outShape, p.outSel, 1);
  }
  assert.equal(n, plan.chunkCount);
  return out;
}

/** Write `values` through a plan; whole-chunk writes start from a poisoned buffer to prove no read was needed. */
function writePlan(a: Int32Array, shape: number[], chunks: number[], plan: SelectionPlan, values: Int32Array, covered?: (p: ChunkProjection) => boolean): number {
  let wholes = 0;
  for (const p of plan.projections) {
    const whole = isWholeChunk(p, chunks);
    if (whole) wholes++;
    if (covered) assert.equal(whole, covered(p), `isWholeChunk for chunk ${p.chunkCoords} ${JSON.stringify(p)}`);
    const buf = whole ? new Int32Array(prod(chunks)).fill(-555) : getChunk(a, shape, chunks, p.chunkCoords, -999);
    copyRegion(values, plan.outShape, p.outSel, buf, plan.chunkView, p.chunkSel, 1);
    putChunk(a, shape, chunks, p.chunkCoords, buf);
  }
  return wholes;
}

/** Reference coverage: does the selection touch every in-array element of the chunk? */
function refCovered(shape: number[], chunks: number[], selected: Set<number>) {
  return (p: ChunkProjection): boolean => {
    let all = true;
    forOuter(p.extent.map((e) => [...Array(e).keys()]), (local) => {
      if (!selected.has(flatIndex(shape, local.map((v, d) => v + p.chunkCoords[d] * chunks[d])))) all = false;
    });
    return all;
  };
}

// ---------------------------------------------------------------- property tests against the reference

test("orthogonal selections: reads and writes match the reference on random shapes, chunks and selections", () => {
  const r = prng(12345);
  let cases = 0;
  let nonEmpty = 0;
  let wholes = 0;
  for (let iter = 0; iter < 1500; iter++) {
    const { shape, chunks } = randShape(r);
    const sel = randSelection(r, shape);
    const ctx = () => JSON.stringify({ shape, chunks, sel }, (_k, v) => (typeof v === "bigint" ? Number(v) : ArrayBuffer.isView(v) ? Array.from(v as Int32Array) : v));
    const { lists, dropped } = refDims(shape, sel);
    const plan = planSelection(shape, chunks, sel);
    const expShape = lists.filter((_, d) => !dropped[d]).map((l) => l.length);
    assert.deepEqual(plan.outShape, expShape, ctx());
    assert.equal(plan.count, prod(expShape), ctx());
    assert.equal(countSelected(shape, sel), prod(expShape), ctx());
    const a = arange(prod(shape), r);
    const expected = new Int32Array(plan.count);
    forOuter(lists, (c, p) => { expected[p] = a[flatIndex(shape, c)]; });
    assert.deepEqual(readPlan(a, shape, chunks, plan), expected, ctx());
    // Writes: numpy order (C order over the outer product), last duplicate wins.
    const values = arange(plan.count, r);
    const expA = a.slice();
    const selected = new Set<number>();
    forOuter(lists, (c, p) => { const f = flatIndex(shape, c); expA[f] = values[p]; selected.add(f); });
    const gotA = a.slice();
    wholes += writePlan(gotA, shape, chunks, plan, values, refCovered(shape, chunks, selected));
    assert.deepEqual(gotA, expA, ctx());
    cases++;
    if (plan.count > 0) nonEmpty++;
  }
  assert.equal(cases, 1500);
  assert.ok(nonEmpty > 800, `only ${nonEmpty} non-empty selections`);
  assert.ok(wholes > 500, `only ${wholes} whole-chunk writes`);
});

test("orthogonal selections with several container units per element (S<n>-like) match the reference", () => {
  const r = prng(777);
  for (let iter = 0; iter < 200; iter++) {
    const { shape, chunks } = randShape(r);
    const sel = randSelection(r, shape);
    const units = int(r, 2, 5);
    const { lists } = refDims(shape, sel);
    const plan = planSelection(shape, chunks, sel);
    const size = prod(shape);
    const a = new Uint8Array(size * units).map(() => int(r, 0, 255));
    const expected = new Uint8Array(plan.count * units);
    forOuter(lists, (c, p) => expected.set(a.subarray(flatIndex(shape, c) * units, flatIndex(shape, c) * units + units), p * units));
    const out = new Uint8Array(plan.count * units);
    for (const p of plan.projections) {
      const buf = new Uint8Array(prod(chunks) * units);
      forOuter(chunks.map((c) => [...Array(c).keys()]), (local, pos) => {
        const g = local.map((v, d) => v + p.chunkCoords[d] * chunks[d]);
        if (g.every((v, d) => v < shape[d])) buf.set(a.subarray(flatIndex(shape, g) * units, flatIndex(shape, g) * units + units), pos * units);
      });
      copyRegion(buf, plan.chunkView, p.chunkSel, out, plan.outShape, p.outSel, units);
    }
    assert.deepEqual(out, expected);
  }
});

test("point selections: reads, writes (last wins) and isWholeChunk match the reference", () => {
  const r = prng(4242);
  for (let iter = 0; iter < 600; iter++) {
    let { shape, chunks } = randShape(r);
    if (shape.length === 0 || shape.includes(0)) { shape = [int(r, 1, 9), int(r, 1, 5)]; chunks = [int(r, 1, 4), int(r, 1, 6)]; }
    const n = r() < 0.2 ? prod(shape) + int(r, 0, 3) : int(r, 0, 12);
    const coords = shape.map((len) => Array.from({ length: n }, () => int(r, -len, len - 1)));
    // Some dimensions broadcast from a single index or a plain number.
    const given: (number[] | number | Int32Array)[] = coords.map((c, d) => (r() < 0.15 && n > 0 ? (r() < 0.5 ? [c[0]] : c[0]) : r() < 0.3 ? Int32Array.from(c) : c));
    const pts = coords.map((c, d) => (typeof given[d] === "number" || (given[d] as number[]).length === 1 ? new Array(n).fill(c[0]) : c).map((v: number) => (v < 0 ? v + shape[d] : v)));
    const allScalar = given.every((g) => typeof g === "number" || (g as number[]).length === 1);
    const m = allScalar ? 1 : n;
    const plan = planPoints(shape, chunks, given);
    assert.deepEqual(plan.outShape, [m]);
    const a = arange(prod(shape), r);
    const at = (j: number) => flatIndex(shape, pts.map((p) => p[j]));
    const expected = Int32Array.from({ length: m }, (_, j) => a[at(j)]);
    assert.deepEqual(readPlan(a, shape, chunks, plan), expected);
    const values = arange(m, r);
    const expA = a.slice();
    const selected = new Set<number>();
    for (let j = 0; j < m; j++) { expA[at(j)] = values[j]; selected.add(at(j)); }
    const gotA = a.slice();
    writePlan(gotA, shape, chunks, plan, values, refCovered(shape, chunks, selected));
    assert.deepEqual(gotA, expA);
  }
});

test("n-d mask selection selects the set elements in C order", () => {
  const r = prng(99);
  for (let iter = 0; iter < 100; iter++) {
    let { shape, chunks } = randShape(r);
    if (shape.length === 0) { shape = [5]; chunks = [2]; }
    const size = prod(shape);
    const mask = Array.from({ length: size }, () => r() < 0.4);
    const plan = planMask(shape, chunks, mask);
    const a = arange(size, r);
    const expected = Int32Array.from(a.filter((_, i) => mask[i]));
    assert.deepEqual(readPlan(a, shape, chunks, plan), expected);
  }
});

test("block selections equal the reference element slices", () => {
  const r = prng(2024);
  for (let iter = 0; iter < 400; iter++) {
    const { shape, chunks } = randShape(r);
    const blocks: (BlockDimSelection | "...")[] = shape.map((n, d) => {
      const nb = Math.ceil(n / chunks[d]);
      const k = r();
      if (k < 0.4 && nb > 0) return int(r, -nb, nb - 1);
      if (k < 0.6) return null;
      return slice(randSliceBound(r, nb), randSliceBound(r, nb));
    });
    if (r() < 0.2 && blocks.length > 0) blocks.splice(int(r, 0, blocks.length - 1), 1, "...");
    const plan = planBlocks(shape, chunks, blocks);
    // Reference: expand each block entry to element indices by hand.
    const full: (BlockDimSelection)[] = [];
    const given = blocks.filter((b) => b !== "...").length;
    for (const b of blocks) if (b === "...") for (let k = 0; k < shape.length - given; k++) full.push(null); else full.push(b);
    while (full.length < shape.length) full.push(null);
    const lists = full.map((b, d) => {
      const n = shape[d];
      const c = chunks[d];
      const nb = Math.ceil(n / c);
      let bl: number[];
      if (b === null) bl = [...Array(nb).keys()];
      else if (typeof b === "number") bl = [b < 0 ? b + nb : b];
      else bl = refSlice(nb, b as Slice);
      return bl.flatMap((i) => [...Array(c).keys()].map((k) => i * c + k).filter((v) => v < n));
    });
    assert.deepEqual(plan.outShape, lists.map((l) => l.length));
    const a = arange(prod(shape), r);
    const expected = new Int32Array(plan.count);
    forOuter(lists, (cc, p) => { expected[p] = a[flatIndex(shape, cc)]; });
    assert.deepEqual(readPlan(a, shape, chunks, plan), expected);
    // A single block is exactly one whole chunk.
    if (full.every((b) => typeof b === "number")) {
      assert.equal(plan.chunkCount, prod(shape) === 0 ? 0 : 1);
      for (const p of plan.projections) assert.ok(isWholeChunk(p, chunks));
    }
  }
});

// ---------------------------------------------------------------- numpy cross-checks

test("numpy cross-check: slices (negative steps), basic indexing with ellipsis, outer (np.ix_) and vindex", () => {
  const r = prng(31337);
  const slices = Array.from({ length: 400 }, () => {
    const n = int(r, 0, 12);
    return { n, start: randSliceBound(r, n), stop: randSliceBound(r, n), step: pick(r, [null, 1, 2, 3, 7, -1, -2, -3, -5, -13]) };
  });
  // Basic selections (ints, slices, "...") and outer selections on random arrays.
  type Enc = { t: "i"; v: number } | { t: "s"; start: number | null; stop: number | null; step: number | null } | { t: "e" } | { t: "a"; v: number[] };
  const basic: { shape: number[]; chunks: number[]; sel: Enc[] }[] = [];
  const outer: { shape: number[]; chunks: number[]; sel: Enc[] }[] = [];
  for (let i = 0; i < 120; i++) {
    let { shape, chunks } = randShape(r);
    if (shape.length === 0) { shape = [7, 3]; chunks = [3, 2]; }
    const mk = (allowArrays: boolean): Enc[] => {
      const enc: Enc[] = shape.map((n) => {
        const k = r();
        if (k < 0.25 && n > 0) return { t: "i", v: int(r, -n, n - 1) };
        if (allowArrays && k < 0.6 && n > 0) return { t: "a", v: Array.from({ length: int(r, 1, 5) }, () => int(r, -n, n - 1)) };
        return { t: "s", start: randSliceBound(r, n), stop: randSliceBound(r, n), step: pick(r, [null, 1, 2, -1, -2, -3]) };
      });
      if (r() < 0.4) enc.splice(int(r, 0, enc.length - 1), int(r, 0, 2), { t: "e" });
      return enc;
    };
    basic.push({ shape, chunks, sel: mk(false) });
    outer.push({ shape, chunks, sel: mk(true) });
  }
  const points: { shape: number[]; chunks: number[]; coords: number[][] }[] = [];
  for (let i = 0; i < 60; i++) {
    const shape = Array.from({ length: int(r, 1, 3) }, () => int(r, 1, 8));
    const n = int(r, 0, 10);
    points.push({ shape, chunks: shape.map((s) => int(r, 1, s)), coords: shape.map((s) => Array.from({ length: n }, () => int(r, -s, s - 1))) });
  }
  const script = `
import json, sys
import numpy as np
req = json.load(sys.stdin)
def dec(e, outer):
    if e["t"] == "i": return [e["v"]] if outer else e["v"]
    if e["t"] == "e": return Ellipsis
    if e["t"] == "a": return e["v"]
    return slice(e["start"], e["stop"], e["step"])
res = {"slices": [list(range(s["n"]))[slice(s["start"], s["stop"], s["step"])] for s in req["slices"]]}
out = []
for c in req["basic"]:
    a = np.arange(int(np.prod(c["shape"])), dtype=np.int64).reshape(c["shape"])
    b = np.asarray(a[tuple(dec(e, False) for e in c["sel"])])
    out.append({"shape": list(b.shape), "data": b.ravel().tolist()})
res["basic"] = out
out = []
for c in req["outer"]:
    a = np.arange(int(np.prod(c["shape"])), dtype=np.int64).reshape(c["shape"])
    sel = c["sel"]
    # expand the ellipsis, turn every entry into an index array, then np.ix_ (outer indexing)
    n_given = sum(1 for e in sel if e["t"] != "e")
    full = []
    for e in sel:
        if e["t"] == "e": full += [{"t": "s", "start": None, "stop": None, "step": None}] * (a.ndim - n_given)
        else: full.append(e)
    full += [{"t": "s", "start": None, "stop": None, "step": None}] * (a.ndim - len(full))
    idx = [np.arange(a.shape[d])[dec(e, True)] for d, e in enumerate(full)]
    b = a[np.ix_(*idx)]
    keep = tuple(0 if e["t"] == "i" else slice(None) for e in full)
    b = b[keep]
    out.append({"shape": list(b.shape), "data": np.asarray(b).ravel().tolist()})
res["outer"] = out
out = []
for c in req["points"]:
    a = np.arange(int(np.prod(c["shape"])), dtype=np.int64).reshape(c["shape"])
    out.append(a[tuple(np.array(x, dtype=np.int64) for x in c["coords"])].tolist())
res["points"] = out
json.dump(res, sys.stdout)
`;
  const res = JSON.parse(execFileSync(PYTHON, ["-c", script], { input: JSON.stringify({ slices, basic, outer, points }), encoding: "utf8" })) as {
    slices: number[][]; basic: { shape: number[]; data: number[] }[]; outer: { shape: number[]; data: number[] }[]; points: number[][];
  };
  slices.forEach((s, i) => {
    const ns = normalizeSlice({ start: s.start, stop: s.stop, step: s.step }, s.n, 0);
    const got = Array.from({ length: ns.count }, (_, j) => ns.start + j * ns.step);
    assert.deepEqual(got, res.slices[i], JSON.stringify(s));
  });
  const decode = (e: Enc): DimSelection | "..." => (e.t === "i" ? e.v : e.t === "e" ? "..." : e.t === "a" ? e.v : slice(e.start, e.stop, e.step));
  for (const [name, cases] of [["basic", basic], ["outer", outer]] as const) {
    cases.forEach((c, i) => {
      const plan = planSelection(c.shape, c.chunks, c.sel.map(decode));
      const exp = res[name][i];
      assert.deepEqual(plan.outShape, exp.shape, `${name} ${JSON.stringify(c)}`);
      assert.deepEqual(Array.from(readPlan(arange(prod(c.shape)), c.shape, c.chunks, plan)), exp.data, `${name} ${JSON.stringify(c)}`);
    });
  }
  points.forEach((c, i) => {
    const plan = planPoints(c.shape, c.chunks, c.coords);
    assert.deepEqual(Array.from(readPlan(arange(prod(c.shape)), c.shape, c.chunks, plan)), res.points[i], JSON.stringify(c));
  });
});

// ---------------------------------------------------------------- plan shape, laziness, compact form

test("plans are lazy: a grid of 2^80 chunks yields its first projections at once", () => {
  const big = 2 ** 40;
  const t0 = performance.now();
  const plan = planSelection([big, big], [1, 1], null);
  assert.equal(plan.chunkCount, big * big);
  const it = plan.projections[Symbol.iterator]();
  const first = [it.next().value, it.next().value, it.next().value] as ChunkProjection[];
  assert.deepEqual(first.map((p) => p.chunkCoords), [[0, 0], [0, 1], [0, 2]]);
  assert.deepEqual(first[0].chunkSel, [{ start: 0, step: 1, count: 1 }, { start: 0, step: 1, count: 1 }]);
  assert.deepEqual(first[2].outSel, [{ start: 0, step: 1, count: 1 }, { start: 2, step: 1, count: 1 }]);
  // A sparse strided slice over a huge dimension: chunks between hits are skipped arithmetically.
  const p2 = planSelection([1e15], [1000], [slice(5, null, 1e12)]);
  assert.equal(p2.chunkCount, 1000);
  const last = [...p2.projections].at(-1)!;
  assert.deepEqual(last.chunkCoords, [(5 + 999e12 - 5) / 1000]);
  assert.deepEqual(last.chunkSel, [{ start: 5, step: 1, count: 1 }]);
  assert.deepEqual(last.outSel, [{ start: 999, step: 1, count: 1 }]);
  assert.ok(performance.now() - t0 < 2000);
  // Projections are re-iterable.
  assert.equal([...p2.projections].length, 1000);
});

test("compact per-dimension form: ranges for slices, grouped lists for index arrays", () => {
  const plan = planSelection([10, 7], [4, 4], [slice(null, null, -3), [6, 0, 5, 0, -1]]);
  assert.deepEqual(plan.outShape, [4, 5]);
  const ps = [...plan.projections];
  assert.deepEqual(ps.map((p) => p.chunkCoords), [[0, 0], [0, 1], [1, 0], [1, 1], [2, 0], [2, 1]]);
  // Row indices 9, 6, 3, 0: chunk 0 holds 0 and 3 (output rows 3, 2).
  assert.deepEqual(ps[0].chunkSel[0], { start: 0, step: 3, count: 2 });
  assert.deepEqual(ps[0].outSel[0], { start: 3, step: -1, count: 2 });
  assert.deepEqual(ps[4].chunkSel[0], { start: 1, step: 1, count: 1 });
  assert.deepEqual(ps[4].outSel[0], { start: 0, step: 1, count: 1 });
  // Column list [6, 0, 5, 0, 6]: chunk 0 gets 0, 0 (outputs 1, 3); chunk 1 gets 6, 5, 6 -> local 2, 1, 2 (outputs 0, 2, 4).
  assert.deepEqual(Array.from(ps[0].chunkSel[1] as Int32Array), [0, 0]);
  assert.deepEqual(ps[0].outSel[1], { start: 1, step: 2, count: 2 });
  assert.deepEqual(Array.from(ps[1].chunkSel[1] as Int32Array), [2, 1, 2]);
  assert.deepEqual(ps[1].outSel[1], { start: 0, step: 2, count: 3 });
  assert.deepEqual(ps[1].extent, [4, 3]);
  // Integer dims are dropped from outSel.
  const p3 = planSelection([5, 6, 7], [2, 2, 2], [-1, "...", 3]);
  assert.deepEqual(p3.outShape, [6]);
  for (const p of p3.projections) { assert.equal(p.outSel.length, 1); assert.equal(p.chunkSel.length, 3); assert.equal(p.chunkCoords[0], 2); }
  // 0-d arrays: one projection, empty selections.
  const p0 = planSelection([], [], "...");
  assert.deepEqual(p0.outShape, []);
  assert.deepEqual([...p0.projections], [{ chunkCoords: [], chunkSel: [], outSel: [], extent: [], flat: false }]);
  // Zero-length dimensions touch no chunk.
  const pz = planSelection([0, 5], [1, 2], null);
  assert.equal(pz.count, 0);
  assert.equal([...pz.projections].length, 0);
  // Single-entry shorthands.
  assert.deepEqual(planSelection([4, 5], [2, 2], slice(1, 3)).outShape, [2, 5]);
  assert.deepEqual(planSelection([4, 5], [2, 2], Int32Array.of(3, 1, 1)).outShape, [3, 5]);
  assert.deepEqual(planSelection([4, 5], [2, 2], { mask: [true, false, true, true] }).outShape, [3, 5]);
  assert.deepEqual(planSelection([4, 5], [2, 2], [1, 2]).outShape, []);
  assert.deepEqual(planSelection([4, 5], [2, 2], [[1, 2]]).outShape, [2, 5]);
  assert.deepEqual(slice(4), { start: null, stop: 4, step: null });
  assert.deepEqual(blocksToSelection([10, 7], [4, 3], [-1, slice(1, null)]), [{ start: 8, stop: 10, step: 1 }, { start: 3, stop: 7, step: 1 }]);
});

test("isWholeChunk: edge chunks, permutations, partial covers", () => {
  const proj = (sel: Selection, shape = [10, 7], chunks = [4, 4]) => [...planSelection(shape, chunks, sel).projections];
  // Full selection: every chunk whole, edge chunks included.
  assert.ok(proj(null).every((p) => isWholeChunk(p, [4, 4])));
  // A permuted index array covering a chunk, with duplicates.
  assert.ok(isWholeChunk(proj([[3, 1, 2, 0, 1], slice(0, 4)])[0], [4, 4]));
  assert.ok(!isWholeChunk(proj([[3, 1, 2, 1], slice(0, 4)])[0], [4, 4]));
  // Reversed slice over an edge chunk (rows 8, 9 of 10).
  const rev = proj([slice(null, 6, -1), null]); // rows 9, 8, 7
  assert.deepEqual(rev.map((p) => p.chunkCoords), [[1, 0], [1, 1], [2, 0], [2, 1]]);
  assert.ok(!isWholeChunk(rev[0], [4, 4])); // only row 7 of rows 4..7
  assert.ok(isWholeChunk(rev[2], [4, 4]) && isWholeChunk(rev[3], [4, 4])); // rows 8, 9: the whole in-array part
  // Integer index selects one row: never whole unless the chunk is one row long.
  assert.ok(!isWholeChunk(proj([0])[0], [4, 4]));
  assert.ok(isWholeChunk(proj([0], [10, 7], [1, 7])[0], [1, 7]));
  // Points covering an edge chunk in scrambled order.
  const pts = [...planPoints([5, 3], [4, 4], [[4, 4, 4, 0], [2, 0, 1, 0]]).projections];
  const edge = pts.find((p) => p.chunkCoords[0] === 1)!;
  assert.ok(isWholeChunk(edge, [4, 4]));
  assert.ok(!isWholeChunk(pts.find((p) => p.chunkCoords[0] === 0)!, [4, 4]));
});

// ---------------------------------------------------------------- errors

test("bad selections throw SelectionError naming the dimension, index and length", () => {
  const err = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof SelectionError && re.test(e.message));
  err(() => planSelection([4, 5], [2, 2], [0, 5]), /index 5 is out of bounds for dimension 1 with length 5/);
  err(() => planSelection([4, 5], [2, 2], [-5]), /index -5 is out of bounds for dimension 0 with length 4/);
  err(() => planSelection([4, 5], [2, 2], [null, [0, 7]]), /index 7 is out of bounds for dimension 1 with length 5/);
  err(() => planSelection([4, 5], [2, 2], [Int32Array.of(-9)]), /index -9 is out of bounds for dimension 0 with length 4/);
  err(() => planSelection([4, 5], [2, 2], [null, { mask: [true] }]), /mask in dimension 1 has length 1 .* length 5/);
  err(() => planSelection([4, 5], [2, 2], [slice(0, 4, 0)]), /step cannot be zero \(dimension 0\)/);
  err(() => planSelection([4, 5], [2, 2], [1.5]), /not an integer/);
  err(() => planSelection([4, 5], [2, 2], [{ begin: 1 } as unknown as Slice]), /unknown field "begin"/);
  err(() => planSelection([4, 5], [2, 2], [0, 0, 0]), /too many indices: 3 given for an array of 2 dimensions/);
  err(() => planSelection([4, 5], [2, 2], ["...", "..."]), /at most one "..."/);
  err(() => planSelection([4, 5], [2, 0], null), /chunk shape\[1\] must be >= 1/);
  err(() => planSelection([4, 5], [2], null), /chunk shape has 1 dimensions/);
  err(() => planSelection([4, -1], [2, 2], null), /shape\[1\] = -1/);
  err(() => planBlocks([10], [4], [3]), /index 3 is out of bounds for dimension 0 with length 3/);
  err(() => planBlocks([10], [4], [slice(0, 2, 2)]), /only step 1/);
  err(() => planPoints([4, 5], [2, 2], [[0, 1], [0, 1, 2]]), /cannot be broadcast/);
  err(() => planPoints([4, 5], [2, 2], [[0, 4]]), /1 index arrays but the array has 2/);
  err(() => planPoints([4, 5], [2, 2], [[0, 4], [0, 0]]), /index 4 is out of bounds for dimension 0 with length 4/);
  err(() => planMask([4, 5], [2, 2], [true]), /mask has 1 elements but the array has 20/);
  err(() => countSelected([3], [[0, 3]]), /index 3 is out of bounds for dimension 0 with length 3/);
});

test("isWholeChunk on points in an edge chunk of a huge chunk shape does not allocate the chunk", () => {
  // Chunk [1e6, 1e6] (1e12 elements) of which only a 2x2 corner lies inside the array.
  const plan = planPoints([2, 2], [1e6, 1e6], [[1, 0, 1, 0, 1], [1, 1, 0, 0, 1]]);
  const [p] = [...plan.projections];
  assert.deepEqual(p.extent, [2, 2]);
  assert.ok(isWholeChunk(p, [1e6, 1e6]));
  const plan2 = planPoints([2, 2], [1e6, 1e6], [[1, 0, 1, 1], [1, 1, 0, 1]]);
  assert.ok(!isWholeChunk([...plan2.projections][0], [1e6, 1e6]));
});
