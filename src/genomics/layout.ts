/**
 * Find the genotype calls behind a location, in the layouts users have: an array itself, or
 * a group holding VCF Zarr's `call_genotype` or scikit-allel's `calldata/GT` /
 * `calldata/genotype` (or that `calldata` group itself); in Zarr (directory, zip, HTTP) or HDF5 (`file.h5#path`). Also reads
 * what the layout says about the number of alleles (VCF Zarr `variant_allele`, scikit-allel
 * `variants/ALT`), so allele counting can skip its maxAllele pass.
 * @module
 */
import { open, openArray, type ZarrNode } from "../array/node.js";
import { NodeNotFoundError, ZarrError } from "../format/errors.js";
import { readHdf5Layout } from "../hdf5/index.js";
import { hdf5Source, parseHdf5Location, type Hdf5ChunkSource } from "../sources/hdf5.js";
import type { ChunkSource } from "../sources/types.js";
import { zarrSource } from "../sources/zarr.js";
import { openLocation } from "../stores/location.js";
import type { ReadableStore } from "../stores/types.js";
import type { ChunkPool } from "../runtime/pool.js";

/**
 * Paths (relative to a group) where the layouts keep genotype calls, in the order tried:
 * VCF Zarr, scikit-allel from the root or chromosome group, and from its `calldata` group.
 */
export const GENOTYPE_PATHS = ["call_genotype", "calldata/GT", "calldata/genotype", "GT", "genotype"] as const;

/** What {@link openGenotypes} found. */
export interface GenotypeLocation {
  /** The calls as a chunk source (Zarr or HDF5). */
  source: ChunkSource;
  /** "zarr" or "hdf5". */
  format: "zarr" | "hdf5";
  /** Where the calls are, as `location#path`. */
  where: string;
  /** Highest allele index the layout allows (alleles per site − 1), when it says so. */
  maxAllele?: number;
  /** Release the store (Zarr) or the source (HDF5). */
  close(): Promise<void>;
}

/** True for locations whose file part names an HDF5 file (by extension). */
export function isHdf5Location(location: string): boolean {
  const file = location.split("#")[0];
  return /\.(h5|hdf5|hdf|he5)$/i.test(file);
}

const join = (...parts: string[]) => parts.filter((p) => p !== "").join("/");
const parent = (p: string, up: number) => p.split("/").slice(0, Math.max(0, p.split("/").length - up)).join("/");

/** Alleles per site from a (variants, alleles) VCF Zarr `variant_allele` or (variants, alts) scikit-allel `ALT` shape. */
async function zarrMaxAllele(store: ReadableStore, arrayPath: string): Promise<number | undefined> {
  const name = arrayPath.split("/").pop();
  const tries = name === "call_genotype" ? [{ path: join(parent(arrayPath, 1), "variant_allele"), extra: -1 }] : [{ path: join(parent(arrayPath, 2), "variants/ALT"), extra: 0 }];
  for (const t of tries) {
    const a = await openArray(store, t.path).catch(() => undefined);
    if (a && a.meta.shape.length === 2) return a.meta.shape[1] + t.extra;
  }
  return undefined;
}

/**
 * Alleles per site from the shape of a scikit-allel HDF5 file's `variants/ALT` (variants, alts)
 * beside `calldata/<calls>`: read from the file's structure (ALT holds byte strings, which no
 * numeric source opens). Undefined when there is none or the file's structure is unreadable.
 */
function hdf5MaxAllele(file: string, dataset: string): number | undefined {
  try {
    const alt = readHdf5Layout(file, join(parent(dataset.replace(/^\/+/, ""), 2), "variants/ALT"));
    return alt.shape.length === 2 ? alt.shape[1] : undefined;
  } catch {
    return undefined; // no ALT there (or not readable): the count finds maxAllele from the data
  }
}

async function openZarrGenotypes(location: string): Promise<GenotypeLocation> {
  const { store, path } = await openLocation(location);
  try {
    const node: ZarrNode = await open(store, { path });
    let arrayPath = node.path;
    if (node.kind === "group") {
      const found = await firstExisting(GENOTYPE_PATHS.map((p) => join(node.path, p)), (p) => openArray(store, p).then(() => true, () => false));
      if (found === undefined) throw new NodeNotFoundError(`no genotype calls in this group (looked for ${GENOTYPE_PATHS.join(", ")})`, location);
      arrayPath = found;
    }
    const arr = await openArray(store, arrayPath);
    return {
      source: zarrSource(arr), format: "zarr", where: `${location.split("#")[0]}#${arrayPath}`,
      maxAllele: await zarrMaxAllele(store, arrayPath), close: async () => { await store.close?.(); },
    };
  } catch (e) {
    await store.close?.();
    throw e;
  }
}

async function firstExisting(paths: readonly string[], exists: (p: string) => Promise<boolean>): Promise<string | undefined> {
  for (const p of paths) if (await exists(p)) return p;
  return undefined;
}

/** Bytes one HDF5 source chunk may span (it is decoded in one hyperslab read). */
const HDF5_READ_BYTES = 32 * 2 ** 20;

/**
 * Source chunks for (variants, samples, ploidy) int8 calls over HDF5 chunks `h`: whole
 * multiples of the HDF5 chunks along samples (all samples if they fit in HDF5_READ_BYTES),
 * so one read decodes each HDF5 chunk once and a task gets a whole variant row of samples.
 */
function rowChunks(shape: readonly number[], h: readonly number[] | null): number[] | undefined {
  if (!h || shape.length !== 3) return undefined;
  const [, S, P] = shape;
  const perSample = h[0] * P;
  const fit = Math.max(h[1], Math.floor(HDF5_READ_BYTES / perSample / h[1]) * h[1]);
  return [h[0], Math.min(S, fit), P];
}

async function openHdf5Genotypes(location: string, pool?: ChunkPool): Promise<GenotypeLocation> {
  const { file, dataset } = parseHdf5Location(location);
  const base = dataset.replace(/^\/+|\/+$/g, "");
  const candidates = [...(base ? [base] : []), ...GENOTYPE_PATHS.map((p) => join(base, p))];
  let source: Hdf5ChunkSource | undefined;
  let last: unknown;
  for (const c of candidates) {
    try {
      source = await hdf5Source(file, c, { pool });
      const wide = rowChunks(source.shape, source.hdf5Chunks);
      if (wide) source = await hdf5Source(file, c, { pool, chunks: wide });
      break;
    } catch (e) {
      if (!(e instanceof ZarrError)) throw e;
      last = e;
    }
  }
  if (!source) {
    if (!(last instanceof NodeNotFoundError)) throw last; // not a missing path: an unreadable file, a wrong type...
    throw new NodeNotFoundError(`no genotype calls at ${base || "/"} (looked for the dataset itself and ${GENOTYPE_PATHS.join(", ")})`, location);
  }
  return { source, format: "hdf5", where: `${file}#${source.dataset}`, maxAllele: hdf5MaxAllele(file, source.dataset), close: () => source!.close?.() ?? Promise.resolve() };
}

/**
 * Open the genotype calls at `location`: a Zarr array or group (directory, .zip, http(s) URL,
 * `#path` inside), or an HDF5 file/dataset/group (`file.h5#3R/calldata/genotype`,
 * `file.h5#3R`). Groups are searched for {@link GENOTYPE_PATHS}.
 */
export async function openGenotypes(location: string, opts: { pool?: ChunkPool } = {}): Promise<GenotypeLocation> {
  return isHdf5Location(location) ? openHdf5Genotypes(location, opts.pool) : openZarrGenotypes(location);
}
