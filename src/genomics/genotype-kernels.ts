/**
 * Worker kernels over genotype blocks: int8 calls shaped (variants, samples, ploidy), where
 * an allele slot holds an allele index (0 = reference), -1 for a missing allele, or -2 for
 * a slot the call does not have (VCF Zarr pads haploid calls in diploid arrays: `[1, -2]`).
 * Any other negative value is treated as missing too.
 *
 * Call states (scikit-allel's, extended to padding): a call is *called* when none of its
 * slots is missing and it has at least one allele; *hom* when called and its alleles are
 * all equal (a haploid call is hom), *het* when called and they differ, *hom-ref* / *hom-alt*
 * when hom with allele 0 / > 0. Allele counting is per slot: allele a counts when
 * 0 <= a <= maxAllele, whether or not the rest of the call is missing (scikit-allel counts
 * the 0 of `[0, -1]` too).
 *
 * The inner loops work on raw bytes without per-element calls; `countAllelesKernel` skips
 * whole 8-byte words that are all reference (0) or all missing (-1), which most words of
 * real genotype data are.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { ComputeError } from "../format/errors.js";
import { DT } from "../compute/kernels/dtypes.js";
import { sharedData } from "../compute/kernels/values.js";
import { isRawBlock, type RawBlock } from "../compute/plan.js";
import { wasmPartsCounter, wasmRawCounter, wasmRowCounter, wasmTaskCounter } from "./wasm/count-alleles.js";

/** Per-call predicates and transforms. */
export type CallOp = "isCalled" | "isMissing" | "isHom" | "isHomRef" | "isHomAlt" | "isHet" | "toNAlt";

/** Every {@link CallOp}, for validation. */
export const CALL_OPS: readonly CallOp[] = ["isCalled", "isMissing", "isHom", "isHomRef", "isHomAlt", "isHet", "toNAlt"];

/** Largest allele index the kernels count (allele counts per call fit in uint8 up to ploidy 255). */
export const MAX_ALLELE_LIMIT = 126;

/** The int8 view of a genotype block, checked. */
function calls(op: string, b: NDArray): Int8Array {
  if (typeof b !== "object" || b === null || !Array.isArray(b.shape) || b.shape.length !== 3) throw new ComputeError(op, "genotype blocks must be 3-d (variants, samples, ploidy)");
  if (b.dtype.kind !== "int" || b.dtype.bits !== 8 || !(b.data instanceof Int8Array)) throw new ComputeError(op, "genotype blocks must be int8");
  if (b.data.length !== b.shape[0] * b.shape[1] * b.shape[2]) throw new ComputeError(op, `block shape [${b.shape.join(", ")}] does not match its data`);
  return b.data;
}

function checkMaxAllele(op: string, m: unknown): number {
  if (!Number.isInteger(m) || (m as number) < -1 || (m as number) > MAX_ALLELE_LIMIT) throw new ComputeError(op, `maxAllele must be an integer in [-1, ${MAX_ALLELE_LIMIT}], got ${String(m)}`);
  return m as number;
}

/** Add the allele counts of bytes [from, to) of `g` into `out[base .. base + maxAllele]`. */
function countRun(g: Int8Array, w: Int32Array | null, from: number, to: number, out: Int32Array, base: number, maxAllele: number): void {
  let i = from;
  if (w !== null) {
    // Pairs of 4-byte words: all zero → 8 reference alleles; all -1 → 8 missing.
    while (i < to && (i & 3) !== 0) {
      const a = g[i++];
      if (a >= 0 && a <= maxAllele) out[base + a]++;
    }
    let zeros = 0;
    for (; i + 8 <= to; i += 8) {
      const lo = w[i >> 2], hi = w[(i >> 2) + 1];
      if ((lo | hi) === 0) { zeros += 8; continue; }
      if ((lo & hi) === -1) continue;
      for (let j = i; j < i + 8; j++) {
        const a = g[j];
        if (a >= 0 && a <= maxAllele) out[base + a]++;
      }
    }
    if (maxAllele >= 0) out[base] += zeros;
  }
  for (; i < to; i++) {
    const a = g[i];
    if (a >= 0 && a <= maxAllele) out[base + a]++;
  }
}

/** An Int32 view over the whole buffer of `g` when word access is possible (aligned start). */
function wordsOf(g: Int8Array): Int32Array | null {
  return g.byteOffset % 4 === 0 ? new Int32Array(g.buffer, g.byteOffset, g.length >> 2) : null;
}

/**
 * Add per-row counts (rows × nA) into set `q` of `out` (rows × nP × nA). A function of its
 * own so it is optimized early (the kernel itself is an async function, compiled later).
 */
function addRows(out: Int32Array, rowCounts: Int32Array, rows: number, nA: number, nP: number, q: number): void {
  for (let r = 0; r < rows; r++) {
    const at = (r * nP + q) * nA, from = r * nA;
    for (let a = 0; a < nA; a++) out[at + a] += rowCounts[from + a];
  }
}

/** Parameters of {@link countAllelesKernel}. */
export interface CountAllelesParams {
  /** Highest allele counted; the result has maxAllele + 1 columns. */
  maxAllele: number;
  /** Per sample set, per block: the block's local sample indexes to count (each as often as listed), null = all. */
  pops: readonly (readonly (readonly number[] | null)[])[];
  /** Keep an axis for the sample sets: (variants, sets, alleles); otherwise one set, (variants, alleles). */
  popAxis?: boolean;
  /** Insert a length-1 axis after the variants (a partial of one group of sample blocks). */
  groupAxis?: boolean;
  /** false: count whole blocks with the JavaScript loop instead of WebAssembly SIMD (tests compare both). */
  simd?: boolean;
}

/**
 * Kernel: allele counts of one row of genotype blocks (blocks that share their variants and
 * together span some samples), in one pass per set over each block. Returns int32
 * (variants, [1,] [sets,] maxAllele + 1). Blocks may arrive unmade (`rawInputs`): counted
 * whole, stored chunks are decoded (and the stored chunks tiling a block placed) and
 * leaf-task blocks (HDF5) read straight into the SIMD kernel's memory.
 */
export async function countAllelesKernel(args: { blocks: (NDArray | RawBlock)[]; params: CountAllelesParams }): Promise<NDArray> {
  const op = "countAlleles";
  const { blocks, params } = args;
  if (!Array.isArray(blocks) || blocks.length === 0) throw new ComputeError(op, "needs at least one genotype block");
  const maxAllele = checkMaxAllele(op, params.maxAllele);
  const pops = params.pops;
  if (!Array.isArray(pops) || pops.length === 0 || !pops.every((p) => Array.isArray(p) && p.length === blocks.length)) throw new ComputeError(op, "pops must list, per sample set, one entry per block");
  if (!params.popAxis && pops.length !== 1) throw new ComputeError(op, "several sample sets need popAxis");
  const nA = maxAllele + 1;
  const nP = pops.length;
  const simd = params.simd === false ? null : wasmRowCounter();
  const rawCounter = params.simd === false ? null : wasmRawCounter();
  const taskCounter = params.simd === false ? null : wasmTaskCounter();
  const partsCounter = params.simd === false ? null : wasmPartsCounter();
  const rowsOf = (b: NDArray | RawBlock) => (!isRawBlock(b) ? b.shape[0] : b.raw ? b.raw.extent[0] : b.parts ? b.parts.shape[0] : b.task!.shape[0]);
  const rows = rowsOf(blocks[0]);
  const out = sharedData(DT.int32, rows * nP * nA) as Int32Array;
  for (let k = 0; k < blocks.length; k++) {
    const given = blocks[k];
    if (rowsOf(given) !== rows) throw new ComputeError(op, `blocks differ in their number of variants (${rows} vs ${rowsOf(given)})`);
    const whole = pops.every((perBlock) => perBlock[k] === null);
    if (isRawBlock(given)) {
      // One set: the counters add straight into the result (rows × nA); several: into the
      // block's own counts, added to each set below.
      const rowCounts = nP === 1 ? out : new Int32Array(rows * nA);
      const made = whole && nA > 0 && (given.raw
        ? rawCounter !== null && (await rawCounter(given.raw, nA, rowCounts))
        : given.parts
          ? partsCounter !== null && (await partsCounter(given.parts, nA, rowCounts))
          : given.task !== undefined && taskCounter !== null && (await taskCounter(given.task, nA, rowCounts)));
      if (made) {
        if (rowCounts !== out) for (let q = 0; q < nP; q++) addRows(out, rowCounts, rows, nA, nP, q);
        continue;
      }
    }
    const b = isRawBlock(given) ? await given.decoded() : given;
    const g = calls(op, b);
    const [, S, P] = b.shape;
    const rowBytes = S * P;
    const w = wordsOf(g);
    pops.forEach((perBlock, q) => {
      const pick = perBlock[k];
      if (pick === null) {
        if (simd && nA > 0) simd(g, 0, rows, rowBytes, nA, out, (r) => (r * nP + q) * nA);
        else for (let r = 0; r < rows; r++) countRun(g, w, r * rowBytes, (r + 1) * rowBytes, out, (r * nP + q) * nA, maxAllele);
        return;
      }
      for (const s of pick) if (!(Number.isInteger(s) && s >= 0 && s < S)) throw new ComputeError(op, `sample index ${s} is outside the block (0..${S - 1})`);
      for (let r = 0; r < rows; r++) {
        const base = (r * nP + q) * nA, row = r * rowBytes;
        for (let j = 0; j < pick.length; j++) {
          const at = row + pick[j] * P;
          for (let p = 0; p < P; p++) {
            const a = g[at + p];
            if (a >= 0 && a <= maxAllele) out[base + a]++;
          }
        }
      }
    });
  }
  const shape = [rows, ...(params.groupAxis ? [1] : []), ...(params.popAxis ? [nP] : []), nA];
  return { data: out, shape, dtype: DT.int32 };
}

/**
 * Kernel: the largest allele index in a genotype block (-1 when it holds none), as a 1×1
 * int8 array — one cell of the maxAllele pass. All-zero 8-byte words are skipped.
 */
export function maxAlleleKernel(args: { blocks: NDArray[] }): NDArray {
  let m = -1;
  for (const b of args.blocks) {
    const g = calls("maxAllele", b);
    let i = 0;
    if (g.byteOffset % 8 === 0) {
      const f = new Float64Array(g.buffer, g.byteOffset, g.length >> 3);
      let zero = false;
      for (let k = 0; k < f.length; k++) {
        if (f[k] === 0) { zero = true; continue; }
        for (let j = k << 3, e = j + 8; j < e; j++) if (g[j] > m) m = g[j];
      }
      if (zero && m < 0) m = 0;
      i = f.length << 3;
    }
    for (; i < g.length; i++) if (g[i] > m) m = g[i];
  }
  const out = sharedData(DT.int8, 1) as Int8Array;
  out[0] = m;
  return { data: out, shape: [1, 1], dtype: DT.int8 };
}

/**
 * State of one call packed in a number (no object per call in the hot loop): bit 0 called,
 * bit 1 hom, bit 2 all alleles 0; bits 3.. its number of alt alleles.
 */
function callState(g: Int8Array, at: number, P: number): number {
  let first = -1, n = 0, nAlt = 0, same = true;
  for (let p = 0; p < P; p++) {
    const a = g[at + p];
    if (a === -2) continue;
    if (a < 0) return 0;
    if (n === 0) first = a;
    else if (a !== first) same = false;
    if (a > 0) nAlt++;
    n++;
  }
  if (n === 0) return 0;
  return 1 | (same ? 2 : 0) | (same && first === 0 ? 4 : 0) | (nAlt << 3);
}

/**
 * Kernel: a per-call predicate or transform of one genotype block → (variants, samples):
 * bool for the predicates, int8 for `toNAlt` (the number of alt alleles of each called call,
 * `fill` (default 0) for calls that are not called).
 */
export function callKernel(args: { blocks: NDArray[]; params: { op: CallOp; fill?: number } }): NDArray {
  const { op, fill = 0 } = args.params;
  if (!CALL_OPS.includes(op)) throw new ComputeError(String(op), `unknown call operation (expected one of ${CALL_OPS.join(", ")})`);
  const b = args.blocks[0];
  const g = calls(op, b);
  const [V, S, P] = b.shape;
  const n = V * S;
  const nAlt = op === "toNAlt";
  if (nAlt && !(Number.isInteger(fill) && fill >= -128 && fill <= 127)) throw new ComputeError(op, `fill must be an int8, got ${fill}`);
  const out = sharedData(nAlt ? DT.int8 : DT.bool, n) as Int8Array | Uint8Array;
  for (let c = 0; c < n; c++) {
    const flags = callState(g, c * P, P), k = flags >> 3;
    const called = (flags & 1) !== 0, hom = (flags & 2) !== 0;
    let v: number;
    switch (op) {
      case "isCalled": v = called ? 1 : 0; break;
      case "isMissing": v = called ? 0 : 1; break;
      case "isHom": v = hom ? 1 : 0; break;
      case "isHomRef": v = (flags & 4) !== 0 ? 1 : 0; break;
      case "isHomAlt": v = hom && (flags & 4) === 0 ? 1 : 0; break;
      case "isHet": v = called && !hom ? 1 : 0; break;
      default: v = called ? k : fill;
    }
    out[c] = v;
  }
  return { data: out, shape: [V, S], dtype: nAlt ? DT.int8 : DT.bool };
}

/**
 * Kernel: per-call allele counts of one genotype block → uint8 (variants, samples,
 * maxAllele + 1): how many copies of each allele 0..maxAllele each call carries.
 */
export function callAlleleCountsKernel(args: { blocks: NDArray[]; params: { maxAllele: number } }): NDArray {
  const op = "toAlleleCounts";
  const maxAllele = checkMaxAllele(op, args.params.maxAllele);
  const b = args.blocks[0];
  const g = calls(op, b);
  const [V, S, P] = b.shape;
  const nA = maxAllele + 1;
  const out = sharedData(DT.uint8, V * S * nA) as Uint8Array;
  for (let c = 0; c < V * S; c++) {
    for (let p = 0; p < P; p++) {
      const a = g[c * P + p];
      if (a >= 0 && a <= maxAllele) out[c * nA + a]++;
    }
  }
  return { data: out, shape: [V, S, nA], dtype: DT.uint8 };
}
