import { join } from "node:path";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { SHARED_FIXTURES } from "../paths.js";
import { StoreError, UnsupportedError, ZarrError } from "../../src/format/errors.js";
import { isWritable } from "../../src/stores/types.js";
import { detectZipRoot, openZipStore } from "../../src/stores/zip.js";
import { conformance, listAll } from "./conformance.js";
import { py, pyJson } from "./python.js";

const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-zip-"));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const enc = (s: string) => new TextEncoder().encode(s);
const b64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));
const FIXTURES = join(SHARED_FIXTURES, "zarrita") + "/";

for (const [label, options] of [
  ["stored", {}],
  ["deflate", { compression: "deflate" }],
  ["forced zip64", { forceZip64: true }],
] as const) {
  conformance(
    `zip (${label})`,
    async () => {
      const file = path.join(tmp(), "t.zip");
      const store = await openZipStore(file, { mode: "w", ...options });
      return {
        store,
        reopen: async () => {
          await store.close();
          return openZipStore(file);
        },
      };
    },
    { delete: false },
  );
}

/** zipfile's view of an archive: CRC check, entry names/methods in order, and each name's (last) bytes. */
const DUMP = `
import zipfile, sys, json, base64, warnings
warnings.simplefilter("ignore")
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps({"bad": z.testzip(), "names": [i.filename for i in z.infolist()],
  "methods": [i.compress_type for i in z.infolist()],
  "data": {n: base64.b64encode(z.read(n)).decode() for n in z.namelist()}}))
`;
type Dump = { bad: string | null; names: string[]; methods: number[]; data: Record<string, string> };

test("zip: archives we write are read by Python's zipfile (stored, deflate, zip64, non-ASCII names)", async () => {
  const dir = tmp();
  const values: Record<string, Uint8Array> = {
    ".zgroup": enc('{"zarr_format": 2}'),
    "a/0.0": new Uint8Array(randomBytes(70000)),
    "a/zeros": new Uint8Array(100000),
    "empty": new Uint8Array(0),
    "ünï/κλειδί": enc("utf8 name"),
  };
  for (const [label, options, method] of [
    ["stored", {}, 0],
    ["deflate", { compression: "deflate" as const }, 8],
    ["zip64", { forceZip64: true }, 0],
    ["deflate zip64", { compression: "deflate" as const, forceZip64: true, level: 9 }, 8],
  ] as const) {
    const file = path.join(dir, `${label}.zip`);
    const s = await openZipStore(file, { mode: "w", ...options });
    for (const [k, v] of Object.entries(values)) await s.set(k, v);
    await s.close();
    await s.close(); // idempotent
    const d = pyJson<Dump>(DUMP, file);
    assert.equal(d.bad, null, label);
    assert.deepEqual(d.names, Object.keys(values), label);
    assert.deepEqual(d.methods, Object.keys(values).map(() => method), label);
    for (const [k, v] of Object.entries(values)) assert.deepEqual(b64(d.data[k]), v, `${label} ${k}`);
    if (label === "deflate") assert.ok(fs.statSync(file).size < 70000 + 40000, "deflate did not compress");
  }
});

test("zip: a Zarr v2 array written through our zip store is read by zarr-python's ZipStore", async () => {
  const file = path.join(tmp(), "arr.zip");
  const s = await openZipStore(file, { mode: "w" });
  const meta = {
    chunks: [2, 3],
    compressor: null,
    dtype: "<i4",
    fill_value: 7,
    filters: null,
    order: "C",
    shape: [6, 3],
    zarr_format: 2,
  };
  await s.set(".zgroup", enc('{"zarr_format": 2}'));
  await s.set("arr/.zarray", enc(JSON.stringify(meta)));
  const chunk = (start: number) => new Uint8Array(Int32Array.from({ length: 6 }, (_, i) => start + i).buffer);
  await s.set("arr/0.0", chunk(100)); // overwritten below: the last entry must win in zarr-python too
  await s.set("arr/0.0", chunk(0));
  await s.set("arr/1.0", chunk(6));
  await s.close();
  const out = pyJson<{ values: number[][]; dtype: string; keys: string[] }>(
    `
import zarr, sys, json, warnings
warnings.simplefilter("ignore")
store = zarr.ZipStore(sys.argv[1], mode="r")
a = zarr.open_group(store, mode="r")["arr"]
print(json.dumps({"values": a[:].tolist(), "dtype": str(a.dtype), "keys": sorted(store.keys())}))
`,
    file,
  );
  assert.equal(out.dtype, "int32");
  assert.deepEqual(out.values, [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11], [7, 7, 7], [7, 7, 7]]);
  assert.deepEqual(out.keys, [".zgroup", "arr/.zarray", "arr/0.0", "arr/0.0", "arr/1.0"]); // duplicate entry kept, as zipfile does
  const r = await openZipStore(file);
  assert.deepEqual(await r.get("arr/0.0"), chunk(0));
  assert.deepEqual(await listAll(r), [".zgroup", "arr/.zarray", "arr/0.0", "arr/1.0"]);
  await r.close();
});

test("zip: archives written by zarr-python's ZipStore are listed and read exactly", async () => {
  const file = path.join(tmp(), "py.zip");
  const data = pyJson<Record<string, string>>(
    `
import zarr, numpy as np, zipfile, sys, json, base64
p = sys.argv[1]
with zarr.ZipStore(p, mode="w") as store:
    g = zarr.group(store=store)
    g.create_dataset("x/y", data=np.arange(100, dtype="<f8").reshape(10, 10), chunks=(3, 4))
    g.create_dataset("s", data=np.array(["a", "bc"], dtype="U2"))
    g.attrs["k"] = 1
z = zipfile.ZipFile(p)
print(json.dumps({n: base64.b64encode(z.read(n)).decode() for n in z.namelist()}))
`,
    file,
  );
  const s = await openZipStore(file);
  assert.equal(s.prefix, "");
  assert.equal(isWritable(s), false);
  assert.deepEqual(await listAll(s), Object.keys(data).sort());
  assert.equal(Object.keys(data).length, 2 + 1 + 1 + 12 + 2); // .zgroup .zattrs, x/.zgroup, x/y/.zarray + 4x3 chunks, s/.zarray + chunk
  for (const [k, v] of Object.entries(data)) assert.deepEqual(await s.get(k), b64(v), k);
  assert.deepEqual(await listAll(s, "x/y/0."), ["x/y/0.0", "x/y/0.1", "x/y/0.2"]);
  const meta = JSON.parse(new TextDecoder().decode((await s.get("x/y/.zarray"))!));
  assert.deepEqual(meta.shape, [10, 10]);
  await s.close();
  await assert.rejects(s.get("x/y/.zarray"), /closed/);
});

test("zip: reads Python deflate entries (whole and ranged) and zip64 archives (70000 entries, zip64 local headers)", async () => {
  const dir = tmp();
  const deflated = path.join(dir, "d.zip");
  const many = path.join(dir, "many.zip");
  py(
    `
import zipfile, sys, random
random.seed(5)
with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_DEFLATED) as z:
    for i in range(12):
        z.writestr(f"g/{i}", bytes(random.getrandbits(8) for _ in range(i * 300)) + b"abc" * i * 500)
    with z.open("forced64", "w", force_zip64=True) as f:
        f.write(b"zip64 local header" * 1000)
with zipfile.ZipFile(sys.argv[2], "w") as z:
    for i in range(70000):
        z.writestr(f"c/{i}", str(i))
`,
    deflated,
    many,
  );
  const d = pyJson<Dump>(DUMP, deflated);
  const s = await openZipStore(deflated);
  assert.deepEqual(await listAll(s), Object.keys(d.data).sort());
  for (const [k, v] of Object.entries(d.data)) {
    const want = b64(v);
    assert.deepEqual(await s.get(k), want, k);
    assert.deepEqual(await s.get(k, { offset: 100, length: 50 }), want.slice(100, 150), k);
    assert.deepEqual(await s.get(k, { suffix: 7 }), want.slice(Math.max(0, want.length - 7)), k);
  }
  await s.close();

  // More than 65535 entries: Python writes the zip64 end records.
  const tail = fs.readFileSync(many).subarray(-98);
  assert.equal(Buffer.from(tail).readUInt32LE(0), 0x06064b50);
  const m = await openZipStore(many);
  const keys = await listAll(m);
  assert.equal(keys.length, 70000);
  for (const i of [0, 1, 65534, 65535, 65536, 69999]) assert.deepEqual(await m.get(`c/${i}`), enc(String(i)));
  await m.close();
});

test("zip: appending to a Python-made archive (and to one with prepended bytes) keeps it readable by Python", async () => {
  const dir = tmp();
  const file = path.join(dir, "a.zip");
  py(`
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.writestr("old/1", b"one" * 100)
    z.writestr("old/2", b"two")
    z.comment = b"kept comment"
`, file);
  const a = await openZipStore(file, { mode: "a" });
  assert.deepEqual(await a.get("old/1"), enc("one".repeat(100)));
  await a.set("new/1", enc("appended"));
  await a.set("old/2", enc("replaced"));
  await a.close();
  const d = pyJson<Dump & { comment: string }>(DUMP.replace('"data":', '"comment": z.comment.decode(), "data":'), file);
  assert.equal(d.bad, null);
  assert.equal(d.comment, "kept comment");
  assert.deepEqual(d.names, ["old/1", "old/2", "new/1", "old/2"]);
  assert.deepEqual(b64(d.data["old/2"]), enc("replaced"));
  assert.deepEqual(b64(d.data["new/1"]), enc("appended"));
  const r = await openZipStore(file);
  assert.deepEqual(await listAll(r), ["new/1", "old/1", "old/2"]);
  assert.deepEqual(await r.get("old/2"), enc("replaced"));
  await r.close();

  // "a" without changes leaves the file byte-identical; "a" on a missing file creates one.
  const before = fs.readFileSync(file);
  await (await openZipStore(file, { mode: "a" })).close();
  assert.ok(before.equals(fs.readFileSync(file)));
  const fresh = path.join(dir, "fresh.zip");
  const f = await openZipStore(fresh, { mode: "a" });
  await f.set("k", enc("v"));
  await f.close();
  assert.deepEqual(pyJson<Dump>(DUMP, fresh).data, { k: Buffer.from("v").toString("base64") });

  // Self-extractor layout: bytes before the archive shift every offset.
  const sfx = path.join(dir, "sfx.zip");
  fs.writeFileSync(sfx, Buffer.concat([Buffer.from("#!/bin/sh\nexit 0\n".repeat(10)), fs.readFileSync(fresh)]));
  const p = await openZipStore(sfx, { mode: "a" });
  assert.deepEqual(await p.get("k"), enc("v"));
  await p.set("k2", enc("v2"));
  await p.close();
  const ds = pyJson<Dump>(DUMP, sfx);
  assert.equal(ds.bad, null);
  assert.deepEqual(ds.names, ["k", "k2"]);
  assert.deepEqual(b64(ds.data.k2), enc("v2"));
  const pr = await openZipStore(sfx);
  assert.deepEqual(await pr.get("k2"), enc("v2"));
  await pr.close();

  await assert.rejects(openZipStore(path.join(dir, "nope.zip")), StoreError);
  fs.writeFileSync(path.join(dir, "text.zip"), "not a zip at all");
  await assert.rejects(openZipStore(path.join(dir, "text.zip"), { mode: "a" }), /not a zip file/);
});

test("zip: both fixture layouts (zipped from within / from the parent) list and read like the directory", async () => {
  const walk = (root: string, rel = ""): string[] =>
    fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) => {
      const k = rel ? `${rel}/${e.name}` : e.name;
      return e.isDirectory() ? walk(root, k) : [k];
    });
  const cases = [
    ["v2/data.zipped_from_within.zarr.zip", "v2/data.zarr", ""],
    ["v2/data.zipped_from_parent.zarr.zip", "v2/data.zarr", "data.zarr/"],
    ["v3/data.zipped_from_within.zarr.zip", "v3/data.zarr", ""],
    ["v3/data.zipped_from_parent.zarr.zip", "v3/data.zarr", "data.zarr/"],
    ["v3/data.uncompressed.zarr.zip", "v3/data.zarr", ""],
  ] as const;
  for (const [zip, dir, prefix] of cases) {
    const s = await openZipStore(path.join(FIXTURES, zip));
    assert.equal(s.prefix, prefix, zip);
    const keys = walk(path.join(FIXTURES, dir)).sort();
    assert.ok(keys.length > 50);
    assert.deepEqual(await listAll(s), keys, zip);
    for (const k of keys) assert.deepEqual(await s.get(k), new Uint8Array(fs.readFileSync(path.join(FIXTURES, dir, k))), `${zip} ${k}`);
    await s.close();
  }
  // An explicit prefix overrides detection.
  const s = await openZipStore(path.join(FIXTURES, "v2/data.zipped_from_parent.zarr.zip"), { prefix: "data.zarr/1d.contiguous.i4" });
  assert.deepEqual(await listAll(s), [".zarray", "0"]);
  await s.close();
  const whole = await openZipStore(path.join(FIXTURES, "v2/data.zipped_from_parent.zarr.zip"), { prefix: "" });
  assert.ok((await whole.get("data.zarr/.zgroup")) !== undefined);
  await whole.close();
});

test("zip: detectZipRoot", () => {
  assert.equal(detectZipRoot(["data.zarr/", "data.zarr/.zgroup", "data.zarr/a/.zarray"]), "data.zarr/");
  assert.equal(detectZipRoot(["x.zarr/zarr.json", "x.zarr/c/0"]), "x.zarr/");
  assert.equal(detectZipRoot(["d/.zarray", "d/0.0", "__MACOSX/d/._0.0"]), "d/");
  assert.equal(detectZipRoot([".zgroup", "a/.zarray"]), "");
  assert.equal(detectZipRoot(["zarr.json"]), "");
  assert.equal(detectZipRoot(["a/.zgroup", "b/.zgroup"]), ""); // two candidates: ambiguous
  assert.equal(detectZipRoot(["a/.zgroup", "README"]), ""); // not a single folder
  assert.equal(detectZipRoot(["a/b/.zgroup"]), ""); // metadata not directly in the folder
  assert.equal(detectZipRoot([]), "");
});

test("zip: entries with unsafe names are refused when opening (zip-slip)", async () => {
  const dir = tmp();
  const evil = ["../evil", "a/../../evil", "/abs/evil", "a\\..\\evil", "C:/evil", "ok/./x", "a//b", "evil_Q_nul"];
  for (const [i, name] of evil.entries()) {
    const file = path.join(dir, `${i}.zip`);
    py(`
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("good/.zgroup", b"{}")
    z.writestr(sys.argv[2], b"pwned")
`, file, name);
    if (name.includes("_Q_")) {
      // zipfile truncates names at NUL, so plant the NUL in the bytes (local and central headers).
      const b = fs.readFileSync(file);
      for (let at = b.indexOf("_Q_"); at >= 0; at = b.indexOf("_Q_", at + 1)) b[at + 1] = 0;
      fs.writeFileSync(file, b);
    }
    const shown = JSON.stringify(name.replace("_Q_", "_\u0000_"));
    await assert.rejects(
      openZipStore(file),
      (e: unknown) => e instanceof StoreError && e.message.includes(`unsafe entry name ${shown}`),
      name,
    );
    await assert.rejects(openZipStore(file, { prefix: "good" }), StoreError, name); // even outside the chosen root
    await assert.rejects(openZipStore(file, { mode: "a" }), StoreError, name);
  }
});

/** Offsets of the first central directory record and its fields, from the end record of a small zip. */
function firstCentral(b: Buffer): number {
  const eocd = b.length - 22;
  assert.equal(b.readUInt32LE(eocd), 0x06054b50);
  return b.readUInt32LE(eocd + 16);
}

test("zip: ranged gets of stored entries read only the range; corrupt archives give StoreError", async () => {
  const dir = tmp();
  const file = path.join(dir, "c.zip");
  const v = new Uint8Array(randomBytes(10000));
  const s = await openZipStore(file, { mode: "w" });
  await s.set("k", v);
  await s.close();
  const b = fs.readFileSync(file);
  const dataAt = 30 + 1; // local header + name "k"
  b[dataAt + 9000] ^= 0xff; // corrupt one byte far from the range we read
  fs.writeFileSync(file, b);
  const r = await openZipStore(file);
  assert.deepEqual(await r.get("k", { offset: 10, length: 100 }), v.slice(10, 110)); // no whole-entry read, no CRC
  await assert.rejects(r.get("k"), /CRC-32 mismatch/);
  await r.close();

  const bad = async (bytes: Buffer, re: RegExp, key = "k") => {
    const f = path.join(dir, `bad-${Math.random()}.zip`);
    fs.writeFileSync(f, bytes);
    let st;
    try {
      st = await openZipStore(f);
    } catch (e) {
      assert.ok(e instanceof ZarrError, String(e));
      assert.match((e as Error).message, re);
      return;
    }
    try {
      await assert.rejects(st.get(key), (e: unknown) => e instanceof ZarrError && re.test((e as Error).message));
    } finally {
      await st.close();
    }
  };
  const good = fs.readFileSync(file);
  good[dataAt + 9000] ^= 0xff;
  await bad(Buffer.from("definitely not a zip file, just text"), /not a zip file/);
  await bad(Buffer.alloc(0), /not a zip file/);
  await bad(good.subarray(0, good.length - 5), /not a zip file/);
  await bad(good.subarray(200), /past its end|corrupt/);
  const cd = firstCentral(good);
  const lie = (at: number, val: number, width = 4) => {
    const c = Buffer.from(good);
    if (width === 4) c.writeUInt32LE(val, at);
    else c.writeUInt16LE(val, at);
    return c;
  };
  await bad(lie(cd + 42, 0x7ffffff0), /local header of "k" lies past the end/); // header offset
  await bad(lie(cd + 20, 20000), /sizes differ/); // stored csize != usize
  await bad(lie(cd + 28, 60, 2), /overruns|bad central directory/); // name length past the directory
  await bad(lie(cd + 10, 12, 2), /compression method 12|method 12/); // bzip2: unsupported
  await bad(lie(cd + 8, 1, 2), /encrypt/);
  await bad(lie(good.length - 22 + 12, 0x00ffffff), /past its end|corrupt/); // central directory size
  await bad(lie(0, 0x12345678), /local header signature/);

  // Deflate entries: sizes and data must agree.
  const df = path.join(dir, "d.zip");
  const w = await openZipStore(df, { mode: "w", compression: "deflate" });
  await w.set("k", new Uint8Array(50000).fill(3));
  await w.close();
  const dgood = fs.readFileSync(df);
  const dcd = firstCentral(dgood);
  const csize = dgood.readUInt32LE(dcd + 20);
  const dlie = (at: number, val: number) => {
    const c = Buffer.from(dgood);
    c.writeUInt32LE(val, at);
    return c;
  };
  await bad(dlie(dcd + 24, 0xfffffff0), /impossible/); // a "zip bomb" size claim: refused before inflating
  await bad(dlie(dcd + 24, 50001), /inflated to 50000 bytes, expected 50001/);
  await bad(dlie(dcd + 24, 49999), /cannot inflate|expected 49999/);
  const garbled = Buffer.from(dgood);
  garbled.fill(0xaa, 32, 32 + Math.min(10, csize));
  await bad(garbled, /cannot inflate|CRC|inflated/);
});

test("zip: random corruption never crashes or hangs, only typed errors", async () => {
  const dir = tmp();
  const file = path.join(dir, "f.zip");
  const s = await openZipStore(file, { mode: "w" });
  await s.set("a/.zarray", enc('{"x": 1}'));
  await s.set("a/0", new Uint8Array(randomBytes(300)));
  await s.close();
  const z2 = path.join(dir, "f2.zip");
  const s2 = await openZipStore(z2, { mode: "w", compression: "deflate", forceZip64: true });
  await s2.set("a/0", new Uint8Array(400).fill(9));
  await s2.set("b", enc("hello hello hello"));
  await s2.close();
  let failures = 0;
  for (const src of [file, z2]) {
    const orig = fs.readFileSync(src);
    for (let round = 0; round < 150; round++) {
      const b = Buffer.from(orig);
      for (let j = 0; j < 1 + (round % 4); j++) b[Math.floor(Math.random() * b.length)] = Math.floor(Math.random() * 256);
      const f = path.join(dir, "fuzz.zip");
      fs.writeFileSync(f, b);
      try {
        const st = await openZipStore(f);
        try {
          for await (const k of st.list("")) {
            await st.get(k).catch((e) => {
              if (!(e instanceof ZarrError)) throw e;
              failures++;
            });
            await st.get(k, { suffix: 5 }).catch((e) => {
              if (!(e instanceof ZarrError)) throw e;
            });
          }
        } finally {
          await st.close();
        }
      } catch (e) {
        assert.ok(e instanceof ZarrError, `untyped error: ${(e as Error).stack}`);
        failures++;
      }
    }
  }
  assert.ok(failures > 0); // the corruption was noticed at least sometimes
});

test("zip: write-mode semantics: read back while writing, prefix, modes, delete, closed", async () => {
  const dir = tmp();
  const file = path.join(dir, "w.zip");
  const s = await openZipStore(file, { mode: "w", prefix: "data.zarr" });
  assert.equal(s.prefix, "data.zarr/");
  await s.set(".zgroup", enc("{}"));
  await s.set("a/0", enc("x"));
  assert.deepEqual(await s.get("a/0"), enc("x"));
  await assert.rejects(s.delete("a/0"), /cannot delete/);
  await s.delete("a/1");
  await s.close();
  await assert.rejects(s.set("b", enc("y")), /closed/);
  assert.deepEqual(pyJson<Dump>(DUMP, file).names, ["data.zarr/.zgroup", "data.zarr/a/0"]);
  const r = await openZipStore(file);
  assert.equal(r.prefix, "data.zarr/"); // detected
  assert.deepEqual(await listAll(r), [".zgroup", "a/0"]);
  await r.close();
  await assert.rejects(openZipStore(file, { mode: "x" as never }), /invalid zip mode/);
  await assert.rejects(openZipStore(file, { prefix: "../up" }), StoreError);
  // "w" on an existing archive truncates it, like zipfile.
  const t = await openZipStore(file, { mode: "w" });
  await t.close();
  assert.deepEqual(pyJson<Dump>(DUMP, file).names, []);
  assert.equal(fs.statSync(file).size, 22);
});

test("zip: other compression methods (bzip2 from Python) are UnsupportedError naming the key", async () => {
  const file = path.join(tmp(), "bz.zip");
  py(`
import zipfile, sys
with zipfile.ZipFile(sys.argv[1], "w", compression=zipfile.ZIP_BZIP2) as z:
    z.writestr("a/0", b"bzipped" * 10)
`, file);
  const s = await openZipStore(file);
  assert.deepEqual(await listAll(s), ["a/0"]);
  await assert.rejects(s.get("a/0"), (e: unknown) => e instanceof UnsupportedError && e.key === "a/0" && /method 12/.test(e.message));
  await s.close();
});
