/**
 * What the demo data holds per site and per sample beside the calls (scikit-allel / Ag1000G
 * layout): positions, REF and ALT bases drawn for a block of generated sites, sample names,
 * and a buffer gathering site rows into whole chunks. Plain data; writing is demo-data.ts's.
 * @module
 */

/** Columns of `variants/ALT`: the generator's largest allele is 3. */
export const ALT_COLUMNS = 3;
/** Bytes of each sample name ("DEMO" + 5 digits). */
export const SAMPLE_NAME_BYTES = 9;

/** The site annotations of a block of rows: positions, REF bases, ALT bases (rows × ALT_COLUMNS, 0 = none). */
export interface Sites {
  pos: Int32Array;
  ref: Uint8Array;
  alt: Uint8Array;
}

const BASES = [65, 67, 71, 84]; // A C G T

/**
 * Sites for a block whose sites have `alts[r]` alt alleles: positions after `last`, a REF
 * base, and that many distinct other bases in ALT (at least one, as a VCF lists).
 */
export function siteBlock(rand: () => number, alts: Int8Array, last: number): Sites {
  const rows = alts.length;
  const pos = new Int32Array(rows);
  const ref = new Uint8Array(rows);
  const alt = new Uint8Array(rows * ALT_COLUMNS);
  for (let r = 0, p = last; r < rows; r++) {
    p += 1 + Math.floor(rand() * 7);
    pos[r] = p;
    const order = shuffled(rand, BASES); // first: REF; then the ALT bases in order
    ref[r] = order[0];
    for (let a = 0; a < Math.min(Math.max(1, alts[r]), ALT_COLUMNS); a++) alt[r * ALT_COLUMNS + a] = order[a + 1];
  }
  return { pos, ref, alt };
}

/** A uniformly shuffled copy of `xs` (Fisher–Yates). */
function shuffled<T>(rand: () => number, xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The sample names: "DEMO00000", "DEMO00001"... (SAMPLE_NAME_BYTES ASCII characters each). */
export function sampleNames(samples: number): string[] {
  return Array.from({ length: samples }, (_, i) => `DEMO${String(i).padStart(SAMPLE_NAME_BYTES - 4, "0")}`);
}

/** Site rows gathered block by block until they fill a Zarr site chunk (written once, not re-encoded per block). */
export interface SiteBuffer {
  start: number;
  rows: number;
  sites: Sites;
}

/** An empty buffer for `rows` site rows. */
export function siteBuffer(rows: number): SiteBuffer {
  return { start: 0, rows: 0, sites: { pos: new Int32Array(rows), ref: new Uint8Array(rows), alt: new Uint8Array(rows * ALT_COLUMNS) } };
}

/** The buffered rows, trimmed. */
export function buffered(b: SiteBuffer): Sites {
  const { pos, ref, alt } = b.sites;
  return { pos: pos.subarray(0, b.rows), ref: ref.subarray(0, b.rows), alt: alt.subarray(0, b.rows * ALT_COLUMNS) };
}

/** Add a block's sites after the buffered rows. */
export function appendSites(b: SiteBuffer, s: Sites): void {
  b.sites.pos.set(s.pos, b.rows);
  b.sites.ref.set(s.ref, b.rows);
  b.sites.alt.set(s.alt, b.rows * ALT_COLUMNS);
  b.rows += s.pos.length;
}
