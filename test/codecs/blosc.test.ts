/**
 * Blosc1 codec tests. The key evidence is the cross-test against numcodecs 0.11
 * (c-blosc 1.21): every cname × shuffle × typesize × blocksize × data shape is
 * (a) encoded by numcodecs and decoded here, and (b) encoded here and decoded by numcodecs,
 * both compared byte for byte with the input; header choices (block size, split, memcpy,
 * flags) are compared too. All Python work runs in one invocation.
 */
import { prng as rng } from "../prng.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { blosc, bloscV3 } from "../../src/codecs/blosc/codec.js";
import { decodeFrame, encodeFrame, parseHeader, computeBlocksize } from "../../src/codecs/blosc/container.js";
import { blockCodec, CNAMES, type Cname } from "../../src/codecs/blosc/cnames.js";
import { bitShuffle, bitUnshuffle, byteShuffle, byteUnshuffle } from "../../src/codecs/blosc/shuffle.js";
import { blosclzCompress, blosclzDecompress } from "../../src/codecs/blosc/blosclz.js";
import { CodecError } from "../../src/format/errors.js";
import type { DataType } from "../../src/format/dtype.js";
import type { CodecContext } from "../../src/codecs/types.js";

const PY = process.env.PYTHON ?? "/usr/bin/python3";


/** Little-endian elements of `ts` bytes following a slow signal plus 1-bit noise (typical sensor data). */
function smooth(len: number, ts: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(len);
  for (let i = 0; i * ts < len; i++) {
    let v = 40000 + Math.round(500 * Math.sin(i / 2000)) + (r() < 0.2 ? 1 : 0);
    for (let b = 0; b < ts && i * ts + b < len; b++) {
      out[i * ts + b] = v & 255;
      v = Math.floor(v / 256);
    }
  }
  return out;
}

function random(len: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = (r() * 256) | 0;
  return out;
}

const SHAPES: Record<string, (ts: number) => Uint8Array> = {
  empty: () => new Uint8Array(0),
  tiny: (ts) => smooth(50, ts, 1), // below 128 bytes: always memcpyed
  small: (ts) => smooth(1000 - (1000 % ts), ts, 2), // less than one block
  odd: (ts) => smooth(10007, ts, 3), // 10007 is prime: never a whole number of elements
  random: (ts) => random(36000 - (36000 % ts), 4),
  smooth: (ts) => smooth(150000 - (150000 % ts), ts, 5), // several blocks plus a leftover
  large: (ts) => smooth(2500000 - (2500000 % ts), ts, 6), // beyond the 1 MiB block cap
};
/** Shapes of the full grid ("large" only runs in a few extra cases). */
const GRID_SHAPES = ["empty", "tiny", "small", "odd", "random", "smooth"];

const TYPESIZES = [1, 2, 4, 8, 3, 7];
const BLOCKSIZES = [0, 256, 3001];

interface Case {
  id: string;
  shape: string;
  cname: Cname;
  clevel: number;
  /** numcodecs shuffle code, -1 = AUTOSHUFFLE. */
  shuffle: number;
  typesize: number;
  blocksize: number;
}

function buildCases(): Case[] {
  const cases: Case[] = [];
  const add = (c: Omit<Case, "id">) => cases.push({ ...c, id: `c${cases.length}` });
  for (const cname of CNAMES)
    for (const shuffle of [0, 1, 2])
      for (const typesize of TYPESIZES)
        for (const blocksize of BLOCKSIZES)
          for (const shape of GRID_SHAPES) add({ shape, cname, clevel: 5, shuffle, typesize, blocksize });
  // Every clevel's automatic block size, plus AUTOSHUFFLE.
  for (const cname of CNAMES) {
    for (const clevel of [0, 1, 2, 3, 4, 6, 8, 9])
      for (const typesize of [1, 4])
        for (const shuffle of [1, 2]) add({ shape: "smooth", cname, clevel, shuffle, typesize, blocksize: 0 });
    for (const typesize of [1, 2, 4]) add({ shape: "smooth", cname, clevel: 5, shuffle: -1, typesize, blocksize: 0 });
    // Never split (> 16), treated as a byte stream (> 255), and frames beyond 1 MiB blocks.
    for (const typesize of [16, 17, 300])
      for (const shuffle of [1, 2]) add({ shape: "smooth", cname, clevel: 5, shuffle, typesize, blocksize: 0 });
    for (const typesize of [2, 16]) add({ shape: "large", cname, clevel: 5, shuffle: 1, typesize, blocksize: 0 });
  }
  return cases;
}

const rawDtype = (ts: number): DataType => ({ kind: "raw", size: ts });
const ctx = (dtype: DataType): CodecContext => ({ spec: { shape: [1], dtype, fillValue: null }, zarrFormat: 2 });

const PY_SCRIPT = String.raw`
import json, os, sys
import numpy as np
import numcodecs, blosc as pyblosc
from numcodecs import Blosc
import numcodecs.blosc as nb
assert numcodecs.__version__.startswith("0.11"), numcodecs.__version__
nb.use_threads = False
nb.set_nthreads(1)
pyblosc.set_nthreads(1)
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
res = {}
for c in m["cases"]:
    data = open(os.path.join(d, c["input"]), "rb").read()
    ts = c["typesize"]
    r = {}
    if len(data) % ts == 0:
        arr = np.frombuffer(data, dtype="V%d" % ts) if ts > 1 else np.frombuffer(data, dtype="u1")
        enc = Blosc(cname=c["cname"], clevel=c["clevel"], shuffle=c["shuffle"], blocksize=c["blocksize"]).encode(arr)
    else:
        # numpy buffers are whole elements; python-blosc (same libblosc) takes any length.
        pyblosc.set_blocksize(c["blocksize"])
        enc = pyblosc.compress(data, typesize=ts, clevel=c["clevel"], shuffle=c["shuffle"], cname=c["cname"])
        pyblosc.set_blocksize(0)
    open(os.path.join(d, c["id"] + ".nc"), "wb").write(bytes(enc))
    ours = open(os.path.join(d, c["id"] + ".js"), "rb").read()
    try:
        dec = nb.decompress(ours)
        r["ok"] = bytes(dec) == data
        if not r["ok"]:
            r["err"] = "mismatch: %d vs %d bytes" % (len(dec), len(data))
    except Exception as e:
        r["ok"] = False
        r["err"] = repr(e)
    res[c["id"]] = r
json.dump(res, open(os.path.join(d, "results.json"), "w"))
`;

function runPython(script: string, dir: string): void {
  const p = spawnSync(PY, ["-c", script, dir], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (p.error) throw p.error;
  assert.equal(p.status, 0, `python failed (numcodecs 0.11 and python3-blosc are required):\n${p.stderr}`);
}

test("cross-test against numcodecs.Blosc in both directions", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-blosc-"));
  try {
    const cases = buildCases();
    const inputs = new Map<string, Uint8Array>();
    for (const c of cases) {
      const name = `${c.shape}-${c.typesize}.bin`;
      if (!inputs.has(name)) {
        inputs.set(name, SHAPES[c.shape](c.typesize));
        fs.writeFileSync(path.join(dir, name), inputs.get(name)!);
      }
    }
    const manifest = cases.map((c) => ({ ...c, input: `${c.shape}-${c.typesize}.bin` }));
    // (b) our encodings, for numcodecs to decode.
    for (const c of manifest) {
      const codec = blosc({ cname: c.cname, clevel: c.clevel, shuffle: c.shuffle, blocksize: c.blocksize }, ctx(rawDtype(c.typesize)));
      if (codec.kind !== "bytes-to-bytes") throw new Error("blosc must be bytes-to-bytes");
      fs.writeFileSync(path.join(dir, `${c.id}.js`), await codec.encode(inputs.get(c.input)!));
    }
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify({ cases: manifest }));
    runPython(PY_SCRIPT, dir);
    const results = JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8")) as Record<string, { ok: boolean; err?: string }>;

    const failures: string[] = [];
    const headerDiffs: string[] = [];
    let decodedTheirs = 0, decodedOurs = 0, memcpyed = 0, compressed = 0, memcpyDiffers = 0;
    for (const c of manifest) {
      const label = `${c.id} ${c.cname} clevel=${c.clevel} shuffle=${c.shuffle} ts=${c.typesize} bs=${c.blocksize} ${c.shape}`;
      const input = inputs.get(c.input)!;
      const theirs = new Uint8Array(fs.readFileSync(path.join(dir, `${c.id}.nc`)));
      const ours = new Uint8Array(fs.readFileSync(path.join(dir, `${c.id}.js`)));
      // (a) numcodecs → us, decoding straight into a caller-provided buffer.
      try {
        const out = new Uint8Array(input.length);
        const got = decodeFrame(theirs, out);
        assert.equal(got, out);
        if (Buffer.compare(got, input) !== 0) failures.push(`${label}: decoding numcodecs' frame gave different bytes`);
        else decodedTheirs++;
      } catch (e) {
        failures.push(`${label}: decoding numcodecs' frame threw ${(e as Error).message}`);
      }
      // (b) us → numcodecs. numcodecs cannot decode empty frames at all (c-blosc returns 0),
      // so for empty input our frame must equal theirs byte for byte instead.
      if (c.shape === "empty") {
        if (Buffer.compare(ours, theirs) !== 0) failures.push(`${label}: empty frame differs from numcodecs'`);
        else decodedOurs++;
      } else if (!results[c.id].ok) {
        failures.push(`${label}: numcodecs could not decode our frame: ${results[c.id].err}`);
      } else decodedOurs++;
      // Same header decisions: version bytes, flags (shuffle, split, format), typesize, nbytes, blocksize.
      const a = parseHeader(ours), b = parseHeader(theirs);
      if ((a.flags & ~2) !== (b.flags & ~2) || a.typesize !== b.typesize || a.nbytes !== b.nbytes || a.blocksize !== b.blocksize || a.version !== b.version || a.versionlz !== b.versionlz)
        headerDiffs.push(`${label}: ours ${JSON.stringify(a)} numcodecs ${JSON.stringify(b)}`);
      // The memcpy fallback depends on how well each compressor did, which legitimately differs
      // on borderline data (Node's zlib fork, lz4_flex, plain LZ4 for lz4hc, our BloscLZ); it must
      // agree whenever c-blosc's rule is data-independent: clevel 0, < 128 bytes, random data.
      if ((a.flags & 2) !== (b.flags & 2)) {
        if (c.clevel === 0 || ["empty", "tiny", "random"].includes(c.shape)) headerDiffs.push(`${label}: memcpy decision differs`);
        else memcpyDiffers++;
      }
      if (a.flags & 2) memcpyed++;
      else compressed++;
    }
    assert.deepEqual(failures, []);
    assert.deepEqual(headerDiffs, []);
    assert.equal(decodedTheirs, manifest.length);
    assert.equal(decodedOurs, manifest.length);
    // The grid must really exercise compressed frames, not only memcpy fallbacks.
    assert.ok(compressed > manifest.length / 3, `only ${compressed} of ${manifest.length} frames were compressed`);
    assert.ok(memcpyed > 0);
    t.diagnostic(`${manifest.length} cases; ${compressed} compressed, ${memcpyed} memcpyed; ${memcpyDiffers} borderline memcpy decisions differ from c-blosc`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- unit tests

/** Naive bit shuffle straight from the layout description (c-blosc: whole block only when elements % 8 == 0). */
function refBitShuffle(src: Uint8Array, ts: number): Uint8Array {
  const n = Math.floor(src.length / ts);
  const out = src.slice();
  if (n % 8 !== 0 || n === 0) return out;
  out.fill(0, 0, n * ts);
  const rows = n / 8;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < ts; j++)
      for (let k = 0; k < 8; k++) if ((src[i * ts + j] >> k) & 1) out[(j * 8 + k) * rows + (i >> 3)] |= 1 << (i & 7);
  return out;
}

test("byte and bit shuffles match the reference layout and invert", () => {
  const r = rng(9);
  let checked = 0;
  for (const ts of [1, 2, 3, 4, 5, 7, 8, 16, 17, 255])
    for (const len of [0, 1, 7, 8, ts * 8, ts * 8 + 1, ts * 64 + 3, 999, 4096]) {
      const src = new Uint8Array(len).map(() => (r() * 256) | 0);
      const n = Math.floor(len / ts);
      const refByte = src.slice();
      for (let i = 0; i < n; i++) for (let j = 0; j < ts; j++) refByte[j * n + i] = src[i * ts + j];
      const a = new Uint8Array(len);
      byteShuffle(src, a, ts);
      assert.deepEqual(a, refByte, `byteShuffle ts=${ts} len=${len}`);
      const b = new Uint8Array(len);
      byteUnshuffle(a, b, ts);
      assert.deepEqual(b, src);
      const c = new Uint8Array(len);
      bitShuffle(src, c, ts);
      assert.deepEqual(c, refBitShuffle(src, ts), `bitShuffle ts=${ts} len=${len}`);
      const d = new Uint8Array(len);
      bitUnshuffle(c, d, ts);
      assert.deepEqual(d, src);
      checked++;
    }
  assert.equal(checked, 90);
});

test("shuffles work on unaligned views", () => {
  const backing = new Uint8Array(1 + 4096);
  const src = backing.subarray(1);
  src.set(random(4096, 3));
  for (const ts of [2, 4, 8]) {
    const sh = new Uint8Array(4097).subarray(1);
    byteShuffle(src, sh, ts);
    const back = new Uint8Array(4097).subarray(1);
    byteUnshuffle(sh, back, ts);
    assert.deepEqual(back, src);
  }
});

test("blosclz round-trips and rejects corrupt streams with CodecError", () => {
  for (const [i, data] of [smooth(70000, 2, 1), Uint8Array.from({ length: 300 }, (_, i) => "abcabcabdabcabxyz".charCodeAt(i % 17)), new Uint8Array(5000).fill(7), random(2000, 3)].entries()) {
    const dst = new Uint8Array(data.length);
    const n = blosclzCompress(data, dst, 5);
    if (i === 3) {
      assert.equal(n, 0, "random data must be reported incompressible");
      continue;
    }
    assert.ok(n > 0 && n < data.length);
    const back = new Uint8Array(data.length);
    assert.equal(blosclzDecompress(dst.subarray(0, n), back), data.length);
    assert.deepEqual(back, data);
    for (const cut of [1, 2, n >> 1, n - 1]) {
      const out = new Uint8Array(data.length);
      let got = -1;
      try {
        got = blosclzDecompress(dst.subarray(0, cut), out);
      } catch (e) {
        assert.ok(e instanceof CodecError, String(e));
        continue;
      }
      assert.notEqual(got, data.length, `truncation to ${cut} went unnoticed`);
    }
  }
  // A match reaching before the start of the output.
  assert.throws(() => blosclzDecompress(Uint8Array.of(0, 65, 0x20 | 0x1f, 0x10, 0), new Uint8Array(100)), CodecError);
});

test("automatic block sizes follow c-blosc", () => {
  const lz4 = blockCodec("lz4"), zstd = blockCodec("zstd"), zlib = blockCodec("zlib");
  // nbytes < typesize → 1; forced sizes are clamped to ≥128, then widened for split codecs.
  assert.equal(computeBlocksize(lz4, 5, 8, 4, 0), 1);
  assert.equal(computeBlocksize(zstd, 5, 4, 1 << 20, 100), 128);
  assert.equal(computeBlocksize(lz4, 5, 2, 1 << 20, 256), 1 << 16);
  // Automatic: L1 × level factor (× 2 for HCR codecs, × 2 more at clevel 9), zstd never split.
  assert.equal(computeBlocksize(zstd, 5, 4, 1 << 24, 0), 256 * 1024);
  assert.equal(computeBlocksize(zstd, 9, 4, 1 << 24, 0), 1024 * 1024);
  assert.equal(computeBlocksize(zlib, 1, 4, 1 << 24, 0), 128 * 1024); // 32K·2/2, split → ×4
  assert.equal(computeBlocksize(lz4, 5, 4, 1 << 24, 0), 512 * 1024);
  assert.equal(computeBlocksize(lz4, 5, 3, 1000, 0), 999);
});

// ---------------------------------------------------------------- robustness

const codecs = (): Map<string, Uint8Array> => {
  const m = new Map<string, Uint8Array>();
  const data = smooth(100000, 2, 11);
  for (const cname of CNAMES) m.set(cname, encodeFrame(data, { codec: blockCodec(cname), clevel: 5, shuffle: 1, typesize: 2, blocksize: 0 }));
  m.set("memcpy", encodeFrame(data, { codec: blockCodec("lz4"), clevel: 0, shuffle: 1, typesize: 2, blocksize: 0 }));
  return m;
};

test("truncated frames give CodecError", () => {
  for (const [name, frame] of codecs()) {
    assert.equal(parseHeader(frame).flags & 2, name === "memcpy" ? 2 : 0, name);
    for (const cut of [0, 1, 15, 16, 17, 40, frame.length >> 1, frame.length - 1])
      assert.throws(() => decodeFrame(frame.subarray(0, cut)), CodecError, `${name} cut at ${cut}`);
  }
});

test("corrupt headers and payloads give CodecError, never another error", () => {
  const frames = codecs();
  const lz4 = frames.get("lz4")!;
  const patch = (f: Uint8Array, at: number, v: number[]): Uint8Array => {
    const c = f.slice();
    c.set(v, at);
    return c;
  };
  const le = (v: number) => [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
  const bad: [string, Uint8Array][] = [
    ["version 1", patch(lz4, 0, [1])],
    ["version 3", patch(lz4, 0, [3])],
    ["versionlz 2", patch(lz4, 1, [2])],
    ["reserved flag", patch(lz4, 2, [lz4[2] | 8])],
    ["format 5", patch(lz4, 2, [(lz4[2] & 0x1f) | (5 << 5)])],
    ["typesize 0", patch(lz4, 3, [0])],
    ["blocksize 0", patch(lz4, 8, le(0))],
    ["blocksize > nbytes", patch(lz4, 8, le(200000))],
    ["cbytes > input", patch(lz4, 12, le(lz4.length + 1))],
    ["cbytes < 16", patch(lz4, 12, le(3))],
    ["block start out of bounds", patch(lz4, 16, le(lz4.length))],
    ["block start inside table", patch(lz4, 16, le(16))],
    ["negative block start", patch(lz4, 16, le(0x80000000))],
    ["memcpy with wrong cbytes", patch(frames.get("memcpy")!, 12, le(100))],
  ];
  for (const [why, f] of bad) assert.throws(() => decodeFrame(f), CodecError, why);

  // Random byte flips past the header: either decodes (the flip hit a raw stream) or CodecError.
  const r = rng(77);
  let rejected = 0;
  for (const [name, frame] of frames) {
    for (let t = 0; t < 150; t++) {
      const f = frame.slice();
      const at = 16 + Math.floor(r() * (f.length - 16));
      f[at] ^= 1 + Math.floor(r() * 255);
      try {
        decodeFrame(f);
      } catch (e) {
        assert.ok(e instanceof CodecError, `${name}: flip at ${at} threw ${String(e)}`);
        rejected++;
      }
    }
  }
  assert.ok(rejected > 100, `only ${rejected} corruptions detected`);
});

test("hostile sizes are refused before allocating", () => {
  // 2 GiB declared, 4-byte blocks: the block table alone would need 2 GiB of input.
  const h = new Uint8Array(64);
  h.set([2, 1, 0x20, 1]);
  new DataView(h.buffer).setUint32(4, 2 ** 31 - 17, true);
  new DataView(h.buffer).setUint32(8, 4, true);
  new DataView(h.buffer).setUint32(12, 64, true);
  assert.throws(() => decodeFrame(h), (e) => e instanceof CodecError && /block table/.test(e.message));
  // Beyond Blosc's limit.
  new DataView(h.buffer).setUint32(4, 2 ** 32 - 1, true);
  assert.throws(() => decodeFrame(h), (e) => e instanceof CodecError && /limit/.test(e.message));
  // Memcpyed frame claiming more data than present.
  const m = new Uint8Array(32);
  m.set([2, 1, 0x02, 1]);
  new DataView(m.buffer).setUint32(4, 1 << 30, true);
  new DataView(m.buffer).setUint32(8, 1 << 16, true);
  new DataView(m.buffer).setUint32(12, (1 << 30) + 16, true);
  assert.throws(() => decodeFrame(m), (e) => e instanceof CodecError && /frame has/.test(e.message));
  // A well-formed table whose 10-byte zstd streams claim 1 GiB: refused from the stream sizes.
  const z = new Uint8Array(52);
  const zv = new DataView(z.buffer);
  z.set([2, 1, (4 << 5) | 0x10, 1]);
  zv.setUint32(4, 2 ** 30, true);
  zv.setUint32(8, 700_000_000, true);
  zv.setUint32(12, 52, true);
  zv.setUint32(16, 24, true);
  zv.setUint32(20, 38, true);
  zv.setUint32(24, 10, true);
  zv.setUint32(38, 10, true);
  assert.throws(() => decodeFrame(z), (e) => e instanceof CodecError && /cannot expand/.test(e.message));
  // A stream that decodes to more than its block is stopped at the block size.
  const data = new Uint8Array(4096).fill(1);
  for (const cname of ["lz4", "zstd", "zlib", "snappy", "blosclz"] as const) {
    const f = encodeFrame(data, { codec: blockCodec(cname), clevel: 5, shuffle: 0, typesize: 1, blocksize: 0 });
    const small = f.slice();
    new DataView(small.buffer).setUint32(4, 2048, true); // nbytes and blocksize halved, stream unchanged
    new DataView(small.buffer).setUint32(8, 2048, true);
    assert.throws(() => decodeFrame(small), CodecError, cname);
  }
});

test("decode writes into out, refuses a wrong-sized out", async () => {
  const data = smooth(50000, 4, 5);
  const codec = blosc({ cname: "zstd", clevel: 3, shuffle: 2, blocksize: 0 }, ctx({ kind: "float", bits: 32, endian: "little" }));
  assert.equal(codec.kind, "bytes-to-bytes");
  if (codec.kind !== "bytes-to-bytes") return;
  const frame = await codec.encode(data);
  assert.equal(parseHeader(frame).typesize, 4);
  assert.equal(parseHeader(frame).flags & 7, 4, "bitshuffle flag");
  const out = new Uint8Array(data.length);
  assert.equal(await codec.decode(frame, out), out);
  assert.deepEqual(out, data);
  await assert.rejects(codec.decode(frame, new Uint8Array(data.length + 1)), CodecError);
  assert.deepEqual(await codec.decode(frame), data);
});

test("configuration: defaults, AUTOSHUFFLE, v3 spelling and validation", async () => {
  const u8: DataType = { kind: "uint", bits: 8, endian: "little" };
  const i16: DataType = { kind: "int", bits: 16, endian: "little" };
  const data = smooth(20000, 2, 8);
  const flagsOf = async (c: ReturnType<typeof blosc>) => {
    if (c.kind !== "bytes-to-bytes") throw new Error("not bytes-to-bytes");
    const f = await c.encode(data);
    return parseHeader(f);
  };
  // numcodecs defaults: lz4, clevel 5, byte shuffle.
  const d = await flagsOf(blosc({}, ctx(i16)));
  assert.equal(d.flags >>> 5, 1);
  assert.equal(d.flags & 7, 1);
  assert.equal(d.typesize, 2);
  assert.equal((await flagsOf(blosc({ shuffle: -1 }, ctx(u8)))).flags & 7, 4);
  assert.equal((await flagsOf(blosc({ shuffle: -1 }, ctx(i16)))).flags & 7, 1);
  assert.equal((await flagsOf(blosc({}, ctx({ kind: "string" })))).typesize, 1);
  const v3 = await flagsOf(bloscV3({ cname: "zstd", clevel: 1, shuffle: "bitshuffle", typesize: 8, blocksize: 0 }, ctx(i16)));
  assert.deepEqual([v3.flags >>> 5, v3.flags & 7, v3.typesize], [4, 4, 8]);
  assert.equal((await flagsOf(bloscV3({ cname: "blosclz", clevel: 1, shuffle: "noshuffle" }, ctx(i16)))).typesize, 2);
  for (const conf of [{ cname: "lzma" }, { clevel: 10 }, { clevel: 1.5 }, { shuffle: 3 }, { blocksize: -1 }])
    assert.throws(() => blosc(conf, ctx(i16)), CodecError, JSON.stringify(conf));
  for (const conf of [{ cname: "lz4", clevel: 5, shuffle: 1 }, { cname: "lz4", clevel: 5, shuffle: "toString" }, { clevel: 5, shuffle: "shuffle" }])
    assert.throws(() => bloscV3(conf, ctx(i16)), CodecError, JSON.stringify(conf));
});
