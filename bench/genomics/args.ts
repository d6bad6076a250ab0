/**
 * Command-line flags of the genomics benchmark (bench/genomics.ts).
 * @module
 */
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

/** The stored layouts compared, in report order. */
export const LAYOUTS = ["zlib", "lz4", "hdf5"] as const;
/** One layout: Zarr blosc zlib 3 (demo data), Zarr blosc LZ4 (demo copy), HDF5 gzip 3. */
export type Layout = (typeof LAYOUTS)[number];

/** Parsed flags. */
export interface GenomicsArgs {
  /** Variants of the demo data set (bench/.data/v<variants>-s42). */
  variants: number;
  /** Interleaved repeats of every side; the report gives medians. */
  repeats: number;
  /** Worker threads N of the parallel sides (zarrflow pool threads, dask num_workers, decode threads). */
  workers: number;
  /** Layouts measured. */
  layouts: Layout[];
  /** Data cache directory. */
  data: string;
  /** Python interpreter of the peers. */
  python: string;
  /** Replace the genomics section of bench/RESULTS.md. */
  results: boolean;
  /** The flags as given, for the report. */
  argv: string[];
}

/** Usage text. */
export const USAGE = `node --import tsx bench/genomics.ts [--variants 1000000] [--repeats 5] [--workers N]
       [--layouts ${LAYOUTS.join(",")}] [--data bench/.data] [--results | --no-results]
Quick smoke run: --variants 50000 --repeats 1. RESULTS.md is rewritten by default only for
runs of at least 1,000,000 variants and 3 repeats (--results / --no-results override).`;

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`--${name} must be a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

/** Parse `argv` (without node and script); throws RangeError on bad flags. */
export function parseGenomicsArgs(argv: string[], repoRoot: string): GenomicsArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      variants: { type: "string" }, repeats: { type: "string" }, workers: { type: "string" },
      layouts: { type: "string" }, data: { type: "string" },
      results: { type: "boolean" }, "no-results": { type: "boolean" },
    },
  });
  const layouts = values.layouts?.split(",").map((s) => s.trim()) ?? [...LAYOUTS];
  const unknown = layouts.filter((l) => !(LAYOUTS as readonly string[]).includes(l));
  if (unknown.length) throw new RangeError(`--layouts: unknown layout ${unknown.join(", ")}; choose from ${LAYOUTS.join(", ")}`);
  const variants = positive("variants", values.variants ?? "1000000");
  const repeats = positive("repeats", values.repeats ?? "5");
  // A smoke run must not overwrite the full run's figures unless asked to.
  const full = variants >= 1_000_000 && repeats >= 3;
  return {
    variants, repeats,
    workers: positive("workers", values.workers ?? String(os.availableParallelism())),
    layouts: LAYOUTS.filter((l) => layouts.includes(l)),
    data: path.resolve(values.data ?? path.join(repoRoot, "bench", ".data")),
    python: process.env.PYTHON ?? "/usr/bin/python3",
    results: values["no-results"] ? false : values.results ? true : full,
    argv,
  };
}
