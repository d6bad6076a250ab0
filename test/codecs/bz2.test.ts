import { test, before } from "node:test";
import assert from "node:assert/strict";
import { bz2 } from "../../src/codecs/bz2.js";
import { codecError, interopPlan, makeCodec, patterns, pyBytes, runPython, sameBytes, signalBytes, type PyResult } from "./bytes-codec-support.js";

// compressjs encodes at ~1 MB/s, so the "large" pattern is kept modest.
const data = patterns(300_000);
const multi = signalBytes(250_000);
let plan: Awaited<ReturnType<typeof interopPlan>>;
let results: PyResult[];
let extraAt: number;

before(async () => {
  plan = await interopPlan([
    { factory: bz2, config: { id: "bz2", level: 1 }, data },
    { factory: bz2, config: { id: "bz2", level: 9 }, data: data.filter((d) => d.name !== "large signal") },
  ]);
  extraAt = plan.jobs.length;
  results = runPython([
    ...plan.jobs,
    // Multi-stream files (pbzip2, appended streams) and a stream spanning several 100 kB blocks.
    { kind: "eval", expr: "bz2.compress(data[:100]) + bz2.compress(data[100:150000], 1) + bz2.compress(data[150000:], 9)", input: multi },
    { kind: "eval", expr: "bz2.compress(data, 1)", input: multi },
  ]);
});

test("bz2: round trips and numcodecs interop both ways, levels 1/9", async () => {
  assert.equal(await plan.verify(results), 2 * data.length - 1);
});

test("bz2: multi-stream and multi-block data decode exactly", async () => {
  const codec = await makeCodec(bz2, {});
  for (const at of [extraAt, extraAt + 1]) {
    const enc = pyBytes(results[at]);
    sameBytes(await codec.decode(enc), multi, `job ${at}`);
    sameBytes(await codec.decode(enc, new Uint8Array(multi.length)), multi, `job ${at} into out`);
  }
});

test("bz2: decode never exceeds out and refuses the wrong size", async () => {
  const codec = await makeCodec(bz2, {});
  const enc = await codec.encode(new Uint8Array(200_000).fill(3));
  await assert.rejects(codec.decode(enc, new Uint8Array(1000)), codecError("bz2", /more than the expected 1000 bytes/));
  await assert.rejects(codec.decode(enc, new Uint8Array(200_001)), codecError("bz2", /decodes to 200000 bytes but 200001/));
});

test("bz2: truncated, corrupt and garbage input throw CodecError", async () => {
  const codec = await makeCodec(bz2, {});
  const enc = await codec.encode(signalBytes(30_000));
  for (const cut of [1, 3, 4, 10, enc.length >> 1, enc.length - 6, enc.length - 1]) {
    await assert.rejects(codec.decode(enc.subarray(0, cut)), codecError("bz2"), `cut at ${cut}`);
  }
  const flipped = enc.slice();
  flipped[enc.length >> 1] ^= 0x20;
  await assert.rejects(codec.decode(flipped), codecError("bz2", /corrupt/));
  await assert.rejects(codec.decode(new TextEncoder().encode("BZh9 but not really")), codecError("bz2", /corrupt/));
  // Like Python: bytes after a stream are ignored unless they start another stream, which must be complete.
  sameBytes(await codec.decode(new Uint8Array([...enc, 1, 2, 3, 0, 0])), signalBytes(30_000), "trailing junk ignored");
  await assert.rejects(codec.decode(new Uint8Array([...enc, ...enc.subarray(0, 40)])), codecError("bz2", /corrupt or truncated/));
  // Python's bz2.decompress(b"") is b"".
  assert.equal((await codec.decode(new Uint8Array(0))).length, 0);
});

test("bz2: bad configuration is a CodecError naming the field", async () => {
  await assert.rejects(async () => makeCodec(bz2, { level: 0 }), codecError("bz2", /"level"/));
  await assert.rejects(async () => makeCodec(bz2, { level: 10 }), codecError("bz2", /"level"/));
});
