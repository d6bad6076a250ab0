"""Write HDF5 test files with h5py and what HDF5 itself says about their storage.

usage: make-files.py SET OUT_DIR        (SET: earliest | latest | hostile | bench)
       make-files.py info FILE DATASET  (print one dataset's entry as JSON)

Writes the files of SET into OUT_DIR and OUT_DIR/manifest.json: per dataset its shape, dtype,
filters, fill value and storage as HDF5 reports them (chunks through
DatasetID.get_chunk_info_by_coord for every grid position, contiguous through get_offset /
get_storage_size), and OUT_DIR/<n>.bin with the values in C order (the dataset's own byte
order) so tests can decode chunks and compare.
"""
import json
import os
import sys

import h5py
import numpy as np

rng = np.random.default_rng(11)


def describe(f, path, out_dir=None, counter=[0]):
    ds = f[path]
    dcpl = ds.id.get_create_plist()
    dt = ds.dtype
    cls = "integer" if dt.kind in "iu" else "float" if dt.kind == "f" else "other"
    filters = []
    for i in range(dcpl.get_nfilters()):
        code, flags, values, name = dcpl.get_filter(i)
        filters.append({"id": code, "optional": bool(flags & 1), "clientData": list(values), "name": name.decode()})
    fill = None
    if dcpl.fill_value_defined() == h5py.h5d.FILL_VALUE_USER_DEFINED:
        a = np.zeros(1, dtype=dt)
        dcpl.get_fill_value(a)
        fill = a.tobytes().hex()
    e = {
        "path": path, "shape": list(ds.shape),
        "maxshape": [None if m is None else m for m in (ds.maxshape or ())],
        "itemsize": dt.itemsize, "cls": cls, "le": dt.byteorder != ">", "signed": dt.kind in "if",
        "filters": filters, "fill": fill, "layout": {0: "compact", 1: "contiguous", 2: "chunked"}[dcpl.get_layout()],
    }
    if e["layout"] == "chunked":
        chunks = ds.chunks
        e["chunks"] = list(chunks)
        grid = [-(-s // c) for s, c in zip(ds.shape, chunks)]
        e["grid"] = grid
        e["numChunks"] = ds.id.get_num_chunks()
        if np.prod(grid) > 6000:
            # HDF5 1.10 looks chunks up by walking the index from its start: quadratic. Tests
            # of bigger indexes check the chunks' contents instead.
            return with_values(ds, e, out_dir, counter)
        addr, size, mask = [], [], []
        for idx in np.ndindex(*grid):
            info = ds.id.get_chunk_info_by_coord(tuple(i * c for i, c in zip(idx, chunks)))
            addr.append(-1 if info.byte_offset is None else info.byte_offset)
            size.append(0 if info.byte_offset is None else info.size)
            mask.append(0 if info.byte_offset is None else info.filter_mask)
        e["address"], e["size"], e["mask"] = addr, size, mask
    elif e["layout"] == "contiguous":
        off = ds.id.get_offset()
        e["address"] = -1 if off is None else off
        e["size"] = ds.id.get_storage_size()
    return with_values(ds, e, out_dir, counter)


def with_values(ds, e, out_dir, counter):
    """Add the values file (C order, the dataset's byte order) to entry `e`."""
    if out_dir is not None and ds.size < 4_000_000:
        counter[0] += 1
        name = f"{counter[0]}.bin"
        with open(os.path.join(out_dir, name), "wb") as fh:
            fh.write(np.asarray(ds[()], dtype=ds.dtype).tobytes())
        e["bin"] = name
    return e


def small_ints(shape, dtype="i1"):
    return rng.integers(-1, 4, size=shape).astype(dtype)


def earliest(out):
    """Old-style everything: v0 superblock, symbol-table groups, v1 B-tree chunk indexes."""
    entries = []
    with h5py.File(os.path.join(out, "earliest.h5"), "w", libver="earliest") as f:
        g = f.create_group("3R").create_group("calldata")
        # 100 x 21 x 1 = 2100 chunks with ragged edges: a multi-level v1 B-tree.
        g.create_dataset("genotype", data=small_ints((997, 101, 2)), chunks=(10, 5, 2), compression="gzip", compression_opts=1)
        sparse = f.create_dataset("sparse", shape=(100, 100), dtype="<i4", chunks=(10, 10), fillvalue=-7, compression="gzip")
        sparse[0:10, 0:10] = 1
        sparse[55:75, 30:31] = 2  # chunks (5,3), (6,3), (7,3)
        f.create_dataset("never", shape=(30, 30), dtype="<f4", chunks=(10, 10))
        f.create_dataset("be", data=np.arange(-5000, 5000, dtype=">i4").reshape(100, 100), chunks=(16, 16), shuffle=True, compression="gzip")
        f.create_dataset("f64", data=rng.standard_normal((50, 40)), chunks=(8, 8), fletcher32=True, compression="gzip", compression_opts=4)
        f.create_dataset("fletcher", data=small_ints((40, 40), "<i2"), chunks=(9, 9), fletcher32=True)
        f.create_dataset("plain", data=small_ints((25, 7), "<u2"), chunks=(4, 4))
        f.create_dataset("contig", data=rng.standard_normal((30, 20)).astype("<f4"))
        f.create_dataset("contig_empty", shape=(10, 10), dtype="<i8")
        f.create_dataset("compact", data=np.arange(12, dtype="<i2"), dtype="<i2")
        f.create_dataset("lzf", data=small_ints((64, 64), "<i4"), chunks=(16, 16), compression="lzf")
        f.create_dataset("scalar", data=np.int32(7))
        f["link_to_genotype"] = h5py.SoftLink("/3R/calldata/genotype")
        f["3R"]["rel"] = h5py.SoftLink("calldata/genotype")
        f["dangling"] = h5py.SoftLink("/nowhere")
        # Many names in one old-style group: several symbol table nodes.
        many = f.create_group("many")
        for i in range(120):
            many.create_dataset(f"d{i:03d}", data=np.full((3,), i, dtype="<i2"), chunks=(2,))
    with h5py.File(os.path.join(out, "earliest.h5"), "r") as f:
        for p in ["3R/calldata/genotype", "sparse", "never", "be", "f64", "fletcher", "plain", "contig", "contig_empty",
                  "lzf", "many/d000", "many/d077", "many/d119"]:
            entries.append({"file": "earliest.h5", **describe(f, p, out)})
    # Compact storage needs the low-level API in h5py 3.7.
    path = os.path.join(out, "compact.h5")
    with h5py.File(path, "w", libver="earliest") as f:
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        space = h5py.h5s.create_simple((3, 4))
        dsid = h5py.h5d.create(f.id, b"compact", h5py.h5t.STD_I16LE, space, dcpl=dcpl)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, np.arange(12, dtype="<i2").reshape(3, 4))
    with h5py.File(path, "r") as f:
        entries.append({"file": "compact.h5", **describe(f, "compact", out)})
    # 4-byte offsets and lengths; and a 512-byte user block (base address 512).
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_sizes(4, 4)
    fid = h5py.h5f.create(os.path.join(out, "small-offsets.h5").encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        f.create_dataset("a/b", data=small_ints((50, 30), "<i4"), chunks=(7, 7), compression="gzip")
    with h5py.File(os.path.join(out, "small-offsets.h5"), "r") as f:
        entries.append({"file": "small-offsets.h5", **describe(f, "a/b", out)})
    with h5py.File(os.path.join(out, "userblock.h5"), "w", userblock_size=512) as f:
        f.create_dataset("x", data=small_ints((40, 30), "<i4"), chunks=(8, 8), compression="gzip")
        f.create_dataset("c", data=np.arange(100, dtype="<f8"))
    with h5py.File(os.path.join(out, "userblock.h5"), "r") as f:
        # HDF5 1.10 reports chunk addresses relative to the base address (the user block's end).
        entries.append({"file": "userblock.h5", "h5pyChunkBase": 512, **describe(f, "x", out)})
        entries.append({"file": "userblock.h5", **describe(f, "c", out)})
    return entries


def latest(out):
    """New-style: v2/v3 superblock, link messages, dense groups, every layout-v4 chunk index."""
    entries = []
    name = os.path.join(out, "latest.h5")
    with h5py.File(name, "w", libver="latest") as f:
        f.create_dataset("fixed", data=small_ints((95, 100), "<i4"), chunks=(10, 10), compression="gzip")
        # 40 x 30 = 1200 chunks: the fixed array's data block is paged (1024 entries a page).
        paged = f.create_dataset("paged", shape=(400, 300), dtype="<i2", chunks=(10, 10), compression="gzip")
        paged[0:20, :] = 5
        paged[390:400, 290:300] = 6
        first_page_only = f.create_dataset("paged_first", shape=(400, 300), dtype="<i2", chunks=(10, 10))
        first_page_only[0:10, 0:50] = 3
        last_page_only = f.create_dataset("paged_last", shape=(400, 300), dtype="<i2", chunks=(10, 10), compression="gzip")
        last_page_only[380:400, 100:300] = 4
        grow = f.create_dataset("fixed_max", shape=(45, 50), maxshape=(100, 80), dtype="<i4", chunks=(10, 10), compression="gzip")
        grow[...] = small_ints((45, 50), "<i4")
        # One unlimited dimension: extensible array. Past 131060 chunks the super blocks' data
        # blocks (2048 entries) are paged (1024 a page); a hole leaves pages never written.
        ea = f.create_dataset("ea", shape=(140000,), maxshape=(None,), dtype="<i4", chunks=(1,))
        ea[:133000] = np.arange(133000, dtype="<i4")
        ea[135200:139000] = np.arange(135200, 139000, dtype="<i4")
        ea2 = f.create_dataset("ea_2d", shape=(6000, 3), maxshape=(None, 3), dtype="i1", chunks=(2, 3))
        ea2[:5000] = small_ints((5000, 3))
        ea_gz = f.create_dataset("ea_gzip", shape=(3000, 5), maxshape=(None, 5), dtype="<i4", chunks=(7, 5), compression="gzip", shuffle=True)
        ea_gz[:2990] = small_ints((2990, 5), "<i4")
        swz = f.create_dataset("ea_dim1", shape=(3, 4, 500), maxshape=(3, 4, None), dtype="<u2", chunks=(2, 3, 10), compression="gzip")
        swz[...] = small_ints((3, 4, 500), "<u2")
        swz[:, :, 200:260] = 0  # still written: stored chunks of zeros
        v2 = f.create_dataset("bt2", shape=(200, 200), maxshape=(None, None), dtype="<i2", chunks=(10, 8))
        v2[...] = small_ints((200, 200), "<i2")
        v2[100:150, 40:80] = 0
        v2f = f.create_dataset("bt2_gzip", shape=(200, 205), maxshape=(None, None), dtype="<f8", chunks=(10, 8), compression="gzip", fletcher32=True)
        v2f[0:150, :] = rng.standard_normal((150, 205))
        f.create_dataset("single", data=small_ints((33, 17), "<i4"), chunks=(33, 17))
        f.create_dataset("single_gzip", data=small_ints((33, 17), "<i4"), chunks=(33, 17), compression="gzip", shuffle=True)
        f.create_dataset("single_empty", shape=(5, 5), dtype="<i4", chunks=(5, 5), compression="gzip")
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((10, 10))
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
        dcpl.set_fill_value(np.array([42], dtype="<i4"))
        dsid = h5py.h5d.create(f.id, b"implicit", h5py.h5t.STD_I32LE, h5py.h5s.create_simple((35, 48)), dcpl=dcpl)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, small_ints((35, 48), "<i4"))
        dsid = h5py.h5d.create(f.id, b"implicit_max", h5py.h5t.STD_I32LE, h5py.h5s.create_simple((35, 48), (50, 60)), dcpl=dcpl)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, small_ints((35, 48), "<i4"))
        f.create_dataset("be_f8", data=rng.standard_normal((30, 30)).astype(">f8"), chunks=(7, 7), compression="gzip", shuffle=True, fillvalue=1.5)
        f.create_dataset("contig", data=np.arange(600, dtype="<u8").reshape(20, 30))
        words = np.array([b"alpha", b"beta", b"gamma7", b"", b"delta"] * 20, dtype="S7").reshape(10, 10)
        f.create_dataset("strings", data=words, chunks=(3, 4), compression="gzip", shuffle=True)
        pairs = np.zeros((30,), dtype=[("a", "<i4"), ("b", "<f8")])
        pairs["a"], pairs["b"] = np.arange(30), np.arange(30) / 7
        f.create_dataset("compound", data=pairs, chunks=(8,), compression="gzip")
        f["t"] = np.dtype("<i2")
        f.create_dataset("committed", data=np.arange(40, dtype="<i2").reshape(5, 8), dtype=f["t"], chunks=(2, 8), compression="gzip")
        many = f.create_group("many")
        for i in range(50):
            many.create_dataset(f"ds{i:02d}", data=np.full((4, 3), i, dtype="<i4"), chunks=(2, 3), compression="gzip")
        ordered = f.create_group("ordered", track_order=True)
        for i in range(50):
            ordered.create_dataset(f"z{49 - i:02d}_with_a_longer_name", data=np.full((6,), i, dtype="<f4"), chunks=(4,))
        # Valid but unhandled: values in another file, a virtual dataset.
        with open(os.path.join(out, "raw.bin"), "wb") as fh:
            fh.write(np.arange(10, dtype="<i4").tobytes())
        f.create_dataset("external_storage", shape=(10,), dtype="<i4", external=[(os.path.join(out, "raw.bin"), 0, 40)])
        vds = h5py.VirtualLayout(shape=(95, 100), dtype="<i4")
        vds[:] = h5py.VirtualSource(f["fixed"])
        f.create_virtual_dataset("virtual", vds)
        # 20,000 links: a fractal heap with child indirect blocks, a name index of depth 2.
        huge = f.create_group("huge")
        for i in range(20000):
            link = f"link_{i:05d}_" + "x" * 30
            huge[link] = f["single"] if i % 1000 == 7 else h5py.SoftLink("/fixed")
        f["soft"] = h5py.SoftLink("/many/ds07")
        f["many"]["up"] = h5py.SoftLink("/ordered")
        f["loop_a"] = h5py.SoftLink("/loop_b")
        f["loop_b"] = h5py.SoftLink("/loop_a")
        f["ext"] = h5py.ExternalLink("other.h5", "/x")
    with h5py.File(name, "r") as f:
        for p in ["fixed", "paged", "paged_first", "paged_last", "fixed_max", "ea", "ea_2d", "ea_gzip", "ea_dim1", "bt2", "bt2_gzip",
                  "single", "single_gzip", "single_empty", "implicit", "implicit_max", "be_f8", "contig", "strings", "compound", "committed",
                  "many/ds00", "many/ds31", "many/ds49", "ordered/z00_with_a_longer_name", "ordered/z37_with_a_longer_name"]:
            e = {"file": "latest.h5", **describe(f, p, out)}
            if p == "ea_dim1":
                # HDF5 1.10's chunk queries give the wrong coordinates for extensible arrays whose
                # unlimited dimension is not the first (the decoded chunks show it), so lookups by
                # coordinate miss chunks; listing by index still gives every chunk once.
                e["h5pyCoordsWrong"] = True
                ids = f[p].id
                e["chunkSet"] = [[i.byte_offset, i.size, i.filter_mask] for i in map(ids.get_chunk_info, range(ids.get_num_chunks()))]
            entries.append(e)
    # A 4 GiB user block (a sparse file): every structure and chunk lies past 2^32.
    big = os.path.join(out, "big.h5")
    with h5py.File(big, "w", userblock_size=2**32, libver="latest") as f:
        f.create_dataset("x", data=small_ints((40, 25), "<i4"), chunks=(8, 8), compression="gzip")
        f.create_dataset("y", data=small_ints((40, 25), "<i4"), chunks=(8, 8), maxshape=(None, 25))
    with h5py.File(big, "r") as f:
        for p in ["x", "y"]:
            entries.append({"file": "big.h5", "h5pyChunkBase": 2**32, **describe(f, p, out)})
    return entries


def hostile(out):
    """Small files for corruption tests: one per format generation."""
    entries = []
    for libver in ["earliest", "latest"]:
        name = f"{libver}-small.h5"
        with h5py.File(os.path.join(out, name), "w", libver=libver) as f:
            g = f.create_group("g")
            g.create_dataset("d", data=small_ints((60, 50), "<i4"), chunks=(7, 9), compression="gzip", shuffle=True)
            if libver == "latest":
                g.create_dataset("ea", data=small_ints((300, 4), "<i2"), maxshape=(None, 4), chunks=(5, 4))
                g.create_dataset("bt2", data=small_ints((40, 40), "<i2"), maxshape=(None, None), chunks=(4, 4), compression="gzip")
                for i in range(12):
                    g.create_dataset(f"x{i}", data=np.arange(3, dtype="<i4"))
        with h5py.File(os.path.join(out, name), "r") as f:
            for p in ["g/d"] + (["g/ea", "g/bt2", "g/x5"] if libver == "latest" else []):
                entries.append({"file": name, **describe(f, p, out)})
    return entries


def bench(out):
    """150,000 chunks under each kind of big index (for bench/hdf5-index.ts; no per-chunk info)."""
    data = small_ints((150_000, 4))
    entries = []
    for libver, paths in [("earliest", {"btree1": None}), ("latest", {"fixed": (150_000, 4), "extensible": (None, 4), "btree2": (None, None)})]:
        name = f"bench-{libver}.h5"
        with h5py.File(os.path.join(out, name), "w", libver=libver) as f:
            for path, maxshape in paths.items():
                f.create_dataset(path, data=data, maxshape=maxshape, chunks=(1, 4), compression="gzip", compression_opts=1)
        with h5py.File(os.path.join(out, name), "r") as f:
            for path in paths:
                entries.append({"file": name, "path": path, "numChunks": f[path].id.get_num_chunks()})
    return entries


if __name__ == "__main__":
    if sys.argv[1] == "info":
        with h5py.File(sys.argv[2], "r") as f:
            print(json.dumps(describe(f, sys.argv[3])))
        sys.exit(0)
    which, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    made = {"earliest": earliest, "latest": latest, "hostile": hostile, "bench": bench}[which](out)
    with open(os.path.join(out, "manifest.json"), "w") as fh:
        json.dump(made, fh)
