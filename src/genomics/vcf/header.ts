/**
 * The VCF header: `##` meta-information lines (INFO, FORMAT, FILTER and contig definitions
 * with their Number/Type) and the `#CHROM` line naming the samples.
 * @module
 */
import { VcfError } from "./errors.js";

/** VCF value types. */
export type VcfType = "Integer" | "Float" | "Flag" | "Character" | "String";

/** One INFO or FORMAT field definition. */
export interface VcfFieldDef {
  category: "INFO" | "FORMAT";
  id: string;
  /** "A", "R", "G", "." or a non-negative integer as text. */
  number: string;
  type: VcfType;
  description: string;
  /** False for fields met in the data without a header line (read as Number=., Type=String, as htslib does). */
  declared: boolean;
}

/** A FILTER definition. */
export interface VcfFilterDef { id: string; description: string }

/** A contig definition (length when the header gives one). */
export interface VcfContigDef { id: string; length: number | undefined }

/** Everything the header says. */
export interface VcfHeader {
  /** The header text exactly as read (every `#` line, newline-terminated). */
  text: string;
  /** Meta-information lines other than INFO/FORMAT/FILTER/contig, as [key, value] (the spec's `vcf_meta_information`). */
  meta: [string, string][];
  info: VcfFieldDef[];
  format: VcfFieldDef[];
  /** In header order (PASS is placed first by the importer). */
  filters: VcfFilterDef[];
  contigs: VcfContigDef[];
  samples: string[];
  /** Columns every data line must have (8 for sites-only files, else 9 + samples). */
  columns: number;
  /** Number of header lines (the first data line is `lines + 1`). */
  lines: number;
}

const TYPES = new Set<string>(["Integer", "Float", "Flag", "Character", "String"]);
const FIXED_COLUMNS = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"];

/**
 * Parse the `<key=value,...>` body of a structured meta line. Values may be double-quoted
 * (with `\"` and `\\` escapes) and then contain commas. Returns undefined when malformed.
 */
export function parseStructured(body: string): Map<string, string> | undefined {
  if (!body.startsWith("<") || !body.endsWith(">")) return undefined;
  const out = new Map<string, string>();
  const s = body.slice(1, -1);
  let i = 0;
  while (i < s.length) {
    const eq = s.indexOf("=", i);
    if (eq < 0) return undefined;
    const key = s.slice(i, eq).trim();
    let j = eq + 1;
    let value = "";
    if (s[j] === '"') {
      j++;
      while (j < s.length && s[j] !== '"') {
        if (s[j] === "\\" && j + 1 < s.length) j++;
        value += s[j++];
      }
      if (j >= s.length) return undefined;
      j++;
      while (j < s.length && s[j] !== ",") j++;
    } else {
      const c = s.indexOf(",", j);
      const end = c < 0 ? s.length : c;
      value = s.slice(j, end);
      j = end;
    }
    out.set(key, value);
    i = j + 1;
  }
  return out;
}

function fieldDef(category: "INFO" | "FORMAT", m: Map<string, string>, file: string, line: number): VcfFieldDef {
  const id = m.get("ID"), number = m.get("Number"), type = m.get("Type");
  if (!id) throw new VcfError(file, line, `${category} definition without an ID`);
  if (number === undefined || !/^(A|R|G|\.|\d+)$/.test(number)) throw new VcfError(file, line, `${category}/${id}: bad Number ${JSON.stringify(number)}`);
  if (type === undefined || !TYPES.has(type)) throw new VcfError(file, line, `${category}/${id}: bad Type ${JSON.stringify(type)}`);
  if (category === "FORMAT" && type === "Flag") throw new VcfError(file, line, `FORMAT/${id}: Type=Flag is only allowed in INFO`);
  return { category, id, number, type: type as VcfType, description: m.get("Description") ?? "", declared: true };
}

/**
 * Parse the header lines (without their newlines): every `##` line, then the `#CHROM` line.
 * `file` names the input in errors.
 */
export function parseHeader(lines: readonly string[], file: string): VcfHeader {
  const info: VcfFieldDef[] = [], format: VcfFieldDef[] = [], filters: VcfFilterDef[] = [], contigs: VcfContigDef[] = [];
  const meta: [string, string][] = [];
  const seen = new Set<string>();
  const last = lines.length - 1;
  if (last < 0 || !lines[last].startsWith("#CHROM")) throw new VcfError(file, lines.length + 1, "expected the #CHROM header line");
  for (let n = 0; n < last; n++) {
    const line = lines[n], lineNo = n + 1;
    if (!line.startsWith("##")) throw new VcfError(file, lineNo, "header lines must start with ##");
    const eq = line.indexOf("=");
    if (eq < 0) continue; // a bare "##comment": nothing to keep
    const key = line.slice(2, eq), value = line.slice(eq + 1);
    if (key === "INFO" || key === "FORMAT" || key === "FILTER" || key === "contig") {
      const m = parseStructured(value);
      if (!m) throw new VcfError(file, lineNo, `malformed ##${key} line`);
      const id = m.get("ID");
      if (!id) throw new VcfError(file, lineNo, `##${key} line without an ID`);
      const dup = `${key}/${id}`;
      if (seen.has(dup)) continue; // htslib keeps the first definition too
      seen.add(dup);
      if (key === "INFO" || key === "FORMAT") (key === "INFO" ? info : format).push(fieldDef(key, m, file, lineNo));
      else if (key === "FILTER") filters.push({ id, description: m.get("Description") ?? "" });
      else {
        const len = m.get("length");
        const length = len !== undefined && /^\d+$/.test(len) ? Number(len) : undefined;
        contigs.push({ id, length });
      }
    } else meta.push([key, value]);
  }
  const cols = lines[last].split("\t");
  for (let i = 0; i < FIXED_COLUMNS.length; i++) {
    if (cols[i] !== FIXED_COLUMNS[i]) throw new VcfError(file, lines.length, `#CHROM line: column ${i + 1} must be ${FIXED_COLUMNS[i]}, got ${JSON.stringify(cols[i] ?? "")}`);
  }
  if (cols.length > 8 && cols[8] !== "FORMAT") throw new VcfError(file, lines.length, `#CHROM line: column 9 must be FORMAT, got ${JSON.stringify(cols[8])}`);
  return {
    text: lines.map((l) => l + "\n").join(""),
    meta, info, format, filters, contigs,
    samples: cols.slice(9),
    columns: cols.length,
    lines: lines.length,
  };
}
