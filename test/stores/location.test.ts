import { join } from "node:path";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { SHARED_FIXTURES } from "../paths.js";
import { pathToFileURL } from "node:url";
import { StoreError, UnsupportedError } from "../../src/format/errors.js";
import { openLocation, parseLocation } from "../../src/stores/location.js";
import { isWritable } from "../../src/stores/types.js";
import { listAll } from "./conformance.js";
import { pyJson } from "./python.js";

const FIXTURES = join(SHARED_FIXTURES, "zarrita") + "/";
const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-loc-"));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const enc = (s: string) => new TextEncoder().encode(s);

test("parseLocation: paths, URLs and #inner/path", () => {
  assert.deepEqual(parseLocation("data/x.zarr"), { kind: "file", file: "data/x.zarr", path: "" });
  assert.deepEqual(parseLocation("data/x.zarr#a/b"), { kind: "file", file: "data/x.zarr", path: "a/b" });
  assert.deepEqual(parseLocation("/abs/x.zip#/a/b/"), { kind: "file", file: "/abs/x.zip", path: "a/b" });
  assert.deepEqual(parseLocation("x.zarr#my group"), { kind: "file", file: "x.zarr", path: "my group" });
  assert.deepEqual(parseLocation("x.zarr#"), { kind: "file", file: "x.zarr", path: "" });
  assert.deepEqual(parseLocation("https://host/d/x.zarr#my%20group/arr"), { kind: "http", url: "https://host/d/x.zarr", path: "my group/arr" });
  assert.deepEqual(parseLocation("HTTP://host/x.zarr?sig=1"), { kind: "http", url: "http://host/x.zarr?sig=1", path: "" });
  assert.deepEqual(parseLocation("file:///tmp/a%23b.zarr#g/h"), { kind: "file", file: "/tmp/a#b.zarr", path: "g/h" });
  assert.deepEqual(parseLocation("file:///tmp/x.zip"), { kind: "file", file: "/tmp/x.zip", path: "" });
  assert.throws(() => parseLocation("s3://bucket/x.zarr"), UnsupportedError);
  assert.throws(() => parseLocation(""), StoreError);
  for (const bad of ["x.zarr#../up", "x.zarr#a//b", "https://h/x#a/%2E%2E/b", "file:///x#a\\b", "https://h/x#%zz"]) {
    assert.throws(() => parseLocation(bad), StoreError, bad);
  }
  // A path that exists with '#' in its name is taken whole.
  const dir = tmp();
  const odd = path.join(dir, "run#1.zarr");
  fs.mkdirSync(odd);
  assert.deepEqual(parseLocation(odd), { kind: "file", file: odd, path: "" });
  assert.deepEqual(parseLocation(path.join(dir, "new#g")), { kind: "file", file: path.join(dir, "new"), path: "g" });
});

test("openLocation: directory read-only, zip with detected root, file:// URLs", async () => {
  const d = await openLocation(path.join(FIXTURES, "v2/data.zarr") + "#1d.contiguous.i4");
  assert.equal(d.path, "1d.contiguous.i4");
  assert.equal(isWritable(d.store), false);
  assert.deepEqual(await d.store.get("1d.contiguous.i4/.zarray"), new Uint8Array(fs.readFileSync(path.join(FIXTURES, "v2/data.zarr/1d.contiguous.i4/.zarray"))));
  await d.store.close?.();

  for (const zip of ["v2/data.zipped_from_parent.zarr.zip", "v2/data.zipped_from_within.zarr.zip"]) {
    const z = await openLocation(pathToFileURL(path.join(FIXTURES, zip)).href + "#my%20group%20with%20spaces");
    assert.equal(z.path, "my group with spaces");
    assert.equal(isWritable(z.store), false);
    assert.deepEqual(await z.store.get(".zgroup"), new Uint8Array(fs.readFileSync(path.join(FIXTURES, "v2/data.zarr/.zgroup"))), zip);
    await z.store.close?.();
  }
  await assert.rejects(openLocation(path.join(tmp(), "missing.zarr")), /no such file or directory/);
  await assert.rejects(openLocation(path.join(tmp(), "missing.zip")), /no such file/);
});

test("openLocation: write modes create directories and zip files", async () => {
  const dir = tmp();
  const w = await openLocation(path.join(dir, "out.zarr#grp"), { mode: "w" });
  assert.equal(w.path, "grp");
  assert.ok(isWritable(w.store));
  await w.store.set("grp/.zgroup", enc("{}"));
  assert.equal(fs.readFileSync(path.join(dir, "out.zarr", "grp", ".zgroup"), "utf8"), "{}");

  const z = await openLocation(path.join(dir, "out.zarr.zip"), { mode: "w" });
  await z.store.set(".zgroup", enc('{"zarr_format": 2}'));
  await z.store.close?.();
  const names = pyJson<string[]>("import zipfile,sys,json; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))", path.join(dir, "out.zarr.zip"));
  assert.deepEqual(names, [".zgroup"]);

  const a = await openLocation(path.join(dir, "out.zarr.zip"), { mode: "a" });
  await a.store.set("x/.zgroup", enc("{}"));
  await a.store.close?.();
  const r = await openLocation(path.join(dir, "out.zarr.zip"));
  assert.deepEqual(await listAll(r.store), [".zgroup", "x/.zgroup"]);
  await r.store.close?.();

  const h = await openLocation("https://example.invalid/x.zarr#a");
  assert.equal(h.store.url, "https://example.invalid/x.zarr/");
  assert.equal(h.path, "a");
  await assert.rejects(openLocation("https://example.invalid/x.zarr", { mode: "w" }), /read-only/);
  await assert.rejects(openLocation("https://example.invalid/x.zarr.zip"), UnsupportedError);
});
