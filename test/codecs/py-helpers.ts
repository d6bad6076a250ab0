/**
 * Test helpers for the array-stage codec tests: run a Python script under the Debian python
 * (numcodecs 0.11), and move numpy bytes in and out of NDArrays.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { bytesOf, layoutOf, parseV2DataType, viewAs, type DataType } from "../../src/format/dtype.js";
import { storedEndian } from "../../src/codecs/elementwise.js";
import { swapInPlace } from "../../src/format/ndarray.js";
import type { ChunkSpec, CodecContext, NDArray } from "../../src/codecs/types.js";

export const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";

/** Run `script` (given a fresh temp dir as argv[1]) and parse its stdout as JSON. Fails loudly when numcodecs is missing. */
export function runPython<T = unknown>(script: string): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zarrflow-codecs-"));
  try {
    const file = path.join(dir, "gen.py");
    fs.writeFileSync(file, "import numcodecs, numpy as np, json, base64, warnings\nwarnings.simplefilter('ignore')\n" + script);
    const out = execFileSync(PYTHON, [file, dir], { maxBuffer: 1 << 28, encoding: "utf8" });
    return JSON.parse(out) as T;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Python helper text: b64(bytes) and dump(obj). */
export const PY_PRELUDE = `
def b64(b): return base64.b64encode(bytes(b)).decode()
def dump(o): print(json.dumps(o))
`;

export const b64 = (b: Uint8Array): string => Buffer.from(b).toString("base64");
export const unb64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "base64"));

/** numpy `tobytes()` (stored byte order of the typestr) → NDArray in native order. */
export function fromNumpy(typestr: string, data: string | Uint8Array, shape?: number[]): NDArray {
  const dtype = parseV2DataType(typestr);
  const b = (typeof data === "string" ? unb64(data) : data).slice();
  if (storedEndian(dtype) === "big") swapInPlace(b, layoutOf(dtype).unitBytes);
  const values = viewAs(dtype, b);
  const size = b.length / (layoutOf(dtype).unitBytes * layoutOf(dtype).units || 1);
  return { data: values, shape: shape ?? [size], dtype };
}

/** NDArray → numpy `tobytes()` in the dtype's stored byte order. */
export function toNumpy(a: { data: NDArray["data"]; dtype: DataType }): Uint8Array {
  const b = bytesOf(a.data).slice();
  if (storedEndian(a.dtype) === "big") swapInPlace(b, layoutOf(a.dtype).unitBytes);
  return b;
}

/** A codec context for a chunk of `dtype` and `shape`. */
export function ctx(dtype: DataType | string, shape: number[], zarrFormat: 2 | 3 = 2, fillValue: unknown = 0): CodecContext {
  const spec: ChunkSpec = { shape, dtype: typeof dtype === "string" ? parseV2DataType(dtype) : dtype, fillValue };
  return { spec, zarrFormat, key: "test/.zarray" };
}
