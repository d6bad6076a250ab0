/**
 * The sides bench/genomics.ts compares on each layout, as child-process commands.
 * @module
 */
import path from "node:path";
import { COMPONENT, HDF5_DATASET, type DataSet } from "../runtime/data.js";
import type { GenomicsArgs, Layout } from "./args.js";

/** What a side is, for the summary rows. */
export type Role = "zarrflow" | "zarrflow1" | "dask" | "limit" | "cli" | "nodeLimit";

/**
 * One side: a command printing one JSON result line with its timed passes (`line`) or the
 * CLI's `--json` report (`cli`, one pass: the whole process's wall time).
 */
export interface GSide {
  layout: Layout;
  role: Role;
  label: string;
  cmd: string[];
  output: "line" | "cli";
  /** Context only: no target uses it. */
  info?: boolean;
}

/** Where one layout lives. */
export interface LayoutPaths {
  /** openGenotypes location (`file#path`). */
  location: string;
  /** Path of the store (Zarr directory or HDF5 file) and the array in it. */
  file: string;
  component: string;
  /** Zarr array directory of the chunk files (Zarr layouts). */
  arrayDir?: string;
  /** What the layout is, for the headings. */
  describe: string;
}

/** Paths of `layout` in data set `d`. */
export function layoutPaths(d: DataSet, layout: Layout): LayoutPaths {
  if (layout === "hdf5") return { location: `${d.h5}#${HDF5_DATASET}`, file: d.h5, component: HDF5_DATASET, describe: "HDF5, gzip 3, chunks 6553 × 10 × 2 (demo copy)" };
  const file = layout === "zlib" ? d.zlib : d.lz4;
  const describe = layout === "zlib" ? "Zarr v2, blosc zlib 3 noshuffle, chunks 6553 × 200 × 2 (demo data)" : "Zarr v2, blosc LZ4 5 noshuffle, chunks 6553 × 200 × 2 (demo copy)";
  return { location: `${file}#${COMPONENT}`, file, component: COMPONENT, arrayDir: path.join(file, COMPONENT), describe };
}

/** Where the compiled zarrflow is (see build.ts) and the repository root. */
export interface SideContext {
  args: GenomicsArgs;
  repo: string;
  /** Root of the private tsc build (holds src/ and bench/genomics/). */
  build: string;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;

/**
 * The sides of one layout: zarrflow on N and on 1 worker, dask + numba on N, the native-decode
 * limit on N threads, and (info) the zarrflow CLI and, for zlib, node:zlib's own limit.
 */
export function layoutSides(ctx: SideContext, layout: Layout, p: LayoutPaths): GSide[] {
  const { python, workers: n } = ctx.args;
  const node = process.execPath;
  const child = path.join(ctx.build, "bench", "genomics", "child-count.js");
  const here = path.join(ctx.repo, "bench", "genomics");
  const sides: GSide[] = [
    { layout, role: "zarrflow", label: `zarrflow, ${plural(n, "worker")}`, cmd: [node, child, p.location, String(n)], output: "line" },
  ];
  if (n > 1) sides.push({ layout, role: "zarrflow1", label: "zarrflow, 1 worker", cmd: [node, child, p.location, "1"], output: "line" });
  const kind = layout === "hdf5" ? "h5py" : "zarr";
  sides.push({ layout, role: "dask", label: `dask + ${kind === "h5py" ? "h5py" : "zarr-python"} + numba, ${plural(n, "worker")}`, cmd: [python, path.join(here, "count_alleles_dask.py"), kind, p.file, p.component, String(n)], output: "line" });
  const limit = path.join(here, "decode_limit.py");
  sides.push(layout === "hdf5"
    ? { layout, role: "limit", label: `native-decode limit: zlib inflate of the HDF5 chunks, ${plural(n, "thread")}`, cmd: [python, limit, "hdf5", p.file, p.component, String(n)], output: "line" }
    : { layout, role: "limit", label: `native-decode limit: c-blosc (numcodecs), ${plural(n, "thread")}`, cmd: [python, limit, "blosc", p.arrayDir!, String(n)], output: "line" });
  if (layout === "zlib")
    sides.push({ layout, role: "nodeLimit", label: `node:zlib inflateSync (public one-shot API) of the blosc blocks, ${plural(n, "worker thread")}`, cmd: [node, path.join(here, "inflate-limit.mjs"), p.arrayDir!, String(n)], output: "line", info: true });
  sides.push({
    layout, role: "cli", label: `zarrflow CLI count-alleles --workers ${n} (wall time, start-up included)`, output: "cli", info: true,
    // A ./ path (children run from the repository root): a bare "bench/..." would name a package.
    cmd: [node, "--import", "./bench/genomics/rss-on-exit.mjs", path.join(ctx.build, "src", "cli", "main.js"), "count-alleles", p.location, "--max-allele", "3", "--json", "--workers", String(n), "--quiet"],
  });
  return sides;
}
