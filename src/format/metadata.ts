/**
 * Array and group metadata for Zarr v2 (`.zarray`, `.zgroup`, `.zattrs`) and v3
 * (`zarr.json`): strict parsing into one plain model, and serialisation back as
 * zarr-python writes it. Errors name the key and the field.
 * @module
 */
import type { ChunkKeyEncoding } from "./chunk-key.js";
import { isVariableLength, itemSize, parseV2DataType, parseV3DataType, v2DataTypeJSON, v3DataTypeJSON, type DataType } from "./dtype.js";
import { MetadataError, UnsupportedError } from "./errors.js";
import { fillValueJson, parseFillValue, type FillValue } from "./fill-value.js";
import type { JsonValue } from "./json.js";

/** A codec as named in metadata: v3 `{name, configuration}`; v2 numcodecs `{id, ...}` becomes `{name: id, configuration: rest}`. */
export interface CodecSpec {
  name: string;
  configuration: Record<string, JsonValue>;
}

/** Parsed array metadata (both formats). */
export interface ArrayMetadata {
  zarrFormat: 2 | 3;
  nodeType: "array";
  shape: number[];
  /** Chunk grid cell shape (for sharded v3 arrays: the shard shape). */
  chunkShape: number[];
  dtype: DataType;
  fill: FillValue;
  chunkKeyEncoding: ChunkKeyEncoding;
  /** v3 codec pipeline, as listed. Empty for v2 (see order/filters/compressor). */
  codecs: CodecSpec[];
  /** v2 memory order of chunks. */
  order: "C" | "F";
  /** v2 filters (null when none). */
  filters: CodecSpec[] | null;
  /** v2 compressor (null when none). */
  compressor: CodecSpec | null;
  dimensionNames: (string | null)[] | undefined;
  attributes: Record<string, JsonValue>;
  /** v3 keys with `must_understand: false` that we keep but do not interpret. */
  extensions: Record<string, JsonValue>;
}

/** Parsed group metadata. */
export interface GroupMetadata {
  zarrFormat: 2 | 3;
  nodeType: "group";
  attributes: Record<string, JsonValue>;
  /** Consolidated child metadata by relative path, when present. */
  consolidated: Map<string, ArrayMetadata | GroupMetadata> | undefined;
  extensions: Record<string, JsonValue>;
}

/** Largest chunk we will decode: typed arrays and Buffers top out near 2^32 bytes on Node 20. */
export const MAX_CHUNK_BYTES = 2 ** 32 - 1;

type Obj = Record<string, JsonValue>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function intList(v: JsonValue | undefined, key: string, field: string, min: number): number[] {
  if (!Array.isArray(v)) throw new MetadataError("must be a list of integers", key, field);
  return v.map((x, i) => {
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < min)
      throw new MetadataError(`element ${i} must be an integer >= ${min}, got ${JSON.stringify(typeof x === "bigint" ? String(x) : x)}`, key, field);
    return x;
  });
}

function checkChunkSize(chunkShape: number[], dt: DataType, key: string, field: string): void {
  const n = chunkShape.reduce((a, b) => a * b, 1);
  const bytes = n * (itemSize(dt) ?? 8);
  if (!(bytes <= MAX_CHUNK_BYTES) || n > 2 ** 32 - 1)
    throw new MetadataError(`a chunk of ${chunkShape.join("×")} elements (${bytes} bytes) exceeds the ${MAX_CHUNK_BYTES}-byte limit`, key, field);
}

function attributesOf(v: JsonValue | undefined, key: string, field = "attributes"): Obj {
  if (v === undefined) return {};
  if (!isObj(v)) throw new MetadataError("must be an object", key, field);
  return v;
}

// ------------------------------------------------------------------------ v2

function v2Codec(v: JsonValue, key: string, field: string): CodecSpec {
  if (!isObj(v) || typeof v.id !== "string") throw new MetadataError("must be an object with a string id", key, field);
  const { id, ...configuration } = v;
  return { name: id as string, configuration };
}

/** Parse `.zarray` JSON. `attrs` is the `.zattrs` object, if any. */
export function parseV2Array(json: JsonValue, key: string, attrs?: JsonValue): ArrayMetadata {
  if (!isObj(json)) throw new MetadataError("must be a JSON object", key);
  if (json.zarr_format !== 2) throw new MetadataError(`expected 2, got ${JSON.stringify(json.zarr_format)}`, key, "zarr_format");
  const shape = intList(json.shape, key, "shape", 0);
  const chunks = intList(json.chunks, key, "chunks", 1);
  if (chunks.length !== shape.length) throw new MetadataError(`has ${chunks.length} dimensions, shape has ${shape.length}`, key, "chunks");
  const filters = json.filters === null || json.filters === undefined ? null : Array.isArray(json.filters)
    ? json.filters.map((f, i) => v2Codec(f, key, `filters[${i}]`))
    : (() => { throw new MetadataError("must be null or a list", key, "filters"); })();
  const compressor = json.compressor === null || json.compressor === undefined ? null : v2Codec(json.compressor, key, "compressor");
  let dtype = parseV2DataType(json.dtype ?? null, key, "dtype");
  if (dtype.kind === "object") {
    // The object codec (first filter) decides what the elements are.
    const oc = filters?.[0]?.name;
    if (oc === "vlen-utf8") dtype = { kind: "string" };
    else if (oc === "vlen-bytes") dtype = { kind: "bytes" };
    else if (oc === undefined) throw new MetadataError("object dtype needs an object codec as first filter", key, "filters");
  }
  const order = json.order ?? "C";
  if (order !== "C" && order !== "F") throw new MetadataError(`must be "C" or "F"`, key, "order");
  const sep = json.dimension_separator ?? ".";
  if (sep !== "." && sep !== "/") throw new MetadataError(`must be "." or "/"`, key, "dimension_separator");
  checkChunkSize(chunks, dtype, key, "chunks");
  return {
    zarrFormat: 2,
    nodeType: "array",
    shape,
    chunkShape: chunks,
    dtype,
    fill: parseV2Fill(json.fill_value, dtype, filters, key),
    chunkKeyEncoding: { name: "v2", separator: sep },
    codecs: [],
    order,
    filters,
    compressor,
    dimensionNames: undefined,
    attributes: attributesOf(attrs, key.replace(/\.zarray$/, ".zattrs"), "(root)"),
    extensions: {},
  };
}

function parseV2Fill(v: JsonValue | undefined, dt: DataType, filters: CodecSpec[] | null, key: string): FillValue {
  if (isVariableLength(dt) && typeof v === "string" && v !== "" && dt.kind !== "object") {
    // zarr-python 2 writes object fill values encoded by the object codec, base64'd.
    const raw = Buffer.from(v, "base64");
    if (filters?.[0] && raw.length >= 8 && raw.readUInt32LE(0) === 1) {
      const n = raw.readUInt32LE(4);
      if (8 + n === raw.length) {
        const item = raw.subarray(8);
        return { value: dt.kind === "string" ? item.toString("utf8") : new Uint8Array(item), raw: undefined };
      }
    }
  }
  return parseFillValue(v, dt, 2, key, "fill_value");
}

/** `.zarray` JSON for `meta` (keys in zarr-python 2's order). */
export function v2ArrayJson(meta: ArrayMetadata): Obj {
  const codecJson = (c: CodecSpec): Obj => ({ id: c.name, ...c.configuration });
  let filters = meta.filters?.map(codecJson) ?? null;
  if (meta.dtype.kind === "string" && !filters?.length) filters = [{ id: "vlen-utf8" }];
  if (meta.dtype.kind === "bytes" && !filters?.length) filters = [{ id: "vlen-bytes" }];
  return {
    chunks: meta.chunkShape,
    compressor: meta.compressor ? codecJson(meta.compressor) : null,
    dimension_separator: meta.chunkKeyEncoding.separator,
    dtype: v2DataTypeJSON(meta.dtype),
    fill_value: fillValueJson(meta.fill, meta.dtype, 2),
    filters,
    order: meta.order,
    shape: meta.shape,
    zarr_format: 2,
  };
}

/** Parse `.zgroup` JSON. */
export function parseV2Group(json: JsonValue, key: string, attrs?: JsonValue): GroupMetadata {
  if (!isObj(json)) throw new MetadataError("must be a JSON object", key);
  if (json.zarr_format !== 2) throw new MetadataError(`expected 2, got ${JSON.stringify(json.zarr_format)}`, key, "zarr_format");
  return { zarrFormat: 2, nodeType: "group", attributes: attributesOf(attrs, key.replace(/\.zgroup$/, ".zattrs"), "(root)"), consolidated: undefined, extensions: {} };
}

// ------------------------------------------------------------------------ v3

const V3_ARRAY_KEYS = new Set(["zarr_format", "node_type", "shape", "data_type", "chunk_grid", "chunk_key_encoding", "fill_value", "codecs", "attributes", "dimension_names", "storage_transformers"]);
const V3_GROUP_KEYS = new Set(["zarr_format", "node_type", "attributes", "consolidated_metadata"]);

function nameConf(v: JsonValue | undefined, key: string, field: string): { name: string; configuration: Obj; mustUnderstand: boolean } {
  if (typeof v === "string") return { name: v, configuration: {}, mustUnderstand: true };
  if (!isObj(v) || typeof v.name !== "string") throw new MetadataError("must be a name or {name, configuration}", key, field);
  const configuration = v.configuration ?? {};
  if (!isObj(configuration)) throw new MetadataError("must be an object", key, `${field}.configuration`);
  return { name: v.name, configuration, mustUnderstand: v.must_understand !== false };
}

/** Extension keys: kept when `must_understand: false`, refused by name otherwise. */
function extensionsOf(json: Obj, known: Set<string>, key: string): Obj {
  const ext: Obj = {};
  for (const [k, v] of Object.entries(json)) {
    if (known.has(k)) continue;
    if (isObj(v) && v.must_understand === false) ext[k] = v;
    else throw new UnsupportedError("extension", `"${k}" must be understood and zarrflow does not implement it`, key);
  }
  return ext;
}

/** Parse a v3 `zarr.json` (array or group). */
export function parseV3(json: JsonValue, key: string): ArrayMetadata | GroupMetadata {
  if (!isObj(json)) throw new MetadataError("must be a JSON object", key);
  if (json.zarr_format !== 3) throw new MetadataError(`expected 3, got ${JSON.stringify(json.zarr_format)}`, key, "zarr_format");
  if (json.node_type === "group") return parseV3Group(json, key);
  if (json.node_type !== "array") throw new MetadataError(`must be "array" or "group"`, key, "node_type");
  const shape = intList(json.shape, key, "shape", 0);
  const dtype = parseV3DataType(json.data_type ?? null, key, "data_type");
  const grid = nameConf(json.chunk_grid, key, "chunk_grid");
  if (grid.name !== "regular") throw new UnsupportedError("chunk grid", JSON.stringify(grid.name), key);
  const chunkShape = intList(grid.configuration.chunk_shape, key, "chunk_grid.configuration.chunk_shape", 1);
  if (chunkShape.length !== shape.length) throw new MetadataError(`has ${chunkShape.length} dimensions, shape has ${shape.length}`, key, "chunk_grid.configuration.chunk_shape");
  const cke = json.chunk_key_encoding === undefined ? { name: "default", configuration: {} as Obj, mustUnderstand: true } : nameConf(json.chunk_key_encoding, key, "chunk_key_encoding");
  if (cke.name !== "default" && cke.name !== "v2") throw new UnsupportedError("chunk key encoding", JSON.stringify(cke.name), key);
  const sep = cke.configuration.separator ?? (cke.name === "default" ? "/" : ".");
  if (sep !== "/" && sep !== ".") throw new MetadataError(`must be "/" or "."`, key, "chunk_key_encoding.configuration.separator");
  if (!Array.isArray(json.codecs) || json.codecs.length === 0) throw new MetadataError("must be a non-empty list", key, "codecs");
  const codecs: CodecSpec[] = [];
  for (const [i, c] of json.codecs.entries()) {
    const nc = nameConf(c, key, `codecs[${i}]`);
    codecs.push({ name: nc.name, configuration: nc.configuration });
  }
  let dimensionNames: (string | null)[] | undefined;
  if (json.dimension_names !== undefined && json.dimension_names !== null) {
    const dn = json.dimension_names;
    if (!Array.isArray(dn) || dn.length !== shape.length || !dn.every((x) => x === null || typeof x === "string"))
      throw new MetadataError(`must be a list of ${shape.length} strings or nulls`, key, "dimension_names");
    dimensionNames = dn as (string | null)[];
  }
  if (json.storage_transformers !== undefined) {
    if (!Array.isArray(json.storage_transformers)) throw new MetadataError("must be a list", key, "storage_transformers");
    for (const [i, t] of json.storage_transformers.entries()) {
      const st = nameConf(t, key, `storage_transformers[${i}]`);
      if (st.mustUnderstand) throw new UnsupportedError("storage transformer", JSON.stringify(st.name), key);
    }
  }
  checkChunkSize(chunkShape, dtype, key, "chunk_grid.configuration.chunk_shape");
  return {
    zarrFormat: 3,
    nodeType: "array",
    shape,
    chunkShape,
    dtype,
    fill: parseFillValue(json.fill_value, dtype, 3, key, "fill_value"),
    chunkKeyEncoding: { name: cke.name, separator: sep },
    codecs,
    order: "C",
    filters: null,
    compressor: null,
    dimensionNames,
    attributes: attributesOf(json.attributes, key),
    extensions: extensionsOf(json, V3_ARRAY_KEYS, key),
  };
}

function parseV3Group(json: Obj, key: string): GroupMetadata {
  let consolidated: GroupMetadata["consolidated"];
  const cm = json.consolidated_metadata;
  if (cm !== undefined && cm !== null) {
    if (!isObj(cm) || !isObj(cm.metadata)) throw new MetadataError("must be {kind, metadata}", key, "consolidated_metadata");
    if (cm.kind !== undefined && cm.kind !== "inline") throw new UnsupportedError("consolidated metadata kind", JSON.stringify(cm.kind), key);
    consolidated = new Map();
    for (const [path, m] of Object.entries(cm.metadata)) consolidated.set(path, parseV3(m, `${key}#consolidated_metadata/${path}`));
  }
  return { zarrFormat: 3, nodeType: "group", attributes: attributesOf(json.attributes, key), consolidated, extensions: extensionsOf(json, V3_GROUP_KEYS, key) };
}

/** `zarr.json` for an array. */
export function v3ArrayJson(meta: ArrayMetadata): Obj {
  const out: Obj = {
    zarr_format: 3,
    node_type: "array",
    shape: meta.shape,
    data_type: v3DataTypeJSON(meta.dtype),
    chunk_grid: { name: "regular", configuration: { chunk_shape: meta.chunkShape } },
    chunk_key_encoding: { name: meta.chunkKeyEncoding.name, configuration: { separator: meta.chunkKeyEncoding.separator } },
    fill_value: fillValueJson(meta.fill, meta.dtype, 3),
    codecs: meta.codecs.map((c) => ({ name: c.name, configuration: c.configuration })),
    attributes: meta.attributes,
  };
  if (meta.dimensionNames) out.dimension_names = meta.dimensionNames;
  return { ...out, ...meta.extensions };
}

/** `zarr.json` for a group (with inline consolidated metadata when present). */
export function v3GroupJson(meta: GroupMetadata): Obj {
  const out: Obj = { zarr_format: 3, node_type: "group", attributes: meta.attributes };
  if (meta.consolidated) {
    const md: Obj = {};
    for (const [p, m] of meta.consolidated) md[p] = m.nodeType === "array" ? v3ArrayJson(m) : v3GroupJson({ ...m, consolidated: undefined });
    out.consolidated_metadata = { kind: "inline", must_understand: false, metadata: md };
  }
  return { ...out, ...meta.extensions };
}
