import assert from "node:assert/strict";
import { test } from "node:test";
import { StoreError } from "../../src/format/errors.js";
import { createMemoryStore } from "../../src/stores/memory.js";
import { isWritable } from "../../src/stores/types.js";
import { conformance, listAll } from "./conformance.js";

conformance("memory", async () => ({ store: createMemoryStore() }), { delete: true });

test("memory: seeded from pairs or a record, values copied in and out", async () => {
  const v = new Uint8Array([1, 2, 3]);
  const s = createMemoryStore([["a/b", v]]);
  const r = createMemoryStore({ ".zgroup": new Uint8Array([9]) });
  v[0] = 7;
  assert.deepEqual(await s.get("a/b"), new Uint8Array([1, 2, 3]));
  const out = (await s.get("a/b"))!;
  out[1] = 0;
  assert.deepEqual(await s.get("a/b"), new Uint8Array([1, 2, 3]));
  assert.deepEqual(await listAll(r), [".zgroup"]);
  assert.ok(isWritable(s));
  assert.throws(() => createMemoryStore({ "../x": v }), StoreError);
});

test("memory: list tolerates writes while iterating", async () => {
  const s = createMemoryStore({ a: new Uint8Array(1), b: new Uint8Array(1) });
  const seen: string[] = [];
  for await (const k of s.list("")) {
    seen.push(k);
    await s.delete(k);
    await s.set(k + "2", new Uint8Array(1));
  }
  assert.deepEqual(seen.sort(), ["a", "b"]);
  assert.deepEqual(await listAll(s), ["a2", "b2"]);
});
