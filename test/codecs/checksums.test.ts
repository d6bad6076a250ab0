import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { adler32, crc32, crc32c, crcFunction, fletcher32, fletcher32Checksum, adler32Checksum } from "../../src/codecs/checksums.js";
import { codecError, interopPlan, makeCodec, patterns, pyBytes, randomBytes, runPython, sameBytes, signalBytes, type PyJob, type PyResult } from "./bytes-codec-support.js";

const data = patterns(1 << 20);
// The pure-Python Fletcher-32 reference is slow: smaller data for it.
const small = patterns(100_000).concat([
  { name: "0xff × 5000 (largest sums)", data: new Uint8Array(5000).fill(0xff) },
  { name: "0xff × 721", data: new Uint8Array(721).fill(0xff) },
  { name: "0x80 pattern", data: new Uint8Array(4321).map((_, i) => (i % 3 ? 0x80 : 0xff)) },
]);
let plan: Awaited<ReturnType<typeof interopPlan>>;
let results: PyResult[];
const groups: Record<string, { jobs: number[]; data: { name: string; data: Uint8Array }[] }> = {};

before(async () => {
  plan = await interopPlan([
    { factory: crc32, config: { id: "crc32" }, data, identical: true },
    { factory: adler32, config: { id: "adler32" }, data, identical: true },
  ]);
  const jobs: PyJob[] = [...plan.jobs];
  const add = (group: string, expr: string, set: { name: string; data: Uint8Array }[]) => {
    groups[group] = { jobs: set.map((d) => jobs.push({ kind: "eval", expr, input: d.data }) - 1), data: set };
  };
  // numcodecs 0.11 has no CRC32C or Fletcher32, and no "location": python3-crc32c, zlib and a reference implementation stand in.
  add("crc32c", "data + struct.pack('<I', crc32c.crc32c(data))", data.concat(small.slice(-3)));
  add("fletcher32", "data + struct.pack('<I', fletcher32_ref(data))", small);
  add("crc32 end", "data + struct.pack('<I', zlib.crc32(data))", small);
  add("adler32 end", "data + struct.pack('<I', zlib.adler32(data))", small);
  results = runPython(jobs);
});

test("crc32/adler32: byte-identical to numcodecs, both ways", async () => {
  assert.equal(await plan.verify(results), 2 * data.length);
});

for (const [group, factory, configuration] of [
  ["crc32c", crc32c, {}],
  ["fletcher32", fletcher32, {}],
  ["crc32 end", crc32, { location: "end" }],
  ["adler32 end", adler32, { location: "end" }],
] as const) {
  test(`${group}: byte-identical to the Python reference, and decodes it`, async () => {
    const codec = await makeCodec(factory, configuration);
    const { jobs, data: set } = groups[group];
    for (let i = 0; i < set.length; i++) {
      const theirs = pyBytes(results[jobs[i]]);
      sameBytes(await codec.encode(set[i].data), theirs, `${group} ${set[i].name}`);
      sameBytes(await codec.decode(theirs), set[i].data, `${group} ${set[i].name} decode`);
      sameBytes(await codec.decode(theirs, new Uint8Array(set[i].data.length)), set[i].data, `${group} ${set[i].name} decode into out`);
    }
  });
}

test("crc32c: the v3 codec appends and matches the standard check value", async () => {
  const codec = await makeCodec(crc32c, {}, 3);
  const enc = await codec.encode(new TextEncoder().encode("123456789"));
  assert.equal(new DataView(enc.buffer).getUint32(9, true), 0xe3069283);
  assert.equal(codec.encodedSize?.(9), 13);
});

test("fletcher32: decodes numcodecs' published known vector", async () => {
  // From numcodecs' test_fletcher32.py: ten little-endian int64 values plus the checksum.
  const expected = [1911n, -2427n, 1897n, -2412n, 2440n, 873n, -621n, -829n, 551n, -2118n];
  const enc = new Uint8Array([...new Uint8Array(new BigInt64Array(expected).buffer), 0xfd, 0x25, 0x86, 0x64]);
  const dec = await (await makeCodec(fletcher32)).decode(enc);
  assert.deepEqual([...new BigInt64Array(dec.buffer, dec.byteOffset, 10)], expected);
  assert.equal(fletcher32Checksum(enc.subarray(0, 80)), 0x648625fd);
});

test("slicing-by-8 CRC-32 agrees with zlib's on every length and alignment; Adler-32 check values", () => {
  const table = crcFunction(0xedb88320);
  const bytes = randomBytes(3000, 5);
  for (let start = 0; start < 9; start++) {
    for (const len of [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 2990]) {
      const view = bytes.subarray(start, start + len);
      assert.equal(table(view), zlib.crc32(view) >>> 0, `start ${start} length ${len}`);
    }
  }
  assert.equal(adler32Checksum(new Uint8Array(0)), 1);
  assert.equal(adler32Checksum(new TextEncoder().encode("Wikipedia")), 0x11e60398);
});

test("checksums: mismatch, short input and wrong out size throw CodecError naming the codec", async () => {
  const input = signalBytes(10_000);
  for (const [name, factory] of [["crc32", crc32], ["adler32", adler32], ["crc32c", crc32c], ["fletcher32", fletcher32]] as const) {
    const codec = await makeCodec(factory);
    const enc = await codec.encode(input);
    assert.equal(enc.length, codec.encodedSize?.(input.length));
    for (const at of [0, 3, 4, 5000, enc.length - 5, enc.length - 1]) {
      const bad = enc.slice();
      bad[at] ^= 0x04;
      await assert.rejects(codec.decode(bad), codecError(name, /checksum mismatch/), `${name} flip at ${at}`);
    }
    await assert.rejects(codec.decode(enc.subarray(0, 3)), codecError(name, /cannot hold a 4-byte checksum/));
    await assert.rejects(codec.decode(enc, new Uint8Array(input.length - 1)), codecError(name, /decodes to 10000 bytes but 9999/));
    sameBytes(await codec.decode(await codec.encode(new Uint8Array(0))), new Uint8Array(0), `${name} empty`);
  }
});

test("checksums: bad configuration is a CodecError naming the field", async () => {
  await assert.rejects(async () => makeCodec(crc32, { location: "middle" }), codecError("crc32", /"location"/));
  await assert.rejects(async () => makeCodec(fletcher32, { location: "end" }), codecError("fletcher32", /"location"/));
  await assert.rejects(async () => makeCodec(crc32c, { seed: 1 }), codecError("crc32c", /"seed"/));
});
