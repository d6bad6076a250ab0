/**
 * The machine and software versions a benchmark ran on, for the report.
 * @module
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** What the report's machine line says. */
export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  /** Python-side versions (python, numpy, zarr, numcodecs, c-blosc, dask, h5py); null when missing. */
  python: Record<string, string | null>;
  /** Node-side package versions (zarrita, @zarrita/storage, piscina). */
  packages: Record<string, string>;
  /** git commit of the tree measured, "+dirty" when it has local changes. */
  commit: string;
  date: string;
}

const PY_VERSIONS = String.raw`
import json, sys
sys.path.insert(0, sys.argv[1])
from peer_common import versions
v = versions()
try:
    from numcodecs import blosc
    v["c-blosc"] = blosc.VERSION_STRING
except Exception:
    v["c-blosc"] = None
print(json.dumps(v))
`;

function packageVersion(repo: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(repo, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "missing";
  }
}

function gitCommit(repo: string): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repo, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/RESULTS.md"], { cwd: repo, encoding: "utf8" }).trim() !== "";
    return dirty ? `${head}+dirty` : head;
  } catch {
    return "unknown";
  }
}

/** Collect the machine facts (runs the Python interpreter once). */
export function machine(repo: string, python: string): Machine {
  let py: Record<string, string | null> = {};
  try {
    py = JSON.parse(execFileSync(python, ["-c", PY_VERSIONS, path.join(repo, "bench", "peers")], { encoding: "utf8" })) as Record<string, string | null>;
  } catch (e) {
    py = { python: `unavailable (${(e as Error).message.split("\n")[0]})` };
  }
  return {
    cpu: os.cpus()[0]?.model ?? "unknown", cores: os.availableParallelism(), ramGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version, python: py,
    packages: Object.fromEntries(["zarrita", "@zarrita/storage", "piscina"].map((n) => [n, packageVersion(repo, n)])),
    commit: gitCommit(repo), date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
  };
}

/** One markdown line describing `m`. */
export function machineLine(m: Machine): string {
  const py = Object.entries(m.python).map(([k, v]) => `${k} ${v ?? "missing"}`).join(", ");
  const pk = Object.entries(m.packages).map(([k, v]) => `${k} ${v}`).join(", ");
  return `${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM; Node ${m.node}, ${pk}; ${py}; zarrflow ${m.commit}; ${m.date}.`;
}
