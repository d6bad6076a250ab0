/**
 * Human and JSON descriptions of nodes for `info` and `tree`.
 * @module
 */
import type { ZarrNode } from "../array/node.js";
import { dtypeName, itemSize } from "../format/dtype.js";
import { fillValueJson } from "../format/fill-value.js";
import { stringifyJson, type JsonValue } from "../format/json.js";
import { product } from "../format/ndarray.js";

/** Plain-data summary of a node. */
export function describe(node: ZarrNode): Record<string, JsonValue> {
  const m = node.meta;
  if (node.kind === "group") {
    return { node_type: "group", path: node.path, zarr_format: m.zarrFormat, attributes: m.attributes, consolidated: node.meta.consolidated !== undefined };
  }
  const a = node.meta;
  const sharding = a.codecs.find((c) => c.name === "sharding_indexed");
  const out: Record<string, JsonValue> = {
    node_type: "array",
    path: node.path,
    zarr_format: a.zarrFormat,
    shape: a.shape,
    dtype: dtypeName(a.dtype),
    chunks: sharding ? (sharding.configuration.chunk_shape as number[]) : a.chunkShape,
  };
  if (sharding) out.shards = a.chunkShape;
  out.fill_value = fillValueJson(a.fill, a.dtype, a.zarrFormat);
  if (a.zarrFormat === 2) {
    out.order = a.order;
    out.filters = a.filters?.map((f) => ({ id: f.name, ...f.configuration })) ?? null;
    out.compressor = a.compressor ? { id: a.compressor.name, ...a.compressor.configuration } : null;
  } else out.codecs = a.codecs.map((c) => ({ name: c.name, configuration: c.configuration }));
  if (a.dimensionNames) out.dimension_names = a.dimensionNames;
  const size = itemSize(a.dtype);
  if (size !== undefined) out.nbytes = product(a.shape) * size;
  out.attributes = a.attributes;
  return out;
}

/** Text form of {@link describe}. */
export function describeText(node: ZarrNode): string {
  const d = describe(node);
  const lines: string[] = [];
  const width = Math.max(...Object.keys(d).map((k) => k.length));
  for (const [k, v] of Object.entries(d)) {
    const text = typeof v === "string" ? v : stringifyJson(v, 0, { ascii: false });
    lines.push(`${k.padEnd(width)}  ${text}`);
  }
  return lines.join("\n");
}

/** One line for `tree`. */
export function treeLine(node: ZarrNode): string {
  const name = node.path.split("/").pop() ?? "";
  if (node.kind === "group") return name === "" ? "/" : `${name}/`;
  return `${name} ${dtypeName(node.meta.dtype)} (${node.meta.shape.join(", ")}) chunks (${node.meta.chunkShape.join(", ")}) v${node.meta.zarrFormat}`;
}
