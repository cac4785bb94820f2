#!/usr/bin/env python
"""Generate a TCGA-like multi-tumour MAF (GDC columns, vcf2maf values) with a known count per tumour.

Tumours draw their mutation counts from a log-normal (as TCGA cohorts do: a few hypermutated tumours,
most with tens to hundreds of variants), classes in TCGA-like shares, ~0.5 % duplicated rows (the same call
twice, as after a merge). Writes ``truth.tsv`` beside the MAF: per tumour, the rows, the duplicates, and the
count ``maftools::tmb()`` gives (its nine non-silent classes, duplicates removed).

Usage::

    python benchmarks/make_maf.py --tumours 10000 --rows 3000000 --out benchmarks/data/cohort.maf.gz

Same ``--seed`` gives a byte-identical file. Only numpy and the standard library.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np

COLUMNS = [
    "Hugo_Symbol",
    "Entrez_Gene_Id",
    "Center",
    "NCBI_Build",
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Strand",
    "Variant_Classification",
    "Variant_Type",
    "Reference_Allele",
    "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2",
    "dbSNP_RS",
    "Tumor_Sample_Barcode",
    "Matched_Norm_Sample_Barcode",
    "HGVSc",
    "HGVSp_Short",
    "Transcript_ID",
    "t_depth",
    "t_ref_count",
    "t_alt_count",
    "n_depth",
    "FILTER",
    "gnomAD_AF",
]
CLASSES = [
    ("Missense_Mutation", 0.52),
    ("Silent", 0.20),
    ("Nonsense_Mutation", 0.045),
    ("Frame_Shift_Del", 0.03),
    ("Frame_Shift_Ins", 0.012),
    ("Splice_Site", 0.018),
    ("In_Frame_Del", 0.006),
    ("In_Frame_Ins", 0.002),
    ("Nonstop_Mutation", 0.001),
    ("Translation_Start_Site", 0.001),
    ("3'UTR", 0.06),
    ("5'UTR", 0.025),
    ("Intron", 0.05),
    ("RNA", 0.02),
    ("Splice_Region", 0.01),
]
NON_SILENT = {
    "Frame_Shift_Del",
    "Frame_Shift_Ins",
    "Splice_Site",
    "Translation_Start_Site",
    "Nonsense_Mutation",
    "Nonstop_Mutation",
    "In_Frame_Del",
    "In_Frame_Ins",
    "Missense_Mutation",
}
CHROMS = [f"chr{i}" for i in range(1, 23)] + ["chrX"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tumours", type=int, default=10_000)
    ap.add_argument("--rows", type=int, default=3_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dup-rate", type=float, default=0.005)
    ap.add_argument("--out", required=True, help="MAF path (.maf or .maf.gz); truth.tsv is written beside it")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    weights = rng.lognormal(mean=0.0, sigma=1.1, size=args.tumours)
    n_unique = int(args.rows / (1 + args.dup_rate))
    per = np.maximum(1, np.floor(weights / weights.sum() * n_unique)).astype(np.int64)
    per[np.argmax(per)] += n_unique - per.sum()
    barcodes = np.array([f"TCGA-{i // 1000:02d}-{i % 10000:04d}-01A-11D-A000-08" for i in range(args.tumours)])
    names, shares = zip(*CLASSES, strict=True)
    p = np.array(shares) / sum(shares)
    out = Path(args.out)
    opener = gzip.open if out.suffix == ".gz" else open
    truth_rows = []
    bases = np.array(list("ACGT"))
    with opener(out, "wt", encoding="utf-8", newline="") as fh:  # type: ignore[operator]
        fh.write("#version gdc-1.0.0\n#annotation.spec gdc-1.0.1-public\n" + "\t".join(COLUMNS) + "\n")
        for t, n in enumerate(per):
            cls = rng.choice(len(names), size=n, p=p)
            chrom = rng.integers(0, len(CHROMS), size=n)
            pos = rng.integers(10_000, 100_000_000, size=n)
            ref = bases[rng.integers(0, 4, size=n)]
            alt = bases[(np.searchsorted(bases, ref) + rng.integers(1, 4, size=n)) % 4]
            depth = rng.integers(20, 400, size=n)
            alt_n = np.maximum(1, (depth * rng.beta(2, 6, size=n)).astype(np.int64))
            dup = rng.random(n) < args.dup_rate
            lines = []
            for k in range(n):
                c = names[cls[k]]
                r, a = ref[k], alt[k]
                vtype = "SNP"
                if c.startswith(("Frame_Shift_Del", "In_Frame_Del")):
                    r, a, vtype = r + "AC"[: 1 + (c == "In_Frame_Del")], "-", "DEL"
                elif c.startswith(("Frame_Shift_Ins", "In_Frame_Ins")):
                    r, a, vtype = "-", a + ("GG" if c == "In_Frame_Ins" else ""), "INS"
                gene = f"GENE{(chrom[k] * 7919 + pos[k] // 100_000) % 19000}"
                line = "\t".join(
                    (
                        gene,
                        "0",
                        "BI",
                        "GRCh38",
                        CHROMS[chrom[k]],
                        str(pos[k]),
                        str(pos[k]),
                        "+",
                        c,
                        vtype,
                        r,
                        r,
                        a,
                        "",
                        barcodes[t],
                        barcodes[t].replace("-01A-", "-10A-"),
                        f"c.{pos[k] % 3000}{r}>{a}",
                        f"p.X{pos[k] % 900}X",
                        "ENST00000000001",
                        str(depth[k]),
                        str(depth[k] - alt_n[k]),
                        str(alt_n[k]),
                        "60",
                        "PASS",
                        "",
                    )
                )
                lines.append(line)
                if dup[k]:
                    lines.append(line)
            fh.write("\n".join(lines) + "\n")
            counted = int(sum(1 for k in range(n) if names[cls[k]] in NON_SILENT))
            truth_rows.append(f"{barcodes[t]}\t{n + int(dup.sum())}\t{int(dup.sum())}\t{counted}")
    truth = out.with_name(out.name.split(".")[0] + ".truth.tsv")
    truth.write_text("sample\trows\tduplicates\tmaftools_count\n" + "\n".join(truth_rows) + "\n")
    print(f"{out}: {args.tumours} tumours, {int(per.sum())} unique rows; truth in {truth}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
