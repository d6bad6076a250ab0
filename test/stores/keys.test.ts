import assert from "node:assert/strict";
import { test } from "node:test";
import { StoreError } from "../../src/format/errors.js";
import { checkKey, checkPrefix, keyProblem, resolveRange, splitPrefix } from "../../src/stores/keys.js";
import { BAD_KEYS } from "./conformance.js";

test("valid keys pass unchanged", () => {
  for (const k of [".zarray", "a/b/c/0.0", "my group with spaces/.zgroup", "ünï/ключ", "a.b/..c/c..", "0", "x.y-z_1", "...", ".z/..x"]) {
    assert.equal(checkKey(k), k);
    assert.equal(keyProblem(k), undefined);
  }
});

test("bad keys are refused with a reason and the key named, never normalised", () => {
  const reasons: Record<string, RegExp> = {
    "": /empty key/,
    "/abs": /absolute/,
    "..": /'\.\.'/,
    ".": /'\.'/,
    "a/../../x": /'\.\.'/,
    "a//b": /empty path segment/,
    "a/": /empty path segment/,
    "a\u0000b": /control character U\+0000/,
    "a\u0001b": /U\+0001/,
    "a\u007fb": /U\+007f/,
    "a\\..\\b": /backslash/,
    "C:/x": /drive-letter \(absolute\)/,
    "a:b": /drive-letter/,
    "a/C:/x": /drive-letter path segment/,
  };
  for (const k of BAD_KEYS) {
    assert.throws(() => checkKey(k), (e: unknown) => e instanceof StoreError && e.key === k, JSON.stringify(k));
    assert.notEqual(keyProblem(k), undefined);
  }
  for (const [k, re] of Object.entries(reasons)) assert.match(keyProblem(k)!, re, JSON.stringify(k));
  // The message renders control characters visibly.
  assert.throws(() => checkKey("a\u0000b"), /"a\\u0000b"/);
});

test("list prefixes split into directory and partial name", () => {
  assert.deepEqual(splitPrefix(""), ["", ""]);
  assert.deepEqual(splitPrefix("a"), ["", "a"]);
  assert.deepEqual(splitPrefix("a/"), ["a", ""]);
  assert.deepEqual(splitPrefix("a/b/.z"), ["a/b", ".z"]);
  assert.deepEqual(splitPrefix(".."), ["", ".."]); // a name filter only, never a path
  for (const bad of ["/", "/a", "a//", "../x", "a/./", "a\\", "x\u0000", "C:/"]) {
    assert.throws(() => checkPrefix(bad), StoreError, JSON.stringify(bad));
  }
});

test("resolveRange clamps to the end like HTTP servers", () => {
  assert.deepEqual(resolveRange(10, undefined, "k"), [0, 10]);
  assert.deepEqual(resolveRange(10, { offset: 2, length: 3 }, "k"), [2, 5]);
  assert.deepEqual(resolveRange(10, { offset: 8, length: 5 }, "k"), [8, 10]);
  assert.deepEqual(resolveRange(10, { offset: 12, length: 5 }, "k"), [10, 10]);
  assert.deepEqual(resolveRange(10, { offset: 12 }, "k"), [10, 10]);
  assert.deepEqual(resolveRange(10, { suffix: 4 }, "k"), [6, 10]);
  assert.deepEqual(resolveRange(10, { suffix: 40 }, "k"), [0, 10]);
  assert.deepEqual(resolveRange(0, { suffix: 4 }, "k"), [0, 0]);
  assert.throws(() => resolveRange(10, { offset: 2 ** 60 }, "k"), (e: unknown) => e instanceof StoreError && e.key === "k");
  assert.throws(() => resolveRange(10, { offset: 1, length: Infinity }, "k"), StoreError);
});
