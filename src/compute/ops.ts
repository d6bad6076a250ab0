/**
 * Blockwise operations on lazy arrays: elementwise arithmetic, comparisons and logic (with
 * scalars broadcast), `where` and `astype` (user kernels: map-blocks.ts). Each returns a new
 * lazy array whose block plan calls one kernel on the inputs' block plans, so chains fuse.
 * Array operands broadcast as in numpy (length-1 or missing dimensions stretch); along the
 * dimensions they share, operands with other chunks are rechunked to the first's (unifyChunks).
 * @module
 */
import { toDataType, type DataType } from "../format/dtype.js";
import { SelectionError } from "../format/errors.js";
import { siblingKernel, type KernelRef } from "../runtime/kernel-task.js";
import type { ChunkSource } from "../sources/types.js";
import { resultType } from "./kernels/dtypes.js";
import { lazyArray, planOf, fromSource, type LazyArray } from "./lazy.js";
import type { BlockPlan } from "./plan.js";
import { rechunk } from "./rechunk.js";

const elementwiseKernel = (name: string): KernelRef => siblingKernel(import.meta.url, "./kernels/elementwise", name);

/** An operand: a lazy array (or any chunk source) or a scalar. */
export type Operand = LazyArray | ChunkSource | number | bigint | boolean;

/** Binary elementwise operations (numpy names in camelCase). */
export type BinaryOp =
  | "add" | "subtract" | "multiply" | "divide" | "floorDivide" | "mod" | "power" | "minimum" | "maximum" | "fmin" | "fmax"
  | "equal" | "notEqual" | "less" | "lessEqual" | "greater" | "greaterEqual"
  | "logicalAnd" | "logicalOr" | "logicalXor" | "bitwiseAnd" | "bitwiseOr" | "bitwiseXor";

/** Unary elementwise operations. */
export type UnaryOp = "negative" | "abs" | "sqrt" | "exp" | "log" | "log1p" | "floor" | "ceil" | "round" | "isnan" | "isfinite" | "logicalNot" | "bitwiseNot";

const isScalar = (x: Operand): x is number | bigint | boolean => typeof x === "number" || typeof x === "bigint" || typeof x === "boolean";
const scalarKind = (x: number | bigint | boolean): "bool-scalar" | "int-scalar" | "float-scalar" =>
  typeof x === "boolean" ? "bool-scalar" : typeof x === "bigint" || Number.isInteger(x) ? "int-scalar" : "float-scalar";

/** The broadcast geometry of the operands: output shape and chunks (numpy broadcasting). */
interface Geometry {
  shape: number[];
  chunkShape: number[];
}

/**
 * numpy broadcasting over chunked arrays: dimensions are aligned from the right; a length-1
 * (or missing) dimension stretches. The output's chunks along a dimension come from the
 * operands that span it, which must agree (unifyChunks sees to it); stretched operands contribute
 * their single block there.
 */
function geometryOf(what: string, operands: Operand[]): Geometry {
  const arrays = operands.filter((x): x is ChunkSource => !isScalar(x));
  if (arrays.length === 0) throw new SelectionError(`${what} needs at least one array operand`);
  const rank = Math.max(...arrays.map((a) => a.shape.length));
  const shape = new Array<number>(rank).fill(1);
  const chunkShape = new Array<number>(rank).fill(1);
  const owner = new Array<ChunkSource | undefined>(rank);
  for (const a of arrays) {
    const off = rank - a.shape.length;
    a.shape.forEach((n, i) => {
      const d = off + i;
      if (n === 1 && shape[d] !== 1) return;
      if (shape[d] !== 1 && n !== shape[d]) throw new SelectionError(`${what}: shapes [${String(arrays.map((x) => `[${String(x.shape)}]`))}] do not broadcast (dimension ${d}: ${shape[d]} vs ${n})`, a.name);
      if (n !== 1 && owner[d] && owner[d]!.chunkShape[d - (rank - owner[d]!.shape.length)] !== a.chunkShape[i])
        throw new SelectionError(`${what}: chunks along dimension ${d} differ (${owner[d]!.chunkShape[d - (rank - owner[d]!.shape.length)]} vs ${a.chunkShape[i]}); rechunk one operand`, a.name);
      if (n !== 1 || !owner[d]) { shape[d] = n; chunkShape[d] = a.chunkShape[i]; owner[d] = a; }
    });
  }
  return { shape, chunkShape };
}

/**
 * Operands with the same chunks along the dimensions they span (dask unifies chunks too): an
 * array whose chunks differ from the first array spanning a dimension is rechunked to that
 * array's chunks there (bounded memory, see rechunk). Stretched (length-1) dimensions and
 * shapes that do not broadcast are left for {@link geometryOf} to judge.
 */
export function unifyChunks<T extends Operand>(operands: readonly T[]): T[] {
  const arrays = operands.filter((x): x is T & ChunkSource => !isScalar(x));
  const rank = Math.max(0, ...arrays.map((a) => a.shape.length));
  const lead = new Array<{ n: number; chunk: number } | undefined>(rank);
  for (const a of arrays) {
    const off = rank - a.shape.length;
    a.shape.forEach((n, i) => { if (n !== 1 && !lead[off + i]) lead[off + i] = { n, chunk: a.chunkShape[i] }; });
  }
  return operands.map((x) => {
    if (isScalar(x)) return x;
    const off = rank - x.shape.length;
    const target = x.shape.map((n, i) => {
      const l = lead[off + i];
      return n !== 1 && l && l.n === n ? l.chunk : x.chunkShape[i];
    });
    return (String(target) === String(x.chunkShape) ? x : rechunk(x, target)) as T;
  });
}

/** The block of operand `x` that output block `c` uses: stretched dimensions use block 0. */
function operandCoords(x: ChunkSource, c: readonly number[]): number[] {
  const off = c.length - x.shape.length;
  return x.shape.map((n, i) => (n === 1 ? 0 : c[off + i]));
}

function operandPlan(x: Operand, coords: readonly number[]): BlockPlan {
  return isScalar(x) ? { kind: "value", value: { scalar: x } } : planOf(x, operandCoords(x, coords));
}

function typeOf(x: Operand): DataType | "int-scalar" | "float-scalar" | "bool-scalar" {
  return isScalar(x) ? scalarKind(x) : x.dtype;
}

/** `op(a, b)` elementwise, numpy's result type. */
export function binary(op: BinaryOp, a0: Operand, b0: Operand): LazyArray {
  const [a, b] = unifyChunks([a0, b0]);
  const g = geometryOf(op, [a, b]);
  const outDtype = resultType(op, typeOf(a), typeOf(b));
  const kernel = elementwiseKernel("binary");
  return lazyArray({ shape: g.shape, dtype: outDtype, chunkShape: g.chunkShape }, op, (c) => ({
    kind: "call", kernel, label: op, params: { op, outDtype },
    inputs: { a: operandPlan(a, c), b: operandPlan(b, c) },
  }));
}

/** `op(a)` elementwise. */
export function unary(op: UnaryOp, a: LazyArray | ChunkSource): LazyArray {
  const outDtype = resultType(op, a.dtype);
  const kernel = elementwiseKernel("unary");
  return lazyArray({ shape: a.shape, dtype: outDtype, chunkShape: a.chunkShape }, op, (c) => ({
    kind: "call", kernel, label: op, params: { op, outDtype }, inputs: { a: planOf(a, c) },
  }));
}

/** `where(cond, a, b)`: elements of `a` where `cond` is true, else of `b`. */
export function where(cond0: LazyArray | ChunkSource, a0: Operand, b0: Operand): LazyArray {
  const [cond, a, b] = unifyChunks<Operand>([cond0, a0, b0]) as [LazyArray | ChunkSource, Operand, Operand];
  const g = geometryOf("where", [cond, a, b]);
  const outDtype = resultType("where", typeOf(a), typeOf(b));
  const kernel = elementwiseKernel("where");
  return lazyArray({ shape: g.shape, dtype: outDtype, chunkShape: g.chunkShape }, "where", (c) => ({
    kind: "call", kernel, label: "where", params: { outDtype },
    inputs: { cond: operandPlan(cond, c), a: operandPlan(a, c), b: operandPlan(b, c) },
  }));
}

/** Cast to `dtype` (numpy `astype`, unsafe casting). */
export function astype(a: LazyArray | ChunkSource, dtype: DataType | string): LazyArray {
  const target = typeof dtype === "string" ? toDataType(dtype) : dtype;
  const kernel = elementwiseKernel("astype");
  return lazyArray({ shape: a.shape, dtype: target, chunkShape: a.chunkShape }, "astype", (c) => ({
    kind: "call", kernel, label: "astype", params: { dtype: target }, inputs: { a: planOf(a, c) },
  }));
}

/** Convenience: the same as {@link fromSource}, re-exported for `ops.lazy(x)`. */
export const lazy = fromSource;
