/**
 * readHdf5Layout on hostile input: files that are not HDF5, truncated copies (cut at many
 * offsets, also with the end-of-file address patched so the parser meets the cut inside a
 * structure), flipped bytes in every checksummed structure, random corruption of metadata,
 * missing paths and groups given as datasets. Each must end with a typed error (or, where the
 * damage misses what the dataset needs, the very same answer as the intact file): never a
 * RangeError, a hang or a different answer.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { MetadataError, NodeNotFoundError, StoreError, UnsupportedError } from "../../src/format/errors.js";
import { lookup3 } from "../../src/hdf5/checksum.js";
import { readHdf5Layout, type Hdf5DatasetLayout } from "../../src/hdf5/index.js";
import { prng } from "../prng.js";
import { makeFiles, skipNoH5py as skip, tempDir } from "./expect.js";

let dir = "";
const PATHS = { earliest: ["g/d"], latest: ["g/d", "g/ea", "g/bt2", "g/x5"] } as const;
type Kind = keyof typeof PATHS;
const original: Record<string, Hdf5DatasetLayout> = {};
const bytes: Record<Kind, Uint8Array> = { earliest: new Uint8Array(0), latest: new Uint8Array(0) };

before(() => {
  dir = tempDir("hostile");
  if (skip) return;
  makeFiles("hostile", dir);
  for (const kind of ["earliest", "latest"] as const) {
    bytes[kind] = new Uint8Array(readFileSync(join(dir, `${kind}-small.h5`)));
    for (const p of PATHS[kind]) original[`${kind}:${p}`] = readHdf5Layout(join(dir, `${kind}-small.h5`), p);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

type Outcome = "same" | MetadataError | UnsupportedError | NodeNotFoundError;

/** Read `path` from `data` written to a file: the same answer as the intact file, or a typed error. */
function outcome(kind: Kind, data: Uint8Array, path: string, what: string): Outcome {
  const file = join(dir, "damaged.h5");
  writeFileSync(file, data);
  let l: Hdf5DatasetLayout;
  try {
    l = readHdf5Layout(file, path);
  } catch (e) {
    if (e instanceof MetadataError || e instanceof UnsupportedError || e instanceof NodeNotFoundError) {
      assert.ok(e.message.startsWith(`${file}#${path}: `), `${what}: the error names file#dataset: ${e.message}`);
      return e;
    }
    throw new Error(`${what}: ${path} failed with an untyped error`, { cause: e });
  }
  assert.deepEqual(l, original[`${kind}:${path}`], `${what}: ${path} read without error must give the intact answer`);
  return "same";
}

test("files that are not HDF5: empty, text, random bytes, a signature followed by garbage; a missing file", { skip }, () => {
  const rand = prng(5);
  const noise = Uint8Array.from({ length: 5000 }, () => Math.floor(rand() * 256));
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["text", new TextEncoder().encode("this is not HDF5\n".repeat(100))],
    ["noise", noise],
    ["signature + garbage", Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, ...noise.subarray(0, 200)])],
    ["signature at 512 + garbage", Uint8Array.from([...noise.subarray(0, 512), 0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, ...noise.subarray(0, 300)])],
  ];
  for (const [what, data] of cases) {
    const r = outcome("earliest", data, "g/d", what);
    assert.ok(r instanceof MetadataError, `${what}: MetadataError`);
  }
  assert.match((outcome("earliest", cases[1][1], "g/d", "text") as Error).message, /not an HDF5 file/);
  assert.throws(() => readHdf5Layout(join(dir, "no-such-file.h5"), "g/d"), StoreError);
  assert.throws(() => readHdf5Layout(dir, "g/d"), (e: unknown) => e instanceof StoreError && /not a regular file/.test(e.message));
});

test("missing paths and groups given as datasets (old-style and dense groups)", { skip }, () => {
  for (const kind of ["earliest", "latest"] as const) {
    const file = join(dir, `${kind}-small.h5`);
    assert.throws(() => readHdf5Layout(file, "g/missing"), NodeNotFoundError);
    assert.throws(() => readHdf5Layout(file, "nothing/here"), NodeNotFoundError);
    assert.throws(() => readHdf5Layout(file, "g"), (e: unknown) => e instanceof NodeNotFoundError && /is a group, not a dataset/.test(e.message));
    assert.throws(() => readHdf5Layout(file, "g/d/x"), (e: unknown) => e instanceof NodeNotFoundError && /"g\/d" is not a group/.test(e.message));
  }
});

/** Offsets to cut at: every 8 bytes of the first 4 KiB, then 120 spread over the rest. */
function cuts(size: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < Math.min(4096, size); c += 8) out.push(c);
  for (let i = 0; i < 120; i++) out.push(4096 + Math.floor(((size - 4096) * i) / 120));
  return out.filter((c) => c < size);
}

/** A copy cut at `n` whose superblock claims that size, so parsing meets the cut in a later structure. */
function cutAndPatch(kind: Kind, n: number): Uint8Array {
  const b = bytes[kind].slice(0, n);
  if (n < 48) return b;
  const view = new DataView(b.buffer);
  if (kind === "earliest") view.setBigUint64(40, BigInt(n), true); // v0: end-of-file address
  else {
    view.setBigUint64(28, BigInt(n), true); // v2/v3: end-of-file address, then the checksum
    view.setUint32(44, lookup3(b.subarray(0, 44)), true);
  }
  return b;
}

test("truncated copies give MetadataError (or, cut after all it needs, the intact answer)", { skip }, () => {
  let errors = 0;
  let deep = 0;
  for (const kind of ["earliest", "latest"] as const) {
    for (const n of cuts(bytes[kind].length)) {
      for (const path of PATHS[kind]) {
        const plain = outcome(kind, bytes[kind].slice(0, n), path, `${kind} cut at ${n}`);
        assert.ok(plain instanceof MetadataError, `${kind} cut at ${n}: ${path} gives MetadataError`);
        errors++;
        const patched = outcome(kind, cutAndPatch(kind, n), path, `${kind} cut at ${n} (end-of-file patched)`);
        assert.ok(patched === "same" || patched instanceof MetadataError, `${kind} cut at ${n} (patched): ${path}: ${String(patched)}`);
        if (patched instanceof MetadataError && /outside the file|truncated/.test(patched.message) && !/superblock says/.test(patched.message)) deep++;
      }
    }
  }
  assert.ok(errors > 1000);
  assert.ok(deep > 500, `${deep} cuts were met inside structures`);
});

/** Positions of 4-byte signatures of checksummed structures in `b`. */
function signatures(b: Uint8Array): { sig: string; at: number }[] {
  const names = ["OHDR", "OCHK", "BTHD", "BTIN", "BTLF", "FAHD", "FADB", "EAHD", "EAIB", "EASB", "EADB", "FRHP", "FHIB"];
  const out: { sig: string; at: number }[] = [];
  for (let i = 0; i + 4 <= b.length; i++) {
    const s = String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]);
    if (names.includes(s)) out.push({ sig: s, at: i });
  }
  return out;
}

test("a flipped byte in any checksummed structure is a checksum error, never a different answer", { skip }, () => {
  const b = bytes.latest;
  const found = [{ sig: "superblock", at: 0 }, ...signatures(b)];
  assert.ok(found.length > 25, `${found.length} structures`);
  const caught = new Set<string>();
  for (const { sig, at } of found) {
    // A byte past the fixed prefix, inside the checksummed part of every structure here.
    const pos = at + (sig === "superblock" ? 20 : 14);
    const damaged = b.slice();
    damaged[pos] ^= 0x5a;
    for (const path of PATHS.latest) {
      const r = outcome("latest", damaged, path, `${sig} at ${at} flipped at ${pos}`);
      assert.ok(r === "same" || r instanceof MetadataError, `${sig} at ${at}: ${path}: ${String(r)}`);
      if (r instanceof MetadataError && /checksum mismatch/.test(r.message)) caught.add(sig);
    }
  }
  for (const sig of ["superblock", "OHDR", "BTHD", "BTLF", "FAHD", "FADB", "EAHD", "EAIB", "FRHP"]) assert.ok(caught.has(sig), `a flip in ${sig} is caught by its checksum (caught: ${[...caught]})`);
});

/** Random corruption of bytes near the start and around every structure signature. */
function fuzz(kind: Kind, rounds: number, seed: number, same: boolean): void {
  const rand = prng(seed);
  const b = bytes[kind];
  const old = ["TREE", "SNOD", "HEAP"].flatMap((s) => [...b.keys()].filter((i) => String.fromCharCode(b[i], b[i + 1], b[i + 2], b[i + 3]) === s));
  const starts = [0, ...old, ...signatures(b).map((s) => s.at)];
  for (let r = 0; r < rounds; r++) {
    const damaged = b.slice();
    const flips = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < flips; k++) {
      const pos = Math.min(b.length - 1, starts[Math.floor(rand() * starts.length)] + Math.floor(rand() * 400));
      damaged[pos] = Math.floor(rand() * 256);
    }
    for (const path of PATHS[kind]) {
      const file = join(dir, "damaged.h5");
      writeFileSync(file, damaged);
      try {
        const l = readHdf5Layout(file, path);
        // Version-2 metadata is checksummed: damage it survives must not change the answer.
        if (same) assert.deepEqual(l, original[`${kind}:${path}`], `${kind} round ${r}: ${path}`);
      } catch (e) {
        if (!(e instanceof MetadataError || e instanceof UnsupportedError || e instanceof NodeNotFoundError)) throw new Error(`${kind} round ${r}: ${path}: untyped error`, { cause: e });
      }
    }
  }
}

test("random corruption of metadata: typed errors only (and, in checksummed files, never a different answer)", { skip }, () => {
  fuzz("earliest", 400, 1, false);
  fuzz("latest", 250, 2, true);
});
