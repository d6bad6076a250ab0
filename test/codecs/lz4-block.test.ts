/**
 * Raw LZ4 block decoder (src/codecs/lz4-block.ts): the WebAssembly decoder and its
 * JavaScript twin against lz4-napi (lz4_flex, the encoder and previous decoder) and liblz4
 * (numcodecs' LZ4, the reference readers use), on random and structured data, mutated and
 * truncated blocks, hand-made malformed blocks, the zarrita fixtures and arrays written by
 * zarr-python 2.13 in the test. All Python work runs in two invocations.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { compressSync, uncompressSync } from "lz4-napi";
import { lz4BlockJs, lz4DecodeBlock, lz4Engine, lz4Problem } from "../../src/codecs/lz4-block.js";
import { lz4 } from "../../src/codecs/lz4.js";
import { blosc } from "../../src/codecs/blosc/codec.js";
import { encodeFrame } from "../../src/codecs/blosc/container.js";
import { blockCodec } from "../../src/codecs/blosc/cnames.js";
import { parseV2DataType } from "../../src/format/dtype.js";
import type { BytesToBytesCodec } from "../../src/codecs/types.js";
import { SHARED_FIXTURES } from "../paths.js";
import { prng } from "../prng.js";
import { codecError, makeCodec, pyBytes, runPython, sameBytes, type PyJob, type PyResult } from "./bytes-codec-support.js";

const PY = process.env.PYTHON ?? "/usr/bin/python3";

// ---------------------------------------------------------------------------------------
// Data: plain generators from (kind, size, seed), shared by fast-check and the Python batch.

const WORDS = "the of and to in is that for it as was with be by on not he this are or his from at which but have an they you".split(" ");
const KINDS = 7;

/** Test data of `kind`: 0 random, 1 runs, 2 periodic, 3 genotype-like, 4 text-like, 5 float walk, 6 a mix. */
function makeData(kind: number, size: number, seed: number): Uint8Array {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const out = new Uint8Array(size);
  if (kind === 0) {
    for (let i = 0; i < size; i++) out[i] = int(256);
  } else if (kind === 1) {
    for (let i = 0; i < size;) {
      const v = int(256);
      for (let e = Math.min(size, i + 1 + int(r() < 0.5 ? 8 : 3000)); i < e; i++) out[i] = v;
    }
  } else if (kind === 2) {
    const p = 1 + int(r() < 0.5 ? 16 : 80);
    for (let i = 0; i < size; i++) out[i] = i < p ? int(256) : r() < 0.002 ? int(256) : out[i - p];
  } else if (kind === 3) {
    // int8 calls, rows of 400 haplotypes: most rows all 0, a few alleles 1/2, missing (-1) pairs.
    for (let row = 0; row * 400 < size; row++) {
      const p = r() < 0.7 ? 0 : 0.02 + 0.1 * r();
      for (let h = row * 400; h < Math.min(size, row * 400 + 400); h++) out[h] = r() < p ? (r() < 0.8 ? 1 : 2) : r() < 0.005 ? 255 : 0;
    }
  } else if (kind === 4) {
    for (let i = 0; i < size;) {
      const w = WORDS[Math.floor(r() ** 2 * WORDS.length)] + (r() < 0.1 ? ".\n" : " ");
      for (let k = 0; k < w.length && i < size; k++) out[i++] = w.charCodeAt(k);
    }
  } else if (kind === 5) {
    const f = new Float32Array(Math.ceil(size / 4));
    for (let i = 1; i < f.length; i++) f[i] = f[i - 1] + Math.round((r() - 0.5) * 8) / 4;
    out.set(new Uint8Array(f.buffer, 0, size));
  } else {
    for (let i = 0; i < size;) {
      const piece = makeData(int(6), Math.min(size - i, 1 + int(4000)), int(2 ** 31));
      out.set(piece, i);
      i += piece.length;
    }
  }
  return out;
}

/** The raw LZ4 block lz4-napi makes of `data` (its 4-byte size prefix stripped). */
function rawBlock(data: Uint8Array): Uint8Array {
  return new Uint8Array(compressSync(Buffer.from(data.buffer, data.byteOffset, data.length)).subarray(4));
}

/** Token and offset positions of a well-formed block, for targeted mutations. */
function sequenceSites(b: Uint8Array): { tokens: number[]; offsets: number[] } {
  const tokens: number[] = [];
  const offsets: number[] = [];
  let ip = 0;
  while (ip < b.length) {
    tokens.push(ip);
    const t = b[ip++];
    let lit = t >>> 4;
    if (lit === 15) for (let x = 255; x === 255;) lit += x = b[ip++];
    ip += lit;
    if (ip >= b.length) break;
    offsets.push(ip);
    ip += 2;
    if ((t & 15) === 15) for (let x = 255; x === 255;) x = b[ip++];
  }
  return { tokens, offsets };
}

/** A corruption of a block: random bytes, length bytes, offsets, truncation, insertion or deletion. */
interface Mutation { kind: number; at: number; value: number }

function mutate(block: Uint8Array, muts: readonly Mutation[]): Uint8Array {
  let b = block.slice();
  const sites = sequenceSites(block);
  for (const m of muts) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    const pick = (xs: number[]) => (xs.length ? xs[m.at % xs.length] : at) % b.length;
    switch (m.kind % 8) {
      case 0: b[at] = m.value; break;
      case 1: b[at] = [0, 0xff, 0xf0, 0x0f, 0x1f, 0xf1][m.value % 6]; break;
      case 2: b = b.slice(0, at); break;
      case 3: b = Uint8Array.from([...b.subarray(0, at), m.value, ...b.subarray(at)]); break;
      case 4: b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]); break;
      case 5: b[pick(sites.tokens)] = m.value; break;
      case 6: { // an offset set to 0, 1, far back or just past the output so far
        const o = pick(sites.offsets);
        const v = [0, 1, 0xffff, m.value, m.value << 8][m.value % 5];
        b[o] = v & 255;
        if (o + 1 < b.length) b[o + 1] = v >>> 8;
        break;
      }
      default: b[at] ^= 1 << (m.value & 7);
    }
  }
  return b;
}

/** Decode with both engines into guarded buffers; asserts they agree and never write outside `dst`. */
function decodeBoth(block: Uint8Array, cap: number): { r: number; out: Uint8Array } {
  const results = [lz4DecodeBlock, lz4BlockJs].map((decode) => {
    const guarded = new Uint8Array(cap + 128).fill(0xa5);
    const dst = guarded.subarray(64, 64 + cap);
    const r = decode(block, dst);
    const outside = [...guarded.subarray(0, 64), ...guarded.subarray(64 + cap)];
    assert.ok(outside.every((v) => v === 0xa5), `${decode.name} wrote outside its destination`);
    return { r, out: dst.slice(0, Math.max(r, 0)) };
  });
  assert.equal(results[0].r, results[1].r, "WebAssembly and JS decoders return the same result");
  sameBytes(results[0].out, results[1].out, "WebAssembly and JS decoders write the same bytes");
  return results[0];
}

/** lz4-napi's verdict on `block` for a claimed size: its output, or undefined when it throws. */
function napi(block: Uint8Array, cap: number): Uint8Array | undefined {
  const framed = Buffer.alloc(block.length + 4);
  framed.writeUInt32LE(cap, 0);
  framed.set(block, 4);
  try {
    return new Uint8Array(uncompressSync(framed));
  } catch {
    return undefined;
  }
}

const dataArb = fc.record({ kind: fc.integer({ min: 0, max: KINDS - 1 }), size: fc.integer({ min: 0, max: 20_000 }), seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }) });
const mutationsArb = fc.array(fc.record({ kind: fc.nat(), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 3 });

// ---------------------------------------------------------------------------------------
// The liblz4 batch (numcodecs LZ4 decodes "size header + block"), prepared before the tests.

interface BatchCase { block: Uint8Array; cap: number; ours: number; out: Uint8Array }

/** Hand-made blocks breaking an end rule: lz4_flex decodes them, liblz4 and we refuse. */
const A = [..."abcdefgh"].map((c) => c.charCodeAt(0));
const END_RULE_CASES: { name: string; block: number[]; cap: number; code: number }[] = [
  { name: "a match ending the output", block: [0x88, ...A, 8, 0, 0x00], cap: 20, code: -10 },
  { name: "a match ending 1 byte before the output", block: [0x87, ...A, 8, 0, 0x10, 122], cap: 20, code: -10 },
  { name: "a match starting 11 bytes before the end", block: [0x90, ...A, 1, 1, 0, 0x60, 1, 2, 3, 4, 5, 6], cap: 19, code: -5 },
];

let batch: BatchCase[] = [];
let batchResults: PyResult[] = [];
let endRuleResults: PyResult[] = [];

before(() => {
  const r = prng(2024);
  const int = (n: number) => Math.floor(r() * n);
  for (let i = 0; i < 1500; i++) {
    const data = makeData(int(KINDS), 1 + int(i % 10 === 0 ? 70_000 : 3000), int(2 ** 31));
    const good = rawBlock(data);
    const block = i % 6 === 0 ? good : mutate(good, Array.from({ length: 1 + int(3) }, () => ({ kind: int(8), at: int(2 ** 30), value: int(256) })));
    const cap = Math.max(1, data.length + (i % 4 === 0 ? int(5) - 2 : 0)); // numcodecs 0.11 refuses a 0 size header
    const dst = new Uint8Array(cap);
    batch.push({ block, cap, ours: lz4DecodeBlock(block, dst), out: dst });
  }
  const header = (cap: number, block: Uint8Array | number[]) => {
    const b = new Uint8Array(4 + block.length);
    new DataView(b.buffer).setUint32(0, cap, true);
    b.set(block, 4);
    return b;
  };
  const jobs: PyJob[] = [...batch.map((c) => header(c.cap, c.block)), ...END_RULE_CASES.map((c) => header(c.cap, c.block))]
    .map((input) => ({ kind: "decode", codec: { id: "lz4" }, input }));
  const results = runPython(jobs);
  batchResults = results.slice(0, batch.length);
  endRuleResults = results.slice(batch.length);
});

// ---------------------------------------------------------------------------------------

test("lz4 block: the WebAssembly decoder is the one in use (the twin tests below compare it with the JS one)", () => {
  assert.equal(lz4Engine(), "wasm");
});

test("lz4 block: random and structured data round trip through lz4-napi's encoder, both engines (fast-check)", () => {
  fc.assert(
    fc.property(fc.oneof(dataArb.map((d) => makeData(d.kind, d.size, d.seed)), fc.uint8Array({ maxLength: 300 })), (data) => {
      const { r, out } = decodeBoth(rawBlock(data), data.length);
      assert.equal(r, data.length);
      sameBytes(out, data, "decoded block");
    }),
    { numRuns: 400 },
  );
});

test("lz4 block: blocks over 64 KiB (full 16-bit offsets) and tiny blocks round trip", () => {
  for (let kind = 0; kind < KINDS; kind++) {
    const data = makeData(kind, 150_000 + kind, kind + 1);
    const { r, out } = decodeBoth(rawBlock(data), data.length);
    assert.equal(r, data.length);
    sameBytes(out, data, `kind ${kind}`);
  }
  for (let n = 0; n <= 80; n++) {
    const data = makeData(n % KINDS, n, n);
    assert.equal(decodeBoth(rawBlock(data), n).r, n, `${n} bytes`);
  }
});

test("lz4 block: mutated and truncated blocks — engines agree, accepted output is lz4-napi's, refusals beyond lz4_flex's are end rules only (fast-check)", () => {
  const seen = new Set<number>();
  fc.assert(
    fc.property(dataArb, mutationsArb, fc.integer({ min: -2, max: 2 }), (d, muts, delta) => {
      const data = makeData(d.kind, d.size, d.seed);
      const block = mutate(rawBlock(data), muts);
      const cap = Math.max(0, data.length + delta);
      const { r, out } = decodeBoth(block, cap);
      const theirs = napi(block, cap);
      seen.add(r < 0 ? r : r === cap ? 0 : 1);
      if (r === cap) {
        assert.ok(theirs, "lz4-napi accepts what we accept");
        sameBytes(out, theirs, "accepted block");
      } else if (theirs?.length === cap) {
        assert.ok(r === -5 || r === -10, `lz4-napi accepted a block we refused with ${r} (${lz4Problem(r)})`);
      } else if (r >= 0 && theirs) {
        sameBytes(theirs, out, "a block ending early decodes to the same prefix"); // lz4_flex returns it short
      }
    }),
    { numRuns: 1500 },
  );
  assert.ok(seen.size >= 8, `mutations reached only results ${[...seen].join(", ")}`);
});

test("lz4 block: an output smaller than the block's is refused, never overrun (fast-check)", () => {
  fc.assert(
    fc.property(dataArb, fc.integer({ min: 0, max: 999 }), (d, permille) => {
      const data = makeData(d.kind, Math.max(d.size, 1), d.seed);
      const cap = Math.floor((data.length * permille) / 1000);
      const { r } = decodeBoth(rawBlock(data), cap);
      assert.ok(r < 0, `a ${data.length}-byte block decoded into ${cap} bytes: ${r}`);
    }),
    { numRuns: 500 },
  );
});

test("lz4 block: liblz4 (numcodecs LZ4) accepts exactly the blocks we accept, except offset 0, with the same bytes", () => {
  let accepted = 0;
  const codes = new Set<number>();
  batch.forEach((c, i) => {
    const theirs = batchResults[i];
    const ours = c.ours === c.cap;
    codes.add(c.ours < 0 ? c.ours : ours ? 0 : 1);
    if (ours) {
      accepted++;
      sameBytes(c.out, pyBytes(theirs), `case ${i}`);
    } else if (theirs.ok) {
      // liblz4 copies undefined bytes for offset 0 (the format calls it invalid); nothing else may differ.
      assert.equal(c.ours, -7, `case ${i}: liblz4 accepted a block we refused with ${c.ours} (${lz4Problem(c.ours)})`);
    }
  });
  assert.ok(accepted > 300, `only ${accepted} accepted cases`);
  assert.ok(codes.size >= 9, `cases reached only results ${[...codes].join(", ")}`);
});

test("lz4 block: end rules (last match 12+ bytes before the end, last 5 bytes literals) — liblz4 and we refuse, lz4_flex does not", () => {
  END_RULE_CASES.forEach((c, i) => {
    const block = Uint8Array.from(c.block);
    assert.equal(decodeBoth(block, c.cap).r, c.code, c.name);
    assert.equal(endRuleResults[i].ok, false, `liblz4 refuses ${c.name}`);
    assert.equal(napi(block, c.cap)?.length, c.cap, `lz4_flex accepts ${c.name}`);
  });
});

test("lz4 block: each malformed shape is refused with its own reason, without writing outside the output", () => {
  const L = (...b: number[]) => Uint8Array.from(b);
  const cases: [string, Uint8Array, number, number][] = [
    ["empty input", L(), 10, -1],
    ["input ends after a match", L(0x80, ...A, 8, 0, 0x80, ...A, 8, 0), 40, -1],
    ["truncated literal length", L(0xf0, 255, 255), 1000, -2],
    ["literals past the input", L(0x50, 1, 2, 3), 10, -3],
    ["literals past the output", L(0x30, 1, 2, 3), 2, -4],
    ["literal length past any output", L(0xf0, ...new Array(100_000).fill(255)), 1 << 16, -4],
    ["a match in the last 12 bytes", L(0x80, ...A, 8, 0, 0x50, 1, 2, 3, 4, 5), 17, -5],
    ["truncated offset", L(0x80, ...A, 8), 100, -6],
    ["offset 0", L(0x80, ...A, 0, 0, 0x50, 1, 2, 3, 4, 5), 100, -7],
    ["offset before the output", L(0x80, ...A, 9, 0, 0x50, 1, 2, 3, 4, 5), 100, -8],
    ["truncated match length", L(0x8f, ...A, 8, 0, 255, 255), 1000, -9],
    ["match past the output", L(0x8f, ...A, 8, 0, 200, 0x50, 1, 2, 3, 4, 5), 100, -10],
    ["match length past any output", L(0x8f, ...A, 8, 0, ...new Array(100_000).fill(255)), 1 << 16, -10],
  ];
  for (const [name, block, cap, code] of cases) {
    const { r } = decodeBoth(block, cap);
    assert.equal(r, code, `${name}: ${r < 0 ? lz4Problem(r) : `${r} bytes`}`);
    // lz4_flex does not check the end rules (see the test above).
    if (code !== -5) assert.equal(napi(block, cap)?.length === cap, false, `lz4-napi refuses ${name} too`);
  }
  // A well-formed block shorter than the output reports its length; callers refuse it.
  assert.equal(decodeBoth(L(0x80, ...A, 8, 0, 0x50, 1, 2, 3, 4, 5), 40).r, 17);
});

test("lz4 block: the codecs turn refusals into CodecErrors (numcodecs lz4, blosc-lz4 frames)", async () => {
  const codec = await makeCodec(lz4, {});
  const data = makeData(3, 50_000, 9);
  const enc = await codec.encode(data);
  sameBytes(await codec.decode(enc), data, "lz4 codec");
  const zeroOffset = enc.slice();
  zeroOffset.set([0, 0], 4 + sequenceSites(enc.subarray(4)).offsets[0]);
  await assert.rejects(codec.decode(zeroOffset), codecError("lz4", /corrupt or truncated input: match offset 0/));
  await assert.rejects(codec.decode(enc.subarray(0, enc.length - 3)), codecError("lz4", /corrupt or truncated input/));

  const b = blosc({ cname: "lz4", clevel: 5, shuffle: 0 }, { spec: { shape: [1], dtype: parseV2DataType("|i1"), fillValue: 0 }, zarrFormat: 2 });
  const frame = encodeFrame(data, { codec: blockCodec("lz4"), clevel: 5, shuffle: 0, typesize: 1, blocksize: 0 });
  sameBytes(await b.decode(frame), data, "blosc lz4");
  const firstStream = new DataView(frame.buffer, frame.byteOffset).getInt32(16, true) + 4;
  const broken = frame.slice();
  broken.set([0, 0], firstStream + sequenceSites(frame.subarray(firstStream)).offsets[1]);
  await assert.rejects(b.decode(broken), codecError("blosc", /corrupt lz4 stream in block 0: match offset 0/));
});

test("lz4 block: a block too large for the resident module memory decodes through a throw-away instance", () => {
  const data = makeData(6, 20 << 20, 77);
  const { r, out } = decodeBoth(rawBlock(data), data.length);
  assert.equal(r, data.length);
  sameBytes(out, data, "20 MiB block");
});

// ---------------------------------------------------------------------------------------
// Real data.

test("lz4 block: the zarrita v2 fixtures compressed with lz4 decode as numcodecs decodes them", async () => {
  const root = path.join(SHARED_FIXTURES, "zarrita", "v2", "data.zarr");
  assert.ok(fs.existsSync(root), `missing shared fixtures at ${root}`);
  const chunks: { what: string; codec: BytesToBytesCodec; conf: Record<string, unknown>; bytes: Uint8Array }[] = [];
  for (const name of fs.readdirSync(root)) {
    const meta = path.join(root, name, ".zarray");
    if (!fs.existsSync(meta)) continue;
    const zarray = JSON.parse(fs.readFileSync(meta, "utf8")) as { compressor: Record<string, unknown> | null; dtype: string };
    const conf = zarray.compressor;
    if (!conf || !(conf.id === "lz4" || (conf.id === "blosc" && conf.cname === "lz4"))) continue;
    const context = { spec: { shape: [1], dtype: parseV2DataType(zarray.dtype === "|O" ? "|u1" : zarray.dtype), fillValue: null }, zarrFormat: 2 as const };
    const { id, ...rest } = conf;
    const codec = id === "lz4" ? await lz4(rest, context) : blosc(rest, context);
    for (const f of fs.readdirSync(path.join(root, name)).filter((f) => !f.startsWith("."))) {
      chunks.push({ what: `${name}/${f}`, codec: codec as BytesToBytesCodec, conf, bytes: new Uint8Array(fs.readFileSync(path.join(root, name, f))) });
    }
  }
  assert.ok(chunks.length >= 20 && chunks.some((c) => c.conf.id === "lz4"), `found ${chunks.length} lz4 chunks`);
  const theirs = runPython(chunks.map((c) => ({ kind: "decode", codec: c.conf, input: c.bytes })));
  for (const [i, c] of chunks.entries()) sameBytes(await c.codec.decode(c.bytes), pyBytes(theirs[i]), c.what);
});

const WRITE_ARRAYS = String.raw`
import sys, numpy as np, zarr
from numcodecs import Blosc, LZ4
d = sys.argv[1]
rng = np.random.default_rng(5)
rows, hap = 13106, 400
# Genotype-like calls: most sites all 0, some with a few alt alleles, 1% missing pairs.
p = np.where(rng.random(rows) < 0.7, 0.0, rng.random(rows) * 0.08)
g = np.where(rng.random((rows, hap)) < p[:, None], rng.choice(np.array([1, 1, 1, 2], dtype="i1"), (rows, hap)), 0).astype("i1")
g.reshape(rows, hap // 2, 2)[rng.random((rows, hap // 2)) < 0.01] = -1
g = g.reshape(rows, 200, 2)
walk = np.cumsum(np.round(rng.standard_normal(200000) * 4) / 4).astype("<f4")
arrays = {
  "geno-blosc": (g, (6553, 200, 2), Blosc(cname="lz4", clevel=5, shuffle=Blosc.NOSHUFFLE)),
  "geno-lz4": (g, (6553, 200, 2), LZ4()),
  "walk-blosc": (walk, (50000,), Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE)),
  "walk-lz4": (walk, (50000,), LZ4()),
}
for name, (a, chunks, comp) in arrays.items():
    z = zarr.open(d + "/" + name, mode="w", shape=a.shape, chunks=chunks, dtype=a.dtype, compressor=comp)
    z[...] = a
    open(d + "/" + name + ".npy.raw", "wb").write(zarr.open(d + "/" + name, mode="r")[...].tobytes())
print(zarr.__version__)
`;

test("lz4 block: genotype and float arrays written by zarr-python 2.13 (Blosc lz4 noshuffle/shuffle, LZ4) read back as numpy reads them", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-lz4-"));
  try {
    const version = execFileSync(PY, ["-c", WRITE_ARRAYS, dir], { encoding: "utf8" }).trim();
    assert.match(version, /^2\.13/);
    for (const name of ["geno-blosc", "geno-lz4", "walk-blosc", "walk-lz4"]) {
      const zarray = JSON.parse(fs.readFileSync(path.join(dir, name, ".zarray"), "utf8")) as { compressor: Record<string, unknown>; dtype: string; chunks: number[] };
      const { id, ...conf } = zarray.compressor;
      const context = { spec: { shape: zarray.chunks, dtype: parseV2DataType(zarray.dtype), fillValue: null }, zarrFormat: 2 as const };
      const codec = (id === "lz4" ? await lz4(conf, context) : blosc(conf, context)) as BytesToBytesCodec;
      const numpy = new Uint8Array(fs.readFileSync(path.join(dir, `${name}.npy.raw`)));
      const chunkBytes = zarray.chunks.reduce((a, b) => a * b, 1) * (zarray.dtype === "|i1" ? 1 : 4);
      const keys = fs.readdirSync(path.join(dir, name)).filter((f) => !f.startsWith("."));
      assert.equal(keys.length * chunkBytes, numpy.length, `${name}: chunks cover the array`);
      for (const key of keys) {
        const i = Number(key.split(".")[0]);
        const out = new Uint8Array(chunkBytes);
        await codec.decode(new Uint8Array(fs.readFileSync(path.join(dir, name, key))), out);
        sameBytes(out, numpy.subarray(i * chunkBytes, (i + 1) * chunkBytes), `${name} chunk ${key}`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
