/**
 * Field access for structured arrays. Structured data is kept as packed records (each field
 * in its declared byte order); these functions pull one field out as an ordinary NDArray in
 * native order, or write one back, as numpy's `a["x"]` does.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { allocate, bytesOf, itemSize, layoutOf, viewAs, type DataType, type DataValues, type StructField } from "../format/dtype.js";
import { SelectionError } from "../format/errors.js";
import { product, swapInPlace } from "../format/ndarray.js";

function fieldOf(a: NDArray, name: string): StructField {
  if (a.dtype.kind !== "structured") throw new SelectionError(`field "${name}": the array is ${a.dtype.kind}, not structured`);
  const f = a.dtype.fields.find((x) => x.name === name);
  if (!f) throw new SelectionError(`no field "${name}" (fields: ${a.dtype.fields.map((x) => x.name).join(", ")})`);
  return f;
}

const isBig = (dt: DataType) => "endian" in dt && dt.endian === "big";
const native = (dt: DataType): DataType => ("endian" in dt ? { ...dt, endian: "little" } : dt) as DataType;

/** The field `name` of a structured array as a new NDArray (shape: array shape + the field's sub-array shape). */
export function getField(a: NDArray, name: string): NDArray {
  const f = fieldOf(a, name);
  const rec = (a.dtype as { itemsize: number }).itemsize;
  const n = product(a.shape);
  const width = itemSize(f.dtype)! * product(f.shape);
  const src = bytesOf(a.data);
  const out = new Uint8Array(n * width);
  for (let i = 0; i < n; i++) out.set(src.subarray(i * rec + f.offset, i * rec + f.offset + width), i * width);
  if (isBig(f.dtype)) swapInPlace(out, layoutOf(f.dtype).unitBytes);
  const dtype = native(f.dtype);
  return { data: viewAs(dtype, out), shape: [...a.shape, ...f.shape], dtype };
}

/** Write `values` (native order; an NDArray or raw data with the right element count) into field `name`, in place. */
export function setField(a: NDArray, name: string, values: NDArray | DataValues): void {
  const f = fieldOf(a, name);
  const rec = (a.dtype as { itemsize: number }).itemsize;
  const n = product(a.shape);
  const width = itemSize(f.dtype)! * product(f.shape);
  const data = (values as NDArray).data ?? (values as DataValues);
  const vb = bytesOf(data).slice();
  if (vb.byteLength !== n * width) throw new SelectionError(`field "${name}" needs ${n * width} bytes of values, got ${vb.byteLength}`);
  if (isBig(f.dtype)) swapInPlace(vb, layoutOf(f.dtype).unitBytes);
  const dst = bytesOf(a.data);
  for (let i = 0; i < n; i++) dst.set(vb.subarray(i * width, (i + 1) * width), i * rec + f.offset);
}

/** A new structured array of `shape` with all fields zero. */
export function allocateStructured(dtype: DataType, shape: number[]): NDArray {
  return { data: allocate(dtype, product(shape)), shape, dtype };
}
