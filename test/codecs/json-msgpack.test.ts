import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { json2, pyFloatRepr } from "../../src/codecs/json2.js";
import { msgpack2 } from "../../src/codecs/msgpack2.js";
import type { ArrayToBytesCodec, CodecContext } from "../../src/codecs/types.js";
import { allocate, parseV2DataType, type DataValues } from "../../src/format/dtype.js";
import { ChunkError, CodecError } from "../../src/format/errors.js";
import { PY_PRELUDE, b64, ctx, runPython, unb64 } from "./py-helpers.js";

/** Values that JSON cannot carry to Python are tagged: {$f: "nan"}, {$i: "2**64-1 digits"}, {$b: base64}. */
type Tagged = unknown;
interface Case { name: string; codec: "json2" | "msgpack2"; kwargs: Record<string, unknown>; dtype: string; shape: number[]; values: Tagged[] }

const f = (s: string) => ({ $f: s });
const big = (s: string) => ({ $i: s });
const STRINGS = ["plain", "", "caf\u00e9", "\u{1F600}", 'q"uote\\back/slash', "\n\t\r\b\f\u0001\u001f", "\u007f\u0080\u2028", "x".repeat(40), "\u00ff".repeat(200)];
const MIXED: Tagged[] = ["s", null, true, false, 0, 1, -1, 127, 128, 255, 256, 65536, -33, -129, -40000, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53 - 1,
  big("9007199254740993"), big("18446744073709551615"), big("-9223372036854775808"), 0.1, -2.5, 1e-5, f("1.5e16"), 1e300, 5e-324, 123456.789, f("nan"), f("inf"), f("-inf"), f("-0.0"),
  [1, "two", [3, null]], [], {}, { b: 1, a: [2.5, "x"], "\u00e9": null, A: true }];
const FLOATS = [f("1.0"), 0.5, f("nan"), f("-0.0"), 1e-7, 1e16, 123456789.125, f("-inf"), 2 ** -1074, 1.7976931348623157e308];

const cases: Case[] = [];
for (const codec of ["json2", "msgpack2"] as const) {
  const variants: Record<string, unknown>[] = codec === "json2"
    ? [{}, { indent: 2 }, { ensure_ascii: false, sort_keys: false }, { indent: "\t", separators: [" ,", " : "] }]
    : [{}, { use_single_float: true }];
  for (const kwargs of variants) {
    cases.push({ name: "strings", codec, kwargs, dtype: "|O", shape: [STRINGS.length], values: STRINGS });
    cases.push({ name: "mixed", codec, kwargs, dtype: "|O", shape: [MIXED.length], values: MIXED });
    cases.push({ name: "2-d", codec, kwargs, dtype: "|O", shape: [2, 3], values: ["a", null, 1, "b", [2], 0.25] });
    cases.push({ name: "f8", codec, kwargs, dtype: "<f8", shape: [FLOATS.length], values: FLOATS });
    cases.push({ name: "f4 2-d", codec, kwargs, dtype: "<f4", shape: [2, 2], values: [0.1, f("-0.0"), f("inf"), 3.5] });
    cases.push({ name: "i8", codec, kwargs, dtype: "<i8", shape: [4], values: [big("-9223372036854775808"), -1, 0, big("9223372036854775807")] });
    cases.push({ name: "u8", codec, kwargs, dtype: ">u8", shape: [2], values: [big("18446744073709551615"), 7] });
    cases.push({ name: "b1", codec, kwargs, dtype: "|b1", shape: [3], values: [true, false, true] });
    cases.push({ name: "i2 3-d", codec, kwargs, dtype: "<i2", shape: [2, 1, 2], values: [-300, 0, 5, 32767] });
  }
  if (codec === "msgpack2") {
    cases.push({ name: "bytes", codec, kwargs: {}, dtype: "|O", shape: [4], values: [{ $b: b64(new Uint8Array([0, 255])) }, { $b: "" }, { $b: b64(new Uint8Array(300).fill(7)) }, "str"] });
    cases.push({ name: "long", codec, kwargs: {}, dtype: "|O", shape: [70000], values: Array.from({ length: 70000 }, (_, i) => (i % 3 === 0 ? i : "v" + i)) });
    cases.push({ name: "big map", codec, kwargs: {}, dtype: "|O", shape: [1], values: [Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]))] });
  }
}

interface Out { enc: string; config: Record<string, unknown> }
const results = runPython<Out[]>(PY_PRELUDE + `
from numcodecs import JSON, MsgPack
cases = json.loads(base64.b64decode('${Buffer.from(JSON.stringify(cases)).toString("base64")}'))
def untag(v):
    if isinstance(v, dict) and len(v) == 1 and next(iter(v)).startswith('$'):
        k, x = next(iter(v.items()))
        return float(x) if k == '$f' else int(x) if k == '$i' else base64.b64decode(x)
    if isinstance(v, list): return [untag(x) for x in v]
    if isinstance(v, dict): return {k: untag(x) for k, x in v.items()}
    return v
out = []
for c in cases:
    vals = untag(c['values'])
    arr = np.empty(len(vals), dtype=c['dtype'])
    for i, v in enumerate(vals): arr[i] = v
    arr = arr.reshape(c['shape'])
    codec = (JSON if c['codec'] == 'json2' else MsgPack)(**c['kwargs'])
    enc = codec.encode(arr)
    cfg = codec.get_config(); cfg.pop('id')
    out.append(dict(enc=b64(enc), config=cfg))
dump(out)
`);

/** Tagged test value → the JS value a chunk holds. */
function js(v: Tagged): unknown {
  if (Array.isArray(v)) return v.map(js);
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if ("$f" in o) return Number(String(o.$f).replace("inf", "Infinity").replace("nan", "NaN"));
    if ("$i" in o) return BigInt(o.$i as string);
    if ("$b" in o) return unb64(o.$b as string);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, js(x)]));
  }
  return v;
}

function chunkData(dtype: string, values: unknown[]): DataValues {
  const dt = parseV2DataType(dtype);
  if (dt.kind === "object") return values;
  const out = allocate(dt, values.length) as unknown as unknown[];
  const isBig = out instanceof BigInt64Array || out instanceof BigUint64Array;
  values.forEach((v, i) => { out[i] = typeof v === "boolean" ? Number(v) : isBig ? BigInt(v as number) : v; });
  return out as unknown as DataValues;
}

const FACTORY: Record<string, (c: Record<string, unknown>, x: CodecContext) => ArrayToBytesCodec> = { json2, msgpack2 };

test("json2 / msgpack2: encoding is byte-identical to numcodecs 0.11 and decoding returns the values", async () => {
  assert.equal(results.length, cases.length);
  for (const [i, c] of cases.entries()) {
    const label = `${c.codec} ${JSON.stringify(c.kwargs)} ${c.name}`;
    const dt = parseV2DataType(c.dtype);
    const values = c.values.map(js);
    const codec = FACTORY[c.codec](results[i].config, ctx(dt, c.shape));
    const enc = await codec.encode({ data: chunkData(c.dtype, values), shape: c.shape, dtype: dt });
    if (b64(enc) !== results[i].enc) {
      assert.equal(Buffer.from(enc).toString("latin1").slice(0, 2000), Buffer.from(unb64(results[i].enc)).toString("latin1").slice(0, 2000), label);
      assert.fail(label);
    }
    const dec = await codec.decode(unb64(results[i].enc), { shape: c.shape, dtype: dt, fillValue: null });
    if (c.kwargs.use_single_float) {
      // Floats were packed as float32.
      const single = (v: unknown): unknown => Array.isArray(v) ? v.map(single) : v && typeof v === "object" && !(v instanceof Uint8Array) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, single(x)]))
        : typeof v === "number" && (dt.kind === "float" || !Number.isSafeInteger(v) || Object.is(v, -0)) ? Math.fround(v) : v;
      values.splice(0, values.length, ...values.map(single));
    }
    if (dt.kind === "object") {
      // Python floats 1.0 come back as the JS number 1; ints beyond 2^53 as bigint.
      assert.deepEqual(dec.data, values.map((v) => (typeof v === "bigint" && v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v)), label);
    } else {
      assert.deepEqual(dec.data, chunkData(c.dtype, values), label);
    }
  }
});

test("json2: zarr-python's v2 fixture chunk decodes and re-encodes identically", async () => {
  const dir = "/work/shared/fixtures/zarrita/v2/data.zarr/1d.contiguous.json2.O";
  const meta = JSON.parse(fs.readFileSync(`${dir}/.zarray`, "utf8"));
  const { id, ...config } = meta.filters[0];
  assert.equal(id, "json2");
  const dt = parseV2DataType(meta.dtype);
  const codec = json2(config, ctx(dt, meta.chunks));
  const stored = new Uint8Array(fs.readFileSync(`${dir}/0`));
  const a = await codec.decode(stored, { shape: meta.chunks, dtype: dt, fillValue: 0 });
  assert.deepEqual(a.data, ["foo", "bar", "baz", "qux"]);
  assert.deepEqual(await codec.encode(a), stored);
});

test("pyFloatRepr follows Python's repr", () => {
  const py = runPython<string[]>(`print(json.dumps([repr(x) for x in [0.1, 1.0, 1e16, 1e15, 123456789012345.6, 1e-4, 1e-5, 2.5e-7, -0.0, 1e300, 5e-324, 1/3, 2.0**60, 9.999999999999999e15]]))`);
  assert.deepEqual([0.1, 1.0, 1e16, 1e15, 123456789012345.6, 1e-4, 1e-5, 2.5e-7, -0, 1e300, 5e-324, 1 / 3, 2 ** 60, 9.999999999999999e15].map(pyFloatRepr), py);
});

test("json2 / msgpack2: corrupt input and unencodable values are typed errors", async () => {
  const o = parseV2DataType("|O");
  const j = json2({}, ctx(o, [2]));
  const spec = { shape: [2], dtype: o, fillValue: null };
  for (const [text, re] of [['["a","b","|O",[3]]', /3 elements/], ['["a","|O",[2]]', /1 items/], ['["a","b","|O"', /JSON/], ['{"a":1}', /list/],
    ['[["a"],["b","c"],"|O",[2,1]]', /nest/], ['["a","b",5,[2]]', /dtype/], ['["a","b","|O",[-2]]', /shape/]] as const) {
    await assert.rejects(j.decode(new TextEncoder().encode(text), spec), (e: Error) => e instanceof ChunkError && re.test(e.message), text);
  }
  await assert.rejects(j.decode(new Uint8Array([0x5b, 0xff, 0x5d]), spec), ChunkError);
  await assert.rejects(j.encode({ data: [new Uint8Array(1), "x"], shape: [2], dtype: o }), CodecError);
  await assert.rejects(json2({ allow_nan: false }, ctx(o, [2])).encode({ data: [NaN, 1], shape: [2], dtype: o }), (e: Error) => e instanceof CodecError && /allow_nan/.test(e.message));
  const cyc: unknown[] = [];
  cyc.push(cyc);
  await assert.rejects(j.encode({ data: [cyc, 1], shape: [2], dtype: o }), (e: Error) => e instanceof CodecError && /circular/.test(e.message));
  assert.throws(() => json2({ encoding: "utf-16" }, ctx(o, [2])), CodecError);
  assert.throws(() => json2({ indent: [] }, ctx(o, [2])), CodecError);
  assert.throws(() => json2({ nope: 1 }, ctx(o, [2])), CodecError);
  const m = msgpack2({}, ctx(o, [2]));
  const good = await m.encode({ data: ["a", "b"], shape: [2], dtype: o });
  await assert.rejects(m.decode(good.subarray(0, good.length - 1), spec), ChunkError);
  await assert.rejects(m.decode(new Uint8Array([...good, 0]), spec), ChunkError);
  // An array32 header claiming 4 billion items in 5 bytes.
  await assert.rejects(m.decode(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]), spec), ChunkError);
  await assert.rejects(m.decode(new Uint8Array([0x93, 0xa1, 0x61, 0xa2, 0x7c, 0x4f, 0x91, 0x02]), spec), (e: Error) => e instanceof ChunkError && /1 items/.test(e.message));
  await assert.rejects(m.encode({ data: ["\uDC00", "b"], shape: [2], dtype: o }), (e: Error) => e instanceof CodecError && /surrogate/.test(e.message));
  await assert.rejects(m.encode({ data: [new Date(0), "b"], shape: [2], dtype: o }), CodecError);
  assert.throws(() => msgpack2({ use_bin_type: false }, ctx(o, [2])), CodecError);
  // raw=True: str items come back as bytes, like Python.
  const raw = await msgpack2({ raw: true }, ctx(o, [2])).decode(good, spec);
  assert.deepEqual(raw.data, [new Uint8Array([0x61]), new Uint8Array([0x62])]);
});
