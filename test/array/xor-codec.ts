// A user codec for parallel-read.test.ts (array): XOR every byte with `configuration.key`. It lives in
// its own module so worker threads can load it by URL, as they would any registered codec.
import type { BytesToBytesCodec, CodecFactory } from "../../src/codecs/types.js";

/** Factory of the test-only "test.xor" bytes→bytes codec. */
export const xorCodec: CodecFactory = (configuration): BytesToBytesCodec => {
  const k = Number(configuration.key) & 0xff;
  const apply = (b: Uint8Array) => b.map((x) => x ^ k);
  return { kind: "bytes-to-bytes", name: "test.xor", encode: async (b) => apply(b), decode: async (b) => apply(b) };
};
