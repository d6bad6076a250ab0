/**
 * Parsing one VCF data line straight into the chunk buffers (columns.ts), from its bytes.
 *
 * Hand-written rather than @gmod/vcf: that parser builds a JS object per record and per
 * sample (with a string per value), which is what costs time and garbage at cohort scale;
 * here numbers are parsed from the bytes in place, strings are made only for string fields,
 * and each value lands directly at its offset in a typed array. Per record the work is one
 * walk over the bytes; the value writers (sinks.ts) are chosen once per distinct FORMAT
 * string, and INFO keys, contigs and filters are matched as bytes (bytes.ts).
 * @module
 */
import { byteMap, latin1, sameBytes } from "./bytes.js";
import { FLOAT_MISSING_BITS, type Column, type Columns } from "./columns.js";
import { VcfError } from "./errors.js";
import type { ImportPlan } from "./fields.js";
import { columnOf, floatOr, intOr, valueSinks, type AbsentSink, type FormatSink } from "./sinks.js";

/** Parse the line b[s..e) (no newline) as record `row` of the chunk; `line` is its line number. */
export type LineParser = (b: Buffer, s: number, e: number, row: number, line: number) => void;

interface FormatPlan { sinks: (FormatSink | null)[]; absent: (AbsentSink | null)[]; none: boolean }

/** Make the parser writing into `cols` (the buffers of one chunk row). */
export function makeLineParser(plan: ImportPlan, cols: Columns, file: string): LineParser {
  let line = 0;
  const fail = (msg: string): never => { throw new VcfError(file, line, msg); };
  const nS = plan.samples.length;
  const columns = plan.columns;
  const col = <K extends Column["kind"]>(name: string, kind: K) => columnOf(cols, name, kind);
  const contigOf = byteMap<number>();
  plan.contigs.forEach((c, i) => contigOf.set(c.id, i));
  const filterOf = byteMap<number>();
  plan.filters.forEach((f, i) => filterOf.set(f.id, i));
  const nF = plan.filters.length, nA = plan.dims.alleles;
  const contig = col("variant_contig", "int").data;
  const position = col("variant_position", "int").data;
  const length = col("variant_length", "int").data;
  const id = col("variant_id", "string").data;
  const idMask = col("variant_id_mask", "bool").data;
  const allele = col("variant_allele", "string").data;
  const quality = col("variant_quality", "float");
  const filter = col("variant_filter", "bool").data;

  const int = (b: Buffer, s: number, e: number, what: string) => intOr(fail, b, s, e, what);
  const float = (b: Buffer, s: number, e: number, what: string) => floatOr(fail, b, s, e, what);
  const { info: infoSinks, format: formatSinks } = valueSinks(plan, cols, fail);
  const endIsInt = plan.endIsInteger;
  const formatPlans = new Map<string, FormatPlan>();
  const formatPlan = (key: string): FormatPlan => {
    let fp = formatPlans.get(key);
    if (!fp) {
      const keys = key.split(":");
      const sinks = keys.map((k) => formatSinks.get(k)?.[0] ?? null);
      fp = { sinks, absent: keys.map((k) => formatSinks.get(k)?.[1] ?? null), none: sinks.every((x) => x === null) };
      formatPlans.set(key, fp);
    }
    return fp;
  };

  const nextTab = (b: Buffer, p: number, e: number, what: string): number => {
    while (p < e && b[p] !== 9) p++;
    if (p >= e) fail(`too few columns: no ${what} column`);
    return p;
  };
  let lastChrom: Uint8Array = new Uint8Array(0), lastContig = -1;
  let lastFormat: Uint8Array = new Uint8Array(0), lastPlan: FormatPlan | undefined;
  const END = Buffer.from("END");

  return (b, s, e, row, lineNo) => {
    line = lineNo;
    // CHROM
    const t0 = nextTab(b, s, e, "POS");
    if (lastContig < 0 || !sameBytes(b, s, t0, lastChrom)) {
      const ci = contigOf.get(b, s, t0);
      if (ci === undefined) fail(`contig ${JSON.stringify(latin1(b, s, t0))} was not seen in the first pass`);
      lastChrom = new Uint8Array(b.subarray(s, t0)); // a copy: the block may go
      lastContig = ci!;
    }
    contig[row] = lastContig;
    // POS
    const t1 = nextTab(b, t0 + 1, e, "ID");
    const pos = int(b, t0 + 1, t1, "POS");
    position[row] = pos;
    // ID
    const t2 = nextTab(b, t1 + 1, e, "REF");
    if (t2 - t1 === 2 && b[t1 + 1] === 46) { id[row] = "."; idMask[row] = 1; }
    else { id[row] = latin1(b, t1 + 1, t2); idMask[row] = 0; }
    // REF, ALT
    const t3 = nextTab(b, t2 + 1, e, "ALT");
    const ao = row * nA;
    allele[ao] = latin1(b, t2 + 1, t3);
    const t4 = nextTab(b, t3 + 1, e, "QUAL");
    let na = 1;
    if (!(t4 - t3 === 2 && b[t3 + 1] === 46)) {
      let p = t3 + 1;
      for (;;) {
        let q = p;
        while (q < t4 && b[q] !== 44) q++;
        if (na >= nA) fail(`more than ${nA} alleles (the file changed since the first pass?)`);
        allele[ao + na++] = latin1(b, p, q);
        if (q >= t4) break;
        p = q + 1;
      }
    }
    for (; na < nA; na++) allele[ao + na] = "";
    // QUAL
    const t5 = nextTab(b, t4 + 1, e, "FILTER");
    if (t5 - t4 === 2 && b[t4 + 1] === 46) quality.bits[row] = FLOAT_MISSING_BITS;
    else quality.data[row] = float(b, t4 + 1, t5, "QUAL");
    // FILTER
    const t6 = nextTab(b, t5 + 1, e, "INFO");
    const fo = row * nF;
    if (!(t6 - t5 === 2 && b[t5 + 1] === 46)) {
      let p = t5 + 1;
      while (p < t6) {
        let q = p;
        while (q < t6 && b[q] !== 59) q++;
        const fi = filterOf.get(b, p, q);
        if (fi === undefined) fail(`filter ${JSON.stringify(latin1(b, p, q))} was not seen in the first pass`);
        filter[fo + fi!] = 1;
        p = q + 1;
      }
    }
    // INFO
    let t7 = t6 + 1;
    while (t7 < e && b[t7] !== 9) t7++;
    let end = -1;
    if (!(t7 - t6 === 2 && b[t6 + 1] === 46)) {
      let p = t6 + 1;
      while (p < t7) {
        let q = p, eq = -1;
        while (q < t7 && b[q] !== 59) { if (eq < 0 && b[q] === 61) eq = q; q++; }
        if (q > p) {
          const ke = eq < 0 ? q : eq;
          const sink = infoSinks.get(b, p, ke);
          if (sink) sink(b, eq < 0 ? q : eq + 1, q, row);
          if (endIsInt && eq >= 0 && sameBytes(b, p, ke, END) && !(q - eq === 2 && b[eq + 1] === 46)) end = int(b, eq + 1, q, "INFO/END");
        }
        p = q + 1;
      }
    }
    length[row] = end >= 0 ? end - pos + 1 : t3 - t2 - 1;
    if (columns === 8) {
      if (t7 < e) fail("too many columns (expected 8)");
      return;
    }
    // FORMAT and samples
    if (t7 >= e) fail(`too few columns: no FORMAT column (expected ${columns})`);
    let t8 = t7 + 1;
    while (t8 < e && b[t8] !== 9) t8++;
    if (nS === 0) {
      if (t8 < e) fail(`too many columns (expected ${columns})`);
      return;
    }
    if (t8 >= e) fail(`too few columns: no sample columns (expected ${columns})`);
    if (t8 - t7 === 2 && b[t7 + 1] === 46) return; // FORMAT ".": no per-sample data (buffers stay missing)
    if (lastPlan === undefined || !sameBytes(b, t7 + 1, t8, lastFormat)) {
      lastPlan = formatPlan(latin1(b, t7 + 1, t8));
      lastFormat = new Uint8Array(b.subarray(t7 + 1, t8));
    }
    const fp = lastPlan;
    if (fp.none) return; // no imported FORMAT field in this record: the buffers stay missing
    const sinks = fp.sinks, absent = fp.absent, nKeys = sinks.length;
    let p = t8 + 1;
    const base = row * nS;
    for (let j = 0; j < nS; j++) {
      const cell = base + j;
      let k = 0;
      for (;;) {
        let q = p;
        while (q < e && b[q] !== 58 && b[q] !== 9) q++;
        if (k >= nKeys) fail(`sample ${j + 1} has more values than FORMAT keys`);
        const sink = sinks[k++];
        if (sink !== null) sink(b, p, q, cell);
        p = q + 1;
        if (q >= e || b[q] === 9) {
          if (q >= e && j < nS - 1) fail(`too few columns: ${10 + j} (expected ${9 + nS})`);
          if (q < e && j === nS - 1) fail(`too many columns (expected ${9 + nS})`);
          break;
        }
      }
      for (; k < nKeys; k++) { const a = absent[k]; if (a !== null) a(cell); }
    }
  };
}

