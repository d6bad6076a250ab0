/**
 * Bit packing, in its two incompatible forms:
 *
 * - {@link packbits}: numcodecs `packbits` (v2 filter, array → array). Bool (or any 1-byte
 *   type, nonzero = true) → uint8: one byte holding the number of padding bits in the last
 *   byte, then the bits, first element in the most significant bit (`numpy.packbits`).
 * - {@link packbitsV3}: the v3 `packbits` codec (zarr-extensions, as zarrs writes it; array →
 *   bytes): `{padding_encoding?: "none" | "first_byte" | "last_byte", first_bit?, last_bit?}`.
 *   Bits `first_bit..last_bit` of every component, first element in the least significant
 *   bit of byte 0. Integer, float and complex types pack their little-endian bits; decoding
 *   sign-extends signed integers.
 * @module
 */
import { allocate, bytesOf, dtypeName, itemSize, layoutOf, type DataType } from "../format/dtype.js";
import { ChunkError, CodecError } from "../format/errors.js";
import { checkFields } from "./bytes-support.js";
import { viewData } from "./elementwise.js";
import { product } from "../format/ndarray.js";
import type { ArrayToArrayCodec, ArrayToBytesCodec, ChunkSpec, CodecContext, NDArray } from "./types.js";

const NAME = "packbits";
const UINT8: DataType = { kind: "uint", bits: 8, endian: "little" };

const chunkError = (msg: string, key?: string) => new ChunkError(`codec ${NAME}: ${msg}`, key);

function oneByte(dt: DataType, key?: string): void {
  if (!(dt.kind === "bool" || ((dt.kind === "int" || dt.kind === "uint") && dt.bits === 8))) {
    throw new CodecError(NAME, `only bool (or 1-byte integer) data can be bit-packed, not ${dtypeName(dt)}`, key);
  }
}

/** The word-at-a-time loops read and write bytes through Uint32Array views. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Each byte of a little-endian word → 1 if nonzero, else 0 (for 1-byte ints other than 0/1). */
function nonzeroBytes(w: number): number {
  return ((w & 0xff) !== 0 ? 1 : 0) | ((w & 0xff00) !== 0 ? 0x100 : 0) | ((w & 0xff0000) !== 0 ? 0x10000 : 0) | ((w & 0xff000000) !== 0 ? 0x1000000 : 0);
}

let unpacked: Uint32Array | undefined;
/** For every byte value, its 8 bits MSB first as 8 bytes of 0/1, viewed as two words. */
function unpackTable(): Uint32Array {
  if (!unpacked) {
    const bytes = new Uint8Array(256 * 8);
    for (let v = 0; v < 256; v++) for (let k = 0; k < 8; k++) bytes[v * 8 + k] = (v >> (7 - k)) & 1;
    unpacked = new Uint32Array(bytes.buffer);
  }
  return unpacked;
}

/** Factory for numcodecs `packbits` (v2; no configuration). */
export function packbits(configuration: Record<string, unknown>, context: CodecContext): ArrayToArrayCodec {
  const { key } = context;
  checkFields(NAME, configuration ?? {}, [], key);
  return {
    kind: "array-to-array",
    name: NAME,
    encodedSpec(spec: ChunkSpec): ChunkSpec {
      oneByte(spec.dtype, key);
      return { shape: [1 + Math.ceil(product(spec.shape) / 8)], dtype: UINT8, fillValue: 0 };
    },
    async encode(a: NDArray): Promise<NDArray> {
      oneByte(a.dtype, key);
      const src = bytesOf(a.data);
      const n = src.length;
      const out = new Uint8Array(1 + Math.ceil(n / 8));
      out[0] = (8 - (n % 8)) % 8;
      // Eight elements per output byte; a partial last byte bit by bit.
      const full = n >> 3;
      if (LITTLE_ENDIAN && src.byteOffset % 4 === 0) {
        // Four 0/1 bytes at a time: one multiply gathers their low bits into the top nibble
        // (the partial products land on distinct bits, so nothing carries).
        const w = new Uint32Array(src.buffer, src.byteOffset, full * 2);
        for (let j = 0; j < full; j++) {
          let lo = w[2 * j], hi = w[2 * j + 1];
          if ((lo | hi) & 0xfefefefe) {
            lo = nonzeroBytes(lo);
            hi = nonzeroBytes(hi);
          }
          out[1 + j] = ((Math.imul(lo, 0x80402010) >>> 28) << 4) | (Math.imul(hi, 0x80402010) >>> 28);
        }
      } else for (let j = 0, i = 0; j < full; j++, i += 8) {
        out[1 + j] = (src[i] !== 0 ? 0x80 : 0) | (src[i + 1] !== 0 ? 0x40 : 0) | (src[i + 2] !== 0 ? 0x20 : 0) | (src[i + 3] !== 0 ? 0x10 : 0)
          | (src[i + 4] !== 0 ? 8 : 0) | (src[i + 5] !== 0 ? 4 : 0) | (src[i + 6] !== 0 ? 2 : 0) | (src[i + 7] !== 0 ? 1 : 0);
      }
      for (let i = full * 8; i < n; i++) if (src[i] !== 0) out[1 + (i >> 3)] |= 0x80 >> (i & 7);
      return { data: out, shape: [out.length], dtype: UINT8 };
    },
    async decode(a: NDArray, spec: ChunkSpec): Promise<NDArray> {
      oneByte(spec.dtype, key);
      const b = bytesOf(viewData(a.data, a.dtype, UINT8, NAME, key));
      if (b.length === 0) throw chunkError("empty input (the padding byte is missing)", key);
      const pad = b[0];
      const n = product(spec.shape);
      if (pad > 7 || (b.length - 1) * 8 - pad !== n) {
        throw chunkError(`${b.length - 1} packed bytes with ${pad} padding bits do not hold the chunk's ${n} elements`, key);
      }
      const data = allocate(spec.dtype, n);
      const dst = bytesOf(data);
      const full = n >> 3;
      if (LITTLE_ENDIAN && dst.byteOffset % 4 === 0) {
        // Two 32-bit stores per packed byte, from a table of the 8 unpacked bytes of every value.
        const w = new Uint32Array(dst.buffer, dst.byteOffset, full * 2), t = unpackTable();
        for (let j = 0; j < full; j++) {
          const v = b[1 + j];
          w[2 * j] = t[2 * v];
          w[2 * j + 1] = t[2 * v + 1];
        }
      } else for (let j = 0, i = 0; j < full; j++, i += 8) {
        const v = b[1 + j];
        dst[i] = v >> 7; dst[i + 1] = (v >> 6) & 1; dst[i + 2] = (v >> 5) & 1; dst[i + 3] = (v >> 4) & 1;
        dst[i + 4] = (v >> 3) & 1; dst[i + 5] = (v >> 2) & 1; dst[i + 6] = (v >> 1) & 1; dst[i + 7] = v & 1;
      }
      for (let i = full * 8; i < n; i++) dst[i] = (b[1 + (i >> 3)] >> (7 - (i & 7))) & 1;
      return { data, shape: spec.shape.slice(), dtype: spec.dtype };
    },
  };
}

/** Bits per component and components per element for the v3 codec. */
function componentsOf(dt: DataType, key?: string): { bits: number; comps: number; signed: boolean } {
  switch (dt.kind) {
    case "bool": return { bits: 1, comps: 1, signed: false };
    case "int": case "uint": return { bits: dt.bits, comps: 1, signed: dt.kind === "int" };
    case "float": return { bits: dt.bits, comps: 1, signed: false };
    case "complex": return { bits: dt.bits / 2, comps: 2, signed: false };
    default: throw new CodecError(NAME, `data type ${dtypeName(dt)} cannot be bit-packed`, key);
  }
}

function bitField(config: Record<string, unknown>, field: string, fallback: number, max: number, key?: string): number {
  const v = config[field];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) {
    throw new CodecError(NAME, `configuration field "${field}" must be an integer in [0, ${max}], got ${JSON.stringify(v)}`, key);
  }
  return v;
}

/** Factory for the v3 `packbits` codec (array → bytes). */
export function packbitsV3(configuration: Record<string, unknown>, context: CodecContext): ArrayToBytesCodec {
  const { key } = context;
  const config = configuration ?? {};
  checkFields(NAME, config, ["padding_encoding", "first_bit", "last_bit"], key);
  const pe = config.padding_encoding ?? "none";
  if (pe !== "none" && pe !== "first_byte" && pe !== "last_byte") {
    throw new CodecError(NAME, `configuration field "padding_encoding" must be "none", "first_byte" or "last_byte", got ${JSON.stringify(pe)}`, key);
  }
  const { bits: N, comps, signed } = componentsOf(context.spec.dtype, key);
  const first = bitField(config, "first_bit", 0, N - 1, key);
  const last = bitField(config, "last_bit", N - 1, N - 1, key);
  if (last < first) throw new CodecError(NAME, `configuration field "last_bit" (${last}) is below "first_bit" (${first})`, key);
  const k = comps * (last - first + 1);
  const extra = pe === "none" ? 0 : 1;
  const sizes = (n: number) => {
    const packed = Math.ceil((n * k) / 8);
    return { packed, pad: packed * 8 - n * k, total: packed + extra };
  };
  return {
    kind: "array-to-bytes",
    name: NAME,
    async encode(a: NDArray): Promise<Uint8Array> {
      const n = product(a.shape);
      const src = bytesOf(a.data);
      const { packed, pad, total } = sizes(n);
      const out = new Uint8Array(total);
      const body = pe === "first_byte" ? out.subarray(1) : out.subarray(0, packed);
      if (pe === "first_byte") out[0] = pad;
      if (pe === "last_byte") out[packed] = pad;
      if (N === 1) {
        for (let i = 0; i < n; i++) if (src[i] !== 0) body[i >> 3] |= 1 << (i & 7);
        return out;
      }
      const cb = N / 8;
      let pos = 0;
      for (let c = 0; c < n * comps; c++) {
        const base = c * cb;
        for (let t = first; t <= last; t++, pos++) {
          if ((src[base + (t >> 3)] >> (t & 7)) & 1) body[pos >> 3] |= 1 << (pos & 7);
        }
      }
      return out;
    },
    async decode(b: Uint8Array, spec: ChunkSpec, out?: NDArray): Promise<NDArray> {
      const n = product(spec.shape);
      const { packed, pad, total } = sizes(n);
      if (b.length !== total) throw chunkError(`chunk has ${b.length} bytes but ${n} elements of ${k} bits need ${total}`, key);
      const padByte = pe === "first_byte" ? b[0] : pe === "last_byte" ? b[packed] : pad;
      if (padByte !== pad) throw chunkError(`padding byte says ${padByte} bits but ${pad} were expected`, key);
      const body = pe === "first_byte" ? b.subarray(1) : b.subarray(0, packed);
      let target: NDArray;
      if (out) {
        if (layoutOf(out.dtype).ctor !== layoutOf(spec.dtype).ctor || bytesOf(out.data).byteLength !== n * itemSize(spec.dtype)!) {
          throw new CodecError(NAME, `output array (${dtypeName(out.dtype)}) does not match the chunk (${dtypeName(spec.dtype)} × ${n})`, key);
        }
        target = out;
      } else target = { data: allocate(spec.dtype, n), shape: spec.shape.slice(), dtype: spec.dtype };
      const dst = bytesOf(target.data);
      dst.fill(0);
      if (N === 1) {
        for (let i = 0; i < n; i++) dst[i] = (body[i >> 3] >> (i & 7)) & 1;
        return target;
      }
      const cb = N / 8;
      let pos = 0;
      for (let c = 0; c < n * comps; c++) {
        const base = c * cb;
        let bit = 0;
        for (let t = first; t <= last; t++, pos++) {
          bit = (body[pos >> 3] >> (pos & 7)) & 1;
          if (bit) dst[base + (t >> 3)] |= 1 << (t & 7);
        }
        // Signed integers: copy the top stored bit into every higher bit.
        if (signed && bit) for (let t = last + 1; t < N; t++) dst[base + (t >> 3)] |= 1 << (t & 7);
      }
      return target;
    },
    encodedSize: (spec: ChunkSpec) => sizes(product(spec.shape)).total,
  };
}
