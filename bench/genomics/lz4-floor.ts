/**
 * How close any zarrflow allele count can get to the LZ4 layout's native-decode limit (not
 * in CI; ~30 s): on ONE thread, over every chunk file of a Zarr v2 blosc array already in
 * memory (as the limit reads them: no file reads, no scheduling, no tasks),
 *
 * - c-blosc decoding only (bench/genomics/decode_limit.py with 1 thread: the limit's own work);
 * - zarrflow decoding only: the blosc frame decoded straight into the SIMD kernel's
 *   WebAssembly memory, as the counting path does;
 * - zarrflow decoding + counting: the same, then the SIMD allele count of the chunk in place.
 *
 *   node --import tsx bench/genomics/lz4-floor.ts [ARRAY_DIR] [--repeats 7]
 *
 * (default ARRAY_DIR: the bench's 1 M-variant LZ4 layout). Figures: medians of the repeats
 * (interleaved). "floor % of limit" = c-blosc decode s ÷ zarrflow decode+count s: the best
 * "% of the native-decode limit" a count could reach if reading and scheduling cost nothing.
 * @module
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { decodeFrame, frameInfo } from "../../src/codecs/blosc/container.js";
import { WASM_BASE64 } from "../../src/genomics/wasm/count-alleles-wasm.js";
import { wasmKernel } from "../../src/runtime/wasm.js";
import { median, sig } from "../runtime/stats.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const REPEATS = Number(argv[argv.indexOf("--repeats") + 1] || 7);
const dir = argv.find((a) => !a.startsWith("--") && a !== String(REPEATS)) ?? path.join(here, "..", ".data", "v1000000-s42", "genotypes-lz4.zarr", "calldata", "GT");

const meta = JSON.parse(readFileSync(path.join(dir, ".zarray"), "utf8")) as { chunks: number[]; dtype: string; compressor: { id: string } };
if (meta.dtype !== "|i1" || meta.chunks.length !== 3 || meta.compressor?.id !== "blosc") throw new Error(`${dir}: expected an int8 3-d blosc array`);
const frames = readdirSync(dir).filter((f) => !f.startsWith(".")).map((f) => new Uint8Array(readFileSync(path.join(dir, f))));
const [rows, samples, ploidy] = meta.chunks;
const chunkBytes = rows * samples * ploidy;
const decoded = frames.reduce((s, f) => s + frameInfo(f).nbytes, 0);

const k = wasmKernel(WASM_BASE64, "lz4-floor");
if (!k) throw new Error("no WebAssembly SIMD");
const count = k.exports.count as (inPtr: number, rows: number, rowBytes: number, outPtr: number, nA: number, stride: number) => void;
const outPtr = (chunkBytes + 15) & ~15;
const heap = k.memory(outPtr + rows * 4 * 4);
const into = heap.subarray(0, chunkBytes);
const counts = new Int32Array(heap.buffer, outPtr, rows * 4);

/** One pass over every frame: decode into module memory, and count when asked. */
function pass(withCount: boolean): number {
  const t = performance.now();
  for (const f of frames) {
    decodeFrame(f, into);
    if (withCount) {
      counts.fill(0);
      count(0, rows, samples * ploidy, outPtr, 4, samples * ploidy);
    }
  }
  return (performance.now() - t) / 1000;
}

/** c-blosc decoding the same chunk files on one thread (decode_limit.py's second pass). */
function cblosc(): number {
  const r = spawnSync("/usr/bin/python3", [path.join(here, "decode_limit.py"), "blosc", dir, "1"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`decode_limit.py failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { passes: { seconds: number }[] }).passes[1].seconds;
}

pass(true);
const t = { cblosc: [] as number[], decode: [] as number[], both: [] as number[] };
for (let i = 0; i < REPEATS; i++) {
  t.cblosc.push(cblosc());
  t.decode.push(pass(false));
  t.both.push(pass(true));
}
const [c, d, b] = [median(t.cblosc), median(t.decode), median(t.both)];
console.log(`${frames.length} chunks, ${sig(decoded / 1e9)} GB decoded, one thread, median of ${REPEATS}`);
console.log("| work | s | GB/s |\n|---|---|---|");
console.log(`| c-blosc decode only (the limit's work) | ${sig(c)} | ${sig(decoded / c / 1e9)} |`);
console.log(`| zarrflow decode only (into the kernel's memory) | ${sig(d)} | ${sig(decoded / d / 1e9)} |`);
console.log(`| zarrflow decode + SIMD count | ${sig(b)} | ${sig(decoded / b / 1e9)} |`);
console.log(`\nzarrflow decode ÷ c-blosc decode: ${sig(c / d)}×; floor % of limit (c-blosc decode ÷ zarrflow decode + count): ${Math.round((100 * c) / b)} %`);
