/**
 * LZ4 decoding microbenchmark (not in CI; ~20 s): lz4-napi (the previous decoder: the block
 * copied behind a 4-byte size prefix, a fresh output Buffer from lz4_flex, then copied into
 * place) against src/codecs/lz4-block.ts (WebAssembly, decoding into the destination), on
 * one thread, on the same bytes:
 *
 * - blosc-lz4 frames (clevel 5) made by our blosc codec: demo-like genotype chunks
 *   (6553 × 200 × 2 int8 from src/genomics/genotype-model.ts, no shuffle, as the genomics
 *   bench's LZ4 layout), a float32 random walk and an int16 signal (byte shuffle), text-like
 *   bytes (no shuffle). Both decoders run over the same streams of the frames (the frame walk
 *   is shared, unshuffling left out); "frame" is decodeFrame end to end with the new decoder.
 * - numcodecs `lz4` chunks of 1 MiB (size header + one block) through the lz4 codec, old
 *   (uncompressSync + copy into the output) vs new (the codec as it is now), incl. random bytes.
 *
 *   node --import tsx bench/lz4.ts [--repeats 11]
 *
 * Figures: MB/s of decoded bytes, median of the repeats (old and new interleaved), and new/old.
 * @module
 */
import { compressSync, uncompressSync } from "lz4-napi";
import { decodeFrame, encodeFrame, HEADER_SIZE } from "../src/codecs/blosc/container.js";
import { blockCodec } from "../src/codecs/blosc/cnames.js";
import { lz4 } from "../src/codecs/lz4.js";
import { lz4DecodeBlock, lz4Engine } from "../src/codecs/lz4-block.js";
import { generateBlock } from "../src/genomics/genotype-model.js";
import { mulberry32 } from "../src/genomics/prng.js";
import { median, sig } from "./runtime/stats.js";

type Decode = (src: Uint8Array, dst: Uint8Array) => number;

const argv = process.argv.slice(2);
const REPEATS = Number(argv[argv.indexOf("--repeats") + 1] || 11);

// --- data ---------------------------------------------------------------------------------

/** Chunks (6553 × 200 × 2 int8) of demo-like genotypes: 2 row blocks × the 3 full sample chunks of 765 samples. */
function genotypeChunks(): Uint8Array[] {
  const rows = 6553, samples = 765, chunkSamples = 200;
  const rand = mulberry32(42);
  const out: Uint8Array[] = [];
  for (let b = 0; b < 2; b++) {
    const block = new Uint8Array(generateBlock(rand, rows, samples).buffer);
    for (let c = 0; c + chunkSamples <= samples; c += chunkSamples) {
      const chunk = new Uint8Array(rows * chunkSamples * 2);
      for (let r = 0; r < rows; r++) chunk.set(block.subarray((r * samples + c) * 2, (r * samples + c + chunkSamples) * 2), r * chunkSamples * 2);
      out.push(chunk);
    }
  }
  return out;
}

function floatWalk(bytes: number): Uint8Array {
  const a = new Float32Array(bytes / 4);
  const rand = mulberry32(1);
  for (let i = 1; i < a.length; i++) a[i] = a[i - 1] + Math.round((rand() - 0.5) * 16) / 8;
  return new Uint8Array(a.buffer);
}

function int16Signal(bytes: number): Uint8Array {
  const a = new Int16Array(bytes / 2);
  const rand = mulberry32(2);
  for (let i = 0; i < a.length; i++) a[i] = Math.round(8000 * Math.sin(i / 5000) + 300 * Math.sin(i / 37)) + Math.floor(rand() * 16);
  return new Uint8Array(a.buffer);
}

/** English-like words with a skewed frequency (short matches, LZ4's hardest common case). */
function textLike(bytes: number): Uint8Array {
  const words = "the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she there would their we him been has when who will more no if out so said what up its about into than them can only other new some could time these two may then do first any my".split(" ");
  const out = new Uint8Array(bytes);
  const rand = mulberry32(3);
  for (let o = 0; o < bytes;) {
    const w = words[Math.floor(rand() ** 2.5 * words.length)] + (rand() < 0.08 ? ".\n" : " ");
    for (let k = 0; k < w.length && o < bytes; k++) out[o++] = w.charCodeAt(k);
  }
  return out;
}

function randomBytes(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const rand = mulberry32(4);
  for (let i = 0; i < bytes; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

function split(data: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o < data.length; o += size) out.push(data.subarray(o, Math.min(data.length, o + size)));
  return out;
}

// --- decoders -----------------------------------------------------------------------------

let framed = Buffer.alloc(0);

/** The previous blosc path (src/codecs/blosc/cnames.ts before lz4-block.ts). */
const oldBlock: Decode = (src, dst) => {
  const need = src.length + 4;
  if (framed.length < need) framed = Buffer.allocUnsafe(Math.max(need, 2 * framed.length));
  const f = framed.subarray(0, need);
  f.writeUInt32LE(dst.length, 0);
  f.set(src, 4);
  const out = uncompressSync(f);
  if (out.length === dst.length) dst.set(out);
  return out.length;
};

/** One compressed stream of a frame and where its output goes. */
interface Stream { src: Uint8Array; at: number; size: number }

/** The LZ4 streams of a Blosc1 frame (memcpyed streams left out: no decoder runs for them). */
function streams(frame: Uint8Array): { nbytes: number; list: Stream[] } {
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.length);
  const flags = frame[2], typesize = frame[3];
  const nbytes = dv.getUint32(4, true), blocksize = dv.getUint32(8, true);
  if (flags & 2) return { nbytes, list: [] };
  const nblocks = Math.ceil(nbytes / blocksize);
  const split = (flags & 16) === 0 && typesize <= 16 && Math.floor(blocksize / typesize) >= 128;
  const list: Stream[] = [];
  for (let j = 0; j < nblocks; j++) {
    const bsize = Math.min(blocksize, nbytes - j * blocksize);
    const nsplits = split && bsize === blocksize ? typesize : 1;
    const neblock = bsize / nsplits;
    let off = dv.getInt32(HEADER_SIZE + 4 * j, true);
    for (let k = 0; k < nsplits; k++) {
      const cs = dv.getInt32(off, true);
      off += 4;
      if (cs !== neblock) list.push({ src: frame.subarray(off, off + cs), at: j * blocksize + k * neblock, size: neblock });
      off += cs;
    }
  }
  return { nbytes, list };
}

// --- timing -------------------------------------------------------------------------------

/** Medians (ms) of `REPEATS` interleaved runs of each function, after two warm-up rounds. */
function time(fns: (() => void)[]): number[] {
  const ts = fns.map(() => [] as number[]);
  for (let w = 0; w < 2; w++) fns.forEach((f) => f());
  for (let r = 0; r < REPEATS; r++) {
    fns.forEach((f, i) => {
      const t = performance.now();
      f();
      ts[i].push(performance.now() - t);
    });
  }
  return ts.map(median);
}

interface Row { data: string; container: string; ratio: number; old: number; now: number; frame?: number }

function bloscRow(data: string, chunks: Uint8Array[], shuffle: 0 | 1, typesize: number): Row {
  const frames = chunks.map((c) => encodeFrame(c, { codec: blockCodec("lz4"), clevel: 5, shuffle, typesize, blocksize: 0 }));
  const walks = frames.map(streams);
  const bytes = chunks.reduce((a, c) => a + c.length, 0);
  const outs = chunks.map((c) => new Uint8Array(c.length));
  const overStreams = (decode: Decode) => () => {
    walks.forEach((w, i) => {
      for (const s of w.list) if (decode(s.src, outs[i].subarray(s.at, s.at + s.size)) !== s.size) throw new Error(`${data}: bad stream`);
    });
  };
  // Check once that the new path decodes the frames to the input.
  frames.forEach((f, i) => {
    if (!Buffer.from(decodeFrame(f, outs[i])).equals(chunks[i])) throw new Error(`${data}: decodeFrame differs from the input`);
  });
  const [old, now, frame] = time([overStreams(oldBlock), overStreams(lz4DecodeBlock), () => frames.forEach((f, i) => decodeFrame(f, outs[i]))]);
  const cbytes = frames.reduce((a, f) => a + f.length, 0);
  return { data, container: `blosc lz4 5 ${shuffle ? "shuffle" : "noshuffle"}`, ratio: bytes / cbytes, old: bytes / old / 1e3, now: bytes / now / 1e3, frame: bytes / frame / 1e3 };
}

async function lz4Row(data: string, chunks: Uint8Array[]): Promise<Row> {
  const codec = await lz4({}, { spec: { shape: [1], dtype: { kind: "uint", bits: 8, endian: "little" }, fillValue: 0 }, zarrFormat: 2 });
  if (codec.kind !== "bytes-to-bytes") throw new Error("lz4 is a bytes-to-bytes codec");
  const encoded = chunks.map((c) => compressSync(Buffer.from(c.buffer, c.byteOffset, c.length)));
  const bytes = chunks.reduce((a, c) => a + c.length, 0);
  const outs = chunks.map((c) => new Uint8Array(c.length));
  for (const [i, e] of encoded.entries()) {
    if (!Buffer.from(await codec.decode(e, outs[i])).equals(chunks[i])) throw new Error(`${data}: lz4 codec differs from the input`);
  }
  // The codec's decode is async; time its synchronous body by awaiting nothing else in between.
  const timeAsync = async (fns: (() => Promise<void>)[]): Promise<number[]> => {
    const ts = fns.map(() => [] as number[]);
    for (let w = 0; w < 2; w++) for (const f of fns) await f();
    for (let r = 0; r < REPEATS; r++) {
      for (const [i, f] of fns.entries()) {
        const t = performance.now();
        await f();
        ts[i].push(performance.now() - t);
      }
    }
    return ts.map(median);
  };
  const [old, now] = await timeAsync([
    async () => encoded.forEach((e, i) => outs[i].set(uncompressSync(e))),
    async () => { for (const [i, e] of encoded.entries()) await codec.decode(e, outs[i]); },
  ]);
  const cbytes = encoded.reduce((a, e) => a + e.length, 0);
  return { data, container: "numcodecs lz4, 1 MiB", ratio: bytes / cbytes, old: bytes / old / 1e3, now: bytes / now / 1e3 };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const MB = 1 << 20;
  const geno = genotypeChunks();
  const text = textLike(16 * MB);
  const rows: Row[] = [
    bloscRow("genotypes (demo-like)", geno, 0, 1),
    bloscRow("float32 random walk", split(floatWalk(16 * MB), 4 * MB), 1, 4),
    bloscRow("int16 signal", split(int16Signal(16 * MB), 4 * MB), 1, 2),
    bloscRow("text-like", split(text, 4 * MB), 0, 1),
    await lz4Row("genotypes (demo-like)", geno.map((c) => c.subarray(0, MB))),
    await lz4Row("text-like", split(text, MB)),
    await lz4Row("random bytes", split(randomBytes(8 * MB), MB)),
  ];
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  console.log(`LZ4 decode, 1 thread, MB/s of decoded bytes, median of ${REPEATS} (engine: ${lz4Engine()}; node ${process.version})`);
  console.log("old: lz4-napi (prefix copy + fresh output + copy); new: src/codecs/lz4-block.ts; frame: decodeFrame with new");
  console.log(`${pad("data", 24)}${pad("container", 26)}${lpad("ratio", 7)}${lpad("old", 9)}${lpad("new", 9)}${lpad("new/old", 9)}${lpad("frame", 9)}`);
  for (const r of rows) {
    console.log(`${pad(r.data, 24)}${pad(r.container, 26)}${lpad(sig(r.ratio), 7)}${lpad(sig(r.old), 9)}${lpad(sig(r.now), 9)}${lpad(`${(r.now / r.old).toFixed(2)}x`, 9)}${lpad(r.frame ? sig(r.frame) : "", 9)}`);
  }
  console.log(`(${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

await main();
