/**
 * Single-thread throughput of the array-stage codecs (filters and object codecs), zarrflow
 * beside numcodecs on the same data. Not run in CI:
 *
 *   node --import tsx bench/array-codecs.ts [--n 4000000]
 *
 * Fixed-size rows report MB/s of decoded array bytes; object rows (strings, lists) report
 * millions of items per second. Medians of 5 runs; numcodecs timed in one /usr/bin/python3.
 * @module
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadCodec, locateCodec } from "../src/codecs/registry.js";
import type { Codec, NDArray } from "../src/codecs/types.js";
import { parseV2DataType, type DataValues } from "../src/format/dtype.js";

const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
const arg = (name: string) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : undefined; };
const N = Number(arg("n") ?? 4_000_000);

interface Row { name: string; config: Record<string, unknown>; dtype: string; objects?: boolean }
const ROWS: Row[] = [
  { name: "delta <i4", config: { id: "delta", dtype: "<i4" }, dtype: "<i4" },
  { name: "fixedscaleoffset f8→i4", config: { id: "fixedscaleoffset", offset: 1000, scale: 10, dtype: "<f8", astype: "<i4" }, dtype: "<f8" },
  { name: "quantize f8 (3 digits)", config: { id: "quantize", digits: 3, dtype: "<f8" }, dtype: "<f8" },
  { name: "bitround f4 (10 bits)", config: { id: "bitround", keepbits: 10 }, dtype: "<f4" },
  { name: "astype f8→f4", config: { id: "astype", encode_dtype: "<f4", decode_dtype: "<f8" }, dtype: "<f8" },
  { name: "packbits bool", config: { id: "packbits" }, dtype: "|b1" },
  { name: "vlen-utf8", config: { id: "vlen-utf8" }, dtype: "|O", objects: true },
  { name: "vlen-bytes", config: { id: "vlen-bytes" }, dtype: "|O", objects: true },
  { name: "json2", config: { id: "json2" }, dtype: "|O", objects: true },
  { name: "msgpack2", config: { id: "msgpack2" }, dtype: "|O", objects: true },
  { name: "categorize U→u1", config: { id: "categorize", labels: ["a", "héllo", "zarr", "日本語"], dtype: "<U5", astype: "|u1" }, dtype: "<U5" },
];

const WORDS = ["a", "héllo", "zarr", "日本語", "x"];
function makeData(row: Row, n: number): DataValues {
  const dt = parseV2DataType(row.dtype);
  if (row.objects) {
    const strs = Array.from({ length: n }, (_, i) => WORDS[i % 5] + (i % 97));
    return row.config.id === "vlen-bytes" ? strs.map((s) => new TextEncoder().encode(s)) : strs;
  }
  if (dt.kind === "fixed-unicode") {
    const u = new Uint32Array(n * dt.length);
    for (let i = 0; i < n; i++) [...WORDS[i % 5]].forEach((c, k) => { u[i * dt.length + k] = c.codePointAt(0)!; });
    return u;
  }
  if (dt.kind === "bool") return Uint8Array.from({ length: n }, (_, i) => ((i * 2654435761) >>> 31) & 1);
  if (dt.kind === "int") return Int32Array.from({ length: n }, (_, i) => 1000 + i * 3 + (i % 7));
  const f = dt.kind === "float" && dt.bits === 32 ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) f[i] = 1000 + 500 * Math.sin(i / 1000) + (i % 13) * 0.001;
  return f;
}

async function timeIt(f: () => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) { const t = performance.now(); await f(); runs.push((performance.now() - t) / 1000); }
  return runs.sort((a, b) => a - b)[2];
}

const PY = String.raw`
import json, sys, time, statistics, numpy as np, numcodecs
rows = json.load(open(sys.argv[1])); d = sys.argv[2]; out = []
for i, r in enumerate(rows):
    codec = numcodecs.get_codec(dict(r["config"]))
    if r.get("objects"):
        items = json.load(open(f"{d}/{i}.json"))
        a = np.empty(len(items), dtype=object)
        a[:] = [s.encode() for s in items] if r["config"]["id"] == "vlen-bytes" else items
    else:
        a = np.frombuffer(open(f"{d}/{i}.bin", "rb").read(), dtype=r["dtype"]).copy()
    def t(f):
        xs = []
        for _ in range(5):
            s = time.perf_counter(); f(); xs.append(time.perf_counter() - s)
        return statistics.median(xs)
    enc = codec.encode(a)
    out.append({"enc": t(lambda: codec.encode(a)), "dec": t(lambda: codec.decode(enc))})
print(json.dumps(out))
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "zarrflow-bench-"));
  const datas = ROWS.map((r) => makeData(r, r.objects ? Math.min(N, 1_000_000) : N));
  datas.forEach((d, i) => {
    if (Array.isArray(d)) writeFileSync(join(dir, `${i}.json`), JSON.stringify(ROWS[i].config.id === "vlen-bytes" ? (d as Uint8Array[]).map((b) => new TextDecoder().decode(b)) : d));
    else writeFileSync(join(dir, `${i}.bin`), new Uint8Array((d as Uint8Array).buffer));
  });
  writeFileSync(join(dir, "rows.json"), JSON.stringify(ROWS));
  const theirs = JSON.parse(execFileSync(PYTHON, ["-c", PY, join(dir, "rows.json"), dir], { encoding: "utf8", maxBuffer: 1 << 26 })) as { enc: number; dec: number }[];
  console.log(`array-stage codecs, single thread; fixed-size rows in MB/s of decoded bytes (${N} elements), object rows in M items/s (${Math.min(N, 1_000_000)} items); node ${process.version}\n`);
  console.log("| codec | encode zarrflow | encode numcodecs | decode zarrflow | decode numcodecs |");
  console.log("|---|---|---|---|---|");
  for (const [i, row] of ROWS.entries()) {
    const dtype = row.objects ? (row.config.id === "vlen-bytes" ? { kind: "bytes" as const } : { kind: "string" as const }) : parseV2DataType(row.dtype);
    const { id, ...conf } = row.config;
    const data = datas[i];
    const n = Array.isArray(data) ? data.length : N;
    const spec = { shape: [n], dtype, fillValue: 0 };
    const codec = (await (await loadCodec(locateCodec(String(id), 2)))(conf, { spec, zarrFormat: 2 })) as Codec;
    const a: NDArray = { data, shape: [n], dtype };
    let encoded: unknown;
    const enc = await timeIt(async () => { encoded = codec.kind === "bytes-to-bytes" ? undefined : await codec.encode(a); });
    const dec = await timeIt(async () => {
      if (codec.kind === "array-to-array") await codec.decode(encoded as NDArray, spec);
      else if (codec.kind === "array-to-bytes") await codec.decode(encoded as Uint8Array, spec);
    });
    const size = Array.isArray(data) ? n / 1e6 : (data as Uint8Array).byteLength / 1e6;
    const f = (s: number) => (size / s).toFixed(size / s < 10 ? 2 : 0);
    console.log(`| ${row.name} | ${f(enc)} | ${f(theirs[i].enc)} | ${f(dec)} | ${f(theirs[i].dec)} |`);
  }
}

await main();
