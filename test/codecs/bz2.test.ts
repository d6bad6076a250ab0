import { test, before } from "node:test";
import assert from "node:assert/strict";
import { bz2 } from "../../src/codecs/bz2.js";
import { codecError, interopPlan, makeCodec, patterns, pyBytes, runPython, sameBytes, signalBytes, type PyJob, type PyResult } from "./bytes-codec-support.js";

const data = patterns(1 << 20);
const multi = signalBytes(250_000);
const MiB = 1 << 20;
let plan: Awaited<ReturnType<typeof interopPlan>>;
let results: PyResult[];
const at: Record<string, number> = {};

before(async () => {
  // node-bzip2 and Python both run libbzip2: the encodings are byte-identical.
  plan = await interopPlan([1, 5, 9].map((level) => ({ factory: bz2, config: { id: "bz2", level }, data, identical: true })));
  const py = (expr: string, input = multi): PyJob => ({ kind: "eval", expr, input });
  const jobs: Record<string, PyJob> = {
    // Multi-stream files (pbzip2, appended streams, an empty stream) and a stream spanning several 100 kB blocks.
    multi: py("bz2.compress(data[:100]) + bz2.compress(b'') + bz2.compress(data[100:150000], 1) + bz2.compress(data[150000:], 9)"),
    blocks: py("bz2.compress(data, 1)"),
    // 256 MiB of zeros in ~200 bytes; 20 MiB of zeros, far beyond the first output guess.
    bomb: py("bz2.compress(bytes(256 << 20), 9)", new Uint8Array(0)),
    zeros: py("bz2.compress(bytes(20 << 20), 9)", new Uint8Array(0)),
  };
  const all = [...plan.jobs];
  for (const [name, job] of Object.entries(jobs)) at[name] = all.push(job) - 1;
  results = runPython(all);
});

const theirs = (name: string): Uint8Array => pyBytes(results[at[name]]);

test("bz2: round trips and numcodecs interop both ways, levels 1/5/9, byte-identical encodings", async () => {
  assert.equal(await plan.verify(results), 3 * data.length);
});

test("bz2: multi-stream and multi-block data decode exactly", async () => {
  const codec = await makeCodec(bz2, {});
  for (const name of ["multi", "blocks"]) {
    sameBytes(await codec.decode(theirs(name)), multi, name);
    sameBytes(await codec.decode(theirs(name), new Uint8Array(multi.length)), multi, `${name} into out`);
  }
});

test("bz2: without out, output far beyond the first size guess decodes exactly (and the decoder works after)", async () => {
  const codec = await makeCodec(bz2, {});
  const zeros = theirs("zeros");
  assert.ok(zeros.length < 200, `${zeros.length} bytes`);
  const d = await codec.decode(zeros);
  assert.equal(d.length, 20 * MiB);
  assert.ok(d.every((v) => v === 0));
  sameBytes(await codec.decode(theirs("multi")), multi, "next decode");
});

/** Peak RSS growth (bytes) while running `f`, beyond the larger of the earlier peak and current RSS + `slack`. */
async function peakGrowth(f: () => Promise<unknown>, slack: number): Promise<number> {
  const before = Math.max(process.resourceUsage().maxRSS * 1024, process.memoryUsage().rss + slack);
  await f();
  return process.resourceUsage().maxRSS * 1024 - before;
}

test("bz2: decode never exceeds out and refuses the wrong size; a bomb is stopped at out's size", async () => {
  const codec = await makeCodec(bz2, {});
  const enc = await codec.encode(new Uint8Array(200_000).fill(3));
  await assert.rejects(codec.decode(enc, new Uint8Array(1000)), codecError("bz2", /more than the expected 1000 bytes/));
  await assert.rejects(codec.decode(enc, new Uint8Array(200_001)), codecError("bz2", /decodes to 200000 bytes but 200001/));
  await assert.rejects(codec.decode(theirs("multi"), new Uint8Array(1000)), codecError("bz2", /more than the expected 1000 bytes/));
  await assert.rejects(codec.decode(theirs("multi"), new Uint8Array(multi.length + 1)), codecError("bz2", /decodes to 250000 bytes but 250001/));
  const growth = await peakGrowth(() => assert.rejects(codec.decode(theirs("bomb"), new Uint8Array(1000)), codecError("bz2", /more than the expected 1000 bytes/)), 96 * MiB);
  assert.ok(growth <= 0, `peak RSS grew ${growth} bytes past the 96 MiB allowance (a full decode takes 256 MiB)`);
});

test("bz2: truncated, corrupt and garbage input throw CodecError", async () => {
  const codec = await makeCodec(bz2, {});
  const plainData = signalBytes(30_000);
  const enc = await codec.encode(plainData);
  for (const cut of [1, 3, 4, 10, 14, enc.length >> 1, enc.length - 6, enc.length - 1]) {
    await assert.rejects(codec.decode(enc.subarray(0, cut)), codecError("bz2"), `cut at ${cut}`);
    await assert.rejects(codec.decode(enc.subarray(0, cut), new Uint8Array(plainData.length)), codecError("bz2"), `cut at ${cut}, into out`);
  }
  for (const pos of [12, enc.length >> 1, enc.length - 8]) {
    const flipped = enc.slice();
    flipped[pos] ^= 0x20;
    await assert.rejects(codec.decode(flipped), codecError("bz2", /corrupt/), `flipped at ${pos}`);
  }
  await assert.rejects(codec.decode(new TextEncoder().encode("BZh9 but not really")), codecError("bz2", /corrupt/));
  // Like Python: bytes after a stream are ignored unless they start another stream, which must be complete.
  sameBytes(await codec.decode(new Uint8Array([...enc, 1, 2, 3, 0, 0])), plainData, "trailing junk ignored");
  sameBytes(await codec.decode(new Uint8Array([...enc, ...new TextEncoder().encode("BZh9 junk")])), plainData, "trailing BZh without a block magic ignored");
  await assert.rejects(codec.decode(new Uint8Array([...enc, ...enc.subarray(0, 40)])), codecError("bz2", /corrupt or truncated/));
  const second = theirs("multi").slice();
  second[second.length - 100] ^= 0x10;
  await assert.rejects(codec.decode(second), codecError("bz2", /corrupt/), "corrupt last stream");
  // Python's bz2.decompress(b"") is b"".
  assert.equal((await codec.decode(new Uint8Array(0))).length, 0);
  await assert.rejects(codec.decode(new Uint8Array(0), new Uint8Array(1)), codecError("bz2", /decodes to 0 bytes but 1/));
});

test("bz2: bad configuration is a CodecError naming the field", async () => {
  await assert.rejects(async () => makeCodec(bz2, { level: 0 }), codecError("bz2", /"level"/));
  await assert.rejects(async () => makeCodec(bz2, { level: 10 }), codecError("bz2", /"level"/));
  await assert.rejects(async () => makeCodec(bz2, { level: 1.5 }), codecError("bz2", /"level"/));
  await assert.rejects(async () => makeCodec(bz2, { blocksize: 1 }), codecError("bz2", /unknown configuration field "blocksize"/));
});
