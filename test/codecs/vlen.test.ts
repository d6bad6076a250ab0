import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { decompress } from "zstd-napi";
import { vlenArray, vlenBytes, vlenUtf8 } from "../../src/codecs/vlen.js";
import { bytesOf, parseV2DataType, parseV3DataType } from "../../src/format/dtype.js";
import { ChunkError, CodecError } from "../../src/format/errors.js";
import { PY_PRELUDE, b64, ctx, fromNumpy, runPython, unb64 } from "./py-helpers.js";

interface ArrCase { dtype: string; items: (string | null)[]; enc: string }
interface Gen {
  utf8: { values: (string | null)[]; enc: string; dec: string[] };
  utf8_2d: { values: string[][]; enc: string };
  bytes: { values: (string | null)[]; enc: string };
  arrays: ArrCase[];
  fixtures: Record<string, string[]>;
}

const FIX = "/work/shared/fixtures/zarrita/v3/data.zarr";
const FIXTURES = ["1d.contiguous.string.vlen", "1d.string.unicode", "1d.string.empty", "2d.chunked.string.vlen"];

const gen = runPython<Gen>(PY_PRELUDE + `
from numcodecs import VLenUTF8, VLenBytes, VLenArray, Zstd
import os
strs = ['a', '', 'r\\ufffd', 'caf\\u00e9', '\\U0001F600 emoji', None, 'x' * 300, '\\x00nul', '\\u2028', 'y' * 70000]
u = np.array(strs, dtype=object)
enc = VLenUTF8().encode(u)
out = dict(utf8=dict(values=strs, enc=b64(enc), dec=VLenUTF8().decode(enc).tolist()))
two = np.array([['p', 'qq', ''], ['\\u00fc', 'r', 's']], dtype=object)
out['utf8_2d'] = dict(values=two.tolist(), enc=b64(VLenUTF8().encode(two)))
bs = [b'a', b'', None, bytes(range(256)) * 2, b'\\x00\\xff']
out['bytes'] = dict(values=[None if b is None else b64(b) for b in bs], enc=b64(VLenBytes().encode(np.array(bs, dtype=object))))
arrays = []
rng = np.random.default_rng(3)
for dt in ['<i2', '>i2', '|u1', '<i8', '>u8', '<f4', '>f8', '<f2', '|b1']:
    items = [rng.integers(0, 100, size=k).astype(dt) for k in (3, 0, 1, 5)] + [None]
    if np.dtype(dt).kind == 'f': items[0][:] = [np.nan, -0.0, np.inf]
    arrays.append(dict(dtype=dt, items=[None if i is None else b64(i.tobytes()) for i in items], enc=b64(VLenArray(dt).encode(np.array(items + [0], dtype=object)[:-1]))))
out['arrays'] = arrays
fx = {}
for name in ${JSON.stringify(FIXTURES)}:
    d = '${FIX}/' + name + '/c'
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            fx[os.path.relpath(p, d)] = None
            fx[name + '/' + os.path.relpath(p, d)] = VLenUTF8().decode(Zstd().decode(open(p, 'rb').read())).tolist()
out['fixtures'] = {k: v for k, v in fx.items() if v is not None}
dump(out)
`);

test("vlen-utf8: encode and decode match numcodecs (None → \"\", unicode, long strings, N-d)", async () => {
  const dt = parseV2DataType("|O");
  const { values, enc, dec } = gen.utf8;
  const codec = vlenUtf8({}, ctx(dt, [values.length]));
  assert.equal(b64(await codec.encode({ data: values, shape: [values.length], dtype: dt })), enc);
  // numcodecs treats 0 and false like None.
  const zeros = values.map((v) => (v === null ? 0 : v));
  assert.equal(b64(await codec.encode({ data: zeros, shape: [values.length], dtype: dt })), enc);
  const s = parseV3DataType("string");
  const d = await vlenUtf8({}, ctx(s, [values.length], 3)).decode(unb64(enc), { shape: [values.length], dtype: s, fillValue: "" });
  assert.deepEqual(d.data, dec);
  const flat = gen.utf8_2d.values.flat();
  const e2 = await vlenUtf8({}, ctx(s, [2, 3], 3)).encode({ data: flat, shape: [2, 3], dtype: s });
  assert.equal(b64(e2), gen.utf8_2d.enc);
  const out = { data: new Array<string>(6).fill("?"), shape: [2, 3], dtype: s };
  const r = await vlenUtf8({}, ctx(s, [2, 3], 3)).decode(e2, { shape: [2, 3], dtype: s, fillValue: "" }, out);
  assert.equal(r, out);
  assert.deepEqual(out.data, flat);
});

test("vlen-utf8: zarr-python 3 fixtures (vlen-utf8 + zstd) decode to numcodecs' strings", async () => {
  assert.ok(Object.keys(gen.fixtures).length >= 5);
  const s = parseV3DataType("string");
  for (const [rel, expected] of Object.entries(gen.fixtures)) {
    const stored = decompress(fs.readFileSync(`${FIX}/${rel.replace(/^([^/]+)\//, "$1/c/")}`));
    const codec = vlenUtf8({}, ctx(s, [expected.length], 3));
    const d = await codec.decode(new Uint8Array(stored), { shape: [expected.length], dtype: s, fillValue: "" });
    assert.deepEqual(d.data, expected, rel);
    assert.deepEqual(await codec.encode(d), new Uint8Array(stored), rel);
  }
});

test("vlen-bytes: byte-identical to numcodecs, None as empty", async () => {
  const dt = parseV3DataType("bytes");
  const values = gen.bytes.values.map((v) => (v === null ? null : unb64(v)));
  const codec = vlenBytes({}, ctx(dt, [values.length], 3));
  const enc = await codec.encode({ data: values as Uint8Array[], shape: [values.length], dtype: dt });
  assert.equal(b64(enc), gen.bytes.enc);
  const d = await codec.decode(enc, { shape: [values.length], dtype: dt, fillValue: new Uint8Array(0) });
  assert.deepEqual(d.data, values.map((v) => v ?? new Uint8Array(0)));
  await assert.rejects(codec.encode({ data: ["str"], shape: [1], dtype: dt }), CodecError);
});

test("vlen-array: every item dtype and byte order matches numcodecs", async () => {
  const obj = parseV2DataType("|O");
  for (const c of gen.arrays) {
    const items = c.items.map((v) => (v === null ? null : fromNumpy(c.dtype, v).data));
    const codec = vlenArray({ dtype: c.dtype }, ctx(obj, [items.length]));
    const enc = await codec.encode({ data: items, shape: [items.length], dtype: obj });
    assert.equal(b64(enc), c.enc, c.dtype);
    const d = await codec.decode(unb64(c.enc), { shape: [items.length], dtype: obj, fillValue: null });
    (d.data as unknown[]).forEach((x, i) => {
      const want = items[i] === null ? new Uint8Array(0) : bytesOf(items[i]!);
      assert.deepEqual(bytesOf(x as Uint8Array), want, `${c.dtype} item ${i}`);
    });
  }
  // Plain arrays and scalars are cast like numpy (truncation, wraparound).
  const codec = vlenArray({ dtype: "<i2" }, ctx(obj, [3]));
  const enc = await codec.encode({ data: [[1.7, 70000, -1], 5, []], shape: [3], dtype: obj });
  assert.deepEqual([...enc], [3, 0, 0, 0, 6, 0, 0, 0, 1, 0, 0x70, 0x11, 0xff, 0xff, 2, 0, 0, 0, 5, 0, 0, 0, 0, 0]);
  await assert.rejects(codec.encode({ data: [[[1, 2]], [], []], shape: [3], dtype: obj }), CodecError);
  await assert.rejects(codec.decode(new Uint8Array([1, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3]), { shape: [1], dtype: obj, fillValue: null }), (e: Error) => e instanceof ChunkError && /multiple/.test(e.message));
});

test("vlen: truncated, hostile and corrupt input give ChunkError without large allocations", async () => {
  const s = parseV3DataType("string");
  const codec = vlenUtf8({}, ctx(s, [2], 3));
  const spec = (n: number) => ({ shape: [n], dtype: s, fillValue: "" });
  const bad: [number[], number, RegExp][] = [
    [[1, 0], 2, /count header/],
    [[2, 0, 0, 0], 2, /at least 12 bytes/],
    [[3, 0, 0, 0, 0, 0, 0, 0], 2, /3 items but the chunk has 2/],
    [[0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0], 0xffffffff, /at least/],
    [[2, 0, 0, 0, 1, 0, 0, 0, 0x61, 0xff, 0xff, 0xff, 0x7f, 0x62], 2, /declares 2147483647 bytes/],
    [[2, 0, 0, 0, 1, 0, 0, 0, 0x61, 1, 0, 0, 0, 0x62, 0x63], 2, /trailing/],
    [[2, 0, 0, 0, 1, 0, 0, 0, 0x61, 1, 0, 0], 2, /truncated|at least/],
    [[2, 0, 0, 0, 1, 0, 0, 0, 0x61, 1, 0, 0, 0, 0xff], 2, /UTF-8/],
  ];
  for (const [bytes, n, re] of bad) {
    await assert.rejects(codec.decode(new Uint8Array(bytes), spec(n)), (e: Error) => e instanceof ChunkError && re.test(e.message), `${bytes} → ${re}`);
  }
  await assert.rejects(codec.encode({ data: ["ok", "\uD800"], shape: [2], dtype: s }), (e: Error) => e instanceof CodecError && /surrogate/.test(e.message));
  await assert.rejects(codec.encode({ data: ["ok", 7], shape: [2], dtype: s }), (e: Error) => e instanceof CodecError && /element 1/.test(e.message));
  await assert.rejects(codec.encode({ data: ["ok"], shape: [2], dtype: s }), CodecError);
  const i4 = parseV3DataType("int32");
  await assert.rejects(codec.encode({ data: new Int32Array(2), shape: [2], dtype: i4 }), CodecError);
  assert.throws(() => vlenUtf8({ foo: 1 }, ctx(s, [2], 3)), CodecError);
  assert.throws(() => vlenArray({ dtype: "|O" }, ctx(s, [2], 3)), CodecError);
  assert.throws(() => vlenArray({}, ctx(s, [2], 3)), (e: Error) => e instanceof CodecError && /dtype/.test(e.message));
});
