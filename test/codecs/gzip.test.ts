import { test, before } from "node:test";
import assert from "node:assert/strict";
import { gzip } from "../../src/codecs/gzip.js";
import { codecError, interopPlan, makeCodec, patterns, pyBytes, runPython, sameBytes, signalBytes, type PyJob, type PyResult } from "./bytes-codec-support.js";

const data = patterns(1 << 20);
const multi = signalBytes(30_000);
let plan: Awaited<ReturnType<typeof interopPlan>>;
let results: PyResult[];
let extra: PyJob[];
let extraAt: number;

before(async () => {
  plan = await interopPlan([1, 5, 9].map((level) => ({ factory: gzip, config: { id: "gzip", level }, data })));
  extra = [
    // Multi-member streams, as Python's gzip module writes when appending; and zero padding after a member.
    { kind: "eval", expr: "gzip.compress(data[:1000]) + gzip.compress(data[1000:20000], 9) + gzip.compress(data[20000:], 1)", input: multi },
    { kind: "eval", expr: "gzip.compress(data) + b'\\0' * 7", input: multi },
    { kind: "eval", expr: "gzip.compress(b'') + gzip.compress(data)", input: multi },
  ];
  extraAt = plan.jobs.length;
  results = runPython([...plan.jobs, ...extra]);
});

test("gzip: round trips and numcodecs interop both ways, levels 1/5/9", async () => {
  assert.equal(await plan.verify(results), 3 * data.length);
});

test("gzip: multi-member streams and zero padding decode as in Python", async () => {
  const codec = await makeCodec(gzip, { level: 1 });
  for (let i = 0; i < extra.length; i++) {
    const enc = pyBytes(results[extraAt + i]);
    sameBytes(await codec.decode(enc), multi, `job ${i}`);
    sameBytes(await codec.decode(enc, new Uint8Array(multi.length)), multi, `job ${i} into out`);
  }
  // Bytes after a member that are neither a member nor zeros: Python says "Not a gzipped file".
  const junk = new Uint8Array([...pyBytes(results[extraAt + 2]), 0x6a, 0x75, 0x6e, 0x6b]);
  await assert.rejects(codec.decode(junk), codecError("gzip", /corrupt/));
});

test("gzip: the v3 codec takes the same configuration and writes the same format", async () => {
  const v3 = await makeCodec(gzip, { level: 6 }, 3);
  const input = signalBytes(40_000);
  const enc = await v3.encode(input);
  assert.deepEqual([...enc.subarray(0, 3)], [0x1f, 0x8b, 8]);
  sameBytes(await (await makeCodec(gzip, {})).decode(enc), input, "v3 encoded, v2 decoded");
});

test("gzip: truncated and corrupt input throw CodecError", async () => {
  const codec = await makeCodec(gzip, {});
  const enc = await codec.encode(signalBytes(50_000));
  for (const cut of [0, 1, 9, 10, 30, enc.length >> 1, enc.length - 4, enc.length - 1]) {
    await assert.rejects(codec.decode(enc.subarray(0, cut)), codecError("gzip", /corrupt or truncated/), `cut at ${cut}`);
  }
  const badCrc = enc.slice();
  badCrc[enc.length - 8] ^= 1; // CRC-32 trailer
  await assert.rejects(codec.decode(badCrc), codecError("gzip", /corrupt/));
  const badSize = enc.slice();
  badSize[enc.length - 1] ^= 1; // ISIZE trailer
  await assert.rejects(codec.decode(badSize), codecError("gzip", /corrupt/));
});

test("gzip: decode never exceeds out and refuses the wrong size", async () => {
  const codec = await makeCodec(gzip, {});
  const enc = await codec.encode(new Uint8Array(1 << 20));
  await assert.rejects(codec.decode(enc, new Uint8Array(4096)), codecError("gzip", /more than the expected 4096 bytes/));
  await assert.rejects(codec.decode(enc, new Uint8Array((1 << 20) + 10)), codecError("gzip", /decodes to 1048576 bytes/));
});

test("gzip: bad configuration is a CodecError naming the field", async () => {
  await assert.rejects(async () => makeCodec(gzip, { level: 11 }), codecError("gzip", /"level"/));
  await assert.rejects(async () => makeCodec(gzip, { level: 1, mtime: 0 }), codecError("gzip", /"mtime"/));
});
