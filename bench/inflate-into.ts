/**
 * Inflate microbenchmark (not in CI; ~15 s): node:zlib's public one-shot `inflateSync`
 * (what the zlib codec and Blosc's zlib blocks used before: a new stream, a fresh output
 * Buffer sized to the chunk, then a copy into place) against src/codecs/inflate-into.ts
 * (one reused stream per thread writing straight into the destination), on one thread, on
 * the same zlib streams (level 3, as the demo HDF5 file and Zarr layout write them):
 *
 * - demo-like genotype chunks of the demo HDF5 file's shape (6553 × 10 × 2 int8, 131 KB);
 * - the Zarr layout's chunks (6553 × 200 × 2, 2.6 MB);
 * - an int16 signal in 256 KiB blocks (Blosc's block size for such data).
 *
 *   node --import tsx bench/inflate-into.ts [--repeats 11]
 *
 * Figures: MB/s of decoded bytes, median of the repeats (old and new interleaved), and new/old.
 * @module
 */
import { deflateSync, inflateSync } from "node:zlib";
import { inflateInto } from "../src/codecs/inflate-into.js";
import { generateBlock } from "../src/genomics/genotype-model.js";
import { mulberry32 } from "../src/genomics/prng.js";
import { mbps, median, sig } from "./runtime/stats.js";

const argv = process.argv.slice(2);
const REPEATS = Number(argv[argv.indexOf("--repeats") + 1] || 11);

/** `count` chunks of `rows` × `samples` demo-like genotypes, cut from wider generated blocks. */
function genotypeChunks(rows: number, samples: number, count: number): Uint8Array[] {
  const rand = mulberry32(42);
  const out: Uint8Array[] = [];
  while (out.length < count) {
    const wide = 765;
    const block = new Uint8Array(generateBlock(rand, rows, wide).buffer);
    for (let c = 0; c + samples <= wide && out.length < count; c += samples) {
      const chunk = new Uint8Array(rows * samples * 2);
      for (let r = 0; r < rows; r++) chunk.set(block.subarray((r * wide + c) * 2, (r * wide + c + samples) * 2), r * samples * 2);
      out.push(chunk);
    }
  }
  return out;
}

function int16Blocks(blockBytes: number, count: number): Uint8Array[] {
  const rand = mulberry32(2);
  return Array.from({ length: count }, (_, b) => {
    const a = new Int16Array(blockBytes / 2);
    for (let i = 0; i < a.length; i++) a[i] = Math.round(8000 * Math.sin((b * a.length + i) / 5000) + 300 * Math.sin(i / 37)) + Math.floor(rand() * 16);
    return new Uint8Array(a.buffer);
  });
}

type Decode = (src: Uint8Array, dst: Uint8Array) => number;

/** The previous path: inflateSync with one output chunk of the expected size, then a copy. */
const old: Decode = (src, dst) => {
  const d = inflateSync(src, { maxOutputLength: Math.max(dst.length, 1), chunkSize: Math.max(dst.length, 64) });
  dst.set(d);
  return d.length;
};

const cases = [
  { name: "genotypes 6553×10×2 (HDF5 demo chunks)", raw: genotypeChunks(6553, 10, 400) },
  { name: "genotypes 6553×200×2 (Zarr demo chunks)", raw: genotypeChunks(6553, 200, 20) },
  { name: "int16 signal, 256 KiB blocks", raw: int16Blocks(1 << 18, 200) },
];

console.log(`inflate, one thread, median of ${REPEATS} (MB/s of decoded bytes)`);
console.log("| data | inflateSync + copy | inflateInto | new / old |\n|---|---|---|---|");
for (const c of cases) {
  const streams = c.raw.map((r) => deflateSync(r, { level: 3 }));
  const dst = c.raw.map((r) => new Uint8Array(r.length));
  const bytes = c.raw.reduce((s, r) => s + r.length, 0);
  const pass = (f: Decode): number => {
    const t = performance.now();
    for (let i = 0; i < streams.length; i++) if (f(streams[i], dst[i]) !== c.raw[i].length) throw new Error(`${c.name}: wrong length`);
    return (performance.now() - t) / 1000;
  };
  pass(old);
  pass(inflateInto);
  for (let i = 0; i < dst.length; i++) if (Buffer.compare(dst[i], c.raw[i]) !== 0) throw new Error(`${c.name}: chunk ${i} differs`);
  const a: number[] = [], b: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    a.push(pass(old));
    b.push(pass(inflateInto));
  }
  const mo = mbps(bytes, median(a)), mn = mbps(bytes, median(b));
  console.log(`| ${c.name} | ${sig(mo)} | ${sig(mn)} | ${sig(mn / mo)}× |`);
}
