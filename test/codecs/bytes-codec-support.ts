/**
 * Test support for the bytes-to-bytes codec tests: data patterns, codec construction, and
 * one batched /usr/bin/python3 run (numcodecs 0.11 and friends) per test file.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CodecError } from "../../src/format/errors.js";
import type { BytesToBytesCodec, CodecFactory } from "../../src/codecs/types.js";

/**
 * A Python job: numcodecs encode/decode of `input` with `codec` (numcodecs JSON), or `eval` of
 * an expression over `data` (modules gzip bz2 lzma zlib base64 struct numcodecs crc32c and
 * `fletcher32_ref` are in scope).
 */
export type PyJob =
  | { kind: "encode" | "decode"; codec: Record<string, unknown>; input: Uint8Array }
  | { kind: "eval"; expr: string; input: Uint8Array };

/** Outcome of a job: bytes, or the Python exception text. */
export type PyResult = { ok: true; bytes: Uint8Array } | { ok: false; error: string };

const PY_SCRIPT = String.raw`
import json, sys, os, gzip, bz2, lzma, zlib, base64, struct, traceback
import numcodecs, numcodecs.registry
try:
    import crc32c
except ImportError:
    crc32c = None
def fletcher32_ref(data):
    # HDF5 H5_checksum_fletcher32 (numcodecs >= 0.12 Fletcher32), with C's uint32 arithmetic.
    s1 = s2 = 0
    i, n = 0, len(data) // 2
    while n:
        t = min(n, 360)
        n -= t
        for _ in range(t):
            s1 = (s1 + ((data[i] << 8) | data[i + 1])) & 0xffffffff
            s2 = (s2 + s1) & 0xffffffff
            i += 2
        s1 = (s1 & 0xffff) + (s1 >> 16)
        s2 = (s2 & 0xffff) + (s2 >> 16)
    if len(data) % 2:
        s1 = (s1 + (data[i] << 8)) & 0xffffffff
        s2 = (s2 + s1) & 0xffffffff
        s1 = (s1 & 0xffff) + (s1 >> 16)
        s2 = (s2 & 0xffff) + (s2 >> 16)
    s1 = (s1 & 0xffff) + (s1 >> 16)
    s2 = (s2 & 0xffff) + (s2 >> 16)
    return (s2 << 16) | s1
d = sys.argv[1]
jobs = json.load(open(os.path.join(d, "jobs.json")))
results = []
for i, job in enumerate(jobs):
    data = open(os.path.join(d, "in_%d.bin" % i), "rb").read()
    try:
        if job["kind"] == "eval":
            out = eval(job["expr"])
        else:
            codec = numcodecs.get_codec(dict(job["codec"]))
            out = codec.encode(data) if job["kind"] == "encode" else codec.decode(data)
        out = memoryview(out).cast("B").tobytes()
        open(os.path.join(d, "out_%d.bin" % i), "wb").write(out)
        results.append({"ok": True})
    except Exception as e:
        results.append({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
json.dump(results, open(os.path.join(d, "results.json"), "w"))
`;

/** Run every job in one Python process. Fails loudly when Python or numcodecs is missing. */
export function runPython(jobs: PyJob[]): PyResult[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-codecs-"));
  try {
    jobs.forEach((j, i) => fs.writeFileSync(path.join(dir, `in_${i}.bin`), j.input));
    fs.writeFileSync(path.join(dir, "jobs.json"), JSON.stringify(jobs.map((j) => (j.kind === "eval" ? { kind: j.kind, expr: j.expr } : { kind: j.kind, codec: j.codec }))));
    execFileSync(process.env.PYTHON ?? "/usr/bin/python3", ["-c", PY_SCRIPT, dir], { stdio: ["ignore", "inherit", "inherit"] });
    const results = JSON.parse(fs.readFileSync(path.join(dir, "results.json"), "utf8")) as { ok: boolean; error?: string }[];
    return results.map((r, i) => (r.ok ? { ok: true, bytes: new Uint8Array(fs.readFileSync(path.join(dir, `out_${i}.bin`))) } : { ok: false, error: r.error ?? "?" }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes of a successful job, or an assertion-style failure naming the Python error. */
export function pyBytes(r: PyResult | undefined): Uint8Array {
  if (!r) throw new Error("missing Python result");
  if (!r.ok) throw new Error(`Python job failed: ${r.error}`);
  return r.bytes;
}

/** Deterministic pseudo-random bytes (xorshift32), incompressible. */
export function randomBytes(n: number, seed = 12345): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A smooth int16 signal with a little noise, as little-endian bytes (compressible like real data). */
export function signalBytes(n: number): Uint8Array {
  const a = new Int16Array(Math.ceil(n / 2));
  const noise = randomBytes(a.length, 99);
  for (let i = 0; i < a.length; i++) a[i] = Math.round(3000 * Math.sin(i / 200) + 500 * Math.sin(i / 13)) + (noise[i] & 7);
  return new Uint8Array(a.buffer, 0, n);
}

/** The standard data patterns: empty, 1 byte, text, odd-length, compressible signal, zeros, random. */
export function patterns(largeSize = 1 << 20): { name: string; data: Uint8Array }[] {
  return [
    { name: "empty", data: new Uint8Array(0) },
    { name: "one byte", data: new Uint8Array([0x5a]) },
    { name: "text", data: new TextEncoder().encode("zarrflow ".repeat(50)) },
    { name: "odd length", data: signalBytes(1001) },
    { name: "large signal", data: signalBytes(largeSize) },
    { name: "zeros", data: new Uint8Array(100_000) },
    { name: "random", data: randomBytes(65_537) },
  ];
}

/** Build a bytes-to-bytes codec from a factory (v2 unless told otherwise). */
export async function makeCodec(factory: CodecFactory, configuration: Record<string, unknown> = {}, zarrFormat: 2 | 3 = 2): Promise<BytesToBytesCodec> {
  const c = await factory(configuration, { spec: { shape: [1], dtype: { kind: "uint", bits: 8, endian: "little" }, fillValue: 0 }, zarrFormat, key: "test/array" });
  if (c.kind !== "bytes-to-bytes") throw new Error(`expected a bytes-to-bytes codec, got ${c.kind}`);
  return c;
}

/** A predicate for assert.rejects/throws: a CodecError naming `codec` whose message matches `re` (when given). */
export function codecError(codec: string, re?: RegExp): (e: unknown) => boolean {
  return (e) => {
    if (!(e instanceof CodecError)) throw new Error(`expected CodecError, got ${String(e)}`);
    if (e.codec !== codec) throw new Error(`expected codec ${codec}, got ${e.codec}: ${e.message}`);
    if (re && !re.test(e.message)) throw new Error(`message ${JSON.stringify(e.message)} does not match ${re}`);
    return true;
  };
}

/** Compare bytes with a readable failure (deepStrictEqual on large arrays is slow and unreadable). */
export function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  if (!Buffer.from(actual.buffer, actual.byteOffset, actual.length).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.length))) {
    const i = actual.findIndex((v, k) => v !== expected[k]);
    throw new Error(`${what}: differs at byte ${i} (${actual[i]} vs ${expected[i]})`);
  }
}

/** One numcodecs configuration (with `id`) exercised on a set of data patterns. */
export interface InteropCase {
  factory: CodecFactory;
  /** numcodecs JSON, `id` included (the factory receives it minus `id`). */
  config: Record<string, unknown>;
  data: { name: string; data: Uint8Array }[];
  /** Patterns numcodecs itself cannot decode (e.g. numcodecs 0.11 LZ4 refuses empty data). */
  numcodecsCannotDecode?: (name: string) => boolean;
  /** When true, our encoding must equal numcodecs' byte for byte (checksums, base64). */
  identical?: boolean;
}

/**
 * Jobs and checks for interop both ways: numcodecs encodes → we decode exactly (with and
 * without `out`); we encode → numcodecs decodes exactly; plus our own round trip.
 */
export async function interopPlan(cases: InteropCase[]): Promise<{ jobs: PyJob[]; verify(results: PyResult[]): Promise<number> }> {
  const jobs: PyJob[] = [];
  const checks: ((results: PyResult[]) => Promise<void>)[] = [];
  for (const c of cases) {
    const { id, ...configuration } = c.config;
    const codec = await makeCodec(c.factory, configuration);
    for (const { name, data } of c.data) {
      const what = `${String(id)} ${JSON.stringify(configuration)} ${name}`;
      const ours = await codec.encode(data);
      const encJob = jobs.push({ kind: "encode", codec: c.config, input: data }) - 1;
      const decJob = jobs.push({ kind: "decode", codec: c.config, input: ours }) - 1;
      checks.push(async (results) => {
        sameBytes(await codec.decode(ours), data, `${what}: our round trip`);
        const out = new Uint8Array(data.length);
        const back = await codec.decode(ours, out);
        if (back !== out) throw new Error(`${what}: decode(out) did not return out`);
        sameBytes(out, data, `${what}: round trip into out`);
        const theirs = pyBytes(results[encJob]);
        sameBytes(await codec.decode(theirs), data, `${what}: numcodecs encoded, we decoded`);
        sameBytes(await codec.decode(theirs, new Uint8Array(data.length)), data, `${what}: numcodecs encoded, we decoded into out`);
        if (c.identical) sameBytes(ours, theirs, `${what}: encoding identical to numcodecs`);
        if (c.numcodecsCannotDecode?.(name)) {
          if (results[decJob].ok) throw new Error(`${what}: numcodecs was expected to refuse this`);
        } else {
          sameBytes(pyBytes(results[decJob]), data, `${what}: we encoded, numcodecs decoded`);
        }
      });
    }
  }
  return {
    jobs,
    async verify(results) {
      for (const check of checks) await check(results);
      return checks.length;
    },
  };
}
