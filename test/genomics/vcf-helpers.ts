/**
 * Helpers of the VCF importer tests: the shared VCF files, importing into a directory
 * store, reading arrays back, and the independent cross-check (vcf-check.py: cyvcf2 reads
 * the VCF, zarr-python 2.13 reads the store).
 */
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { get } from "../../src/array/access.js";
import { openArray } from "../../src/array/node.js";
import type { NDArray } from "../../src/codecs/types.js";
import { importVcf, type ImportVcfOptions, type ImportVcfSummary } from "../../src/genomics/vcf/index.js";
import { openFsStore } from "../../src/stores/fs.js";
import { REPO } from "../paths.js";

/** /work/shared/vcf (read-only test data). */
export const VCF_DIR = join(REPO, "..", "shared", "vcf");
const CHECK = join(REPO, "test", "genomics", "vcf-check.py");
const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";

/** Fail loudly when the shared data is missing: the cross-checks are the point. */
export function sharedVcf(name: string): string {
  const p = join(VCF_DIR, name);
  if (!existsSync(p)) throw new Error(`missing shared test data ${p} (see ../shared/README.md)`);
  return p;
}

/** Import `vcf` into a new directory store `dir/name`; returns the summary and the store's path. */
export async function importTo(vcf: string, dir: string, name: string, opts: ImportVcfOptions = {}): Promise<{ summary: ImportVcfSummary; zarr: string }> {
  const zarr = join(dir, name);
  const store = await openFsStore(zarr, { create: true });
  try {
    return { summary: await importVcf(vcf, { store, path: "" }, opts), zarr };
  } finally {
    await store.close();
  }
}

/** What vcf-check.py reports. */
export interface CheckResult { records: number; arrays: string[]; errors: string[]; skipped: string[]; nskipped: number }

/** Run the independent cross-check of `zarr` against `vcf` (htslib warnings on stderr are dropped). */
export function crossCheck(vcf: string, zarr: string): CheckResult {
  const out = execFileSync(PYTHON, [CHECK, vcf, zarr], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 2 ** 20 });
  return JSON.parse(out) as CheckResult;
}

/** Read a whole array of the store at `zarr` with zarrflow. */
export async function readArray(zarr: string, name: string): Promise<NDArray> {
  const store = await openFsStore(zarr, { readOnly: true });
  try {
    return await get(await openArray(store, name), undefined, { pool: null });
  } finally {
    await store.close();
  }
}

/** Plain numbers/strings of an array, for deepEqual. */
export function values(a: NDArray): unknown[] {
  return Array.from(a.data as ArrayLike<unknown>, (v) => (typeof v === "bigint" ? Number(v) : v));
}

/** Write a small VCF; `rows` are tab-joined columns. */
export function writeVcf(dir: string, name: string, header: string[], rows: string[][]): string {
  const p = join(dir, name);
  writeFileSync(p, [...header, ...rows.map((r) => r.join("\t"))].join("\n") + "\n");
  return p;
}
