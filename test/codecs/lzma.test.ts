import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { lzma } from "../../src/codecs/lzma.js";
import { codecError, interopPlan, makeCodec, patterns, pyBytes, runPython, sameBytes, signalBytes, type InteropCase, type PyJob, type PyResult } from "./bytes-codec-support.js";

const data = patterns(300_000);
const sample = signalBytes(120_001);
/** FILTER_LZMA1 (0x4000000000000001) as JSON.parse delivers it: 2^62. */
const LZMA1_JSON = 2 ** 62;
const EXTREME = 0x80000000;
const MiB = 1 << 20;

/** numcodecs configurations run both ways; liblzma 5.2.3 (lzma-native) and Debian's 5.4.1 write identical bytes. */
const CASES: InteropCase[] = [
  { factory: lzma, config: { id: "lzma" }, data, identical: true },
  { factory: lzma, config: { id: "lzma", format: 1, check: 0, preset: 1 }, data, identical: true },
  { factory: lzma, config: { id: "lzma", format: 1, check: 1, preset: EXTREME + 3 }, data, identical: true },
  { factory: lzma, config: { id: "lzma", format: 1, check: 10, preset: 0 }, data, identical: true },
  { factory: lzma, config: { id: "lzma", format: 2, preset: 9 }, data, identical: true },
  { factory: lzma, config: { id: "lzma", format: 2, preset: 0 }, data, identical: true },
  { factory: lzma, config: { id: "lzma", format: 3, filters: [{ id: 33, preset: 1 }] }, data, identical: true },
  { factory: lzma, config: { id: "lzma", format: 3, filters: [{ id: 3, dist: 2 }, { id: 33, preset: 4, nice_len: 100 }] }, data, identical: true },
  // Python encodes xz with a filter chain but refuses to decode it (filters only go with FORMAT_RAW).
  { factory: lzma, config: { id: "lzma", format: 1, filters: [{ id: 4 }, { id: 33, preset: 2 }] }, data, identical: true, numcodecsCannotDecode: () => true },
];

/** Python filter specs (with the exact FILTER_LZMA1) and ours, for raw LZMA1 tables. */
const PRESETS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, EXTREME + 0, EXTREME + 3, EXTREME + 5, EXTREME + 9];

let plan: Awaited<ReturnType<typeof interopPlan>>;
let results: PyResult[];
const at: Record<string, number> = {};
const ours: Record<string, Uint8Array> = {};

/** Our encoding of `sample` under `config`. */
async function enc(config: Record<string, unknown>, input = sample): Promise<Uint8Array> {
  return (await makeCodec(lzma, config)).encode(input);
}

before(async () => {
  plan = await interopPlan(CASES);
  const py = (expr: string, input = sample): PyJob => ({ kind: "eval", expr, input });
  ours.xzFilters = await enc({ format: 1, filters: [{ id: 3, dist: 4 }, { id: 33, preset: 3, lc: 0, lp: 2, pb: 2 }] });
  ours.raw1 = await enc({ format: 3, filters: [{ id: LZMA1_JSON, preset: 2, lc: 0, lp: 1, pb: 0, dict_size: 1 << 16 }] });
  ours.raw1modes = await enc({ format: 3, filters: [{ id: LZMA1_JSON, mode: 1, mf: 0x03, nice_len: 32, depth: 10 }] });
  ours.aloneLzma1 = await enc({ format: 2, filters: [{ id: LZMA1_JSON, preset: 1, lc: 4 }] });
  ours.bcj = await enc({ format: 3, filters: [{ id: 4 }, { id: 33 }] });
  for (const p of PRESETS) ours[`preset${p}`] = await enc({ format: 3, filters: [{ id: LZMA1_JSON, preset: p, pb: 1 }] });
  const jobs: Record<string, PyJob> = {
    crc32: py("lzma.compress(data, check=lzma.CHECK_CRC32)"),
    crc64: py("lzma.compress(data, check=lzma.CHECK_CRC64, preset=0)"),
    sha256: py("lzma.compress(data, check=lzma.CHECK_SHA256)"),
    multi: py("lzma.compress(data[:5]) + lzma.compress(data[5:70000], check=lzma.CHECK_NONE) + lzma.compress(b'') + lzma.compress(data[70000:], check=lzma.CHECK_SHA256)"),
    padded: py("lzma.compress(data[:1000]) + bytes(8) + lzma.compress(data[1000:]) + bytes(4)"),
    alone: py("lzma.compress(data, format=lzma.FORMAT_ALONE)"),
    aloneMulti: py("lzma.compress(data[:1000], format=lzma.FORMAT_ALONE) + lzma.compress(data[1000:], format=lzma.FORMAT_ALONE, preset=1)"),
    rawMulti: py("lzma.compress(data[:1000], format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_LZMA2}]) + lzma.compress(data[1000:], format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_LZMA2}])"),
    raw1: py("lzma.compress(data, format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_LZMA1, 'preset': 2, 'lc': 0, 'lp': 1, 'pb': 0, 'dict_size': 1 << 16}])"),
    raw1modes: py("lzma.compress(data, format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_LZMA1, 'mode': lzma.MODE_FAST, 'mf': lzma.MF_HC3, 'nice_len': 32, 'depth': 10}])"),
    aloneLzma1: py("lzma.compress(data, format=lzma.FORMAT_ALONE, filters=[{'id': lzma.FILTER_LZMA1, 'preset': 1, 'lc': 4}])"),
    bcj: py("lzma.compress(data, format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_X86}, {'id': lzma.FILTER_LZMA2}])"),
    xzFilters: py("lzma.compress(data, format=lzma.FORMAT_XZ, filters=[{'id': lzma.FILTER_DELTA, 'dist': 4}, {'id': lzma.FILTER_LZMA2, 'preset': 3, 'lc': 0, 'lp': 2, 'pb': 2}])"),
    // Ours, decoded by Python (xz with filters: Python reads the chain from the block headers).
    ourXzFilters: py("lzma.decompress(data)", ours.xzFilters),
    ourRaw1: py("lzma.decompress(data, format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_LZMA1, 'lc': 0, 'lp': 1, 'pb': 0, 'dict_size': 1 << 16}])", ours.raw1),
    bomb: py("lzma.compress(bytes(256 << 20), format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_LZMA2, 'preset': 0}])", new Uint8Array(0)),
    xzBomb: py("lzma.compress(bytes((256 << 20) - 1), preset=0)", new Uint8Array(0)),
  };
  for (const p of PRESETS) jobs[`preset${p}`] = py(`lzma.compress(data, format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_LZMA1, 'preset': ${p}, 'pb': 1}])`);
  const all = [...plan.jobs];
  for (const [name, job] of Object.entries(jobs)) at[name] = all.push(job) - 1;
  results = runPython(all);
});

const theirs = (name: string): Uint8Array => pyBytes(results[at[name]]);

test("lzma: numcodecs interop both ways, byte-identical encodings (xz checks and presets, alone, raw LZMA2, delta+LZMA2, xz+BCJ)", async () => {
  assert.equal(await plan.verify(results), CASES.length * data.length);
});

test("lzma: it really compresses: xz preset 6 of a signal within 5% of numcodecs' size", async () => {
  const signal = data.find((d) => d.name === "large signal")!.data;
  const size = (await enc({}, signal)).length;
  const theirSize = pyBytes(results[plan.jobs.findIndex((j) => j.kind === "encode" && j.input === signal)]).length;
  assert.ok(size < 0.6 * signal.length, `xz output is ${size} of ${signal.length} bytes`);
  assert.ok(Math.abs(size - theirSize) <= 0.05 * theirSize, `ours ${size}, numcodecs ${theirSize}`);
});

test("lzma: raw LZMA1 presets 0-9 and extreme, with an option over the preset, match Python byte for byte", async () => {
  for (const p of PRESETS) {
    sameBytes(ours[`preset${p}`], theirs(`preset${p}`), `preset ${p >= EXTREME ? `${p - EXTREME}e` : p}`);
    const codec = await makeCodec(lzma, { format: 3, filters: [{ id: LZMA1_JSON, preset: p, pb: 1 }] });
    sameBytes(await codec.decode(theirs(`preset${p}`)), sample, `preset ${p} decoded`);
  }
});

test("lzma: filter options (lc/lp/pb/dict_size, mode/mf/nice_len/depth, alone LZMA1, BCJ, xz delta chain) both ways", async () => {
  sameBytes(ours.raw1, theirs("raw1"), "raw LZMA1 lc/lp/pb/dict_size: identical");
  sameBytes(theirs("ourRaw1"), sample, "raw LZMA1: Python decodes ours");
  sameBytes(await (await makeCodec(lzma, { format: 3, filters: [{ id: LZMA1_JSON, lc: 0, lp: 1, pb: 0, dict_size: 1 << 16 }] })).decode(theirs("raw1")), sample, "raw LZMA1: we decode Python's");
  sameBytes(ours.raw1modes, theirs("raw1modes"), "raw LZMA1 mode/mf/nice_len/depth: identical");
  sameBytes(ours.aloneLzma1, theirs("aloneLzma1"), "alone with an LZMA1 filter: identical");
  sameBytes(await (await makeCodec(lzma, { format: 2 })).decode(theirs("aloneLzma1")), sample, "alone lc=4 decoded");
  sameBytes(ours.bcj, theirs("bcj"), "raw x86 BCJ + LZMA2: identical");
  sameBytes(await (await makeCodec(lzma, { format: 3, filters: [{ id: 4 }, { id: 33 }] })).decode(theirs("bcj")), sample, "BCJ decoded");
  sameBytes(ours.xzFilters, theirs("xzFilters"), "xz delta + LZMA2: identical");
  sameBytes(theirs("ourXzFilters"), sample, "xz delta + LZMA2: Python decodes ours");
  sameBytes(await (await makeCodec(lzma, {})).decode(theirs("xzFilters")), sample, "xz delta + LZMA2: we decode Python's");
  // A bigint id (a JSON reader that keeps big integers) means the same filter.
  sameBytes(await enc({ format: 3, filters: [{ id: 0x4000000000000001n, preset: 2, lc: 0, lp: 1, pb: 0, dict_size: 1 << 16 }] }), theirs("raw1"), "bigint id");
});

test("lzma: every xz check, several streams, stream padding, concatenated alone/raw streams decode exactly", async () => {
  const xz = await makeCodec(lzma, {});
  for (const name of ["crc32", "crc64", "sha256", "multi", "padded", "xzFilters"]) {
    sameBytes(await xz.decode(theirs(name)), sample, name);
    sameBytes(await xz.decode(theirs(name), new Uint8Array(sample.length)), sample, `${name} into out`);
  }
  const auto = await makeCodec(lzma, { format: 0 });
  sameBytes(await auto.decode(theirs("crc64")), sample, "auto: xz");
  sameBytes(await auto.decode(theirs("alone")), sample, "auto: alone");
  const alone = await makeCodec(lzma, { format: 2 });
  sameBytes(await alone.decode(theirs("aloneMulti")), sample, "two alone streams");
  sameBytes(await alone.decode(theirs("aloneMulti"), new Uint8Array(sample.length)), sample, "two alone streams into out");
  const raw = await makeCodec(lzma, { format: 3, filters: [{ id: 33 }] });
  sameBytes(await raw.decode(theirs("rawMulti")), sample, "two raw streams");
});

test("lzma: sizes are checked against out (before decoding when declared)", async () => {
  const xz = await makeCodec(lzma, {});
  await assert.rejects(xz.decode(theirs("crc64"), new Uint8Array(1000)), codecError("lzma", /decodes to 120001 bytes but 1000/));
  await assert.rejects(xz.decode(theirs("multi"), new Uint8Array(120_002)), codecError("lzma", /decodes to 120001 bytes but 120002/));
  const alone = await makeCodec(lzma, { format: 2 });
  await assert.rejects(alone.decode(theirs("alone"), new Uint8Array(10)), codecError("lzma", /more than the expected 10 bytes/));
  await assert.rejects(alone.decode(theirs("alone"), new Uint8Array(sample.length + 1)), codecError("lzma", /decodes to 120001 bytes but 120002/));
  const raw = await makeCodec(lzma, { format: 3, filters: [{ id: 33 }] });
  await assert.rejects(raw.decode(theirs("rawMulti"), new Uint8Array(5000)), codecError("lzma", /more than the expected 5000 bytes/));
});

/** Peak RSS growth (bytes) while running `f`, beyond the larger of the earlier peak and current RSS + `slack`. */
async function peakGrowth(f: () => Promise<unknown>, slack: number): Promise<number> {
  const before = Math.max(process.resourceUsage().maxRSS * 1024, process.memoryUsage().rss + slack);
  await f();
  return process.resourceUsage().maxRSS * 1024 - before;
}

test("lzma: a decompression bomb is stopped near out's size, not decoded whole", async () => {
  const raw = await makeCodec(lzma, { format: 3, filters: [{ id: 33 }] });
  const bomb = theirs("bomb");
  assert.ok(bomb.length < 64 * 1024, `bomb is ${bomb.length} bytes`);
  const growth = await peakGrowth(() => assert.rejects(raw.decode(bomb, new Uint8Array(1000)), codecError("lzma", /more than the expected 1000 bytes/)), 96 * MiB);
  assert.ok(growth <= 0, `peak RSS grew ${growth} bytes past the 96 MiB allowance (a full decode takes 256 MiB)`);
  // An xz index declaring the true 256 MiB is refused before decoding; one that lies is caught while decoding.
  const xz = await makeCodec(lzma, {});
  await assert.rejects(xz.decode(theirs("xzBomb"), new Uint8Array(1000)), codecError("lzma", /decodes to 268435455 bytes but 1000/));
  const lying = lieAboutSize(theirs("xzBomb"), 2 * MiB);
  const growth2 = await peakGrowth(() => assert.rejects(xz.decode(lying), codecError("lzma", /more than the expected 2097152 bytes/)), 96 * MiB);
  assert.ok(growth2 <= 0, `peak RSS grew ${growth2} bytes past the 96 MiB allowance`);
});

/**
 * Rewrite a one-block xz stream's index so it records `size` decoded bytes (a 4-byte varint, like
 * the original 256 MiB) with a valid index CRC: only decoding can find out the block is larger.
 */
function lieAboutSize(xz: Uint8Array, size: number): Uint8Array {
  const b = xz.slice();
  const view = new DataView(b.buffer);
  const backward = (view.getUint32(b.length - 8, true) + 1) * 4;
  const index = b.length - 12 - backward;
  assert.equal(b[index + 1], 1, "one index record");
  let pos = index + 2;
  while (b[pos] & 0x80) pos++; // unpadded size
  pos++;
  const varint = [size & 0x7f, (size >> 7) & 0x7f, (size >> 14) & 0x7f, size >> 21].map((v, i) => (i < 3 ? v | 0x80 : v));
  assert.ok(b[pos + 2] & 0x80 && !(b[pos + 3] & 0x80), "original size is a 4-byte varint");
  b.set(varint, pos);
  view.setUint32(index + backward - 4, zlib.crc32(b.subarray(index, index + backward - 4)), true);
  return b;
}

test("lzma: truncated, corrupt, trailing and garbage input throw CodecError", async () => {
  const xz = await makeCodec(lzma, {});
  const x = theirs("crc64");
  for (const cut of [0, 6, 12, 31, x.length >> 1, x.length - 12, x.length - 1]) {
    await assert.rejects(xz.decode(x.subarray(0, cut)), codecError("lzma"), `xz cut at ${cut}`);
    await assert.rejects(xz.decode(x.subarray(0, cut), new Uint8Array(sample.length)), codecError("lzma"), `xz cut at ${cut}, into out`);
  }
  for (const at of [20, x.length >> 1, x.length - 30]) {
    const flipped = x.slice();
    flipped[at] ^= 0x01;
    await assert.rejects(xz.decode(flipped), codecError("lzma", /corrupt/), `xz flipped at ${at}`);
  }
  await assert.rejects(xz.decode(new Uint8Array([...x, 1, 2, 3, 4])), codecError("lzma", /corrupt/), "xz + junk");
  await assert.rejects(xz.decode(new TextEncoder().encode("this is not an xz stream at all, not even close")), codecError("lzma", /corrupt/));
  const alone = await makeCodec(lzma, { format: 2 });
  const a = theirs("alone");
  for (const cut of [0, 5, 13, a.length >> 1, a.length - 1]) {
    await assert.rejects(alone.decode(a.subarray(0, cut)), codecError("lzma"), `alone cut at ${cut}`);
  }
  await assert.rejects(alone.decode(new Uint8Array([...a, 9, 9, 9])), codecError("lzma", /corrupt/), "alone + junk");
  const raw = await makeCodec(lzma, { format: 3, filters: [{ id: 33 }] });
  const r = theirs("rawMulti");
  for (const cut of [0, 1, r.length >> 1, r.length - 1]) {
    await assert.rejects(raw.decode(r.subarray(0, cut)), codecError("lzma"), `raw cut at ${cut}`);
  }
  // A .lzma header asking for a 2 GiB dictionary hits the decoder's memory limit instead of allocating it.
  const hugeDict = a.slice();
  new DataView(hugeDict.buffer).setUint32(1, 2 ** 31, true);
  await assert.rejects(alone.decode(hugeDict), codecError("lzma", /memory limit/));
  // A .lzma header declaring more than the input could ever hold.
  const declared = a.slice();
  new DataView(declared.buffer).setBigUint64(5, 1n << 40n, true);
  await assert.rejects(alone.decode(declared), codecError("lzma", /impossible/));
});

test("lzma: bad configurations, and what Python refuses to encode, are CodecErrors naming the reason", async () => {
  const make = (c: Record<string, unknown>) => async () => makeCodec(lzma, c);
  await assert.rejects(make({ format: 4 }), codecError("lzma", /"format"/));
  await assert.rejects(make({ check: 2 }), codecError("lzma", /"check"/));
  await assert.rejects(make({ preset: 10 }), codecError("lzma", /"preset"/));
  await assert.rejects(make({ preset: -1 }), codecError("lzma", /"preset"/));
  await assert.rejects(make({ preset: 0x40000000 + 1 }), codecError("lzma", /"preset"/));
  await assert.rejects(make({ filters: { id: 33 } }), codecError("lzma", /"filters" must be a list/));
  await assert.rejects(make({ format: 3 }), codecError("lzma", /needs "filters"/));
  await assert.rejects(make({ format: 3, filters: [] }), codecError("lzma", /must not be empty/));
  await assert.rejects(make({ format: 3, filters: [{ id: 0x22 }] }), codecError("lzma", /unknown filter id 0x22/));
  await assert.rejects(make({ format: 3, filters: [{ dist: 1 }] }), codecError("lzma", /no integer "id"/));
  await assert.rejects(make({ format: 3, filters: [{ id: 33, bogus: 1 }] }), codecError("lzma", /unknown option "bogus"/));
  await assert.rejects(make({ format: 3, filters: [{ id: 3, preset: 1 }] }), codecError("lzma", /unknown option "preset"/));
  await assert.rejects(make({ format: 3, filters: [{ id: 33, lc: -1 }] }), codecError("lzma", /"lc"/));
  await assert.rejects(make({ format: 3, filters: [{ id: 4, start_offset: 16 }, { id: 33 }] }), codecError("lzma", /start_offset/));
  const encodeFails = async (c: Record<string, unknown>, re: RegExp) => assert.rejects((await makeCodec(lzma, c)).encode(sample), codecError("lzma", re));
  await encodeFails({ format: 0 }, /auto\) can only decode/);
  await encodeFails({ preset: 1, filters: [{ id: 33 }] }, /cannot both be set/);
  await encodeFails({ format: 2, check: 4 }, /only valid with format 1/);
  await encodeFails({ format: 2, filters: [{ id: 33 }] }, /single LZMA1 filter/);
  await encodeFails({ format: 1, filters: [{ id: LZMA1_JSON }] }, /invalid options/);
  await encodeFails({ format: 3, filters: [{ id: 33, lc: 4, lp: 4 }] }, /invalid or unsupported/);
  await encodeFails({ format: 3, filters: [{ id: 4 }] }, /invalid or unsupported/);
  // Python accepts CHECK_NONE with the other formats, and we decode what such a codec wrote.
  const none = await makeCodec(lzma, { format: 2, check: 0 });
  sameBytes(await none.decode(await none.encode(sample)), sample, "alone with check 0");
});
