import { test, before } from "node:test";
import assert from "node:assert/strict";
import { base64 } from "../../src/codecs/base64.js";
import { codecError, interopPlan, makeCodec, patterns, runPython, sameBytes, type PyResult } from "./bytes-codec-support.js";

const data = patterns(1 << 20).concat([1, 2, 3, 4, 5].map((n) => ({ name: `${n} bytes`, data: new Uint8Array(n).map((_, i) => 250 + i) })));
let plan: Awaited<ReturnType<typeof interopPlan>>;
let results: PyResult[];

before(async () => {
  plan = await interopPlan([{ factory: base64, config: { id: "base64" }, data, identical: true }]);
  results = runPython(plan.jobs);
});

test("base64: byte-identical to numcodecs, both ways", async () => {
  assert.equal(await plan.verify(results), data.length);
});

test("base64: encodedSize and whitespace tolerance", async () => {
  const codec = await makeCodec(base64);
  for (const n of [0, 1, 2, 3, 4, 100]) assert.equal((await codec.encode(new Uint8Array(n))).length, codec.encodedSize?.(n));
  const text = (s: string) => new TextEncoder().encode(s);
  sameBytes(await codec.decode(text("YW Jj\nZA==\r\n")), text("abcd"), "whitespace is skipped, as in Python");
  sameBytes(await codec.decode(text("YWJjZA=="), new Uint8Array(4)), text("abcd"), "into out");
});

test("base64: non-canonical text and wrong sizes throw CodecError", async () => {
  const codec = await makeCodec(base64);
  const text = (s: string) => new TextEncoder().encode(s);
  await assert.rejects(codec.decode(text("abc")), codecError("base64", /multiple of 4/));
  await assert.rejects(codec.decode(text("ab=c")), codecError("base64", /not standard base64/));
  await assert.rejects(codec.decode(text("a===")), codecError("base64", /not standard base64/));
  await assert.rejects(codec.decode(text("ab-_")), codecError("base64", /not standard base64/));
  await assert.rejects(codec.decode(text("YWJj=ZA=")), codecError("base64", /byte 0x3d at 4 .*misplaced padding/));
  await assert.rejects(codec.decode(text("====")), codecError("base64", /misplaced padding/));
  await assert.rejects(codec.decode(text("YWJj\u00ff\u00ff\u00ff\u00ff")), codecError("base64"));
  await assert.rejects(codec.decode(text("YWJjZA=="), new Uint8Array(5)), codecError("base64", /decodes to 4 bytes but 5/));
  await assert.rejects(async () => makeCodec(base64, { altchars: "-_" }), codecError("base64", /"altchars"/));
});
