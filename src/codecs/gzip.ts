/**
 * `gzip` codec (numcodecs GZip `{level}`, v3 `gzip` `{level}`): a gzip (RFC 1952) stream via
 * node:zlib. Decoding accepts multi-member streams and trailing zero padding, as Python's
 * gzip module does; other trailing bytes are an error (Python: "Not a gzipped file").
 * @module
 */
import { gunzipSync, gzipSync } from "node:zlib";
import type { BytesToBytesCodec, CodecFactory } from "./types.js";
import { asBuffer, checkFields, intField, plain } from "./bytes-support.js";
import { inflateBounded } from "./zlib.js";

const NAME = "gzip";

/** `gzip` factory (v2 and v3): `{level}` in [-1, 9], default 1 (numcodecs' default). */
export const gzip: CodecFactory = (configuration, context): BytesToBytesCodec => {
  const key = context.key;
  checkFields(NAME, configuration, ["level"], key);
  const level = intField(NAME, configuration, "level", 1, -1, 9, key);
  return {
    kind: "bytes-to-bytes",
    name: NAME,
    async encode(b) {
      return plain(gzipSync(asBuffer(b), { level }));
    },
    async decode(b, out) {
      // node's gunzip already continues into following members, like Python's GzipFile.
      return inflateBounded(NAME, gunzipSync, b, out, key);
    },
  };
};
