/**
 * fileSynchronizer: locks on the same key serialise (in one process and across processes),
 * different keys do not, release is idempotent, hostile keys stay inside the lock directory,
 * a lock left by a SIGKILLed holder is taken over after staleMs, a lock lost under its holder
 * is reported, and concurrent partial writes of one chunk (or one shard) from four processes
 * lose updates without it and none with it.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { get } from "../../src/array/access.js";
import { createArray, openArray, type CreateArrayOptions } from "../../src/array/node.js";
import { StoreError, ZarrError } from "../../src/format/errors.js";
import { openFsStore } from "../../src/stores/fs.js";
import { fileSynchronizer, lockFileName, lockPathOf } from "../../src/runtime/file-synchronizer.js";
import { withLock } from "../../src/runtime/synchronizer.js";
import { REPO } from "../paths.js";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-filesync-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshDir = () => path.join(tmp, `d${n++}`);

/** True once `p` has settled, checked after other pending work had a chance to run. */
async function settled(p: Promise<unknown>, ms = 50): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setTimeout(r, ms));
  return done;
}

// Children run from sources through tsx, or as the compiled .js beside this file.
const fromSource = import.meta.url.endsWith(".ts");
const writer = fileURLToPath(new URL(fromSource ? "./lock-writer.ts" : "./lock-writer.js", import.meta.url));

function spawnWriter(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...(fromSource ? ["--import", "tsx"] : []), writer, ...args], { cwd: REPO, stdio: "pipe" });
}

/** Resolve with the child's first stdout line equal to `want`; reject if it exits first. */
function waitLine(child: ChildProcessWithoutNullStreams, want: string): Promise<void> {
  let err = "";
  child.stderr.on("data", (b) => (err += b));
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.on("line", (l) => { if (l === want) resolve(); });
    child.on("close", (code, sig) => reject(new Error(`lock-writer exited (${code ?? sig}) before "${want}": ${err}`)));
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on("exit", () => resolve())));
}

test("two locks on one key serialise; other keys do not wait", async () => {
  const sync = fileSynchronizer(freshDir());
  const r1 = await sync.lock("a/c/0");
  const second = sync.lock("a/c/0");
  const other = await sync.lock("a/c/1"); // free key: granted while a/c/0 is held
  assert.equal(await settled(second), false, "second lock on a held key must wait");
  await r1();
  const r2 = await second;
  await Promise.all([r2(), other()]);

  // Two synchronizers on the same directory (as two modules of one process would make) also serialise.
  const dir = freshDir();
  const [s1, s2] = [fileSynchronizer(dir), fileSynchronizer(dir)];
  const log: string[] = [];
  const task = (s: typeof s1, name: string) => withLock(s, "k", async () => {
    log.push(`${name}+`);
    await new Promise((r) => setTimeout(r, 20));
    log.push(`${name}-`);
  });
  await Promise.all([task(s1, "a"), task(s2, "b"), task(s1, "c")]);
  assert.equal(log.length, 6);
  for (let i = 0; i < log.length; i += 2) assert.equal(log[i].slice(0, -1), log[i + 1].slice(0, -1), `holders overlapped: ${log}`);
});

test("timeoutMs bounds the wait for a holder in this process; the abandoned turn is passed on", async () => {
  const dir = freshDir();
  const held = await fileSynchronizer(dir).lock("k");
  const impatient = fileSynchronizer(dir, { timeoutMs: 30 });
  await assert.rejects(impatient.lock("k"), (e: unknown) => e instanceof StoreError && e.key === "k" && /gave up/.test(e.message));
  await held();
  const r = await impatient.lock("k"); // would hang if the abandoned waiter kept its place
  await r();
});

test("release is idempotent and frees the lock file", async () => {
  const dir = freshDir();
  const sync = fileSynchronizer(dir);
  const release = await sync.lock("x");
  assert.ok(fs.existsSync(lockPathOf(dir, "x")));
  await release();
  await release();
  await Promise.all([release(), release()]);
  assert.equal(fs.existsSync(lockPathOf(dir, "x")), false);
  // Free for another process-level locker straight away (timeoutMs 0: no waiting allowed).
  const again = await fileSynchronizer(dir, { timeoutMs: 0 }).lock("x");
  await again();
});

test("hostile keys map to distinct single names inside the directory", async () => {
  const parent = freshDir();
  fs.mkdirSync(parent);
  const dir = path.join(parent, "locks");
  const keys = ["../x", "..", ".", "", "a/b/c", "a_b_c", "a%2Fb%2Fc", "/etc/passwd", "c\\d", "A", "a", "CON", "nul\0x", "\uD800", "\uDC00", "é", "x".repeat(2000), "x".repeat(2001)];
  const names = keys.map(lockFileName);
  for (const [i, name] of names.entries()) {
    assert.match(name, /^[A-Za-z0-9_-]{0,48}-[0-9a-f]{32}$/, `key ${JSON.stringify(keys[i])}`);
    assert.equal(path.dirname(lockPathOf(dir, keys[i])), path.resolve(dir));
  }
  assert.equal(new Set(names.map((s) => s.toLowerCase())).size, keys.length, "names must differ even on case-insensitive file systems");
  const sync = fileSynchronizer(dir);
  const releases = await Promise.all(keys.map((k) => sync.lock(k)));
  assert.deepEqual(fs.readdirSync(dir).sort(), names.map((s) => `${s}.lock`).sort());
  assert.deepEqual(fs.readdirSync(parent), ["locks"], "nothing created beside the lock directory");
  await Promise.all(releases.map((r) => r()));
  assert.deepEqual(fs.readdirSync(dir), []);
});

test("bad options and keys give typed errors", async () => {
  assert.throws(() => fileSynchronizer(freshDir(), { staleMs: 100 }), ZarrError);
  assert.throws(() => fileSynchronizer(freshDir(), { pollMs: -1 }), ZarrError);
  assert.throws(() => fileSynchronizer(""), ZarrError);
  await assert.rejects(fileSynchronizer(freshDir()).lock(7 as unknown as string), StoreError);
  const file = path.join(tmp, "a-file");
  fs.writeFileSync(file, "");
  await assert.rejects(fileSynchronizer(file).lock("k"), StoreError); // the lock directory is a file
});

async function lostLock(): Promise<void> {
  const dir = freshDir();
  const sync = fileSynchronizer(dir, { staleMs: 2000 });
  const release = await sync.lock("c/0");
  fs.rmdirSync(lockPathOf(dir, "c/0")); // as another process would after wrongly judging it stale
  await new Promise((r) => setTimeout(r, 2000)); // the holder's 1 s mtime refresh notices
  await assert.rejects(release(), (e: unknown) => e instanceof StoreError && e.key === "c/0" && /lost/.test(e.message));
  const again = await sync.lock("c/0"); // the in-process queue was freed all the same
  await again();
}

async function staleTakeover(): Promise<void> {
  const dir = freshDir();
  const child = spawnWriter(["hold", dir, "arr/0.0", "2000"]);
  try {
    await waitLine(child, "locked");
    const sync = fileSynchronizer(dir, { staleMs: 2000, timeoutMs: 8000 });
    await assert.rejects(fileSynchronizer(dir, { staleMs: 2000, timeoutMs: 300 }).lock("arr/0.0"), StoreError);
    child.kill("SIGKILL");
    await exited(child);
    assert.ok(fs.existsSync(lockPathOf(dir, "arr/0.0")), "SIGKILL leaves the lock behind");
    const release = await sync.lock("arr/0.0"); // waits out staleMs, then takes over
    await release();
  } finally {
    child.kill("SIGKILL");
  }
}

/**
 * Four writer processes start together; writer c sets the elements `elements[c]` (each to
 * index + 1, one `set` per element). Writers 0 and 2 pass the synchronizer to `set`, 1 and 3
 * to `openArray`. Returns the array afterwards.
 */
async function race(lockDir: string | undefined, create: CreateArrayOptions, elements: number[][]): Promise<Int32Array> {
  const root = freshDir();
  const store = await openFsStore(root, { create: true });
  await createArray(store, "", create);
  const children = elements.map((list, c) => spawnWriter(["write", root, lockDir ?? "-", c % 2 ? "open" : "set", list.join(","), "15"]));
  try {
    await Promise.all(children.map((c) => waitLine(c, "ready")));
    const done = children.map((c) => waitLine(c, "done"));
    for (const c of children) c.stdin.write("go\n");
    await Promise.all(done);
  } finally {
    for (const c of children) c.kill("SIGKILL");
  }
  const { data } = await get(await openArray(store));
  return data as Int32Array;
}

const oneV2Chunk: CreateArrayOptions = { zarrFormat: 2, shape: [64], chunks: [64], dtype: "<i4", fillValue: 0, compressor: null };
// Writer c sets 16 elements, interleaved with the others', all in the one chunk "0".
const interleaved = [0, 1, 2, 3].map((c) => Array.from({ length: 16 }, (_, j) => j * 4 + c));

async function lostUpdates(): Promise<void> {
  const unlocked = await race(undefined, oneV2Chunk, interleaved);
  const kept = unlocked.filter((v) => v !== 0).length;
  assert.ok(kept < 64, `expected lost updates without a lock, got all ${kept}`);

  const locked = await race(path.join(tmp, "locks"), oneV2Chunk, interleaved);
  assert.deepEqual([...locked], Array.from({ length: 64 }, (_, i) => i + 1));
}

async function shardLock(): Promise<void> {
  // Writer c only touches inner chunk c; a lock per inner chunk would let them overwrite each other's shard.
  const sharded: CreateArrayOptions = { zarrFormat: 3, shape: [64], chunks: [16], shards: [64], dtype: "int32", fillValue: 0 };
  const perInner = [0, 1, 2, 3].map((c) => [0, 1, 2, 3].map((j) => c * 16 + j));
  const got = await race(path.join(tmp, "locks-sharded"), sharded, perInner);
  assert.deepEqual([...got], Array.from({ length: 64 }, (_, i) => (i % 16 < 4 ? i + 1 : 0)));
}

// The cases with child processes or proper-lockfile's timers mostly wait: run them side by side.
test("across processes", { concurrency: true }, async (t) => {
  await Promise.all([
    t.test("a lock held by another process excludes; after SIGKILL it is taken over once stale", staleTakeover),
    t.test("a lock removed under its holder is reported lost at release", lostLock),
    t.test("partial writes of one chunk from four processes: lost without the synchronizer, all kept with it", lostUpdates),
    t.test("sharded array: writers of different inner chunks of one shard lock the shard", shardLock),
  ]);
});
