/**
 * Command-line flags of the runtime benchmark (bench/run.ts).
 * @module
 */
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

/** The workloads, in report order (see bench/run.ts for what each measures). */
export const WORKLOADS = ["read", "write", "tiny", "scaling", "rss", "native"] as const;
/** One workload name. */
export type Workload = (typeof WORKLOADS)[number];

/** Parsed flags. */
export interface BenchArgs {
  /** Variants of the demo data (rows of the genotype array). */
  variants: number;
  /** Interleaved repeats per side; the report gives medians. */
  repeats: number;
  /** Workloads to run, in report order. */
  only: Workload[];
  /** Cache directory of the generated data. */
  data: string;
  /** Worker threads N of the parallel sides (default: the cores). */
  workers: number;
  /** Python interpreter of the peers. */
  python: string;
  /** Rewrite the runtime section of bench/RESULTS.md (default true). */
  results: boolean;
  /** The flags as given, for the report. */
  argv: string[];
}

/** Usage text. */
export const USAGE = `node --import tsx bench/run.ts [--variants 1000000] [--repeats 5] [--only ${WORKLOADS.join(",")}]
                    [--data bench/.data] [--workers N] [--no-results]`;

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`--${name} must be a positive integer, got ${JSON.stringify(v)}\n${USAGE}`);
  return n;
}

/** Parse `argv` (without node and script); throws RangeError on bad flags. */
export function parseBenchArgs(argv: string[], repoRoot: string): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      variants: { type: "string" },
      repeats: { type: "string" },
      only: { type: "string" },
      data: { type: "string" },
      workers: { type: "string" },
      "no-results": { type: "boolean" },
    },
  });
  const only = values.only?.split(",").map((s) => s.trim()) ?? [...WORKLOADS];
  const unknown = only.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
  if (unknown.length) throw new RangeError(`--only: unknown workload ${unknown.join(", ")}; choose from ${WORKLOADS.join(", ")}`);
  const variants = positive("variants", values.variants ?? "1000000");
  // Whole-array reads return one typed array: at most 2^32 − 1 elements on Node 20.
  const inMemory = only.filter((w) => ["read", "write", "scaling", "native"].includes(w));
  if (variants * 765 * 2 > 2 ** 32 - 1 && inMemory.length)
    throw new RangeError(`--variants ${variants}: the workloads ${inMemory.join(", ")} hold the whole array in one typed array (at most 2^32 − 1 elements, ${Math.floor((2 ** 32 - 1) / 1530)} variants); use fewer variants or --only rss,tiny`);
  return {
    variants,
    repeats: positive("repeats", values.repeats ?? "5"),
    only: WORKLOADS.filter((w) => only.includes(w)),
    data: path.resolve(values.data ?? path.join(repoRoot, "bench", ".data")),
    workers: positive("workers", values.workers ?? String(os.availableParallelism())),
    python: process.env.PYTHON ?? "/usr/bin/python3",
    results: !values["no-results"],
    argv,
  };
}
