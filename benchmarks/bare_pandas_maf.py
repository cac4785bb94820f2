#!/usr/bin/env python
"""The bare pandas baseline for cohort TMB: what maftools::tmb() computes, in a few lines of pandas.

Reads the six columns it needs, removes duplicated variants (tumour, chromosome, start, REF, ALT2),
keeps maftools' nine non-silent classes, counts per tumour and divides by 50 Mb. No checks, no audit,
no CI: the floor a checked tool is measured against. Prints ``tumours<TAB>sum of counts``.

Usage::

    python benchmarks/bare_pandas_maf.py benchmarks/data/cohort.maf.gz [--out counts.tsv]
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

NON_SILENT = [
    "Frame_Shift_Del",
    "Frame_Shift_Ins",
    "Splice_Site",
    "Translation_Start_Site",
    "Nonsense_Mutation",
    "Nonstop_Mutation",
    "In_Frame_Del",
    "In_Frame_Ins",
    "Missense_Mutation",
]
KEY = ["Tumor_Sample_Barcode", "Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("maf")
    ap.add_argument("--out")
    args = ap.parse_args(argv)
    maf = pd.read_csv(
        args.maf,
        sep="\t",
        comment="#",
        usecols=[*KEY, "Variant_Classification"],
        dtype={"Start_Position": "int64"},
        low_memory=False,
    )
    maf = maf.drop_duplicates(subset=KEY)
    samples = maf["Tumor_Sample_Barcode"].unique()
    counts = maf[maf["Variant_Classification"].isin(NON_SILENT)].groupby("Tumor_Sample_Barcode").size()
    counts = counts.reindex(samples, fill_value=0)
    tmb = pd.DataFrame({"sample": counts.index, "count": counts.to_numpy(), "tmb_per_mb": counts.to_numpy() / 50})
    if args.out:
        tmb.to_csv(args.out, sep="\t", index=False)
    print(f"{len(tmb)}\t{int(tmb['count'].sum())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
