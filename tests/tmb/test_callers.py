"""Tumour sample choice and read support per caller, with VAFs worked out by hand."""

from __future__ import annotations

import pytest

from biomarker.errors import InputError
from biomarker.tmb import compute_tmb

BED = [("chr1", 0, 1_000_000)]
SNPEFF_INFO = "##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | Annotation'\">\n"
GNOMAD_INFO = '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD AF (bcftools annotate)">\n'
BASE = "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=248956422>\n" + SNPEFF_INFO + GNOMAD_INFO


def support(result) -> list[tuple[str, str, str, str]]:
    df = result.variants()
    return [(r.alt, f"{r.vaf:.4f}", str(r.depth), str(r.alt_depth)) for r in df.itertuples()]


def test_strelka2_snv_tier1_counts(write_vcf, write_bed) -> None:
    header = (
        BASE
        + "##source=strelka\n"
        + "".join(f'##FORMAT=<ID={b}U,Number=2,Type=Integer,Description="tier1,tier2 {b}">\n' for b in "ACGT")
        + '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">\n'
    )
    line = "\t".join(
        [
            "chr1",
            "100",
            ".",
            "C",
            "T",
            ".",
            "PASS",
            "ANN=T|missense_variant",
            "DP:AU:CU:GU:TU",
            "30:0,0:30,31:0,0:0,0",
            "60:0,0:45,46:0,0:15,16",
        ]
    )
    r = compute_tmb(write_vcf([line], header, samples=("NORMAL", "TUMOR")), write_bed(BED), "wes")
    assert r.tumor_sample == "TUMOR"
    assert r.caller == "strelka2"
    assert support(r) == [("T", "0.2500", "60", "15")]  # 15 / (45 + 15)


def test_strelka2_indel_tir_tar(write_vcf, write_bed) -> None:
    header = (
        BASE
        + "##source=strelka\n"
        + (
            '##FORMAT=<ID=TAR,Number=2,Type=Integer,Description="ref tiers">\n'
            '##FORMAT=<ID=TIR,Number=2,Type=Integer,Description="indel tiers">\n'
            '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">\n'
        )
    )
    line = "\t".join(
        [
            "chr1",
            "100",
            ".",
            "CA",
            "C",
            ".",
            "PASS",
            "ANN=C|frameshift_variant",
            "DP:TAR:TIR",
            "30:30,30:0,0",
            "50:36,40:12,13",
        ]
    )
    r = compute_tmb(write_vcf([line], header, samples=("NORMAL", "TUMOR")), write_bed(BED), "wes")
    assert support(r) == [("C", "0.2500", "50", "12")]  # 12 / (36 + 12)
    assert r.counted == 1


def test_varscan2_freq_percent_strings(write_vcf, write_bed) -> None:
    header = (
        BASE
        + "##source=VarScan2\n"
        + (
            '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">\n'
            '##FORMAT=<ID=RD,Number=1,Type=Integer,Description="ref">\n'
            '##FORMAT=<ID=AD,Number=1,Type=Integer,Description="alt">\n'
            '##FORMAT=<ID=FREQ,Number=1,Type=String,Description="freq">\n'
        )
    )
    lines = [
        "\t".join(
            [
                "chr1",
                "100",
                ".",
                "G",
                "A",
                ".",
                "PASS",
                "ANN=A|missense_variant",
                "DP:RD:AD:FREQ",
                "80:80:0:0%",
                "75:50:25:33.33%",
            ]
        ),
        "\t".join(
            [
                "chr1",
                "200",
                ".",
                "G",
                "A",
                ".",
                "PASS",
                "ANN=A|missense_variant",
                "DP:RD:AD:FREQ",
                "80:80:0:0%",
                "100:96:4:4,0%",
            ]
        ),  # comma decimal from some locales
    ]
    r = compute_tmb(write_vcf(lines, header, samples=("NORMAL", "TUMOR")), write_bed(BED), "wes")
    assert support(r) == [("A", "0.3333", "75", "25"), ("A", "0.0400", "100", "4")]
    assert r.fates["vaf"] == 1


def test_muse_has_no_af_so_vaf_comes_from_ad(write_vcf, write_bed) -> None:
    header = (
        BASE
        + '##MuSE_version="v1.0rc"\n'
        + (
            '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">\n'
            '##FORMAT=<ID=AD,Number=.,Type=Integer,Description="all alleles">\n'
        )
    )
    line = "\t".join(
        ["chr1", "100", ".", "C", "T", ".", "PASS", "ANN=T|missense_variant", "DP:AD", "147:118,29", "75:75,0"]
    )
    r = compute_tmb(write_vcf([line], header, samples=("TUMOR", "NORMAL")), write_bed(BED), "wes")
    assert r.caller == "muse"
    assert support(r) == [("T", "0.1973", "147", "29")]  # 29 / 147


def test_freebayes_multiallelic_ro_ao(write_vcf, write_bed) -> None:
    header = (
        BASE
        + "##source=freeBayes v1.3\n"
        + (
            '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">\n'
            '##FORMAT=<ID=RO,Number=1,Type=Integer,Description="ref obs">\n'
            '##FORMAT=<ID=AO,Number=A,Type=Integer,Description="alt obs">\n'
        )
    )
    line = "\t".join(
        [
            "chr1",
            "100",
            ".",
            "C",
            "T,G",
            ".",
            "PASS",
            "ANN=T|missense_variant,G|missense_variant",
            "DP:RO:AO",
            "100:80,:18,2",
        ]
    )
    line = line.replace("80,:18,2", "80:18,2")
    r = compute_tmb(write_vcf([line], header, samples=("sampleA",)), write_bed(BED), "wes")
    assert r.tumor_sample == "sampleA"  # the only sample
    assert support(r) == [("T", "0.1800", "100", "18"), ("G", "0.0200", "100", "2")]
    assert r.counted == 1 and r.fates["vaf"] == 1


def test_mutect2_missing_af_falls_back_to_ad_and_multiallelic_alts_stand_alone(write_vcf, write_bed) -> None:
    from tests.conftest import csq, mutect_record

    lines = [
        mutect_record("chr1", 100, "T", "A", csq_entries=[csq("A", "missense_variant")], tumour="0/1:97,3:.:100"),
        mutect_record(
            "chr1",
            200,
            "G",
            "A,T",
            csq_entries=[csq("A", "missense_variant"), csq("T", "stop_gained")],
            tumour="0/1/2:80,2,10:0.02,0.10:92",
        ),
    ]
    r = compute_tmb(write_vcf(lines), write_bed(BED), "wes")
    assert support(r) == [("A", "0.0300", "100", "3"), ("A", "0.0200", "92", "2"), ("T", "0.1000", "92", "10")]
    df = r.variants()
    assert list(df.fate) == ["vaf", "vaf", "counted"]
    assert df.consequence.iloc[2] == "stop_gained"


def test_ambiguous_tumour_lists_the_samples(write_vcf, write_bed) -> None:
    header = BASE + '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="a">\n'
    line = "\t".join(["chr1", "100", ".", "C", "T", ".", "PASS", "ANN=T|missense_variant", "AD", "10,0", "10,5"])
    vcf = write_vcf([line], header, samples=("S1", "S2"))
    with pytest.raises(InputError, match="--tumor-sample, one of: S1, S2"):
        compute_tmb(vcf, write_bed(BED), "wes", off=["depth"])
    r = compute_tmb(vcf, write_bed(BED), "wes", tumor_sample="S2")
    assert support(r) == [("T", "0.3333", "15", "5")]
    with pytest.raises(InputError, match="no sample 'S3'"):
        compute_tmb(vcf, write_bed(BED), "wes", tumor_sample="S3")


def test_missing_format_field_stops_unless_filter_off(write_vcf, write_bed) -> None:
    header = BASE + '##FORMAT=<ID=GT,Number=1,Type=String,Description="g">\n'
    line = "\t".join(["chr1", "100", ".", "C", "T", ".", "PASS", "ANN=T|missense_variant", "GT", "0/1"])
    vcf = write_vcf([line], header, samples=("TUMOR",))
    with pytest.raises(InputError, match=r"the vaf filter needs .* --off vaf"):
        compute_tmb(vcf, write_bed(BED), "wes")
    r = compute_tmb(vcf, write_bed(BED), "wes", off=["vaf", "depth", "alt_depth"])
    assert r.counted == 1
