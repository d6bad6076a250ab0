// Test-only kernels for blockwise: they run in pool threads, loaded by URL.
import type { NDArray } from "../../../src/codecs/types.js";
import { allocateShared } from "../../../src/sources/types.js";

const F64 = { kind: "float", bits: 64, endian: "little" } as const;

interface Args<B> {
  blocks: B;
  params: Record<string, unknown>;
  coords: number[];
}

const f64 = (shape: number[]): NDArray => ({ data: allocateShared(F64, shape.reduce((p, n) => p * n, 1)), shape, dtype: F64 });

/** a + b elementwise, float64 (same-shaped blocks). */
export function add(args: Args<NDArray[]>): NDArray {
  const [a, b] = args.blocks;
  const out = f64([...a.shape]);
  const o = out.data as Float64Array, x = a.data as ArrayLike<number>, y = b.data as ArrayLike<number>;
  for (let i = 0; i < o.length; i++) o[i] = Number(x[i]) + Number(y[i]);
  return out;
}

/** a + transpose(b) for 2-D blocks (b arrives in its own layout, as in dask), float64. */
export function addTransposed(args: Args<NDArray[]>): NDArray {
  const [a, b] = args.blocks;
  const [r, c] = a.shape;
  if (b.shape[0] !== c || b.shape[1] !== r) throw new RangeError(`block shapes [${String(a.shape)}] and [${String(b.shape)}] are not transposes`);
  const out = f64([r, c]);
  const o = out.data as Float64Array, x = a.data as ArrayLike<number>, y = b.data as ArrayLike<number>;
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) o[i * c + j] = Number(x[i * c + j]) + Number(y[j * r + i]);
  return out;
}

function matmulInto(o: Float64Array, a: NDArray, b: NDArray): void {
  const [n, k] = a.shape;
  const [k2, m] = b.shape;
  if (k !== k2) throw new RangeError(`inner dimensions ${k} and ${k2} differ`);
  const x = a.data as ArrayLike<number>, y = b.data as ArrayLike<number>;
  for (let i = 0; i < n; i++) for (let p = 0; p < k; p++) {
    const v = Number(x[i * k + p]);
    for (let j = 0; j < m; j++) o[i * m + j] += v * Number(y[p * m + j]);
  }
}

/** Product of a row panel and a column panel (concatenate: true), float64. */
export function matmulBlock(args: Args<NDArray[]>): NDArray {
  const [a, b] = args.blocks;
  const out = f64([a.shape[0], b.shape[1]]);
  matmulInto(out.data as Float64Array, a, b);
  return out;
}

/** Sum over k of a[k] @ b[k] from the block lists (concatenate: false), float64. */
export function matmulLists(args: Args<NDArray[][]>): NDArray {
  const [as, bs] = args.blocks;
  if (!Array.isArray(as) || as.length !== bs.length) throw new RangeError("expected two block lists of one length");
  const out = f64([as[0].shape[0], bs[0].shape[1]]);
  as.forEach((a, k) => matmulInto(out.data as Float64Array, a, bs[k]));
  return out;
}

/** Block broadcast along a new axis: out[i, r] = x[i] * (r + 1) with r over params.reps. */
export function repeatScaled(args: Args<NDArray[]>): NDArray {
  const [a] = args.blocks;
  const reps = args.params.reps as number;
  const n = a.shape[0];
  const out = f64([n, reps]);
  const o = out.data as Float64Array, x = a.data as ArrayLike<number>;
  for (let i = 0; i < n; i++) for (let r = 0; r < reps; r++) o[i * reps + r] = Number(x[i]) * (r + 1);
  return out;
}
