/**
 * Allele-frequency model of the synthetic genotype calls: Ag1000G-shaped int8 calls
 * (variants, samples, ploidy 2) with -1 = missing. Most sites are monomorphic (all 0/0);
 * a minority segregate with an alt allele count drawn from a power law (many singletons,
 * few common alleles, as in a real site-frequency spectrum); some sites are multi-allelic
 * (alleles up to 3). Calls go missing independently at a fixed rate.
 * @module
 */

/** Parameters of the genotype model (fractions are per site or per call, in [0, 1]). */
export interface GenotypeModel {
  /** Fraction of sites with two or three alt alleles. */
  multiAllelic: number;
  /** Fraction of sites with exactly one alt allele (segregating, biallelic). */
  biallelic: number;
  /** Exponent of the alt allele count law P(k) ∝ k^-alpha (larger: rarer alleles). */
  alpha: number;
  /** Highest alt allele frequency (alt alleles stay the minor alleles). */
  maxFrequency: number;
  /** Fraction of calls that are missing (both alleles -1). */
  missing: number;
}

/**
 * Default model, tuned so blosc zlib level 3 without shuffle compresses the calls ~30× at
 * 765 samples (see the demo-data test and the module report for the measurement).
 */
export const DEFAULT_MODEL: Readonly<GenotypeModel> = Object.freeze({
  multiAllelic: 0.05, biallelic: 0.25, alpha: 1.4, maxFrequency: 0.5, missing: 0.01,
});

/** Ploidy of the calls (diploid, like Ag1000G). */
export const PLOIDY = 2;

/** Alt allele count in [1, kmax] with P(k) ∝ k^-alpha, by inverting the continuous law. */
export function drawAltCount(rand: () => number, kmax: number, alpha: number): number {
  const u = rand();
  const x = alpha === 1
    ? Math.exp(u * Math.log(kmax + 1))
    : Math.pow(1 - u * (1 - Math.pow(kmax + 1, 1 - alpha)), 1 / (1 - alpha));
  return Math.min(kmax, Math.max(1, Math.floor(x)));
}

/** Which alt allele (1..nAlt) an extra alt copy carries: allele 1 dominates, as in real multi-allelic sites. */
function pickAllele(rand: () => number, nAlt: number): number {
  return nAlt === 1 || rand() < 0.75 ? 1 : 2 + Math.floor(rand() * (nAlt - 1));
}

/** Put the alt alleles of one site into its row (`row` all 0 on entry; one byte per haplotype). */
function fillSite(rand: () => number, row: Int8Array, nAlt: number, model: GenotypeModel): void {
  const haplotypes = row.length;
  const kmax = Math.max(nAlt, Math.floor(haplotypes * model.maxFrequency));
  // Each alt allele occurs at least once, so a multi-allelic site is visible in the data.
  const k = Math.min(haplotypes, Math.max(nAlt, drawAltCount(rand, kmax, model.alpha)));
  // Rejection sampling of distinct haplotypes: k ≤ half the row keeps it to < 2k draws on average.
  for (let placed = 0; placed < k;) {
    const h = Math.floor(rand() * haplotypes);
    if (row[h] !== 0) continue;
    row[h] = placed < nAlt ? placed + 1 : pickAllele(rand, nAlt);
    placed++;
  }
}

/**
 * Generate `rows` sites × `samples` diploid calls (C order, int8) from `rand`, advancing it.
 * Missing calls are placed by geometric skips, so the cost follows the number of non-zero
 * calls rather than the block size. `alts`, when given, receives each site's number of alt
 * alleles (0 for monomorphic sites; missing calls may hide some of them in the data).
 */
export function generateBlock(rand: () => number, rows: number, samples: number, model: GenotypeModel = DEFAULT_MODEL, alts?: Int8Array): Int8Array {
  const haplotypes = samples * PLOIDY;
  const out = new Int8Array(rows * haplotypes);
  for (let v = 0; v < rows; v++) {
    const u = rand();
    const nAlt = u < model.multiAllelic ? (rand() < 0.7 ? 2 : 3) : u < model.multiAllelic + model.biallelic ? 1 : 0;
    if (alts) alts[v] = nAlt;
    if (nAlt > 0) fillSite(rand, out.subarray(v * haplotypes, (v + 1) * haplotypes), nAlt, model);
  }
  if (model.missing > 0) {
    const calls = rows * samples;
    const logQ = Math.log1p(-Math.min(model.missing, 1 - 1e-12));
    for (let c = Math.floor(Math.log1p(-rand()) / logQ); c < calls; c += 1 + Math.floor(Math.log1p(-rand()) / logQ)) {
      out[c * PLOIDY] = -1;
      out[c * PLOIDY + 1] = -1;
    }
  }
  return out;
}
