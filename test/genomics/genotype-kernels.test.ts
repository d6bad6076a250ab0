/**
 * The allele-counting kernel's two paths (WebAssembly SIMD and the JavaScript loop) give the
 * same counts for every allele range, row length and alignment; the generated WebAssembly
 * module matches its .wat source.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { DT } from "../../src/compute/kernels/dtypes.js";
import { countAllelesKernel } from "../../src/genomics/genotype-kernels.js";
import { wasmRowCounter } from "../../src/genomics/wasm/count-alleles.js";
import { prng } from "../prng.js";
import { REPO } from "../paths.js";

/** Plain per-byte reference counts (rows × nA). */
function reference(g: Int8Array, rows: number, rowBytes: number, nA: number): number[] {
  const out = new Array<number>(rows * nA).fill(0);
  for (let r = 0; r < rows; r++) for (let i = 0; i < rowBytes; i++) {
    const a = g[r * rowBytes + i];
    if (a >= 0 && a < nA) out[r * nA + a]++;
  }
  return out;
}

test("WebAssembly SIMD is available here, so the SIMD path is what runs", () => {
  assert.notEqual(wasmRowCounter(), null);
});

test("SIMD and JavaScript counts equal a per-byte reference (alleles 0..11, odd rows, unaligned views, long rows)", async () => {
  const r = prng(5);
  for (const [rows, S, P, maxAllele, offset] of [[50, 13, 2, 3, 0], [7, 200, 2, 0, 0], [33, 9, 3, 6, 1], [5, 2100, 2, 11, 3], [40, 1, 1, 2, 0], [3, 4097, 2, 4, 5]]) {
    const n = rows * S * P;
    const backing = new Int8Array(n + offset);
    for (let i = 0; i < backing.length; i++) {
      const u = r();
      backing[i] = u < 0.5 ? 0 : u < 0.9 ? Math.floor(r() * 14) : -1 - Math.floor(r() * 2);
    }
    const data = backing.subarray(offset);
    const block = { data, shape: [rows, S, P], dtype: DT.int8 };
    const want = reference(data, rows, S * P, maxAllele + 1);
    for (const simd of [true, false]) {
      const got = await countAllelesKernel({ blocks: [block], params: { maxAllele, pops: [[null]], simd } });
      assert.deepEqual(Array.from(got.data as Int32Array), want, `${rows}×${S}×${P} maxAllele ${maxAllele} offset ${offset} simd ${simd}`);
    }
  }
});

test("the generated WebAssembly module is up to date with its .wat source", () => {
  const r = spawnSync(process.execPath, [join(REPO, "scripts", "build-wasm.mjs"), "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});
