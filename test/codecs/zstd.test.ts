import { test, before } from "node:test";
import assert from "node:assert/strict";
import binding from "zstd-napi/binding.js";
import { zstd } from "../../src/codecs/zstd.js";
import { codecError, interopPlan, makeCodec, patterns, pyBytes, runPython, sameBytes, signalBytes, type PyResult } from "./bytes-codec-support.js";

const data = patterns(1 << 20);
const small = signalBytes(200_000);
let plan: Awaited<ReturnType<typeof interopPlan>>;
let results: PyResult[];
let checksumFrame: Uint8Array;
let extraAt: number;

/** A frame as streaming writers make it: no content size in the header (optionally with a checksum). */
function streamingFrame(input: Uint8Array, checksum = false): Uint8Array {
  const ctx = new binding.CCtx();
  ctx.setParameter(binding.CParameter.contentSizeFlag, 0);
  ctx.setParameter(binding.CParameter.checksumFlag, checksum ? 1 : 0);
  const dst = new Uint8Array(binding.compressBound(input.length) + 64);
  let produced = 0;
  let consumed = 0;
  for (;;) {
    const [left, p, c] = ctx.compressStream2(dst.subarray(produced), input.subarray(consumed), binding.EndDirective.end);
    produced += p;
    consumed += c;
    if (left === 0) break;
  }
  const frame = dst.slice(0, produced);
  assert.equal(binding.getFrameContentSize(frame), null);
  return frame;
}

/** A skippable frame carrying `n` bytes of junk. */
function skippable(n: number): Uint8Array {
  const f = new Uint8Array(8 + n).fill(0xee);
  new DataView(f.buffer).setUint32(0, 0x184d2a53, true);
  new DataView(f.buffer).setUint32(4, n, true);
  return f;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

before(async () => {
  // numcodecs 0.11 cannot decode even its own frame of empty data ("invalid input data").
  const numcodecsCannotDecode = (name: string) => name === "empty";
  plan = await interopPlan([
    { factory: zstd, config: { id: "zstd", level: 1 }, data, numcodecsCannotDecode },
    { factory: zstd, config: { id: "zstd", level: 0 }, data, numcodecsCannotDecode },
    { factory: zstd, config: { id: "zstd", level: -3 }, data, numcodecsCannotDecode },
    { factory: zstd, config: { id: "zstd", level: 19 }, data: data.filter((d) => d.data.length < 200_000), numcodecsCannotDecode },
  ]);
  checksumFrame = await (await makeCodec(zstd, { level: 3, checksum: true }, 3)).encode(small);
  extraAt = plan.jobs.length;
  results = runPython([...plan.jobs, { kind: "eval", expr: "numcodecs.Zstd().decode(data)", input: checksumFrame }]);
});

test("zstd: round trips and numcodecs interop both ways, levels 1/0/-3/19", async () => {
  assert.equal(await plan.verify(results), 3 * data.length + data.filter((d) => d.data.length < 200_000).length);
});

test("zstd: v3 checksum frames carry a checksum numcodecs verifies, and corruption is caught", async () => {
  assert.equal(checksumFrame[4] & 0x04, 0x04, "frame header checksum flag");
  sameBytes(pyBytes(results[extraAt]), small, "numcodecs decoded our checksummed frame");
  const codec = await makeCodec(zstd, { level: 3, checksum: true }, 3);
  const bad = checksumFrame.slice();
  bad[bad.length - 1] ^= 0xff;
  await assert.rejects(codec.decode(bad), codecError("zstd", /checksum/));
});

test("zstd: frames without content size and multiple/skippable frames decode exactly", async () => {
  const codec = await makeCodec(zstd, {});
  const a = signalBytes(150_000);
  const b = new Uint8Array(300_000).fill(7);
  const streamed = streamingFrame(a, true);
  sameBytes(await codec.decode(streamed), a, "streamed frame");
  sameBytes(await codec.decode(streamed, new Uint8Array(a.length)), a, "streamed frame into out");
  const mixed = concat(await codec.encode(b), skippable(5), streamed, streamingFrame(b), await codec.encode(a));
  const expected = concat(b, a, b, a);
  sameBytes(await codec.decode(mixed), expected, "mixed frames");
  sameBytes(await codec.decode(mixed, new Uint8Array(expected.length)), expected, "mixed frames into out");
  const sized = concat(await codec.encode(a), skippable(0), await codec.encode(b));
  sameBytes(await codec.decode(sized, new Uint8Array(a.length + b.length)), concat(a, b), "sized frames into out");
  sameBytes(await codec.decode(streamingFrame(new Uint8Array(0))), new Uint8Array(0), "empty streamed frame");
});

test("zstd: decode never exceeds out, with or without content size", async () => {
  const codec = await makeCodec(zstd, {});
  const input = new Uint8Array(1 << 20).fill(1);
  await assert.rejects(codec.decode(await codec.encode(input), new Uint8Array(1000)), codecError("zstd", /decodes to 1048576 bytes but 1000/));
  await assert.rejects(codec.decode(streamingFrame(input), new Uint8Array(1000)), codecError("zstd", /more than the expected 1000 bytes/));
  await assert.rejects(codec.decode(streamingFrame(input), new Uint8Array(input.length + 1)), codecError("zstd", /decodes to 1048576 bytes but 1048577/));
});

test("zstd: a header declaring more than the frame can hold is refused before allocating", async () => {
  const codec = await makeCodec(zstd, {});
  // magic, descriptor (8-byte content size, single segment), size 2^40, last RLE block of 10 × 0x41.
  const frame = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x53, 0, 0, 0x41]);
  await assert.rejects(codec.decode(frame), codecError("zstd", /declares 1099511627776 decoded bytes, impossible/));
  frame[5] = 10;
  frame[10] = 0; // now honest: 10 bytes
  sameBytes(await codec.decode(frame), new Uint8Array(10).fill(0x41), "honest RLE frame");
});

test("zstd: truncated, corrupt and garbage input throw CodecError", async () => {
  const codec = await makeCodec(zstd, {});
  const enc = await codec.encode(signalBytes(100_000));
  const streamed = streamingFrame(signalBytes(100_000));
  for (const src of [enc, streamed]) {
    for (const cut of [0, 1, 4, 5, 8, src.length >> 1, src.length - 1]) {
      await assert.rejects(codec.decode(src.subarray(0, cut)), codecError("zstd"), `cut at ${cut}`);
    }
  }
  await assert.rejects(codec.decode(new TextEncoder().encode("definitely not zstd")), codecError("zstd", /corrupt/));
  await assert.rejects(codec.decode(concat(enc, new Uint8Array([1, 2, 3]))), codecError("zstd", /corrupt/));
});

test("zstd: bad configuration is a CodecError naming the field", async () => {
  await assert.rejects(async () => makeCodec(zstd, { level: 23 }), codecError("zstd", /"level"/));
  await assert.rejects(async () => makeCodec(zstd, { level: 3, checksum: 1 }), codecError("zstd", /"checksum"/));
  await assert.rejects(async () => makeCodec(zstd, { level: 3, dict: "x" }), codecError("zstd", /"dict"/));
});
