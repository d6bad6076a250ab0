/**
 * The Blosc1 codec (bytes → bytes), for v2 (`numcodecs.Blosc`) and v3 (`blosc`) metadata.
 * Frames are read and written by ./container.ts; see there for the format.
 * @module
 */
import { isVariableLength, itemSize } from "../../format/dtype.js";
import { CodecError } from "../../format/errors.js";
import type { BytesToBytesCodec, CodecContext } from "../types.js";
import { CNAMES, blockCodec, isCname, type Cname } from "./cnames.js";
import { decodeFrame, encodeFrame, type EncodeOptions, type ShuffleMode } from "./container.js";

/** numcodecs' AUTOSHUFFLE: bit shuffle for 1-byte items, byte shuffle otherwise. */
export const AUTOSHUFFLE = -1;

/** Validated Blosc settings shared by the v2 and v3 spellings. */
export interface BloscSettings {
  cname: Cname;
  clevel: number;
  shuffle: ShuffleMode;
  typesize: number;
  blocksize: number;
}

const bad = (field: string, why: string, key?: string): CodecError => new CodecError("blosc", `configuration field "${field}" ${why}`, key);

function intField(conf: Record<string, unknown>, field: string, dflt: number | undefined, min: number, max: number, key?: string): number {
  const v = conf[field] === undefined ? dflt : conf[field];
  if (v === undefined) throw bad(field, "is required", key);
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw bad(field, `must be an integer in ${min}..${max}, got ${JSON.stringify(v)}`, key);
  return v;
}

function cnameField(conf: Record<string, unknown>, dflt: Cname | undefined, key?: string): Cname {
  const v = conf.cname === undefined ? dflt : conf.cname;
  if (v === undefined) throw bad("cname", "is required", key);
  if (!isCname(v)) throw bad("cname", `must be one of ${CNAMES.join(", ")}, got ${JSON.stringify(v)}`, key);
  return v;
}

/** The element size numcodecs would see: the dtype's item size, 1 for variable-length data. */
function dtypeTypesize(context: CodecContext): number {
  const dt = context.spec.dtype;
  if (isVariableLength(dt)) return 1;
  return Math.max(1, itemSize(dt) ?? 1);
}

function makeCodec(s: BloscSettings, key?: string): BytesToBytesCodec {
  const opts: EncodeOptions = { codec: blockCodec(s.cname), clevel: s.clevel, shuffle: s.shuffle, typesize: s.typesize, blocksize: s.blocksize };
  return {
    kind: "bytes-to-bytes",
    name: "blosc",
    encode: async (b) => encodeFrame(b, opts, key),
    decode: async (b, out) => decodeFrame(b, out, key),
  };
}

/**
 * v2 factory for numcodecs' `{id: "blosc", cname, clevel, shuffle, blocksize}`
 * (defaults as numcodecs: lz4, 5, SHUFFLE, automatic blocks). `shuffle` -1 is AUTOSHUFFLE.
 * The typesize is the item size of the array that became bytes, as numcodecs takes it
 * from the buffer's itemsize.
 */
export function blosc(configuration: Record<string, unknown>, context: CodecContext): BytesToBytesCodec {
  const key = context.key;
  const cname = cnameField(configuration, "lz4", key);
  const clevel = intField(configuration, "clevel", 5, 0, 9, key);
  const raw = intField(configuration, "shuffle", 1, -1, 2, key);
  const blocksize = intField(configuration, "blocksize", 0, 0, 2 ** 31 - 1, key);
  const typesize = dtypeTypesize(context);
  const shuffle: ShuffleMode = raw === AUTOSHUFFLE ? (typesize === 1 ? 2 : 1) : (raw as ShuffleMode);
  return makeCodec({ cname, clevel, shuffle, typesize, blocksize }, key);
}

const V3_SHUFFLE: Record<string, ShuffleMode> = { noshuffle: 0, shuffle: 1, bitshuffle: 2 };

/**
 * v3 factory for `{name: "blosc", configuration: {cname, clevel, shuffle, typesize, blocksize}}`
 * with `shuffle` spelled "noshuffle" | "shuffle" | "bitshuffle". A missing `typesize` falls
 * back to the array's item size; a missing `blocksize` means automatic (0).
 */
export function bloscV3(configuration: Record<string, unknown>, context: CodecContext): BytesToBytesCodec {
  const key = context.key;
  const cname = cnameField(configuration, undefined, key);
  const clevel = intField(configuration, "clevel", undefined, 0, 9, key);
  const sh = configuration.shuffle;
  if (typeof sh !== "string" || !Object.hasOwn(V3_SHUFFLE, sh)) throw bad("shuffle", `must be "noshuffle", "shuffle" or "bitshuffle", got ${JSON.stringify(sh)}`, key);
  const typesize = configuration.typesize === undefined ? dtypeTypesize(context) : intField(configuration, "typesize", undefined, 1, 2 ** 31 - 1, key);
  const blocksize = intField(configuration, "blocksize", 0, 0, 2 ** 31 - 1, key);
  return makeCodec({ cname, clevel, shuffle: V3_SHUFFLE[sh], typesize, blocksize }, key);
}
