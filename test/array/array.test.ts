/**
 * The array API end to end on a memory store: write_empty_chunks, resize/append, attributes,
 * delete, consolidated metadata (also over HTTP, where stores cannot list), partial shard
 * reads, and bad input (corrupt or truncated chunks, hostile metadata, unknown codecs).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createMemoryStore } from "../../src/stores/memory.js";
import { openHttpStore } from "../../src/stores/http.js";
import type { ByteRange, Store } from "../../src/stores/types.js";
import {
  consolidateMetadata, createArray, createGroup, deleteNode, listChildren, open, openArray, openGroup, setAttributes,
} from "../../src/array/node.js";
import { append, get, getBlocks, getPoints, resize, set, setPoints } from "../../src/array/access.js";
import { slice } from "../../src/array/selection.js";
import { ChunkError, CodecError, MetadataError, NodeNotFoundError, SelectionError, UnsupportedError, ZarrError } from "../../src/format/errors.js";

async function keys(s: Store, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const k of s.list(prefix)) out.push(k);
  return out.sort();
}

test("write_empty_chunks: fill-valued chunks are not stored, and are deleted when overwritten with fill", async () => {
  for (const zarrFormat of [2, 3] as const) {
    const s = createMemoryStore();
    const a = await createArray(s, "a", { zarrFormat, shape: [10], chunks: [5], dtype: "int32", fillValue: 7 });
    await set(a, null, Int32Array.from([7, 7, 7, 7, 7, 1, 2, 3, 4, 5]));
    const chunkKeys = (await keys(s, "a/")).filter((k) => !/\.z|zarr\.json/.test(k));
    assert.deepEqual(chunkKeys, zarrFormat === 2 ? ["a/1"] : ["a/c/1"]);
    await set(a, [slice(5, 10)], 7);
    assert.deepEqual((await keys(s, "a/")).filter((k) => !/\.z|zarr\.json/.test(k)), []);
    assert.deepEqual([...(await get(a)).data as Int32Array], new Array(10).fill(7));
    const keep = await createArray(s, "b", { zarrFormat, shape: [10], chunks: [5], dtype: "int32", writeEmptyChunks: true });
    await set(keep, null, 0);
    assert.equal((await keys(s, "b/")).filter((k) => !/\.z|zarr\.json/.test(k)).length, 2);
  }
});

test("resize deletes chunks outside the new shape; append grows along an axis", async () => {
  const s = createMemoryStore();
  let a = await createArray(s, "a", { shape: [4, 4], chunks: [2, 2], dtype: "uint8", compressors: [] });
  await set(a, null, Uint8Array.from({ length: 16 }, (_, i) => i + 1));
  a = await resize(a, [2, 4]);
  assert.deepEqual(await keys(s, "a/c"), ["a/c/0/0", "a/c/0/1"]);
  assert.deepEqual((await openArray(s, "a")).meta.shape, [2, 4]);
  a = await append(a, { data: Uint8Array.from([9, 9, 9, 9, 8, 8, 8, 8]), shape: [2, 4], dtype: a.meta.dtype }, 0);
  assert.deepEqual([...(await get(a)).data as Uint8Array], [1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 8, 8, 8, 8]);
  a = await append(a, { data: Uint8Array.from([0, 1, 2, 3]), shape: [4, 1], dtype: a.meta.dtype }, 1);
  assert.deepEqual((await get(a, [null, 4])).data, Uint8Array.from([0, 1, 2, 3]));
  await assert.rejects(append(a, { data: new Uint8Array(3), shape: [3, 1], dtype: a.meta.dtype }, 1), SelectionError);
});

test("points, blocks, masks, negative steps and scalar broadcast", async () => {
  const s = createMemoryStore();
  const a = await createArray(s, "a", { shape: [6, 5], chunks: [4, 2], dtype: "float64", fillValue: "NaN" });
  await set(a, null, Float64Array.from({ length: 30 }, (_, i) => i));
  assert.deepEqual([...(await getPoints(a, [[5, 0, 3], [4, 0, 1]])).data as Float64Array], [29, 0, 16]);
  await setPoints(a, [[0, 0], [1, 2]], Float64Array.from([-1, -2]));
  assert.deepEqual([...(await get(a, [0, slice(0, 3)])).data as Float64Array], [0, -1, -2]);
  const b = await getBlocks(a, [1, 2]);
  assert.deepEqual(b.shape, [2, 1]);
  assert.deepEqual([...b.data as Float64Array], [24, 29]);
  const m = await get(a, [{ mask: [true, false, false, false, false, true] }, slice(null, null, -2)]);
  assert.deepEqual([...m.data as Float64Array], [4, -2, 0, 29, 27, 25]);
  await set(a, [slice(4, 6), null], 0.5);
  assert.deepEqual([...(await get(a, [5, null])).data as Float64Array], [0.5, 0.5, 0.5, 0.5, 0.5]);
  await assert.rejects(get(a, [6, 0]), SelectionError);
});

test("groups: attributes, children, delete, consolidated metadata read over HTTP (no listing)", async () => {
  for (const zarrFormat of [2, 3] as const) {
    const s = createMemoryStore();
    await createGroup(s, "", { zarrFormat, attributes: { a: 1 } });
    const g = await createGroup(s, "g", { zarrFormat });
    await setAttributes(g, { title: "ünï", n: 2 });
    const x = await createArray(s, "g/x", { zarrFormat, shape: [3], chunks: [2], dtype: "int16" });
    await set(x, null, Int16Array.from([1, 2, 3]));
    await createArray(s, "y", { zarrFormat, shape: [2], chunks: [2], dtype: "float32" });
    assert.deepEqual((await listChildren(await openGroup(s))).map((n) => n.path), ["g", "y"]);
    assert.deepEqual((await openGroup(s, "g")).meta.attributes, { title: "ünï", n: 2 });
    await consolidateMetadata(s);
    // Serve the store over HTTP; HTTP stores cannot list, so children come from consolidated metadata.
    const server = createServer(async (req, res) => {
      const key = decodeURIComponent(req.url!.slice(1));
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? "");
      const range: ByteRange | undefined = m ? { offset: Number(m[1]), length: Number(m[2]) - Number(m[1]) + 1 } : undefined;
      const v = await s.get(key, range).catch(() => undefined);
      if (!v) { res.writeHead(404).end(); return; }
      res.writeHead(m ? 206 : 200, { "content-length": v.length }).end(Buffer.from(v));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const http = openHttpStore(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const root = await openGroup(http);
      assert.ok(root.meta.consolidated);
      assert.deepEqual((await listChildren(root)).map((n) => n.path), ["g", "y"]);
      const gx = await open(http, { path: "g/x", consolidated: root.meta.consolidated });
      assert.equal(gx.kind, "array");
      assert.deepEqual([...(await get(gx as never)).data as Int16Array], [1, 2, 3]);
    } finally {
      server.close();
    }
    await deleteNode(s, "g");
    assert.deepEqual(await keys(s, "g/"), []);
    await assert.rejects(openArray(s, "g/x"), NodeNotFoundError);
  }
});

test("sharded reads fetch only the index and the inner chunks they need", async () => {
  const s = createMemoryStore();
  const a = await createArray(s, "a", { shape: [64, 64], chunks: [8, 8], shards: [64, 64], dtype: "int32" });
  await set(a, null, Int32Array.from({ length: 4096 }, (_, i) => i));
  const gets: { key: string; range?: ByteRange }[] = [];
  const spy: Store = { ...s, get: (key, range) => { gets.push({ key, range }); return s.get(key, range); } };
  const b = await openArray(spy, "a");
  gets.length = 0;
  const v = await get(b, [slice(9, 11), slice(17, 18)]);
  assert.deepEqual([...v.data as Int32Array], [9 * 64 + 17, 10 * 64 + 17]);
  assert.equal(gets.length, 2, "one index read + one inner chunk");
  assert.ok(gets.every((g) => g.range !== undefined), "ranged reads only");
});

test("bad input: corrupt or truncated chunks, wrong sizes, hostile metadata, unknown codecs", async () => {
  const s = createMemoryStore();
  const a = await createArray(s, "a", { shape: [100], chunks: [50], dtype: "float64", compressors: [{ name: "gzip", configuration: { level: 1 } }] });
  await set(a, null, new Float64Array(100).fill(1.5));
  const good = (await s.get("a/c/0"))!;
  await s.set("a/c/0", good.subarray(0, good.length - 7));
  await assert.rejects(get(await openArray(s, "a")), (e: Error) => e instanceof ZarrError && /a\/c\/0/.test(e.message));
  await s.set("a/c/0", new Uint8Array(good.length).fill(0x55));
  await assert.rejects(get(await openArray(s, "a")), (e: Error) => e instanceof ZarrError && /a\/c\/0/.test(e.message));
  // A chunk that decodes to the wrong size (raw bytes codec): refused, naming the key.
  const r = await createArray(s, "r", { shape: [10], chunks: [10], dtype: "int32", compressors: [] });
  await s.set("r/c/0", new Uint8Array(12));
  await assert.rejects(get(r), (e: Error) => e instanceof ChunkError && /r\/c\/0/.test(e.message));
  // Hostile metadata: a chunk needing terabytes is refused before any allocation.
  const enc = (o: object) => new TextEncoder().encode(JSON.stringify(o));
  await s.set("h/zarr.json", enc({ zarr_format: 3, node_type: "array", shape: [1e15], data_type: "float64", chunk_grid: { name: "regular", configuration: { chunk_shape: [1e14] } }, chunk_key_encoding: { name: "default" }, fill_value: 0, codecs: [{ name: "bytes", configuration: { endian: "little" } }] }));
  await assert.rejects(openArray(s, "h"), (e: Error) => e instanceof MetadataError && /h\/zarr\.json/.test(e.message) && /chunk/.test(e.message));
  await s.set("n/zarr.json", enc({ zarr_format: 3, node_type: "array", shape: [-4], data_type: "float64", chunk_grid: { name: "regular", configuration: { chunk_shape: [1] } }, fill_value: 0, codecs: [{ name: "bytes", configuration: { endian: "little" } }] }));
  await assert.rejects(openArray(s, "n"), (e: Error) => e instanceof MetadataError && /shape/.test(e.message));
  await s.set("u/zarr.json", enc({ zarr_format: 3, node_type: "array", shape: [4], data_type: "float64", chunk_grid: { name: "regular", configuration: { chunk_shape: [4] } }, fill_value: 0, codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "frobnicate" }] }));
  await s.set("u/c/0", new Uint8Array(32));
  await assert.rejects(get(await openArray(s, "u")), (e: Error) => e instanceof UnsupportedError && /frobnicate/.test(e.message));
  await s.set("p/.zarray", enc({ zarr_format: 2, shape: [2], chunks: [2], dtype: "|O", compressor: null, fill_value: null, filters: [{ id: "pickle" }], order: "C" }));
  await s.set("p/0", new Uint8Array([0x80, 4, 0x95]));
  await assert.rejects(get(await openArray(s, "p")), (e: Error) => e instanceof UnsupportedError && /pickle/.test(e.message));
  await s.set("z/.zarray", enc({ zarr_format: 2, shape: [2], chunks: [2], dtype: "<f4", compressor: { id: "zfpy", mode: 4 }, fill_value: 0, filters: null, order: "C" }));
  await s.set("z/0", new Uint8Array(8));
  await assert.rejects(get(await openArray(s, "z")), (e: Error) => e instanceof UnsupportedError && /zfpy/.test(e.message));
  // Node paths cannot climb out of the store.
  await assert.rejects(openArray(s, "../x"), ZarrError);
  // Corrupt blosc header sizes: a clear codec error, not a huge allocation.
  const bl = await createArray(s, "bl", { shape: [8], chunks: [8], dtype: "int32", compressors: [{ name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 } }] });
  await set(bl, null, Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
  const bb = (await s.get("bl/c/0"))!.slice();
  new DataView(bb.buffer).setUint32(4, 0x7fffffff, true); // nbytes
  await s.set("bl/c/0", bb);
  await assert.rejects(get(await openArray(s, "bl")), (e: Error) => (e instanceof CodecError || e instanceof ChunkError) && /bl\/c\/0/.test(e.message));
});

test("write values: plain JS arrays, bool, int64 from numbers, strings, bytes scalars", async () => {
  const s = createMemoryStore();
  const i8 = await createArray(s, "i8", { shape: [3], chunks: [2], dtype: "int64" });
  await set(i8, null, [1, -2, 3]);
  assert.deepEqual([...(await get(i8)).data as BigInt64Array], [1n, -2n, 3n]);
  const b = await createArray(s, "b", { shape: [3], chunks: [3], dtype: "bool" });
  await set(b, null, [true, false, true]);
  assert.deepEqual([...(await get(b)).data as Uint8Array], [1, 0, 1]);
  const str = await createArray(s, "s", { shape: [4], chunks: [3], dtype: "string", zarrFormat: 2, compressor: null });
  await set(str, null, ["a", "héllo", "", "日本"]);
  await set(str, [2], "x");
  assert.deepEqual((await get(str)).data, ["a", "héllo", "x", "日本"]);
  const by = await createArray(s, "by", { shape: [2], chunks: [2], dtype: "bytes" });
  await set(by, null, Uint8Array.from([7, 8]));
  assert.deepEqual((await get(by)).data, [Uint8Array.from([7, 8]), Uint8Array.from([7, 8])]);
  const fixed = await createArray(s, "S3", { shape: [2], chunks: [2], dtype: "|S3", zarrFormat: 2 });
  await set(fixed, null, new TextEncoder().encode("abc"));
  assert.equal(new TextDecoder().decode((await get(fixed)).data as Uint8Array), "abcabc");
  await assert.rejects(set(i8, null, [1, 2]), SelectionError);
});

test("resize shrinking several dimensions deletes exactly the chunks outside", async () => {
  const s = createMemoryStore();
  let a = await createArray(s, "a", { shape: [6, 6, 2], chunks: [2, 2, 2], dtype: "uint8", compressors: [] });
  await set(a, null, 1);
  assert.equal((await keys(s, "a/c")).length, 9);
  a = await resize(a, [3, 2, 2]);
  assert.deepEqual(await keys(s, "a/c"), ["a/c/0/0/0", "a/c/1/0/0"]);
  a = await resize(a, [0, 2, 2]);
  assert.deepEqual(await keys(s, "a/c"), []);
});

test("convert v2 → v3 keeps byte filters after the serializer (delta, shuffle, crc32 + zlib)", async () => {
  const { convert } = await import("../../src/array/convert.js");
  const s = createMemoryStore();
  const a = await createArray(s, "a", {
    zarrFormat: 2, shape: [40], chunks: [16], dtype: "<i4",
    filters: [{ id: "delta", dtype: "<i4" }, { id: "shuffle", elementsize: 4 }, { id: "crc32" }], compressor: { id: "zlib", level: 1 },
  });
  const data = Int32Array.from({ length: 40 }, (_, i) => i * i - 300);
  await set(a, null, data);
  const d = createMemoryStore();
  await convert(s, "a", d, "b", { zarrFormat: 3 });
  const b = await openArray(d, "b");
  assert.deepEqual(b.meta.codecs.map((c) => c.name), ["numcodecs.delta", "bytes", "numcodecs.shuffle", "numcodecs.crc32", "numcodecs.zlib"]);
  assert.deepEqual([...(await get(b)).data as Int32Array], [...data]);
  await convert(d, "b", s, "c", { zarrFormat: 2 });
  assert.deepEqual([...(await get(await openArray(s, "c"))).data as Int32Array], [...data]);
});
