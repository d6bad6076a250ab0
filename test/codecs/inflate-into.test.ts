import { test, after } from "node:test";
import assert from "node:assert/strict";
import { deflateSync, inflateSync } from "node:zlib";
import { InflateError, inflateInto, useInflateSyncForTests } from "../../src/codecs/inflate-into.js";
import { signalBytes } from "./bytes-codec-support.js";

/** Both paths: node's native handle driven directly, and the public inflateSync fallback. */
const PATHS = [
  { name: "native handle", fallback: false },
  { name: "inflateSync fallback", fallback: true },
];

after(() => useInflateSyncForTests(false));

/** A WebAssembly memory of `pages` 64 KiB pages (the lib typings here have no WebAssembly global). */
function wasmMemory(pages: number): { buffer: ArrayBuffer } {
  const api = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number }) => { buffer: ArrayBuffer } } }).WebAssembly;
  return new api.Memory({ initial: pages });
}

for (const { name, fallback } of PATHS) {
  test(`inflateInto (${name}): same bytes as inflateSync, into plain, shared and WebAssembly memory at offsets`, () => {
    useInflateSyncForTests(fallback);
    for (const size of [0, 1, 63, 64, 1000, 65_536, 1 << 20]) {
      const input = signalBytes(size);
      const enc = deflateSync(input, { level: 3 });
      const memory = wasmMemory(Math.ceil((size + 200) / 65536));
      const targets = [new Uint8Array(size), new Uint8Array(new SharedArrayBuffer(size + 7), 7, size), new Uint8Array(memory.buffer, 131, size)];
      for (const out of targets) {
        out.fill(0xee);
        assert.equal(inflateInto(enc, out), size, `size ${size}`);
        assert.deepEqual(Buffer.from(out.buffer, out.byteOffset, size), inflateSync(enc), `size ${size}`);
      }
      // Bytes around the view are untouched.
      const whole = new Uint8Array(memory.buffer);
      assert.equal(whole[130], 0);
      assert.equal(whole[131 + size], 0);
    }
  });

  test(`inflateInto (${name}): a shorter stream fills part, a longer one is refused as too large`, () => {
    useInflateSyncForTests(fallback);
    const input = signalBytes(10_000);
    const enc = deflateSync(input);
    const roomy = new Uint8Array(10_050);
    assert.equal(inflateInto(enc, roomy), 10_000);
    assert.deepEqual(roomy.subarray(0, 10_000), input);
    for (const small of [0, 1, 9_999]) {
      assert.throws(() => inflateInto(enc, new Uint8Array(small)), (e: unknown) => e instanceof InflateError && e.tooLarge && /more than the expected/.test(e.message), `room ${small}`);
    }
    // The stream is usable after a refusal.
    const exact = new Uint8Array(10_000);
    assert.equal(inflateInto(enc, exact), 10_000);
    assert.deepEqual(exact, input);
  });

  test(`inflateInto (${name}): truncated and corrupt streams throw, and the next stream still decodes`, () => {
    useInflateSyncForTests(fallback);
    const input = signalBytes(50_000);
    const enc = deflateSync(input);
    const out = new Uint8Array(50_000);
    const bad = [enc.subarray(0, 0), enc.subarray(0, 2), enc.subarray(0, enc.length >> 1), enc.subarray(0, enc.length - 1), new TextEncoder().encode("not zlib at all")];
    const flipped = Buffer.from(enc);
    flipped[flipped.length - 1] ^= 0x10; // Adler-32 trailer
    bad.push(flipped);
    for (const b of bad) {
      assert.throws(() => inflateInto(b, out), (e: unknown) => e instanceof InflateError && !e.tooLarge, `input of ${b.length} bytes`);
      assert.equal(inflateInto(enc, out), 50_000);
      assert.deepEqual(out, input);
    }
  });

  test(`inflateInto (${name}): bytes after the stream's end are ignored, as inflateSync ignores them`, () => {
    useInflateSyncForTests(fallback);
    const input = signalBytes(3000);
    const enc = Buffer.concat([deflateSync(input), Buffer.from("trailing")]);
    assert.deepEqual(inflateSync(enc), Buffer.from(input));
    const out = new Uint8Array(3000);
    assert.equal(inflateInto(enc, out), 3000);
    assert.deepEqual(out, input);
  });
}

test("inflateInto: anything but typed arrays is a TypeError (node's native zlib would abort the process)", () => {
  useInflateSyncForTests(false);
  const enc = deflateSync(Buffer.from("abc"));
  assert.throws(() => inflateInto([...enc] as unknown as Uint8Array, new Uint8Array(3)), TypeError);
  assert.throws(() => inflateInto(enc, [0, 0, 0] as unknown as Uint8Array), TypeError);
  const out = new Uint8Array(3);
  assert.equal(inflateInto(enc, out), 3);
  assert.equal(Buffer.from(out).toString(), "abc");
});
