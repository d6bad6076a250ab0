/**
 * importHdf5 against h5py and zarr-python 2.13: the test run writes a scikit-allel /
 * Ag1000G-style file with h5py (3R/calldata/genotype int8 V×S×2 gzip-chunked with ragged
 * edges, POS int32 contiguous, REF/ALT `S1`, samples as fixed `S` and as h5py vlen str, bool,
 * float32 with NaN, big-endian float64, empty chunked datasets, a 0-d int64, uint64 beyond
 * 2^53, vlen ASCII bytes, complex, a packed record, opaque, float16, an enum, null-terminated
 * and space-padded strings with junk after the terminator, an all-empty string dataset, soft
 * and external links, attributes of every kind), imports it, then checks:
 * - zarr-python opens the Zarr and every array and attribute equals h5py's (bytes for
 *   fixed-size data, element and type for strings; chunks and compressors as documented);
 * - zarrflow's own reader gives the same bytes, strings and attributes;
 * - one dataset with a chunks override, and a subtree written as Zarr v3.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { get } from "../../src/array/access.js";
import { openArray, openGroup } from "../../src/array/node.js";
import { bytesOf, dtypeName, type DataValues } from "../../src/format/dtype.js";
import { parseJson, type JsonValue } from "../../src/format/json.js";
import { importHdf5, type ImportHdf5Summary } from "../../src/io/hdf5-import.js";
import { createPool, type ChunkPool } from "../../src/runtime/pool.js";
import { openFsStore } from "../../src/stores/fs.js";
import { createMemoryStore } from "../../src/stores/memory.js";


/** Python: an HDF5 attribute value as JSON-able Python (bytes decoded as UTF-8); None when it has no JSON form. */
const PY_NORM = `def norm(v):
    if isinstance(v, h5py.Empty):
        return None
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v).decode("utf-8", "replace")
    if isinstance(v, np.ndarray):
        if v.dtype.names:
            raise TypeError("compound")
        return [norm(x) for x in v] if v.ndim else norm(v[()])
    if isinstance(v, np.generic):
        return norm(v.item())
    return v
`;
const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
const hasPeers = spawnSync(PYTHON, ["-c", "import h5py, zarr, numcodecs"]).status === 0;
const skip = hasPeers ? false : `h5py / zarr-python are not installed for ${PYTHON}`;

/** Writes OUT/ag.h5 and, per dataset, the values h5py reads (OUT/expected.json, OUT/bin/*.bin). */
const GENERATE = String.raw`
import json, os, sys
import h5py, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(11)
V, S = 1000, 7
with h5py.File(os.path.join(out, "ag.h5"), "w") as f:
    a = f.attrs
    a["title"] = "Ag1000G-style test file \u00fc"
    a["version"] = np.int32(3)
    a["big"] = np.int64(2**62 + 1)
    a["u64"] = np.uint64(2**64 - 1)
    a["neg"] = np.int8(-5)
    a["ratio"] = 0.1
    a["two"] = 2.0
    a["f32"] = np.float32(0.1)
    a["nan"] = np.nan
    a["inf"] = -np.inf
    a["flag"] = True
    a["flags"] = np.array([True, False])
    a["contigs"] = ["2L", "3R"]
    a["raw"] = b"bytes \xc3\xa9"
    a["fixed"] = np.array([b"ab", b"c"], dtype="S2")
    a["latin"] = np.bytes_(b"caf\xe9")
    a["matrix"] = np.arange(6, dtype="<i2").reshape(2, 3)
    a["be"] = np.array([1.5, -2.0], dtype=">f8")
    a["empty"] = h5py.Empty("f4")
    a["one"] = np.array([7])
    a["none"] = np.zeros(0, dtype="<i4")
    a["record"] = np.zeros(2, dtype=[("x", "<i4")])
    g = f.create_group("3R")
    g.attrs["contig"] = "3R"
    gt = g.create_dataset("calldata/genotype", data=rng.integers(-1, 4, size=(V, S, 2), dtype="i1"), chunks=(300, 4, 2), compression="gzip", compression_opts=3)
    gt.attrs["Number"] = "2"
    gt.attrs["Description"] = "Genotype"
    g.create_dataset("calldata/GQ", data=rng.integers(0, 100, (V, S), dtype="<i2"), chunks=(256, 7), compression="gzip", shuffle=True)
    g.create_dataset("variants/POS", data=np.sort(rng.choice(50_000_000, V, replace=False)).astype("<i4"))
    bases = np.array([b"A", b"C", b"G", b"T"], dtype="S1")
    g.create_dataset("variants/REF", data=bases[rng.integers(0, 4, V)], chunks=(256,), compression="gzip")
    alt = bases[rng.integers(0, 4, (V, 3))]
    alt[rng.random((V, 3)) < 0.4] = b""
    g.create_dataset("variants/ALT", data=alt, chunks=(256, 3), compression="gzip")
    g.create_dataset("variants/FILTER_PASS", data=rng.random(V) < 0.8, chunks=(400,), compression="gzip")
    qd = rng.standard_normal(V).astype("<f4")
    qd[::97] = np.nan
    g.create_dataset("variants/QD", data=qd)
    g.create_dataset("variants/AF", data=rng.random((V, 3)).astype(">f8"), chunks=(128, 3), compression="gzip", shuffle=True)
    g.create_dataset("variants/ID", data=np.array(["." if i % 3 else "rs%d\u00e9" % i for i in range(V)], dtype=object), dtype=h5py.string_dtype(), chunks=(300,))
    g.create_dataset("samples", data=np.array([("AB%04d-C" % i).encode() for i in range(S)], dtype="S8"))
    f.create_dataset("samples", data=["s\u00e4mple_%d" % i for i in range(S)], dtype=h5py.string_dtype())
    big = f.create_dataset("3L/calldata/genotype", data=rng.integers(-1, 4, size=(20000, 20, 2), dtype="i1"), chunks=(4000, 20, 2), compression="gzip", compression_opts=1)
    e = f.create_group("2L")
    e.create_dataset("variants/POS", shape=(0,), dtype="<i4", chunks=(100,), maxshape=(None,))
    e.create_dataset("calldata/genotype", shape=(0, S, 2), dtype="i1", chunks=(100, S, 2), maxshape=(None, S, 2), compression="gzip")
    m = f.create_group("misc")
    m.create_dataset("scalar", data=np.int64(2**62 + 1))
    m.create_dataset("u64", data=np.array([2**64 - 1, 2**53 + 1, 0], dtype=">u8"), chunks=(2,))
    m.create_dataset("vbytes", data=np.array([b"x", b"", b"yz\xff"], dtype=object), dtype=h5py.string_dtype("ascii"))
    m.create_dataset("complex", data=(rng.standard_normal(5) + 1j * rng.standard_normal(5)).astype("<c8"))
    m.create_dataset("record", data=np.array([(1, 2.5), (-3, np.nan)], dtype=[("a", "<i4"), ("b", "<f8")]))
    m.create_dataset("opaque", data=np.array([b"abc", b"\x00\x01\x02"], dtype="V3"))
    m.create_dataset("f16", data=np.array([1.5, -0.0, np.inf], dtype="<f2"))
    m.create_dataset("enum", data=np.array([0, 42, 1], dtype="<i2"), dtype=h5py.enum_dtype({"A": 0, "B": 1, "C": 42}, basetype="i2"))
    m.create_dataset("empty_strings", data=np.zeros(10, dtype="S3"), chunks=(4,))
    for name, pad, raw in (("nullterm", h5py.h5t.STR_NULLTERM, [b"ab\x00Z", b"abc\x00", b"\x00XYZ"]),
                           ("spacepad", h5py.h5t.STR_SPACEPAD, [b"ab  ", b"a b ", b"    ", b"abcd"])):
        t = h5py.h5t.C_S1.copy()
        t.set_size(4)
        t.set_strpad(pad)
        ds = h5py.h5d.create(m.id, name.encode(), t, h5py.h5s.create_simple((len(raw),)))
        ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array(raw, dtype="S4"), mtype=t)
    f["link"] = h5py.SoftLink("/3R/variants/POS")
    f["ext"] = h5py.ExternalLink("missing.h5", "/x")

${PY_NORM}
def attrs_of(obj):
    out = {}
    for k, v in obj.attrs.items():
        try:
            out[k] = norm(v)
        except TypeError:
            pass
    return out

expected = {"datasets": {}, "groups": {}}
os.makedirs(os.path.join(out, "bin"))
with h5py.File(os.path.join(out, "ag.h5"), "r") as f:
    expected["groups"][""] = attrs_of(f)
    def visit(name, obj):
        if isinstance(obj, h5py.Group):
            expected["groups"][name] = attrs_of(obj)
            return
        e = {"shape": list(obj.shape), "attrs": attrs_of(obj), "chunks": list(obj.chunks) if obj.chunks else None}
        info = h5py.check_string_dtype(obj.dtype)
        if obj.dtype.kind == "O":
            if info.encoding == "utf-8":
                e["dtype"], e["strings"] = "string", obj.asstr()[...].ravel().tolist()
            else:
                e["dtype"], e["hex"] = "bytes", [x.hex() for x in obj[...].ravel()]
        else:
            v = obj[...]
            want = v.dtype.newbyteorder("<") if v.dtype.byteorder == ">" else v.dtype
            e["dtype"] = want.str if not want.names else "record"
            e["bin"] = name.replace("/", "__") + ".bin"
            with open(os.path.join(out, "bin", e["bin"]), "wb") as g:
                g.write(np.ascontiguousarray(v.astype(want)).tobytes())
        expected["datasets"][name] = e
    f.visititems(visit)
with open(os.path.join(out, "expected.json"), "w") as g:
    json.dump(expected, g)
`;

/**
 * Opens ZARR with zarr-python and compares every group, array and attribute under H5#ROOT
 * (landing at ZARR#BASE) with h5py. Prints {"groups": n, "arrays": n}; raises on a difference.
 */
const VERIFY = String.raw`
import json, math, sys
import h5py, numpy as np, zarr
from numcodecs import Blosc
h5path, zpath, root, base = sys.argv[1:5]
opts = json.loads(sys.argv[5])
f = h5py.File(h5path, "r")
z = zarr.open(zpath, mode="r")

${PY_NORM}
def same(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return a == b

def check_attrs(name, h, zn):
    want = {}
    for k, v in h.attrs.items():
        try:
            want[k] = norm(v)
        except TypeError:
            pass
    got = dict(zn.attrs)
    assert sorted(got) == sorted(want), (name, sorted(got), sorted(want))
    for k in want:
        assert same(got[k], want[k]), (name, k, got[k], want[k])

def zpath_of(name):
    rel = name if root == "" else ("" if name == root else name[len(root) + 1:])
    return "/".join(p for p in (base, rel) if p)

counts = {"groups": 0, "arrays": 0}
def check(name, h):
    zn = z[zpath_of(name)] if zpath_of(name) else z
    check_attrs(name, h, zn)
    if isinstance(h, h5py.Group):
        assert isinstance(zn, zarr.hierarchy.Group), name
        counts["groups"] += 1
        return
    assert isinstance(zn, zarr.core.Array), name
    counts["arrays"] += 1
    assert zn.shape == h.shape, (name, zn.shape, h.shape)
    want_chunks = opts.get("chunks", {}).get(name)
    if want_chunks is None and h.chunks:
        # HDF5 chunks (clipped), grown by whole multiples, last axis first, to at least 1 MiB
        want_chunks = [min(c, s) if s else c for c, s in zip(h.chunks, h.shape)]
        item = 64 if h.dtype.kind == "O" else h.dtype.itemsize
        for i in reversed(range(len(want_chunks))):
            size = int(np.prod(want_chunks)) * item
            if size >= 2**20 or h.shape[i] <= want_chunks[i]:
                continue
            k = -(-2**20 // size)
            want_chunks[i] = min(want_chunks[i] * k, h.shape[i])
    elif want_chunks is None:
        want_chunks = [max(1, s) for s in h.shape]
    assert list(zn.chunks) == want_chunks, (name, zn.chunks, want_chunks)
    if h.dtype.kind in "iub" and h.dtype.itemsize == 1:
        assert zn.compressor == Blosc(cname="zlib", clevel=3, shuffle=Blosc.NOSHUFFLE), (name, zn.compressor)
    elif h.dtype.kind in "iufc":
        assert zn.compressor == Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE), (name, zn.compressor)
    zv = zn[...]
    if h.dtype.kind == "O":
        info = h5py.check_string_dtype(h.dtype)
        hv = (h.asstr() if info.encoding == "utf-8" else h)[...]
        assert zv.dtype == object and zv.shape == hv.shape, name
        for x, y in zip(zv.ravel(), hv.ravel()):
            assert type(x) is type(y) and x == y, (name, x, y)
        return
    hv = h[...]
    want = hv.dtype.newbyteorder("<") if hv.dtype.byteorder == ">" else hv.dtype
    assert zv.dtype == want, (name, zv.dtype, want)
    assert zv.tobytes() == np.ascontiguousarray(hv.astype(want)).tobytes(), name

top = f[root] if root else f
check(root, top)
if isinstance(top, h5py.Group):
    top.visititems(lambda n, o: check(n if not root else root + "/" + n, o))
print(json.dumps(counts))
`;

interface Expected {
  datasets: Record<string, { shape: number[]; dtype: string; attrs: Record<string, JsonValue>; chunks: number[] | null; bin?: string; strings?: string[]; hex?: string[] }>;
  groups: Record<string, Record<string, JsonValue>>;
}

let dir = "";
let h5 = "";
let pool: ChunkPool;
let expected: Expected;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "zarrflow-h5import-"));
  pool = createPool({ threads: 2, idleTimeout: 60_000 }); // warm threads keep their h5wasm (slow to start under tsx)
  if (!hasPeers) return;
  execFileSync(PYTHON, ["-c", GENERATE, dir], { stdio: ["ignore", "inherit", "inherit"] });
  h5 = join(dir, "ag.h5");
  expected = parseJson(readFileSync(join(dir, "expected.json"), "utf8")) as unknown as Expected;
});

after(async () => {
  await pool.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function verifyWithZarrPython(zarrDir: string, root: string, base: string, opts: { chunks?: Record<string, number[]> } = {}): { groups: number; arrays: number } {
  const out = execFileSync(PYTHON, ["-c", VERIFY, h5, zarrDir, root, base, JSON.stringify(opts)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out) as { groups: number; arrays: number };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Read every dataset of `expected` under `root` back with zarrflow and compare values and attributes. */
async function verifyWithZarrflow(store: Parameters<typeof openArray>[0], root: string, base: string): Promise<number> {
  const at = (p: string) => {
    const rel = root === "" ? p : p === root ? "" : p.slice(root.length + 1);
    return [base, rel].filter((s) => s !== "").join("/");
  };
  const inRoot = (p: string) => root === "" || p === root || p.startsWith(root + "/");
  let n = 0;
  for (const [path, e] of Object.entries(expected.datasets).filter(([p]) => inRoot(p))) {
    const arr = await openArray(store, at(path));
    assert.deepEqual(arr.meta.shape, e.shape, path);
    assert.deepEqual(arr.meta.attributes, e.attrs, `${path} attributes`);
    const got = await get(arr, undefined, { pool });
    if (e.strings) assert.deepEqual(got.data, e.strings, path);
    else if (e.hex) assert.deepEqual((got.data as Uint8Array[]).map(hex), e.hex, path);
    else {
      const want = readFileSync(join(dir, "bin", e.bin!));
      assert.ok(Buffer.from(bytesOf(got.data as Exclude<DataValues, unknown[]>)).equals(want), `${path}: bytes differ (${dtypeName(arr.meta.dtype)})`);
    }
    n++;
  }
  for (const [path, attrs] of Object.entries(expected.groups).filter(([p]) => inRoot(p) && p !== root || (p === root && !(root in expected.datasets)))) {
    const g = await openGroup(store, at(path));
    assert.deepEqual(g.meta.attributes, attrs, `group ${path || "/"} attributes`);
  }
  return n;
}

test("a whole Ag1000G-style file: zarr-python 2.13 and zarrflow read what h5py reads", { skip }, async () => {
  const out = join(dir, "whole.zarr");
  const store = await openFsStore(out, { create: true });
  const progress: [number, number][] = [];
  const s: ImportHdf5Summary = await importHdf5(h5, { store, path: "" }, { pool, onProgress: (d, t) => progress.push([d, t]) });
  const datasets = Object.keys(expected.datasets);
  assert.equal(s.arrays, datasets.length);
  assert.equal(s.groups, Object.keys(expected.groups).length);
  assert.ok(datasets.includes("3R/calldata/genotype") && datasets.includes("misc/nullterm") && datasets.length >= 25, datasets.join(" "));
  assert.ok(s.bytes >= 20000 * 20 * 2 + 1000 * 7 * 2, `bytes ${s.bytes}`);
  // Links, the compound attribute and the undecodable one are reported.
  const reported = s.skipped.map((x) => `${x.path}${x.attribute ? "@" + x.attribute : ""}`);
  for (const k of ["link", "ext", "@record", "@latin"]) assert.ok(reported.includes(k), `${k} in ${reported.join(", ")}`);
  assert.match(s.skipped.find((x) => x.path === "link")!.reason, /soft link to \/3R\/variants\/POS/);
  // Progress counts every chunk once, in order, up to the total.
  assert.ok(progress.length > 20);
  assert.deepEqual(progress.map(([d]) => d), progress.map((_, i) => i + 1));
  assert.ok(progress.every(([, t]) => t === progress.length));

  const counts = verifyWithZarrPython(out, "", "");
  assert.deepEqual(counts, { groups: Object.keys(expected.groups).length, arrays: datasets.length });
  assert.equal(await verifyWithZarrflow(store, "", ""), datasets.length);
  // Spot checks of the layout: genotype chunks are the HDF5 chunks (300, 4, 2) grown to ≥ 1 MiB
  // by whole multiples, last axis first (the whole 7 samples, then all 1000 variants), strings are |S1 and vlen-utf8.
  const gt = JSON.parse(readFileSync(join(out, "3R/calldata/genotype/.zarray"), "utf8"));
  assert.deepEqual([gt.dtype, gt.chunks, gt.compressor], ["|i1", [1000, 7, 2], { id: "blosc", cname: "zlib", clevel: 3, shuffle: 0, blocksize: 0 }]);
  assert.equal(JSON.parse(readFileSync(join(out, "3R/variants/ALT/.zarray"), "utf8")).dtype, "|S1");
  assert.deepEqual(JSON.parse(readFileSync(join(out, "samples/.zarray"), "utf8")).filters, [{ id: "vlen-utf8" }]);
  assert.equal(JSON.parse(readFileSync(join(out, "misc/record/.zarray"), "utf8")).dtype.length, 2);
  await store.close();
});

test("one dataset with a chunks override; a subtree as Zarr v3", { skip }, async () => {
  const out = join(dir, "parts.zarr");
  const store = await openFsStore(out, { create: true });
  // 600 rows = 2 HDF5 chunks of 300; the sample axis whole.
  const one = await importHdf5(`${h5}#3R/calldata/genotype`, { store, path: "gt/genotype" }, { pool, chunks: [600, 7, 2] });
  assert.deepEqual([one.arrays, one.groups], [1, 0]);
  verifyWithZarrPython(out, "3R/calldata/genotype", "gt/genotype", { chunks: { "3R/calldata/genotype": [600, 7, 2] } });
  assert.equal(await verifyWithZarrflow(store, "3R/calldata/genotype", "gt/genotype"), 1);

  const mem = createMemoryStore();
  const sub = await importHdf5(`${h5}#3R/variants`, { store: mem, path: "v3" }, { zarrFormat: 3, pool, chunks: { "3R/variants/REF": [500] } });
  assert.equal(sub.arrays, Object.keys(expected.datasets).filter((p) => p.startsWith("3R/variants/")).length);
  const ref = await openArray(mem, "v3/REF");
  assert.deepEqual([ref.meta.zarrFormat, ref.meta.chunkShape], [3, [500]]);
  assert.equal(await verifyWithZarrflow(mem, "3R/variants", "v3"), sub.arrays);
  assert.equal((await openGroup(mem, "v3")).meta.zarrFormat, 3);
  await store.close();
});
