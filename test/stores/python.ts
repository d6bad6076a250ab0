/** Run zarr-python / zipfile snippets for interop tests (never skipped: a missing interpreter fails). */
import { execFileSync } from "node:child_process";

/** The interpreter with zarr 2.13 and numcodecs 0.11 (Debian packages). */
export const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";

/** Run `script` with `args` (sys.argv[1:]) and return its stdout; throws with stderr on failure. */
export function py(script: string, ...args: string[]): string {
  try {
    return execFileSync(PYTHON, ["-c", script, ...args], { encoding: "utf8", maxBuffer: 256 << 20, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${PYTHON} failed: ${err.stderr || err.message}`);
  }
}

/** Run `script` and parse its stdout as JSON. */
export function pyJson<T = unknown>(script: string, ...args: string[]): T {
  return JSON.parse(py(script, ...args)) as T;
}
