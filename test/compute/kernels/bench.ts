/**
 * Single-thread throughput of the hot kernels on 16 MiB blocks (not a test: run with
 * `node --import tsx test/compute/kernels/bench.ts`). MB/s counts input bytes per second;
 * best of several runs.
 */
import { binary, chain } from "../../../src/compute/kernels/elementwise.js";
import { reduceBlock } from "../../../src/compute/kernels/reduce.js";
import { scanBlock } from "../../../src/compute/kernels/scan.js";
import { DT } from "../../../src/compute/kernels/dtypes.js";
import { sharedData } from "../../../src/compute/kernels/values.js";
import type { NDArray } from "../../../src/codecs/types.js";

const MiB = 2 ** 20;

function block(dt: typeof DT.float64, bytes: number, fill: (i: number) => number): NDArray {
  const n = bytes / (dt.kind === "bool" ? 1 : (dt as { bits: number }).bits / 8);
  const data = sharedData(dt, n) as Float64Array;
  for (let i = 0; i < n; i++) data[i] = fill(i);
  return { data, shape: [n], dtype: dt };
}

function best(label: string, inputBytes: number, fn: () => unknown, runs = 7): void {
  let t = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    t = Math.min(t, performance.now() - t0);
  }
  console.log(`${label.padEnd(44)} ${(inputBytes / MiB / (t / 1000)).toFixed(0).padStart(6)} MB/s  (${t.toFixed(1)} ms)`);
}

const a = block(DT.float64, 16 * MiB, (i) => i * 0.5);
const b = block(DT.float64, 16 * MiB, (i) => 1 / (i + 1));
const i8 = block(DT.int8, 16 * MiB, (i) => (i * 7) % 200 - 100);
const f32 = block(DT.float32, 16 * MiB, (i) => i % 1000);

best("add float64 (2 × 16 MiB in)", 32 * MiB, () => binary({ op: "add", a, b }));
best("add float64 + scalar", 16 * MiB, () => binary({ op: "add", a, b: { scalar: 1.5 } }));
best("sum int8 (16 MiB, all axes)", 16 * MiB, () => reduceBlock({ op: "sum", block: i8 }));
best("sum int8 axis 0 of [4096, 4096]", 16 * MiB, () => reduceBlock({ op: "sum", block: { ...i8, shape: [4096, 4096] }, axes: [0] }));
best("sum int8 axis 1 of [4096, 4096]", 16 * MiB, () => reduceBlock({ op: "sum", block: { ...i8, shape: [4096, 4096] }, axes: [1] }));
best("sum float64", 16 * MiB, () => reduceBlock({ op: "sum", block: a }));
best("mean float32", 16 * MiB, () => reduceBlock({ op: "mean", block: f32 }));
best("var float64", 16 * MiB, () => reduceBlock({ op: "var", block: a }));
best("max float64", 16 * MiB, () => reduceBlock({ op: "max", block: a }));
best("cumsum float64", 16 * MiB, () => scanBlock({ op: "cumsum", block: a, axis: 0 }), 3);
best("chain (a*2 + b) < 3 float64", 32 * MiB, () => chain({ inputs: [a, b], program: [
  { op: "multiply", a: { input: 0 }, b: { scalar: 2 } }, { op: "add", a: { step: 0 }, b: { input: 1 } }, { op: "less", a: { step: 1 }, b: { scalar: 3 } },
] }), 3);
best("unfused same, three kernels", 32 * MiB, () => binary({ op: "less", a: binary({ op: "add", a: binary({ op: "multiply", a, b: { scalar: 2 } }), b }), b: { scalar: 3 } }), 3);
