/**
 * Every Zarr node under ../shared/fixtures (zarrita.js and zarrs test data, written by
 * zarr-python 2 and 3, zarrs and zarrita) either reads with the right values or is refused
 * with an error naming the unsupported feature. Expected values: fixtures-manifest.json
 * (see FIXTURES.md for how each was obtained and checked).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openFsStore } from "../../src/stores/fs.js";
import { openZipStore } from "../../src/stores/zip.js";
import { listChildren, open } from "../../src/array/node.js";
import { get } from "../../src/array/access.js";
import { dtypeName, layoutOf } from "../../src/format/dtype.js";
import { UnsupportedError } from "../../src/format/errors.js";
import type { NDArray } from "../../src/codecs/types.js";
import type { ReadableStore } from "../../src/stores/types.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = here.includes("/dist/") ? here.replace(/\/dist\/test\/interop\/?$/, "") : join(here, "..", "..");
const SHARED = join(repo, "..", "shared", "fixtures");
const manifest = JSON.parse(readFileSync(join(repo, "test", "interop", "fixtures-manifest.json"), "utf8")) as Entry[];

interface Entry {
  store: string; path: string; format: 2 | 3; zip?: string; zip_root?: string;
  expect?: { dtype: string; shape: number[]; values: unknown; values_if_default_fill?: unknown[] };
  refuse?: string; refuse_feature?: string; refuse_name?: string;
  group?: { attributes?: Record<string, unknown>; children?: string[]; consolidated_children?: string[] };
}

/** The element `i` of `a` in the manifest's JSON spelling. */
function element(a: NDArray, i: number): unknown {
  const dt = a.dtype;
  const { units } = layoutOf(dt);
  const d = a.data as unknown as ArrayLike<unknown> & { subarray?: (s: number, e: number) => ArrayLike<number> };
  switch (dt.kind) {
    case "bool": return d[i] === 1;
    case "int": case "uint": case "datetime": case "timedelta":
      return typeof d[i] === "bigint" ? (d[i] === -(2n ** 63n) && dt.kind !== "int" ? "NaT" : String(d[i])) : d[i];
    case "float": return num(d[i] as number);
    case "complex": return [num(d[2 * i] as number), num(d[2 * i + 1] as number)];
    case "fixed-unicode": {
      const cps = Array.from(d.subarray!(i * units, (i + 1) * units) as ArrayLike<number>);
      while (cps.length && cps[cps.length - 1] === 0) cps.pop();
      return String.fromCodePoint(...cps);
    }
    case "fixed-bytes": case "raw": case "structured":
      return { b64: Buffer.from(d.subarray!(i * units, (i + 1) * units) as Uint8Array).toString("base64") };
    case "bytes": return { b64: Buffer.from(d[i] as Uint8Array).toString("base64") };
    default: return d[i];
  }
}
const num = (x: number): unknown => (Number.isNaN(x) ? "NaN" : x === Infinity ? "Infinity" : x === -Infinity ? "-Infinity" : x);

function sameValue(got: unknown, want: unknown): boolean {
  if (want !== null && typeof want === "object" && "any" in (want as object)) return true;
  if (typeof want === "string" && typeof got === "string" && /^-?\d+$/.test(want)) return got === want;
  if (typeof got === "bigint") return String(got) === String(want);
  if (typeof want === "number" && typeof got === "number") return Object.is(got, want) || (got === 0 && want === 0);
  return JSON.stringify(got) === JSON.stringify(want);
}

async function openStore(e: Entry): Promise<ReadableStore> {
  if (e.zip) return openZipStore(join(SHARED, e.zip), { prefix: e.zip_root ?? "" });
  return openFsStore(join(SHARED, e.store), { readOnly: true });
}

function expectedValues(e: Entry): unknown[] | { all: unknown } {
  const v = e.expect!.values as unknown;
  if (Array.isArray(v)) return v;
  if (v && typeof v === "object" && "same_as" in v) {
    const ref = (v as { same_as: { store: string; path: string; format: number } }).same_as;
    const other = manifest.find((x) => x.store === ref.store && x.path === ref.path && x.format === ref.format && !x.zip)!;
    return expectedValues(other);
  }
  return v as { all: unknown };
}

test("shared fixtures: every node reads right or is refused by name", async () => {
  assert.ok(existsSync(SHARED), `test data missing: ${SHARED} (../shared/fixtures beside the repo)`);
  const failures: string[] = [];
  const counts = { values: 0, refused: 0, groups: 0 };
  for (const e of manifest) {
    const label = `${e.zip ?? e.store}#${e.path} (v${e.format})`;
    let store: ReadableStore | undefined;
    try {
      store = await openStore(e);
      if (e.refuse) {
        try {
          const n = await open(store, { path: e.path, zarrFormat: e.format });
          if (n.kind === "array") await get(n, n.meta.shape.map(() => ({ start: 0, stop: 1 })));
          failures.push(`${label}: expected refusal (${e.refuse}) but it read`);
        } catch (err) {
          const ok = err instanceof UnsupportedError && err.message.includes(e.refuse_name ?? e.refuse);
          if (!ok) failures.push(`${label}: refused with the wrong error: ${(err as Error).message}`);
          else counts.refused++;
        }
        continue;
      }
      const node = await open(store, { path: e.path, zarrFormat: e.format });
      if (e.group) {
        if (node.kind !== "group") { failures.push(`${label}: expected a group`); continue; }
        if (e.group.attributes) assert.deepEqual(node.meta.attributes, e.group.attributes, label);
        if (e.group.children) {
          const kids = (await listChildren(node)).map((n) => n.path.split("/").pop()).sort();
          assert.deepEqual(kids, [...e.group.children].sort(), `${label}: children`);
        }
        if (e.group.consolidated_children) assert.deepEqual([...(node.meta.consolidated?.keys() ?? [])].filter((k) => k !== "").sort(), [...e.group.consolidated_children].sort(), `${label}: consolidated`);
        counts.groups++;
        continue;
      }
      if (node.kind !== "array") { failures.push(`${label}: expected an array`); continue; }
      const exp = e.expect!;
      if (dtypeName(node.meta.dtype) !== exp.dtype) failures.push(`${label}: dtype ${dtypeName(node.meta.dtype)} != ${exp.dtype}`);
      assert.deepEqual(node.meta.shape, exp.shape, `${label}: shape`);
      const want = expectedValues(e);
      const isAll = !Array.isArray(want);
      // Huge all-fill arrays: read a corner only.
      const got = await get(node, isAll ? node.meta.shape.map((s) => ({ start: 0, stop: Math.min(s, 3) })) : null);
      const n = got.shape.reduce((a, b) => a * b, 1);
      let bad = -1;
      for (let i = 0; i < n && bad < 0; i++) {
        const w = isAll ? (want as { all: unknown }).all : (want as unknown[])[i];
        const fallback = exp.values_if_default_fill?.[i];
        if (!sameValue(element(got, i), w) && !(fallback !== undefined && sameValue(element(got, i), fallback))) bad = i;
      }
      if (bad >= 0) failures.push(`${label}: element ${bad} is ${JSON.stringify(element(got, bad), (_, v) => (typeof v === "bigint" ? String(v) : v))}, expected ${JSON.stringify(isAll ? (want as { all: unknown }).all : (want as unknown[])[bad])}`);
      else counts.values++;
    } catch (err) {
      failures.push(`${label}: ${(err as Error).message.split("\n")[0]}`);
    } finally {
      await store?.close?.();
    }
  }
  process.stdout.write(`# fixtures: ${counts.values} arrays read exactly, ${counts.refused} refused by name, ${counts.groups} groups\n`);
  assert.deepEqual(failures, []);
});
