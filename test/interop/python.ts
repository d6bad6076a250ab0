/**
 * Test helper: run the Debian Python peers (zarr-python 2, numcodecs 0.11). Fails loudly when
 * they are missing — interop is the point of these tests.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";

/** Directory holding the python helper scripts (the source tree's test/interop). */
export const SCRIPTS = fileURLToPath(new URL("../../../test/interop/", import.meta.url)).replace(/\/dist\/test\/interop\/\.\.\/\.\.\/\.\.\/test\//, "/test/");

/** Path of a script in test/interop, whether running from dist/ or from sources. */
export function script(name: string): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const src = here.includes("/dist/") ? here.replace(/\/dist\/test\/interop\/?$/, "/test/interop/") : here;
  return join(src, name);
}

/** Run python with args; returns stdout. */
export function python(args: string[], input?: string): string {
  return execFileSync(PYTHON, args, { encoding: "utf8", input, maxBuffer: 256 * 2 ** 20, stdio: ["pipe", "pipe", "inherit"] });
}

/** A fresh temp dir. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `zarrflow-${prefix}-`));
}
