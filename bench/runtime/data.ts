/**
 * The benchmark's data, generated once under the cache directory and reused: the CLI's
 * demo genotypes (`zarrflow demo-data`) plus copies made by zarr-python (bench/peers/
 * make_copy.py). A step is done when its marker file `.bench-ok-<step>` exists, so an
 * interrupted generation is redone rather than reused half-written.
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { commandLine } from "./sides.js";

/** Array path inside every Zarr copy, and the HDF5 dataset (see src/genomics/demo-data.ts). */
export const COMPONENT = "calldata/GT";
export const HDF5_DATASET = "calldata/genotype";
/** Samples and seed of every demo data set. */
export const SAMPLES = 765;
export const SEED = 42;
/** Chunk shape of the demo Zarr copies. */
export const CHUNKS = [6553, 200, 2];
/** The tiny-chunk array: 4 KiB decoded chunks, TINY_ROWS rows (32 × 765 = 24 480 chunks). */
export const TINY_CHUNKS = [2048, 1, 2];
export const TINY_ROWS = 65536;
/** The zstd copy's compressor (written by zarr-python). */
export const ZSTD = { cname: "zstd", clevel: 3 } as const;

/** Paths of one data set of `variants` rows (a path exists only once its step ran). */
export interface DataSet {
  dir: string;
  variants: number;
  /** Decoded bytes of the genotype array. */
  bytes: number;
  zlib: string;
  lz4: string;
  zstd: string;
  h5: string;
  npy: string;
  tiny: string;
}

/** What a workload needs generated. */
export type Need = "zlib" | "lz4" | "hdf5" | "zstd" | "npy" | "tiny";

/** Where the data lives and how to run things. */
export interface DataContext {
  repo: string;
  python: string;
  log: (s: string) => void;
  /** Commands that made (or would remake) the data, in order, for the report. */
  commands: string[];
}

/** The paths of the data set of `variants` rows under `root`. */
export function dataSet(root: string, variants: number): DataSet {
  const dir = path.join(root, `v${variants}-s${SEED}`);
  return {
    dir, variants, bytes: variants * SAMPLES * 2,
    zlib: path.join(dir, "genotypes.zarr"), lz4: path.join(dir, "genotypes-lz4.zarr"),
    zstd: path.join(dir, `genotypes-${ZSTD.cname}.zarr`), h5: path.join(dir, "genotypes.h5"),
    npy: path.join(dir, "genotypes.npy"), tiny: path.join(dir, "tiny-chunks.zarr"),
  };
}

/** The command recorded in a marker file (its first line). */
function markedCommand(marker: string): string {
  return readFileSync(marker, "utf8").split("\n")[0];
}

/**
 * Run one preparation step unless its marker exists. The marker's first line is the
 * command, so a reused step still reports how its data was made.
 */
function step(ctx: DataContext, d: DataSet, name: string, cmd: string[]): void {
  const line = commandLine({ label: name, cmd }, ctx.repo);
  const marker = path.join(d.dir, `.bench-ok-${name}`);
  if (existsSync(marker)) {
    ctx.commands.push(markedCommand(marker));
    return;
  }
  mkdirSync(d.dir, { recursive: true });
  ctx.log(`data: ${name} (${line})`);
  const t = performance.now();
  // The generator's own output goes to stderr: stdout carries only the report.
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: ctx.repo, stdio: ["ignore", 2, 2] });
  if (r.status !== 0) throw new Error(`data step ${name} failed (exit ${r.status ?? r.signal}): ${line}`);
  writeFileSync(marker, `${line}\n${new Date().toISOString()}, ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  ctx.commands.push(line);
}

const CLI = (repo: string) => [process.execPath, "--import", "tsx", path.join(repo, "src", "cli", "main.ts")];

/** Generate what `needs` asks for (and what it depends on) in data set `d`. */
export function prepare(ctx: DataContext, d: DataSet, needs: ReadonlySet<Need>): void {
  const has = (n: Need) => needs.has(n);
  const demo = (["zlib", "lz4", "hdf5"] as const).filter((f) => has(f) || (f === "zlib" && (has("zstd") || has("npy") || has("tiny"))));
  const formats = demo.map((f) => (f === "zlib" ? "zarr" : f === "lz4" ? "zarr-lz4" : "hdf5"));
  // demo-data writes every copy from one generator pass: run it once for the missing ones.
  const marker = (f: string) => path.join(d.dir, `.bench-ok-demo-${f}`);
  const missing = formats.filter((f) => !existsSync(marker(f)));
  for (const f of formats) if (!missing.includes(f)) ctx.commands.push(markedCommand(marker(f)));
  if (missing.length) {
    const cmd = [...CLI(ctx.repo), "demo-data", d.dir, "--variants", String(d.variants), "--samples", String(SAMPLES), "--seed", String(SEED), "--formats", missing.join(",")];
    step(ctx, d, `demo-${missing.join("+")}`, cmd);
    for (const f of missing) writeFileSync(marker(f), readFileSync(path.join(d.dir, `.bench-ok-demo-${missing.join("+")}`)));
  }
  const py = (...a: string[]) => [ctx.python, path.join(ctx.repo, "bench", "peers", "make_copy.py"), ...a];
  if (has("zstd")) step(ctx, d, "zstd", py("recompress", d.zlib, COMPONENT, d.zstd, ZSTD.cname, String(ZSTD.clevel)));
  if (has("npy")) step(ctx, d, "npy", py("npy", d.zlib, COMPONENT, d.npy));
  if (has("tiny")) step(ctx, d, "tiny", py("tiny", d.zlib, COMPONENT, d.tiny, String(TINY_ROWS), TINY_CHUNKS.join(",")));
}
