/**
 * `gzip` codec (numcodecs GZip `{level}`, v3 `gzip` `{level}`): a gzip (RFC 1952) stream via
 * node:zlib. Decoding accepts multi-member streams and trailing zero padding, as Python's
 * gzip module does; other trailing bytes are an error (Python: "Not a gzipped file").
 * @module
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { CodecFactory } from "./types.js";
import { deflateCodec } from "./zlib.js";

/** `gzip` factory (v2 and v3): `{level}` in [-1, 9], default 1 (numcodecs' default). node's gunzip continues into following members, like Python's GzipFile. */
export const gzip: CodecFactory = deflateCodec("gzip", gzipSync, gunzipSync);
