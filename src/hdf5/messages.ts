/**
 * Decoders of the header messages that describe a dataset's values: dataspace (0x1), datatype
 * (0x3; enough to describe fixed-size numbers), fill value (0x4 old, 0x5 versions 1–3) and
 * filter pipeline (0xB versions 1 and 2). Each takes the message body and its address.
 * @module
 */
import { UnsupportedError } from "../format/errors.js";
import { allOnes, cursor } from "./bytes.js";
import { corrupt, type Ctx } from "./context.js";

/** A dataset's extent. */
export interface Dataspace {
  shape: number[];
  /** null = unlimited. */
  maxShape: (number | null)[];
}

/** Datatype as the public API reports it. */
export interface Datatype {
  /** "integer" (fixed-point), "float" (IEEE, little or big endian), or "other" (strings, compounds, enums...). */
  class: "integer" | "float" | "other";
  /** Bytes per element. */
  size: number;
  /** Byte order of numbers (true for classes without one). */
  littleEndian: boolean;
  /** Signed integer (floats: true; others: false). */
  signed: boolean;
}

/** One filter of a pipeline. */
export interface Filter {
  /** HDF5 filter ID (1 deflate, 2 shuffle, 3 fletcher32, 32000 lzf...). */
  id: number;
  /** Name stored in the file, else the well-known name of the ID, else `filter-<id>`. */
  name: string;
  /** Optional filters may be skipped for a chunk (see the filter mask). */
  optional: boolean;
  /** The filter's parameters (e.g. the deflate level; the element size for shuffle). */
  clientData: number[];
}

/** Dataspace message: scalar (rank 0) or simple; a null dataspace holds no data and is refused. */
export function parseDataspace(ctx: Ctx, data: Uint8Array, at: number): Dataspace {
  const c = cursor(ctx, data, "dataspace message", at);
  const version = c.u8();
  const rank = c.u8();
  const flags = c.u8();
  if (version === 1) c.skip(5);
  else if (version === 2) {
    const type = c.u8();
    if (type === 2) throw new UnsupportedError("null dataspace", `the dataset at message ${at} has no data space`, ctx.key);
    if (type > 2) throw corrupt(ctx, "dataspace message", at, `unknown dataspace type ${type}`);
  } else throw corrupt(ctx, "dataspace message", at, `unknown version ${version}`);
  if (rank > 32) throw corrupt(ctx, "dataspace message", at, `rank ${rank} exceeds HDF5's limit of 32`);
  const shape: number[] = [];
  for (let i = 0; i < rank; i++) shape.push(c.length());
  const maxShape: (number | null)[] = [];
  for (let i = 0; i < rank; i++) {
    if ((flags & 1) === 0) maxShape.push(shape[i]);
    else if (allOnes(data, c.pos, ctx.lengthSize)) {
      c.skip(ctx.lengthSize);
      maxShape.push(null);
    } else {
      const m = c.length();
      if (m < shape[i]) throw corrupt(ctx, "dataspace message", at, `maximum size ${m} of dimension ${i} is below its size ${shape[i]}`);
      maxShape.push(m);
    }
  }
  return { shape, maxShape };
}

/** IEEE layouts by size: exponent location and size, mantissa size, exponent bias. */
const IEEE: Record<number, [number, number, number, number]> = { 2: [10, 5, 10, 15], 4: [23, 8, 23, 127], 8: [52, 11, 52, 1023] };

/**
 * Datatype message: class, size, byte order, sign. Only plain numbers (every bit used, no
 * offset; floats in an IEEE layout) are "integer" or "float"; everything else is "other".
 */
export function parseDatatype(ctx: Ctx, data: Uint8Array, at: number): Datatype {
  const c = cursor(ctx, data, "datatype message", at);
  const head = c.u8();
  const bits = c.u8() | (c.u8() << 8) | (c.u8() << 16);
  const size = c.u32();
  const cls = head & 0x0f;
  const version = head >> 4;
  if (version < 1 || version > 5) throw corrupt(ctx, "datatype message", at, `unknown version ${version}`);
  if (cls > 10) throw corrupt(ctx, "datatype message", at, `unknown class ${cls}`);
  if (size === 0) throw corrupt(ctx, "datatype message", at, "size 0");
  const other = (littleEndian: boolean): Datatype => ({ class: "other", size, littleEndian, signed: false });
  if (cls === 0) {
    const [offset, precision] = [c.u16(), c.u16()];
    if (offset !== 0 || precision !== 8 * size) return other((bits & 1) === 0);
    return { class: "integer", size, littleEndian: (bits & 1) === 0, signed: (bits & 8) !== 0 };
  }
  if (cls === 1) {
    const order = (bits & 1) | ((bits >> 5) & 2);
    const [offset, precision, expAt, expBits, mantAt, mantBits, bias] = [c.u16(), c.u16(), c.u8(), c.u8(), c.u8(), c.u8(), c.u32()];
    const ieee = IEEE[size];
    const standard = ieee !== undefined && offset === 0 && precision === 8 * size && mantAt === 0 && expAt === ieee[0] && expBits === ieee[1] && mantBits === ieee[2] && bias === ieee[3];
    // Orders 2 and 3 (VAX) are not IEEE byte orders.
    if (!standard || order >= 2) return other(order === 0);
    return { class: "float", size, littleEndian: order === 0, signed: true };
  }
  return other(cls === 4 ? (bits & 1) === 0 : true);
}

/** Old fill value message (0x4): the bytes, or undefined when empty. */
export function parseOldFill(ctx: Ctx, data: Uint8Array, at: number): Uint8Array | undefined {
  const c = cursor(ctx, data, "fill value message (old)", at);
  const size = c.u32();
  return size === 0 ? undefined : c.take(size).slice();
}

/** Fill value message (0x5): the bytes when a value is defined, else undefined (zeros). */
export function parseFill(ctx: Ctx, data: Uint8Array, at: number): Uint8Array | undefined {
  const c = cursor(ctx, data, "fill value message", at);
  const version = c.u8();
  if (version === 1 || version === 2) {
    c.skip(2); // allocation time, write time
    const defined = c.u8();
    if (version === 2 && defined === 0) return undefined;
    const size = c.u32();
    return defined !== 0 && size > 0 ? c.take(size).slice() : undefined;
  }
  if (version !== 3) throw corrupt(ctx, "fill value message", at, `unknown version ${version}`);
  const flags = c.u8();
  if ((flags & 0x20) === 0) return undefined;
  const size = c.u32();
  return size > 0 ? c.take(size).slice() : undefined;
}

const FILTER_NAMES: Record<number, string> = {
  1: "deflate", 2: "shuffle", 3: "fletcher32", 4: "szip", 5: "nbit", 6: "scaleoffset",
  32000: "lzf", 32001: "blosc", 32004: "lz4", 32008: "bitshuffle", 32015: "zstd",
};

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** Filter pipeline message (0xB), versions 1 and 2; filters in the order they apply when writing. */
export function parsePipeline(ctx: Ctx, data: Uint8Array, at: number): Filter[] {
  const c = cursor(ctx, data, "filter pipeline message", at);
  const version = c.u8();
  const count = c.u8();
  if (version !== 1 && version !== 2) throw corrupt(ctx, "filter pipeline message", at, `unknown version ${version}`);
  if (count > 32) throw corrupt(ctx, "filter pipeline message", at, `${count} filters (HDF5 allows 32)`);
  if (version === 1) c.skip(6);
  const filters: Filter[] = [];
  for (let i = 0; i < count; i++) {
    const id = c.u16();
    const nameLength = version === 1 || id >= 256 ? c.u16() : 0;
    const flags = c.u16();
    const values = c.u16();
    // Version 1 pads the name to a multiple of 8 bytes.
    const stored = version === 1 ? Math.ceil(nameLength / 8) * 8 : nameLength;
    const name = cString(c.take(stored)) || FILTER_NAMES[id] || `filter-${id}`;
    const clientData: number[] = [];
    for (let v = 0; v < values; v++) clientData.push(c.u32());
    if (version === 1 && values % 2 === 1) c.skip(4);
    filters.push({ id, name, optional: (flags & 1) !== 0, clientData });
  }
  return filters;
}
