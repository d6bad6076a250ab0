/**
 * From VCF fields to VCF Zarr arrays (specification v0.4): array names, dtypes, dimension
 * names, shapes, chunks and compressors, given the header and what the first pass counted.
 *
 * Conventions (as the spec and bio2zarr): Integer → int32 with -1 missing and -2 fill;
 * Float → float32 with the NaN bit patterns 0x7F800001 (missing) and 0x7F800002 (fill);
 * Flag → bool; String → variable-length UTF-8 (`|O` + vlen-utf8); Character → `U1` when
 * every value in the file is one character, else variable-length strings (no truncation,
 * with a warning). Number=A/R/G fields use the `alt_alleles`/`alleles`/`genotypes`
 * dimensions; other multi-valued fields get `<INFO|FORMAT>_<ID>_dim`; single values none.
 * @module
 */
import type { CodecJson } from "../../array/node.js";
import { VcfError } from "./errors.js";
import type { VcfContigDef, VcfFieldDef, VcfFilterDef } from "./header.js";
import type { FieldStats, VcfScan } from "./scan.js";

/** How one element is held while parsing. */
export type ValueKind = "int" | "float" | "bool" | "string" | "char";

/** One array to write. */
export interface ArraySpec {
  name: string;
  kind: ValueKind;
  /** dtype spelling for createArray ("int8", "float32", "bool", "string", "U1"...). */
  dtype: string;
  /** Dimension names (`_ARRAY_DIMENSIONS`). */
  dims: string[];
  shape: number[];
  chunks: number[];
  description: string;
}

/** An INFO or FORMAT field being imported. */
export interface FieldPlan {
  def: VcfFieldDef;
  array: ArraySpec;
  /** Values per record (INFO) or per sample (FORMAT): the last dimension, 1 when there is none. */
  width: number;
}

/** Which INFO/FORMAT fields to import, by "INFO/ID" / "FORMAT/ID" names. */
export interface FieldSelection {
  /** Only these (default: all). */
  include?: readonly string[];
  /** Not these. Excluding FORMAT/GT drops call_genotype, _phased and _mask. */
  exclude?: readonly string[];
}

/** Settings of the plan. */
export interface PlanOptions {
  variantsChunk: number;
  samplesChunk: number;
  fields?: FieldSelection;
  /** Ploidy of call_genotype (default: the highest in the file). */
  ploidy?: number;
}

/** The full layout of the output. */
export interface ImportPlan {
  /** Dimension sizes by name. */
  dims: Record<string, number>;
  /** Arrays with a variants dimension, in creation order. */
  perVariant: ArraySpec[];
  info: FieldPlan[];
  /** FORMAT fields other than GT. */
  format: FieldPlan[];
  /** Genotype layout when GT is imported. */
  gt: { ploidy: number; array: ArraySpec } | undefined;
  contigs: VcfContigDef[];
  /** PASS first, then the header's order, then filters only seen in the data. */
  filters: VcfFilterDef[];
  samples: string[];
  /** Columns of every data line (8 for sites-only files, else 9 + samples). */
  columns: number;
  /** INFO/END is declared Integer: it sets variant_length (as htslib's rlen). */
  endIsInteger: boolean;
  warnings: string[];
}

/** Default compressor (v2 numcodecs JSON) of bio2zarr: Blosc zstd level 7, byte shuffle. */
export const DEFAULT_COMPRESSOR = { id: "blosc", cname: "zstd", clevel: 7, shuffle: 1, blocksize: 0 } as const;
/** bio2zarr's compressor for bool arrays and genotypes: bit shuffle (their values use few bits). */
export const BITSHUFFLE_COMPRESSOR = { id: "blosc", cname: "zstd", clevel: 7, shuffle: 2, blocksize: 0 } as const;

/** Blosc settings replacing bio2zarr's zstd level 7 (which c-blosc runs as zstd level 13: slow to write). */
export interface BloscChoice {
  /** "zstd" (default), "lz4", "lz4hc", "zlib", "blosclz" or "snappy". */
  cname?: string;
  /** 1..9 (default 7). */
  clevel?: number;
}

/** The v2 compressor of an array: Blosc, bit shuffle for bools and genotypes, byte shuffle otherwise. */
export function compressorOf(spec: ArraySpec, blosc: BloscChoice = {}): CodecJson {
  const base = spec.kind === "bool" || spec.name === "call_genotype" ? BITSHUFFLE_COMPRESSOR : DEFAULT_COMPRESSOR;
  return { ...base, cname: blosc.cname ?? base.cname, clevel: blosc.clevel ?? base.clevel };
}

/** The same as v3 `compressors` (Blosc needs the element size in v3). */
export function v3CompressorsOf(spec: ArraySpec, blosc: BloscChoice = {}): CodecJson[] {
  const c = compressorOf(spec, blosc) as unknown as { cname: string; clevel: number; shuffle: number };
  const typesize = spec.kind === "string" || spec.kind === "bool" ? 1 : spec.kind === "char" ? 4 : Number(/\d+/.exec(spec.dtype)?.[0] ?? 8) / 8;
  return [{ name: "blosc", configuration: { cname: c.cname, clevel: c.clevel, shuffle: c.shuffle === 2 ? "bitshuffle" : "shuffle", typesize, blocksize: 0 } }];
}

/** The dimension of each allele-dependent Number. */
const NUMBER_DIMS: Record<string, string> = { A: "alt_alleles", R: "alleles", G: "genotypes" };

/** Smallest signed integer dtype holding 0..max. */
function intDtype(max: number): string {
  return max <= 127 ? "int8" : max <= 32767 ? "int16" : "int32";
}

/** n choose k for small numbers. */
function choose(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

const FIXED_NAMES = ["variant_contig", "variant_position", "variant_length", "variant_id", "variant_id_mask", "variant_allele", "variant_quality", "variant_filter",
  "call_genotype", "call_genotype_phased", "call_genotype_mask", "sample_id", "contig_id", "contig_length", "filter_id", "filter_description", "region_index"];

function selected(sel: FieldSelection | undefined, full: string): boolean {
  if (sel?.include && !sel.include.includes(full)) return false;
  return !sel?.exclude?.includes(full);
}

/** Check that every name in the selection is a field of the file (a typo should not silently import nothing). */
function checkSelection(sel: FieldSelection | undefined, scan: VcfScan, file: string): void {
  const known = new Set([...[...scan.info.keys()].map((k) => `INFO/${k}`), ...[...scan.format.keys()].map((k) => `FORMAT/${k}`)]);
  for (const n of [...(sel?.include ?? []), ...(sel?.exclude ?? [])]) {
    if (!known.has(n)) throw new VcfError(file, undefined, `field ${JSON.stringify(n)} is not in the file (use "INFO/<ID>" or "FORMAT/<ID>")`);
  }
}

/**
 * Values per record/sample of a field and the name of its extra dimension (none for one
 * value). Number=A/R/G use the shared dimensions; a field with more values than those allow
 * (malformed, but htslib reads it) gets a dimension of its own instead of failing or
 * truncating. Other Numbers: the most values seen, at least the declared number.
 */
function fieldWidth(st: FieldStats, dims: Record<string, number>, warnings: string[]): { width: number; extra: string | undefined } {
  const d = st.def;
  if (d.type === "Flag") return { width: 1, extra: undefined };
  const shared = NUMBER_DIMS[d.number];
  if (shared !== undefined) {
    if (st.count <= dims[shared]) return { width: dims[shared], extra: shared };
    warnings.push(`${d.category}/${d.id} (Number=${d.number}) has ${st.count} values at line ${st.countLine}, more than the ${dims[shared]} ${shared}: stored with dimension ${d.category}_${d.id}_dim`);
  }
  const width = Math.max(1, st.count, /^\d+$/.test(d.number) ? Number(d.number) : 0);
  if (width === 1) return { width, extra: undefined };
  const extra = `${d.category}_${d.id}_dim`;
  dims[extra] = width;
  return { width, extra };
}

/** How a field's values are held and stored (Character: U1 only when every value is one byte). */
function fieldType(st: FieldStats, warnings: string[]): { kind: ValueKind; dtype: string } {
  const d = st.def;
  switch (d.type) {
    case "Integer": return { kind: "int", dtype: "int32" };
    case "Float": return { kind: "float", dtype: "float32" };
    case "Flag": return { kind: "bool", dtype: "bool" };
    case "Character":
      if (!st.wide) return { kind: "char", dtype: "U1" };
      warnings.push(`${d.category}/${d.id} is Type=Character but has longer values: stored as variable-length strings, not U1`);
      return { kind: "string", dtype: "string" };
    default: return { kind: "string", dtype: "string" };
  }
}

/** Two arrays may not share a name (an INFO field "id" would be variant_id). */
function checkNames(perVariant: readonly ArraySpec[], file: string): void {
  const names = new Set(["sample_id", "contig_id", "contig_length", "filter_id", "filter_description", "region_index"]);
  for (const a of perVariant) {
    if (names.has(a.name)) {
      const clash = FIXED_NAMES.includes(a.name) ? "it is a fixed VCF Zarr array" : "two fields map to it";
      throw new VcfError(file, undefined, `array name ${a.name} is used twice (${clash}); exclude the INFO/FORMAT field`);
    }
    names.add(a.name);
  }
}

/** Build the plan for a scanned file. `file` names the input in errors. */
export function planImport(scan: VcfScan, o: PlanOptions, file: string): ImportPlan {
  checkSelection(o.fields, scan, file);
  const h = scan.header;
  const nV = scan.records, nS = h.samples.length;
  const vChunk = Math.max(1, Math.min(o.variantsChunk, nV));
  const sChunk = Math.max(1, Math.min(o.samplesChunk, nS));
  const warnings: string[] = [];
  const gtStats = scan.format.get("GT");
  const withGt = gtStats !== undefined && nS > 0 && selected(o.fields, "FORMAT/GT");
  const alleles = Math.max(scan.maxAlleles, 2);
  let ploidy = Math.max(scan.maxPloidy, 1);
  if (o.ploidy !== undefined) {
    if (!Number.isInteger(o.ploidy) || o.ploidy < ploidy) throw new VcfError(file, undefined, `ploidy ${o.ploidy} is less than the highest ploidy in the file (${ploidy})`);
    ploidy = o.ploidy;
  }
  let maxG = 0;
  for (const st of scan.format.values()) if (st.def.number === "G") maxG = Math.max(maxG, st.count);
  const dims: Record<string, number> = {
    variants: nV, samples: nS, alleles, alt_alleles: alleles - 1, filters: 0, contigs: 0,
    genotypes: Math.max(1, maxG, withGt ? choose(alleles + ploidy - 1, ploidy) : 0),
  };
  if (withGt) dims.ploidy = ploidy;

  const contigs: VcfContigDef[] = [...h.contigs, ...scan.extraContigs.map((id) => ({ id, length: undefined }))];
  const filters: VcfFilterDef[] = [
    { id: "PASS", description: h.filters.find((f) => f.id === "PASS")?.description ?? "All filters passed" },
    ...h.filters.filter((f) => f.id !== "PASS"),
    ...scan.extraFilters.map((id) => ({ id, description: "" })),
  ];
  dims.contigs = contigs.length;
  dims.filters = filters.length;
  if (scan.extraContigs.length) warnings.push(`contigs without a ##contig line: ${scan.extraContigs.join(", ")}`);
  if (scan.extraFilters.length) warnings.push(`filters without a ##FILTER line: ${scan.extraFilters.join(", ")}`);

  const chunksOf = (d: string[]) => d.map((n) => (n === "variants" ? vChunk : n === "samples" ? sChunk : Math.max(1, dims[n])));
  const spec = (name: string, kind: ValueKind, dtype: string, d: string[], description: string): ArraySpec =>
    ({ name, kind, dtype, dims: d, shape: d.map((n) => dims[n]), chunks: chunksOf(d), description });

  const perVariant: ArraySpec[] = [
    spec("variant_contig", "int", intDtype(Math.max(0, contigs.length - 1)), ["variants"], "An identifier from the reference genome or an angle-bracketed ID string pointing to a contig in the assembly file"),
    spec("variant_position", "int", "int32", ["variants"], "The reference position"),
    spec("variant_length", "int", "int32", ["variants"], "The length of the variant measured in bases"),
    spec("variant_id", "string", "string", ["variants"], "List of unique identifiers where applicable"),
    spec("variant_id_mask", "bool", "bool", ["variants"], ""),
    spec("variant_allele", "string", "string", ["variants", "alleles"], "List of the reference and alternate alleles"),
    spec("variant_quality", "float", "float32", ["variants"], "Phred-scaled quality score"),
    spec("variant_filter", "bool", "bool", ["variants", "filters"], "Filter status of the variant"),
  ];

  const fieldPlan = (st: FieldStats): FieldPlan => {
    const d = st.def;
    const { width, extra } = fieldWidth(st, dims, warnings);
    const { kind, dtype } = fieldType(st, warnings);
    if (!d.declared) warnings.push(`${d.category}/${d.id} has no header line: read as Number=${d.number}, Type=${d.type}`);
    const base = d.category === "INFO" ? ["variants"] : ["variants", "samples"];
    const name = (d.category === "INFO" ? "variant_" : "call_") + d.id;
    return { def: d, width, array: spec(name, kind, dtype, extra ? [...base, extra] : base, d.description) };
  };

  const info = [...scan.info.values()].filter((st) => selected(o.fields, `INFO/${st.def.id}`)).map(fieldPlan);
  const format = nS === 0 ? [] : [...scan.format.values()].filter((st) => st.def.id !== "GT" && selected(o.fields, `FORMAT/${st.def.id}`)).map(fieldPlan);
  perVariant.push(...info.map((f) => f.array), ...format.map((f) => f.array));
  let gt: ImportPlan["gt"];
  if (withGt) {
    const array = spec("call_genotype", "int", intDtype(Math.max(alleles - 1, scan.maxAlleleIndex)), ["variants", "samples", "ploidy"], "");
    gt = { ploidy, array };
    perVariant.push(
      array,
      spec("call_genotype_phased", "bool", "bool", ["variants", "samples"], ""),
      spec("call_genotype_mask", "bool", "bool", ["variants", "samples", "ploidy"], ""),
    );
  }
  checkNames(perVariant, file);
  const endIsInteger = scan.info.get("END")?.def.type === "Integer";
  return { dims, perVariant, info, format, gt, contigs, filters, samples: h.samples, columns: h.columns, endIsInteger, warnings };
}
