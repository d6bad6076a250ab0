import { test } from "node:test";
import assert from "node:assert/strict";
import { parseJson, stringifyJson } from "../../src/format/json.js";
import { parseV2Array, parseV3, v2ArrayJson, v3ArrayJson, type ArrayMetadata } from "../../src/format/metadata.js";
import { parseV2DataType, parseV3DataType, v2DataTypeJSON, v3DataTypeJSON } from "../../src/format/dtype.js";
import { parseFillValue, fillValueJson } from "../../src/format/fill-value.js";
import { MetadataError, UnsupportedError } from "../../src/format/errors.js";
import { chunkKey, parseChunkKey } from "../../src/format/chunk-key.js";

test("JSON keeps int64 extremes exact and round-trips them", () => {
  const v = parseJson('{"a": -9223372036854775808, "b": 18446744073709551615, "c": 1.5, "d": [NaN, Infinity]}') as Record<string, unknown>;
  assert.equal(v.a, -9223372036854775808n);
  assert.equal(v.b, 18446744073709551615n);
  assert.equal(v.c, 1.5);
  assert.ok(Number.isNaN((v.d as number[])[0]));
  assert.match(stringifyJson(v, 0), /"a":-9223372036854775808,"b":18446744073709551615/);
  assert.throws(() => parseJson('{"a": 1,}', "k/.zarray"), (e: Error) => e instanceof MetadataError && /k\/\.zarray/.test(e.message));
  assert.throws(() => parseJson("[".repeat(100000)), MetadataError);
});

test("v2 dtypes parse and print back", () => {
  for (const s of ["|b1", "|i1", "<i2", ">u8", "<f2", ">f8", "<c16", "<M8[ns]", ">m8[10ms]", "|S7", "<U13", ">U4", "|V3"]) {
    assert.deepEqual(v2DataTypeJSON(parseV2DataType(s)), s);
  }
  const st = [["a", "<i4"], ["b", ">f8", [2]], ["c", "|S3"]];
  const dt = parseV2DataType(st as never);
  assert.equal(dt.kind, "structured");
  assert.equal((dt as { itemsize: number }).itemsize, 4 + 16 + 3);
  assert.deepEqual(v2DataTypeJSON(dt), st);
  assert.throws(() => parseV2DataType("<i3", "x/.zarray"), (e: Error) => e instanceof MetadataError && /dtype/.test(e.message));
});

test("v3 data types incl. zarr-python 3 extension names", () => {
  assert.deepEqual(parseV3DataType({ name: "numpy.datetime64", configuration: { unit: "ms", scale_factor: 10 } }),
    { kind: "datetime", unit: "ms", scale: 10, endian: "little" });
  assert.deepEqual(parseV3DataType({ name: "fixed_length_utf32", configuration: { length_bytes: 16 } }), { kind: "fixed-unicode", length: 4, endian: "little" });
  assert.deepEqual(parseV3DataType("variable_length_bytes"), { kind: "bytes" });
  for (const n of ["bool", "int8", "uint64", "float16", "complex128", "string"]) assert.equal(v3DataTypeJSON(parseV3DataType(n)), n);
  assert.throws(() => parseV3DataType({ name: "optional", configuration: {} }), (e: Error) => e instanceof UnsupportedError && /optional/.test(e.message));
});

test("fill values: special floats, hex NaN payloads, int64 extremes, base64", () => {
  const f4 = parseV3DataType("float32");
  const nanPayload = parseFillValue("0x7fc00001", f4, 3);
  assert.ok(Number.isNaN(nanPayload.value as number));
  assert.deepEqual([...nanPayload.raw!], [0x01, 0x00, 0xc0, 0x7f]);
  assert.equal(fillValueJson(nanPayload, f4, 3), "0x7fc00001");
  assert.equal(fillValueJson(parseFillValue("NaN", f4, 3), f4, 3), "NaN");
  assert.equal(fillValueJson(parseFillValue("-Infinity", f4, 2), f4, 2), "-Infinity");
  const negZero = parseFillValue(-0, parseV3DataType("float64"), 3);
  assert.ok(Object.is(negZero.value, -0));
  const i8 = parseV3DataType("int64");
  assert.equal(parseFillValue(-9223372036854775808n, i8, 3).value, -9223372036854775808n);
  assert.throws(() => parseFillValue(2n ** 63n, i8, 3, "a/zarr.json"), (e: Error) => e instanceof MetadataError && /fill_value/.test(e.message));
  const s3 = parseV2DataType("|S3");
  assert.deepEqual([...parseFillValue("YWI=", s3, 2).raw!], [97, 98, 0]);
  const dt = parseV3DataType({ name: "numpy.datetime64", configuration: { unit: "s", scale_factor: 1 } });
  assert.equal(parseFillValue("NaT", dt, 3).value, -(2n ** 63n));
});

const zarray = {
  zarr_format: 2, shape: [10, 20], chunks: [3, 7], dtype: "<f4", compressor: { id: "zlib", level: 1 },
  fill_value: "NaN", order: "F", filters: null, dimension_separator: "/",
};

test("v2 .zarray parses strictly and serialises back identically", () => {
  const m = parseV2Array(zarray as never, "a/.zarray");
  assert.equal(m.order, "F");
  assert.deepEqual(m.chunkKeyEncoding, { name: "v2", separator: "/" });
  assert.deepEqual(JSON.parse(stringifyJson(v2ArrayJson(m))), { ...zarray, fill_value: "NaN" });
  const bad = (over: object, field: RegExp) =>
    assert.throws(() => parseV2Array({ ...zarray, ...over } as never, "a/.zarray"), (e: Error) => e instanceof MetadataError && field.test(e.message) && /a\/\.zarray/.test(e.message));
  bad({ shape: [-1, 2] }, /shape/);
  bad({ chunks: [0, 2] }, /chunks/);
  bad({ chunks: [2] }, /chunks/);
  bad({ order: "X" }, /order/);
  bad({ dtype: "<x9" }, /dtype/);
  bad({ zarr_format: 3 }, /zarr_format/);
  // hostile: a chunk that would need terabytes is refused before any allocation
  bad({ chunks: [1e6, 1e6] }, /exceeds/);
});

test("v3 zarr.json: extensions, dimension names, chunk key encodings", () => {
  const base = {
    zarr_format: 3, node_type: "array", shape: [4, 4], data_type: "int16",
    chunk_grid: { name: "regular", configuration: { chunk_shape: [2, 2] } },
    chunk_key_encoding: { name: "v2", configuration: { separator: "." } },
    fill_value: 0, codecs: [{ name: "bytes", configuration: { endian: "little" } }],
    attributes: { a: 1 }, dimension_names: ["x", null],
  };
  const m = parseV3(base as never, "z/zarr.json") as ArrayMetadata;
  assert.deepEqual(m.dimensionNames, ["x", null]);
  assert.equal(chunkKey(m.chunkKeyEncoding, [1, 0]), "1.0");
  const ext = parseV3({ ...base, foo: { must_understand: false } } as never, "z/zarr.json") as ArrayMetadata;
  assert.deepEqual(v3ArrayJson(ext).foo, { must_understand: false });
  assert.throws(() => parseV3({ ...base, foo: { x: 1 } } as never, "z/zarr.json"), (e: Error) => e instanceof UnsupportedError && /"foo"/.test(e.message));
  assert.throws(() => parseV3({ ...base, chunk_grid: { name: "rectilinear" } } as never, "z/zarr.json"), /rectilinear/);
  assert.throws(() => parseV3({ ...base, storage_transformers: [{ name: "x" }] } as never, "z/zarr.json"), /storage transformer/);
  assert.throws(() => parseV3({ ...base, codecs: [] } as never, "z/zarr.json"), /codecs/);
});

test("chunk keys both encodings", () => {
  assert.equal(chunkKey({ name: "default", separator: "/" }, [1, 2]), "c/1/2");
  assert.equal(chunkKey({ name: "default", separator: "." }, []), "c");
  assert.equal(chunkKey({ name: "v2", separator: "." }, []), "0");
  assert.deepEqual(parseChunkKey({ name: "default", separator: "/" }, "c/3/4", 2), [3, 4]);
  assert.equal(parseChunkKey({ name: "v2", separator: "." }, "3.x", 2), undefined);
});
