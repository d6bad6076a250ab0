/**
 * Point (coordinate) selections, zarr's `vindex` / `get_coordinate_selection`, and n-d
 * boolean masks (`get_mask_selection`): the result is 1-D in the order the points are given.
 * Points are grouped by chunk so each chunk is visited once; inside a chunk they address
 * the chunk as a flat C-order vector.
 * @module
 */
import { SelectionError } from "../format/errors.js";
import type { ChunkProjection, IndexArray, SelectionPlan } from "./selection-types.js";
import { cStrides } from "../format/ndarray.js";
import { checkChunkShape, normalizeIndexArray } from "./selection-normalize.js";
import { compactList } from "./selection-dim.js";

/** Resolve per-dimension coordinate arrays (numbers broadcast like 0-d arrays) to a common length. */
function broadcastCoords(shape: readonly number[], coords: readonly (IndexArray | number)[]): Float64Array[] {
  if (!Array.isArray(coords)) throw new SelectionError("a point selection is a list of one index array per dimension");
  if (coords.length !== shape.length)
    throw new SelectionError(`point selection has ${coords.length} index arrays but the array has ${shape.length} dimensions`);
  if (shape.length === 0) throw new SelectionError("point selection needs an array of at least one dimension");
  const lists = coords.map((c, d) => {
    const arr = typeof c === "number" ? [c] : c;
    if (!Array.isArray(arr) && !ArrayBuffer.isView(arr))
      throw new SelectionError(`point selection: dimension ${d} needs an integer array, got ${typeof c}`);
    return { list: normalizeIndexArray(arr as IndexArray, shape[d], d).indices, scalar: typeof c === "number" };
  });
  let n = -1;
  for (const [d, { list, scalar }] of lists.entries()) {
    if (scalar || list.length === 1) continue;
    if (n === -1) n = list.length;
    else if (list.length !== n)
      throw new SelectionError(`point selection: index arrays cannot be broadcast together (dimension ${d} has ${list.length} indices, expected ${n})`);
  }
  if (n === -1) n = 1;
  return lists.map(({ list }) => {
    if (list.length === n) return list;
    const out = new Float64Array(n);
    out.fill(list[0]);
    return out;
  });
}

/**
 * Plan a point selection: `coords[d][j]` is the index along dimension `d` of point `j`
 * (negatives count from the end). Arrays of length 1 and plain numbers broadcast.
 * For writes, a point given twice takes the later value (numpy: last wins).
 */
export function planPoints(shape: readonly number[], chunkShape: readonly number[], coords: readonly (IndexArray | number)[]): SelectionPlan {
  checkChunkShape(shape, chunkShape);
  const pts = broadcastCoords(shape, coords);
  const rank = shape.length;
  const n = pts[0].length;
  const grid = shape.map((s, d) => Math.ceil(s / chunkShape[d]));
  // Flat chunk numbers when the grid fits in a double's integer range; else compare per dimension.
  const gridSize = grid.reduce((a, b) => a * b, 1);
  const chunkOf = (j: number, d: number): number => Math.floor(pts[d][j] / chunkShape[d]);
  let compare: (a: number, b: number) => number;
  if (gridSize <= Number.MAX_SAFE_INTEGER) {
    const key = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let k = 0;
      for (let d = 0; d < rank; d++) k = k * grid[d] + chunkOf(j, d);
      key[j] = k;
    }
    compare = (a, b) => key[a] - key[b];
  } else {
    compare = (a, b) => {
      for (let d = 0; d < rank; d++) {
        const c = chunkOf(a, d) - chunkOf(b, d);
        if (c !== 0) return c;
      }
      return 0;
    };
  }
  let order: Uint32Array | undefined;
  for (let j = 1; j < n; j++) {
    if (compare(j - 1, j) > 0) {
      order = new Uint32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
      // Tie-break on position: duplicates keep their order so later writes land last.
      order.sort((a, b) => compare(a, b) || a - b);
      break;
    }
  }
  const at = (j: number): number => (order ? order[j] : j);
  const starts: number[] = [];
  for (let j = 0; j < n; j++) if (j === 0 || compare(at(j - 1), at(j)) !== 0) starts.push(j);
  starts.push(n);
  const chunkStrides = cStrides(chunkShape);
  const chunkSize = chunkShape.reduce((a, b) => a * b, 1);

  function projection(g: number): ChunkProjection {
    const from = starts[g];
    const to = starts[g + 1];
    const first = at(from);
    const chunkCoords = shape.map((_, d) => chunkOf(first, d));
    const local = new Float64Array(to - from);
    const pos = new Float64Array(to - from);
    for (let j = from; j < to; j++) {
      const p = at(j);
      let off = 0;
      for (let d = 0; d < rank; d++) off += (pts[d][p] - chunkCoords[d] * chunkShape[d]) * chunkStrides[d];
      local[j - from] = off;
      pos[j - from] = p;
    }
    return {
      chunkCoords,
      chunkSel: [compactList(local, 0, to - from)],
      outSel: [compactList(pos, 0, to - from)],
      extent: extentOf(shape, chunkShape, chunkCoords),
      flat: true,
    };
  }
  const chunkCount = starts.length - 1;
  return {
    shape: [...shape], chunkShape: [...chunkShape], outShape: [n], count: n, chunkCount,
    chunkView: [chunkSize],
    projections: { *[Symbol.iterator]() { for (let g = 0; g < chunkCount; g++) yield projection(g); } },
  };
}

/**
 * Plan an n-d boolean mask selection (zarr's `get_mask_selection`): `mask` holds one flag per
 * array element in C order; the result is 1-D, the selected elements in C order.
 */
export function planMask(shape: readonly number[], chunkShape: readonly number[], mask: ArrayLike<boolean | number>): SelectionPlan {
  checkChunkShape(shape, chunkShape);
  const size = shape.reduce((a, b) => a * b, 1);
  if (mask === null || typeof mask !== "object" || mask.length !== size)
    throw new SelectionError(`mask has ${mask?.length} elements but the array has ${size}`);
  let n = 0;
  for (let i = 0; i < size; i++) if (mask[i]) n++;
  const coords = shape.map(() => new Float64Array(n));
  const strides = cStrides(shape);
  for (let i = 0, j = 0; i < size; i++) {
    if (!mask[i]) continue;
    for (let d = 0; d < shape.length; d++) coords[d][j] = Math.floor(i / strides[d]) % shape[d];
    j++;
  }
  return planPoints(shape, chunkShape, coords);
}


/** The part of chunk `coords` that lies inside an array of `shape`. */
export function extentOf(shape: readonly number[], chunkShape: readonly number[], coords: readonly number[]): number[] {
  return coords.map((c, d) => Math.max(0, Math.min(chunkShape[d], shape[d] - c * chunkShape[d])));
}
