"""Interop peer for zarrflow's tests: zarr-python 2 / numcodecs 0.11 (Debian).

generate DIR   -> writes DIR/data.zarr (many v2 arrays) + DIR/expected/<name>.npy + DIR/manifest.json
verify DIR     -> reads DIR/ours.zarr arrays written by zarrflow (listed in DIR/ours.json) and
                  compares each with DIR/expected/<name>.npy; prints a JSON report.
"""
import json
import os
import sys

import numpy as np
import numcodecs
import zarr
from numcodecs import (LZ4, LZMA, BZ2, GZip, Zlib, Zstd, Blosc, Delta, FixedScaleOffset, Quantize,
                       BitRound, PackBits, AsType, Categorize, Shuffle, CRC32, Adler32,
                       Base64, JSON, MsgPack, VLenUTF8, VLenBytes, VLenArray)

SHAPE = (13, 7, 5)
CHUNKS = (5, 3, 2)
rng = np.random.default_rng(42)


def values(dt, shape):
    n = int(np.prod(shape))
    if dt.kind == "b":
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        a = rng.integers(max(info.min, -(2**62)), min(info.max, 2**62), n, dtype=np.int64 if dt.kind == "i" else np.uint64)
        a = a.astype(dt)
        a.flat[0] = info.min
        a.flat[1] = info.max
        return a.reshape(shape)
    if dt.kind == "f":
        a = (rng.standard_normal(n) * 1000).astype(dt)
        special = [np.nan, -0.0, np.inf, -np.inf, 0.0]
        for i, s in enumerate(special):
            a[i * 7 % n] = s
        # a NaN with a payload (float32/64 keep it)
        if dt.itemsize >= 4:
            raw = a.view(np.dtype(f"{dt.byteorder if dt.byteorder in '<>' else '='}u{dt.itemsize}"))
            raw[3] = np.array(0x7FC00001 if dt.itemsize == 4 else 0x7FF8000000000123, dtype=raw.dtype)
        return a.reshape(shape)
    if dt.kind == "c":
        a = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dt)
        a[2] = complex(np.nan, -0.0)
        return a.reshape(shape)
    if dt.kind in "Mm":
        a = rng.integers(-(10**9), 10**9, n).astype("i8").view(dt.newbyteorder("="))
        a = a.astype(dt)
        a[4] = np.array("NaT", dtype=dt)
        return a.reshape(shape)
    if dt.kind == "S":
        words = [b"", b"a", b"abc", b"zarr", b"\x00\x01\xff", b"longerword"]
        return np.array([words[i % len(words)][: dt.itemsize] for i in range(n)], dtype=dt).reshape(shape)
    if dt.kind == "U":
        words = ["", "a", "héllo", "日本語", "\U0001F600x", "zarr"]
        return np.array([words[i % len(words)][: dt.itemsize // 4] for i in range(n)], dtype=dt).reshape(shape)
    if dt.kind == "V" and dt.names:
        a = np.zeros(n, dtype=dt)
        for name in dt.names:
            sub = dt.fields[name][0]
            base = sub.base if sub.shape else sub
            vals = values(base, (n,) + sub.shape)
            a[name] = vals
        return a.reshape(shape)
    if dt.kind == "V":
        return np.frombuffer(rng.bytes(n * dt.itemsize), dtype=dt).reshape(shape)
    raise ValueError(dt)


def object_values(kind, shape):
    n = int(np.prod(shape))
    a = np.empty(n, dtype=object)
    words = ["", "a", "héllo", "日本語", "\U0001F600x", "zarr", "x" * 40]
    for i in range(n):
        if kind == "str":
            a[i] = words[i % len(words)]
        elif kind == "bytes":
            a[i] = words[i % len(words)].encode("utf-8")
        elif kind == "array":
            a[i] = np.arange(i % 5, dtype="<i4") * (i + 1)
        elif kind == "json":
            a[i] = words[i % len(words)] if i % 3 else i
    return a.reshape(shape)


COMPRESSORS = [
    None,
    Zlib(level=1),
    GZip(level=5),
    Zstd(level=3),
    LZ4(acceleration=1),
    BZ2(level=9),
    LZMA(),
] + [Blosc(cname=c, clevel=5, shuffle=s, blocksize=b)
     for i, (c, s, b) in enumerate([(c, s, b) for c in ["blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"]
                                    for s in [0, 1, 2] for b in [0]])] + [
    Blosc(cname="zstd", clevel=1, shuffle=-1, blocksize=0),
    Blosc(cname="lz4", clevel=9, shuffle=1, blocksize=256),
    Blosc(cname="zlib", clevel=3, shuffle=2, blocksize=1024),
]

NUMERIC = ["|b1", "|i1", "<i2", ">i2", "<i4", ">i4", "<i8", ">i8", "|u1", "<u2", ">u2", "<u4", ">u4",
           "<u8", ">u8", "<f2", ">f2", "<f4", ">f4", "<f8", ">f8", "<c8", ">c8", "<c16", ">c16",
           "<M8[ns]", ">M8[D]", "<M8[s]", "<M8[10ms]", "<m8[us]", ">m8[h]", "|S7", "|S1", "<U5", ">U5",
           "|V3", [("a", "<i4"), ("b", ">f8", (2,)), ("c", "|S3")]]


def main_generate(out):
    root = zarr.open_group(os.path.join(out, "data.zarr"), mode="w")
    os.makedirs(os.path.join(out, "expected"), exist_ok=True)
    manifest = []

    def add(name, data, expected=None, **kw):
        z = root.create_dataset(name, shape=data.shape, chunks=kw.pop("chunks", CHUNKS if data.ndim == 3 else True),
                                dtype=data.dtype, **kw)
        z[...] = data
        exp = data if expected is None else expected
        np.save(os.path.join(out, "expected", name + ".npy"), exp)
        manifest.append({"name": name, "dtype": str(data.dtype), "order": kw.get("order", "C"),
                         "compressor": z.compressor.get_config() if z.compressor else None,
                         "filters": [f.get_config() for f in z.filters] if z.filters else None,
                         "fill_value": None if z.fill_value is None else str(z.fill_value)})

    i = 0
    for dts in NUMERIC:
        dt = np.dtype([tuple(f) for f in dts]) if isinstance(dts, list) else np.dtype(dts)
        for order in ["C", "F"]:
            comp = COMPRESSORS[i % len(COMPRESSORS)]
            i += 1
            nm = f"{i:03d}_{str(dt).replace('<', 'L').replace('>', 'B').replace('|', '')}_{order}"
            nm = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in nm)
            add(nm, values(dt, SHAPE), order=order, compressor=comp)
    # every compressor at least on int16 and float64
    for j, comp in enumerate(COMPRESSORS):
        for dts in ["<i2", "<f8"]:
            dt = np.dtype(dts)
            add(f"comp{j:02d}_{dts[1:]}", values(dt, SHAPE), compressor=comp, order="CF"[j % 2])
    # filters on the dtypes they accept
    f_cases = [
        ("delta_i4", "<i4", [Delta(dtype="<i4")]),
        ("delta_i8_astype", "<i8", [Delta(dtype="<i8", astype="<i2")], lambda a: (a % 1000)),
        ("delta_f8", "<f8", [Delta(dtype="<f8")], lambda a: np.where(np.isfinite(a), a, 0)),
        ("fso_f8", "<f8", [FixedScaleOffset(offset=100, scale=10, dtype="<f8", astype="<i4")], lambda a: np.round(np.nan_to_num(a, posinf=0, neginf=0), 1)),
        ("fso_f4", "<f4", [FixedScaleOffset(offset=0, scale=100, dtype="<f4", astype="<i8")], lambda a: np.nan_to_num(a, posinf=0, neginf=0)),
        ("quantize_f8", "<f8", [Quantize(digits=3, dtype="<f8")]),
        ("quantize_f4", "<f4", [Quantize(digits=2, dtype="<f4", astype="<f4")]),
        ("bitround_f4", "<f4", [BitRound(keepbits=7)]),
        ("bitround_f8", "<f8", [BitRound(keepbits=20)]),
        ("packbits_b1", "|b1", [PackBits()]),
        ("astype_f8_f4", "<f8", [AsType(encode_dtype="<f4", decode_dtype="<f8")], lambda a: a.astype("<f4").astype("<f8")),
        ("astype_i8_i2", "<i8", [AsType(encode_dtype="<i2", decode_dtype="<i8")], lambda a: a % 100),
        ("shuffle_i4", "<i4", [Shuffle(elementsize=4)]),
        ("crc32_i2", "<i2", [CRC32()]),
        ("adler32_i2", "<i2", [Adler32()]),
        ("base64_u1", "|u1", [Base64()]),
        ("chain_delta_shuffle_crc", "<i4", [Delta(dtype="<i4"), Shuffle(elementsize=4), CRC32()]),
    ]
    for case in f_cases:
        name, dts, filters = case[:3]
        a = values(np.dtype(dts), SHAPE)
        if len(case) > 3:
            a = case[3](a).astype(dts)
        exp = None
        z_comp = Zlib(level=1)
        # decode the expected values exactly as numcodecs does (lossy filters)
        tmp = zarr.array(a, chunks=CHUNKS, filters=filters, compressor=z_comp)
        exp = tmp[...]
        add(name, a, expected=exp, filters=filters, compressor=z_comp)
    # object arrays
    add("obj_vlen_utf8", object_values("str", SHAPE), expected=object_values("str", SHAPE).astype("U"), object_codec=VLenUTF8())
    add("obj_vlen_utf8_F_zstd", object_values("str", SHAPE), expected=object_values("str", SHAPE).astype("U"), object_codec=VLenUTF8(), order="F", compressor=Zstd(level=1))
    add("obj_vlen_bytes", object_values("bytes", SHAPE), expected=object_values("bytes", SHAPE).astype("S"), object_codec=VLenBytes())
    cat_vals = np.array([["a", "héllo", "zarr", "日本語", "zzz"][i % 5] for i in range(int(np.prod(SHAPE)))], dtype="<U7").reshape(SHAPE)
    add("categorize_U7", cat_vals, expected=np.where(cat_vals == "zzz", "", cat_vals).astype("<U7"),
        filters=[Categorize(labels=["a", "héllo", "zarr", "日本語"], dtype="<U7", astype="|u1")])
    # object arrays compared through JSON (numpy would pickle them in .npy)
    def add_obj(name, data, codec, **kw):
        z = root.create_dataset(name, shape=data.shape, chunks=(2, 3, 2), dtype=object, object_codec=codec, **kw)
        z[...] = data
        with open(os.path.join(out, "expected", name + ".json"), "w") as f:
            json.dump([x.tolist() if isinstance(x, np.ndarray) else x for x in z[...].ravel()], f)
        manifest.append({"name": name, "object": True})
    small = (3, 5, 4)
    add_obj("obj_vlen_array_i4", object_values("array", small), VLenArray("<i4"))
    add_obj("obj_json2", object_values("json", small), JSON())
    add_obj("obj_msgpack2", object_values("json", small), MsgPack(), compressor=Zstd(level=1))
    add_obj("obj_json2_F", object_values("json", small), JSON(), order="F")
    # edge cases: missing chunks with fill values, 0-d, nested separator, 1-D ragged, empty
    a = np.full(SHAPE, -7, dtype="<i4"); a[:5, :3, :2] = 1
    z = root.create_dataset("missing_fill_i4", shape=SHAPE, chunks=CHUNKS, dtype="<i4", fill_value=-7)
    z[:5, :3, :2] = 1
    np.save(os.path.join(out, "expected", "missing_fill_i4.npy"), a)
    manifest.append({"name": "missing_fill_i4"})
    b = np.full((10,), np.nan, dtype="<f8"); b[3] = 1.5
    z = root.create_dataset("missing_fill_nan", shape=(10,), chunks=(3,), dtype="<f8", fill_value=np.nan)
    z[3] = 1.5
    np.save(os.path.join(out, "expected", "missing_fill_nan.npy"), b)
    manifest.append({"name": "missing_fill_nan"})
    # fill values of every kind, read where chunks are missing
    fills = [("|S5", b"ab"), ("<U4", "xé"), ("<c16", complex(1.5, -2.5)), ("<M8[s]", np.datetime64("NaT")),
             ("<m8[ms]", np.timedelta64(42, "ms")), ("<f4", -np.inf), ("<f8", -0.0), ("|b1", True), ("<u8", 2**64 - 1),
             ("<i8", -(2**63)), ("|V3", b"\x01\x02\x03"), ([("a", "<i2"), ("b", "|S2")], (7, b"zz"))]
    for k, (dts, fv) in enumerate(fills):
        dt = np.dtype([tuple(f) for f in dts]) if isinstance(dts, list) else np.dtype(dts)
        shape = (7, 5)
        z = root.create_dataset(f"fill{k:02d}", shape=shape, chunks=(3, 2), dtype=dt, fill_value=fv)
        part = values(dt, (3, 2))
        z[:3, :2] = part
        np.save(os.path.join(out, "expected", f"fill{k:02d}.npy"), z[...])
        manifest.append({"name": f"fill{k:02d}"})
    z = root.create_dataset("obj_fill_str", shape=(7,), chunks=(3,), dtype=object, object_codec=VLenUTF8(), fill_value="héllo")
    z[0] = "a"
    np.save(os.path.join(out, "expected", "obj_fill_str.npy"), z[...].astype("U"))
    manifest.append({"name": "obj_fill_str"})
    add("zero_d_f8", np.array(3.25, dtype="<f8"), chunks=())
    add("nested_sep", values(np.dtype("<i2"), SHAPE), dimension_separator="/")
    add("ragged_1d", values(np.dtype("<u2"), (101,)), chunks=(10,))
    add("empty_dim", np.zeros((0, 4), dtype="<i2"), chunks=(2, 2))
    # groups with unicode attributes, nested
    g = root.create_group("grp ünï/sub")
    g.attrs["title"] = "Zarr ✓ 日本語"
    g.attrs["nested"] = {"a": [1, 2.5, None, True], "b": "\U0001F600"}
    g.create_dataset("leaf", data=np.arange(6, dtype="<i2").reshape(2, 3), chunks=(1, 2))
    np.save(os.path.join(out, "expected", "grp ünï__sub__leaf.npy"), np.arange(6, dtype="<i2").reshape(2, 3))
    manifest.append({"name": "grp ünï/sub/leaf"})
    root.attrs["root_attr"] = "é"
    zarr.consolidate_metadata(os.path.join(out, "data.zarr"))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


def same(a, b):
    if a.shape != b.shape:
        return f"shape {a.shape} != {b.shape}"
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} != {b.dtype}"
    if a.dtype.kind == "O":
        return None if all(x == y for x, y in zip(a.ravel(), b.ravel())) else "values differ"
    if np.ascontiguousarray(a).tobytes() != np.ascontiguousarray(b).tobytes():
        return "bytes differ"
    return None


def main_verify(out):
    with open(os.path.join(out, "ours.json")) as f:
        names = json.load(f)
    report = {}
    path = os.path.join(out, "ours.zarr")
    # zarrflow consolidates the hierarchy; read through .zmetadata like a remote user would
    root = zarr.open_consolidated(path, mode="r") if os.path.exists(os.path.join(path, ".zmetadata")) else zarr.open_group(path, mode="r")
    report["(consolidated)"] = None if os.path.exists(os.path.join(path, ".zmetadata")) else "no .zmetadata"
    for name in names:
        try:
            z = root[name]
            got = z[...]
            jpath = os.path.join(out, "expected", name + ".json")
            if os.path.exists(jpath):
                with open(jpath) as f:
                    exp = json.load(f)
                vals = [x.tolist() if isinstance(x, np.ndarray) else x for x in got.ravel()]
                report[name] = None if vals == exp else f"object values differ: {vals[:4]} vs {exp[:4]}"
                continue
            exp = np.load(os.path.join(out, "expected", name.replace("/", "__") + ".npy"))
            if got.dtype == object:
                got = got.astype(exp.dtype)
            report[name] = same(got, exp)
        except Exception as e:  # report, don't stop
            report[name] = f"{type(e).__name__}: {e}"
    print(json.dumps(report))


if __name__ == "__main__":
    {"generate": main_generate, "verify": main_verify}[sys.argv[1]](sys.argv[2])
