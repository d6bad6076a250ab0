import { test, before } from "node:test";
import assert from "node:assert/strict";
import { lz4 } from "../../src/codecs/lz4.js";
import { codecError, interopPlan, makeCodec, patterns, pyBytes, randomBytes, runPython, sameBytes, signalBytes, type PyResult } from "./bytes-codec-support.js";

const data = patterns(1 << 20);
let plan: Awaited<ReturnType<typeof interopPlan>>;
let results: PyResult[];
let knownAt: number;

before(async () => {
  // numcodecs 0.11 refuses a zero size header, so it cannot decode (even its own) empty data.
  const numcodecsCannotDecode = (name: string) => name === "empty";
  plan = await interopPlan([
    { factory: lz4, config: { id: "lz4", acceleration: 1 }, data, numcodecsCannotDecode },
    { factory: lz4, config: { id: "lz4", acceleration: 10 }, data, numcodecsCannotDecode },
  ]);
  knownAt = plan.jobs.length;
  results = runPython([...plan.jobs, { kind: "encode", codec: { id: "lz4" }, input: new TextEncoder().encode("a") }]);
});

test("lz4: round trips and numcodecs interop both ways", async () => {
  assert.equal(await plan.verify(results), 2 * data.length);
});

test("lz4: the format is numcodecs' 4-byte little-endian size + one raw block", async () => {
  const theirs = pyBytes(results[knownAt]);
  assert.deepEqual([...theirs], [1, 0, 0, 0, 0x10, 0x61]);
  const codec = await makeCodec(lz4, {});
  sameBytes(await codec.encode(new TextEncoder().encode("a")), theirs, "one-byte encoding");
  const enc = await codec.encode(signalBytes(70_000));
  assert.equal(new DataView(enc.buffer).getUint32(0, true), 70_000);
});

test("lz4: size headers are validated before anything is allocated", async () => {
  const codec = await makeCodec(lz4, {});
  const input = signalBytes(50_000);
  const enc = await codec.encode(input);
  const withSize = (n: number) => {
    const b = enc.slice();
    new DataView(b.buffer).setUint32(0, n, true);
    return b;
  };
  await assert.rejects(codec.decode(withSize(0xffffffff)), codecError("lz4", /declares 4294967295 bytes, impossible/));
  await assert.rejects(codec.decode(withSize(enc.length * 255)), codecError("lz4", /impossible/));
  await assert.rejects(codec.decode(enc, new Uint8Array(49_999)), codecError("lz4", /decodes to 50000 bytes but 49999/));
  await assert.rejects(codec.decode(withSize(50_010)), codecError("lz4", /declares 50010 bytes but the block decodes to 50000/));
  await assert.rejects(codec.decode(withSize(49_990)), codecError("lz4", /corrupt/));
});

test("lz4: truncated and garbage input throw CodecError", async () => {
  const codec = await makeCodec(lz4, {});
  const enc = await codec.encode(signalBytes(50_000));
  for (const cut of [0, 1, 3, 4, 5, 20, enc.length >> 1, enc.length - 1]) {
    await assert.rejects(codec.decode(enc.subarray(0, cut)), codecError("lz4"), `cut at ${cut}`);
  }
  for (let seed = 1; seed <= 50; seed++) {
    const junk = randomBytes(200, seed);
    junk.set([0x40, 0x1f, 0, 0]); // claims 8000 bytes
    await assert.rejects(codec.decode(junk), codecError("lz4"), `seed ${seed}`);
  }
});

test("lz4: bad configuration is a CodecError naming the field", async () => {
  await assert.rejects(async () => makeCodec(lz4, { acceleration: "fast" }), codecError("lz4", /"acceleration"/));
  await assert.rejects(async () => makeCodec(lz4, { level: 1 }), codecError("lz4", /"level"/));
});
