/**
 * Copy-engine microbenchmark for short contiguous runs (not in CI; ~10 s): `copyRegion` placing
 * a chunk into a wider block, one thread, as a block made of stored chunks is assembled —
 * e.g. the demo HDF5 file's (6553, 10, 2) int8 chunks placed into a (6553, 90, 2) block
 * (20-byte rows 180 bytes apart), and int16/int32/float64 chunks of the same row bytes.
 *
 *   node --import tsx bench/copy-runs.ts [--repeats 11]
 *
 * Figures: GB/s of copied bytes, median of the repeats.
 * @module
 */
import { copyRegion } from "../src/format/copy.js";
import type { DataValues } from "../src/format/dtype.js";
import { median, sig } from "./runtime/stats.js";

const argv = process.argv.slice(2);
const REPEATS = Number(argv[argv.indexOf("--repeats") + 1] || 11);

const cases: { name: string; make: (n: number) => DataValues; rows: number; cols: number; wide: number; tail: number }[] = [
  { name: "int8 (6553, 10, 2) into (6553, 90, 2)", make: (n) => new Int8Array(n), rows: 6553, cols: 10, wide: 90, tail: 2 },
  { name: "int8 (6553, 3, 2) into (6553, 90, 2)", make: (n) => new Int8Array(n), rows: 6553, cols: 3, wide: 90, tail: 2 },
  { name: "int16 (6553, 10, 1) into (6553, 90, 1)", make: (n) => new Int16Array(n), rows: 6553, cols: 10, wide: 90, tail: 1 },
  { name: "int8 (6553, 200, 2) into (6553, 765, 2)", make: (n) => new Int8Array(n), rows: 6553, cols: 200, wide: 765, tail: 2 },
  { name: "float64 (6553, 10) into (6553, 90)", make: (n) => new Float64Array(n), rows: 6553, cols: 10, wide: 90, tail: 1 },
];

console.log(`copyRegion, one thread, median of ${REPEATS} (GB/s of copied bytes)`);
console.log("| chunk into block | GB/s |\n|---|---|");
for (const c of cases) {
  const src = c.make(c.rows * c.cols * c.tail);
  const dst = c.make(c.rows * c.wide * c.tail);
  const bytes = c.rows * c.cols * c.tail * (src as Int8Array).BYTES_PER_ELEMENT;
  const sel = [{ start: 0, step: 1, count: c.rows }, { start: 30, step: 1, count: c.cols }, { start: 0, step: 1, count: c.tail }];
  const shapeS = [c.rows, c.cols, c.tail], shapeD = [c.rows, c.wide, c.tail];
  const reps = Math.max(1, Math.round(2e8 / bytes));
  const pass = () => {
    const t = performance.now();
    for (let i = 0; i < reps; i++) copyRegion(src, shapeS, null, dst, shapeD, sel);
    return (performance.now() - t) / 1000;
  };
  pass();
  const times = Array.from({ length: REPEATS }, pass);
  console.log(`| ${c.name} | ${sig((bytes * reps) / median(times) / 1e9)} |`);
}
