// Test-only kernels for mapOverlap: they run in pool threads, loaded by URL, on the padded block.
import type { NDArray } from "../../../src/codecs/types.js";
import { bytesOf } from "../../../src/format/dtype.js";
import { allocateShared, elementBytes } from "../../../src/sources/types.js";

const F64 = { kind: "float", bits: 64, endian: "little" } as const;

interface Args {
  blocks: NDArray[];
  params: Record<string, unknown>;
  coords: number[];
  depth: number[];
  margins: [number, number][];
}

const strides = (shape: readonly number[]) => {
  const s = shape.map(() => 1);
  for (let d = shape.length - 2; d >= 0; d--) s[d] = s[d + 1] * shape[d + 1];
  return s;
};

/** Mean of the 3-point window along `params.axis` (fewer points where the padded block ends), float64. */
export function movingAverage3(args: Args): NDArray {
  const [a] = args.blocks;
  const axis = args.params.axis as number;
  const n = a.shape.reduce((p, d) => p * d, 1);
  const out = allocateShared(F64, n) as Float64Array;
  const x = a.data as ArrayLike<number>;
  const st = strides(a.shape)[axis], len = a.shape[axis];
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(i / st) % len;
    // (left + centre) + right, as numpy's p[:-2] + p[1:-1] + p[2:] rounds.
    const left = pos > 0 ? Number(x[i - st]) : 0, right = pos < len - 1 ? Number(x[i + st]) : 0;
    const c = 1 + (pos > 0 ? 1 : 0) + (pos < len - 1 ? 1 : 0);
    out[i] = (left + Number(x[i]) + right) / c;
  }
  return { data: out, shape: [...a.shape], dtype: F64 };
}

/** Sum over the 2-d box of radius `params.r` (per axis) around each element, within the padded block; float64. */
export function boxSum2(args: Args): NDArray {
  const [a] = args.blocks;
  const [r0, r1] = args.params.r as number[];
  const [h, w] = a.shape;
  const out = allocateShared(F64, h * w) as Float64Array;
  const x = a.data as ArrayLike<number>;
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
    let s = 0;
    for (let di = -r0; di <= r0; di++) for (let dj = -r1; dj <= r1; dj++) {
      const y = i + di, z = j + dj;
      if (y >= 0 && y < h && z >= 0 && z < w) s += Number(x[y * w + z]);
    }
    out[i * w + j] = s;
  }
  return { data: out, shape: [h, w], dtype: F64 };
}

/** out[..., i, ...] = padded[..., i + k, ...] along `params.axis` (zero bytes past the end): moves bytes, any dtype. */
export function shift(args: Args): NDArray {
  const [a] = args.blocks;
  const axis = args.params.axis as number, k = args.params.k as number;
  const n = a.shape.reduce((p, d) => p * d, 1);
  const eb = elementBytes(a.dtype);
  const out = allocateShared(a.dtype, n);
  const src = bytesOf(a.data), dst = bytesOf(out);
  const st = strides(a.shape)[axis] ?? 1, len = a.shape[axis] ?? 1;
  for (let i = 0; i < n; i++) {
    const pos = Math.floor(i / st) % len;
    if (pos + k < len) dst.set(src.subarray((i + k * st) * eb, (i + k * st + 1) * eb), i * eb);
  }
  return { data: out, shape: [...a.shape], dtype: a.dtype };
}

/** Returns the block without its first row: a wrong shape, which the trim must refuse. */
export function badShape(args: Args): NDArray {
  const [a] = args.blocks;
  return { data: (a.data as Float64Array).slice(a.shape[1]), shape: [a.shape[0] - 1, a.shape[1]], dtype: a.dtype };
}

/** Records what it was called with, in the result: element 0 = margins before axis 0, 1 = after, 2 = depth[0] (float64). */
export function report(args: Args): NDArray {
  const [a] = args.blocks;
  const n = a.shape.reduce((p, d) => p * d, 1);
  const out = allocateShared(F64, n) as Float64Array;
  out.fill(args.margins[0][0] * 100 + args.margins[0][1] * 10 + args.depth[0]);
  return { data: out, shape: [...a.shape], dtype: F64 };
}
