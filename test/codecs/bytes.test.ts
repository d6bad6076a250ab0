import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes } from "../../src/codecs/bytes.js";
import { bytesOf, parseV2DataType, parseV3DataType } from "../../src/format/dtype.js";
import { ChunkError, CodecError } from "../../src/format/errors.js";
import { PY_PRELUDE, b64, ctx, runPython, unb64 } from "./py-helpers.js";

interface Case { typestr: string; le: string; be: string | null; n: number }

// One Python run: every dtype with edge values (NaN payloads, signalling NaNs, -0.0, extremes),
// as little- and big-endian bytes.
const cases = runPython<Case[]>(PY_PRELUDE + `
out = []
def add(dt, arr):
    le = np.asarray(arr).astype(np.dtype(dt).newbyteorder('<'))
    be = le.astype(le.dtype.newbyteorder('>')) if le.dtype.byteorder not in ('|', '=') or le.dtype.names else None
    if le.dtype.names is None and le.dtype.itemsize == 1 or le.dtype.kind in 'SV': be = None
    out.append(dict(typestr=le.dtype.str if le.dtype.names is None else 'structured', le=b64(le.tobytes()), be=None if be is None else b64(be.tobytes()), n=int(le.size)))
ints = lambda dt: np.array([np.iinfo(dt).min, -1, 0, 1, 2, 300 % (np.iinfo(dt).max + 1), np.iinfo(dt).max], dtype=object).astype(dt)
for dt in ['i1','i2','i4','i8','u1','u2','u4','u8']: add(dt, ints(dt))
add('b1', np.array([True, False, True]))
add('f2', np.array([0x7c01, 0xfe00, 0x8000, 0x3c00, 0x7bff, 0x0001], 'u2').view('f2'))
add('f4', np.array([0x7fc00001, 0xffa00000, 0x80000000, 0x7f800000, 0x3fc00000, 0x00000001], 'u4').view('f4'))
add('f8', np.array([0x7ff0000000000001, 0xfff8000000000abc, 0x8000000000000000, 0x3ff8000000000000, 1], 'u8').view('f8'))
add('c8', np.array([0x7fc00001, 0x80000000, 0x3fc00000, 0xffa00000], 'u4').view('c8'))
add('c16', np.array([0x7ff0000000000001, 0x8000000000000000, 0x3ff8000000000000, 5], 'u8').view('c16'))
add('M8[ns]', np.array(['2020-01-01T00:00:00.000000001', 'NaT'], 'M8[ns]'))
add('m8[s]', np.array([-5, 7, 'NaT'], 'm8[s]'))
add('S5', np.array([b'ab', b'abcde', b'']))
add('V4', np.array([b'\\x01\\x02\\x03\\x04', b'\\xff\\x00\\x00\\x01'], 'V4'))
add('U3', np.array(['a\\u00e9', '\\U0001F600xy', '']))
st = np.array([(1, 1.5), (-2, np.nan)], dtype=[('a', '<i4'), ('b', '>f8')])
out.append(dict(typestr='structured', le=b64(st.tobytes()), be=b64(st.tobytes()), n=2))
dump(out)
`);

const STRUCT_FIELDS = [["a", "<i4"], ["b", ">f8"]];

function dtypeOf(c: Case, endian: "<" | ">") {
  if (c.typestr === "structured") return parseV2DataType(STRUCT_FIELDS);
  return parseV2DataType(c.typestr.replace(/^[<>]/, endian));
}

test("bytes: little- and big-endian round trips are byte-exact against numpy for every dtype", async () => {
  assert.ok(cases.length >= 20);
  for (const c of cases) {
    for (const [endian, stored] of [["little", c.le], ["big", c.be]] as const) {
      if (stored === null) continue;
      const dt = dtypeOf(c, endian === "big" ? ">" : "<");
      const codec = bytes({ endian }, ctx(dt, [c.n], 3));
      const a = await codec.decode(unb64(stored), { shape: [c.n], dtype: dt, fillValue: 0 });
      // In memory: native (little) order, so the bits equal numpy's little-endian bytes.
      assert.equal(b64(bytesOf(a.data)), c.le, `${c.typestr} ${endian}: decoded bits`);
      assert.equal(b64(await codec.encode(a)), stored, `${c.typestr} ${endian}: re-encoded bytes`);
      assert.equal(codec.encodedSize!({ shape: [c.n], dtype: dt, fillValue: 0 }), unb64(stored).length);
    }
  }
});

test("bytes: structured records and S/V data are never swapped", async () => {
  const st = cases.find((c) => c.typestr === "structured");
  assert.ok(st === undefined || st.be !== null);
  const dt = parseV2DataType("|S4");
  const codec = bytes({ endian: "big" }, ctx(dt, [2], 3));
  const raw = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(await codec.encode({ data: raw, shape: [2], dtype: dt }), raw);
});

test("bytes: decodes straight into a caller's array", async () => {
  const dt = parseV3DataType("float64");
  const codec = bytes({ endian: "big" }, ctx(dt, [2], 3));
  const target = new Float64Array(2);
  const out = { data: target, shape: [2], dtype: dt };
  const stored = new Uint8Array([0x7f, 0xf0, 0, 0, 0, 0, 0, 1, 0x80, 0, 0, 0, 0, 0, 0, 0]);
  const r = await codec.decode(stored, { shape: [2], dtype: dt, fillValue: 0 }, out);
  assert.equal(r, out);
  assert.deepEqual([...new Uint8Array(target.buffer)], [1, 0, 0, 0, 0, 0, 0xf0, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0x80]);
  assert.ok(Object.is(target[1], -0));
  await assert.rejects(codec.decode(stored, { shape: [2], dtype: dt, fillValue: 0 }, { data: new Float32Array(4), shape: [2], dtype: parseV3DataType("float32") }), CodecError);
});

test("bytes: bool is stored and read as 0/1", async () => {
  const dt = parseV3DataType("bool");
  const codec = bytes({}, ctx(dt, [3], 3));
  assert.deepEqual([...await codec.encode({ data: new Uint8Array([0, 2, 1]), shape: [3], dtype: dt })], [0, 1, 1]);
  assert.deepEqual([...(await codec.decode(new Uint8Array([7, 0, 1]), { shape: [3], dtype: dt, fillValue: false })).data as Uint8Array], [1, 0, 1]);
});

test("bytes: wrong sizes and bad configurations are typed errors naming the reason", async () => {
  const dt = parseV3DataType("int32");
  const codec = bytes({ endian: "little" }, ctx(dt, [2], 3));
  await assert.rejects(codec.decode(new Uint8Array(7), { shape: [2], dtype: dt, fillValue: 0 }), (e: Error) => e instanceof ChunkError && /7 bytes/.test(e.message) && /8 were expected/.test(e.message));
  await assert.rejects(codec.decode(new Uint8Array(12), { shape: [2], dtype: dt, fillValue: 0 }), ChunkError);
  await assert.rejects(codec.encode({ data: new Int32Array(3), shape: [2], dtype: dt }), CodecError);
  assert.throws(() => bytes({}, ctx(dt, [2], 3)), (e: Error) => e instanceof CodecError && /endian/.test(e.message));
  assert.throws(() => bytes({ endian: "middle" }, ctx(dt, [2], 3)), (e: Error) => e instanceof CodecError && /endian/.test(e.message));
  assert.throws(() => bytes({ endian: "little", extra: 1 }, ctx(dt, [2], 3)), (e: Error) => e instanceof CodecError && /extra/.test(e.message));
  assert.doesNotThrow(() => bytes({}, ctx(parseV3DataType("uint8"), [2], 3)));
  const s = parseV3DataType("string");
  await assert.rejects(bytes({}, ctx(s, [1], 3)).encode({ data: ["x"], shape: [1], dtype: s }), CodecError);
});
