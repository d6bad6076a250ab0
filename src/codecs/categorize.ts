/**
 * numcodecs `categorize` (array → array): `{labels, dtype, astype?}`. Strings (object or
 * fixed unicode `U` arrays) become integer codes: label i is code i + 1 (a repeated label
 * gets its last position, as numcodecs' loop leaves it), anything else 0. Decode maps codes
 * back, 0 and unknown codes to "".
 * @module
 */
import { allocate, dtypeName, layoutOf, type DataType, type DataValues } from "../format/dtype.js";
import { ChunkError, CodecError } from "../format/errors.js";
import { checkFields } from "./bytes-support.js";
import { castScalar, fromWork, newWork, parseCodecDtype, readWork, requireNumeric, viewData, type NumericDType } from "./elementwise.js";
import { product } from "../format/ndarray.js";
import type { ArrayToArrayCodec, ChunkSpec, CodecContext, NDArray } from "./types.js";

const NAME = "categorize";
const INT64: NumericDType = { kind: "int", bits: 64, endian: "little" };

/** Code points of a U element, trailing NULs dropped (numpy compares U strings that way). */
function unicodeAt(data: Uint32Array, i: number, len: number): string {
  let end = i * len + len;
  while (end > i * len && data[end - 1] === 0) end--;
  let s = "";
  for (let k = i * len; k < end; k++) s += String.fromCodePoint(data[k]);
  return s;
}

/** Factory for numcodecs `categorize`. */
export function categorize(configuration: Record<string, unknown>, context: CodecContext): ArrayToArrayCodec {
  const { key } = context;
  const config = configuration ?? {};
  checkFields(NAME, config, ["labels", "dtype", "astype"], key);
  const labels = config.labels;
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string")) {
    throw new CodecError(NAME, `configuration field "labels" must be a list of strings`, key);
  }
  const dtype = parseCodecDtype(config.dtype, NAME, "dtype", key);
  if (dtype.kind !== "object" && dtype.kind !== "fixed-unicode") {
    throw new CodecError(NAME, `configuration field "dtype" must be a unicode ("U") or object ("O") dtype, got ${JSON.stringify(config.dtype)}`, key);
  }
  const astype = requireNumeric(parseCodecDtype(config.astype ?? "|u1", NAME, "astype", key), NAME, "astype", key, ["int", "uint"]);
  const codeOf = new Map<string, number>();
  (labels as string[]).forEach((l, i) => codeOf.set(l, i + 1));

  const strings = (a: NDArray): (i: number) => unknown => {
    if (a.dtype.kind === "fixed-unicode") {
      const len = a.dtype.length, d = a.data as Uint32Array;
      return (i) => unicodeAt(d, i, len);
    }
    if (layoutOf(a.dtype).ctor !== Array) throw new CodecError(NAME, `cannot categorize ${dtypeName(a.dtype)} data`, key);
    const d = a.data as unknown[];
    return (i) => d[i];
  };
  // Every code cast to `astype` once (codes are 0..labels.length), rather than per element.
  const castCodes = Array.from({ length: labels.length + 1 }, (_, c) => castScalar(c, INT64, astype));
  const codes = (n: number, at: (i: number) => unknown): DataValues => {
    const w = newWork(astype, n);
    for (let i = 0; i < n; i++) {
      const v = at(i);
      (w as Float64Array | BigInt64Array)[i] = castCodes[typeof v === "string" ? (codeOf.get(v) ?? 0) : 0] as never;
    }
    return fromWork(w, astype);
  };
  /**
   * Fast encode of a U array against few labels: compare each element's code points in place
   * with every label padded by NULs (numpy's comparison ignores trailing NULs), no strings built.
   * A label longer than the element or ending in NUL can never match and is left out.
   */
  const unicodeCodes = (d: Uint32Array, n: number, len: number): DataValues => {
    const rows: { cps: number[]; code: number }[] = [];
    for (const [label, code] of codeOf) {
      const cps = Array.from(label, (ch) => ch.codePointAt(0)!);
      if (cps.length <= len && cps[cps.length - 1] !== 0) rows.push({ cps, code });
    }
    const codesOut = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const base = i * len;
      for (const { cps, code } of rows) {
        let k = 0;
        while (k < cps.length && d[base + k] === cps[k]) k++;
        if (k < cps.length) continue;
        while (k < len && d[base + k] === 0) k++;
        if (k === len) { codesOut[i] = code; break; }
      }
    }
    const w = newWork(astype, n);
    for (let i = 0; i < n; i++) (w as Float64Array | BigInt64Array)[i] = castCodes[codesOut[i]] as never;
    return fromWork(w, astype);
  };
  const labelsOut = (c: ArrayLike<number | bigint>, spec: ChunkSpec): DataValues => {
    const n = c.length;
    const label = (i: number): string => {
      const k = Number(c[i]);
      return Number.isInteger(k) && k >= 1 && k <= labels.length ? (labels[k - 1] as string) : "";
    };
    const dt: DataType = spec.dtype;
    if (dt.kind === "fixed-unicode") {
      const len = dt.length;
      const out = allocate(dt, n) as Uint32Array;
      // Each label's code points (truncated to the element length) computed once, then copied.
      const rows = labels.map((l) => Uint32Array.from(Array.from(l as string, (ch) => ch.codePointAt(0)!).slice(0, len)));
      for (let i = 0; i < n; i++) {
        const k = Number(c[i]);
        if (Number.isInteger(k) && k >= 1 && k <= labels.length) out.set(rows[k - 1], i * len);
      }
      return out;
    }
    if (layoutOf(dt).ctor !== Array) throw new CodecError(NAME, `cannot decode categories into ${dtypeName(dt)}`, key);
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = label(i);
    return out;
  };
  return {
    kind: "array-to-array",
    name: NAME,
    encodedSpec(spec: ChunkSpec): ChunkSpec {
      const f = spec.fillValue;
      const code = typeof f === "string" ? (codeOf.get(f) ?? 0) : 0;
      return { shape: spec.shape.slice(), dtype: astype, fillValue: castScalar(code, INT64, astype) };
    },
    async encode(a: NDArray): Promise<NDArray> {
      const n = product(a.shape);
      if (a.dtype.kind === "fixed-unicode" && codeOf.size <= 64 && a.data instanceof Uint32Array) {
        return { data: unicodeCodes(a.data, n, a.dtype.length), shape: a.shape.slice(), dtype: astype };
      }
      return { data: codes(n, strings(a)), shape: a.shape.slice(), dtype: astype };
    },
    async decode(a: NDArray, spec: ChunkSpec): Promise<NDArray> {
      const c = readWork(viewData(a.data, a.dtype, astype, NAME, key), astype);
      if (c.length !== product(spec.shape)) {
        throw new ChunkError(`codec ${NAME}: ${c.length} codes for a chunk of ${product(spec.shape)} elements`, key);
      }
      return { data: labelsOut(c, spec), shape: spec.shape.slice(), dtype: spec.dtype };
    },
  };
}
