/**
 * Single-thread codec throughput, zarrflow beside numcodecs, on the same data.
 *
 *   node --import tsx bench/codecs.ts [--mib 16] [--only zstd,lz4]
 *
 * Not run in CI. Each codec in {@link CODECS} is loaded through the registry
 * (`locateCodec` + `loadCodec`) from its v2 (numcodecs) configuration, so adding a codec
 * (blosc, filters...) is one line in the table. numcodecs is timed in one /usr/bin/python3
 * process (PYTHON overrides) with time.perf_counter. Both sides decode the same bytes
 * (numcodecs' encoding, or ours when numcodecs lacks the codec), into a preallocated output.
 * Every figure is the median of up to 5 runs (fewer when a run is slow, see BUDGET_S), in
 * MB/s (10^6 decoded bytes per second).
 * @module
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadCodec, locateCodec } from "../src/codecs/registry.js";
import type { BytesToBytesCodec } from "../src/codecs/types.js";

/** One benchmark row: a label and a numcodecs v2 configuration (with `id`). */
interface BenchCodec {
  name: string;
  config: Record<string, unknown>;
}

/** The codecs measured. Add rows here (e.g. `{ name: "blosc lz4", config: { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 } }`). */
const CODECS: BenchCodec[] = [
  { name: "zlib 1", config: { id: "zlib", level: 1 } },
  { name: "zlib 6", config: { id: "zlib", level: 6 } },
  { name: "gzip 1", config: { id: "gzip", level: 1 } },
  { name: "gzip 6", config: { id: "gzip", level: 6 } },
  { name: "zstd 1", config: { id: "zstd", level: 1 } },
  { name: "zstd 5", config: { id: "zstd", level: 5 } },
  { name: "lz4", config: { id: "lz4", acceleration: 1 } },
  { name: "bz2 1", config: { id: "bz2", level: 1 } },
  { name: "lzma (xz)", config: { id: "lzma" } },
  { name: "crc32", config: { id: "crc32" } },
  { name: "adler32", config: { id: "adler32" } },
  { name: "crc32c", config: { id: "crc32c" } },
  { name: "fletcher32", config: { id: "fletcher32" } },
  { name: "base64", config: { id: "base64" } },
  { name: "shuffle (2)", config: { id: "shuffle", elementsize: 2 } },
  { name: "blosc lz4 5 shuf", config: { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 } },
  { name: "blosc lz4hc 5 shuf", config: { id: "blosc", cname: "lz4hc", clevel: 5, shuffle: 1, blocksize: 0 } },
  { name: "blosc blosclz 5 shuf", config: { id: "blosc", cname: "blosclz", clevel: 5, shuffle: 1, blocksize: 0 } },
  { name: "blosc snappy 5 shuf", config: { id: "blosc", cname: "snappy", clevel: 5, shuffle: 1, blocksize: 0 } },
  { name: "blosc zlib 3 noshuf", config: { id: "blosc", cname: "zlib", clevel: 3, shuffle: 0, blocksize: 0 } },
  { name: "blosc zstd 5 bitshuf", config: { id: "blosc", cname: "zstd", clevel: 5, shuffle: 2, blocksize: 0 } },
];

const RUNS = 5;
/** Stop repeating an operation once it has taken this long (slow codecs still get one run). */
const BUDGET_S = 8;

/** A realistic int16 signal: smooth waves plus low-bit noise, little-endian bytes. */
function signal(bytes: number): Uint8Array {
  const a = new Int16Array(bytes / 2);
  let x = 2463534242;
  for (let i = 0; i < a.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = Math.round(3000 * Math.sin(i / 500) + 400 * Math.sin(i / 37)) + ((x >>> 0) & 15);
  }
  return new Uint8Array(a.buffer);
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median seconds of `f` over up to RUNS runs within BUDGET_S. */
async function time(f: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  let spent = 0;
  while (runs.length < RUNS && (runs.length === 0 || spent < BUDGET_S)) {
    const t = performance.now();
    await f();
    const s = (performance.now() - t) / 1000;
    runs.push(s);
    spent += s;
  }
  return median(runs);
}

/** zarrflow figures for one codec; decode timing uses `toDecode` (numcodecs' bytes) when given. */
async function measureOurs(c: BenchCodec, data: Uint8Array, toDecode?: Uint8Array): Promise<{ enc: number; dec: number; size: number }> {
  const { id, ...configuration } = c.config;
  const factory = await loadCodec(locateCodec(String(id), 2));
  const codec = (await factory(configuration, { spec: { shape: [data.length / 2], dtype: { kind: "int", bits: 16, endian: "little" }, fillValue: 0 }, zarrFormat: 2 })) as BytesToBytesCodec;
  const encoded = await codec.encode(data); // warm-up, and the bytes to decode without numcodecs
  const input = toDecode ?? encoded;
  const out = new Uint8Array(data.length);
  for (const bytes of [encoded, input]) {
    out.fill(0);
    await codec.decode(bytes, out);
    if (!Buffer.from(out).equals(Buffer.from(data))) throw new Error(`${c.name}: round trip failed`);
  }
  return { enc: await time(() => codec.encode(data)), dec: await time(() => codec.decode(input, out)), size: encoded.length };
}

const PY = String.raw`
import json, sys, time, statistics, numcodecs, numpy as np
from numcodecs import blosc
blosc.use_threads = False  # single thread, like one zarrflow worker
blosc.set_nthreads(1)
# The same int16 array zarrflow encodes (its itemsize sets blosc's typesize).
data = np.frombuffer(open(sys.argv[1], "rb").read(), dtype="<i2")
configs = json.load(open(sys.argv[2]))
RUNS, BUDGET = int(sys.argv[3]), float(sys.argv[4])
def timed(f):
    runs, spent = [], 0.0
    while len(runs) < RUNS and (not runs or spent < BUDGET):
        t = time.perf_counter(); f(); s = time.perf_counter() - t
        runs.append(s); spent += s
    return statistics.median(runs)
res = []
for i, cfg in enumerate(configs):
    try:
        codec = numcodecs.get_codec(dict(cfg))
    except Exception as e:
        res.append({"error": str(e)}); continue
    enc = codec.encode(data)
    open("%s.%d" % (sys.argv[1], i), "wb").write(enc)
    out = bytearray(data.nbytes)
    try:
        codec.decode(enc, out=out); dec = lambda: codec.decode(enc, out=out)
    except Exception:
        dec = lambda: codec.decode(enc)
    res.append({"enc": timed(lambda: codec.encode(data)), "dec": timed(dec), "size": len(memoryview(enc).cast("B"))})
print(json.dumps(res))
`;

/** numcodecs figures (and encoded bytes) for all codecs, in one Python process. */
type Theirs = { enc: number; dec: number; size: number; encoded: Uint8Array } | { error: string };

function measureNumcodecs(codecs: BenchCodec[], data: Uint8Array): Theirs[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-bench-"));
  const dataFile = path.join(dir, "data.bin");
  try {
    fs.writeFileSync(dataFile, data);
    fs.writeFileSync(path.join(dir, "configs.json"), JSON.stringify(codecs.map((c) => c.config)));
    const stdout = execFileSync(process.env.PYTHON ?? "/usr/bin/python3", ["-c", PY, dataFile, path.join(dir, "configs.json"), String(RUNS), String(BUDGET_S)], {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    });
    const results = JSON.parse(stdout) as ({ enc: number; dec: number; size: number } | { error: string })[];
    return results.map((r, i) => ("error" in r ? r : { ...r, encoded: new Uint8Array(fs.readFileSync(`${dataFile}.${i}`)) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const mib = Number(arg("mib") ?? 16);
  const only = arg("only")?.split(",");
  const codecs = only ? CODECS.filter((c) => only.some((o) => c.name.startsWith(o))) : CODECS;
  const data = signal(mib * 1024 * 1024);
  const mb = data.length / 1e6;
  const theirs = measureNumcodecs(codecs, data);
  const rate = (s: number) => (mb / s).toFixed(s > 0 && mb / s < 10 ? 1 : 0);
  console.log(`${mib} MiB int16 signal, single thread, MB/s (median of ≤${RUNS}); node ${process.version}, ${os.cpus()[0]?.model ?? "?"}\n`);
  console.log("| codec | size % (zarrflow / numcodecs) | encode zarrflow | encode numcodecs | decode zarrflow | decode numcodecs |");
  console.log("|---|---|---|---|---|---|");
  for (let i = 0; i < codecs.length; i++) {
    const c = codecs[i];
    const t = theirs[i];
    const ours = await measureOurs(c, data, "error" in t ? undefined : t.encoded);
    const pct = (n: number) => ((100 * n) / data.length).toFixed(1);
    if ("error" in t) {
      console.log(`| ${c.name} | ${pct(ours.size)} / – | ${rate(ours.enc)} | n/a (${t.error.slice(0, 40)}) | ${rate(ours.dec)} | n/a |`);
    } else {
      console.log(`| ${c.name} | ${pct(ours.size)} / ${pct(t.size)} | ${rate(ours.enc)} | ${rate(t.enc)} | ${rate(ours.dec)} | ${rate(t.dec)} |`);
    }
  }
}

await main();
