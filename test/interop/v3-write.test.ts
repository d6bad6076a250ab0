/**
 * Zarr v3 written by zarrflow, read by an independent implementation: the npm `zarrita`
 * package (where it can: it lacks index-at-start, complex, datetime, vlen-bytes, float16 on
 * Node 20 and the numcodecs-only codecs). Sharded output is also parsed per the spec by a
 * separate Python script (index location, crc32c on the index, inner gzip chunks).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as zarrita from "zarrita";
import { FileSystemStore } from "@zarrita/storage";
import { openFsStore } from "../../src/stores/fs.js";
import { createArray, type CodecJson, type CreateArrayOptions } from "../../src/array/node.js";
import { get, set } from "../../src/array/access.js";
import { allocate, toDataType, type DataValues } from "../../src/format/dtype.js";
import { python, tempDir } from "./python.js";

function sample(dtype: string, n: number): DataValues {
  const dt = toDataType(dtype);
  const a = allocate(dt, n) as unknown as { [i: number]: unknown; length: number };
  for (let i = 0; i < n; i++) {
    const v = (i * 7919) % 251 - 100;
    if (dt.kind === "bool") a[i] = i % 3 === 0 ? 1 : 0;
    else if (dt.kind === "uint") a[i] = dt.bits === 64 ? BigInt(Math.abs(v) * 1e6) : Math.abs(v);
    else if (dt.kind === "int") a[i] = dt.bits === 64 ? BigInt(v) * 10_000_000_000n : v;
    else if (dt.kind === "float") a[i] = v / 8;
    else if (dt.kind === "string") a[i] = ["", "a", "héllo", "日本語", "\u{1F600}"][i % 5] + i;
  }
  return a as unknown as DataValues;
}

/** zarrita may return a strided view (e.g. after transpose): gather it in C order. */
function cOrder(t: { data: ArrayLike<unknown>; shape: number[]; stride: number[] }): unknown[] {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const out: unknown[] = [];
  const g = t.data as unknown as { get?: (i: number) => unknown; length: number };
  const data: ArrayLike<unknown> = typeof g.get === "function" ? Array.from({ length: g.length }, (_, i) => g.get!(i)) : t.data;
  const idx = t.shape.map(() => 0);
  for (let i = 0; i < n; i++) {
    out.push(data[idx.reduce((o, x, d) => o + x * t.stride[d], 0)]);
    for (let d = idx.length - 1; d >= 0; d--) { if (++idx[d] < t.shape[d]) break; idx[d] = 0; }
  }
  return out;
}

const BLOSC: CodecJson[] = ["lz4", "zstd", "zlib", "blosclz", "lz4hc", "snappy"].flatMap((cname, i) =>
  ["noshuffle", "shuffle", "bitshuffle"].map((shuffle) => ({ name: "blosc", configuration: { cname, clevel: 1 + (i % 9), shuffle, typesize: 2, blocksize: 0 } })));

interface Case { name: string; dtype: string; shape: number[]; options: Partial<CreateArrayOptions> }
const cases: Case[] = [];
for (const dtype of ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64"]) {
  cases.push({ name: `plain_${dtype}`, dtype, shape: [13, 7], options: { chunks: [5, 3], compressors: [] } });
  cases.push({ name: `zstd_${dtype}`, dtype, shape: [13, 7], options: { chunks: [4, 4] } });
}
cases.push({ name: "gzip_crc32c_i2", dtype: "int16", shape: [50], options: { chunks: [7], compressors: [{ name: "gzip", configuration: { level: 5 } }, { name: "crc32c" }] } });
BLOSC.forEach((b, i) => cases.push({ name: `blosc${i}_i2`, dtype: "int16", shape: [33, 9], options: { chunks: [10, 4], compressors: [b] } }));
cases.push({ name: "transpose_f8", dtype: "float64", shape: [6, 5, 4], options: { chunks: [4, 3, 2], arrayCodecs: [{ name: "transpose", configuration: { order: [2, 0, 1] } }] } });
cases.push({ name: "bigendian_i4", dtype: "int32", shape: [20], options: { chunks: [6], serializer: { name: "bytes", configuration: { endian: "big" } } } });
cases.push({ name: "sharded_end_i2", dtype: "int16", shape: [20, 9], options: { chunks: [3, 3], shards: [6, 9] } });
cases.push({ name: "sharded_gzip_f4", dtype: "float32", shape: [17], options: { chunks: [2], shards: [8], compressors: [{ name: "gzip", configuration: { level: 1 } }] } });
cases.push({ name: "v2_keys_dot", dtype: "uint16", shape: [10, 10], options: { chunks: [3, 4], chunkKeyEncoding: "v2", separator: "." } });
cases.push({ name: "default_keys_dot", dtype: "uint16", shape: [10, 10], options: { chunks: [3, 4], separator: "." } });
cases.push({ name: "strings", dtype: "string", shape: [11], options: { chunks: [4] } });
cases.push({ name: "zero_d", dtype: "float64", shape: [], options: { chunks: [] } });
cases.push({ name: "missing_chunks_fill", dtype: "int32", shape: [12], options: { chunks: [3], fillValue: -5 } });

test("v3 write: arrays zarrflow writes are read exactly by zarrita", async () => {
  const dir = tempDir("v3w");
  const store = await openFsStore(join(dir, "ours.zarr"), { create: true });
  const zs = new FileSystemStore(join(dir, "ours.zarr"));
  const failures: string[] = [];
  for (const c of cases) {
    try {
      const arr = await createArray(store, c.name, { shape: c.shape, dtype: c.dtype, ...c.options });
      const n = c.shape.reduce((a, b) => a * b, 1);
      if (c.name === "missing_chunks_fill") await set(arr, [{ start: 3, stop: 6 }], Int32Array.from([1, 2, 3]));
      else await set(arr, null, sample(c.dtype, n));
      const ours = await get(arr);
      const theirs = await zarrita.get(await zarrita.open.v3(zarrita.root(zs).resolve(c.name), { kind: "array" }));
      const a = Array.from(ours.data as ArrayLike<unknown>, (x) => (typeof x === "number" && arr.meta.dtype.kind === "bool" ? x === 1 : x));
      if (c.shape.length === 0) {
        // zarrita returns 0-d reads as a scalar
        assert.deepEqual([theirs], a, `${c.name}: value`);
        continue;
      }
      const t = theirs as unknown as { data: ArrayLike<unknown>; shape: number[]; stride: number[] };
      assert.deepEqual(t.shape, c.shape, `${c.name}: shape`);
      const b = cOrder(t);
      assert.deepEqual(b, a, `${c.name}: values`);
    } catch (e) {
      failures.push(`${c.name}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  assert.ok(cases.length >= 40);
  assert.deepEqual(failures, []);
});

const SHARD_CHECK = String.raw`
import json, sys, gzip, struct, numpy as np, crc32c
d = json.load(open(sys.argv[1]))
out = {}
for case in d:
    raw = open(case["file"], "rb").read()
    n = case["n_inner"]
    size = 16 * n + 4
    idx = raw[:size] if case["location"] == "start" else raw[-size:]
    body, crc = idx[:-4], struct.unpack("<I", idx[-4:])[0]
    ok = crc32c.crc32c(body) == crc
    pairs = np.frombuffer(body, "<u8").reshape(n, 2)
    vals = []
    for off, nb in pairs:
        if off == 2**64 - 1 and nb == 2**64 - 1:
            vals.append(None)
            continue
        vals.append(np.frombuffer(gzip.decompress(raw[off:off + nb]), "<i4").tolist())
    out[case["name"]] = {"crc_ok": ok, "inner": vals}
print(json.dumps(out))
`;

test("v3 write: shard bytes parse per the spec (index at start and end, crc32c, missing inner chunks)", async () => {
  const dir = tempDir("shard");
  const store = await openFsStore(join(dir, "s.zarr"), { create: true });
  const cases: object[] = [];
  for (const location of ["start", "end"] as const) {
    const name = `idx_${location}`;
    const arr = await createArray(store, name, {
      shape: [8], dtype: "int32", fillValue: 0,
      codecs: [{ name: "sharding_indexed", configuration: {
        chunk_shape: [2],
        codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "gzip", configuration: { level: 1 } }],
        index_codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }],
        index_location: location,
      } }],
      chunks: [8],
    });
    await set(arr, null, Int32Array.from([1, 2, 0, 0, 5, 6, 7, 0]));
    assert.deepEqual([...(await get(arr)).data as Int32Array], [1, 2, 0, 0, 5, 6, 7, 0]);
    cases.push({ name, location, n_inner: 4, file: join(dir, "s.zarr", name, "c", "0") });
  }
  writeFileSync(join(dir, "cases.json"), JSON.stringify(cases));
  const got = JSON.parse(python(["-c", SHARD_CHECK, join(dir, "cases.json")]));
  for (const location of ["start", "end"]) {
    assert.equal(got[`idx_${location}`].crc_ok, true);
    assert.deepEqual(got[`idx_${location}`].inner, [[1, 2], null, [5, 6], [7, 0]]);
  }
});
