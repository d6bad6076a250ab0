/**
 * .npy compatibility with numpy (run via /usr/bin/python3, or $PYTHON):
 * (a) numpy's files parse/decode to the right values and re-encode byte-identically,
 * (b) files built from scratch here are byte-identical to numpy's,
 * (c) numpy loads ours with equal dtype, shape, bytes and values;
 * plus header-only byte comparisons, a ~200 MB streaming round trip with bounded memory,
 * and hostile / tolerant headers.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { NDArray } from "../../src/codecs/types.js";
import {
  bytesOf, Float16, layoutOf, NAT, parseV2DataType, toDataType, viewAs,
  type DataType, type DataValues,
} from "../../src/format/dtype.js";
import type { JsonValue } from "../../src/format/json.js";
import { ChunkError, MetadataError, SelectionError, StoreError, UnsupportedError } from "../../src/format/errors.js";
import {
  createNpyWriter, decodeNpy, encodeNpy, npyDescr, npyHeader, openNpyReader, parseNpyHeader,
} from "../../src/io/npy.js";
import { decodeRaw, encodeRange, vlenToFixed } from "../../src/io/npy-convert.js";

const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
const python = (script: string, ...args: string[]): string =>
  execFileSync(PYTHON, ["-W", "ignore", "-c", script, ...args], { encoding: "utf8", maxBuffer: 1 << 28 });

/** First differing byte, for readable failures on big buffers. */
function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  const n = Math.min(actual.length, expected.length);
  let i = 0;
  while (i < n && actual[i] === expected[i]) i++;
  if (i === n && actual.length === expected.length) return;
  assert.fail(`${what}: differs at byte ${i} (lengths ${actual.length} vs ${expected.length}): ` +
    `${Buffer.from(actual.subarray(i, i + 24)).toString("hex")} vs ${Buffer.from(expected.subarray(i, i + 24)).toString("hex")}`);
}

// ---------------------------------------------------------------- the case matrix

interface Case {
  name: string;
  /** Python statements (with np, B=bytes.fromhex, S=code points→str, be=to big-endian) setting `a`. */
  py: string;
  /** The dtype, built here independently of the .npy parser. */
  dtype: DataType;
  shape: number[];
  fortran?: boolean;
  version?: 1 | 2 | 3;
  /** In-memory (native) data built here, independently of numpy. */
  make?: () => DataValues;
  /** Variable-length source whose vlenToFixed() must equal numpy's np.array(list). */
  vlen?: NDArray;
  /** Extra value assertions on the decoded array. */
  check?: (d: NDArray) => void;
}

const T = (s: string) => toDataType(s);
const pyTuple = (s: number[]) => `(${s.join(", ")}${s.length === 1 ? "," : ""})`;
const hexes = (xs: (number | bigint)[]) => xs.map((x) => "0x" + x.toString(16)).join(", ");
const beSuffix = (typestr: string) => (typestr.startsWith(">") ? "\na = be(a)" : "");
const cpList = (s: string) => [...s].map((c) => c.codePointAt(0)!);
const pyStrOf = (s: string) => `S([${cpList(s).join(", ")}])`;
const pyBytesOf = (b: Uint8Array) => `B('${Buffer.from(b).toString("hex")}')`;

const cases: Case[] = [];

// bool and integers, both byte orders
cases.push({
  name: "bool", py: "a = np.array([True, False, True, True, False, False]).reshape(2, 3)",
  dtype: { kind: "bool" }, shape: [2, 3], make: () => Uint8Array.of(1, 0, 1, 1, 0, 0),
  check: (d) => assert.deepEqual([...(d.data as Uint8Array)], [1, 0, 1, 1, 0, 0]),
});
const INTS: [string, (number | bigint)[], number[]?][] = [
  ["|i1", [-128, -1, 0, 1, 127]], ["|u1", [0, 1, 200, 255]],
  ["<i2", [-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5], [3, 4]], [">i2", [-32768, -1, 0, 258, 32767]],
  ["<u2", [0, 1, 258, 65535]], [">u2", [0, 1, 258, 65535]],
  ["<i4", [-(2 ** 31), -1, 0, 16909060, 2 ** 31 - 1]], [">i4", [-(2 ** 31), -1, 0, 16909060, 2 ** 31 - 1]],
  ["<u4", Array.from({ length: 24 }, (_, i) => i * 16777619 % 2 ** 32), [2, 3, 4]],
  [">u4", Array.from({ length: 24 }, (_, i) => i * 16777619 % 2 ** 32), [2, 3, 4]],
  ["<i8", [-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n, 1234567890123456789n]],
  [">i8", [-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n, 1234567890123456789n]],
  ["<u8", [0n, 1n, 2n ** 64n - 1n, 0x0102030405060708n]], [">u8", [0n, 1n, 2n ** 64n - 1n, 0x0102030405060708n]],
];
for (const [ts, values, shp] of INTS) {
  const dtype = T(ts);
  const shape = shp ?? [values.length];
  const ctor = layoutOf(dtype).ctor as unknown as { from(v: unknown[]): DataValues };
  const big = ts.endsWith("8");
  cases.push({
    name: `int_${ts.replace(/[<>|]/, (c) => ({ "<": "le", ">": "be", "|": "" })[c]!)}`,
    py: `a = np.array([${values.join(", ")}], dtype='${ts}').reshape(${pyTuple(shape)})`,
    dtype, shape, make: () => ctor.from(values.map((v) => (big ? BigInt(v) : Number(v)))),
    check: big ? (d) => assert.deepEqual([...(d.data as BigInt64Array)], values) : (d) => assert.deepEqual([...(d.data as Int32Array)], values),
  });
}

// floats: NaN payloads (quiet, signalling, negative), ±0, ±inf, subnormals — built from bits
const F16 = [0x0000, 0x8000, 0x3c00, 0xc000, 0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xfe7f, 0x0001, 0x7bff];
const F32 = [0, 0x80000000, 0x3f800000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffc0dead, 0x00000001, 0x7f7fffff];
const F64 = [0n, 0x8000000000000000n, 0x3ff0000000000000n, 0x7ff0000000000000n, 0x7ff8000000000000n,
  0x7ff0000000000001n, 0xfff8deadbeef0001n, 1n, 0x400921fb54442d18n, 0xfff0000000000000n];
for (const bo of ["<", ">"]) {
  const e = bo === "<" ? "le" : "be";
  cases.push({
    name: `f2_${e}`, py: `a = np.array([${hexes(F16)}], dtype='<u2').view('<f2')${beSuffix(bo)}`,
    dtype: T(`${bo}f2`), shape: [F16.length], make: () => new Float16(Uint16Array.from(F16).buffer),
  });
  cases.push({
    name: `f4_${e}`, py: `a = np.array([${hexes(F32)}], dtype='<u4').view('<f4')${beSuffix(bo)}`,
    dtype: T(`${bo}f4`), shape: [F32.length], make: () => new Float32Array(Uint32Array.from(F32).buffer),
  });
  cases.push({
    name: `f8_${e}`, py: `a = np.array([${hexes(F64)}], dtype='<u8').view('<f8')${beSuffix(bo)}`,
    dtype: T(`${bo}f8`), shape: [F64.length], make: () => new Float64Array(BigUint64Array.from(F64).buffer),
    check: (d) => {
      const v = d.data as Float64Array;
      assert.ok(Object.is(v[1], -0));
      assert.equal(v[2], 1);
      assert.equal(v[3], Infinity);
      assert.ok(Number.isNaN(v[4]));
      assert.equal(v[8], Math.PI);
      assert.equal(new BigUint64Array(v.buffer, v.byteOffset, v.length)[6], 0xfff8deadbeef0001n);
    },
  });
  cases.push({
    name: `c8_${e}`, py: `a = np.array([${hexes(F32)}], dtype='<u4').view('<c8')${beSuffix(bo)}`,
    dtype: T(`${bo}c8`), shape: [F32.length / 2], make: () => new Float32Array(Uint32Array.from(F32).buffer),
  });
  cases.push({
    name: `c16_${e}`, py: `a = np.array([${hexes(F64)}], dtype='<u8').view('<c16')${beSuffix(bo)}`,
    dtype: T(`${bo}c16`), shape: [F64.length / 2], make: () => new Float64Array(BigUint64Array.from(F64).buffer),
    check: (d) => { const v = d.data as Float64Array; assert.equal(v[8], Math.PI); assert.equal(v.length, 10); },
  });
}

// datetime64 / timedelta64: every unit, scaled units, NaT, generic
const TIMES = [-(2n ** 63n), 0n, 1n, -1n, 2n ** 62n, 1234567n];
const TIME_TYPES = [
  ...["Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as", "10ms", "25s"].map((u) => `<M8[${u}]`),
  ">M8[ns]", ">M8[10ms]", "<m8[3h]", ">m8[us]", "<m8[D]", "<M8", ">m8",
];
for (const ts of TIME_TYPES) {
  const generic = !ts.includes("[");
  const dtype: DataType = generic
    ? { kind: ts[1] === "M" ? "datetime" : "timedelta", unit: "generic", scale: 1, endian: ts[0] === ">" ? "big" : "little" }
    : T(ts);
  cases.push({
    name: `time_${ts.replace("<", "le").replace(">", "be").replace(/[[\]]/g, "_")}`,
    py: `a = np.array([${TIMES.join(", ")}], dtype='<i8').view('<${ts.slice(1)}')${beSuffix(ts)}`,
    dtype, shape: [TIMES.length], make: () => BigInt64Array.from(TIMES),
    check: (d) => { assert.equal((d.data as BigInt64Array)[0], NAT); assert.equal((d.data as BigInt64Array)[4], 2n ** 62n); },
  });
}

// fixed bytes, unicode (non-ASCII, astral, lone surrogate, max code point), void
const padBytes = (items: Uint8Array[], n: number) => {
  const out = new Uint8Array(items.length * n);
  items.forEach((b, i) => out.set(b, i * n));
  return out;
};
const utf32 = (items: string[], n: number) => {
  const out = new Uint32Array(items.length * n);
  items.forEach((s, i) => out.set(cpList(s), i * n));
  return out;
};
const SB = [Uint8Array.of(0x61, 0x62), new TextEncoder().encode("hello"), Uint8Array.of(0, 0xff, 1), new Uint8Array(0)];
cases.push({
  name: "S5", py: `a = np.array([${SB.map(pyBytesOf).join(", ")}], dtype='S5').reshape(2, 2)`,
  dtype: T("|S5"), shape: [2, 2], make: () => padBytes(SB, 5),
});
const US = ["é", "𝄞x", "日本語テキスト", "", "a\u0000b", "\u{10FFFF}", "\ud800z"];
for (const bo of ["<", ">"]) {
  cases.push({
    name: `U7_${bo === "<" ? "le" : "be"}`, py: `a = np.array([${US.map(pyStrOf).join(", ")}], dtype='${bo}U7')`,
    dtype: T(`${bo}U7`), shape: [US.length], make: () => utf32(US, 7),
    check: (d) => {
      const v = d.data as Uint32Array;
      assert.equal(String.fromCodePoint(...v.subarray(7, 9)), "𝄞x");
      assert.equal(String.fromCodePoint(...v.subarray(14, 21)), "日本語テキスト");
      assert.equal(v[35], 0x10ffff);
    },
  });
}
const VB = [Uint8Array.of(1, 2, 3, 4), Uint8Array.of(0xff, 0, 0xfe, 0)];
cases.push({ name: "V4", py: `a = np.array([${VB.map(pyBytesOf).join(", ")}], dtype='V4')`, dtype: T("|V4"), shape: [2], make: () => padBytes(VB, 4) });

// structured
const ST1: JsonValue = [["a", "<i4"], ["b", ">f8", [2]], ["c", [["x", "<i2"], ["y", "|S3"]], [2]], ["d", ">U2"], ["e", "|b1"], ["t", "<M8[10ms]"]];
const ST1_PY = `dt = np.dtype([('a', '<i4'), ('b', '>f8', (2,)), ('c', [('x', '<i2'), ('y', 'S3')], (2,)), ('d', '>U2'), ('e', '?'), ('t', '<M8[10ms]')])
a = np.zeros(3, dt)
a['a'] = [1, -2, 2**31 - 1]
a['b'] = [[1.5, -0.0], [np.inf, 3], [4, 5e300]]
a['c']['x'] = [[1, 2], [-3, 4], [5, 6]]
a['c']['y'] = [[B('6162'), B('')], [B('78797a'), B('00')], [B('ff'), B('0102')]]
a['d'] = [S([0xe9]), S([0x1d11e, 0x41]), S([])]
a['e'] = [True, False, True]
a['t'] = np.array([0, 1, -5], dtype='<i8').view('<M8[10ms]')`;
cases.push({ name: "struct_nested", py: ST1_PY, dtype: parseV2DataType(ST1), shape: [3] });
cases.push({ name: "struct_nested_0d", py: ST1_PY + "\na = a[1:2].reshape(())", dtype: parseV2DataType(ST1), shape: [] });
cases.push({ name: "struct_empty_len", py: "dt = np.dtype([('a', '<i4'), ('b', '>f8', (2,))])\na = np.zeros(0, dt)", dtype: parseV2DataType([["a", "<i4"], ["b", ">f8", [2]]]), shape: [0] });
const u1: DataType = { kind: "uint", bits: 8, endian: "little" };
cases.push({
  name: "struct_aligned",
  py: "dt = np.dtype([('a', 'u1'), ('b', '<i4'), ('c', 'u1')], align=True)\na = np.zeros(2, dt)\na['a'] = [1, 2]\na['b'] = [-1, 70000]\na['c'] = [255, 7]",
  dtype: { kind: "structured", itemsize: 12, fields: [
    { name: "a", dtype: u1, shape: [], offset: 0 },
    { name: "b", dtype: { kind: "int", bits: 32, endian: "little" }, shape: [], offset: 4 },
    { name: "c", dtype: u1, shape: [], offset: 8 }] },
  shape: [2],
  make: () => Uint8Array.of(1, 0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 2, 0, 0, 0, 0x70, 0x11, 1, 0, 7, 0, 0, 0),
});
cases.push({
  name: "struct_be_2d",
  py: "dt = np.dtype([('p', '>i8'), ('q', '>c8', (2, 2))])\na = np.zeros((2, 2), dt)\na['p'] = [[1, -2], [3, 2**62]]\na['q'] = np.arange(32, dtype='>f4').view('>c8').reshape(2, 2, 2, 2)",
  dtype: parseV2DataType([["p", ">i8"], ["q", ">c8", [2, 2]]]), shape: [2, 2],
});
const NAMES = ["é", "it's", "a\\b\"q'", "\u0001ctl", "\u2028sep", "\u00a0nbsp", "tab\t"];
cases.push({
  name: "struct_names_latin1", version: 1,
  py: `a = np.zeros(2, np.dtype([${NAMES.map((n) => `(${pyStrOf(n)}, '<i2')`).join(", ")}]))\na.view('<i2')[:] = np.arange(14)`,
  dtype: parseV2DataType(NAMES.map((n) => [n, "<i2"])), shape: [2],
  make: () => Int16Array.from({ length: 14 }, (_, i) => i),
});
cases.push({
  name: "struct_names_utf8", version: 3,
  py: `a = np.zeros(3, np.dtype([(${pyStrOf("日本")}, '<i4'), (${pyStrOf("𝄞")}, '>f4'), ('x', 'u1')]))\na[${pyStrOf("日本")}] = [1, 2, 3]`,
  dtype: parseV2DataType([["日本", "<i4"], ["𝄞", ">f4"], ["x", "|u1"]]), shape: [3],
});
cases.push({
  name: "struct_v2_long_header", version: 2,
  py: "a = np.zeros(2, np.dtype([('field%d' % i, '<i2') for i in range(4000)]))\na.view('<i2')[:] = np.arange(8000)",
  dtype: parseV2DataType(Array.from({ length: 4000 }, (_, i) => [`field${i}`, "<i2"])), shape: [2],
  make: () => Int16Array.from({ length: 8000 }, (_, i) => i),
});
cases.push({ name: "struct_no_fields", py: "a = np.zeros(3, np.dtype([]))", dtype: { kind: "structured", fields: [], itemsize: 0 }, shape: [3] });

// 0-d, empty, 3-D, Fortran order
cases.push({ name: "0d_i4_be", py: "a = np.array(7, dtype='>i4')", dtype: T(">i4"), shape: [], make: () => Int32Array.of(7) });
cases.push({
  name: "0d_f8_negzero", py: "a = np.array(-0.0)", dtype: T("<f8"), shape: [], make: () => Float64Array.of(-0),
  check: (d) => assert.ok(Object.is((d.data as Float64Array)[0], -0)),
});
cases.push({ name: "0d_U3", py: `a = np.array(${pyStrOf("a𝄞")}, dtype='<U3')`, dtype: T("<U3"), shape: [], make: () => utf32(["a𝄞"], 3) });
cases.push({ name: "empty_f8", py: "a = np.zeros((0,), '<f8')", dtype: T("<f8"), shape: [0], make: () => new Float64Array(0) });
cases.push({ name: "empty_i2_be_3d", py: "a = np.zeros((2, 0, 3), '>i2')", dtype: T(">i2"), shape: [2, 0, 3], make: () => new Int16Array(0) });
cases.push({ name: "empty_S5", py: "a = np.zeros((0,), 'S5')", dtype: T("|S5"), shape: [0], make: () => new Uint8Array(0) });
cases.push({
  name: "f4_3d_be", py: "a = (np.arange(60, dtype='<f4') / 7 - 3).astype('>f4').reshape(3, 4, 5)", dtype: T(">f4"), shape: [3, 4, 5],
  make: () => Float32Array.from({ length: 60 }, (_, i) => Math.fround(Math.fround(i / 7) - 3)),
});
cases.push({
  name: "fortran_i2_3d", fortran: true, py: "a = np.asfortranarray(np.arange(24, dtype='<i2').reshape(2, 3, 4))",
  dtype: T("<i2"), shape: [2, 3, 4], make: () => Int16Array.from({ length: 24 }, (_, i) => i),
  check: (d) => assert.deepEqual([...(d.data as Int16Array)], Array.from({ length: 24 }, (_, i) => i)),
});
cases.push({
  name: "fortran_c8_be", fortran: true, py: "a = np.asfortranarray(be(np.arange(12, dtype='<f4').view('<c8').reshape(3, 2)))",
  dtype: T(">c8"), shape: [3, 2], make: () => Float32Array.from({ length: 12 }, (_, i) => i),
});
cases.push({
  name: "fortran_U2", fortran: true, py: `a = np.asfortranarray(np.array([${["ab", "é", "", "x", "𝄞", "zz"].map(pyStrOf).join(", ")}], dtype='<U2').reshape(2, 3))`,
  dtype: T("<U2"), shape: [2, 3], make: () => utf32(["ab", "é", "", "x", "𝄞", "zz"], 2),
});

// variable-length → fixed, exactly as numpy's np.array(list)
const vlenStr = (items: string[], shape = [items.length]): Case => ({
  name: `vlen_str_${cases.length}`, py: `a = np.array([${items.map(pyStrOf).join(", ")}]${items.length ? "" : ", dtype=str"}).reshape(${pyTuple(shape)})`,
  dtype: T(`<U${Math.max(1, ...items.map((s) => cpList(s).length))}`), shape, vlen: { dtype: { kind: "string" }, data: items, shape },
});
const vlenBytes = (items: Uint8Array[], shape = [items.length]): Case => ({
  name: `vlen_bytes_${cases.length}`, py: `a = np.array([${items.map(pyBytesOf).join(", ")}]).reshape(${pyTuple(shape)})`,
  dtype: T(`|S${Math.max(1, ...items.map((b) => b.length))}`), shape, vlen: { dtype: { kind: "bytes" }, data: items, shape },
});
cases.push(vlenStr(["", "a", "héllo", "𝄞", "x\u0000y"]));
cases.push(vlenStr(["", ""]));
cases.push(vlenStr(["ab", "日本語", "c", "𝄞𝄞𝄞𝄞"], [2, 2]));
cases.push(vlenStr([]));
cases.push(vlenBytes([new Uint8Array(0), Uint8Array.of(0x61, 0x62, 0), Uint8Array.of(0xff)]));
cases.push(vlenBytes([new Uint8Array(0), new Uint8Array(0)]));

// headers only (shapes too big to materialise; every padding remainder incl. numpy's 64-space quirk)
interface HeaderCase { py: string; dtype: DataType; shape: number[]; fortran: boolean }
const headerCases: HeaderCase[] = [
  { py: "'<f8'", dtype: T("<f8"), shape: [10 ** 15], fortran: false },
  { py: "'>c16'", dtype: T(">c16"), shape: [Math.floor(Number.MAX_SAFE_INTEGER / 16)], fortran: false },
  { py: "'?'", dtype: { kind: "bool" }, shape: [1, 2 ** 40], fortran: false },
  { py: "'<i2'", dtype: T("<i2"), shape: [3, 10 ** 12], fortran: true },
  { py: "'<i2'", dtype: T("<i2"), shape: [10 ** 12, 3], fortran: true },
  { py: "'u1'", dtype: u1, shape: Array(32).fill(1), fortran: false },
  { py: "'u1'", dtype: u1, shape: [], fortran: true },
  { py: "'<M8[25s]'", dtype: T("<M8[25s]"), shape: [0], fortran: false },
  { py: "'<f8'", dtype: T("<f8"), shape: [25_000_000], fortran: false },
  ...Array.from({ length: 70 }, (_, k): HeaderCase => ({
    py: `[('${"n".repeat(k + 1)}', '<i4')]`, dtype: parseV2DataType([["n".repeat(k + 1), "<i4"]]), shape: [k + 1], fortran: false,
  })),
];

// ---------------------------------------------------------------- python: write numpy's files

const GEN = String.raw`
import io, json, os, sys
import numpy as np
out = sys.argv[1]
spec = json.load(open(os.path.join(out, 'cases.json'), encoding='utf-8'))
def B(h): return bytes.fromhex(h)
def S(cps): return ''.join(map(chr, cps))
def be(a): return a.byteswap().view(a.dtype.newbyteorder('>'))
def native(a):
    b = np.ascontiguousarray(a)
    if b.dtype.names is None and b.dtype.byteorder == '>':
        b = b.byteswap().view(b.dtype.newbyteorder('<'))
    return b.tobytes()
os.makedirs(os.path.join(out, 'np'))
os.makedirs(os.path.join(out, 'ours'))
arrays = {}
for c in spec['arrays']:
    g = {'np': np, 'B': B, 'S': S, 'be': be}
    exec(c['py'], g)
    a = g['a']
    np.save(os.path.join(out, 'np', c['name'] + '.npy'), a)
    arrays[c['name']] = {'native': native(a).hex(), 'shape': list(a.shape), 'fortran': bool(a.flags.f_contiguous and not a.flags.c_contiguous)}
headers = []
for h in spec['headers']:
    f = io.BytesIO()
    d = {'descr': np.lib.format.dtype_to_descr(np.dtype(eval(h['py']))), 'fortran_order': h['fortran'], 'shape': tuple(h['shape'])}
    np.lib.format._write_array_header(f, d)
    headers.append(f.getvalue().hex())
np.save(os.path.join(out, 'pickled.npy'), np.array([1, 'a', None], dtype=object), allow_pickle=True)
np.save(os.path.join(out, 'pickled_field.npy'), np.zeros(2, [('a', 'O'), ('b', '<i4')]), allow_pickle=True)
json.dump({'arrays': arrays, 'headers': headers}, open(os.path.join(out, 'manifest.json'), 'w'))
`;

const VERIFY = String.raw`
import json, os, sys
import numpy as np
out = sys.argv[1]
res = {}
for n in json.load(open(os.path.join(out, 'verify.json'))):
    try:
        o = np.load(os.path.join(out, 'ours', n + '.npy'), max_header_size=10**8)
        t = np.load(os.path.join(out, 'np', n + '.npy'), max_header_size=10**8)
        same = (o.dtype == t.dtype and o.shape == t.shape and o.tobytes('A') == t.tobytes('A')
                and o.flags.c_contiguous == t.flags.c_contiguous and o.flags.f_contiguous == t.flags.f_contiguous)
        if t.dtype.names is not None and len(t.dtype.names) == 0:
            equal = o.shape == t.shape
        elif t.dtype.kind in 'fcmM':
            equal = np.array_equal(o, t, equal_nan=True)
        else:
            equal = np.array_equal(o, t)
        res[n] = [bool(same), bool(equal)]
    except Exception as e:
        res[n] = repr(e)
print(json.dumps(res))
`;

let dir = "";
let manifest: { arrays: Record<string, { native: string; shape: number[]; fortran: boolean }>; headers: string[] };
const npPath = (name: string) => path.join(dir, "np", `${name}.npy`);
const oursPath = (name: string) => path.join(dir, "ours", `${name}.npy`);

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-npy-"));
  fs.writeFileSync(path.join(dir, "cases.json"), JSON.stringify({
    arrays: cases.map((c) => ({ name: c.name, py: c.py })),
    headers: headerCases.map((h) => ({ py: h.py, shape: h.shape, fortran: h.fortran })),
  }));
  python(GEN, dir);
  manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
});
after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

/** The case's in-memory data built without numpy's file (TS values, or numpy's native bytes). */
function sourceArray(c: Case): NDArray {
  if (c.vlen) return vlenToFixed(c.vlen);
  const data = c.make ? c.make() : viewAs(c.dtype, Buffer.from(manifest.arrays[c.name].native, "hex"));
  return { data, shape: c.shape, dtype: c.dtype };
}

// ---------------------------------------------------------------- (a) numpy's files → ours

test("(a) numpy-written files parse, decode to the right values and re-encode byte-identically", async (t) => {
  for (const c of cases) {
    await t.test(c.name, () => {
      const file = new Uint8Array(fs.readFileSync(npPath(c.name)));
      const m = manifest.arrays[c.name];
      assert.deepEqual(m.shape, c.shape, "numpy made the intended shape");
      assert.equal(m.fortran, !!c.fortran);
      const h = parseNpyHeader(file);
      assert.deepEqual(h.dtype, c.dtype);
      assert.deepEqual(h.shape, c.shape);
      assert.equal(h.fortranOrder, !!c.fortran);
      assert.equal(h.version, c.version ?? 1);
      assert.equal(h.headerLength % 64, 0);
      assert.equal(file.length, h.headerLength + h.dataBytes);
      const d = decodeNpy(file);
      assert.equal(d.data.constructor, layoutOf(c.dtype).ctor);
      assert.deepEqual(d.shape, c.shape);
      sameBytes(bytesOf(d.data), Buffer.from(m.native, "hex"), "decoded native bytes");
      if (c.make) sameBytes(bytesOf(d.data), bytesOf(c.make()), "decoded vs TS-built values");
      if (c.vlen) sameBytes(bytesOf(d.data), bytesOf(vlenToFixed(c.vlen).data), "decoded vs vlenToFixed");
      c.check?.(d);
      if (!c.fortran) sameBytes(encodeNpy(d), file, "re-encoded file");
    });
  }
});

// ---------------------------------------------------------------- (b) ours from scratch → numpy's bytes

test("(b) files built from scratch (encodeNpy and the streaming writer) equal numpy's byte for byte", async (t) => {
  for (const c of cases) {
    await t.test(c.name, async () => {
      const file = new Uint8Array(fs.readFileSync(npPath(c.name)));
      const a = sourceArray(c);
      const header = npyHeader(c.dtype, c.shape, !!c.fortran);
      sameBytes(header, file.subarray(0, header.length), "header");
      // Element bytes in file order: C order from our encoder; Fortran order taken from numpy's file.
      const body = c.fortran ? file.subarray(header.length) : encodeRange(a);
      if (!c.fortran) sameBytes(encodeNpy(a), file, "encodeNpy");
      const w = await createNpyWriter(oursPath(c.name), c.dtype, c.shape, { fortranOrder: !!c.fortran });
      assert.equal(w.headerLength, header.length);
      const step = Math.max(1, Math.ceil(body.length / 5));
      const writes: Promise<void>[] = [];
      for (let off = 0; off < body.length; off += step) writes.push(w.write(body.slice(off, off + step)));
      await Promise.all(writes); // positional writes: issuing them together must still be in order
      await w.close();
      sameBytes(new Uint8Array(fs.readFileSync(oursPath(c.name))), file, "streamed file");
    });
  }
  await t.test("numpy header-only comparisons (huge shapes, 32-d, Fortran growth axis, every padding length)", () => {
    let quirk = 0;
    headerCases.forEach((h, i) => {
      const ours = npyHeader(h.dtype, h.shape, h.fortran);
      sameBytes(ours, Buffer.from(manifest.headers[i], "hex"), `header ${h.py} ${JSON.stringify(h.shape)}`);
      const growth = h.shape.length ? Math.max(0, 21 - String(h.shape[h.fortran ? h.shape.length - 1 : 0]).length) : 0;
      const pad = ours.length - 1 - (Buffer.from(ours).toString("latin1").lastIndexOf("}") + 1 + growth);
      assert.ok(pad >= 1 && pad <= 64);
      if (pad === 64) quirk++; // numpy pads a header that is already aligned with a full 64 spaces
    });
    assert.ok(quirk > 0, "the 64-space padding case was exercised");
  });
});

// ---------------------------------------------------------------- (c) numpy loads ours

test("(c) numpy loads our files: same dtype, shape, order, bytes and array_equal", () => {
  for (const c of cases) assert.ok(fs.existsSync(oursPath(c.name)), `${c.name} written by (b)`);
  fs.writeFileSync(path.join(dir, "verify.json"), JSON.stringify(cases.map((c) => c.name)));
  const res = JSON.parse(python(VERIFY, dir)) as Record<string, [boolean, boolean] | string>;
  for (const c of cases) assert.deepEqual(res[c.name], [true, true], c.name);
  assert.equal(Object.keys(res).length, cases.length);
});

// ---------------------------------------------------------------- streaming, bounded memory

test("streaming: ~200 MB written in chunks and read back by ranges with memory far below the file size", async () => {
  const sdir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-npy-big-"));
  try {
    const file = path.join(sdir, "big.npy");
    const n = 25_000_000;
    const dtype = T("<f8");
    const value = (i: number) => i * 0.25 - 7;
    const chunk = 1 << 20;
    const base = process.memoryUsage().rss;
    let peak = base;
    const buf = new Float64Array(chunk);
    const w = await createNpyWriter(file, dtype, [n]);
    for (let start = 0; start < n; start += chunk) {
      const count = Math.min(chunk, n - start);
      for (let k = 0; k < count; k++) buf[k] = value(start + k);
      await w.write(encodeRange({ data: buf.subarray(0, count), shape: [count], dtype }));
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    await w.close();
    const writeDelta = peak - base;
    assert.equal(fs.statSync(file).size, 128 + n * 8);

    const r = await openNpyReader(file);
    try {
      assert.deepEqual([r.shape, r.length, r.itemSize, r.headerLength, r.fortranOrder], [[n], n, 8, 128, false]);
      for (const [off, cnt] of [[0, 10], [chunk - 5, 20], [12_345_678, 1], [n - 10, 10], [7_000_000, 1_000_000]]) {
        const got = decodeRaw(dtype, await r.read(off, cnt)) as Float64Array;
        assert.equal(got.length, cnt);
        for (let k = 0; k < cnt; k += cnt > 100 ? 9973 : 1) assert.equal(got[k], value(off + k), `element ${off + k}`);
        assert.equal(got[cnt - 1], value(off + cnt - 1));
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      assert.equal((await r.read(n, 0)).length, 0);
      await assert.rejects(r.read(n - 1, 2), SelectionError);
      await assert.rejects(r.read(-1, 1), SelectionError);
    } finally {
      await r.close();
    }
    const delta = peak - base;
    const mib = (x: number) => (x / 2 ** 20).toFixed(1);
    process.stdout.write(`# streaming rss delta: write ${mib(writeDelta)} MiB, write+read ${mib(delta)} MiB, file ${mib(n * 8)} MiB\n`);
    assert.ok(delta < 64 * 2 ** 20, `rss grew by ${mib(delta)} MiB`);

    const got = JSON.parse(python(String.raw`
import json, sys, numpy as np
a = np.load(sys.argv[1], mmap_mode='r')
print(json.dumps([a.dtype.str, list(a.shape), float(a[0]), float(a[12345678]), float(a[-1])]))`, file));
    assert.deepEqual(got, ["<f8", [n], value(0), value(12_345_678), value(n - 1)]);
  } finally {
    fs.rmSync(sdir, { recursive: true, force: true });
  }
});

test("streaming writer and reader refuse misuse and truncation", async () => {
  const sdir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-npy-w-"));
  try {
    const p = path.join(sdir, "a.npy");
    const w = await createNpyWriter(p, T(">i4"), [2, 2]);
    await w.write(new Uint8Array(12));
    await assert.rejects(w.write(new Uint8Array(8)), (e: unknown) => e instanceof ChunkError && /exceed the 16 data bytes/.test(e.message));
    assert.equal(w.bytesWritten, 12);
    await assert.rejects(w.close(), (e: unknown) => e instanceof ChunkError && /12 of 16/.test(e.message));
    assert.ok(!fs.existsSync(p), "incomplete file removed");
    await assert.rejects(w.write(new Uint8Array(1)), StoreError);

    const w2 = await createNpyWriter(p, T("<u2"), [3]);
    await w2.write(Uint8Array.of(1, 0, 2, 0, 3, 0));
    await w2.close();
    const full = fs.readFileSync(p);
    fs.writeFileSync(p, full.subarray(0, full.length - 1));
    await assert.rejects(openNpyReader(p), (e: unknown) => e instanceof ChunkError && /truncated data/.test(e.message));
    fs.writeFileSync(p, full.subarray(0, 100));
    await assert.rejects(openNpyReader(p), (e: unknown) => e instanceof MetadataError && /truncated header/.test(e.message));
    await assert.rejects(openNpyReader(path.join(sdir, "missing.npy")), StoreError);
    await assert.rejects(openNpyReader(path.join(dir, "pickled.npy")), (e: unknown) => e instanceof UnsupportedError && /pickle/.test(e.message));
    const w3 = await createNpyWriter(p, T("<u2"), [3]);
    await w3.abort();
    assert.ok(!fs.existsSync(p));
  } finally {
    fs.rmSync(sdir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- hostile and tolerant headers

/** A v1/v2/v3 file with header `text` (no alignment: numpy does not require it) and `data`. */
function rawNpy(text: string, data = new Uint8Array(0), version = 1): Uint8Array {
  const body = Buffer.from(text, version === 3 ? "utf8" : "latin1");
  const lb = version === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lb + body.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, body.length, true);
  else dv.setUint32(8, body.length, true);
  out.set(body, 8 + lb);
  out.set(data, 8 + lb + body.length);
  return out;
}

test("tolerant of numpy's header variants", () => {
  const i2 = Int16Array.of(1, 2, 3, 4, 5, 6);
  const data = new Uint8Array(i2.buffer);
  const variants: [string, DataType, number[], boolean][] = [
    [`{"descr": "<i2", "fortran_order": False, "shape": (3, 2)}`, T("<i2"), [3, 2], false],
    [`{'shape': (6,), 'fortran_order': True, 'descr': '<i2',}\n`, T("<i2"), [6], true],
    [`{'descr': '<i2', 'fortran_order': False, 'shape': (3L, 2L), }    \n`, T("<i2"), [3, 2], false],
    [`{u'descr': u'<i2', 'fortran_order': False, 'shape': (2, 3)}`, T("<i2"), [2, 3], false],
    [`{\t'descr' : 'i2' ,\n 'fortran_order':False,'shape':(6 ,) }`, T("<i2"), [6], false],
    [`{'descr': '<i8', 'fortran_order': False, 'shape': (), }`, T("<i8"), [], false],
    [`{'descr': '<M8', 'fortran_order': False, 'shape': (1,), }`, { kind: "datetime", unit: "generic", scale: 1, endian: "little" }, [1], false],
    [`{'descr': [('a', '<i2'), ("b", '<i2', 2)], 'fortran_order': False, 'shape': (2,)}`, parseV2DataType([["a", "<i2"], ["b", "<i2", [2]]]), [2], false],
    [`{'descr': [['a', '<i2', (3,)], ['', '|V6']], 'fortran_order': False, 'shape': (1,)}`,
      { kind: "structured", itemsize: 12, fields: [{ name: "a", dtype: T("<i2"), shape: [3], offset: 0 }] }, [1], false],
    [`{'descr': [('\\x41\\u00e9\\U0001d11e\\101' 'z', '<i2'), (r'\\n', '|V2')], 'fortran_order': False, 'shape': (3,)}`,
      parseV2DataType([["Aé𝄞Az", "<i2"], ["\\n", "|V2"]]), [3], false],
  ];
  const tdir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-npy-t-"));
  try {
    const ours = variants.map(([text, dtype, shape, fortran], i) => {
      const file = rawNpy(text, data);
      fs.writeFileSync(path.join(tdir, `${i}.npy`), file);
      const h = parseNpyHeader(file);
      assert.deepEqual([h.dtype, h.shape, h.fortranOrder], [dtype, shape, fortran], text);
      return [npyDescr(h.dtype), h.shape];
    });
    // numpy reads every variant the same way.
    const theirs = JSON.parse(python(String.raw`
import json, os, sys, numpy as np
d = sys.argv[1]
print(json.dumps([[repr(np.lib.format.dtype_to_descr(a.dtype)), list(a.shape)]
                  for a in (np.load(os.path.join(d, '%d.npy' % i)) for i in range(int(sys.argv[2])))]))`, tdir, String(variants.length)));
    assert.deepEqual(theirs, ours);
  } finally {
    fs.rmSync(tdir, { recursive: true, force: true });
  }
  // Fortran-order decode reorders into C order.
  const f = decodeNpy(rawNpy(`{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3), }`, data));
  assert.deepEqual([...(f.data as Int16Array)], [1, 3, 5, 2, 4, 6]);
  // Trailing bytes after the data are ignored, as numpy does.
  assert.deepEqual([...(decodeNpy(rawNpy(`{'descr': '<i2', 'fortran_order': False, 'shape': (2,)}`, data)).data as Int16Array)], [1, 2]);
  // A v3 header may be UTF-8.
  const h3 = parseNpyHeader(rawNpy(`{'descr': [('日本', '<i2')], 'fortran_order': False, 'shape': (1,)}`, data, 3));
  assert.equal(h3.dtype.kind === "structured" && h3.dtype.fields[0].name, "日本");
});

test("hostile headers give typed errors naming the reason", async () => {
  const good = encodeNpy({ data: Int16Array.of(1, 2, 3), shape: [3], dtype: T("<i2") });
  const hdr = (body: string) => rawNpy(`{'descr': '<i2', 'fortran_order': False, 'shape': ${body}, }`);
  const bad: [string, Uint8Array, new (...a: never[]) => Error, RegExp][] = [
    ["bad magic", Buffer.from("PK\u0003\u0004 not npy at all"), MetadataError, /bad magic/],
    ["empty", new Uint8Array(0), MetadataError, /truncated header/],
    ["cut preamble", good.subarray(0, 9), MetadataError, /truncated header/],
    ["cut header", good.subarray(0, 60), MetadataError, /truncated header: declares 128/],
    ["version 4.0", Uint8Array.from([...good.subarray(0, 6), 4, 0, ...good.subarray(8)]), UnsupportedError, /4\.0/],
    ["version 1.1", Uint8Array.from([...good.subarray(0, 6), 1, 1, ...good.subarray(8)]), UnsupportedError, /1\.1/],
    ["negative dim", hdr("(-1, 3)"), MetadataError, /negative dimension -1/],
    ["huge dim", hdr("(10**30,)"), MetadataError, /cannot parse header/],
    ["huge dim literal", hdr("(1000000000000000000000000000000,)"), MetadataError, /too large/],
    ["overflowing product", hdr("(1099511627776, 1099511627776)"), MetadataError, /too many elements/],
    ["33 dims", hdr(`(${Array(33).fill(1).join(", ")})`), UnsupportedError, /33 dimensions/],
    ["float dim", hdr("(3.0,)"), MetadataError, /only integer/],
    ["list shape", hdr("[3]"), MetadataError, /shape.*tuple of integers/],
    ["int shape", hdr("3"), MetadataError, /shape.*tuple of integers/],
    ["bool dim", hdr("(True,)"), MetadataError, /tuple of integers/],
    ["not a dict", rawNpy("['descr', '<i2']"), MetadataError, /not a dictionary/],
    ["missing key", rawNpy("{'descr': '<i2', 'shape': (3,)}"), MetadataError, /exactly the keys/],
    ["extra key", rawNpy("{'descr': '<i2', 'fortran_order': False, 'shape': (3,), 'x': 1}"), MetadataError, /exactly the keys/],
    ["fortran not bool", rawNpy("{'descr': '<i2', 'fortran_order': 0, 'shape': (3,)}"), MetadataError, /fortran_order.*True or False/],
    ["descr not a dtype", rawNpy("{'descr': 42, 'fortran_order': False, 'shape': (3,)}"), MetadataError, /descr/],
    ["unknown typestr", rawNpy("{'descr': '<x4', 'fortran_order': False, 'shape': (3,)}"), MetadataError, /dtype "<x4"/],
    ["duplicate field", rawNpy("{'descr': [('a', '<i2'), ('a', '<i4')], 'fortran_order': False, 'shape': (3,)}"), MetadataError, /duplicate field/],
    ["field titles", rawNpy("{'descr': [(('t', 'a'), '<i2')], 'fortran_order': False, 'shape': (3,)}"), UnsupportedError, /titles/],
    ["unterminated string", rawNpy("{'descr': '<i2, 'fortran_order': False}"), MetadataError, /cannot parse header/],
    ["eval attempt", rawNpy("{'descr': __import__('os'), 'fortran_order': False, 'shape': (3,)}"), MetadataError, /unexpected name/],
    ["bytes literal", rawNpy("{'descr': b'<i2', 'fortran_order': False, 'shape': (3,)}"), MetadataError, /bytes literals/],
    ["trailing junk", rawNpy("{'descr': '<i2', 'fortran_order': False, 'shape': (3,)} x"), MetadataError, /after the header/],
    ["deep nesting", rawNpy("{'descr': " + "[".repeat(100_000) + "]".repeat(100_000) + "}", undefined, 2), MetadataError, /nested deeper/],
    ["bad utf-8 in v3", rawNpy("{'descr': '<i2'}", undefined, 3).map((b, i) => (i === 14 ? 0xff : b)), MetadataError, /UTF-8/],
    ["object dtype", rawNpy("{'descr': '|O', 'fortran_order': False, 'shape': (3,)}"), UnsupportedError, /never unpickles/],
    ["pickled (numpy)", new Uint8Array(fs.readFileSync(path.join(dir, "pickled.npy"))), UnsupportedError, /pickle/],
    ["pickled field (numpy)", new Uint8Array(fs.readFileSync(path.join(dir, "pickled_field.npy"))), UnsupportedError, /pickle/],
  ];
  for (const [what, bytes, cls, re] of bad) {
    assert.throws(() => decodeNpy(bytes), (e: unknown) => {
      assert.ok(e instanceof cls, `${what}: ${String(e)}`);
      assert.match((e as Error).message, re, what);
      return true;
    }, what);
  }
  // Sizes are checked against the input before anything is allocated.
  const hugeShape = rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,)}", new Uint8Array(16));
  assert.throws(() => decodeNpy(hugeShape), (e: unknown) => e instanceof ChunkError && /8000000000000 bytes, only 16/.test(e.message));
  assert.throws(() => decodeNpy(good.subarray(0, good.length - 1)), (e: unknown) => e instanceof ChunkError && /truncated data/.test(e.message));
  const hugeHeader = rawNpy("{}", undefined, 2);
  new DataView(hugeHeader.buffer).setUint32(8, 0xfffffff0, true);
  assert.throws(() => parseNpyHeader(hugeHeader), /exceeds the 16777216-byte limit/);
  assert.throws(() => parseNpyHeader(hugeHeader, { maxHeaderBytes: 2 ** 33 }), /truncated header: declares 4294967292/);
  const sdir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-npy-h-"));
  try {
    fs.writeFileSync(path.join(sdir, "h.npy"), hugeShape);
    await assert.rejects(openNpyReader(path.join(sdir, "h.npy")), (e: unknown) => e instanceof ChunkError && /truncated data/.test(e.message));
    fs.writeFileSync(path.join(sdir, "g.npy"), hugeHeader);
    await assert.rejects(openNpyReader(path.join(sdir, "g.npy"), { maxHeaderBytes: 2 ** 33 }), /truncated header/);
  } finally {
    fs.rmSync(sdir, { recursive: true, force: true });
  }
});

test("encoding refuses what numpy would pickle, and vlenToFixed validates its input", () => {
  assert.throws(() => encodeNpy({ data: ["a"], shape: [1], dtype: { kind: "string" } }), (e: unknown) => e instanceof UnsupportedError && /vlenToFixed/.test(e.message));
  assert.throws(() => encodeNpy({ data: [{}], shape: [1], dtype: { kind: "object" } }), (e: unknown) => e instanceof UnsupportedError && /pickle/.test(e.message));
  assert.throws(() => vlenToFixed({ data: [{}], shape: [1], dtype: { kind: "object" } }), UnsupportedError);
  assert.throws(() => vlenToFixed({ data: ["a", 3], shape: [2], dtype: { kind: "string" } }), (e: unknown) => e instanceof ChunkError && /element 1/.test(e.message));
  assert.throws(() => vlenToFixed({ data: ["a"], shape: [2], dtype: { kind: "string" } }), ChunkError);
  assert.throws(() => encodeNpy({ data: new Int16Array(5), shape: [2, 2], dtype: T("<i2") }), (e: unknown) => e instanceof ChunkError && /needs 8/.test(e.message));
  assert.throws(() => npyHeader(T("<i2"), [-1]), MetadataError);
  const f32 = new Float32Array(Uint32Array.of(0x7f800001, 0x80000000).buffer);
  const enc = encodeRange({ data: f32, shape: [2], dtype: T(">f4") });
  assert.deepEqual([...enc], [0x7f, 0x80, 0x00, 0x01, 0x80, 0, 0, 0]);
  assert.deepEqual([...new Uint32Array((decodeRaw(T(">f4"), enc) as Float32Array).buffer)], [0x7f800001, 0x80000000]);
});
