/**
 * The compiled zarrflow the timed Node children run: `tsc -p bench/genomics/tsconfig.json`
 * compiles src/ and child-count.ts into bench/.data/dist-genomics (private, so the shared
 * dist/ that others rebuild or delete is never read mid-run; incremental, so a rebuild
 * after small edits takes seconds).
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

/** The build's root directory, and a note when tsc reported type errors (JS is emitted anyway). */
export interface Build {
  dir: string;
  command: string;
  note?: string;
}

/** Compile; throws when the child script or the CLI was not emitted. */
export function buildZarrflow(repo: string, log: (s: string) => void): Build {
  const config = path.join("bench", "genomics", "tsconfig.json");
  const dir = path.join(repo, "bench", ".data", "dist-genomics");
  const tsc = path.join(repo, "node_modules", "typescript", "bin", "tsc");
  const t = performance.now();
  const r = spawnSync(process.execPath, [tsc, "-p", config], { cwd: repo, encoding: "utf8" });
  log(`build: tsc -p ${config} (${((performance.now() - t) / 1000).toFixed(1)} s, exit ${r.status})`);
  const needed = [path.join(dir, "bench", "genomics", "child-count.js"), path.join(dir, "src", "cli", "main.js")];
  const missing = needed.filter((f) => !existsSync(f));
  if (r.error || missing.length) throw new Error(`tsc -p ${config} did not emit ${missing.join(", ") || "its output"}: ${(r.error?.message ?? r.stdout).slice(0, 600)}`);
  let note: string | undefined;
  if (r.status !== 0) {
    const files = [...new Set(r.stdout.split("\n").map((l) => /^([^(\s]+)\(\d+,\d+\): error/.exec(l)?.[1]).filter((f): f is string => !!f))];
    note = `tsc reported type errors in ${files.join(", ")} (emitted anyway; files being edited in the tree)`;
    log(`build: ${note}`);
  }
  return { dir, command: `npx tsc -p ${config}`, note };
}
