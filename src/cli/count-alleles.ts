/**
 * `zarrflow count-alleles`: allele counts of a genotype array on all cores, from Zarr or
 * HDF5, with totals, timings, an optional Zarr output and an optional profile page. Only
 * composes the library (genomics layout + genotype array + count summary, compute, diagnostics).
 * @module
 */
import type { Hdf5ChunkSource } from "../sources/hdf5.js";
import type { ZarrArray } from "../array/node.js";
import { toZarr } from "../compute/compute.js";
import { createProfiler, type ComputeCallbacks } from "../diagnostics/profiler.js";
import { progressBar } from "../diagnostics/progress.js";
import { createResourceProfiler } from "../diagnostics/resource-profiler.js";
import { summarize, visualize } from "../diagnostics/visualize.js";
import { countSummary, type CountSummary } from "../genomics/count-summary.js";
import { genotypeArray } from "../genomics/genotype-array.js";
import { openGenotypes } from "../genomics/layout.js";
import { zarrSource } from "../sources/zarr.js";
import { defaultPool, type ChunkPool } from "../runtime/pool.js";
import { openLocation } from "../stores/location.js";
import { isWritable } from "../stores/types.js";
import { ZarrError } from "../format/errors.js";

/** Options of {@link countAllelesCommand}. */
export interface CountAllelesCommandOptions {
  maxAllele?: number;
  subpop?: number[];
  /** Pool (undefined = all cores; null = this thread). */
  pool?: ChunkPool | null;
  /** Zarr location for the per-variant counts. */
  out?: string;
  /** Write the profile page here. */
  profile?: string;
  /** Draw a progress bar on stderr (when it is a terminal). */
  progress?: boolean;
  /** Label of the progress bar. */
  label?: string;
}

/** What one allele count run measured. */
export interface CountAllelesReport extends CountSummary {
  where: string;
  format: "zarr" | "hdf5";
  shape: number[];
  /** Blocks the count read (source chunks). */
  chunks: number[];
  /** Chunks as stored (HDF5's own chunking for HDF5; the same as `chunks` for Zarr). */
  storedChunks: number[];
  maxAllele: number;
  /** Where maxAllele came from. */
  maxAlleleFrom: "option" | "metadata" | "data";
  samplesCounted: number;
  workers: number;
  seconds: number;
  /** Decoded genotype bytes per second. */
  bytesPerSecond: number;
  variantsPerSecond: number;
  /** Mean CPU use over the run (100 = one core), when profiled. */
  meanCpuPercent?: number;
  out?: string;
  profile?: string;
}

/** Count alleles of the genotypes at `location` (see `openGenotypes` for the layouts accepted). */
export async function countAllelesCommand(location: string, o: CountAllelesCommandOptions = {}, extra: ComputeCallbacks[] = []): Promise<CountAllelesReport> {
  const pool = o.pool === null ? undefined : o.pool ?? defaultPool();
  const scheduler = o.pool === null ? "sync" as const : "pool" as const;
  const found = await openGenotypes(location, { pool });
  try {
    const gt = genotypeArray(found.source);
    const prof = createProfiler();
    const res = createResourceProfiler({ intervalMs: 50 });
    const bar = progressBar({ label: o.label ?? "count-alleles", enabled: o.progress ?? true });
    const callbacks = [bar, prof, res, ...extra];
    const t0 = performance.now();
    res.start();
    const maxAlleleFrom = o.maxAllele !== undefined ? "option" : found.maxAllele !== undefined ? "metadata" : "data";
    const maxAllele = o.maxAllele ?? found.maxAllele ?? Math.max(0, await gt.maxAllele({ pool, scheduler, callbacks }));
    const ac = await gt.countAlleles({ maxAllele, subpop: o.subpop });
    let summary: CountSummary;
    let written: ZarrArray | undefined;
    if (o.out) {
      const dst = await openLocation(o.out, { mode: "a" });
      try {
        if (!isWritable(dst.store)) throw new ZarrError("the output location is not writable", o.out);
        written = await toZarr(ac.array, {
          store: dst.store, path: dst.path,
          options: { zarrFormat: 2, compressor: { id: "blosc", cname: "zstd", clevel: 5, shuffle: 1, blocksize: 0 }, attributes: { source: found.where, maxAllele, _ARRAY_DIMENSIONS: ["variants", "alleles"] } },
        }, { pool, scheduler, callbacks });
        summary = await countSummary(zarrSource(written), { pool, scheduler });
      } finally {
        await dst.store.close?.();
      }
    } else {
      summary = await countSummary(ac.array, { pool, scheduler, callbacks, label: `count-alleles-${found.format}` });
    }
    const seconds = (performance.now() - t0) / 1000;
    res.stop();
    bar.end();
    const [V, S, P] = gt.array.shape;
    if (o.profile) visualize([prof, res], o.profile, { title: `zarrflow count-alleles ${found.where}` });
    const mean = summarize(prof.records(), res.samples(), prof.window()).meanCpuPercent;
    return {
      ...summary, where: found.where, format: found.format, shape: [V, S, P], chunks: [...found.source.chunkShape],
      storedChunks: [...((found.source as Partial<Hdf5ChunkSource>).hdf5Chunks ?? found.source.chunkShape)],
      maxAllele, maxAlleleFrom, samplesCounted: o.subpop?.length ?? S, workers: pool?.threads ?? 0, seconds,
      bytesPerSecond: (V * S * P) / seconds, variantsPerSecond: V / seconds, meanCpuPercent: mean,
      out: written ? o.out : undefined, profile: o.profile,
    };
  } finally {
    await found.close();
  }
}

const group = (n: number) => Math.round(n).toLocaleString("en-US");

/** The report as the lines the CLI prints. */
export function reportLines(r: CountAllelesReport): string[] {
  const from = { option: "given", metadata: "from the layout's allele array", data: "largest allele in the data (an extra pass)" }[r.maxAlleleFrom];
  return [
    `genotypes   ${r.where} (${r.format}) ${r.shape.join(" × ")}, chunks (${r.storedChunks.join(", ")})${String(r.storedChunks) === String(r.chunks) ? "" : `, read in blocks of (${r.chunks.join(", ")})`}`,
    `max allele  ${r.maxAllele} (${from}); samples counted: ${r.samplesCounted}`,
    `alleles     ${r.alleleTotals.map((n, a) => `${a}: ${group(n)}`).join("   ")}`,
    `sites       ${group(r.variants)} variants, ${group(r.variantSites)} variant, ${group(r.segregatingSites)} segregating`,
    `time        ${r.seconds.toFixed(2)} s on ${r.workers || "this"} thread${r.workers === 1 ? "" : "s"}: ${(r.bytesPerSecond / 1e9).toFixed(2)} GB/s of calls, ${group(r.variantsPerSecond)} variants/s${r.meanCpuPercent === undefined ? "" : `, CPU ${Math.round(r.meanCpuPercent)} %`}`,
    ...(r.out ? [`counts      ${r.out} (int32 variants × ${r.maxAllele + 1}, Zarr v2)`] : []),
    ...(r.profile ? [`profile     ${r.profile}`] : []),
  ];
}
