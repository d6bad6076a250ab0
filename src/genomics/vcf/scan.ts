/**
 * The first pass over a VCF: the header, then every record skimmed (no numbers parsed) for
 * what fixes the arrays' shapes before anything is written: the number of records, the
 * most alleles, the highest ploidy, the most values of every INFO/FORMAT field, contigs
 * and filters used without a header line. Memory: one block of text plus these counters.
 *
 * Why two passes: VCF Zarr arrays are padded to the largest allele count, ploidy and value
 * count in the whole file, and a chunk's shape cannot change once written. Growing the
 * arrays instead would mean re-encoding every chunk already written whenever a wider record
 * turns up; a skim costs a fraction of the real parse and keeps memory flat (bio2zarr
 * likewise scans everything, into an intermediate format, before encoding).
 * @module
 */
import { byteMap, latin1, sameBytes } from "./bytes.js";
import { VcfError } from "./errors.js";
import { parseHeader, type VcfFieldDef, type VcfHeader } from "./header.js";
import { linesIn, readFailure, readLineBlocks, type LineBlockOptions } from "./lines.js";

/** What the scan learned about one INFO or FORMAT field. */
export interface FieldStats {
  def: VcfFieldDef;
  /** Most values in one record (INFO) or one sample (FORMAT); 0 when never present with a value. */
  count: number;
  /** Line of the record where `count` was reached (for errors). */
  countLine: number;
  /** Some value is longer than one byte (decides whether a Character field fits `U1`). */
  wide: boolean;
}

/** The result of {@link scanVcf}. */
export interface VcfScan {
  header: VcfHeader;
  records: number;
  /** Most alleles (REF + ALTs) of a record; 1 for a file of monomorphic sites or no records. */
  maxAlleles: number;
  /** Highest ploidy of a GT call (0 when there is no GT). */
  maxPloidy: number;
  /** Highest allele index in a GT call (decides the genotype dtype). */
  maxAlleleIndex: number;
  /** INFO fields by ID: declared ones first (header order), then those only seen in the data. */
  info: Map<string, FieldStats>;
  /** FORMAT fields likewise (GT included when present). */
  format: Map<string, FieldStats>;
  /** CHROM values with no ##contig line, in order of first appearance. */
  extraContigs: string[];
  /** FILTER values with no ##FILTER line, in order of first appearance. */
  extraFilters: string[];
  /** Line number of the #CHROM line: data starts after it. */
  headerEndLine: number;
}

const undeclared = (category: "INFO" | "FORMAT", id: string, flag: boolean): VcfFieldDef =>
  ({ category, id, number: flag ? "0" : ".", type: flag ? "Flag" : "String", description: "", declared: false });

const statsOf = (def: VcfFieldDef): FieldStats => ({ def, count: 0, countLine: 0, wide: false });

/** Count the comma-separated values in b[s..e) and note whether one is longer than a byte. */
function countValues(b: Buffer, s: number, e: number, st: FieldStats, line: number): void {
  let n = 1, start = s;
  for (let i = s; i < e; i++) {
    if (b[i] === 44) {
      if (i - start > 1) st.wide = true;
      n++;
      start = i + 1;
    }
  }
  if (e - start > 1) st.wide = true;
  if (n > st.count) { st.count = n; st.countLine = line; }
}

/** Scan `file` (plain or gzip VCF). */
export async function scanVcf(file: string, opts: LineBlockOptions = {}): Promise<VcfScan> {
  const headerLines: string[] = [];
  let header: VcfHeader | undefined;
  let line = 0;
  const info = new Map<string, FieldStats>(), format = new Map<string, FieldStats>();
  const contigs = new Set<string>(), filters = byteMap<true>();
  filters.set("PASS", true);
  const infoKeys = byteMap<FieldStats>();
  const extraContigs: string[] = [], extraFilters: string[] = [];
  let records = 0, maxAlleles = 1, maxPloidy = 0, maxAlleleIndex = 0;
  let lastChrom: Uint8Array | undefined;
  let lastFormat: Uint8Array | undefined, formatPlan: (FieldStats | null)[] = []; // null marks GT
  let columns = 0, headerEndLine = 0;

  const fail = (msg: string): never => { throw new VcfError(file, line, msg); };
  const nextTab = (b: Buffer, p: number, e: number, what: string): number => {
    while (p < e && b[p] !== 9) p++;
    if (p >= e) fail(`too few columns: no ${what} column (expected ${columns})`);
    return p;
  };

  const startData = () => {
    header = parseHeader(headerLines, file);
    columns = header.columns;
    for (const d of header.info) { const st = statsOf(d); info.set(d.id, st); infoKeys.set(d.id, st); }
    for (const d of header.format) format.set(d.id, statsOf(d));
    for (const c of header.contigs) contigs.add(c.id);
    for (const f of header.filters) filters.set(f.id, true);
  };

  const scanInfo = (b: Buffer, s: number, e: number) => {
    if (e - s === 1 && b[s] === 46) return;
    let p = s;
    while (p < e) {
      let q = p, eq = -1;
      while (q < e && b[q] !== 59) { if (eq < 0 && b[q] === 61) eq = q; q++; }
      if (q > p) {
        let st = infoKeys.get(b, p, eq < 0 ? q : eq);
        if (!st) {
          const key = latin1(b, p, eq < 0 ? q : eq);
          st = statsOf(undeclared("INFO", key, eq < 0));
          info.set(key, st);
          infoKeys.set(key, st);
        } else if (!st.def.declared && eq >= 0 && st.def.type === "Flag") st.def = undeclared("INFO", st.def.id, false);
        if (eq >= 0 && st.def.type !== "Flag") countValues(b, eq + 1, q, st, line);
      }
      p = q + 1;
    }
  };

  const planFormat = (key: string) => {
    formatPlan = key.split(":").map((k) => {
      if (k === "GT") {
        if (!format.has("GT")) format.set("GT", statsOf({ ...undeclared("FORMAT", "GT", false), number: "1" }));
        return null;
      }
      let st = format.get(k);
      if (!st) { st = statsOf(undeclared("FORMAT", k, false)); format.set(k, st); }
      return st;
    });
  };

  /** A GT value b[s..e): ploidy and highest allele index. */
  const scanGt = (b: Buffer, s: number, e: number) => {
    let i = s;
    if (i < e && (b[i] === 124 || b[i] === 47)) i++; // VCF 4.4 leading phase
    let ploidy = 0;
    while (i < e) {
      if (b[i] === 46) i++;
      else {
        let v = 0, any = false;
        while (i < e && b[i] >= 48 && b[i] <= 57) { v = v * 10 + b[i] - 48; i++; any = true; }
        if (!any) fail(`bad GT value ${JSON.stringify(b.toString("latin1", s, e))}`);
        if (v > maxAlleleIndex) maxAlleleIndex = v;
      }
      ploidy++;
      if (i < e) {
        if (b[i] !== 124 && b[i] !== 47) fail(`bad GT value ${JSON.stringify(b.toString("latin1", s, e))}`);
        i++;
        if (i === e) fail(`bad GT value ${JSON.stringify(b.toString("latin1", s, e))}`);
      }
    }
    if (ploidy > maxPloidy) maxPloidy = ploidy;
  };

  const scanLine = (b: Buffer, s: number, e: number) => {
    const t0 = nextTab(b, s, e, "POS");
    if (t0 === s) fail("empty CHROM");
    if (lastChrom === undefined || !sameBytes(b, s, t0, lastChrom)) {
      lastChrom = new Uint8Array(b.subarray(s, t0));
      const chrom = latin1(b, s, t0);
      if (!contigs.has(chrom)) { contigs.add(chrom); extraContigs.push(chrom); }
    }
    const t1 = nextTab(b, t0 + 1, e, "ID");
    const t2 = nextTab(b, t1 + 1, e, "REF");
    const t3 = nextTab(b, t2 + 1, e, "ALT");
    const t4 = nextTab(b, t3 + 1, e, "QUAL");
    let alleles = 1;
    if (!(t4 - t3 === 2 && b[t3 + 1] === 46)) { alleles = 2; for (let i = t3 + 1; i < t4; i++) if (b[i] === 44) alleles++; }
    if (alleles > maxAlleles) maxAlleles = alleles;
    const t5 = nextTab(b, t4 + 1, e, "FILTER");
    const t6 = nextTab(b, t5 + 1, e, "INFO");
    if (!(t6 - t5 === 2 && b[t5 + 1] === 46)) {
      let p = t5 + 1;
      while (p < t6) {
        let q = p;
        while (q < t6 && b[q] !== 59) q++;
        if (filters.get(b, p, q) === undefined) {
          const id = latin1(b, p, q);
          filters.set(id, true);
          extraFilters.push(id);
        }
        p = q + 1;
      }
    }
    let t7 = t6 + 1;
    while (t7 < e && b[t7] !== 9) t7++;
    scanInfo(b, t6 + 1, t7);
    if (columns === 8) {
      if (t7 < e) fail(`too many columns (expected ${columns})`);
      return;
    }
    if (t7 >= e) fail(`too few columns: no FORMAT column (expected ${columns})`);
    const nS = columns - 9;
    let t8 = t7 + 1;
    while (t8 < e && b[t8] !== 9) t8++;
    if (t8 - t7 === 2 && b[t7 + 1] === 46) {
      // No per-sample data in this record: only the column count matters.
      let tabs = 0;
      for (let i = t8; i < e; i++) if (b[i] === 9) tabs++;
      if (tabs !== nS) fail(`${tabs < nS ? "too few" : "too many"} columns: ${10 + tabs - 1} (expected ${columns})`);
      return;
    }
    if (lastFormat === undefined || !sameBytes(b, t7 + 1, t8, lastFormat)) {
      lastFormat = new Uint8Array(b.subarray(t7 + 1, t8));
      planFormat(latin1(b, t7 + 1, t8));
    }
    if (nS === 0) {
      if (t8 < e) fail(`too many columns (expected ${columns})`);
      return;
    }
    if (t8 >= e) fail(`too few columns: no sample columns (expected ${columns})`);
    const plan = formatPlan, nKeys = plan.length;
    let p = t8 + 1;
    for (let j = 0; j < nS; j++) {
      let k = 0;
      for (;;) {
        let q = p;
        while (q < e && b[q] !== 58 && b[q] !== 9) q++;
        if (k >= nKeys) fail(`sample ${j + 1} has more values than the FORMAT keys ${latin1(b, t7 + 1, t8)}`);
        const st = plan[k++];
        if (st === null) scanGt(b, p, q);
        else countValues(b, p, q, st, line);
        p = q + 1;
        if (q >= e || b[q] === 9) {
          if (j < nS - 1 && q >= e) fail(`too few columns: ${9 + j + 1} (expected ${columns})`);
          if (j === nS - 1 && q < e) fail(`too many columns (expected ${columns})`);
          break;
        }
      }
    }
  };

  try {
    for await (const b of readLineBlocks(file, opts)) {
      for (const [s, e] of linesIn(b)) {
        line++;
        if (header) {
          if (e > s) { scanLine(b, s, e); records++; }
        } else if (b[s] === 35) {
          headerLines.push(b.toString("utf8", s, e));
          if (b[s + 1] !== 35) { headerEndLine = line; startData(); }
        } else if (e > s) fail("data line before the #CHROM header line");
      }
    }
  } catch (e) {
    throw readFailure(file, line, e);
  }
  if (!header) throw new VcfError(file, line + 1, "no #CHROM header line");
  return { header, records, maxAlleles, maxPloidy, maxAlleleIndex, info, format, extraContigs, extraFilters, headerEndLine };
}
