/**
 * Blosc throughput, single thread: zarrflow vs numcodecs.Blosc (c-blosc, threads off) on the
 * same bytes — typical int16 sensor data, byte shuffle, clevel 5, 1 MiB chunks.
 * Not run in CI. Usage: `node --import tsx bench/blosc.ts [MiB=32]`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decodeFrame, encodeFrame } from "../src/codecs/blosc/container.js";
import { blockCodec, type Cname } from "../src/codecs/blosc/cnames.js";

const PY = process.env.PYTHON ?? "/usr/bin/python3";
const CNAMES: Cname[] = ["blosclz", "lz4", "zstd", "zlib"];
const CHUNK = 1 << 20;
const TOTAL = Number(process.argv[2] ?? 32) * CHUNK;
const CLEVEL = 5;

/** int16 samples: a slow wave, a faster ripple and a few bits of noise. */
function int16Data(bytes: number): Uint8Array {
  const a = new Int16Array(bytes / 2);
  let s = 1;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = Math.round(8000 * Math.sin(i / 5000) + 300 * Math.sin(i / 37)) + ((s >>> 24) & 15);
  }
  return new Uint8Array(a.buffer);
}

/** Run `fn` over all chunks repeatedly for at least `minMs`; returns MB/s of uncompressed bytes. */
function rate(fn: () => void, bytes: number, minMs = 1500): number {
  fn(); // warm up
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < minMs) {
    fn();
    reps++;
    t = performance.now();
  }
  return (bytes * reps) / ((t - t0) / 1000) / 1e6;
}

const PY_SCRIPT = String.raw`
import json, sys, time
import numpy as np
import numcodecs.blosc as nb
from numcodecs import Blosc
nb.use_threads = False
nb.set_nthreads(1)
raw = open(sys.argv[1], "rb").read()
chunk, clevel = int(sys.argv[2]), int(sys.argv[3])
arrs = [np.frombuffer(raw[i:i + chunk], dtype="<i2") for i in range(0, len(raw), chunk)]
def rate(fn, min_s=1.5):
    fn()
    reps, t0 = 0, time.perf_counter()
    t = t0
    while t - t0 < min_s:
        fn(); reps += 1; t = time.perf_counter()
    return len(raw) * reps / (t - t0) / 1e6
out = {}
for cname in sys.argv[4].split(","):
    codec = Blosc(cname=cname, clevel=clevel, shuffle=Blosc.SHUFFLE)
    frames = [codec.encode(a) for a in arrs]
    for i, f in enumerate(frames):
        open("%s.%s.%d" % (sys.argv[1], cname, i), "wb").write(f)
    out[cname] = {
        "enc": rate(lambda: [codec.encode(a) for a in arrs]),
        "dec": rate(lambda: [codec.decode(f) for f in frames]),
        "ratio": len(raw) / sum(len(f) for f in frames),
    }
print(json.dumps(out))
`;

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-bench-blosc-"));
  try {
    const raw = int16Data(TOTAL);
    const file = path.join(dir, "data.bin");
    fs.writeFileSync(file, raw);
    const p = spawnSync(PY, ["-c", PY_SCRIPT, file, String(CHUNK), String(CLEVEL), CNAMES.join(",")], { encoding: "utf8", maxBuffer: 1 << 20 });
    if (p.status !== 0) throw new Error(`python failed:\n${p.stderr}`);
    const nc = JSON.parse(p.stdout) as Record<string, { enc: number; dec: number; ratio: number }>;

    const chunks: Uint8Array[] = [];
    for (let i = 0; i < raw.length; i += CHUNK) chunks.push(raw.subarray(i, i + CHUNK));
    const rows: string[][] = [];
    for (const cname of CNAMES) {
      const opts = { codec: blockCodec(cname), clevel: CLEVEL, shuffle: 1 as const, typesize: 2, blocksize: 0 };
      const ours = chunks.map((c) => encodeFrame(c, opts));
      const theirs = chunks.map((_, i) => new Uint8Array(fs.readFileSync(`${file}.${cname}.${i}`)));
      const outs = chunks.map((c) => new Uint8Array(c.length));
      for (const [i, f] of theirs.entries()) {
        if (Buffer.compare(decodeFrame(f, outs[i]), chunks[i]) !== 0) throw new Error(`${cname}: wrong decode`);
      }
      const enc = rate(() => { for (const c of chunks) encodeFrame(c, opts); }, raw.length);
      const decTheirs = rate(() => { theirs.forEach((f, i) => decodeFrame(f, outs[i])); }, raw.length);
      const decOurs = rate(() => { ours.forEach((f, i) => decodeFrame(f, outs[i])); }, raw.length);
      const ratio = raw.length / ours.reduce((s, f) => s + f.length, 0);
      rows.push([cname, ratio.toFixed(2), nc[cname].ratio.toFixed(2), enc.toFixed(0), nc[cname].enc.toFixed(0), decTheirs.toFixed(0), decOurs.toFixed(0), nc[cname].dec.toFixed(0)]);
    }
    const head = ["cname", "ratio zf", "ratio nc", "enc zf", "enc nc", "dec zf (nc frames)", "dec zf (zf frames)", "dec nc"];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join("  ");
    console.log(`int16, byte shuffle, clevel ${CLEVEL}, ${CHUNK >> 20} MiB chunks, ${TOTAL >> 20} MiB total; MB/s of uncompressed data, 1 thread`);
    console.log(line(head));
    for (const r of rows) console.log(line(r));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
