import { test, before } from "node:test";
import assert from "node:assert/strict";
import { lzma } from "../../src/codecs/lzma.js";
import { codecError, interopPlan, makeCodec, patterns, pyBytes, runPython, sameBytes, signalBytes, type PyJob, type PyResult } from "./bytes-codec-support.js";

const data = patterns(300_000);
const sample = signalBytes(120_001);
const LZMA1 = 0x4000000000000001n;
let plan: Awaited<ReturnType<typeof interopPlan>>;
let results: PyResult[];
const extra: Record<string, PyJob> = {};
const at: Record<string, number> = {};
let ourRaw1: Uint8Array;

before(async () => {
  plan = await interopPlan([
    { factory: lzma, config: { id: "lzma" }, data },
    { factory: lzma, config: { id: "lzma", format: 1, check: 0, preset: 1 }, data },
    { factory: lzma, config: { id: "lzma", format: 2, preset: 9 }, data },
    { factory: lzma, config: { id: "lzma", format: 3, filters: [{ id: 33, preset: 1 }] }, data },
  ]);
  ourRaw1 = await (await makeCodec(lzma, { format: 3, filters: [{ id: LZMA1 }] })).encode(sample);
  const py = (expr: string, input = sample): PyJob => ({ kind: "eval", expr, input });
  Object.assign(extra, {
    crc32: py("lzma.compress(data, check=lzma.CHECK_CRC32)"),
    crc64: py("lzma.compress(data, check=lzma.CHECK_CRC64, preset=0)"),
    sha256: py("lzma.compress(data, check=lzma.CHECK_SHA256)"),
    multi: py("lzma.compress(data[:5]) + lzma.compress(data[5:70000]) + lzma.compress(b'') + lzma.compress(data[70000:], check=lzma.CHECK_CRC32)"),
    padded: py("lzma.compress(data[:1000]) + bytes(8) + lzma.compress(data[1000:]) + bytes(4)"),
    alone: py("lzma.compress(data, format=lzma.FORMAT_ALONE)"),
    raw1: py("lzma.compress(data, format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_LZMA1, 'preset': 2}])"),
    raw1props: py("lzma.compress(data, format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_LZMA1, 'lc': 0, 'lp': 1, 'pb': 0, 'dict_size': 1 << 16}])"),
    ourRaw1: py("lzma.decompress(data, format=lzma.FORMAT_RAW, filters=[{'id': lzma.FILTER_LZMA1}])", ourRaw1),
  });
  const jobs = [...plan.jobs];
  for (const [name, job] of Object.entries(extra)) at[name] = jobs.push(job) - 1;
  results = runPython(jobs);
});

test("lzma: round trips and numcodecs interop both ways (xz, alone, raw LZMA2)", async () => {
  assert.equal(await plan.verify(results), 4 * data.length);
});

test("lzma: xz with CRC32/CRC64 checks, several streams and stream padding decode exactly", async () => {
  const codec = await makeCodec(lzma, {});
  for (const name of ["crc32", "crc64", "multi", "padded"]) {
    const enc = pyBytes(results[at[name]]);
    sameBytes(await codec.decode(enc), sample, name);
    sameBytes(await codec.decode(enc, new Uint8Array(sample.length)), sample, `${name} into out`);
  }
  const auto = await makeCodec(lzma, { format: 0 });
  sameBytes(await auto.decode(pyBytes(results[at.crc64])), sample, "auto: xz");
  sameBytes(await auto.decode(pyBytes(results[at.alone])), sample, "auto: alone");
  sameBytes(await (await makeCodec(lzma, { format: 2 })).decode(pyBytes(results[at.alone])), sample, "alone (size unknown, end marker)");
});

test("lzma: raw LZMA1 streams decode with the filter's lc/lp/pb, and ours decode in Python", async () => {
  for (const id of [LZMA1, 2 ** 62]) {
    const codec = await makeCodec(lzma, { format: 3, filters: [{ id, preset: 2 }] });
    sameBytes(await codec.decode(pyBytes(results[at.raw1])), sample, `raw LZMA1, id ${id}`);
  }
  const props = await makeCodec(lzma, { format: 3, filters: [{ id: LZMA1, lc: 0, lp: 1, pb: 0, dict_size: 1 << 16 }] });
  sameBytes(await props.decode(pyBytes(results[at.raw1props])), sample, "raw LZMA1 lc=0 lp=1 pb=0");
  await assert.rejects(props.encode(sample), codecError("lzma", /lc\/lp\/pb other than 3\/0\/2/));
  sameBytes(pyBytes(results[at.ourRaw1]), sample, "our raw LZMA1, Python decoded");
});

test("lzma: what @napi-rs/lzma cannot do is refused with a CodecError naming it", async () => {
  await assert.rejects((await makeCodec(lzma, {})).decode(pyBytes(results[at.sha256])), codecError("lzma", /SHA-256/));
  await assert.rejects(async () => makeCodec(lzma, { format: 3, filters: [{ id: 3, dist: 4 }, { id: 33 }] }), codecError("lzma", /\[0x3, 0x21\] is not supported/));
  await assert.rejects(async () => makeCodec(lzma, { format: 3 }), codecError("lzma", /needs "filters"/));
  await assert.rejects((await makeCodec(lzma, { check: 4 })).encode(sample), codecError("lzma", /xz check CRC64 cannot be encoded/));
  await assert.rejects((await makeCodec(lzma, { format: 0 })).encode(sample), codecError("lzma", /auto\) can only decode/));
  await assert.rejects((await makeCodec(lzma, { filters: [{ id: 33 }] })).encode(sample), codecError("lzma", /custom filters with format 1/));
  await assert.rejects((await makeCodec(lzma, { format: 2, check: 1 })).encode(sample), codecError("lzma", /only valid with format 1/));
  await assert.rejects(async () => makeCodec(lzma, { preset: 1, filters: [{ id: 33 }] }), codecError("lzma", /cannot both be set/));
  await assert.rejects(async () => makeCodec(lzma, { check: 2 }), codecError("lzma", /"check"/));
  await assert.rejects(async () => makeCodec(lzma, { preset: 10 }), codecError("lzma", /"preset"/));
  await assert.rejects(async () => makeCodec(lzma, { format: 4 }), codecError("lzma", /"format"/));
});

test("lzma: declared sizes are checked against out before decoding", async () => {
  const xz = await makeCodec(lzma, {});
  await assert.rejects(xz.decode(pyBytes(results[at.crc64]), new Uint8Array(1000)), codecError("lzma", /decodes to 120001 bytes but 1000/));
  await assert.rejects(xz.decode(pyBytes(results[at.multi]), new Uint8Array(120_002)), codecError("lzma", /decodes to 120001 bytes but 120002/));
  const alone = await makeCodec(lzma, { format: 2 });
  const enc = await alone.encode(sample);
  await assert.rejects(alone.decode(enc, new Uint8Array(10)), codecError("lzma"));
});

test("lzma: truncated, corrupt and garbage input throw CodecError", async () => {
  const xz = await makeCodec(lzma, {});
  const enc = pyBytes(results[at.crc64]);
  for (const cut of [0, 6, 12, 31, enc.length >> 1, enc.length - 12, enc.length - 1]) {
    await assert.rejects(xz.decode(enc.subarray(0, cut)), codecError("lzma"), `xz cut at ${cut}`);
  }
  const flipped = enc.slice();
  flipped[enc.length >> 1] ^= 0x01;
  await assert.rejects(xz.decode(flipped), codecError("lzma", /corrupt/));
  await assert.rejects(xz.decode(new TextEncoder().encode("this is not an xz stream at all, not even close")), codecError("lzma", /corrupt/));
  const alone = await makeCodec(lzma, { format: 2 });
  const aenc = pyBytes(results[at.alone]);
  for (const cut of [0, 5, 13, aenc.length >> 1, aenc.length - 1]) {
    await assert.rejects(alone.decode(aenc.subarray(0, cut)), codecError("lzma"), `alone cut at ${cut}`);
  }
});
