"""Hand-built inputs of the genomic tests: a small FASTA and VCF writers."""

from __future__ import annotations

from pathlib import Path

import pysam
import pytest

#: chr1 of the test genome, 1-based positions as in the comments of test_catalogue.py.
CHR1 = "ACATCGATTCAGGTACTTTTGGCCAATTGGCCAATTGGCCAATTGGCCAATTGGCCAAT"
CHR2 = "GGGGTTTTCCCCAAAAGGGGTTTTCCCCAAAA"

VEP_FORMAT = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSc|HGVSp|CANONICAL|MANE_SELECT"


@pytest.fixture
def fasta(tmp_path: Path) -> Path:
    path = tmp_path / "ref.fa"
    path.write_text(f">chr1\n{CHR1[:30]}\n{CHR1[30:]}\n>chr2\n{CHR2}\n")
    pysam.faidx(str(path))
    return path


def write_vcf(
    path: Path,
    rows: list[str],
    *,
    contig_prefix: str = "",
    info_header: str = "",
    lengths: tuple[int, int] = (len(CHR1), len(CHR2)),
) -> Path:
    """A minimal one-sample VCF (``rows`` are tab-joined CHROM..INFO; FORMAT/sample are added)."""
    head = [
        "##fileformat=VCFv4.2",
        f"##contig=<ID={contig_prefix}1,length={lengths[0]}>",
        f"##contig=<ID={contig_prefix}2,length={lengths[1]}>",
        '##FILTER=<ID=PASS,Description="All filters passed">',
        '##FILTER=<ID=weak_evidence,Description="weak">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    ]
    if info_header:
        head.append(info_header)
    head.append("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTUMOR")
    path.write_text("\n".join(head + [f"{r}\tGT\t0/1" for r in rows]) + "\n")
    return path
