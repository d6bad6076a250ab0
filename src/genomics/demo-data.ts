/**
 * Synthetic Ag1000G-shaped genotype calls for demos and benchmarks: int8, shape
 * (variants, samples, 2), -1 = missing, written as
 *
 * - `<dir>/genotypes.zarr`: Zarr v2 group, array `calldata/GT`, blosc zlib clevel 3 without
 *   shuffle, chunks (6553, 200, 2), fill value -1 (a chunk that is not stored reads as
 *   "all calls missing", the Ag1000G/scikit-allel convention);
 * - `<dir>/genotypes-lz4.zarr`: the same layout with blosc lz4 clevel 5 (no shuffle);
 * - `<dir>/genotypes.h5`: HDF5 dataset `calldata/genotype`, gzip level 3, chunks (6553, 10, 2)
 *   (capped to the sample count), HDF5 fill value 0 (every element is written anyway).
 *
 * Beside the calls, each copy holds what a scikit-allel / Ag1000G file has per site and per
 * sample: `variants/POS` (int32, increasing, ~4 bp apart), `variants/REF` (S1),
 * `variants/ALT` (S1, 3 columns: the site's alternate bases, at least one, empty past the
 * site's alt alleles) and `samples` (S9, "DEMO00000"...). So the layout says how many
 * alleles a site can have (allele counting needs no maxAllele pass) and regions can be
 * located by position. They come from their own PRNG stream: the calls do not depend on them.
 *
 * Memory stays bounded whatever the size: sites are generated in blocks of 6553 rows (one
 * Zarr chunk row); each block is written to the Zarr copies and, as a hyperslab, into the
 * HDF5 dataset, which grows block by block (h5wasm's `create_dataset` needs the initial data
 * in memory, so the dataset starts as the first block with an unlimited first dimension and
 * is resized before each later block's `write_slice`). Peak RSS does not grow with the
 * variant count: ~250 MiB for the two Zarr copies alone, ~830 MiB with HDF5 when run from
 * sources under tsx (~600 MiB of it is tsx transforming h5wasm's 4 MB module; compiled, an
 * h5wasm instance costs ~30–40 MiB). Output is a pure function of the seed and the sizes.
 * @module
 */
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Dataset } from "h5wasm/node";
import { createArray, createGroup, type ZarrArray } from "../array/node.js";
import { set } from "../array/access.js";
import { slice } from "../array/selection.js";
import { openFsStore } from "../stores/fs.js";
import { DEFAULT_MODEL, generateBlock, PLOIDY, type GenotypeModel } from "./genotype-model.js";
import { mulberry32 } from "./prng.js";
import { ALT_COLUMNS, appendSites, buffered, SAMPLE_NAME_BYTES, sampleNames, siteBlock, siteBuffer, type Sites } from "./demo-sites.js";
import { chunkBytesUnder } from "./sizes.js";

/** The copies {@link demoData} can write. */
export type DemoFormat = "zarr" | "zarr-lz4" | "hdf5";

/** Options of {@link demoData}. */
export interface DemoDataOptions {
  /** Number of variant sites (default 1 000 000). */
  variants?: number;
  /** Number of samples (default 765, as Ag1000G phase 1). */
  samples?: number;
  /** PRNG seed (default 42; used modulo 2^32); the output bytes depend only on it, the sizes and the model. */
  seed?: number;
  /** Copies to write (default all three). */
  formats?: readonly DemoFormat[];
  /** Allele-frequency model overrides (default {@link DEFAULT_MODEL}). */
  model?: Partial<GenotypeModel>;
}

/** What {@link demoData} wrote. */
export interface DemoDataSummary {
  variants: number;
  samples: number;
  /** Path of each copy written. */
  paths: Partial<Record<DemoFormat, string>>;
  /** Uncompressed size of the calls (variants × samples × 2 bytes). */
  bytes: number;
  /** Chunk bytes on disk of the first copy written in the order zarr, zarr-lz4, hdf5 (file size for HDF5). */
  compressedBytes: number;
  /** bytes / compressedBytes. */
  ratio: number;
  /** On-disk bytes of each copy written (Zarr: chunks only; HDF5: whole file). */
  sizes: Partial<Record<DemoFormat, number>>;
}

/** Rows per generated block: one Zarr chunk row, and the HDF5 chunk length. */
export const BLOCK_ROWS = 6553;
/** Zarr chunk shape (variants, samples, ploidy). */
export const ZARR_CHUNKS: readonly number[] = [BLOCK_ROWS, 200, PLOIDY];
/** HDF5 chunk shape (the sample dimension is capped to the sample count). */
export const HDF5_CHUNKS: readonly number[] = [BLOCK_ROWS, 10, PLOIDY];
/** Relative paths of the copies and their array inside. */
export const DEMO_PATHS = { zarr: "genotypes.zarr", "zarr-lz4": "genotypes-lz4.zarr", hdf5: "genotypes.h5", zarrArray: "calldata/GT", hdf5Dataset: "calldata/genotype" } as const;
/** Rows per Zarr chunk of the per-site arrays (16 chunk rows of calls). */
const SITE_CHUNK_ROWS = BLOCK_ROWS * 16;
/** Seed offset of the site annotations' PRNG stream (kept apart from the calls'). */
const SITE_SEED = 0x5eed5;

const ALL_FORMATS: readonly DemoFormat[] = ["zarr", "zarr-lz4", "hdf5"];

function positiveInteger(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`demoData: ${name} must be a positive integer, got ${v}`);
  return v;
}

/** One Zarr v2 copy: the calls array and the site and sample arrays beside it. */
interface ZarrCopy {
  calls: ZarrArray;
  pos: ZarrArray;
  ref: ZarrArray;
  alt: ZarrArray;
}

/** Create one Zarr v2 copy (group, calldata/GT, variants/POS, REF, ALT, samples) at `path`. */
async function createZarrCopy(path: string, variants: number, samples: number, cname: "zlib" | "lz4", clevel: number): Promise<ZarrCopy> {
  const store = await openFsStore(path, { create: true });
  await createGroup(store, "", { zarrFormat: 2 });
  await createGroup(store, "calldata", { zarrFormat: 2 });
  await createGroup(store, "variants", { zarrFormat: 2 });
  const compressor = { id: "blosc", cname, clevel, shuffle: 0, blocksize: 0 };
  const site = (name: string, dtype: string, cols: number[]) =>
    createArray(store, `variants/${name}`, { zarrFormat: 2, shape: [variants, ...cols], dtype, chunks: [Math.min(variants, SITE_CHUNK_ROWS), ...cols], compressor: { ...compressor, shuffle: dtype === "int32" ? 1 : 0 }, fillValue: null });
  const names = await createArray(store, "samples", { zarrFormat: 2, shape: [samples], dtype: `|S${SAMPLE_NAME_BYTES}`, chunks: [samples], compressor: null, fillValue: null });
  await set(names, null, { data: new Uint8Array(Buffer.from(sampleNames(samples).join(""), "latin1")), shape: [samples], dtype: { kind: "fixed-bytes", size: SAMPLE_NAME_BYTES } });
  return {
    calls: await createArray(store, DEMO_PATHS.zarrArray, {
      zarrFormat: 2, shape: [variants, samples, PLOIDY], dtype: "int8", chunks: [...ZARR_CHUNKS],
      compressor, fillValue: -1,
    }),
    pos: await site("POS", "int32", []),
    ref: await site("REF", "|S1", []),
    alt: await site("ALT", "|S1", [ALT_COLUMNS]),
  };
}

/** Write the sites of rows [start, start + rows) (a whole site chunk, or the last) into a Zarr copy. */
async function writeZarrSites(z: ZarrCopy, start: number, sites: Sites): Promise<void> {
  const rows = sites.pos.length;
  const rowSel = [slice(start, start + rows)];
  const bytes = { kind: "fixed-bytes", size: 1 } as const;
  await Promise.all([
    set(z.pos, rowSel, sites.pos),
    set(z.ref, rowSel, { data: sites.ref, shape: [rows], dtype: bytes }),
    set(z.alt, [...rowSel, null], { data: sites.alt, shape: [rows, ALT_COLUMNS], dtype: bytes }),
  ]);
}

/** A writer of row blocks into HDF5 datasets that grow along the variants dimension. */
interface Hdf5Writer {
  write(start: number, block: Int8Array, sites: Sites): void;
  close(): void;
}

/** Bytes as one-character strings for h5wasm's fixed-length string datasets ("" for 0). */
const letters = (b: Uint8Array): string[] => Array.from(b, (c) => (c === 0 ? "" : String.fromCharCode(c)));

async function openHdf5Writer(path: string, samples: number): Promise<Hdf5Writer> {
  // Loaded on demand: Zarr-only runs skip h5wasm's start-up (~30–40 MiB compiled, far more under tsx).
  const { default: h5wasm } = await import("h5wasm/node");
  await h5wasm.ready;
  const file = new h5wasm.File(path, "w");
  // h5wasm writes fixed strings from JS strings; "A" types are ASCII, as h5py's "S" bytes read back.
  file.create_dataset({ name: "samples", data: sampleNames(samples), shape: [samples], dtype: `A${SAMPLE_NAME_BYTES}` });
  let datasets: { calls: Dataset; pos: Dataset; ref: Dataset; alt: Dataset } | undefined;
  return {
    write(start, block, sites) {
      const rows = block.length / (samples * PLOIDY);
      const values = { calls: block, pos: sites.pos, ref: letters(sites.ref), alt: letters(sites.alt) };
      if (!datasets) {
        const calldata = file.create_group("calldata");
        const variants = file.create_group("variants");
        const site = (name: string, data: Int32Array | string[], dtype: string, cols: number[]) => variants.create_dataset({
          name, data, shape: [rows, ...cols], dtype, maxshape: [null, ...cols], chunks: [BLOCK_ROWS, ...cols], compression: "gzip", compression_opts: 3,
        });
        datasets = {
          calls: calldata.create_dataset({
            name: "genotype", data: block, shape: [rows, samples, PLOIDY], dtype: "<b",
            maxshape: [null, samples, PLOIDY], chunks: [HDF5_CHUNKS[0], Math.min(HDF5_CHUNKS[1], samples), PLOIDY],
            compression: "gzip", compression_opts: 3,
          }),
          pos: site("POS", values.pos, "<i4", []),
          ref: site("REF", values.ref, "A1", []),
          alt: site("ALT", values.alt, "A1", [ALT_COLUMNS]),
        };
        return;
      }
      datasets.calls.resize([start + rows, samples, PLOIDY]);
      datasets.calls.write_slice([[start, start + rows], [], []], block);
      for (const [k, cols] of [["pos", []], ["ref", []], ["alt", [ALT_COLUMNS]]] as const) {
        datasets[k].resize([start + rows, ...cols]);
        datasets[k].write_slice([[start, start + rows], ...cols.map(() => [] as [])], values[k]);
      }
    },
    close() { file.close(); },
  };
}

/**
 * Write the synthetic genotype calls under `dir` (created if needed; earlier copies at the
 * same paths are replaced) and return what was written with the measured compression ratio.
 */
export async function demoData(dir: string, options: DemoDataOptions = {}): Promise<DemoDataSummary> {
  const variants = positiveInteger("variants", options.variants ?? 1_000_000);
  const samples = positiveInteger("samples", options.samples ?? 765);
  const seed = options.seed ?? 42;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`demoData: seed must be an integer, got ${seed}`);
  const formats = ALL_FORMATS.filter((f) => (options.formats ?? ALL_FORMATS).includes(f));
  if (formats.length === 0) throw new RangeError(`demoData: formats must name at least one of ${ALL_FORMATS.join(", ")}`);
  const model: GenotypeModel = { ...DEFAULT_MODEL, ...options.model };

  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const paths: Partial<Record<DemoFormat, string>> = {};
  for (const f of formats) {
    paths[f] = join(root, DEMO_PATHS[f]);
    rmSync(paths[f]!, { recursive: true, force: true });
  }
  const zarrs: ZarrCopy[] = [];
  if (paths.zarr) zarrs.push(await createZarrCopy(paths.zarr, variants, samples, "zlib", 3));
  if (paths["zarr-lz4"]) zarrs.push(await createZarrCopy(paths["zarr-lz4"], variants, samples, "lz4", 5));
  const hdf5 = paths.hdf5 ? await openHdf5Writer(paths.hdf5, samples) : undefined;

  const rand = mulberry32(seed);
  const siteRand = mulberry32(seed ^ SITE_SEED);
  const pending = siteBuffer(SITE_CHUNK_ROWS);
  try {
    let last = 0;
    for (let start = 0; start < variants; start += BLOCK_ROWS) {
      const rows = Math.min(BLOCK_ROWS, variants - start);
      const alts = new Int8Array(rows);
      const block = generateBlock(rand, rows, samples, model, alts);
      const sites = siteBlock(siteRand, alts, last);
      last = sites.pos[rows - 1];
      hdf5?.write(start, block, sites);
      appendSites(pending, sites);
      const flush = pending.rows === SITE_CHUNK_ROWS || start + rows === variants;
      await Promise.all(zarrs.map(async (z) => {
        await set(z.calls, [slice(start, start + rows), null, null], block);
        if (flush) await writeZarrSites(z, pending.start, buffered(pending));
      }));
      if (flush) Object.assign(pending, { start: start + rows, rows: 0 });
    }
  } finally {
    hdf5?.close();
  }

  const sizes: Partial<Record<DemoFormat, number>> = {};
  if (paths.zarr) sizes.zarr = chunkBytesUnder(join(paths.zarr, DEMO_PATHS.zarrArray));
  if (paths["zarr-lz4"]) sizes["zarr-lz4"] = chunkBytesUnder(join(paths["zarr-lz4"], DEMO_PATHS.zarrArray));
  if (paths.hdf5) sizes.hdf5 = statSync(paths.hdf5).size;
  const bytes = variants * samples * PLOIDY;
  const compressedBytes = sizes[formats[0]]!;
  return { variants, samples, paths, bytes, compressedBytes, ratio: bytes / compressedBytes, sizes };
}
