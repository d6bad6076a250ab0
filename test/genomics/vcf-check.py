"""Cross-check a VCF Zarr store written by zarrflow's importVcf against the VCF read by
cyvcf2 (htslib), opening the store with zarr-python 2.13 (so it must read what we wrote).

Usage: vcf-check.py VCF ZARR
Prints one JSON object: {"records", "arrays": [names checked], "errors": [...], "skipped": [...]}.
Expected values follow the VCF Zarr spec v0.4 conventions (bio2zarr's): Integer -1 missing /
-2 fill, Float NaN bit patterns 0x7F800001 missing / 0x7F800002 fill, strings "." / "".
"""
import json
import sys

import cyvcf2
import numpy as np
import zarr

FIXED = {"variant_contig", "variant_position", "variant_length", "variant_id", "variant_id_mask",
         "variant_allele", "variant_quality", "variant_filter", "call_genotype", "call_genotype_phased",
         "call_genotype_mask", "sample_id", "contig_id", "contig_length", "filter_id",
         "filter_description", "region_index"}
F_MISSING, F_FILL = 0x7F800001, 0x7F800002
INT_MIN = -2147483648

vcf_path, zarr_path = sys.argv[1], sys.argv[2]
errors, skipped = [], []


def err(msg):
    if len(errors) < 50:
        errors.append(msg)


root = zarr.open_consolidated(zarr_path, mode="r")
attrs = dict(root.attrs)
if attrs.get("vcf_zarr_version") != "0.4":
    err(f"vcf_zarr_version {attrs.get('vcf_zarr_version')!r}")
if not str(attrs.get("source", "")).startswith("zarrflow"):
    err(f"source {attrs.get('source')!r}")
arrays = {k: root[k] for k in root.array_keys()}
data = {k: a[:] for k, a in arrays.items()}

# Dimensions: every array names its dimensions, one size per name, one variants chunk size.
dim_size, vchunks = {}, set()
for k, a in arrays.items():
    dims = a.attrs.get("_ARRAY_DIMENSIONS")
    if not isinstance(dims, list) or len(dims) != a.ndim:
        err(f"{k}: _ARRAY_DIMENSIONS {dims!r} for shape {a.shape}")
        continue
    for d, n in zip(dims, a.shape):
        if dim_size.setdefault(d, n) != n:
            err(f"{k}: dimension {d} is {n}, elsewhere {dim_size[d]}")
    if dims and dims[0] == "variants":
        vchunks.add(a.chunks[0])
    if a.dtype == object and not any(f.codec_id == "vlen-utf8" for f in (a.filters or [])):
        err(f"{k}: object dtype without the vlen-utf8 filter")
if len(vchunks) > 1:
    err(f"variants chunk sizes differ: {vchunks}")

vcf = cyvcf2.VCF(vcf_path)
header = list(vcf.header_iter())
samples = list(vcf.samples)
nS = len(samples)
if list(data["sample_id"]) != samples:
    err(f"sample_id {list(data['sample_id'])[:5]} != {samples[:5]}")
hdr_contigs = [h.info() for h in header if h.type == "CONTIG"]
contig_id = list(data["contig_id"])
if contig_id[:len(hdr_contigs)] != [c["ID"] for c in hdr_contigs]:
    err(f"contig_id {contig_id} does not start with the header's {[c['ID'] for c in hdr_contigs]}")
if hdr_contigs and all("length" in c for c in hdr_contigs) and len(hdr_contigs) == len(contig_id):
    if "contig_length" not in data or list(data["contig_length"]) != [int(c["length"]) for c in hdr_contigs]:
        err("contig_length")
hdr_filters = [h.info()["ID"] for h in header if h.type == "FILTER"]
filter_id = list(data["filter_id"])
want_filters = ["PASS"] + [f for f in hdr_filters if f != "PASS"]
if filter_id[:len(want_filters)] != want_filters:
    err(f"filter_id {filter_id} != {want_filters}")
info_defs = {h.info()["ID"]: h.info() for h in header if h.type == "INFO"}
format_defs = {h.info()["ID"]: h.info() for h in header if h.type == "FORMAT"}

info_arrays = [k for k in arrays if k.startswith("variant_") and k not in FIXED]
format_arrays = [k for k in arrays if k.startswith("call_") and k not in FIXED]


def width(k):
    a = data[k]
    return a.shape[-1] if a.ndim == (2 if k.startswith("variant_") else 3) else None


def numeric_row(values, w, is_float):
    """Expected stored numbers for a list of cyvcf2 values (None = missing), padded to w."""
    out = []
    for x in values:
        if is_float:
            out.append(F_MISSING if x is None else int(np.array([x], dtype=np.float32).view(np.int32)[0]))
        else:
            out.append(-1 if x is None else int(x))
    fill = F_FILL if is_float else -2
    return out + [fill] * ((w or 1) - len(out))


def stored_numbers(arr, is_float):
    return arr.view(np.int32).tolist() if is_float else arr.tolist()


checked = set(["sample_id", "contig_id", "filter_id", "filter_description"] + (["contig_length"] if "contig_length" in data else []))
P = data["call_genotype"].shape[2] if "call_genotype" in data else 0
n = 0
for i, v in enumerate(vcf):
    n += 1
    if i >= data["variant_position"].shape[0]:
        err("more records in the VCF than in the store")
        break
    where = f"record {i} ({v.CHROM}:{v.POS})"
    # Fixed fields
    if contig_id[data["variant_contig"][i]] != v.CHROM:
        err(f"{where}: variant_contig")
    if data["variant_position"][i] != v.POS:
        err(f"{where}: variant_position {data['variant_position'][i]}")
    if data["variant_id"][i] != (v.ID or ".") or bool(data["variant_id_mask"][i]) != (v.ID is None):
        err(f"{where}: variant_id {data['variant_id'][i]!r} / mask")
    alleles = [v.REF] + list(v.ALT)
    want = alleles + [""] * (data["variant_allele"].shape[1] - len(alleles))
    if list(data["variant_allele"][i]) != want:
        err(f"{where}: variant_allele {list(data['variant_allele'][i])} != {want}")
    q = int(data["variant_quality"][i:i + 1].view(np.int32)[0])
    if q != numeric_row([v.QUAL], 1, True)[0]:
        err(f"{where}: variant_quality bits {q:#x} for {v.QUAL}")
    want = [f in v.FILTERS for f in filter_id]
    if list(data["variant_filter"][i]) != want:
        err(f"{where}: variant_filter {list(data['variant_filter'][i])} != {want} ({v.FILTERS})")
    if data["variant_length"][i] != v.end - v.start:
        err(f"{where}: variant_length {data['variant_length'][i]} != {v.end - v.start}")
    # INFO
    for k in info_arrays:
        key = k[len("variant_"):]
        d = info_defs.get(key, {"Type": "String"})
        w = width(k)
        got = data[k][i]
        val = v.INFO.get(key)
        if d["Type"] == "Flag":
            if bool(got) != bool(val):
                err(f"{where}: {k} {got} != {val}")
            continue
        if d["Type"] in ("Integer", "Float") and not isinstance(val, str):
            is_float = d["Type"] == "Float"
            vals = [None] * (w or 1) if val is None else (list(val) if isinstance(val, tuple) else [val])
            want = numeric_row(vals, w, is_float)
            have = stored_numbers(np.atleast_1d(got), is_float)
        else:
            parts = ["."] * (w or 1) if val is None else str(val).split(",")
            want = parts + [""] * ((w or 1) - len(parts))
            have = [str(x) for x in np.atleast_1d(got)]
        if have != want:
            err(f"{where}: {k} {have} != {want}")
    # FORMAT
    for k in format_arrays:
        key = k[len("call_"):]
        d = format_defs.get(key, {"Type": "String"})
        w = width(k)
        got = data[k][i]
        try:
            f = v.format(key)
        except Exception as e:  # cyvcf2 fails to decode some omitted string values
            skipped.append(f"{where}: {k}: cyvcf2: {e}")
            continue
        is_float = d["Type"] == "Float"
        if d["Type"] in ("Integer", "Float") and (f is None or f.dtype != object and f.dtype.kind != "U"):
            for j in range(nS):
                if f is None:
                    want = [F_MISSING if is_float else -1] * (w or 1)
                elif is_float:
                    want = f[j].view(np.int32).tolist() + [F_FILL] * ((w or 1) - f.shape[1])
                else:
                    want = [(-1 if x == INT_MIN else -2 if x == INT_MIN + 1 else int(x)) for x in f[j]] + [-2] * ((w or 1) - f.shape[1])
                have = stored_numbers(np.atleast_1d(got[j]), is_float)
                if have != want:
                    err(f"{where}: {k} sample {j} {have} != {want}")
        else:
            for j in range(nS):
                parts = ["."] * (w or 1) if f is None else str(f[j]).split(",")
                want = parts + [""] * ((w or 1) - len(parts))
                have = [str(x) for x in np.atleast_1d(got[j])]
                if have != want:
                    err(f"{where}: {k} sample {j} {have} != {want}")
    # GT
    if P:
        try:
            ga = v.genotype.array() if "GT" in v.FORMAT else None
        except Exception:
            ga = None
        gt, ph, mask = data["call_genotype"][i], data["call_genotype_phased"][i], data["call_genotype_mask"][i]
        for j in range(nS):
            if ga is None:
                want, want_ph = [-1] * P, False
            else:
                row = ga[j].tolist()
                al = row[:-1]
                want = al + [-2] * (P - len(al))
                # a call of one allele counts as phased (bio2zarr stores haploid calls phased)
                want_ph = sum(1 for a in al if a != -2) == 1 or bool(row[-1])
            if gt[j].tolist() != want or bool(ph[j]) != want_ph:
                err(f"{where}: GT sample {j} {gt[j].tolist()} phased {bool(ph[j])} != {want} {want_ph}")
            if mask[j].tolist() != [a < 0 for a in gt[j].tolist()]:
                err(f"{where}: call_genotype_mask sample {j}")
if n != data["variant_position"].shape[0]:
    err(f"{n} records in the VCF, {data['variant_position'].shape[0]} in the store")
checked.update(["variant_contig", "variant_position", "variant_id", "variant_id_mask", "variant_allele",
                "variant_quality", "variant_filter", "variant_length"] + info_arrays + format_arrays)
if P:
    checked.update(["call_genotype", "call_genotype_phased", "call_genotype_mask"])

# Region index, recomputed as the spec describes.
if "region_index" in data:
    c, p, ln = data["variant_contig"], data["variant_position"], data["variant_length"]
    size = arrays["variant_position"].chunks[0]
    rows = []
    for ch in range(0, len(p), size):
        cc, pp, ee = c[ch:ch + size], p[ch:ch + size], p[ch:ch + size] + ln[ch:ch + size] - 1
        s = 0
        for e in list(np.nonzero(np.diff(cc, append=-1))[0]):
            rows.append([ch // size, int(cc[s]), int(pp[s]), int(pp[e]), int(ee[s:e + 1].max()), int(e - s + 1)])
            s = e + 1
    if data["region_index"].tolist() != rows or data["region_index"].dtype != data["variant_position"].dtype:
        err(f"region_index {data['region_index'].tolist()[:3]} != {rows[:3]}")
    checked.add("region_index")

unchecked = sorted(set(arrays) - checked)
if unchecked:
    err(f"arrays not checked: {unchecked}")
print(json.dumps({"records": n, "arrays": sorted(checked), "errors": errors, "skipped": skipped[:20], "nskipped": len(skipped)}))
