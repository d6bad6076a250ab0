/**
 * Writers of single INFO and FORMAT values into the chunk buffers (columns.ts), from the
 * bytes of a line: one closure per field, built once per import, so the per-record work
 * is a lookup and a call. Lists are split into a reused bounds buffer (no allocation per
 * value); numbers are parsed in place (numbers.ts).
 *
 * Missing and fill follow htslib, hence bio2zarr: a sample value "." or an omitted trailing
 * FORMAT value is one missing value then fill; shorter lists are padded with fill; a
 * numeric INFO value "." is all missing. (A field absent from a record stays as the
 * buffers were reset: all missing.)
 * @module
 */
import { byteMap, latin1, utf8, type ByteMap } from "./bytes.js";
import { INT_FILL, INT_MISSING, FLOAT_FILL_BITS, FLOAT_MISSING_BITS, type Column, type Columns } from "./columns.js";
import type { FieldPlan, ImportPlan } from "./fields.js";
import { BAD, parseFloatBytes, parseIntBytes } from "./numbers.js";

/** Writes one INFO value b[s..e) of record `row` (a flag gets s === e). */
export type InfoSink = (b: Buffer, s: number, e: number, row: number) => void;
/** Writes one sample's FORMAT value b[s..e) at `cell` (row × samples + sample). */
export type FormatSink = (b: Buffer, s: number, e: number, cell: number) => void;
/** Writes the value of an omitted trailing FORMAT field at `cell`. */
export type AbsentSink = (cell: number) => void;

/** Throws the import's error for the line being parsed. */
export type Fail = (msg: string) => never;

/** The column `name` of `cols`, checked to be of `kind`. */
export function columnOf<K extends Column["kind"]>(cols: Columns, name: string, kind: K): Extract<Column, { kind: K }> {
  const c = cols.get(name);
  if (!c || c.kind !== kind) throw new Error(`internal: column ${name} is not ${kind}`);
  return c as Extract<Column, { kind: K }>;
}

/** Integer from b[s..e), or the error naming `what`. */
export function intOr(fail: Fail, b: Buffer, s: number, e: number, what: string): number {
  const v = parseIntBytes(b, s, e);
  return v === BAD ? fail(`${what}: ${JSON.stringify(utf8(b, s, e))} is not an Integer`) : v;
}

/** Float from b[s..e), or the error naming `what`. */
export function floatOr(fail: Fail, b: Buffer, s: number, e: number, what: string): number {
  const v = parseFloatBytes(b, s, e);
  return v === BAD ? fail(`${what}: ${JSON.stringify(utf8(b, s, e))} is not a Float`) : v;
}

/** The value writers of every imported INFO field (by key bytes) and FORMAT field (by key, GT included). */
export function valueSinks(plan: ImportPlan, cols: Columns, fail: Fail): { info: ByteMap<InfoSink>; format: Map<string, [FormatSink, AbsentSink]> } {
  const col = <K extends Column["kind"]>(name: string, kind: K) => columnOf(cols, name, kind);
  const text = utf8;
  const int = (b: Buffer, s: number, e: number, what: string) => intOr(fail, b, s, e, what);
  const float = (b: Buffer, s: number, e: number, what: string) => floatOr(fail, b, s, e, what);
  const tooMany = (f: FieldPlan): never => fail(`${f.def.category}/${f.def.id} has more than ${f.width} values (the file changed since the first pass?)`);
  // Value boundaries of the list being written (start, end pairs): no allocation per value.
  const maxWidth = Math.max(1, ...plan.info.map((f) => f.width), ...plan.format.map((f) => f.width));
  const bounds = new Int32Array(2 * maxWidth);
  const split = (b: Buffer, s: number, e: number, f: FieldPlan): number => {
    let n = 0, p = s;
    for (;;) {
      let q = p;
      while (q < e && b[q] !== 44) q++;
      if (n >= f.width) tooMany(f);
      bounds[2 * n] = p;
      bounds[2 * n + 1] = q;
      n++;
      if (q >= e) return n;
      p = q + 1;
    }
  };
  const isMissing = (b: Buffer, p: number, q: number) => q === p || (q - p === 1 && b[p] === 46);

  /**
   * The writer of a list of values b[s..e) at element offset o: each value, then fill up to
   * the field's width. Shared by INFO (o = row × width) and FORMAT (o = cell × width).
   */
  const listWriter = (f: FieldPlan): ((b: Buffer, s: number, e: number, o: number) => void) => {
    const w = f.width, what = `${f.def.category}/${f.def.id}`;
    const c = cols.get(f.array.name)!;
    switch (c.kind) {
      case "int": {
        const d = c.data;
        return (b, s, e, o) => {
          const n = split(b, s, e, f);
          for (let i = 0; i < n; i++) {
            const p = bounds[2 * i], q = bounds[2 * i + 1];
            d[o + i] = isMissing(b, p, q) ? INT_MISSING : int(b, p, q, what);
          }
          for (let i = n; i < w; i++) d[o + i] = INT_FILL;
        };
      }
      case "float": {
        const d = c.data, bits = c.bits;
        return (b, s, e, o) => {
          const n = split(b, s, e, f);
          for (let i = 0; i < n; i++) {
            const p = bounds[2 * i], q = bounds[2 * i + 1];
            if (isMissing(b, p, q)) bits[o + i] = FLOAT_MISSING_BITS;
            else d[o + i] = float(b, p, q, what);
          }
          for (let i = n; i < w; i++) bits[o + i] = FLOAT_FILL_BITS;
        };
      }
      case "char": {
        const d = c.data;
        return (b, s, e, o) => {
          const n = split(b, s, e, f);
          for (let i = 0; i < n; i++) d[o + i] = bounds[2 * i + 1] === bounds[2 * i] ? 0 : b[bounds[2 * i]];
          for (let i = n; i < w; i++) d[o + i] = 0;
        };
      }
      case "string": {
        const d = c.data;
        return (b, s, e, o) => {
          const n = split(b, s, e, f);
          for (let i = 0; i < n; i++) d[o + i] = text(b, bounds[2 * i], bounds[2 * i + 1]);
          for (let i = n; i < w; i++) d[o + i] = "";
        };
      }
      case "bool": throw new Error("internal: a flag has no list");
    }
  };

  // INFO: one sink per field; numeric "." means all missing (the buffers start missing).
  const info = byteMap<InfoSink>();
  for (const f of plan.info) {
    if (f.def.type === "Flag") {
      const d = col(f.array.name, "bool").data;
      info.set(f.def.id, (_b, _s, _e, row) => { d[row] = 1; });
      continue;
    }
    const write = listWriter(f), w = f.width;
    const numeric = f.def.type === "Integer" || f.def.type === "Float";
    info.set(f.def.id, (b, s, e, row) => {
      if (numeric && e - s === 1 && b[s] === 46) return;
      write(b, s, e, row * w);
    });
  }

  // FORMAT: sinks by key (record.ts combines them per distinct FORMAT string).
  const format = new Map<string, [FormatSink, AbsentSink]>();
  for (const f of plan.format) {
    const write = listWriter(f), w = f.width;
    const c = cols.get(f.array.name)!;
    const absent: AbsentSink = (cell) => {
      const o = cell * w;
      switch (c.kind) {
        case "int": c.data[o] = INT_MISSING; c.data.fill(INT_FILL, o + 1, o + w); break;
        case "float": c.bits[o] = FLOAT_MISSING_BITS; c.bits.fill(FLOAT_FILL_BITS, o + 1, o + w); break;
        case "char": c.data[o] = 46; c.data.fill(0, o + 1, o + w); break;
        case "string": c.data[o] = "."; c.data.fill("", o + 1, o + w); break;
        case "bool": break;
      }
    };
    format.set(f.def.id, [(b, s, e, cell) => write(b, s, e, cell * w), absent]);
  }
  if (plan.gt) format.set("GT", gtSinks(plan.gt.ploidy, col("call_genotype", "int").data, col("call_genotype_phased", "bool").data, fail));
  return { info, format };
}

/**
 * The GT writers for a ploidy: alleles (missing "." → -1, then -2 up to the ploidy) and the
 * phase. A call is phased when every separator is "|"; a call of one allele without a
 * separator (haploid, or a lone ".") counts as phased, as bio2zarr stores it (bio2zarr#399).
 */
function gtSinks(ploidy: number, gt: Int8Array | Int16Array | Int32Array, phased: Uint8Array, fail: Fail): [FormatSink, AbsentSink] {
  const bad = (b: Buffer, s: number, e: number) => fail(`bad GT value ${JSON.stringify(latin1(b, s, e))}`);
  const sink: FormatSink = (b, s, e, cell) => {
    const o = cell * ploidy;
    let i = s, k = 0, seps = 0, pipes = 0;
    // VCF 4.4 leading phase ("|1", "/1"): counted as a separator, so "/1" is unphased.
    if (i < e && (b[i] === 124 || b[i] === 47)) { if (b[i] === 124) pipes++; seps++; i++; }
    while (i < e) {
      let v: number;
      if (b[i] === 46) { v = INT_MISSING; i++; }
      else {
        v = 0;
        const d0 = i;
        while (i < e && b[i] >= 48 && b[i] <= 57) { v = v * 10 + b[i] - 48; i++; }
        if (i === d0) bad(b, s, e);
      }
      if (k >= ploidy) fail(`GT has more than ${ploidy} alleles (the file changed since the first pass?)`);
      gt[o + k++] = v;
      if (i < e) {
        const c = b[i++];
        if (c === 124) pipes++;
        else if (c !== 47 || i === e) bad(b, s, e);
        seps++;
      }
    }
    if (k === 0) gt[o + k++] = INT_MISSING; // an empty GT reads as "."
    for (; k < ploidy; k++) gt[o + k] = INT_FILL;
    phased[cell] = seps === 0 || pipes === seps ? 1 : 0;
  };
  const absent: AbsentSink = (cell) => {
    const o = cell * ploidy;
    gt[o] = INT_MISSING;
    for (let k = 1; k < ploidy; k++) gt[o + k] = INT_FILL;
    phased[cell] = 1;
  };
  return [sink, absent];
}
