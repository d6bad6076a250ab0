/**
 * The store conformance suite, shared by the memory, filesystem and zip stores.
 * Each case opens a fresh store through `open` and closes it afterwards.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { StoreError } from "../../src/format/errors.js";
import type { ReadableStore, Store } from "../../src/stores/types.js";

/** A fresh store plus, for persistent stores, a way to reopen what was written. */
export interface Opened {
  store: Store;
  /** Close `store` and open its data again read-only. */
  reopen?: () => Promise<ReadableStore>;
}

/** What a store can do beyond the contract's minimum. */
export interface Caps {
  /** `delete` of an existing key works (zip: it throws StoreError). */
  delete: boolean;
}

/** Collect a store listing, sorted. */
export async function listAll(s: ReadableStore, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const k of s.list(prefix)) out.push(k);
  return out.sort();
}

const enc = (s: string) => new TextEncoder().encode(s);

/** Keys every store must refuse, for get, set and delete alike. */
export const BAD_KEYS = [
  "",
  "/abs",
  "/",
  "..",
  ".",
  "a/../../x",
  "a/./b",
  "a//b",
  "a/",
  "a\u0000b",
  "a\u0001b",
  "a\u007fb",
  "a\\..\\b",
  "a\\b",
  "C:/x",
  "c:x",
  "a/C:/x",
];

/** Register the conformance tests for one store kind. */
export function conformance(name: string, open: () => Promise<Opened>, caps: Caps): void {
  const withStore = async (fn: (o: Opened) => Promise<void>) => {
    const o = await open();
    try {
      await fn(o);
    } finally {
      await o.store.close?.();
    }
  };

  test(`${name}: missing keys read as undefined and list nothing`, () =>
    withStore(async ({ store }) => {
      assert.equal(await store.get("nope"), undefined);
      assert.equal(await store.get("a/b/.zarray"), undefined);
      assert.equal(await store.get("nope", { offset: 0, length: 1 }), undefined);
      assert.equal(await store.get("nope", { suffix: 4 }), undefined);
      assert.deepEqual(await listAll(store), []);
    }));

  test(`${name}: set/get round-trips exact bytes, empty values, overwrites and odd names`, () =>
    withStore(async ({ store, reopen }) => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const big = new Uint8Array(randomBytes(1 << 20));
      const cases: [string, Uint8Array][] = [
        [".zgroup", enc('{"zarr_format":2}')],
        ["a/b/c/0.0", all],
        ["big/0", big],
        ["empty", new Uint8Array(0)],
        ["my group with spaces/.zattrs", enc("{}")],
        ["ünïcødé/ключ/0", enc("x")],
      ];
      for (const [k, v] of cases) await store.set(k, v);
      await store.set("over", enc("first value, longer"));
      await store.set("over", enc("second"));
      // Mutating the caller's array after set must not change the stored value.
      const mutable = enc("keep");
      await store.set("copy", mutable);
      mutable[0] = 0;
      const check = async (s: ReadableStore) => {
        for (const [k, v] of cases) {
          const got = await s.get(k);
          assert.ok(got instanceof Uint8Array, k);
          assert.deepEqual(got, v, k);
        }
        assert.deepEqual(await s.get("over"), enc("second"));
        assert.deepEqual(await s.get("copy"), enc("keep"));
        assert.deepEqual(
          await listAll(s),
          [...cases.map((c) => c[0]), "over", "copy"].sort(),
        );
      };
      await check(store);
      if (reopen) {
        const r = await reopen();
        try {
          await check(r);
        } finally {
          await r.close?.();
        }
      }
    }));

  test(`${name}: byte ranges, suffix ranges and ranges past the end clamp like HTTP`, () =>
    withStore(async ({ store, reopen }) => {
      const v = enc("0123456789");
      await store.set("r/k", v);
      await store.set("r/empty", new Uint8Array(0));
      const check = async (s: ReadableStore) => {
        const g = async (range: Parameters<ReadableStore["get"]>[1]) => new TextDecoder().decode((await s.get("r/k", range))!);
        assert.equal(await g({ offset: 0, length: 3 }), "012");
        assert.equal(await g({ offset: 4, length: 2 }), "45");
        assert.equal(await g({ offset: 5 }), "56789");
        assert.equal(await g({ offset: 2, length: 0 }), "");
        assert.equal(await g({ offset: 8, length: 10 }), "89");
        assert.equal(await g({ offset: 10 }), "");
        assert.equal(await g({ offset: 50, length: 5 }), "");
        assert.equal(await g({ suffix: 3 }), "789");
        assert.equal(await g({ suffix: 0 }), "");
        assert.equal(await g({ suffix: 10 }), "0123456789");
        assert.equal(await g({ suffix: 100 }), "0123456789");
        assert.equal(await g(undefined), "0123456789");
        assert.deepEqual(await s.get("r/empty", { suffix: 5 }), new Uint8Array(0));
        assert.deepEqual(await s.get("r/empty", { offset: 0, length: 5 }), new Uint8Array(0));
        for (const bad of [{ offset: -1 }, { offset: 1.5 }, { offset: 0, length: -2 }, { suffix: Number.NaN }, { suffix: -1 }]) {
          await assert.rejects(s.get("r/k", bad as never), StoreError, JSON.stringify(bad));
        }
      };
      await check(store);
      if (reopen) {
        const r = await reopen();
        try {
          await check(r);
        } finally {
          await r.close?.();
        }
      }
    }));

  test(`${name}: list filters by plain string prefix`, () =>
    withStore(async ({ store }) => {
      const keys = [".zgroup", ".zattrs", "a/.zarray", "a/0.0", "a/0.1", "ab/.zarray", "ab/c/0", "x/y/z/1.2.3", "zarr.json"];
      for (const k of keys) await store.set(k, enc(k));
      assert.deepEqual(await listAll(store, ""), [...keys].sort());
      assert.deepEqual(await listAll(store, "a/"), ["a/.zarray", "a/0.0", "a/0.1"]);
      assert.deepEqual(await listAll(store, "a"), ["a/.zarray", "a/0.0", "a/0.1", "ab/.zarray", "ab/c/0"]);
      assert.deepEqual(await listAll(store, "a/0."), ["a/0.0", "a/0.1"]);
      assert.deepEqual(await listAll(store, ".z"), [".zattrs", ".zgroup"]);
      assert.deepEqual(await listAll(store, "x/y/"), ["x/y/z/1.2.3"]);
      assert.deepEqual(await listAll(store, "x/y/z/1.2.3"), ["x/y/z/1.2.3"]);
      assert.deepEqual(await listAll(store, "nothere/"), []);
      assert.deepEqual(await listAll(store, "q"), []);
      for (const bad of ["/a", "a//", "../", "a/../", "a\\b", "a\u0000"]) {
        await assert.rejects(listAll(store, bad), StoreError, JSON.stringify(bad));
      }
    }));

  test(`${name}: delete`, () =>
    withStore(async ({ store }) => {
      await store.set("d/k", enc("v"));
      await store.set("d/keep", enc("w"));
      await store.delete("d/missing"); // not an error
      await store.delete("never/was"); // not an error
      if (caps.delete) {
        await store.delete("d/k");
        assert.equal(await store.get("d/k"), undefined);
        assert.deepEqual(await listAll(store), ["d/keep"]);
        await store.delete("d/k"); // twice: still fine
      } else {
        await assert.rejects(store.delete("d/k"), StoreError);
        assert.deepEqual(await store.get("d/k"), enc("v"));
      }
    }));

  test(`${name}: invalid keys are refused with StoreError naming the key`, () =>
    withStore(async ({ store }) => {
      for (const k of BAD_KEYS) {
        const named = (e: unknown) => e instanceof StoreError && e.key === k;
        await assert.rejects(store.get(k), named, `get ${JSON.stringify(k)}`);
        await assert.rejects(store.get(k, { suffix: 1 }), named, `ranged get ${JSON.stringify(k)}`);
        await assert.rejects(store.set(k, enc("x")), named, `set ${JSON.stringify(k)}`);
        await assert.rejects(store.delete(k), named, `delete ${JSON.stringify(k)}`);
      }
      assert.deepEqual(await listAll(store), []);
    }));

  test(`${name}: concurrent sets and gets`, () =>
    withStore(async ({ store }) => {
      const values = Array.from({ length: 64 }, (_, i) => new Uint8Array(randomBytes(100 + i * 37)));
      await Promise.all(values.map((v, i) => store.set(`c/${i % 8}/${i}`, v)));
      const got = await Promise.all(values.map((_, i) => store.get(`c/${i % 8}/${i}`)));
      got.forEach((g, i) => assert.deepEqual(g, values[i], String(i)));
      assert.equal((await listAll(store, "c/")).length, 64);
    }));
}
