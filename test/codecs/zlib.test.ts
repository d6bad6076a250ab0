import { test, before } from "node:test";
import assert from "node:assert/strict";
import { zlib } from "../../src/codecs/zlib.js";
import { codecError, interopPlan, makeCodec, patterns, runPython, sameBytes, signalBytes, type PyResult } from "./bytes-codec-support.js";

const data = patterns(1 << 20);
let plan: Awaited<ReturnType<typeof interopPlan>>;
let results: PyResult[];

before(async () => {
  plan = await interopPlan([1, 9, 0, -1].map((level) => ({ factory: zlib, config: { id: "zlib", level }, data })));
  results = runPython(plan.jobs);
});

test("zlib: round trips and numcodecs interop both ways, levels -1/0/1/9", async () => {
  assert.equal(await plan.verify(results), 4 * data.length);
});

test("zlib: default level is numcodecs' 1", async () => {
  const input = signalBytes(10_000);
  sameBytes(await (await makeCodec(zlib, {})).encode(input), await (await makeCodec(zlib, { level: 1 })).encode(input), "default vs level 1");
});

test("zlib: truncated, corrupt and garbage input throw CodecError", async () => {
  const codec = await makeCodec(zlib, { level: 5 });
  const input = signalBytes(50_000);
  const enc = await codec.encode(input);
  for (const cut of [0, 1, 2, 10, enc.length >> 1, enc.length - 1]) {
    await assert.rejects(codec.decode(enc.subarray(0, cut)), codecError("zlib", /corrupt or truncated/), `cut at ${cut}`);
  }
  const flipped = enc.slice();
  flipped[flipped.length - 1] ^= 0x10; // Adler-32 trailer
  await assert.rejects(codec.decode(flipped), codecError("zlib", /corrupt/));
  await assert.rejects(codec.decode(new TextEncoder().encode("not zlib at all")), codecError("zlib"));
});

test("zlib: decode never exceeds out and refuses the wrong size", async () => {
  const codec = await makeCodec(zlib, {});
  const input = new Uint8Array(1 << 20); // 1 MiB of zeros: ~1 KiB compressed
  const enc = await codec.encode(input);
  await assert.rejects(codec.decode(enc, new Uint8Array(1000)), codecError("zlib", /more than the expected 1000 bytes/));
  await assert.rejects(codec.decode(enc, new Uint8Array(input.length + 1)), codecError("zlib", /decodes to 1048576 bytes but 1048577/));
  await assert.rejects(codec.decode(enc, new Uint8Array(0)), codecError("zlib"));
});

test("zlib: results are plain, exactly-sized Uint8Arrays", async () => {
  const codec = await makeCodec(zlib, {});
  const enc = await codec.encode(new Uint8Array(10));
  assert.equal(Object.getPrototypeOf(enc), Uint8Array.prototype);
  assert.equal(enc.buffer.byteLength, enc.length);
  const dec = await codec.decode(enc);
  assert.equal(Object.getPrototypeOf(dec), Uint8Array.prototype);
  assert.deepEqual(dec, new Uint8Array(10));
});

test("zlib: bad configuration is a CodecError naming the field", async () => {
  await assert.rejects(async () => makeCodec(zlib, { level: 10 }), codecError("zlib", /"level"/));
  await assert.rejects(async () => makeCodec(zlib, { level: 1.5 }), codecError("zlib", /"level"/));
  await assert.rejects(async () => makeCodec(zlib, { level: "9" }), codecError("zlib", /"level"/));
  await assert.rejects(async () => makeCodec(zlib, { lvl: 1 }), codecError("zlib", /unknown configuration field "lvl"/));
});
