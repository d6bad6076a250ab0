/**
 * v3 write, checked against the fixtures' own bytes: for every v3 array under
 * ../shared/fixtures, zarrflow writes the same values with the same zarr.json, and
 * - where the codec chain is deterministic across implementations (no compressor: bytes,
 *   transpose, crc32c, adler32, fletcher32, vlen-utf8/bytes, fixed_length_utf32,
 *   datetime/timedelta, float16, sharding of those), every stored chunk is byte-identical
 *   to the one zarr-python 3 / zarrs / zarrita wrote;
 * - otherwise the chunks decode to the same values.
 * This covers the configurations the zarrita peer cannot read (datetime, vlen-bytes,
 * float16 on Node 20, fixed_length_utf32, numcodecs.* codecs).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openFsStore } from "../../src/stores/fs.js";
import { createMemoryStore } from "../../src/stores/memory.js";
import { openArray } from "../../src/array/node.js";
import { get, set } from "../../src/array/access.js";
import { pipelineOf } from "../../src/array/chunks.js";
import { parseJson } from "../../src/format/json.js";
import { REPO, SHARED_FIXTURES } from "../paths.js";

const manifest = JSON.parse(readFileSync(join(REPO, "test", "interop", "fixtures-manifest.json"), "utf8")) as { store: string; path: string; format: number; zip?: string; expect?: unknown }[];
const COMPRESSING = /gzip|zstd|blosc|bz2|zlib|lz4|lzma|delta|packbits|bitround|fixedscaleoffset|quantize/;

test("v3 write: same metadata + values → byte-identical chunks where codecs are deterministic, same values elsewhere", async () => {
  let identical = 0, sameValues = 0;
  const failures: string[] = [];
  for (const e of manifest) {
    if (e.format !== 3 || e.zip || !e.expect) continue;
    const label = `${e.store}#${e.path}`;
    try {
      const src = await openFsStore(join(SHARED_FIXTURES, e.store), { readOnly: true });
      const meta = join(e.path, "zarr.json").replace(/^\//, "");
      const json = (await src.get(meta))!;
      const text = new TextDecoder().decode(json);
      const deterministic = !COMPRESSING.test(JSON.stringify((parseJson(text) as { codecs: unknown }).codecs));
      const fixture = await openArray(src, { path: e.path, zarrFormat: 3 });
      if (fixture.meta.shape.reduce((a, b) => a * b, 1) > 1e6) continue; // the huge all-fill hierarchy arrays
      const values = await get(fixture);
      const dst = createMemoryStore();
      await dst.set(meta, json);
      const ours = await openArray(dst, { path: e.path, zarrFormat: 3 });
      await set(ours, null, values);
      const back = await get(ours);
      assert.deepEqual(back.data, values.data, `${label}: values`);
      if (deterministic) {
        const prefix = e.path === "" ? "" : e.path + "/";
        for await (const k of src.list(prefix)) {
          if (k.endsWith("zarr.json") || k.endsWith(".zarray") || k.endsWith(".zattrs") || k.endsWith(".zgroup")) continue;
          if (k.slice(prefix.length).includes("/") && !/^c[/.]|^\d/.test(k.slice(prefix.length))) continue;
          const theirs = (await src.get(k))!;
          const mine = await dst.get(k);
          if (mine === undefined) {
            // zarrs stores chunks equal to the fill value; we (like zarr-python 3) do not.
            continue;
          }
          if (!Buffer.from(mine).equals(Buffer.from(theirs))) failures.push(`${label}: chunk ${k} differs (${mine.length} vs ${theirs.length} bytes)`);
        }
        identical++;
      } else {
        // Compressed: the compressors may differ byte-wise; the serialized bytes under them must not.
        const p = await pipelineOf(ours);
        if (p.arrayToBytes.codec.name !== "sharding_indexed" && p.bytesToBytes.length > 0) {
          const prefix = e.path === "" ? "" : e.path + "/";
          for await (const k of src.list(prefix)) {
            if (/zarr\.json$|\.z(array|attrs|group)$/.test(k)) continue;
            const mine = await dst.get(k);
            if (mine === undefined) continue;
            let a = mine, b = (await src.get(k))!;
            for (let i = p.bytesToBytes.length - 1; i >= 0; i--) { a = await p.bytesToBytes[i].decode(a); b = await p.bytesToBytes[i].decode(b); }
            if (!Buffer.from(a).equals(Buffer.from(b))) failures.push(`${label}: chunk ${k} serializes differently`);
          }
        }
        sameValues++;
      }
    } catch (err) {
      failures.push(`${label}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  process.stdout.write(`# v3 rewrite: ${identical} arrays with byte-identical chunks, ${sameValues} with equal serialized bytes under differing compressors\n`);
  assert.ok(identical >= 10, `only ${identical} deterministic arrays checked`);
  assert.deepEqual(failures, []);
});
