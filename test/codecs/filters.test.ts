import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { astype } from "../../src/codecs/astype.js";
import { bitround } from "../../src/codecs/bitround.js";
import { categorize } from "../../src/codecs/categorize.js";
import { delta } from "../../src/codecs/delta.js";
import { fixedScaleOffset } from "../../src/codecs/fixedscaleoffset.js";
import { packbits, packbitsV3 } from "../../src/codecs/packbits.js";
import { quantize, quantizeScaleBits } from "../../src/codecs/quantize.js";
import { bytes } from "../../src/codecs/bytes.js";
import { transpose } from "../../src/codecs/transpose.js";
import type { ArrayToArrayCodec, CodecContext } from "../../src/codecs/types.js";
import { scalarResultType, type NumericDType } from "../../src/codecs/elementwise.js";
import { bytesOf, parseV2DataType, parseV3DataType, v2DataTypeJSON } from "../../src/format/dtype.js";
import { ChunkError, CodecError } from "../../src/format/errors.js";
import { PY_PRELUDE, b64, ctx, fromNumpy, runPython, toNumpy, unb64 } from "./py-helpers.js";

type Factory = (c: Record<string, unknown>, x: CodecContext) => ArrayToArrayCodec;
const FACTORIES: Record<string, Factory> = { delta, fixedscaleoffset: fixedScaleOffset, quantize, bitround, packbits, astype };

interface Case { config: Record<string, unknown>; in_dtype: string; shape: number[]; inp: string; enc_dtype: string; enc: string; dec: string }
interface CatCase { config: Record<string, unknown>; values: unknown; in_dtype: string; inp: string | null; enc: string; dec: unknown[] }
interface Gen { cases: Case[]; cats: CatCase[]; bits: number[]; promo: [string, string, boolean, string][] }

// One Python run generates every numcodecs case: input bytes, encoded bytes, decoded bytes.
const gen = runPython<Gen>(PY_PRELUDE + `
rng = np.random.default_rng(11)
cases = []
def case(cfg, arr):
    codec = numcodecs.get_codec(dict(cfg))
    enc = np.asarray(codec.encode(arr))
    dec = np.asarray(codec.decode(enc))
    cfg = {k: v for k, v in cfg.items() if k != 'id'} | {'id': cfg['id']}
    cases.append(dict(config=cfg, in_dtype=arr.dtype.str, shape=list(arr.shape), inp=b64(arr.tobytes()), enc_dtype=enc.dtype.str, enc=b64(enc.tobytes()), dec=b64(dec.tobytes())))
def rand(dt, n=64):
    dt = np.dtype(dt)
    if dt.kind in 'iu': return rng.integers(np.iinfo(dt).min, np.iinfo(dt).max, size=n, dtype=dt.newbyteorder('='), endpoint=True).astype(dt)
    a = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 5, size=n)).astype(dt)
    a[:6] = [np.nan, np.inf, -np.inf, -0.0, 0.5, 2.5]
    return a
def small(dt, n=64):
    return np.cumsum(rng.integers(-3, 4, size=n)).astype(dt) + np.array(40, dtype=dt)

# delta
for dt in ['|i1', '<i2', '<i4', '<i8', '|u1', '<u2', '<u4', '<u8', '<f2', '<f4', '<f8', '>i4', '>f8', '>u2']:
    case(dict(id='delta', dtype=dt), rand(dt))
for dt, at in [('<i2', '|i1'), ('<i8', '<i2'), ('<u2', '|i1'), ('<i4', '<f8'), ('<f8', '<f4'), ('<f4', '<i2'), ('<u8', '|i1'), ('<i4', '>i2'), ('<u4', '<f4')]:
    case(dict(id='delta', dtype=dt, astype=at), small(dt))
case(dict(id='delta', dtype='<i4'), rand('>i4'))
case(dict(id='delta', dtype='<i2'), rand('<i4').reshape(8, 8))
case(dict(id='delta', dtype='<i4'), rand('<i4').reshape(4, 4, 4))

# fixedscaleoffset
x = np.linspace(1000, 1001, 64, dtype='f8')
for cfg in [dict(offset=1000, scale=10, dtype='<f8', astype='|u1'), dict(offset=1000, scale=1000, dtype='<f8', astype='<u2'),
            dict(offset=1000.5, scale=0.5, dtype='<f8', astype='<i4'), dict(offset=999.9, scale=1e3, dtype='<f8', astype='>i2')]:
    case(dict(id='fixedscaleoffset', **cfg), x)
case(dict(id='fixedscaleoffset', offset=1000, scale=10, dtype='<f4', astype='<i2'), x.astype('<f4'))
case(dict(id='fixedscaleoffset', offset=1000.1, scale=100000.5, dtype='<f4', astype='<i8'), x.astype('<f4'))
case(dict(id='fixedscaleoffset', offset=1.5, scale=3, dtype='<f2', astype='|i1'), np.linspace(-10, 10, 64).astype('<f2'))
case(dict(id='fixedscaleoffset', offset=100000, scale=2, dtype='<f2', astype='<i4'), np.linspace(-10, 10, 64).astype('<f2'))
case(dict(id='fixedscaleoffset', offset=2, scale=1000, dtype='<f2', astype='<f2'), np.linspace(-10, 10, 64).astype('<f2'))
case(dict(id='fixedscaleoffset', offset=0, scale=1, dtype='<f8', astype='<i2'), np.array([0.5, 1.5, 2.5, -0.5, -1.5, 1e10, -1e10, np.nan, np.inf, 32767.5, 40000, -3e9]))
# (float → uint32 outside [-2^31, 2^32) differs between numpy's SIMD loop and its scalar tail, so it is left out.)
for dt, at in [('<f8', '|u1'), ('<f8', '<u8'), ('<f8', '<i8'), ('<f4', '<u2'), ('<f4', '|i1'), ('<f8', '<i4')]:
    case(dict(id='fixedscaleoffset', offset=0, scale=1, dtype=dt, astype=at), np.array([0.5, -1.5, 300.7, -300.7, 1e10, -1e10, np.nan, np.inf, -np.inf, 3e9, -3e9, 1e19, 2e19, 2.0**63], dtype=dt))
case(dict(id='fixedscaleoffset', offset=1000, scale=10, dtype='<i2', astype='<i2'), rand('<i2'))
case(dict(id='fixedscaleoffset', offset=1000, scale=10, dtype='|i1', astype='|i1'), rand('|i1'))
case(dict(id='fixedscaleoffset', offset=-1, scale=3, dtype='|u1', astype='<u2'), rand('|u1'))
case(dict(id='fixedscaleoffset', offset=2**40, scale=3, dtype='<i8', astype='<i8'), rand('<i8'))
case(dict(id='fixedscaleoffset', offset=7, scale=70000, dtype='<u4', astype='<u4'), rand('<u4'))
case(dict(id='fixedscaleoffset', offset=7, scale=3, dtype='<u8', astype='<f8'), rand('<u8'))
case(dict(id='fixedscaleoffset', offset=0.25, scale=4, dtype='<i4', astype='<i4'), rand('<i4'))
case(dict(id='fixedscaleoffset', offset=5, scale=2, dtype='>i4', astype='>i2'), small('>i4'))

# quantize
y = np.concatenate([np.linspace(-2, 2, 50), [0.5, 1.5, -2.5, np.nan, np.inf, -0.0, 1e-300, 1e300]])
for dt, digits, at in [('<f8', 1, None), ('<f8', 2, None), ('<f8', 3, None), ('<f8', 5, None), ('<f8', 10, None), ('<f8', -1, None), ('<f8', -3, None),
                       ('<f4', 1, None), ('<f4', 3, None), ('<f4', 7, None), ('<f4', 20, None), ('<f4', 40, None),
                       ('<f2', 1, None), ('<f2', 4, None), ('<f2', 5, None), ('<f8', 3, '<f4'), ('<f4', 2, '<f2'), ('>f8', 2, '>f4')]:
    cfg = dict(id='quantize', digits=digits, dtype=dt)
    if at: cfg['astype'] = at
    case(cfg, y.astype(dt))

# bitround
special = {2: [0x7c01, 0xfe00, 0x7c00, 0xfc00, 0x8000, 0x7bff, 0x0001, 0x03ff, 0x3c00, 0xbc01],
           4: [0x7fc00001, 0xffa00000, 0x7f800000, 0xff800000, 0x80000000, 0x7f7fffff, 0x00000001, 0x007fffff, 0x3f800000, 0xbf800001],
           8: [0x7ff0000000000001, 0xfff8000000000abc, 0x7ff0000000000000, 0x8000000000000000, 0x7fefffffffffffff, 1, 0x000fffffffffffff, 0x3ff0000000000000, 0xbff0000000000001, 0x3ff00000ffffffff]}
for dt, kbs in [('<f2', [0, 1, 3, 9, 10]), ('<f4', [0, 1, 3, 10, 22, 23]), ('<f8', [0, 1, 7, 20, 19, 21, 31, 32, 33, 51, 52])]:
    size = np.dtype(dt).itemsize
    base = np.concatenate([np.array(special[size], 'u%d' % size).view('f%d' % size), rand('f%d' % size, 200)]).astype(dt)
    for kb in kbs: case(dict(id='bitround', keepbits=kb), base)

# packbits
for n in [0, 1, 7, 8, 9, 17, 64]:
    case(dict(id='packbits'), rng.integers(0, 2, size=n).astype(bool))
case(dict(id='packbits'), np.array([0, 1, 2, 255, 0, 0, 3], '|u1'))
case(dict(id='packbits'), rng.integers(0, 2, size=24).astype(bool).reshape(4, 6))

# astype
big = np.array([2**53 + 1, 2**60 + 2**36 + 1, -(2**62) - 2**38 - 1, 2**24 + 1, 16777217, -16777219, 2**63 - 1, -(2**63)], '<i8')
for enc, dec, arr in [('<i2', '<f8', np.array([0.5, 1.7, -1.7, 300.7, 40000.9, 1e10, -1e10, np.nan, np.inf, -0.0])),
                      ('<f4', '<i8', big), ('<f4', '<u8', np.array([2**64 - 1, 2**63 + 2**39 + 1, 2**24 + 1, 0], '<u8')),
                      ('<f8', '<u8', np.array([2**64 - 1, 2**53 + 1, 3], '<u8')), ('|u1', '<i4', rand('<i4')), ('<f2', '<f8', rand('<f8', 200)),
                      ('<f2', '<i8', big), ('<f2', '<i4', np.array([2049, 2051, 65519, 65520, -65520, 70000], '<i4')),
                      ('|b1', '<f4', np.array([0, 1.5, np.nan, -0.0], '<f4')), ('<f4', '|b1', np.array([True, False])),
                      ('|i1', '<f2', np.array([1.5, -2.7, 127.9, 300, np.nan], '<f2')), ('<u4', '<f8', np.array([-1.5, 3e9, 4294967295.5, -2147483647.9, 7.9])),
                      ('<u8', '<f8', np.array([-1.5, 1e19, 2e19, -1e10, 2.0**63, np.nan, -np.inf])), ('<i8', '<f4', np.array([1e19, -3e9, 2.5], '<f4')),
                      ('>i2', '<f8', np.array([1.5, -40000.2])), ('<f8', '>f4', np.array([1.5, np.nan], '>f4')), ('<u2', '|i1', np.array([-1, -128, 127], '|i1'))]:
    case(dict(id='astype', encode_dtype=enc, decode_dtype=dec), arr.astype(dec))

# categorize: object and U arrays
cats = []
def cat(cfg, arr):
    codec = numcodecs.get_codec(dict(cfg))
    enc = np.asarray(codec.encode(arr))
    dec = np.asarray(codec.decode(enc))
    cats.append(dict(config={k: v for k, v in cfg.items()}, values=arr.tolist() if arr.dtype == object else None, in_dtype=arr.dtype.str,
                     inp=None if arr.dtype == object else b64(arr.tobytes()), enc=b64(enc.tobytes()), dec=dec.tolist()))
obj = np.array(['apple', 'b', None, '', 'caf\\u00e9', 'apple', 'zzz', '\\U0001F600', 'b'], dtype=object)
cat(dict(id='categorize', labels=['apple', 'b', 'caf\\u00e9', '\\U0001F600'], dtype='|O', astype='|u1'), obj)
cat(dict(id='categorize', labels=['b', 'apple', 'b', ''], dtype='|O', astype='<u2'), obj)
cat(dict(id='categorize', labels=['apple', 'zzz'], dtype='|O', astype='>i4'), obj)
u = np.array(['apple', 'b', '', 'caf\\u00e9', 'zz', 'apple'], dtype='<U5')
cat(dict(id='categorize', labels=['apple', 'b', 'caf\\u00e9', 'toolongx'], dtype='<U5', astype='|u1'), u)

bits = []
for d in range(-308, 308):
    import math
    precision = 10. ** -d
    e = math.log(precision, 10)
    e = int(math.floor(e)) if e < 0 else int(math.ceil(e))
    bits.append(math.ceil(math.log(10. ** -e, 2)))

promo = []
for dt in ['|b1', '|i1', '|u1', '<i2', '<u2', '<i4', '<u4', '<i8', '<u8', '<f2', '<f4', '<f8']:
    for v in [1, -1, 127, 128, 255, 256, -129, 32767, 32768, 65535, 65536, -32769, 2**31 - 1, 2**31, 2**32, -2**31 - 1, 2**63 - 1, 2**63, -2**63,
              0.5, 1.0, 64999.0, 65000.0, 3.3e38, 3.4e38, -65001.0, float('inf'), float('nan')]:
        promo.append([dt, str(v) if isinstance(v, int) else repr(v), isinstance(v, float), (np.zeros(1, dt) - v).dtype.str])
dump(dict(cases=cases, cats=cats, bits=bits, promo=promo))
`);

function sameBytes(actual: Uint8Array, expected: string, label: string) {
  if (b64(actual) === expected) return;
  const e = unb64(expected);
  const i = actual.findIndex((x, k) => x !== e[k]);
  assert.fail(`${label}: bytes differ (lengths ${actual.length}/${e.length}, first difference at byte ${i})`);
}

test("numcodecs filters: encode is byte-identical to numcodecs 0.11 and decode matches it", async (t) => {
  assert.ok(gen.cases.length > 100, `${gen.cases.length} cases`);
  const counts: Record<string, number> = {};
  for (const c of gen.cases) {
    const { id, ...config } = c.config;
    const label = `${id} ${JSON.stringify(config)} on ${c.in_dtype}[${c.shape}]`;
    const a = fromNumpy(c.in_dtype, c.inp, c.shape);
    const codec = FACTORIES[id as string](config, ctx(a.dtype, c.shape));
    const enc = await codec.encode(a);
    const spec = codec.encodedSpec({ shape: c.shape, dtype: a.dtype, fillValue: 0 });
    assert.deepEqual(spec.dtype, enc.dtype, label);
    assert.deepEqual(spec.shape, enc.shape, label);
    // numcodecs bitround hands back the integer view of the same bytes.
    if (id !== "bitround") assert.equal(v2DataTypeJSON(enc.dtype), c.enc_dtype, `${label}: encoded dtype`);
    sameBytes(toNumpy(enc), c.enc, `${label}: encoded`);
    const pyEnc = fromNumpy(v2DataTypeJSON(enc.dtype) as string, c.enc, enc.shape);
    const dec = await codec.decode(pyEnc, { shape: c.shape, dtype: a.dtype, fillValue: 0 });
    assert.deepEqual(dec.shape, c.shape, label);
    sameBytes(toNumpy(dec), c.dec, `${label}: decoded`);
    counts[id as string] = (counts[id as string] ?? 0) + 1;
  }
  assert.deepEqual(Object.keys(counts).sort(), ["astype", "bitround", "delta", "fixedscaleoffset", "packbits", "quantize"]);
  t.diagnostic(`cases per codec: ${JSON.stringify(counts)}`);
});

test("categorize: codes and labels match numcodecs for object and U arrays", async () => {
  for (const c of gen.cats) {
    const { id, ...config } = c.config;
    void id;
    const dt = c.inp === null ? parseV2DataType("|O") : parseV2DataType(c.in_dtype);
    const n = c.inp === null ? (c.values as unknown[]).length : unb64(c.inp).length / (Number(c.in_dtype.slice(2)) * 4);
    const a = c.inp === null ? { data: c.values as unknown[], shape: [n], dtype: dt } : fromNumpy(c.in_dtype, c.inp, [n]);
    const codec = categorize(config, ctx(dt, [n]));
    const enc = await codec.encode(a);
    assert.equal(b64(toNumpy(enc)), c.enc, JSON.stringify(config));
    const dec = await codec.decode(fromNumpy(v2DataTypeJSON(enc.dtype) as string, c.enc, [n]), { shape: [n], dtype: dt, fillValue: "" });
    if (dt.kind === "object") assert.deepEqual(dec.data, c.dec);
    else {
      const len = (dt as { length: number }).length, u = dec.data as Uint32Array;
      const strs = Array.from({ length: n }, (_, i) => String.fromCodePoint(...[...u.subarray(i * len, i * len + len)].filter((x) => x !== 0)));
      assert.deepEqual(strs, c.dec);
    }
  }
  const s = parseV3DataType("string");
  const codec = categorize({ labels: ["x"], dtype: "|O" }, ctx(s, [2]));
  assert.deepEqual((await codec.decode({ data: new Uint8Array([1, 9]), shape: [2], dtype: parseV3DataType("uint8") }, { shape: [2], dtype: s, fillValue: "" })).data, ["x", ""]);
  assert.deepEqual(codec.encodedSpec({ shape: [2], dtype: s, fillValue: "x" }).fillValue, 1);
});

test("numpy 1.x value-based promotion of Python scalars matches numpy.result_type", () => {
  assert.ok(gen.promo.length > 300);
  for (const [dt, v, isFloat, want] of gen.promo) {
    const value = isFloat ? Number(v.replace("inf", "Infinity").replace("nan", "NaN")) : BigInt(v);
    const got = scalarResultType(parseV2DataType(dt) as NumericDType, value, isFloat);
    assert.equal(v2DataTypeJSON(got), want, `${dt} - ${v}`);
  }
});

test("quantize: the power-of-two scale exponent equals numcodecs' for every accepted digits value", () => {
  assert.equal(gen.bits.length, 616);
  gen.bits.forEach((b, i) => assert.equal(quantizeScaleBits(i - 308), b, `digits ${i - 308}`));
});

test("numcodecs.delta in zarr-python 3 fixtures (delta → bytes, and transpose → delta → bytes) decodes correctly", async () => {
  const root = "/work/shared/fixtures/zarrita/v3/data.zarr";
  const names = ["1d.contiguous.delta.i4", "3d.contiguous.delta.i4.mixed"];
  const files = ["c/0", "c/0/0/0"];
  const expected = runPython<number[][]>(`out = []
for name, f, in zip(${JSON.stringify(names)}, ${JSON.stringify(files)}):
    meta = json.load(open('${root}/' + name + '/zarr.json'))
    dec = numcodecs.Delta('<i4').decode(open('${root}/' + name + '/' + f, 'rb').read())
    order = [c['configuration']['order'] for c in meta['codecs'] if c['name'] == 'transpose']
    if order:
        shape = [meta['shape'][o] for o in order[0]]
        dec = np.transpose(dec.reshape(shape), np.argsort(order[0]))
    out.append(dec.ravel().tolist())
print(json.dumps(out))`);
  for (const [i, name] of names.entries()) {
    const meta = JSON.parse(fs.readFileSync(`${root}/${name}/zarr.json`, "utf8"));
    const dt = parseV3DataType(meta.data_type);
    let spec = { shape: meta.shape as number[], dtype: dt, fillValue: 0 };
    const stages: { codec: ArrayToArrayCodec; input: typeof spec }[] = [];
    for (const c of meta.codecs.slice(0, -1)) {
      const codec = (c.name === "transpose" ? transpose : delta)(c.configuration, ctx(dt, spec.shape, 3));
      stages.push({ codec, input: spec });
      spec = codec.encodedSpec(spec) as typeof spec;
    }
    const stored = new Uint8Array(fs.readFileSync(`${root}/${name}/${files[i]}`));
    let a = await bytes(meta.codecs.at(-1).configuration, ctx(dt, spec.shape, 3)).decode(stored, spec);
    for (const { codec, input } of stages.reverse()) a = await codec.decode(a, input);
    assert.deepEqual([...a.data as Int32Array], expected[i], name);
    assert.equal(expected[i].length, (meta.shape as number[]).reduce((x: number, y: number) => x * y, 1));
  }
});

test("zarr v2 fixtures with bitround / fixedscaleoffset filters decode like zarr-python", async () => {
  const root = "/work/shared/fixtures/zarrita/v2/data.zarr";
  const names = ["1d.contiguous.bitround.f4", "1d.contiguous.fixedscaleoffset.f4"];
  const expected = runPython<number[][]>(`import zarr\nprint(json.dumps([zarr.open('${root}', 'r')[n][:].tolist() for n in ${JSON.stringify(names)}]))`);
  for (const [i, name] of names.entries()) {
    const meta = JSON.parse(fs.readFileSync(`${root}/${name}/.zarray`, "utf8"));
    const dt = parseV2DataType(meta.dtype);
    const { id, ...config } = meta.filters[0];
    const codec = FACTORIES[id](config, ctx(dt, meta.chunks));
    const encSpec = codec.encodedSpec({ shape: meta.chunks, dtype: dt, fillValue: 0 });
    const stored = fromNumpy(v2DataTypeJSON(encSpec.dtype) as string, new Uint8Array(fs.readFileSync(`${root}/${name}/0`)), encSpec.shape);
    const dec = await codec.decode(stored, { shape: meta.chunks, dtype: dt, fillValue: 0 });
    assert.deepEqual([...dec.data as Float32Array], expected[i], name);
  }
});

test("packbits v3: zarrs' optional-codec mask chunks decode LSB-first, and all encodings round-trip", async () => {
  const b = parseV3DataType("bool");
  const codec = packbitsV3({}, ctx(b, [4], 3));
  // Masks of chunks 0/0, 0/1, 1/0 of zarrs' array_optional.zarr (header, then the packed mask).
  const dir = "/work/shared/fixtures/zarrs/v3/array_optional.zarr/array/c";
  const masks: [string, number[]][] = [["0/0", [1, 0, 0, 1]], ["0/1", [1, 1, 0, 1]], ["1/0", [1, 1, 1, 0]]];
  for (const [chunk, mask] of masks) {
    const raw = new Uint8Array(fs.readFileSync(`${dir}/${chunk}`));
    const maskLen = Number(new DataView(raw.buffer).getBigUint64(0, true));
    const packed = raw.subarray(16, 16 + maskLen);
    const dec = await codec.decode(packed, { shape: [2, 2], dtype: b, fillValue: false });
    assert.deepEqual([...dec.data as Uint8Array], mask, chunk);
    assert.deepEqual(await codec.encode(dec), packed);
  }
  assert.equal(codec.encodedSize!({ shape: [9], dtype: b, fillValue: false }), 2);
  const first = packbitsV3({ padding_encoding: "first_byte" }, ctx(b, [3], 3));
  assert.deepEqual([...await first.encode({ data: new Uint8Array([1, 0, 1]), shape: [3], dtype: b })], [5, 0b101]);
  const last = packbitsV3({ padding_encoding: "last_byte" }, ctx(b, [3], 3));
  assert.deepEqual([...await last.encode({ data: new Uint8Array([1, 1, 0]), shape: [3], dtype: b })], [0b011, 5]);
  await assert.rejects(last.decode(new Uint8Array([3, 4]), { shape: [3], dtype: b, fillValue: false }), ChunkError);
  await assert.rejects(codec.decode(new Uint8Array([1, 2]), { shape: [3], dtype: b, fillValue: false }), ChunkError);
  // Sub-byte integers: 4 bits of int8, sign-extended on decode; uint16 bits 2..9; float32 whole.
  const i8 = parseV3DataType("int8");
  const nib = packbitsV3({ first_bit: 0, last_bit: 3 }, ctx(i8, [3], 3));
  const e = await nib.encode({ data: new Int8Array([-1, 7, -8]), shape: [3], dtype: i8 });
  assert.deepEqual([...e], [0x7f, 0x08]);
  assert.deepEqual([...(await nib.decode(e, { shape: [3], dtype: i8, fillValue: 0 })).data as Int8Array], [-1, 7, -8]);
  const u16 = parseV3DataType("uint16");
  const mid = packbitsV3({ first_bit: 2, last_bit: 9, padding_encoding: "first_byte" }, ctx(u16, [2], 3));
  const m = await mid.encode({ data: new Uint16Array([0x3fc, 0x004]), shape: [2], dtype: u16 });
  assert.deepEqual([...m], [0, 0xff, 0x01]);
  assert.deepEqual([...(await mid.decode(m, { shape: [2], dtype: u16, fillValue: 0 })).data as Uint16Array], [0x3fc, 0x004]);
  const f32 = parseV3DataType("float32");
  const whole = packbitsV3({}, ctx(f32, [2], 3));
  const fw = await whole.encode({ data: new Float32Array([1.5, -0]), shape: [2], dtype: f32 });
  assert.deepEqual(fw, new Uint8Array(new Float32Array([1.5, -0]).buffer));
  assert.throws(() => packbitsV3({ first_bit: 4, last_bit: 2 }, ctx(i8, [3], 3)), CodecError);
  assert.throws(() => packbitsV3({ last_bit: 8 }, ctx(i8, [3], 3)), CodecError);
  assert.throws(() => packbitsV3({ padding_encoding: "start" }, ctx(b, [3], 3)), CodecError);
});

test("filters: corrupt input and bad configurations are typed errors", async () => {
  const b = parseV3DataType("bool");
  const pb = packbits({}, ctx(b, [9]));
  const u8 = parseV3DataType("uint8");
  await assert.rejects(pb.decode({ data: new Uint8Array([6, 0xff, 0x80]), shape: [3], dtype: u8 }, { shape: [9], dtype: b, fillValue: false }), (e: Error) => e instanceof ChunkError && /9 elements/.test(e.message));
  await assert.rejects(pb.decode({ data: new Uint8Array([9, 0xff, 0x80]), shape: [3], dtype: u8 }, { shape: [9], dtype: b, fillValue: false }), ChunkError);
  await assert.rejects(pb.decode({ data: new Uint8Array(0), shape: [0], dtype: u8 }, { shape: [9], dtype: b, fillValue: false }), ChunkError);
  const i4 = parseV3DataType("int32");
  assert.throws(() => delta({}, ctx(i4, [4])), (e: Error) => e instanceof CodecError && /dtype/.test(e.message));
  assert.throws(() => delta({ dtype: "<q9" }, ctx(i4, [4])), (e: Error) => e instanceof CodecError && /dtype/.test(e.message));
  assert.throws(() => delta({ dtype: "|O" }, ctx(i4, [4])), CodecError);
  assert.throws(() => delta({ dtype: "<i4", bogus: 1 }, ctx(i4, [4])), (e: Error) => e instanceof CodecError && /bogus/.test(e.message));
  assert.throws(() => fixedScaleOffset({ scale: 1, dtype: "<f8" }, ctx(i4, [4])), (e: Error) => e instanceof CodecError && /offset/.test(e.message));
  assert.throws(() => quantize({ digits: 1, dtype: "<i4" }, ctx(i4, [4])), CodecError);
  assert.throws(() => quantize({ digits: 400, dtype: "<f8" }, ctx(i4, [4])), (e: Error) => e instanceof CodecError && /digits/.test(e.message));
  assert.throws(() => bitround({ keepbits: -1 }, ctx(i4, [4])), CodecError);
  const f4 = parseV3DataType("float32");
  await assert.rejects(bitround({ keepbits: 24 }, ctx(f4, [1])).encode({ data: new Float32Array(1), shape: [1], dtype: f4 }), (e: Error) => e instanceof CodecError && /keepbits/.test(e.message));
  await assert.rejects(bitround({ keepbits: 2 }, ctx(i4, [1])).encode({ data: new Int32Array(1), shape: [1], dtype: i4 }), CodecError);
  assert.throws(() => astype({ encode_dtype: "<i4" }, ctx(i4, [4])), CodecError);
  assert.throws(() => categorize({ labels: [1], dtype: "|O" }, ctx(i4, [4])), (e: Error) => e instanceof CodecError && /labels/.test(e.message));
  assert.throws(() => categorize({ labels: ["a"], dtype: "<i4" }, ctx(i4, [4])), CodecError);
  // A chunk whose decoded size is not the chunk's.
  const d = delta({ dtype: "<i4" }, ctx(i4, [4]));
  await assert.rejects(d.decode({ data: new Int32Array(3), shape: [3], dtype: i4 }, { shape: [4], dtype: i4, fillValue: 0 }), ChunkError);
  // v3 dtype names are accepted (zarr-python 3 writes them for numcodecs.* codecs).
  assert.deepEqual(d.encodedSpec({ shape: [4], dtype: i4, fillValue: 5 }).fillValue, 5);
  assert.deepEqual(bytesOf((await delta({ dtype: "int32" }, ctx(i4, [3])).encode({ data: new Int32Array([5, 7, 4]), shape: [3], dtype: i4 })).data), bytesOf(new Int32Array([5, 2, -3])));
});
