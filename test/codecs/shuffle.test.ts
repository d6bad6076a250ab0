/**
 * numcodecs `Shuffle` filter: bytes must equal numcodecs.Shuffle(elementsize).encode, our
 * encodings must decode with numcodecs, and round trips must be exact.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { shuffle } from "../../src/codecs/shuffle.js";
import { CodecError } from "../../src/format/errors.js";
import type { BytesToBytesCodec, CodecContext } from "../../src/codecs/types.js";

const PY = process.env.PYTHON ?? "/usr/bin/python3";
const ctx: CodecContext = { spec: { shape: [1], dtype: { kind: "uint", bits: 8, endian: "little" }, fillValue: 0 }, zarrFormat: 2 };
const ELEMENTSIZES = [0, 1, 2, 3, 4, 7, 8, 16, 24];

function make(es: number | undefined): BytesToBytesCodec {
  const c = shuffle(es === undefined ? {} : { elementsize: es }, ctx);
  assert.equal(c.kind, "bytes-to-bytes");
  return c;
}

function data(es: number): Uint8Array {
  const n = 997 * Math.max(es, 1);
  const out = new Uint8Array(n);
  let s = 12345 + es;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

const PY_SCRIPT = String.raw`
import json, os, sys
import numpy as np
from numcodecs import Shuffle
d = sys.argv[1]
res = {}
for es in json.load(open(os.path.join(d, "manifest.json"))):
    raw = np.frombuffer(open(os.path.join(d, "in-%d.bin" % es), "rb").read(), dtype="u1")
    open(os.path.join(d, "nc-%d.bin" % es), "wb").write(bytes(Shuffle(elementsize=es).encode(raw)))
    ours = np.frombuffer(open(os.path.join(d, "js-%d.bin" % es), "rb").read(), dtype="u1")
    res[str(es)] = bytes(Shuffle(elementsize=es).decode(ours)) == raw.tobytes()
json.dump(res, open(os.path.join(d, "results.json"), "w"))
`;

test("shuffle filter matches numcodecs.Shuffle byte for byte", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-shuffle-"));
  try {
    for (const es of ELEMENTSIZES) {
      fs.writeFileSync(path.join(dir, `in-${es}.bin`), data(es));
      fs.writeFileSync(path.join(dir, `js-${es}.bin`), await make(es).encode(data(es)));
    }
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(ELEMENTSIZES));
    const p = spawnSync(PY, ["-c", PY_SCRIPT, dir], { encoding: "utf8" });
    if (p.error) throw p.error;
    assert.equal(p.status, 0, `python failed (numcodecs 0.11 is required):\n${p.stderr}`);
    const results = JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8")) as Record<string, boolean>;
    for (const es of ELEMENTSIZES) {
      const theirs = new Uint8Array(fs.readFileSync(path.join(dir, `nc-${es}.bin`)));
      const ours = new Uint8Array(fs.readFileSync(path.join(dir, `js-${es}.bin`)));
      assert.deepEqual(ours, theirs, `elementsize ${es}: encoded bytes differ`);
      assert.equal(results[String(es)], true, `elementsize ${es}: numcodecs could not decode ours`);
      if (es > 1) assert.notDeepEqual(ours, data(es), `elementsize ${es} must actually shuffle`);
      const out = new Uint8Array(theirs.length);
      assert.equal(await make(es).decode(theirs, out), out);
      assert.deepEqual(out, data(es));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("round trip, default elementsize 4, in-place decode", async () => {
  const codec = make(undefined);
  const src = data(4);
  const enc = await codec.encode(src);
  // elementsize 4: byte 0 of every element first.
  assert.deepEqual(enc.subarray(0, 3), Uint8Array.of(src[0], src[4], src[8]));
  assert.deepEqual(await codec.decode(enc), src);
  const same = enc.slice();
  assert.deepEqual(await codec.decode(same, same), src);
});

test("bad buffers and configurations give CodecError", async () => {
  await assert.rejects(make(4).encode(new Uint8Array(10)), CodecError);
  await assert.rejects(make(3).decode(new Uint8Array(10)), CodecError);
  await assert.rejects(make(2).decode(new Uint8Array(10), new Uint8Array(12)), CodecError);
  for (const elementsize of [-1, 1.5, "4", null]) assert.throws(() => shuffle({ elementsize }, ctx), CodecError, String(elementsize));
  // elementsize 1 passes any length through unchanged.
  assert.deepEqual(await make(1).encode(Uint8Array.of(1, 2, 3)), Uint8Array.of(1, 2, 3));
});
