/**
 * Zarr v2 interop with zarr-python 2.13 / numcodecs 0.11:
 * 1. the test run generates arrays with zarr-python (every dtype × C/F, every compressor
 *    setting, filters, edge and missing chunks, 0-d, nested separator, strings, groups with
 *    unicode attributes, consolidated metadata) and zarrflow reads each byte-exactly,
 *    compared through .npy files numpy wrote;
 * 2. zarrflow writes the same matrix and zarr-python reads each exactly.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openFsStore } from "../../src/stores/fs.js";
import { consolidateMetadata, createArray, createGroup, open, openArray, openGroup, walk, type CodecJson, type ZarrGroup } from "../../src/array/node.js";
import { get, set } from "../../src/array/access.js";
import { encodeNpy, vlenToFixed } from "../../src/io/npy.js";
import { python, script, tempDir } from "./python.js";

let dir = "";
let manifest: { name: string; object?: boolean }[] = [];

/** Object-array elements as JSON values (vlen-array items are typed arrays). */
const jsonOf = (v: unknown): unknown => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v);

before(() => {
  dir = tempDir("v2");
  python([script("zarr_python_v2.py"), "generate", dir]);
  manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
});

const expectedFile = (name: string) => join(dir, "expected", name.replace(/\//g, "__") + ".npy");

test("v2 read: every array zarr-python wrote reads byte-exactly (via .npy)", async () => {
  const store = await openFsStore(join(dir, "data.zarr"), { readOnly: true });
  const failures: string[] = [];
  for (const { name, object } of manifest) {
    try {
      const arr = await openArray(store, name);
      if (object) {
        const values = ((await get(arr)).data as unknown[]).map(jsonOf);
        const expected = JSON.parse(readFileSync(join(dir, "expected", name + ".json"), "utf8"));
        if (JSON.stringify(values) !== JSON.stringify(expected)) failures.push(`${name}: object values differ: ${JSON.stringify(values.slice(0, 4))} vs ${JSON.stringify(expected.slice(0, 4))}`);
        continue;
      }
      const got = vlenToFixed(await get(arr));
      const ours = Buffer.from(encodeNpy(got));
      const theirs = readFileSync(expectedFile(name));
      if (!ours.equals(theirs)) failures.push(`${name}: bytes differ (${ours.length} vs ${theirs.length})`);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  assert.ok(manifest.length > 100, `matrix has ${manifest.length} arrays`);
  assert.deepEqual(failures, []);
});

test("v2 read: groups, unicode attributes and consolidated metadata", async () => {
  const store = await openFsStore(join(dir, "data.zarr"), { readOnly: true });
  const root = await openGroup(store);
  assert.ok(root.meta.consolidated, ".zmetadata is picked up");
  assert.equal(root.meta.attributes.root_attr, "é");
  const g = await openGroup(store, "grp ünï/sub");
  assert.equal(g.meta.attributes.title, "Zarr ✓ 日本語");
  assert.deepEqual(g.meta.attributes.nested, { a: [1, 2.5, null, true], b: "\u{1F600}" });
  // Walking via consolidated metadata and via listing agree.
  const viaConsolidated: string[] = [];
  for await (const n of walk(root)) viaConsolidated.push(`${n.kind}:${n.path}`);
  const plain: ZarrGroup = { ...root, meta: { ...root.meta, consolidated: undefined } };
  const viaListing: string[] = [];
  for await (const n of walk(plain)) viaListing.push(`${n.kind}:${n.path}`);
  assert.deepEqual(viaConsolidated.sort(), viaListing.sort());
  assert.ok(viaListing.includes("array:grp ünï/sub/leaf"));
});

test("v2 write: zarrflow writes the same matrix and zarr-python reads each exactly", async () => {
  const src = await openFsStore(join(dir, "data.zarr"), { readOnly: true });
  const dst = await openFsStore(join(dir, "ours.zarr"), { create: true });
  await createGroup(dst, "", { zarrFormat: 2 });
  const written: string[] = [];
  const failures: string[] = [];
  for (const { name } of manifest) {
    try {
    const a = await openArray(src, name);
    const m = a.meta;
    const codec = (c: { name: string; configuration: object }): CodecJson => ({ id: c.name, ...c.configuration });
    const copy = await createArray(dst, name, {
      zarrFormat: 2, shape: m.shape, dtype: m.dtype, chunks: m.chunkShape, order: m.order,
      fillValue: m.fill.value, compressor: m.compressor ? codec(m.compressor) : null,
      filters: m.filters?.map(codec) ?? null, separator: m.chunkKeyEncoding.separator, attributes: m.attributes,
    });
    await set(copy, null, await get(a));
    written.push(name);
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
    }
  }
  await consolidateMetadata(dst);
  writeFileSync(join(dir, "ours.json"), JSON.stringify(written));
  const report = JSON.parse(python([script("zarr_python_v2.py"), "verify", dir])) as Record<string, string | null>;
  const bad = Object.entries(report).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`);
  assert.deepEqual([...failures, ...bad], []);
  assert.equal(Object.keys(report).length, manifest.length + 1);
});

test("v2 read: open() tells arrays from groups", async () => {
  const store = await openFsStore(join(dir, "data.zarr"), { readOnly: true });
  assert.equal((await open(store, { path: "grp ünï" })).kind, "group");
  assert.equal((await open(store, { path: "nested_sep" })).kind, "array");
});
