#!/usr/bin/env node
/**
 * The `zarrflow` command line: info, tree, export, import, convert, count-alleles, story, tour.
 * It only composes the library's public functions.
 * @module
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { convert, type ConvertOptions } from "../array/convert.js";
import { open, walk, type CodecJson } from "../array/node.js";
import { ZarrError } from "../format/errors.js";
import { parseJson, stringifyJson } from "../format/json.js";
import { exportNpy, importNpy } from "../io/npy-stream.js";
import { openLocation, parseLocation } from "../stores/location.js";
import { isWritable, type ReadableStore, type Store } from "../stores/types.js";
import { describe, describeText, treeLine } from "./describe.js";
import { progressBar } from "./progress.js";
import { tour } from "./tour.js";
import { countAllelesCommand, reportLines } from "./count-alleles.js";
import { story } from "./story.js";
import { importHdf5 } from "../io/hdf5-import.js";
import { importVcf } from "../genomics/vcf/index.js";
import { demoData, type DemoFormat } from "../genomics/demo-data.js";
import { createPool, type ChunkPool } from "../runtime/pool.js";

const USAGE = `zarrflow — Zarr v2/v3 for Node.js

Usage:
  zarrflow info <location> [--json]
  zarrflow tree <location>
  zarrflow export <array-location> <out.npy> [--workers N] [--quiet]
  zarrflow import <in.npy> <array-location> [--zarr-format 2|3] [--chunks 10,7,5]
                  [--codec JSON] [--filters JSON] [--shards a,b,c] [--overwrite] [--workers N] [--quiet]
  zarrflow convert <src> <dst> [--zarr-format 2|3] [--chunks ..] [--shards ..] [--codec JSON]
                  [--overwrite] [--workers N] [--quiet]
  zarrflow demo-data <dir> [--variants N] [--samples 765] [--seed S] [--formats zarr,zarr-lz4,hdf5]
                               synthetic Ag1000G-shaped genotypes as Zarr (blosc zlib, blosc lz4) and HDF5
  zarrflow count-alleles <genotypes> [--max-allele 3] [--subpop 0,2,5] [--out <zarr-location>]
                  [--json] [--profile report.html] [--workers N] [--quiet]
                               allele counts per variant on all cores; <genotypes> is a Zarr array or a group
                               (VCF Zarr call_genotype, scikit-allel calldata/GT or calldata/genotype), or HDF5
                               (file.h5#3R/calldata/genotype)
  zarrflow import-hdf5 <in.h5[#group/or/dataset]> <out-location> [--zarr-format 2|3] [--chunks ..]
                  [--overwrite] [--workers N] [--quiet]
                               a whole HDF5 file (or a subtree) as Zarr: groups, datasets, attributes
  zarrflow import-vcf <in.vcf[.gz]> <out-location> [--zarr-format 2|3] [--chunks variants,samples]
                  [--overwrite] [--workers N] [--quiet]
                               VCF → VCF Zarr (spec v0.4): genotypes, phasing, alleles, INFO and FORMAT fields
  zarrflow story [dir] [--variants N] [--workers N]
                               the main job: demo genotypes as HDF5 and Zarr, allele counts from both on all
                               cores, timings side by side and a profile page
  zarrflow tour [dir]          a short guided run: create, write, read, convert, inspect

--workers N: threads that decode/encode chunks (default: all cores; 0 = this thread only).
A progress bar is drawn on stderr when it is a terminal (--quiet hides it).

A location is a directory, a .zip file or an http(s) URL, optionally followed by
#path/in/store to select a node. --codec is the v2 compressor JSON as in .zarray
(e.g. {"id":"blosc","cname":"lz4","clevel":5,"shuffle":1}) or, for v3, the JSON list of
bytes->bytes codecs as in zarr.json ([] = none).`;

const intList = (s: string | undefined): number[] | undefined =>
  s === undefined ? undefined : s.split(",").map((x) => {
    const n = Number(x.trim());
    if (!Number.isSafeInteger(n) || n < 1) throw new ZarrError(`expected a comma-separated list of positive integers, got ${JSON.stringify(s)}`);
    return n;
  });

const jsonArg = (s: string | undefined, what: string): unknown => {
  if (s === undefined) return undefined;
  try {
    return parseJson(s);
  } catch (e) {
    throw new ZarrError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
};

/** The pool `--workers` asks for: undefined = the default pool (all cores), null = this thread only. */
function workersPool(v: string | undefined): ChunkPool | null | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!(Number.isSafeInteger(n) && n >= 0)) throw new ZarrError("--workers must be a whole number (0 = this thread only)");
  return n === 0 ? null : createPool({ threads: n });
}

async function closeStore(s: ReadableStore): Promise<void> {
  await s.close?.();
}

/**
 * Run an import into `location`; when it fails and the location is a local path that did not
 * exist before, remove what was created (the importers delete their arrays; this removes the
 * directory opening the location made).
 */
async function importInto<T>(location: string, run: (dst: { store: Store; path: string }) => Promise<T>): Promise<T> {
  const loc = parseLocation(location);
  const fresh = loc.kind === "file" && !existsSync(loc.file);
  const dst = await openLocation(location, { mode: "a" });
  let result: T;
  try {
    if (!isWritable(dst.store)) throw new ZarrError("destination is not writable", location);
    result = await run(dst);
  } catch (e) {
    await closeStore(dst.store).catch(() => {});
    if (fresh) rmSync(loc.file, { recursive: true, force: true });
    throw e;
  }
  await closeStore(dst.store);
  return result;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
      "zarr-format": { type: "string" },
      chunks: { type: "string" },
      shards: { type: "string" },
      codec: { type: "string" },
      filters: { type: "string" },
      overwrite: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      variants: { type: "string" },
      samples: { type: "string" },
      seed: { type: "string" },
      formats: { type: "string" },
      workers: { type: "string" },
      "max-allele": { type: "string" },
      subpop: { type: "string" },
      out: { type: "string" },
      profile: { type: "string" },
    },
  });
  const [cmd, ...args] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(USAGE + "\n");
    return cmd || values.help ? 0 : 2;
  }
  const fmtArg = values["zarr-format"];
  if (fmtArg !== undefined && fmtArg !== "2" && fmtArg !== "3") throw new ZarrError(`--zarr-format must be 2 or 3`);
  const zarrFormat = fmtArg === undefined ? undefined : (Number(fmtArg) as 2 | 3);
  const pool = workersPool(values.workers);
  const need = (n: number) => {
    if (args.length !== n) throw new ZarrError(`'${cmd}' takes ${n} argument${n > 1 ? "s" : ""}; see zarrflow --help`);
  };
  switch (cmd) {
    case "info": {
      need(1);
      const { store, path } = await openLocation(args[0]);
      try {
        const node = await open(store, { path });
        process.stdout.write((values.json ? stringifyJson(describe(node), 2, { ascii: false }) : describeText(node)) + "\n");
      } finally { await closeStore(store); }
      return 0;
    }
    case "tree": {
      need(1);
      const { store, path } = await openLocation(args[0]);
      try {
        const root = await open(store, { path });
        process.stdout.write(treeLine(root) + "\n");
        if (root.kind === "group") {
          const base = root.path === "" ? 0 : root.path.split("/").length;
          for await (const n of walk(root)) process.stdout.write("  ".repeat(n.path.split("/").length - base) + treeLine(n) + "\n");
        }
      } finally { await closeStore(store); }
      return 0;
    }
    case "export": {
      need(2);
      const { store, path } = await openLocation(args[0]);
      try {
        const node = await open(store, { path });
        if (node.kind !== "array") throw new ZarrError("export needs an array location (select one with #path)", args[0]);
        const bar = progressBar("export", !values.quiet);
        await exportNpy(node, args[1], { pool, onProgress: (d, t) => bar.update(d, t) });
        bar.end();
      } finally { await closeStore(store); }
      return 0;
    }
    case "import": {
      need(2);
      const { store, path } = await openLocation(args[1], { mode: "a" });
      try {
        const codec = jsonArg(values.codec, "--codec");
        const fmt = zarrFormat ?? 3;
        const bar = progressBar("import", !values.quiet);
        await importNpy(args[0], store, path, {
          zarrFormat: fmt,
          chunks: intList(values.chunks),
          shards: intList(values.shards),
          overwrite: values.overwrite,
          ...(fmt === 2
            ? { compressor: codec as CodecJson | null | undefined, filters: jsonArg(values.filters, "--filters") as CodecJson[] | undefined }
            : { compressors: codec as CodecJson[] | undefined, arrayCodecs: jsonArg(values.filters, "--filters") as CodecJson[] | undefined }),
        }, { pool, onProgress: (d, t) => bar.update(d, t) });
        bar.end();
      } finally { await closeStore(store); }
      return 0;
    }
    case "convert": {
      need(2);
      const src = await openLocation(args[0]);
      let dst: { store: Store; path: string } | undefined;
      try {
        dst = await openLocation(args[1], { mode: "a" });
        if (!isWritable(dst.store)) throw new ZarrError("destination is not writable", args[1]);
        const bar = progressBar("convert", !values.quiet);
        const o: ConvertOptions = {
          zarrFormat, chunks: intList(values.chunks), shards: intList(values.shards),
          codec: jsonArg(values.codec, "--codec") as ConvertOptions["codec"], overwrite: values.overwrite,
          pool, onProgress: (d, t) => bar.update(d, t),
        };
        await convert(src.store, src.path, dst.store, dst.path, o);
        bar.end();
      } finally {
        await closeStore(src.store);
        if (dst) await closeStore(dst.store);
      }
      return 0;
    }
    case "demo-data": {
      need(1);
      const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
      const t0 = performance.now();
      const summary = await demoData(args[0], {
        variants: num(values.variants), samples: num(values.samples), seed: num(values.seed),
        formats: values.formats?.split(",") as DemoFormat[] | undefined,
      });
      const mib = (b: number) => (b / 2 ** 20).toFixed(1);
      process.stdout.write(`${summary.variants} variants × ${summary.samples} samples × 2 (int8), ${mib(summary.bytes)} MiB decoded; blosc zlib ratio ${summary.ratio.toFixed(1)}× in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
      for (const [fmt, p] of Object.entries(summary.paths)) process.stdout.write(`  ${fmt.padEnd(9)} ${p} (${mib(summary.sizes[fmt as DemoFormat] ?? 0)} MiB)\n`);
      return 0;
    }
    case "count-alleles": {
      need(1);
      const maxAllele = values["max-allele"] === undefined ? undefined : Number(values["max-allele"]);
      if (maxAllele !== undefined && !(Number.isInteger(maxAllele) && maxAllele >= 0)) throw new ZarrError("--max-allele must be a whole number");
      const subpop = values.subpop === undefined ? undefined : values.subpop.split(",").map((x) => {
        const n = Number(x.trim());
        if (!(Number.isSafeInteger(n) && n >= 0)) throw new ZarrError(`--subpop takes sample indexes (0-based), got ${JSON.stringify(values.subpop)}`);
        return n;
      });
      const r = await countAllelesCommand(args[0], { maxAllele, subpop, pool, out: values.out, profile: values.profile, progress: !values.quiet });
      process.stdout.write(values.json ? stringifyJson(r, 2) + "\n" : reportLines(r).join("\n") + "\n");
      return 0;
    }
    case "import-hdf5": {
      need(2);
      const bar = progressBar("import-hdf5", !values.quiet);
      const r = await importInto(args[1], (dst) => importHdf5(args[0], dst, {
        zarrFormat, chunks: intList(values.chunks), overwrite: values.overwrite, pool, onProgress: (d, t) => bar.update(d, t),
      }));
      bar.end();
      process.stdout.write(`${r.groups} groups, ${r.arrays} arrays, ${(r.bytes / 2 ** 20).toFixed(1)} MiB in ${r.seconds.toFixed(1)} s → ${args[1]}\n`);
      for (const k of r.skipped) process.stdout.write(`  skipped ${k.path}${k.attribute ? ` attribute ${k.attribute}` : ""}: ${k.reason}\n`);
      return 0;
    }
    case "import-vcf": {
      need(2);
      const chunks = intList(values.chunks);
      if (chunks && chunks.length !== 2) throw new ZarrError("--chunks for import-vcf is variants,samples");
      const bar = progressBar("import-vcf", !values.quiet);
      const r = await importInto(args[1], (dst) => importVcf(args[0], dst, {
        zarrFormat, variantsChunk: chunks?.[0], samplesChunk: chunks?.[1], overwrite: values.overwrite, pool,
        onProgress: (d, t) => bar.update(d, t),
      }));
      bar.end();
      process.stdout.write(`${r.variants} variants × ${r.samples} samples (ploidy ≤ ${r.ploidy}, ≤ ${r.maxAlleles} alleles), ${r.arrays} arrays in ${r.seconds.toFixed(1)} s → ${args[1]}\n`);
      for (const w of r.warnings) process.stdout.write(`  warning: ${w}\n`);
      return 0;
    }
    case "story": {
      const dir = args[0] ?? "zarrflow-story";
      await story(dir, { variants: values.variants === undefined ? undefined : Number(values.variants), samples: values.samples === undefined ? undefined : Number(values.samples), pool: pool ?? undefined, progress: !values.quiet }, (line) => process.stdout.write(line + "\n"));
      return 0;
    }
    case "tour": {
      const dir = args[0] ?? mkdtempSync(join(tmpdir(), "zarrflow-tour-"));
      await tour(dir, (line) => process.stdout.write(line + "\n"));
      return 0;
    }
    default:
      process.stderr.write(`unknown command '${cmd}'\n\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    const err = e as Error;
    process.stderr.write(`zarrflow: ${err instanceof ZarrError ? `${err.name}: ${err.message}` : err?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
