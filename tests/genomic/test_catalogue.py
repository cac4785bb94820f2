"""SBS96 catalogue of a hand-built VCF, worked out by hand (including reverse-strand contexts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from biomarker.errors import InputError
from biomarker.genomic.catalogue import Reference, build_catalogue
from biomarker.genomic.channels import CHANNELS, channel_of
from biomarker.genomic.features import spectrum_features
from tests.genomic.conftest import write_vcf

# chr1 = ACATCGATTCAGGTACTTTTGG... (1-based). By hand:
#   1:2  C>A  context A C A                         -> A[C>A]A
#   1:6  G>T  context C G A, reverse strand T C G   -> T[C>A]G
#   1:10 C>T  context T C A                         -> T[C>T]A (APOBEC TCW)
#   1:12 G>C  context A G G, reverse strand C C T   -> C[C>G]T
#   1:15 A>G  context T A C, reverse strand G T A   -> G[T>C]A
#   1:17 TT>T deletion; 1:19 T>A fails FILTER; 2:1 G>A has no 5' base (context N)
ROWS = [
    "1\t2\t.\tC\tA\t.\tPASS\t.",
    "1\t6\t.\tG\tT\t.\tPASS\t.",
    "1\t10\t.\tC\tT\t.\tPASS\t.",
    "1\t12\t.\tG\tC\t.\tPASS\t.",
    "1\t15\t.\tA\tG\t.\tPASS\t.",
    "1\t17\t.\tTT\tT\t.\tPASS\t.",
    "1\t19\t.\tT\tA\t.\tweak_evidence\t.",
    "2\t1\t.\tG\tA\t.\t.\t.",
]
EXPECTED = {"A[C>A]A": 1, "T[C>A]G": 1, "T[C>T]A": 1, "C[C>G]T": 1, "G[T>C]A": 1}


def test_hand_worked_catalogue_with_reverse_strand_and_contig_naming(tmp_path: Path, fasta: Path) -> None:
    vcf = write_vcf(tmp_path / "t.vcf", ROWS)  # the VCF says "1", the FASTA "chr1"
    cat = build_catalogue(vcf, Reference(fasta), variant_set="passing", sample="T1")
    got = {CHANNELS[i]: int(n) for i, n in enumerate(cat.counts) if n}
    assert got == EXPECTED
    assert (cat.n_snv, cat.n_indel, cat.n_unknown_context) == (5, 1, 1)
    assert any("non-ACGT reference context" in w for w in cat.warnings)
    f = spectrum_features(cat.counts, cat.n_indel)
    assert f["transversion_frac"] == pytest.approx(3 / 5)
    assert f["c_to_a_frac"] == pytest.approx(2 / 5)
    assert f["apobec_frac"] == pytest.approx(1 / 5)
    assert f["indel_frac"] == pytest.approx(1 / 6)
    assert f["transversion_high"] is True


def test_maf_gives_the_same_catalogue(tmp_path: Path, fasta: Path) -> None:
    cols = [
        "Hugo_Symbol",
        "Chromosome",
        "Start_Position",
        "Reference_Allele",
        "Tumor_Seq_Allele1",
        "Tumor_Seq_Allele2",
        "Variant_Classification",
        "Tumor_Sample_Barcode",
        "FILTER",
    ]
    snvs = [
        ("chr1", 2, "C", "A"),
        ("chr1", 6, "G", "T"),
        ("chr1", 10, "C", "T"),
        ("chr1", 12, "G", "C"),
        ("chr1", 15, "A", "G"),
    ]
    lines = ["#version 2.4", "\t".join(cols)]
    lines += ["\t".join(["SYN1", c, str(p), r, r, a, "Missense_Mutation", "T1", "PASS"]) for c, p, r, a in snvs]
    lines.append("\t".join(["SYN1", "chr1", "18", "T", "T", "-", "Frame_Shift_Del", "T1", "PASS"]))
    maf = tmp_path / "t.maf"
    maf.write_text("\n".join(lines) + "\n")
    cat = build_catalogue(maf, Reference(fasta), variant_set="passing")
    assert {CHANNELS[i]: int(n) for i, n in enumerate(cat.counts) if n} == EXPECTED
    assert cat.n_indel == 1


def test_ref_unlike_the_fasta_is_an_error_naming_the_record(tmp_path: Path, fasta: Path) -> None:
    vcf = write_vcf(tmp_path / "t.vcf", ["1\t2\t.\tG\tA\t.\tPASS\t."])
    with pytest.raises(InputError, match=r"1:2 G>A.*REF G but the FASTA has C"):
        build_catalogue(vcf, Reference(fasta), variant_set="passing")


def test_other_assembly_lengths_and_missing_contig_are_errors(tmp_path: Path, fasta: Path) -> None:
    vcf = write_vcf(tmp_path / "t.vcf", ["1\t2\t.\tC\tA\t.\tPASS\t."], lengths=(1000, 32))
    with pytest.raises(InputError, match="contig 1 is 1000 bp in the calls"):
        build_catalogue(vcf, Reference(fasta), variant_set="passing")
    vcf = tmp_path / "u.vcf"
    write_vcf(vcf, ["chrX\t2\t.\tC\tA\t.\tPASS\t."], contig_prefix="chr")
    text = vcf.read_text().replace("##contig=<ID=chr2", "##contig=<ID=chrX,length=5>\n##contig=<ID=chr2")
    vcf.write_text(text)
    with pytest.raises(InputError, match="contig 'chrX' of the calls is not in the FASTA"):
        build_catalogue(vcf, Reference(fasta), variant_set="passing")


def test_counted_needs_a_bed(tmp_path: Path, fasta: Path) -> None:
    from biomarker.errors import ConfigError

    vcf = write_vcf(tmp_path / "t.vcf", ROWS)
    with pytest.raises(ConfigError, match="needs the capture BED"):
        build_catalogue(vcf, Reference(fasta))


def test_passing_set_restricted_to_targets(tmp_path: Path, fasta: Path) -> None:
    vcf = write_vcf(tmp_path / "t.vcf", ROWS)
    bed = tmp_path / "t.bed"
    bed.write_text("chr1\t0\t8\n")  # positions 1-8: only 1:2 and 1:6
    cat = build_catalogue(vcf, Reference(fasta), variant_set="passing", targets=bed)
    assert {CHANNELS[i] for i, n in enumerate(cat.counts) if n} == {"A[C>A]A", "T[C>A]G"}


@pytest.mark.parametrize("tri,alt", [("ACA", "A"), ("TTG", "C"), ("GCG", "T"), ("CAT", "G")])
def test_a_substitution_and_its_reverse_complement_share_a_channel(tri: str, alt: str) -> None:
    comp = str.maketrans("ACGT", "TGCA")
    assert channel_of(tri, alt) == channel_of(tri.translate(comp)[::-1], alt.translate(comp))
    assert CHANNELS[channel_of(tri, alt)][2] in "CT"  # pyrimidine-centred


def test_channels_match_the_cosmic_plot_order_and_file_order() -> None:
    assert CHANNELS[:5] == ("A[C>A]A", "A[C>A]C", "A[C>A]G", "A[C>A]T", "C[C>A]A")
    assert CHANNELS[-1] == "T[T>G]T" and len(set(CHANNELS)) == 96
    assert np.all([c[2] in "CT" for c in CHANNELS])
    from biomarker.genomic.channels import FILE_ORDER

    assert FILE_ORDER[:5] == ("A[C>A]A", "A[C>A]C", "A[C>A]G", "A[C>A]T", "A[C>G]A")


def test_fraction_cis_and_the_call_needs_enough_snvs() -> None:
    c = np.zeros(96, dtype=int)
    c[CHANNELS.index("A[C>A]A")] = 3
    c[CHANNELS.index("T[C>T]A")] = 1
    f = spectrum_features(c, n_indel=0, min_snvs=50)
    assert f["transversion_high"] is None and f["transversion_frac"] == 0.75
    # Clopper-Pearson 3/4: (0.1941, 0.9937); 0/4 indels: (0, 0.6024)
    assert (round(f["transversion_frac_ci95_low"], 4), round(f["transversion_frac_ci95_high"], 4)) == (0.1941, 0.9937)
    assert (f["indel_frac_ci95_low"], round(f["indel_frac_ci95_high"], 4)) == (0.0, 0.6024)
    empty = spectrum_features(np.zeros(96, dtype=int), 0)
    assert np.isnan(empty["transversion_frac"]) and empty["transversion_high"] is None


def test_unfiltered_vcf_and_maf_without_filter_warn(tmp_path: Path, fasta: Path) -> None:
    vcf = write_vcf(tmp_path / "t.vcf", ["1\t2\t.\tC\tA\t.\t.\t.", "1\t6\t.\tG\tT\t.\t.\t."])
    cat = build_catalogue(vcf, Reference(fasta), variant_set="passing")
    assert cat.n_snv == 2 and any("FILTER is '.' on every record" in w for w in cat.warnings)
    maf = tmp_path / "t.maf"
    maf.write_text(
        "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
        "Variant_Classification\tTumor_Sample_Barcode\nX\tchr1\t2\tC\tA\tMissense_Mutation\tT1\n"
    )
    cat = build_catalogue(maf, Reference(fasta), variant_set="passing")
    assert cat.n_snv == 1 and any("no FILTER column" in w for w in cat.warnings)
