import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { srcModule } from "../paths.js";
import { StoreError } from "../../src/format/errors.js";
import { isTempFileName, openFsStore, tempFileName } from "../../src/stores/fs.js";
import { isWritable } from "../../src/stores/types.js";
import { BAD_KEYS, conformance, listAll } from "./conformance.js";

const made: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-fs-"));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const enc = (s: string) => new TextEncoder().encode(s);

conformance(
  "fs",
  async () => {
    const dir = tmp();
    const store = await openFsStore(dir);
    return {
      store,
      reopen: async () => {
        await store.close();
        return openFsStore(dir, { readOnly: true });
      },
    };
  },
  { delete: true },
);

conformance("fs (fsync)", async () => ({ store: await openFsStore(tmp(), { fsync: true }) }), { delete: true });

test("fs: keys map to DirectoryStore paths; files written are plain files with the exact bytes", async () => {
  const dir = tmp();
  const s = await openFsStore(dir);
  await s.set("g/a/0.0", enc("chunk"));
  await s.set(".zgroup", enc("{}"));
  assert.equal(fs.readFileSync(path.join(dir, "g", "a", "0.0"), "utf8"), "chunk");
  assert.equal(fs.readFileSync(path.join(dir, ".zgroup"), "utf8"), "{}");
  assert.deepEqual(fs.readdirSync(path.join(dir, "g", "a")), ["0.0"]); // no temp file left behind
  assert.equal(s.url, new URL(`file://${fs.realpathSync(dir)}`).href);
});

test("fs: open options (create, readOnly) and errors", async () => {
  const base = tmp();
  await assert.rejects(openFsStore(path.join(base, "missing")), StoreError);
  const created = await openFsStore(path.join(base, "x", "y.zarr"), { create: true });
  assert.ok(fs.statSync(path.join(base, "x", "y.zarr")).isDirectory());
  await created.set("k", enc("v"));
  const ro = await openFsStore(path.join(base, "x", "y.zarr"), { readOnly: true });
  assert.equal(isWritable(ro), false);
  assert.deepEqual(await ro.get("k"), enc("v"));
  fs.writeFileSync(path.join(base, "file"), "x");
  await assert.rejects(openFsStore(path.join(base, "file")), /not a directory/);
  await assert.rejects(openFsStore(base, { readOnly: true, create: true }), StoreError);
});

test("fs: directories are not keys; files and directories in the way are refused", async () => {
  const dir = tmp();
  const s = await openFsStore(dir);
  await s.set("a/b", enc("v"));
  assert.equal(await s.get("a"), undefined); // a directory
  assert.equal(await s.get("a/b/c"), undefined); // a file used as a directory
  await assert.rejects(s.set("a", enc("x")), /directory is in the way/);
  await assert.rejects(s.set("a/b/c", enc("x")), /parent of the key is a file/);
  await s.delete("a"); // a directory: not a key, nothing happens
  assert.deepEqual(await s.get("a/b"), enc("v"));
});

test("fs: delete keeps now-empty directories (like zarr-python's DirectoryStore)", async () => {
  const dir = tmp();
  const s = await openFsStore(dir);
  await s.set("a/b/c", enc("v"));
  await s.delete("a/b/c");
  assert.ok(fs.statSync(path.join(dir, "a", "b")).isDirectory());
  assert.deepEqual(fs.readdirSync(path.join(dir, "a", "b")), []);
  assert.deepEqual(await listAll(s), []);
});

test("fs: temp files (ours and zarr-python's) are never listed", async () => {
  assert.ok(isTempFileName(tempFileName()));
  assert.ok(isTempFileName("0.0." + "ab".repeat(16) + ".partial"));
  assert.ok(!isTempFileName(".zarray"));
  const dir = tmp();
  const s = await openFsStore(dir);
  await s.set("a/0", enc("v"));
  fs.writeFileSync(path.join(dir, "a", tempFileName()), "partial");
  fs.writeFileSync(path.join(dir, "a", "0." + "0123456789abcdef".repeat(2) + ".partial"), "partial");
  assert.deepEqual(await listAll(s), ["a/0"]);
  assert.deepEqual(await listAll(s, "a/"), ["a/0"]);
  await assert.rejects(s.set("a/" + tempFileName(), enc("x")), /reserved/);
});

test("fs: a crash between temp write and rename leaves the old value (simulated)", async () => {
  const dir = tmp();
  const s = await openFsStore(dir);
  await s.set("arr/0.0", enc("old value"));
  // What a writer killed after writing its temp file but before renaming leaves behind.
  fs.writeFileSync(path.join(dir, "arr", tempFileName()), "new val");
  assert.deepEqual(await s.get("arr/0.0"), enc("old value"));
  assert.deepEqual(await listAll(s), ["arr/0.0"]);
  await s.set("arr/0.0", enc("newer"));
  assert.deepEqual(await s.get("arr/0.0"), enc("newer"));
});

test("fs: a writer killed with SIGKILL mid-overwrite leaves a complete value", async () => {
  const dir = tmp();
  const size = 1 << 20;
  const fsModule = srcModule("src/stores/fs");
  // Each value is a 4-byte sequence number followed by that number's low byte repeated.
  const script = `
    import { openFsStore } from ${JSON.stringify(fsModule)};
    const s = await openFsStore(${JSON.stringify(dir)});
    for (let i = 0; ; i++) {
      const v = new Uint8Array(${size}).fill(i & 255);
      new DataView(v.buffer).setUint32(0, i);
      await s.set("k/0", v);
      if (i === 3) process.stdout.write("go\\n");
    }`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => resolve());
    child.on("exit", (c) => reject(new Error(`writer exited early (${c})`)));
  });
  await new Promise((r) => setTimeout(r, 150 + Math.random() * 150));
  child.kill("SIGKILL");
  await new Promise((r) => child.once("exit", r));
  const s = await openFsStore(dir, { readOnly: true });
  const v = (await s.get("k/0"))!;
  assert.equal(v.length, size);
  const seq = new DataView(v.buffer, v.byteOffset).getUint32(0);
  assert.ok(seq >= 3);
  const expect = new Uint8Array(size).fill(seq & 255);
  new DataView(expect.buffer).setUint32(0, seq);
  assert.ok(Buffer.from(v).equals(Buffer.from(expect)), "torn value after crash");
  assert.deepEqual(await listAll(s), ["k/0"]);
});

test("fs: concurrent readers never see a torn value during many overwrites", async () => {
  const dir = tmp();
  const s = await openFsStore(dir);
  const size = 256 * 1024;
  const values = [1, 2, 3, 4].map((b) => new Uint8Array(size).fill(b));
  await s.set("k", values[0]);
  let done = false;
  let reads = 0;
  const reader = async () => {
    while (!done) {
      const v = (await s.get("k"))!;
      assert.equal(v.length, size);
      const want = values[v[0] - 1];
      assert.ok(want && Buffer.from(v).equals(Buffer.from(want)), "torn read");
      // Ranged reads of the tail must agree with a whole value too.
      const t = (await s.get("k", { suffix: 1000 }))!;
      assert.ok(t.every((x) => x === t[0]) && t[0] >= 1 && t[0] <= 4);
      reads++;
    }
  };
  const writer = async () => {
    for (let i = 0; i < 200; i++) await s.set("k", values[i % 4]);
    done = true;
  };
  await Promise.all([writer(), reader(), reader(), reader()]);
  assert.ok(reads > 20, `only ${reads} reads overlapped the writes`);
  assert.deepEqual(fs.readdirSync(dir), ["k"]);
});

test("fs: key escape attempts are refused for get, set and delete, and touch nothing outside", async () => {
  const base = tmp();
  const root = path.join(base, "root");
  const outside = path.join(base, "outside");
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "secret"), "secret");
  fs.writeFileSync(path.join(base, "x"), "x");
  const s = await openFsStore(root);
  for (const k of [...BAD_KEYS, "../outside/secret", "a\\..\\..\\outside\\secret", "/etc/passwd", "a/../../x"]) {
    await assert.rejects(s.get(k), StoreError, k);
    await assert.rejects(s.set(k, enc("pwned")), StoreError, k);
    await assert.rejects(s.delete(k), StoreError, k);
  }
  assert.deepEqual(fs.readdirSync(base).sort(), ["outside", "root", "x"]);
  assert.deepEqual(fs.readdirSync(outside), ["secret"]);
  assert.equal(fs.readFileSync(path.join(base, "x"), "utf8"), "x");
  assert.deepEqual(fs.readdirSync(root), []);
});

test("fs: symlinks inside the root that point outside are refused; inside links work", async () => {
  const base = tmp();
  const root = path.join(base, "root");
  const outside = path.join(base, "outside");
  fs.mkdirSync(root);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "secret"), "secret");
  fs.symlinkSync(outside, path.join(root, "dirlink"));
  fs.symlinkSync(path.join(outside, "secret"), path.join(root, "filelink"));
  fs.symlinkSync(path.join(outside, "nothing"), path.join(root, "dangling"));
  fs.mkdirSync(path.join(root, "real"));
  fs.writeFileSync(path.join(root, "real", "v"), "inside");
  fs.symlinkSync(path.join(root, "real", "v"), path.join(root, "innerlink"));
  fs.symlinkSync(path.join(root, "real"), path.join(root, "innerdir"));
  const s = await openFsStore(root);
  const escape = /outside the store root/;

  await assert.rejects(s.get("filelink"), escape);
  await assert.rejects(s.get("filelink", { offset: 0, length: 2 }), escape);
  await assert.rejects(s.get("dirlink/secret"), escape);
  await assert.rejects(s.get("dirlink/secret", { suffix: 3 }), escape);
  await assert.rejects(s.set("filelink", enc("pwned")), escape);
  await assert.rejects(s.set("dirlink/new", enc("pwned")), escape);
  await assert.rejects(s.set("dirlink/sub/new", enc("pwned")), escape);
  await assert.rejects(s.set("dangling", enc("pwned")), escape);
  await assert.rejects(s.delete("filelink"), escape);
  await assert.rejects(s.delete("dirlink/secret"), escape);
  await assert.rejects(listAll(s, "dirlink/"), escape);
  // Nothing changed outside, and the links are still there.
  assert.deepEqual(fs.readdirSync(outside), ["secret"]);
  assert.equal(fs.readFileSync(path.join(outside, "secret"), "utf8"), "secret");
  assert.ok(fs.lstatSync(path.join(root, "filelink")).isSymbolicLink());

  // Files handed to other threads (localFile + readLocalFile) follow the same rules.
  const { readLocalFile } = await import("../../src/stores/fs.js");
  const linked = (await s.localFile!("filelink"))!;
  assert.throws(() => readLocalFile(linked, "filelink"), escape);
  await assert.rejects(s.localFile!("dirlink/secret"), escape);
  assert.deepEqual(readLocalFile((await s.localFile!("innerlink"))!, "innerlink"), enc("inside"));
  assert.deepEqual(readLocalFile((await s.localFile!("real/v"))!, "real/v"), enc("inside"));
  assert.equal(readLocalFile((await s.localFile!("real/none"))!, "real/none"), undefined);
  assert.equal(await s.localFile!("nodir/x"), undefined);

  // Links that stay inside the root behave like what they point at.
  assert.deepEqual(await s.get("innerlink"), enc("inside"));
  assert.deepEqual(await s.get("innerdir/v", { offset: 2 }), enc("side"));
  await s.set("innerdir/w", enc("w"));
  assert.equal(fs.readFileSync(path.join(root, "real", "w"), "utf8"), "w");
  // Listing reports files and in-root file links, never escaping links; linked dirs are not walked (as os.walk).
  assert.deepEqual(await listAll(s), ["innerlink", "real/v", "real/w"]);

  // A root that is itself a symlink is fine: the check is against its real path.
  fs.symlinkSync(root, path.join(base, "rootlink"));
  const viaLink = await openFsStore(path.join(base, "rootlink"));
  assert.deepEqual(await viaLink.get("real/v"), enc("inside"));
  await assert.rejects(viaLink.get("filelink"), escape);
});

test("fs: list only opens the directory holding the prefix (and its subtree)", async () => {
  const dir = tmp();
  const s = await openFsStore(dir);
  for (const k of ["a/b/0", "a/b/1", "a/bc/0", "a/c/0", "z/0", "z/q/1"]) await s.set(k, enc(k));
  const opened: string[] = [];
  const real = fs.promises.opendir;
  fs.promises.opendir = ((p: fs.PathLike, o?: fs.OpenDirOptions) => {
    opened.push(path.relative(fs.realpathSync(dir), String(p)));
    return real(p, o);
  }) as typeof real;
  try {
    assert.deepEqual(await listAll(s, "a/b"), ["a/b/0", "a/b/1", "a/bc/0"]);
  } finally {
    fs.promises.opendir = real;
  }
  assert.deepEqual(opened.sort(), ["a", "a/b", "a/bc"]);
});

test("fs: listDir yields immediate children only (keys and sub-prefixes), refusing escapes", async () => {
  const { openFsStore } = await import("../../src/stores/fs.js");
  const root = (await import("node:fs")).mkdtempSync((await import("node:path")).join((await import("node:os")).tmpdir(), "zarrflow-ld-"));
  const s = await openFsStore(root);
  for (const k of ["a/zarr.json", "a/c/0/0", "a/c/0/1", "b/.zgroup", "top"]) await s.set(k, new Uint8Array([1]));
  const top: string[] = [];
  for await (const k of s.listDir!("")) top.push(k);
  assert.deepEqual(top.sort(), ["a/", "b/", "top"]);
  const a: string[] = [];
  for await (const k of s.listDir!("a/")) a.push(k);
  assert.deepEqual(a.sort(), ["a/c/", "a/zarr.json"]);
  await assert.rejects(async () => { for await (const _ of s.listDir!("../")) void _; });
});
