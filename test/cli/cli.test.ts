/**
 * CLI round trips through numpy: import → export byte-exact, convert v2↔v3 (dir and zip),
 * info/tree, and peak memory on an array much larger than one chunk.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { python, tempDir, PYTHON } from "../interop/python.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = here.includes("/dist/") ? here.replace(/\/dist\/test\/cli\/?$/, "") : join(here, "..", "..");
const CLI = join(root, "dist", "src", "cli", "main.js");
const RSS = join(root, "test", "cli", "rss-report.mjs");

function zarrflow(...args: string[]): { stdout: string; stderr: string; maxRssKiB: number } {
  const r = spawnSync(process.execPath, ["--import", RSS, CLI, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`zarrflow ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  const m = /MAXRSS_KIB=(\d+)/.exec(r.stderr);
  return { stdout: r.stdout, stderr: r.stderr, maxRssKiB: m ? Number(m[1]) : NaN };
}

let dir = "";
before(() => {
  assert.ok(existsSync(CLI), `build first: ${CLI}`);
  dir = tempDir("cli");
  python(["-c", `
import numpy as np, sys
d = sys.argv[1]
rng = np.random.default_rng(1)
np.save(d + "/i2.npy", rng.integers(-30000, 30000, (200, 30, 4)).astype("<i2"))
f = rng.standard_normal((64, 33)); f[0, 0] = np.nan; f[1, 1] = -0.0
np.save(d + "/f8.npy", f)
np.save(d + "/be.npy", np.arange(100, dtype=">u4").reshape(10, 10))
np.save(d + "/u.npy", np.array(["a", "héllo", "", "日本語"] * 5))
np.save(d + "/dt.npy", np.array(["2020-01-01", "NaT", "1970-01-01T00:00:01"] * 4, dtype="<M8[s]"))
np.save(d + "/fortran.npy", np.asfortranarray(np.arange(24, dtype="<i4").reshape(4, 6)))
`, dir]);
});

const same = (a: string, b: string) => assert.ok(readFileSync(a).equals(readFileSync(b)), `${a} != ${b}`);

test("import → export is byte-exact (v2 and v3, codecs, shards, F-order npy)", () => {
  const runs: [string, string[]][] = [
    ["i2", ["--zarr-format", "2", "--chunks", "64,7,4", "--codec", '{"id":"blosc","cname":"lz4","clevel":5,"shuffle":1}']],
    ["i2", ["--zarr-format", "3", "--chunks", "10,10,4", "--shards", "50,30,4", "--codec", '[{"name":"zstd","configuration":{"level":3}}]']],
    ["f8", ["--zarr-format", "2", "--chunks", "10,10", "--codec", '{"id":"zlib","level":1}']],
    ["f8", ["--zarr-format", "3", "--chunks", "16,16", "--codec", "[]"]],
    ["be", ["--zarr-format", "2", "--chunks", "3,3"]],
    ["u", ["--zarr-format", "3", "--chunks", "6"]],
    ["dt", ["--zarr-format", "2", "--chunks", "5"]],
    ["fortran", ["--zarr-format", "3", "--chunks", "3,4"]],
  ];
  runs.forEach(([name, opts], i) => {
    const loc = join(dir, `imp${i}.zarr`);
    zarrflow("import", join(dir, `${name}.npy`), loc, ...opts, "--quiet");
    zarrflow("export", loc, join(dir, `exp${i}.npy`), "--quiet");
    if (name === "fortran") {
      // numpy's C-order copy of the same values
      python(["-c", `import numpy as np,sys; np.save(sys.argv[2], np.ascontiguousarray(np.load(sys.argv[1])))`, join(dir, "fortran.npy"), join(dir, "fortran_c.npy")]);
      same(join(dir, `exp${i}.npy`), join(dir, "fortran_c.npy"));
    } else same(join(dir, `exp${i}.npy`), join(dir, `${name}.npy`));
  });
  // zarr-python reads the v2 import
  const out = python(["-c", `import zarr, numpy as np, sys; print(np.array_equal(zarr.open(sys.argv[1], mode="r")[...], np.load(sys.argv[2])))`, join(dir, "imp0.zarr"), join(dir, "i2.npy")]);
  assert.equal(out.trim(), "True");
});

test("convert v2 → v3 zip → v2 directory keeps values; info and tree describe it", () => {
  const v2 = join(dir, "conv_src.zarr");
  zarrflow("import", join(dir, "f8.npy"), `${v2}#grp/x`, "--zarr-format", "2", "--chunks", "10,10", "--quiet");
  zarrflow("convert", v2, join(dir, "conv.zip"), "--zarr-format", "3", "--chunks", "32,11", "--quiet");
  zarrflow("convert", `${join(dir, "conv.zip")}`, join(dir, "back.zarr"), "--zarr-format", "2", "--codec", '{"id":"zstd","level":1}', "--quiet");
  zarrflow("export", `${join(dir, "back.zarr")}#grp/x`, join(dir, "back.npy"), "--quiet");
  same(join(dir, "back.npy"), join(dir, "f8.npy"));
  const info = JSON.parse(zarrflow("info", `${join(dir, "conv.zip")}#grp/x`, "--json").stdout);
  assert.equal(info.zarr_format, 3);
  assert.deepEqual(info.chunks, [32, 11]);
  assert.deepEqual(info.shape, [64, 33]);
  const tree = zarrflow("tree", join(dir, "back.zarr")).stdout;
  assert.match(tree, /grp\//);
  assert.match(tree, /x float64 \(64, 33\) chunks \(32, 11\) v2/);
  const py = python(["-c", `import zarr, numpy as np, sys; print(np.array_equal(zarr.open(sys.argv[1], mode="r")["grp/x"][...], np.load(sys.argv[2]), equal_nan=True))`, join(dir, "back.zarr"), join(dir, "f8.npy")]);
  assert.equal(py.trim(), "True");
});

test("bad input: a clear error and a non-zero exit", () => {
  const r = spawnSync(process.execPath, [CLI, "info", join(dir, "nope.zarr")], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /zarrflow: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace for user errors");
});

test("streaming: export/import memory does not grow with the array (64 MiB vs 256 MiB, 2 MiB chunks)", () => {
  const rss: Record<number, { imp: number; exp: number }> = {};
  for (const rows of [512, 2048]) {
    const big = join(dir, `big${rows}.npy`);
    // float64 written through a memmap so Python does not hold it either
    python(["-c", `
import numpy as np, sys
n = int(sys.argv[2])
m = np.lib.format.open_memmap(sys.argv[1], mode="w+", dtype="<f8", shape=(n, 1024, 16))
for i in range(0, n, 256):
    m[i:i+256] = np.arange(i, i + 256, dtype="<f8")[:, None, None]
m.flush()
`, big, String(rows)]);
    const loc = join(dir, `big${rows}.zarr`);
    const imp = zarrflow("import", big, loc, "--zarr-format", "2", "--chunks", "16,1024,16", "--codec", '{"id":"zlib","level":1}', "--quiet");
    const exp = zarrflow("export", loc, join(dir, `big${rows}_out.npy`), "--quiet");
    same(join(dir, `big${rows}_out.npy`), big);
    // the same export with chunks decoded on two worker threads
    zarrflow("export", loc, join(dir, `big${rows}_par.npy`), "--workers", "2", "--quiet");
    same(join(dir, `big${rows}_par.npy`), big);
    rss[rows] = { imp: imp.maxRssKiB / 1024, exp: exp.maxRssKiB / 1024 };
  }
  process.stdout.write(`# peak RSS MiB: 64 MiB array import ${rss[512].imp.toFixed(0)} export ${rss[512].exp.toFixed(0)}; 256 MiB array import ${rss[2048].imp.toFixed(0)} export ${rss[2048].exp.toFixed(0)}\n`);
  for (const k of ["imp", "exp"] as const) {
    assert.ok(rss[2048][k] < 256, `${k}: peak RSS ${rss[2048][k].toFixed(0)} MiB is not below the 256 MiB array`);
    assert.ok(rss[2048][k] - rss[512][k] < 64, `${k}: peak RSS grew ${(rss[2048][k] - rss[512][k]).toFixed(0)} MiB with a 4x larger array`);
  }
});

void PYTHON;

test("http(s) locations: info and export read over HTTP with ranged requests", async () => {
  const { createServer } = await import("node:http");
  const { readFile } = await import("node:fs/promises");
  const { spawn } = await import("node:child_process");
  const rootDir = join(dir, "http_src.zarr");
  zarrflow("import", join(dir, "i2.npy"), `${rootDir}#arr`, "--zarr-format", "3", "--chunks", "50,30,4", "--shards", "100,30,4", "--quiet");
  const server = createServer(async (req, res) => {
    try {
      const body = await readFile(join(rootDir, decodeURIComponent(req.url!.split("?")[0])));
      const m = /bytes=(\d*)-(\d*)/.exec(req.headers.range ?? "");
      if (!m) { res.writeHead(200).end(body); return; }
      const start = m[1] === "" ? body.length - Number(m[2]) : Number(m[1]);
      const end = m[1] === "" || m[2] === "" ? body.length - 1 : Math.min(Number(m[2]), body.length - 1);
      res.writeHead(206, { "content-range": `bytes ${start}-${end}/${body.length}` }).end(body.subarray(start, end + 1));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const run = (...args: string[]) => new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args]);
    let out = "", err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}`))));
  });
  try {
    const info = JSON.parse(await run("info", `${url}/#arr`, "--json"));
    assert.deepEqual(info.shards, [100, 30, 4]);
    await run("export", `${url}/#arr`, join(dir, "http.npy"), "--quiet");
    same(join(dir, "http.npy"), join(dir, "i2.npy"));
  } finally {
    server.close();
  }
});

test("demo-data writes Ag1000G-shaped genotypes that zarr-python reads", () => {
  const out = join(dir, "demo");
  const r = zarrflow("demo-data", out, "--variants", "7000", "--samples", "20", "--seed", "3", "--formats", "zarr,zarr-lz4");
  assert.match(r.stdout, /7000 variants × 20 samples/);
  const py = python(["-c", `import zarr, numpy as np, sys
a = zarr.open(sys.argv[1], mode="r")["calldata/GT"][...]
b = zarr.open(sys.argv[2], mode="r")["calldata/GT"][...]
print(a.shape, a.dtype, bool((a == b).all()), sorted(set(np.unique(a).tolist())) <= [-1, 0, 1, 2, 3])`, join(out, "genotypes.zarr"), join(out, "genotypes-lz4.zarr")]);
  assert.equal(py.trim(), "(7000, 20, 2) int8 True True");
});
