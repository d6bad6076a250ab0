/**
 * Finding a Chromium for the browser tests: Debian's `chromium` (or `chromium-browser`)
 * driven by puppeteer-core. Tests skip, saying why, when none is installed.
 * @module
 */
import { execFileSync } from "node:child_process";

/** Path of the Chromium executable (CHROMIUM_PATH first, then `which`), or undefined. */
export function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      const p = execFileSync("which", [name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
      if (p) return p;
    } catch { /* not on PATH */ }
  }
  return undefined;
}

/** Why the browser tests are skipped, or false when they can run. */
export function chromiumSkip(path: string | undefined): string | false {
  return path ? false : "chromium not found (install the Debian package: apt-get install -y chromium); the HTML profile is not checked in a real browser";
}

/** Launch arguments: as root Chromium refuses to start without --no-sandbox. */
export const CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-dev-shm-usage"];
