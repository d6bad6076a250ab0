import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { bytes } from "../../src/codecs/bytes.js";
import { permute, transpose } from "../../src/codecs/transpose.js";
import { bytesOf, parseV2DataType, parseV3DataType } from "../../src/format/dtype.js";
import { ChunkError, CodecError } from "../../src/format/errors.js";
import { PY_PRELUDE, b64, ctx, fromNumpy, runPython } from "./py-helpers.js";

interface Case { typestr: string; shape: number[]; order: number[]; src: string; enc: string }

// numpy's transpose of random bit patterns (NaN payloads and -0.0 included) for 2-D..4-D
// shapes, every permutation of 3-D, and multi-unit element types.
const cases = runPython<Case[]>(PY_PRELUDE + `
import itertools
rng = np.random.default_rng(7)
out = []
def add(dt, shape, order):
    dt = np.dtype(dt)
    raw = rng.integers(0, 256, size=int(np.prod(shape)) * dt.itemsize, dtype='u1').tobytes()
    if dt.kind == 'U': a = rng.integers(0, 0x10FFFF, size=int(np.prod(shape)) * (dt.itemsize // 4), dtype='<u4').astype(dt.byteorder + 'u4').view(dt)
    elif dt.kind == 'b': a = np.frombuffer(raw, 'u1') % 2 == 1
    else: a = np.frombuffer(raw, dt)
    a = a.reshape(shape)
    if dt.kind == 'f' and a.size >= 3:
        flat = a.reshape(-1).copy(); flat.view('u%d' % dt.itemsize)[0] = {2: 0x7c01, 4: 0x7fc00001, 8: 0x7ff0000000000001}[dt.itemsize]; flat[1] = -0.0; a = flat.reshape(shape)
    out.append(dict(typestr=dt.str, shape=list(shape), order=list(order), src=b64(a.tobytes()), enc=b64(np.ascontiguousarray(np.transpose(a, order)).tobytes())))
for dt in ['<f8', '<f4', '<f2', '<i8', '<u2', '|i1', '<c16', '<c8', '<U3', '|S3', '|b1', '<M8[ms]']:
    add(dt, (5, 7), (1, 0))
    add(dt, (3, 4, 5), (2, 0, 1))
for order in itertools.permutations(range(3)): add('<f8', (4, 3, 6), order)
for order in [(3, 1, 0, 2), (0, 1, 3, 2), (3, 2, 1, 0)]: add('<i4', (2, 3, 4, 5), order)
add('<f4', (70, 130), (1, 0))
add('<u2', (1, 9), (1, 0))
add('<i2', (0, 4, 2), (1, 2, 0))
dump(out)
`);

test("transpose: encode matches numpy.transpose bit for bit and decode inverts it", async () => {
  assert.ok(cases.length > 30);
  for (const c of cases) {
    const a = fromNumpy(c.typestr, c.src, c.shape);
    const codec = transpose({ order: c.order }, ctx(a.dtype, c.shape));
    const enc = await codec.encode(a);
    const label = `${c.typestr} [${c.shape}] order [${c.order}]`;
    assert.deepEqual(enc.shape, c.order.map((o) => c.shape[o]), label);
    assert.equal(b64(bytesOf(enc.data)), c.enc, label);
    assert.deepEqual(codec.encodedSpec({ shape: c.shape, dtype: a.dtype, fillValue: 0 }).shape, enc.shape);
    const dec = await codec.decode(enc, { shape: c.shape, dtype: a.dtype, fillValue: 0 });
    assert.deepEqual(dec.shape, c.shape);
    assert.equal(b64(bytesOf(dec.data)), c.src, label);
  }
});

test('transpose: "C" is the identity and "F" reverses the axes', async () => {
  const dt = parseV3DataType("int16");
  const a = { data: Int16Array.from({ length: 24 }, (_, i) => i), shape: [2, 3, 4], dtype: dt };
  const c = await transpose({ order: "C" }, ctx(dt, [2, 3, 4])).encode(a);
  assert.deepEqual(c.shape, [2, 3, 4]);
  assert.deepEqual([...c.data as Int16Array], [...a.data]);
  const f = await transpose({ order: "F" }, ctx(dt, [2, 3, 4])).encode(a);
  assert.deepEqual(f.shape, [4, 3, 2]);
  // F order: the first axis varies fastest.
  assert.deepEqual([...(f.data as Int16Array).slice(0, 6)], [0, 12, 4, 16, 8, 20]);
});

test("transpose: variable-length elements move as references", async () => {
  const dt = parseV3DataType("string");
  const a = { data: ["a", "b", "c", "d", "e", "f"], shape: [2, 3], dtype: dt };
  const codec = transpose({ order: [1, 0] }, ctx(dt, [2, 3]));
  const enc = await codec.encode(a);
  assert.deepEqual(enc.data, ["a", "d", "b", "e", "c", "f"]);
  assert.deepEqual((await codec.decode(enc, { shape: [2, 3], dtype: dt, fillValue: "" })).data, a.data);
  const o = { data: [{ x: 1 }, null, [2], "s"], shape: [2, 2], dtype: parseV2DataType("|O") };
  const p = permute(o.data, o.shape, o.dtype, [1, 0]);
  assert.equal((p.data as unknown[])[0], o.data[0]);
  assert.equal((p.data as unknown[])[1], o.data[2]);
});

test("transpose: zarrs fixture (transpose + bytes, float32) decodes to the written values", async () => {
  const dir = "/work/shared/fixtures/zarrs/v3/array_none_transpose.zarr";
  const meta = JSON.parse(fs.readFileSync(`${dir}/zarr.json`, "utf8"));
  const dt = parseV3DataType(meta.data_type);
  const chunk = [5, 5];
  const t = transpose(meta.codecs[0].configuration, ctx(dt, chunk, 3));
  const encSpec = t.encodedSpec({ shape: chunk, dtype: dt, fillValue: 0 });
  const b = bytes(meta.codecs[1].configuration, ctx(dt, encSpec.shape, 3));
  for (const [ci, cj] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
    const stored = new Uint8Array(fs.readFileSync(`${dir}/${ci}.${cj}`));
    const a = await t.decode(await b.decode(stored, encSpec), { shape: chunk, dtype: dt, fillValue: 0 });
    const expected = Array.from({ length: 25 }, (_, k) => (ci * 5 + Math.floor(k / 5)) * 10 + cj * 5 + (k % 5));
    assert.deepEqual([...a.data as Float32Array], expected, `chunk ${ci}.${cj}`);
  }
});

test("transpose: invalid orders and mismatched ranks are typed errors", async () => {
  const dt = parseV3DataType("uint8");
  for (const order of [[0, 0], [0, 2], [1], "X", [0.5, 1], null]) {
    assert.throws(() => transpose({ order }, ctx(dt, [2, 2])), (e: Error) => e instanceof CodecError && /order/.test(e.message), JSON.stringify(order));
  }
  assert.throws(() => transpose({ order: [1, 0], other: 1 }, ctx(dt, [2, 2])), CodecError);
  const codec = transpose({ order: [1, 0] }, ctx(dt, [2, 2]));
  await assert.rejects(codec.decode({ data: new Uint8Array(8), shape: [2, 2, 2], dtype: dt }, { shape: [2, 2], dtype: dt, fillValue: 0 }), ChunkError);
  await assert.rejects(codec.decode({ data: new Uint8Array(6), shape: [3, 2], dtype: dt }, { shape: [3, 2], dtype: dt, fillValue: 0 }), ChunkError);
  await assert.rejects(codec.encode({ data: new Uint8Array(3), shape: [2, 2], dtype: dt }), (e: Error) => e instanceof CodecError && /3 values/.test(e.message));
  await assert.rejects(codec.decode({ data: new Uint8Array(5), shape: [2, 2], dtype: dt }, { shape: [2, 2], dtype: dt, fillValue: 0 }), ChunkError);
});

test("transpose: a 2048×2048 float32 chunk transposes quickly", async () => {
  const dt = parseV3DataType("float32");
  const n = 2048;
  const a = { data: Float32Array.from({ length: n * n }, (_, i) => i), shape: [n, n], dtype: dt };
  const codec = transpose({ order: [1, 0] }, ctx(dt, [n, n]));
  const t0 = performance.now();
  const enc = await codec.encode(a);
  const ms = performance.now() - t0;
  assert.equal((enc.data as Float32Array)[1], n);
  assert.equal((enc.data as Float32Array)[n], 1);
  assert.ok(ms < 1000, `took ${ms} ms`);
});
