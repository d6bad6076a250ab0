/**
 * The streaming VCF → VCF Zarr (v0.4) importer.
 *
 * Pass 1 (scan.ts) reads the header and skims every record for the dimension sizes. Pass 2
 * parses `variantsChunk` records at a time into one of two sets of chunk-row buffers
 * (record.ts) and hands a full set to `set` — which encodes its chunks on the worker pool —
 * while the next records are parsed into the other set. Memory: two chunk rows of every
 * array plus one block of text, whatever the file's length.
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import { set } from "../../array/access.js";
import { consolidateMetadata, createArray, createGroup, deleteNode, keyIn, type CreateArrayOptions, type ZarrArray } from "../../array/node.js";
import type { JsonValue } from "../../format/json.js";
import { runTasks } from "../../runtime/executor.js";
import { defaultPool, type ChunkPool } from "../../runtime/pool.js";
import type { Store } from "../../stores/types.js";
import { allocateColumns, columnsBytes, columnValue, resetColumns, type Columns } from "./columns.js";
import { VcfError } from "./errors.js";
import { compressorOf, planImport, v3CompressorsOf, type ArraySpec, type BloscChoice, type FieldSelection, type ImportPlan } from "./fields.js";
import { linesIn, readFailure, readLineBlocks } from "./lines.js";
import { makeLineParser } from "./record.js";
import { scanVcf } from "./scan.js";

/** Options of {@link importVcf}. */
export interface ImportVcfOptions {
  /**
   * Records per chunk along `variants` (default 10 000). Two chunk rows of every array are
   * held while importing: about 2 × variantsChunk × samples × (bytes of the FORMAT values
   * of one call) — lower it for very wide cohorts (see {@link ImportVcfSummary.bufferBytes}).
   */
  variantsChunk?: number;
  /** Samples per chunk along `samples` (default 1 000). */
  samplesChunk?: number;
  /** Zarr format written (default 2, which zarr-python 2 reads). */
  zarrFormat?: 2 | 3;
  /** INFO/FORMAT fields to import, as "INFO/ID" / "FORMAT/ID" (default all). */
  fields?: FieldSelection;
  /** Ploidy of call_genotype (default: the highest in the file; more pads every call with -2). */
  ploidy?: number;
  /** Blosc compressor settings (default bio2zarr's: zstd, clevel 7; shuffle is chosen per array). */
  blosc?: BloscChoice;
  /** Replace whatever is at the target path (default false: an existing node is an error). */
  overwrite?: boolean;
  /** Pool that encodes chunks: default the process pool (for chunks big enough); null: this thread. */
  pool?: ChunkPool | null;
  /** Input bytes read of the total; the file is read twice, so the total is twice its size. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

/** What {@link importVcf} wrote. */
export interface ImportVcfSummary {
  variants: number;
  samples: number;
  /** Ploidy of call_genotype (0 without genotypes). */
  ploidy: number;
  /** Most alleles (REF + ALT) of one record. */
  maxAlleles: number;
  /** Names of the arrays written, relative to the group. */
  arrays: string[];
  seconds: number;
  /** Bytes of the two chunk-row parse buffers (strings counted as 8-byte references): the import's memory, beyond a block of text and the pool's chunks in flight. */
  bufferBytes: number;
  /** Lossless but notable choices (undeclared fields, wide Character fields, contigs without header lines). */
  warnings: string[];
}

/** Arrays set in flight at once for one chunk row (each runs its own chunks on the pool). */
const ARRAYS_IN_FLIGHT = 4;

let sourceName: string | undefined;
/** "zarrflow-<version>" for the `source` attribute (the package.json beside src/ or dist/). */
function source(): string {
  if (sourceName) return sourceName;
  sourceName = "zarrflow";
  for (const rel of ["../../../package.json", "../../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "zarrflow" && pkg.version) { sourceName = `zarrflow-${pkg.version}`; break; }
    } catch { /* try the next location */ }
  }
  return sourceName;
}

/** createArray options for a spec (bio2zarr's compressors; every chunk stored, so no reader depends on fill_value). */
function arrayOptions(spec: ArraySpec, zarrFormat: 2 | 3, blosc: BloscChoice | undefined): CreateArrayOptions {
  const attributes: Record<string, JsonValue> = { _ARRAY_DIMENSIONS: spec.dims, description: spec.description };
  const common = { shape: spec.shape, dtype: spec.dtype, chunks: spec.chunks, zarrFormat, attributes, writeEmptyChunks: true };
  // v2: fill_value null as bio2zarr writes it (a fill would read as _FillValue and mask real -1/NaN values in xarray).
  if (zarrFormat === 2) return { ...common, compressor: compressorOf(spec, blosc), fillValue: null };
  // v3 names dimensions in the metadata (dimension_names), as bio2zarr writes it; the v2 attribute would be redundant there.
  const { _ARRAY_DIMENSIONS: _, ...v3attrs } = attributes;
  return { ...common, attributes: v3attrs, compressors: v3CompressorsOf(spec, blosc), dimensionNames: spec.dims };
}

/** The static (not per-variant) arrays: samples, contigs, filters. */
function staticArrays(plan: ImportPlan, samplesChunk: number) {
  const one = (n: number) => [Math.max(1, n)];
  const out: { spec: ArraySpec; values: string[] | BigInt64Array }[] = [
    { spec: { name: "sample_id", kind: "string", dtype: "string", dims: ["samples"], shape: [plan.samples.length], chunks: [Math.max(1, Math.min(samplesChunk, plan.samples.length))], description: "" }, values: plan.samples },
    { spec: { name: "contig_id", kind: "string", dtype: "string", dims: ["contigs"], shape: [plan.contigs.length], chunks: one(plan.contigs.length), description: "" }, values: plan.contigs.map((c) => c.id) },
    { spec: { name: "filter_id", kind: "string", dtype: "string", dims: ["filters"], shape: [plan.filters.length], chunks: one(plan.filters.length), description: "" }, values: plan.filters.map((f) => f.id) },
    { spec: { name: "filter_description", kind: "string", dtype: "string", dims: ["filters"], shape: [plan.filters.length], chunks: one(plan.filters.length), description: "" }, values: plan.filters.map((f) => f.description) },
  ];
  if (plan.contigs.length > 0 && plan.contigs.every((c) => c.length !== undefined)) {
    out.push({
      spec: { name: "contig_length", kind: "int", dtype: "int64", dims: ["contigs"], shape: [plan.contigs.length], chunks: one(plan.contigs.length), description: "" },
      values: BigInt64Array.from(plan.contigs.map((c) => BigInt(c.length!))),
    });
  }
  return out;
}

/**
 * Region index rows of one chunk row (spec "Region index"): per run of one contig, the
 * chunk, contig, first and last position, largest end (position + length - 1), records.
 */
function regionRows(cols: Columns, chunk: number, rows: number): number[][] {
  const contig = cols.get("variant_contig")!.data as Int8Array | Int16Array | Int32Array;
  const pos = cols.get("variant_position")!.data as Int32Array;
  const len = cols.get("variant_length")!.data as Int32Array;
  const out: number[][] = [];
  let start = 0;
  for (let i = 0; i < rows; i++) {
    if (i + 1 < rows && contig[i + 1] === contig[i]) continue;
    let maxEnd = -Infinity;
    for (let k = start; k <= i; k++) maxEnd = Math.max(maxEnd, pos[k] + len[k] - 1);
    out.push([chunk, contig[start], pos[start], pos[i], maxEnd, i - start + 1]);
    start = i + 1;
  }
  return out;
}

/**
 * Remove what a failed import wrote: the arrays it created and the group's own metadata
 * (never anything else under the path: with path "" that would be the whole store).
 */
async function removePartial(store: Store, path: string, written: readonly string[]): Promise<void> {
  try {
    for (const name of written) await deleteNode(store, keyIn(path, name));
    for (const k of [".zgroup", ".zattrs", ".zmetadata", "zarr.json"]) await store.delete(keyIn(path, k));
  } catch { /* best effort: the import's own error is what the caller needs */ }
}

/** call_genotype_mask: true where the genotype is missing or fill. */
function fillGenotypeMask(cols: Columns, n: number): void {
  const gt = cols.get("call_genotype")?.data as Int8Array | Int16Array | Int32Array | undefined;
  const mask = cols.get("call_genotype_mask")?.data as Uint8Array | undefined;
  if (!gt || !mask) return;
  for (let i = 0; i < n; i++) mask[i] = gt[i] < 0 ? 1 : 0;
}

/**
 * Import a VCF or gzip/bgzip VCF file into a new VCF Zarr group at `target.path` of
 * `target.store`, following the VCF Zarr specification v0.4 with bio2zarr's defaults.
 * Bad input (truncated gzip, wrong column counts, non-numeric values, malformed header)
 * rejects with a {@link VcfError} naming the file and line.
 * @example const summary = await importVcf("calls.vcf.gz", { store, path: "calls.vcz" });
 */
export async function importVcf(input: string, target: { store: Store; path: string }, options: ImportVcfOptions = {}): Promise<ImportVcfSummary> {
  const t0 = performance.now();
  const { store, path } = target;
  const zarrFormat = options.zarrFormat ?? 2;
  const variantsChunk = options.variantsChunk ?? 10_000;
  const samplesChunk = options.samplesChunk ?? 1_000;
  for (const [k, v] of [["variantsChunk", variantsChunk], ["samplesChunk", samplesChunk]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new VcfError(input, undefined, `${k} must be a positive integer, got ${v}`);
  }
  let size: number;
  try {
    size = statSync(input).size;
  } catch (e) {
    throw new VcfError(input, undefined, `cannot open: ${(e as Error).message}`, { cause: e });
  }
  const total = 2 * size;
  const progress = options.onProgress;
  const signal = options.signal;

  const scan = await scanVcf(input, { signal, onBytes: progress && ((n) => progress(n, total)) });
  const plan = planImport(scan, { variantsChunk, samplesChunk, fields: options.fields, ploidy: options.ploidy }, input);
  const overwrite = options.overwrite ?? false;
  const h = scan.header;
  await createGroup(store, path, {
    zarrFormat, overwrite,
    attributes: { vcf_zarr_version: "0.4", source: source(), vcf_meta_information: h.meta, vcf_header: h.text },
  });
  const written: string[] = [];
  try {
    // The pool is passed explicitly: `set` would keep a write of one chunk (a chunk row of a
    // narrow array) on this thread, but here many such writes run side by side.
    const access = { pool: options.pool === null ? null : options.pool ?? defaultPool(), signal };
    for (const { spec, values } of staticArrays(plan, samplesChunk)) {
      written.push(spec.name);
      const arr = await createArray(store, keyIn(path, spec.name), arrayOptions(spec, zarrFormat, options.blosc));
      if (values.length > 0) await set(arr, null, values, access);
    }
    const arrays = new Map<string, ZarrArray>();
    for (const spec of plan.perVariant) {
      written.push(spec.name);
      arrays.set(spec.name, await createArray(store, keyIn(path, spec.name), arrayOptions(spec, zarrFormat, options.blosc)));
    }

    // Pass 2: parse into one buffer set while the other is encoded and stored.
    const vChunk = plan.perVariant[0].chunks[0];
    const sets = [allocateColumns(plan.perVariant, vChunk), allocateColumns(plan.perVariant, vChunk)];
    const parsers = sets.map((c) => makeLineParser(plan, c, input));
    const region: number[][] = [];
    const nS = plan.samples.length;
    const ploidy = plan.gt?.ploidy ?? 0;
    const writeChunk = async (cols: Columns, chunk: number, rows: number): Promise<void> => {
      fillGenotypeMask(cols, rows * nS * ploidy);
      region.push(...regionRows(cols, chunk, rows));
      const v0 = chunk * vChunk;
      await runTasks(plan.perVariant, async (spec) => {
        const arr = arrays.get(spec.name)!;
        const sel = [{ start: v0, stop: v0 + rows }, ...spec.shape.slice(1).map(() => null)];
        await set(arr, sel, columnValue(cols.get(spec.name)!, rows), access);
      }, { maxInFlight: ARRAYS_IN_FLIGHT, signal, keyOf: (spec) => `${keyIn(path, spec.name)} variants ${v0}..${v0 + rows}` });
    };

    let line = 0, row = 0, chunk = 0, turn = 0, records = 0;
    let pending: Promise<void> | undefined;
    resetColumns(sets[0]);
    try {
      for await (const b of readLineBlocks(input, { signal, onBytes: progress && ((n) => progress(size + n, total)) })) {
        for (const [s, e] of linesIn(b)) {
          line++;
          if (line > scan.headerEndLine && e > s) {
            if (records === scan.records) throw new VcfError(input, line, "more records than in the first pass (the file changed while importing?)");
            parsers[turn](b, s, e, row++, line);
            records++;
            if (row === vChunk) {
              if (pending) await pending; // frees the other buffer set
              pending = writeChunk(sets[turn], chunk++, row);
              pending.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
              row = 0;
              turn ^= 1;
              resetColumns(sets[turn]);
            }
          }
        }
      }
    } catch (e) {
      await pending?.catch(() => {});
      throw readFailure(input, line, e);
    }
    if (pending) await pending;
    if (row > 0) await writeChunk(sets[turn], chunk, row);
    if (records !== scan.records) throw new VcfError(input, line, `${records} records, ${scan.records} in the first pass (the file changed while importing?)`);

    written.push("region_index");
    const idx = await createArray(store, keyIn(path, "region_index"), arrayOptions({
      name: "region_index", kind: "int", dtype: "int32", dims: ["region_index_values", "region_index_fields"],
      shape: [region.length, 6], chunks: [Math.max(1, region.length), 6], description: "",
    }, zarrFormat, options.blosc));
    if (region.length > 0) await set(idx, null, Int32Array.from(region.flat()), access);
    await consolidateMetadata(store, path);
    return {
      variants: scan.records, samples: nS, ploidy, maxAlleles: scan.maxAlleles, arrays: written,
      seconds: (performance.now() - t0) / 1000, bufferBytes: 2 * columnsBytes(sets[0]), warnings: plan.warnings,
    };
  } catch (e) {
    await removePartial(store, path, written);
    throw e;
  }
}
