/**
 * Source chunks made of several stored chunks (`rawParts`): a Zarr source whose chunks are
 * whole multiples of the stored ones hands each block to the computing task as the stored
 * chunks that tile it (ragged edges, a chunk never written = fill value). Elementwise compute
 * (decoded and placed by the program kernel) and allele counting (placed in WebAssembly
 * memory) must equal the same over the stored grid and a plain JavaScript reference.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { set } from "../../src/array/access.js";
import { createArray } from "../../src/array/node.js";
import { slice } from "../../src/array/selection.js";
import { binary, compute, fromSource } from "../../src/compute/index.js";
import { genotypeArray } from "../../src/genomics/genotype-array.js";
import { wasmPartsCounter, wasmRawCounter, wasmRowCounter } from "../../src/genomics/wasm/count-alleles.js";
import { zarrSource } from "../../src/sources/zarr.js";
import { openFsStore } from "../../src/stores/fs.js";
import { prng } from "../prng.js";

const dir = mkdtempSync(join(tmpdir(), "zf-parts-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const SHAPE = [23, 9, 2];
const STORED = [5, 4, 2];

/** An int8 genotype-like array on disk; stored chunk (1, 2, 0) is never written (fill 0 over rows 5..9, samples 8..). */
async function genotypes(fill: number) {
  const store = await openFsStore(dir);
  const arr = await createArray(store, `g${fill}`, { overwrite: true, shape: SHAPE, chunks: STORED, dtype: "int8", fillValue: fill, zarrFormat: 2, compressor: { id: "zlib", level: 1 } });
  const rand = prng(7);
  const full = new Int8Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
  for (let i = 0; i < full.length; i++) full[i] = Math.floor(rand() * 5) - 1; // -1..3
  // Write everything but rows 5..9 × samples 8..9 (stored chunk (1, 2, 0)); those read as fill.
  for (let r = 5; r < 10; r++) for (let s = 8; s < 9; s++) for (let p = 0; p < 2; p++) full[(r * 9 + s) * 2 + p] = fill;
  await set(arr, [slice(0, 5)], full.subarray(0, 5 * 18));
  await set(arr, [slice(10, 23)], full.subarray(10 * 18));
  await set(arr, [slice(5, 10), slice(0, 8)], Int8Array.from({ length: 5 * 8 * 2 }, (_, i) => full[(5 + Math.floor(i / 16)) * 18 + (i % 16)]));
  return { arr, full };
}

/** Counts of alleles 0..nA-1 per variant, by a plain loop. */
function reference(full: Int8Array, nA: number): number[][] {
  const [V, S, P] = SHAPE;
  return Array.from({ length: V }, (_, v) => {
    const row = new Array<number>(nA).fill(0);
    for (let i = v * S * P; i < (v + 1) * S * P; i++) if (full[i] >= 0 && full[i] < nA) row[full[i]]++;
    return row;
  });
}

test("a Zarr source over whole multiples of the stored chunks lists the stored chunks tiling each block", async () => {
  const { arr } = await genotypes(0);
  const src = zarrSource(arr, { chunks: [10, 8, 2] });
  assert.equal(src.rawChunk, undefined);
  const parts = await src.rawParts!([2, 1, 0]); // rows 20..22, samples 8: one ragged stored chunk
  assert.deepEqual(parts!.shape, [3, 1, 2]);
  assert.equal(parts!.parts.length, 1);
  assert.deepEqual(parts!.parts[0].start, [0, 0, 0]);
  assert.deepEqual(parts!.parts[0].raw.extent, [3, 1, 2]);
  const inner = await src.rawParts!([0, 0, 0]);
  assert.deepEqual(inner!.parts.map((p) => p.start), [[0, 0, 0], [0, 4, 0], [5, 0, 0], [5, 4, 0]]);
  assert.equal(zarrSource(arr, { chunks: [7, 8, 2] }).rawParts, undefined, "not a multiple: no parts");
  const whole = await zarrSource(arr, { chunks: [10, 9, 2] }).rawParts!([0, 0, 0]); // 9 samples: 4 + 4 + 1 (clipped)
  assert.deepEqual(whole!.parts.map((p) => p.raw.extent[1]), [4, 4, 1, 4, 4, 1]);
});

test("elementwise compute over parts equals the stored grid's, fill value included", async () => {
  for (const fill of [0, 3]) {
    const { arr, full } = await genotypes(fill);
    const parts = await compute(binary("add", fromSource(zarrSource(arr, { chunks: [10, 8, 2] })), 1));
    const plain = await compute(binary("add", fromSource(zarrSource(arr)), 1));
    assert.deepEqual([...(parts.data as Int8Array)], [...(plain.data as Int8Array)]);
    assert.deepEqual([...(parts.data as Int8Array)], [...full].map((x) => x + 1));
  }
});

test("allele counts over parts (placed in WebAssembly memory) equal a plain loop", async () => {
  for (const fill of [0, 3]) {
    const { arr, full } = await genotypes(fill);
    for (const chunks of [[10, 8, 2], [5, 4, 2], [20, 12, 2], [25, 9, 2], [10, 9, 2]]) {
      const gt = genotypeArray(zarrSource(arr, { chunks }));
      const ac = await compute((await gt.countAlleles({ maxAllele: 3 })).array);
      const got = Array.from({ length: SHAPE[0] }, (_, v) => [...(ac.data as Int32Array).subarray(v * 4, v * 4 + 4)]);
      assert.deepEqual(got, reference(full, 4), `fill ${fill}, chunks ${chunks}`);
    }
  }
});

test("stored chunks of every width are placed exactly (byte loop, one or two vectors, vector loop)", async () => {
  const store = await openFsStore(dir);
  const shape = [23, 40, 2];
  const rand = prng(11);
  const full = Int8Array.from({ length: 23 * 40 * 2 }, () => Math.floor(rand() * 5) - 1);
  const want = Array.from({ length: 23 }, (_, v) => {
    const row = [0, 0, 0, 0];
    for (const a of full.subarray(v * 80, (v + 1) * 80)) if (a >= 0) row[a]++;
    return row;
  });
  for (const samples of [3, 8, 9, 16, 17, 40]) { // runs of 6, 16, 18, 32, 34 and 80 bytes (and clipped edges)
    const arr = await createArray(store, `w${samples}`, { overwrite: true, shape, chunks: [5, samples, 2], dtype: "int8", zarrFormat: 2, compressor: null });
    await set(arr, undefined, full);
    const ac = await compute((await genotypeArray(zarrSource(arr, { chunks: [10, 40, 2] })).countAlleles({ maxAllele: 3 })).array);
    const got = Array.from({ length: 23 }, (_, v) => [...(ac.data as Int32Array).subarray(v * 4, v * 4 + 4)]);
    assert.deepEqual(got, want, `stored chunks of ${samples} samples`);
  }
});

test("counters that keep a block in WebAssembly memory across awaits are not disturbed by the synchronous row counter", async () => {
  const store = await openFsStore(dir);
  const arr = await createArray(store, "ones", { overwrite: true, shape: [10, 4, 2], chunks: [5, 4, 2], dtype: "int8", zarrFormat: 2, compressor: { id: "zlib", level: 1 } });
  await set(arr, undefined, new Int8Array(80).fill(1));
  const threes = new Int8Array(40_000).fill(3);
  const scratch = new Int32Array(40_000 * 4);
  for (const mode of ["raw", "parts"] as const) {
    const counts = new Int32Array((mode === "raw" ? 5 : 10) * 4);
    const counting = mode === "raw"
      ? wasmRawCounter()!((await zarrSource(arr).rawChunk!([0, 0, 0]))!, 4, counts)
      : wasmPartsCounter()!((await zarrSource(arr, { chunks: [10, 4, 2] }).rawParts!([0, 0, 0]))!, 4, counts);
    let done = false;
    void counting.finally(() => { done = true; });
    // The row counter runs at every microtask while the other is between decoding and counting.
    for (let i = 0; !done && i < 10_000; i++) {
      wasmRowCounter()!(threes, 0, 40_000, 1, 4, scratch, (r) => r * 4);
      await Promise.resolve();
    }
    assert.equal(await counting, true);
    for (let r = 0; r < counts.length / 4; r++) assert.deepEqual([...counts.subarray(r * 4, r * 4 + 4)], [0, 8, 0, 0], `${mode}: row ${r}`);
  }
});
