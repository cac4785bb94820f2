"""Shared test helpers: write small real VCF/BED files for the engine to read; find the shared fixtures
(``BIOMARKER_SHARED_FIXTURES`` or ``../shared/fixtures``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pysam
import pytest

#: The environment variable naming the shared fixtures folder wherever the checkout is.
FIXTURES_ENV = "BIOMARKER_SHARED_FIXTURES"


def find_shared_fixtures() -> Path:
    """``$BIOMARKER_SHARED_FIXTURES`` when set, else ``../shared/fixtures`` beside the checkout."""
    named = os.environ.get(FIXTURES_ENV)
    return Path(named).expanduser().resolve() if named else Path(__file__).resolve().parents[2] / "shared" / "fixtures"


SHARED_FIXTURES = find_shared_fixtures()

# Models asked for no worker count run in this process: on CI's two cores, loky workers only add their start-up
# (~11 s of the suite's CPU). Tests of the parallel paths ask for their workers; a developer may set another.
os.environ.setdefault("BIOMARKER_JOBS", "1")

MUTECT_HEADER = """##fileformat=VCFv4.2
##source=Mutect2
##tumor_sample=T1
##normal_sample=N1
##contig=<ID=chr1,length=248956422>
##contig=<ID=chr2,length=242193529>
##contig=<ID=chr12,length=133275309>
##FILTER=<ID=PASS,Description="All filters passed">
##FILTER=<ID=weak_evidence,Description="weak">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">
##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">
##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|CANONICAL|MANE_SELECT|Existing_variation|gnomADe_AF|gnomADg_AF|COSMIC_CNT">
"""


def csq(
    allele: str,
    consequence: str,
    *,
    gene: str = "G",
    tx: str = "ENST1",
    canonical: str = "",
    mane: str = "",
    existing: str = "",
    gnomade: str = "",
    gnomadg: str = "",
    cosmic_cnt: str = "",
) -> str:
    """One VEP CSQ transcript entry in the MUTECT_HEADER field order."""
    return "|".join(
        [
            allele,
            consequence,
            "MODERATE",
            gene,
            "ENSG1",
            "Transcript",
            tx,
            "protein_coding",
            canonical,
            mane,
            existing,
            gnomade,
            gnomadg,
            cosmic_cnt,
        ]
    )


def mutect_record(
    chrom: str,
    pos: int,
    ref: str,
    alt: str,
    *,
    filt: str = "PASS",
    csq_entries: Sequence[str] = (),
    normal: str = "0/0:50,0:0.0:50",
    tumour: str = "0/1:70,30:0.3:100",
) -> str:
    """A Mutect2-style tumour/normal record line (NORMAL then TUMOR columns)."""
    info = "CSQ=" + ",".join(csq_entries) if csq_entries else "."
    return "\t".join([chrom, str(pos), ".", ref, alt, ".", filt, info, "GT:AD:AF:DP", normal, tumour])


@pytest.fixture
def write_vcf(tmp_path: Path) -> Callable[..., Path]:
    """Write a VCF from a header and record lines; ``bgzip=True`` also compresses and indexes it."""

    def _write(
        lines: Sequence[str],
        header: str = MUTECT_HEADER,
        samples: Sequence[str] = ("N1", "T1"),
        name: str = "t.vcf",
        bgzip: bool = False,
    ) -> Path:
        columns = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO" + (
            "\tFORMAT\t" + "\t".join(samples) if samples else ""
        )
        path = tmp_path / name
        path.write_text(header + columns + "\n" + "".join(line + "\n" for line in lines))
        if bgzip:
            gz = Path(str(path) + ".gz")
            pysam.tabix_compress(str(path), str(gz), force=True)
            pysam.tabix_index(str(gz), preset="vcf", force=True)
            return gz
        return path

    return _write


@pytest.fixture
def write_bed(tmp_path: Path) -> Callable[..., Path]:
    """Write a BED from (chrom, start, end) tuples."""

    def _write(intervals: Sequence[tuple[str, int, int]], name: str = "t.bed") -> Path:
        path = tmp_path / name
        path.write_text("".join(f"{c}\t{s}\t{e}\n" for c, s, e in intervals))
        return path

    return _write


@pytest.fixture
def shared_fixtures() -> Path:
    """The shared fixtures (``$BIOMARKER_SHARED_FIXTURES`` or ``../shared/fixtures``); tests that need them are
    skipped when the folder is absent (never in CI: .ci/run checks). A variable naming a missing folder is an
    error, not a skip: the user asked for those fixtures."""
    if os.environ.get(FIXTURES_ENV) and not SHARED_FIXTURES.is_dir():
        pytest.fail(f"{FIXTURES_ENV}={os.environ[FIXTURES_ENV]} is not a folder")
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(f"{SHARED_FIXTURES} is absent (set {FIXTURES_ENV} to its path)")
    return SHARED_FIXTURES
