/**
 * Nodes of a hierarchy: open, create and delete arrays and groups (v2 or v3), attributes,
 * listing, and consolidated metadata. A node is plain data: its store, its path inside the
 * store, and its parsed metadata.
 * @module
 */
import type { Pipeline } from "../codecs/pipeline.js";
import { toDataType, type DataType, type StructuredSpec } from "../format/dtype.js";
import { MetadataError, NodeNotFoundError, StoreError, ZarrError } from "../format/errors.js";
import { parseFillValue, toFillValue } from "../format/fill-value.js";
import { decodeJson, encodeJson, type JsonValue } from "../format/json.js";
import {
  parseV2Array, parseV2Group, parseV3, v2ArrayJson, v3ArrayJson, v3GroupJson,
  type ArrayMetadata, type CodecSpec, type GroupMetadata,
} from "../format/metadata.js";
import { isWritable, type ReadableStore, type Store } from "../stores/types.js";
import type { Synchronizer } from "../runtime/synchronizer.js";
import type { ChunkCache } from "./chunk-cache.js";

/** An opened array. */
export interface ZarrArray {
  kind: "array";
  store: ReadableStore;
  /** Path of the array inside the store ("" for the root). */
  path: string;
  meta: ArrayMetadata;
  /** Write chunks that equal the fill value (default false: such chunks are not stored, as zarr-python 3). */
  writeEmptyChunks: boolean;
  /** Built lazily by the chunk layer. */
  pipeline?: Promise<Pipeline>;
  /** Decoded-chunk cache reads consult (none by default). */
  cache?: ChunkCache;
  /**
   * Lock provider for read-modify-write of partially written chunks, for writers in several
   * processes (see `fileSynchronizer`). Within one process writes are always serialised per key.
   */
  synchronizer?: Synchronizer;
}

/** An opened group. */
export interface ZarrGroup {
  kind: "group";
  store: ReadableStore;
  path: string;
  meta: GroupMetadata;
}

/** Either kind of node. */
export type ZarrNode = ZarrArray | ZarrGroup;

/** Normalise a node path: no leading/trailing '/', '' for the root. */
export function normalizePath(path: string | undefined): string {
  const p = (path ?? "").replace(/^\/+|\/+$/g, "");
  if (p.split("/").some((s) => s === ".." || s === ".")) throw new StoreError(`node path must not contain "." or ".." segments`, path);
  return p;
}

/** Store key of `name` inside node `path`. */
export function keyIn(path: string, name: string): string {
  return path === "" ? name : `${path}/${name}`;
}

async function readJson(store: ReadableStore, key: string): Promise<JsonValue | undefined> {
  const b = await store.get(key);
  return b === undefined ? undefined : decodeJson(b, key);
}

/** Options for {@link open}. */
export interface OpenOptions {
  /** Path of the node inside the store. */
  path?: string;
  /** Only look for this format. */
  zarrFormat?: 2 | 3;
  /** Use consolidated metadata found above the node (default true when the store cannot list). */
  consolidated?: Map<string, ArrayMetadata | GroupMetadata>;
  /** Arrays: see {@link ZarrArray.cache}. */
  cache?: ChunkCache;
  /** Arrays: see {@link ZarrArray.synchronizer}. */
  synchronizer?: Synchronizer;
  /** Arrays: see {@link ZarrArray.writeEmptyChunks}. */
  writeEmptyChunks?: boolean;
}

/** Read the metadata of the node at `path` (v3 `zarr.json`, else v2 `.zarray` / `.zgroup`). */
export async function readMetadata(store: ReadableStore, path: string, zarrFormat?: 2 | 3): Promise<ArrayMetadata | GroupMetadata> {
  if (zarrFormat !== 2) {
    const k = keyIn(path, "zarr.json");
    const j = await readJson(store, k);
    if (j !== undefined) return parseV3(j, k);
  }
  if (zarrFormat !== 3) {
    const ka = keyIn(path, ".zarray");
    const a = await readJson(store, ka);
    const attrs = await readJson(store, keyIn(path, ".zattrs"));
    if (a !== undefined) return parseV2Array(a, ka, attrs);
    const kg = keyIn(path, ".zgroup");
    const g = await readJson(store, kg);
    if (g !== undefined) {
      const meta = parseV2Group(g, kg, attrs);
      const zm = await readJson(store, keyIn(path, ".zmetadata"));
      if (zm !== undefined) meta.consolidated = parseV2Consolidated(zm, keyIn(path, ".zmetadata"));
      return meta;
    }
  }
  throw new NodeNotFoundError(`no Zarr ${zarrFormat ? `v${zarrFormat} ` : ""}array or group here`, path === "" ? "/" : path);
}

/** Parse a v2 `.zmetadata` document into child metadata by relative path. */
export function parseV2Consolidated(json: JsonValue, key: string): Map<string, ArrayMetadata | GroupMetadata> {
  if (json === null || typeof json !== "object" || Array.isArray(json) || typeof json.metadata !== "object" || json.metadata === null || Array.isArray(json.metadata))
    throw new MetadataError("must be {zarr_consolidated_format, metadata}", key);
  if (json.zarr_consolidated_format !== 1) throw new MetadataError("expected 1", key, "zarr_consolidated_format");
  const md = json.metadata as Record<string, JsonValue>;
  const out = new Map<string, ArrayMetadata | GroupMetadata>();
  for (const [k, v] of Object.entries(md)) {
    const m = /^(?:(.*)\/)?\.(zarray|zgroup)$/.exec(k);
    if (!m) continue;
    const p = m[1] ?? "";
    const attrs = md[keyIn(p, ".zattrs")];
    out.set(p, m[2] === "zarray" ? parseV2Array(v, `${key}#${k}`, attrs) : parseV2Group(v, `${key}#${k}`, attrs));
  }
  return out;
}

function asNode(store: ReadableStore, path: string, meta: ArrayMetadata | GroupMetadata, o: OpenOptions = {}): ZarrNode {
  return meta.nodeType === "array"
    ? { kind: "array", store, path, meta, writeEmptyChunks: o.writeEmptyChunks ?? false, cache: o.cache, synchronizer: o.synchronizer }
    : { kind: "group", store, path, meta };
}

/** Open the array or group at `options.path`. */
export async function open(store: ReadableStore, options: OpenOptions = {}): Promise<ZarrNode> {
  const path = normalizePath(options.path);
  const fromConsolidated = options.consolidated?.get(path);
  if (fromConsolidated) return asNode(store, path, fromConsolidated, options);
  return asNode(store, path, await readMetadata(store, path, options.zarrFormat), options);
}

/** Open an array (throws NodeNotFoundError when the node is a group). */
export async function openArray(store: ReadableStore, options: OpenOptions | string = {}): Promise<ZarrArray> {
  const o = typeof options === "string" ? { path: options } : options;
  const n = await open(store, o);
  if (n.kind !== "array") throw new NodeNotFoundError("is a group, not an array", n.path || "/");
  return n;
}

/** Open a group (throws NodeNotFoundError when the node is an array). */
export async function openGroup(store: ReadableStore, options: OpenOptions | string = {}): Promise<ZarrGroup> {
  const o = typeof options === "string" ? { path: options } : options;
  const n = await open(store, o);
  if (n.kind !== "group") throw new NodeNotFoundError("is an array, not a group", n.path || "/");
  return n;
}

function writable(store: ReadableStore, what: string): Store {
  if (!isWritable(store)) throw new StoreError(`store is read-only; cannot ${what}`, store.url);
  return store;
}

/** A codec for creation: v2 numcodecs JSON `{id, ...}` or v3 `{name, configuration}`. */
export type CodecJson = { id: string; [k: string]: unknown } | { name: string; configuration?: Record<string, unknown> };

/** Options for {@link createArray}. */
export interface CreateArrayOptions {
  shape: number[];
  /** v3 name ("int16"), numpy typestr ("<i2", "|S7", "<M8[ns]"), or a descriptor. */
  dtype: string | DataType | StructuredSpec;
  /** Chunk shape (with `shards`: the inner chunk shape). Default: the whole array, capped near 1 MiB per chunk. */
  chunks?: number[];
  /** v3 only: shard shape; each shard is one stored object holding many chunks. */
  shards?: number[];
  /** Default 3. */
  zarrFormat?: 2 | 3;
  fillValue?: unknown;
  /** v2 only. */
  order?: "C" | "F";
  /** v2: numcodecs compressor JSON or null. Default blosc lz4 clevel 5 byte-shuffle (as zarr-python 2). */
  compressor?: CodecJson | null;
  /** v2: numcodecs filters (object dtypes get their object codec automatically). */
  filters?: CodecJson[] | null;
  /** v3: bytes→bytes codecs (default [zstd level 0], as zarr-python 3). */
  compressors?: CodecJson[];
  /** v3: array→array codecs placed before the serializer (e.g. transpose). */
  arrayCodecs?: CodecJson[];
  /** v3: full codec list; overrides compressors/arrayCodecs/shards. */
  codecs?: CodecJson[];
  /** v3: the serializer (default bytes little-endian, or vlen-utf8/vlen-bytes for strings/bytes). */
  serializer?: CodecJson;
  /** Chunk key separator (v2 default ".", v3 default "/"). */
  separator?: "." | "/";
  /** v3: chunk key encoding (default "default"). */
  chunkKeyEncoding?: "default" | "v2";
  dimensionNames?: (string | null)[];
  attributes?: Record<string, JsonValue>;
  /** Replace an existing node (deleting its chunks). Default false: error if a node exists. */
  overwrite?: boolean;
  writeEmptyChunks?: boolean;
  /** See {@link ZarrArray.cache}. */
  cache?: ChunkCache;
  /** See {@link ZarrArray.synchronizer}. */
  synchronizer?: Synchronizer;
}

const spec = (c: CodecJson): CodecSpec => {
  if ("id" in c) { const { id, ...configuration } = c; return { name: id, configuration: configuration as Record<string, JsonValue> }; }
  return { name: c.name, configuration: (c.configuration ?? {}) as Record<string, JsonValue> };
};

/** Default chunk shape: whole array, halving the largest dimension until a chunk is ≤ ~1 MiB. */
export function defaultChunks(shape: number[], itemBytes: number): number[] {
  const c = shape.map((s) => Math.max(1, s));
  while (c.reduce((a, b) => a * b, itemBytes) > 1 << 20) {
    let d = 0;
    for (let i = 1; i < c.length; i++) if (c[i] > c[d]) d = i;
    if (c[d] === 1) break;
    c[d] = Math.ceil(c[d] / 2);
  }
  return c;
}

/** Build array metadata from creation options (no I/O). */
export function arrayMetadataFrom(o: CreateArrayOptions, key = "(new array)"): ArrayMetadata {
  const zarrFormat = o.zarrFormat ?? 3;
  const dtype = toDataType(o.dtype);
  const shape = o.shape.map((s) => {
    if (!Number.isSafeInteger(s) || s < 0) throw new MetadataError(`shape must be non-negative integers, got ${o.shape}`, key, "shape");
    return s;
  });
  const itemBytes = "bits" in dtype ? dtype.bits / 8 : 8;
  const chunks = o.chunks ?? defaultChunks(shape, itemBytes);
  if (chunks.length !== shape.length) throw new MetadataError(`chunks ${chunks} do not match shape ${shape}`, key, "chunks");
  const fill = o.fillValue === undefined && zarrFormat === 2 && dtype.kind === "object" ? { value: null, raw: undefined } : toFillValue(dtype, o.fillValue);
  let codecs: CodecSpec[] = [];
  let filters: CodecSpec[] | null = null;
  let compressor: CodecSpec | null = null;
  if (zarrFormat === 2) {
    if (o.shards) throw new MetadataError("sharding needs zarr_format 3", key, "shards");
    compressor = o.compressor === null ? null : spec(o.compressor ?? { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 });
    filters = o.filters?.map(spec) ?? null;
    if (dtype.kind === "string" && !filters?.some((f) => f.name === "vlen-utf8")) filters = [{ name: "vlen-utf8", configuration: {} }, ...(filters ?? [])];
    if (dtype.kind === "bytes" && !filters?.some((f) => f.name === "vlen-bytes")) filters = [{ name: "vlen-bytes", configuration: {} }, ...(filters ?? [])];
    if (filters?.length === 0) filters = null;
  } else if (o.codecs) {
    codecs = o.codecs.map(spec);
  } else {
    const serializer = o.serializer ? spec(o.serializer)
      : dtype.kind === "string" ? { name: "vlen-utf8", configuration: {} }
      : dtype.kind === "bytes" ? { name: "vlen-bytes", configuration: {} }
      : { name: "bytes", configuration: itemBytes > 1 || !("bits" in dtype) ? { endian: "little" } : {} };
    const inner = [...(o.arrayCodecs ?? []).map(spec), serializer, ...(o.compressors ?? [{ name: "zstd", configuration: { level: 0, checksum: false } }]).map(spec)];
    if (o.shards) {
      if (o.shards.length !== shape.length) throw new MetadataError(`shards ${o.shards} do not match shape ${shape}`, key, "shards");
      o.shards.forEach((s, d) => {
        if (s % chunks[d] !== 0) throw new MetadataError(`shard shape ${o.shards} must be a multiple of chunks ${chunks}`, key, "shards");
      });
      codecs = [{
        name: "sharding_indexed",
        configuration: {
          chunk_shape: chunks,
          codecs: inner as unknown as JsonValue,
          index_codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c", configuration: {} }],
          index_location: "end",
        },
      }];
    } else codecs = inner;
  }
  const sep = o.separator ?? (zarrFormat === 2 ? "." : o.chunkKeyEncoding === "v2" ? "." : "/");
  if (dtype.kind === "string" && fill.value !== null && typeof fill.value !== "string") throw new MetadataError("fill value of a string array must be a string", key, "fill_value");
  if (dtype.kind === "bytes" && fill.value !== null && !(fill.value instanceof Uint8Array)) {
    if (typeof fill.value !== "string") throw new MetadataError("fill value of a bytes array must be a Uint8Array", key, "fill_value");
    fill.value = parseFillValue(fill.value, dtype, zarrFormat, key).value;
  }
  return {
    zarrFormat,
    nodeType: "array",
    shape,
    chunkShape: o.shards ?? chunks,
    dtype,
    fill,
    chunkKeyEncoding: { name: zarrFormat === 2 ? "v2" : (o.chunkKeyEncoding ?? "default"), separator: sep },
    codecs,
    order: o.order ?? "C",
    filters,
    compressor,
    dimensionNames: o.dimensionNames,
    attributes: o.attributes ?? {},
    extensions: {},
  };
}

/** Write the metadata document(s) of a node. */
export async function writeMetadata(store: Store, path: string, meta: ArrayMetadata | GroupMetadata): Promise<void> {
  if (meta.zarrFormat === 3) {
    await store.set(keyIn(path, "zarr.json"), encodeJson(meta.nodeType === "array" ? v3ArrayJson(meta) : v3GroupJson(meta)));
    return;
  }
  if (meta.nodeType === "array") await store.set(keyIn(path, ".zarray"), encodeJson(v2ArrayJson(meta)));
  else await store.set(keyIn(path, ".zgroup"), encodeJson({ zarr_format: 2 }));
  if (Object.keys(meta.attributes).length > 0) await store.set(keyIn(path, ".zattrs"), encodeJson(meta.attributes));
  else await store.delete(keyIn(path, ".zattrs"));
}

async function nodeExists(store: ReadableStore, path: string): Promise<boolean> {
  for (const k of ["zarr.json", ".zarray", ".zgroup"]) if ((await store.get(keyIn(path, k), { offset: 0, length: 1 })) !== undefined) return true;
  return false;
}

async function prepare(store: Store, path: string, overwrite: boolean | undefined, zarrFormat: 2 | 3): Promise<void> {
  if (await nodeExists(store, path)) {
    if (!overwrite) throw new ZarrError("a node already exists here (pass overwrite: true to replace it)", path || "/");
    await deleteNode(store, path);
  }
  // Create implicit parent groups as zarr-python does for v2 (v3 groups are implicit-free but explicit ones are harmless).
  const parts = path === "" ? [] : path.split("/");
  for (let i = 0; i < parts.length; i++) {
    const p = parts.slice(0, i).join("/");
    if (!(await nodeExists(store, p))) await writeMetadata(store, p, { zarrFormat, nodeType: "group", attributes: {}, consolidated: undefined, extensions: {} });
  }
}

/** Create an array at `path`. */
export async function createArray(store: ReadableStore, path: string, options: CreateArrayOptions): Promise<ZarrArray> {
  const s = writable(store, "create an array");
  const p = normalizePath(path);
  const meta = arrayMetadataFrom(options, keyIn(p, options.zarrFormat === 2 ? ".zarray" : "zarr.json"));
  await prepare(s, p, options.overwrite, meta.zarrFormat);
  await writeMetadata(s, p, meta);
  return { kind: "array", store, path: p, meta, writeEmptyChunks: options.writeEmptyChunks ?? false, cache: options.cache, synchronizer: options.synchronizer };
}

/** Create a group at `path`. */
export async function createGroup(
  store: ReadableStore, path = "",
  options: { zarrFormat?: 2 | 3; attributes?: Record<string, JsonValue>; overwrite?: boolean } = {},
): Promise<ZarrGroup> {
  const s = writable(store, "create a group");
  const p = normalizePath(path);
  const meta: GroupMetadata = { zarrFormat: options.zarrFormat ?? 3, nodeType: "group", attributes: options.attributes ?? {}, consolidated: undefined, extensions: {} };
  await prepare(s, p, options.overwrite, meta.zarrFormat);
  await writeMetadata(s, p, meta);
  return { kind: "group", store, path: p, meta };
}

/** Replace a node's attributes (merged into the existing ones unless `replace`). */
export async function setAttributes<N extends ZarrNode>(node: N, attributes: Record<string, JsonValue>, replace = false): Promise<N> {
  const s = writable(node.store, "set attributes");
  const meta = { ...node.meta, attributes: replace ? attributes : { ...node.meta.attributes, ...attributes } };
  await writeMetadata(s, node.path, meta);
  return { ...node, meta } as N;
}

/** Delete a node and everything below it. */
export async function deleteNode(store: ReadableStore, path: string): Promise<void> {
  const s = writable(store, "delete");
  const p = normalizePath(path);
  const prefix = p === "" ? "" : p + "/";
  const keys: string[] = [];
  for await (const k of s.list(prefix)) keys.push(k);
  for (const k of keys) await s.delete(k);
}

/** Names of the direct children of a group that are arrays or groups (sorted). */
export async function listChildren(group: ZarrGroup): Promise<ZarrNode[]> {
  const cons = group.meta.consolidated;
  if (cons) {
    const out: ZarrNode[] = [];
    for (const [p, m] of cons) if (p !== "" && !p.includes("/")) out.push(asNode(group.store, keyIn(group.path, p), m));
    return out.sort((a, b) => (a.path < b.path ? -1 : 1));
  }
  const prefix = group.path === "" ? "" : group.path + "/";
  const names = new Set<string>();
  if (group.store.listDir) {
    // Only look one level down: never walks the chunk keys of big arrays.
    for await (const k of group.store.listDir(prefix)) if (k.endsWith("/")) names.add(k.slice(prefix.length, -1));
  } else {
    for await (const k of group.store.list(prefix)) {
      const rest = k.slice(prefix.length);
      const m = /^([^/]+)\/(zarr\.json|\.zarray|\.zgroup)$/.exec(rest);
      if (m) names.add(m[1]);
    }
  }
  const out: ZarrNode[] = [];
  for (const n of [...names].sort()) {
    try {
      out.push(await open(group.store, { path: keyIn(group.path, n) }));
    } catch (e) {
      if (!(e instanceof NodeNotFoundError)) throw e;
    }
  }
  return out;
}

/** Every node below `group` (depth first, sorted), with paths relative to the store. */
export async function* walk(group: ZarrGroup): AsyncGenerator<ZarrNode> {
  for (const child of await listChildren(group)) {
    yield child;
    if (child.kind === "group") {
      // Children of consolidated groups come from the same consolidated map.
      const cons = group.meta.consolidated;
      if (cons) {
        const rel = child.path.slice(group.path === "" ? 0 : group.path.length + 1);
        const sub = new Map<string, ArrayMetadata | GroupMetadata>();
        for (const [p, m] of cons) if (p.startsWith(rel + "/")) sub.set(p.slice(rel.length + 1), m);
        yield* walk({ ...child, meta: { ...child.meta, consolidated: sub } });
      } else yield* walk(child);
    }
  }
}

/** Write consolidated metadata for the hierarchy under `path` (v2 `.zmetadata`; v3 inline in the group's zarr.json). */
export async function consolidateMetadata(store: ReadableStore, path = ""): Promise<ZarrGroup> {
  const s = writable(store, "consolidate metadata");
  const root = await openGroup(store, { path });
  const plain: ZarrGroup = { ...root, meta: { ...root.meta, consolidated: undefined } };
  const rel = (p: string) => p.slice(root.path === "" ? 0 : root.path.length + 1);
  if (root.meta.zarrFormat === 2) {
    const md: Record<string, JsonValue> = { ".zgroup": { zarr_format: 2 } };
    if (Object.keys(root.meta.attributes).length) md[".zattrs"] = root.meta.attributes;
    for await (const n of walk(plain)) {
      const r = rel(n.path);
      md[`${r}/${n.kind === "array" ? ".zarray" : ".zgroup"}`] = n.kind === "array" ? v2ArrayJson(n.meta) : { zarr_format: 2 };
      if (Object.keys(n.meta.attributes).length) md[`${r}/.zattrs`] = n.meta.attributes;
    }
    await s.set(keyIn(root.path, ".zmetadata"), encodeJson({ metadata: md, zarr_consolidated_format: 1 }));
    return { ...root, meta: { ...root.meta, consolidated: parseV2Consolidated({ metadata: md, zarr_consolidated_format: 1 }, ".zmetadata") } };
  }
  const cons = new Map<string, ArrayMetadata | GroupMetadata>();
  for await (const n of walk(plain)) cons.set(rel(n.path), n.kind === "group" ? { ...n.meta, consolidated: undefined } : n.meta);
  const meta = { ...root.meta, consolidated: cons };
  await writeMetadata(s, root.path, meta);
  return { ...root, meta };
}
