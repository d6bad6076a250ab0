import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPipeline, decodeChunk, encodeChunk } from "../../src/codecs/pipeline.js";
import { parseV3DataType } from "../../src/format/dtype.js";
import { CodecError } from "../../src/format/errors.js";
import type { CodecSpec } from "../../src/format/metadata.js";

const dtype = parseV3DataType("int32");
const chunk = { shape: [64], dtype, fillValue: 0 };

test("pipeline: decode lands in the caller's output memory (bytes serializer, compressors before it)", async () => {
  const chains: CodecSpec[][] = [
    [{ name: "bytes", configuration: { endian: "little" } }, { name: "blosc", configuration: { cname: "lz4", clevel: 5, shuffle: "shuffle", typesize: 4, blocksize: 0 } }],
    [{ name: "bytes", configuration: { endian: "big" } }, { name: "zstd", configuration: { level: 1, checksum: false } }, { name: "crc32c", configuration: {} }],
    [{ name: "bytes", configuration: { endian: "little" } }],
  ];
  for (const codecs of chains) {
    const p = await buildPipeline({ zarrFormat: 3, codecs, chunk });
    const data = Int32Array.from({ length: 64 }, (_, i) => i * 1000 - 7);
    const enc = await encodeChunk(p, { data, shape: [64], dtype });
    const shared = new Int32Array(new SharedArrayBuffer(64 * 4));
    const out = { data: shared, shape: [64], dtype };
    const got = await decodeChunk(p, enc, "k", out);
    assert.equal(got.data, shared, "decoded into the given output");
    assert.deepEqual([...shared], [...data]);
  }
});

test("pipeline: v3 ordering is enforced and v2 inserts the implicit serializer", async () => {
  await assert.rejects(buildPipeline({ zarrFormat: 3, codecs: [{ name: "gzip", configuration: { level: 1 } }, { name: "bytes", configuration: { endian: "little" } }], chunk }), CodecError);
  await assert.rejects(buildPipeline({ zarrFormat: 3, codecs: [{ name: "gzip", configuration: { level: 1 } }], chunk }), CodecError);
  const v2 = await buildPipeline({ zarrFormat: 2, codecs: [{ name: "zlib", configuration: { level: 1 } }], chunk: { ...chunk, dtype: { kind: "int", bits: 32, endian: "big" } } });
  assert.equal(v2.arrayToBytes.codec.name, "bytes");
  const data = Int32Array.from([1, 2, 3, 4]);
  const p = await buildPipeline({ zarrFormat: 2, codecs: [], chunk: { ...chunk, shape: [4], dtype: { kind: "int", bits: 32, endian: "big" } } });
  const raw = await encodeChunk(p, { data, shape: [4], dtype });
  assert.deepEqual([...raw.subarray(0, 4)], [0, 0, 0, 1], "big-endian dtype stored big-endian");
});
