/**
 * importHdf5's failures and options, on small files h5py writes in the test run: missing
 * file, non-HDF5 file, missing path, each unsupported dataset type (padded and big-endian
 * compounds, references, subarray types, vlen sequences, null dataspace, a plugin filter) as
 * a typed error naming the dataset before anything is written, `skipUnsupported`, invalid
 * UTF-8 in a UTF-8 string dataset, an existing target with and without `overwrite`, abort
 * before and during the copy, a bad chunks override, `pool: null`, and the chunks and
 * compressor callbacks.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { get } from "../../src/array/access.js";
import { openArray } from "../../src/array/node.js";
import { ChunkError, NodeNotFoundError, SelectionError, StoreError, UnsupportedError, ZarrError } from "../../src/format/errors.js";
import { importHdf5, type Hdf5ImportDataset } from "../../src/io/hdf5-import.js";
import { createPool, type ChunkPool } from "../../src/runtime/pool.js";
import { createMemoryStore } from "../../src/stores/memory.js";
import type { Store } from "../../src/stores/types.js";

const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
const hasH5py = spawnSync(PYTHON, ["-c", "import h5py"]).status === 0;
const skip = hasH5py ? false : `h5py is not installed for ${PYTHON}`;

const GENERATE = String.raw`
import os, sys
import h5py, numpy as np
out = sys.argv[1]
with h5py.File(os.path.join(out, "bad.h5"), "w") as f:
    f.attrs["kind"] = "bad"
    f.create_dataset("good/x", data=np.arange(10, dtype="<i4"), chunks=(4,))
    f.create_dataset("good/s", data=["a", "\u00e9", ""], dtype=h5py.string_dtype())
    f.create_dataset("good/big", data=np.arange(40000, dtype="<i4").reshape(400, 100), chunks=(50, 100))
    f.create_dataset("padded", data=np.zeros(3, dtype=np.dtype([("a", "i1"), ("b", "<f8")], align=True)))
    f.create_dataset("be_record", data=np.zeros(3, dtype=[("a", ">i4"), ("b", "<f8")]))
    refs = f.create_dataset("refs", shape=(2,), dtype=h5py.ref_dtype)
    refs[0] = f["good/x"].ref
    f.create_dataset("subarray", shape=(2,), dtype=np.dtype("(3,)i4"))
    vl = f.create_dataset("vlen_int", shape=(2,), dtype=h5py.vlen_dtype(np.dtype("<i4")))
    vl[0] = np.arange(3, dtype="<i4")
    f.create_dataset("null", data=h5py.Empty("<f4"))
    f.create_dataset("lzf", data=np.arange(10), chunks=(5,), compression="lzf")
with h5py.File(os.path.join(out, "utf8.h5"), "w") as f:
    f.create_dataset("names", data=np.array([b"ok", b"caf\xe9"], dtype=object), dtype=h5py.string_dtype("utf-8"))
`;

const UNSUPPORTED: [string, RegExp][] = [
  ["padded", /compound with padding/],
  ["be_record", /big-endian/],
  ["refs", /reference/],
  ["subarray", /array/],
  ["vlen_int", /variable-length/],
  ["null", /null dataspace/],
  ["lzf", /HDF5 filter: lzf/],
];

let dir = "";
let bad = "";
let pool: ChunkPool;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "zarrflow-h5import-err-"));
  // One thread (its h5wasm is slow to start under tsx), kept warm; parallel copies are tested in hdf5-import.test.ts.
  pool = createPool({ threads: 1, idleTimeout: 60_000 });
  bad = join(dir, "bad.h5");
  if (hasH5py) execFileSync(PYTHON, ["-c", GENERATE, dir], { stdio: ["ignore", "inherit", "inherit"] });
});

after(async () => {
  await pool.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function keys(store: Store): Promise<string[]> {
  const out: string[] = [];
  for await (const k of store.list("")) out.push(k);
  return out.sort();
}

test("missing file, non-HDF5 file, missing path, remote location: typed errors, nothing written", { skip }, async () => {
  const store = createMemoryStore();
  const t = { store, path: "" };
  await assert.rejects(importHdf5(join(dir, "missing.h5"), t, { pool }), (e: unknown) => e instanceof StoreError && /missing\.h5/.test(e.message) && /no such file/.test(e.message));
  writeFileSync(join(dir, "text.h5"), "not an HDF5 file\n".repeat(64));
  await assert.rejects(importHdf5(join(dir, "text.h5"), t, { pool }), (e: unknown) => e instanceof StoreError && /not an HDF5 file/.test(e.message));
  await assert.rejects(importHdf5(`${bad}#good/nope`, t, { pool }), (e: unknown) => e instanceof NodeNotFoundError && e.message.includes("bad.h5#good/nope"));
  await assert.rejects(importHdf5("http://127.0.0.1:9/x.h5#a", t, { pool }), UnsupportedError);
  assert.deepEqual(await keys(store), []);
});

test("every unsupported dataset type is an UnsupportedError naming it, raised before anything is written", { skip }, async () => {
  for (const [path, why] of UNSUPPORTED) {
    const store = createMemoryStore();
    await assert.rejects(importHdf5(`${bad}#${path}`, { store, path: "x" }, { pool }),
      (e: unknown) => e instanceof UnsupportedError && e.message.includes(`bad.h5#${path}`) && why.test(e.message), path);
    assert.deepEqual(await keys(store), [], path);
  }
  const store = createMemoryStore();
  await assert.rejects(importHdf5(bad, { store, path: "" }, { pool }), UnsupportedError);
  assert.deepEqual(await keys(store), [], "a whole-file import refuses before writing");
});

test("skipUnsupported imports the rest and lists what it left out", { skip }, async () => {
  const store = createMemoryStore();
  const s = await importHdf5(bad, { store, path: "imp" }, { pool, skipUnsupported: true });
  assert.deepEqual([s.arrays, s.groups], [3, 2]);
  const skipped = new Map(s.skipped.map((x) => [x.path, x.reason]));
  for (const [path, why] of UNSUPPORTED) assert.match(skipped.get(path) ?? "", why, path);
  assert.deepEqual([...(await get(await openArray(store, "imp/good/x"))).data as Int32Array], Array.from({ length: 10 }, (_, i) => i));
  assert.deepEqual((await get(await openArray(store, "imp/good/s"))).data, ["a", "é", ""]);
  assert.ok(!(await keys(store)).some((k) => k.startsWith("imp/padded")));
});

test("invalid UTF-8 in a UTF-8 string dataset is a ChunkError naming it", { skip }, async () => {
  await assert.rejects(importHdf5(join(dir, "utf8.h5"), { store: createMemoryStore(), path: "" }, { pool }),
    (e: unknown) => e instanceof ChunkError && e.message.includes("utf8.h5#names") && /not valid UTF-8/.test(e.message));
});

test("an existing target needs overwrite; overwrite replaces it", { skip }, async () => {
  const store = createMemoryStore();
  await importHdf5(`${bad}#good`, { store, path: "g" }, { pool, skipUnsupported: true });
  await store.set("g/stale/.zarray", new TextEncoder().encode("{}"));
  await assert.rejects(importHdf5(`${bad}#good`, { store, path: "g" }, { pool }), (e: unknown) => e instanceof ZarrError && /already exists/.test(e.message));
  await importHdf5(`${bad}#good/x`, { store, path: "g" }, { pool, overwrite: true });
  assert.ok(!(await keys(store)).includes("g/stale/.zarray"), "the old node is gone");
  assert.equal((await openArray(store, "g")).meta.shape[0], 10);
});

test("abort before and during the copy rejects with AbortError; the pool carries on", { skip }, async () => {
  const before = new AbortController();
  before.abort();
  await assert.rejects(importHdf5(bad, { store: createMemoryStore(), path: "" }, { pool, signal: before.signal, skipUnsupported: true }), { name: "AbortError" });
  const during = new AbortController();
  let seen = 0;
  await assert.rejects(importHdf5(`${bad}#good/big`, { store: createMemoryStore(), path: "" }, {
    pool, signal: during.signal, onProgress: () => { if (++seen === 1) during.abort(); },
  }), { name: "AbortError" });
  assert.ok(seen < 8, `stopped after ${seen} of 8 chunks`);
  const store = createMemoryStore();
  await importHdf5(`${bad}#good/big`, { store, path: "" }, { pool });
  const v = (await get(await openArray(store, ""))).data as Int32Array;
  assert.deepEqual([v.length, v[0], v[39999]], [40000, 0, 39999]);
});

test("bounded memory: at most 2 × threads chunks are in flight, whatever the number of chunks", { skip }, async () => {
  let most = 0;
  let calls = 0;
  const store = createMemoryStore();
  await importHdf5(`${bad}#good/big`, { store, path: "" }, {
    pool, chunks: [10, 100], onProgress: () => { calls++; most = Math.max(most, pool.pending()); },
  });
  assert.equal(calls, 40);
  assert.ok(most <= 2 * pool.threads, `${most} pool tasks pending at once`);
  const v = (await get(await openArray(store, ""))).data as Int32Array;
  assert.deepEqual([v.length, v[20000], v[39999]], [40000, 20000, 39999]);
});

test("chunks and compressor options: callbacks, a bad override, pool: null", { skip }, async () => {
  await assert.rejects(importHdf5(`${bad}#good/x`, { store: createMemoryStore(), path: "" }, { pool, chunks: [2, 2] }),
    (e: unknown) => e instanceof SelectionError && e.message.includes("bad.h5#good/x"));
  const seen: Hdf5ImportDataset[] = [];
  const store = createMemoryStore();
  const s = await importHdf5(`${bad}#good`, { store, path: "" }, {
    pool: null, zarrFormat: 3,
    chunks: (d) => { seen.push(d); return d.path === "good/big" ? [100, 100] : undefined; },
    compressor: (d) => (d.dtype.kind === "int" ? null : undefined),
  });
  assert.equal(s.arrays, 3);
  assert.deepEqual(seen.map((d) => [d.path, d.hdf5Chunks]).sort(), [["good/big", [50, 100]], ["good/s", null], ["good/x", [4]]]);
  const big = await openArray(store, "big");
  assert.deepEqual(big.meta.chunkShape, [100, 100]);
  assert.ok(!JSON.stringify(big.meta.codecs).includes("blosc"), "compressor null: no compressor");
  assert.ok(JSON.stringify((await openArray(store, "s")).meta.codecs).includes("blosc"), "undefined keeps the default");
  const v = (await get(big)).data as Int32Array;
  assert.deepEqual([v[0], v[12345], v[39999]], [0, 12345, 39999]);
});
