"""Write small HDF5 test files with h5py and the expected values as raw bytes.

usage: make-hdf5.py OUT_DIR

Writes OUT_DIR/data.h5 (datasets below), OUT_DIR/other.h5 (one unsupported dataset kind
each) and, per readable dataset, OUT_DIR/<path with / replaced by __>.bin holding the values
in C order, little-endian (bool as one 0/1 byte), plus OUT_DIR/manifest.json listing them.
"""
import json
import os
import sys

import h5py
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)


def ints(dtype, shape):
    dt = np.dtype(dtype)
    info = np.iinfo(dt)
    # Extremes included: int64/uint64 values beyond 2^53 must survive bit-exactly.
    a = rng.integers(info.min, info.max, size=shape, dtype=dt.newbyteorder("="), endpoint=True).astype(dt)
    flat = a.reshape(-1)
    if flat.size >= 2:
        flat[0], flat[-1] = info.min, info.max
    return a


def floats(dtype, shape):
    a = (rng.standard_normal(shape) * 1000).astype(dtype)
    flat = a.reshape(-1)
    specials = [np.nan, -0.0, np.inf, -np.inf]
    flat[: min(len(specials), flat.size)] = specials[: flat.size]
    return a


# name -> (data, h5py create_dataset keyword arguments)
datasets = {
    "a/b/c/int16_be": (ints(">i2", (13, 7)), dict(chunks=(4, 3), compression="gzip", compression_opts=4)),
    "ints/i8": (ints("i1", (10, 5, 2)), dict(chunks=(3, 2, 2), compression="gzip", compression_opts=3)),
    "ints/u8": (ints("u1", (17,)), dict(chunks=(5,), compression="gzip")),
    "ints/u16": (ints("<u2", (6, 5)), dict(chunks=(4, 4))),
    "ints/i32": (ints("<i4", (9, 4)), dict(chunks=(2, 3), shuffle=True, compression="gzip")),
    "ints/u32": (ints(">u4", (5, 3)), dict(chunks=(2, 2))),
    "ints/i64": (ints("<i8", (7, 3)), dict(chunks=(3, 2), compression="gzip")),
    "ints/u64": (ints(">u8", (4, 5)), dict(chunks=(3, 3))),
    "floats/f16": (floats("<f2", (6,)), dict(chunks=(4,))),
    "floats/f32": (floats("<f4", (11, 6)), dict(chunks=(4, 4), compression="gzip")),
    "floats/f64": (floats(">f8", (5, 5, 3)), dict(chunks=(2, 2, 2), shuffle=True, compression="gzip", compression_opts=9)),
    "bool": (rng.integers(0, 2, size=(9, 4)).astype(bool), dict(chunks=(4, 3), compression="gzip")),
    "contiguous": (floats("<f8", (20, 3)), dict()),
    "scalar": (np.array(-123456, dtype="<i4"), dict()),
    "one": (np.array([2**62 + 1], dtype="<i8"), dict()),
    "empty": (np.zeros((0, 4), dtype="<i4"), dict(chunks=(2, 2), maxshape=(None, 4))),
}

manifest = []
with h5py.File(os.path.join(out, "data.h5"), "w") as f:
    for name, (data, kw) in datasets.items():
        ds = f.create_dataset(name, data=data, **kw)
        fname = name.replace("/", "__") + ".bin"
        le = data.astype(data.dtype.newbyteorder("<")) if data.dtype.byteorder == ">" else data
        with open(os.path.join(out, fname), "wb") as g:
            g.write(np.ascontiguousarray(le).tobytes())
        manifest.append({"path": name, "file": fname, "shape": list(data.shape), "dtype": data.dtype.name, "chunks": list(ds.chunks) if ds.chunks else None})
    # An integer enum reads as its base integers.
    color = h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 42}, basetype="i2")
    f.create_dataset("enum", data=np.array([0, 42, 1, 1], dtype="<i2"), dtype=color)
    manifest.append({"path": "enum", "file": None, "shape": [4], "dtype": "int16", "chunks": None})

with h5py.File(os.path.join(out, "other.h5"), "w") as f:
    f.create_dataset("strings", data=["a", "bb", "ccc"], dtype=h5py.string_dtype())
    f.create_dataset("fixed_strings", data=np.array([b"ab", b"cd"], dtype="S2"))
    f.create_dataset("compound", data=np.zeros(3, dtype=[("x", "<i4"), ("y", "<f8")]))
    f.create_dataset("complex", data=np.zeros(3, dtype="<c8"))
    f.create_dataset("null", data=h5py.Empty("f4"))
    f.create_dataset("lzf", data=np.arange(10), chunks=(5,), compression="lzf")
    f.create_group("grp/sub")

with open(os.path.join(out, "manifest.json"), "w") as g:
    json.dump(manifest, g)
