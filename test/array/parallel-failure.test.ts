/**
 * Failures under get/set on the pool: a worker thread that exits, or runs out of memory,
 * in the middle of decoding a chunk is replaced and the chunk retried, so the read returns
 * the right values; a thread that dies on every attempt gives a typed error naming the chunk,
 * and the pool keeps serving reads.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createMemoryStore } from "../../src/stores/memory.js";
import { createArray } from "../../src/array/node.js";
import { get, set } from "../../src/array/access.js";
import { registerCodec } from "../../src/codecs/registry.js";
import { ChunkError } from "../../src/format/errors.js";
import { createPool } from "../../src/runtime/pool.js";

const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
registerCodec("test.dying", { module: new URL(`./dying-codec.${ext}`, import.meta.url).href, export: "dyingCodec" }, { v3: true, v2: false });
const pool = createPool({ threads: 2, resourceLimits: { maxOldGenerationSizeMb: 64 } });
after(() => pool.destroy());
const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

async function arrayDyingOn(mode: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-dying-"));
  dirs.push(dir);
  const a = await createArray(createMemoryStore(), "d", { shape: [40, 10], chunks: [10, 10], dtype: "int32", fillValue: 0, codecs: [
    { name: "bytes", configuration: { endian: "little" } }, { name: "test.dying", configuration: { dir, mode } },
  ] });
  const data = Int32Array.from({ length: 400 }, (_, i) => i * 3 - 7);
  await set(a, null, { data, shape: [40, 10], dtype: a.meta.dtype }, { pool: null });
  return { a, data, dir };
}

for (const mode of ["exit", "oom"]) {
  test(`a worker that ${mode === "exit" ? "exits" : "runs out of memory"} while decoding is replaced and the chunk retried`, async () => {
    const { a, data, dir } = await arrayDyingOn(mode);
    const r = await get(a, undefined, { pool });
    assert.ok(fs.existsSync(path.join(dir, "died")), "a worker did die");
    assert.deepEqual(Int32Array.from(r.data as Int32Array), data);
  });
}

test("a worker that dies on every attempt: a typed error naming the chunk; the pool still serves reads", async () => {
  const { a } = await arrayDyingOn("always");
  await assert.rejects(get(a, [0, 0], { pool }), (e: unknown) => e instanceof ChunkError && e.key === "d/c/0/0" && /failed twice/.test(e.message));
  const ok = await arrayDyingOn("never-dies-twice");
  fs.writeFileSync(path.join(ok.dir, "died"), ""); // already "died": decodes normally
  assert.deepEqual(Int32Array.from((await get(ok.a, undefined, { pool })).data as Int32Array), ok.data);
});
