"""Write a genotype-shaped int8 HDF5 dataset for the hdf5Source measurement.

usage: make-bench-hdf5.py OUT.h5 [VARIANTS]   (default 65530 variants x 765 samples x 2, ~100 MB)

Dataset calldata/genotype, gzip level 3, chunks (6553, 10, 2), as scikit-allel's vcf_to_hdf5
writes them; values mostly 0, some 1, a few -1 (missing), from a fixed seed.
"""
import sys

import h5py
import numpy as np

path = sys.argv[1]
variants = int(sys.argv[2]) if len(sys.argv) > 2 else 65530
samples, ploidy, block = 765, 2, 6553
rng = np.random.default_rng(42)
with h5py.File(path, "w") as f:
    ds = f.create_dataset("calldata/genotype", shape=(variants, samples, ploidy), dtype="i1",
                          chunks=(block, 10, ploidy), compression="gzip", compression_opts=3)
    for start in range(0, variants, block):
        n = min(block, variants - start)
        u = rng.random((n, samples, ploidy))
        ds[start:start + n] = np.where(u < 0.9, 0, np.where(u < 0.98, 1, -1)).astype("i1")
