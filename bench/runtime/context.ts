/**
 * What every workload gets, and the command builders of the sides it compares.
 * @module
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import type { BenchArgs } from "./args.js";
import type { DataContext } from "./data.js";
import type { Machine } from "./machine.js";
import type { Side } from "./sides.js";

/** Shared state of one benchmark run. */
export interface BenchContext {
  args: BenchArgs;
  repo: string;
  /** Scratch directory for outputs (under the data directory, removed after each run). */
  tmp: string;
  log: (s: string) => void;
  machine: Machine;
  data: DataContext;
  /** Python modules importable by the peers' interpreter. */
  py: Record<PyModule, boolean>;
}

/** Python modules the peers use. */
export type PyModule = "zarr" | "numcodecs" | "dask" | "h5py";

/** The Debian package providing each module (for the skip notes). */
export const APT: Record<PyModule, string> = { zarr: "python3-zarr", numcodecs: "python3-numcodecs", dask: "python3-dask", h5py: "python3-h5py" };

/** Which of the peer modules `python` can import. */
export function pythonModules(python: string): Record<PyModule, boolean> {
  const has = (m: string) => spawnSync(python, ["-c", `import ${m}`], { stdio: "ignore" }).status === 0;
  return { zarr: has("zarr"), numcodecs: has("numcodecs"), dask: has("dask.array"), h5py: has("h5py") };
}

/** A note telling how to install a missing module, or undefined when present. */
export function missingNote(ctx: BenchContext, m: PyModule): string | undefined {
  return ctx.py[m] ? undefined : `${m} is not importable by ${ctx.args.python}: skipped (install with \`apt-get install -y ${APT[m]}\`)`;
}

/** argv of a TypeScript child under bench/runtime (run through tsx). */
export function tsChild(ctx: BenchContext, script: string, ...args: string[]): string[] {
  return [process.execPath, "--import", "tsx", path.join(ctx.repo, "bench", "runtime", script), ...args];
}

/** argv of a plain-JS peer under bench/peers. */
export function mjsPeer(ctx: BenchContext, script: string, ...args: string[]): string[] {
  return [process.execPath, path.join(ctx.repo, "bench", "peers", script), ...args];
}

/** argv of a Python peer under bench/peers. */
export function pyPeer(ctx: BenchContext, script: string, ...args: string[]): string[] {
  return [ctx.args.python, path.join(ctx.repo, "bench", "peers", script), ...args];
}

/** The zarrflow full-read side: `threads` pool threads (0 = main thread). */
export function zarrflowRead(ctx: BenchContext, zarrPath: string, component: string, threads: number, label?: string): Side {
  const name = threads === 0 ? "main thread" : `${threads} worker${threads > 1 ? "s" : ""}`;
  return { label: label ?? `zarrflow get, ${name}`, cmd: tsChild(ctx, "child-read.ts", zarrPath, component, String(threads)) };
}

/** The Python read sides (see bench/peers/zarr_read.py), dropping those whose modules are missing. */
export function pythonReads(ctx: BenchContext, zarrPath: string, component: string): Side[] {
  const n = ctx.args.workers;
  const sides: Side[] = [];
  if (ctx.py.dask && ctx.py.zarr) sides.push({ label: `zarr-python + dask threads, ${n} workers`, cmd: pyPeer(ctx, "zarr_read.py", "dask", zarrPath, component, String(n)) });
  if (ctx.py.zarr) {
    sides.push({ label: "zarr-python z[:], 1 thread", cmd: pyPeer(ctx, "zarr_read.py", "zarr1", zarrPath, component, "1") });
    sides.push({ label: "zarr-python z[:], c-blosc's own threads", cmd: pyPeer(ctx, "zarr_read.py", "zarr", zarrPath, component, "1") });
  }
  return sides;
}

/** The zarrita.js side (main thread, its WASM codecs). */
export function zarritaRead(ctx: BenchContext, zarrPath: string, component: string): Side {
  return { label: "zarrita.js zarr.get", cmd: mjsPeer(ctx, "zarrita-read.mjs", zarrPath, component) };
}
