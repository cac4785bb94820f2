"""Never a confident wrong number: each input that used to give "TMB 0, TMB-low" with exit 0, written as the
real tool writes it, now stops with a one-line error or counts with a loud warning."""

from __future__ import annotations

import pytest

from biomarker.errors import InputError
from biomarker.tmb import compute_tmb
from tests.conftest import MUTECT_HEADER, csq, mutect_record

BED = [("chr1", 0, 1_000_000)]  # 1 Mb: TMB equals the count
MIS = [csq("T", "missense_variant", canonical="YES")]
UNFILTERED = (
    "##filtering_status=Warning: unfiltered Mutect 2 calls.  Please run FilterMutectCalls to remove false positives.\n"
)


def mutect_lines(n: int, filt: str = "PASS") -> list[str]:
    return [mutect_record("chr1", 100 + 10 * i, "C", "T", filt=filt, csq_entries=MIS) for i in range(n)]


# 1. unfiltered calls --------------------------------------------------------------------------------------
def test_unfiltered_mutect2_header_is_refused_naming_both_ways_on(write_vcf, write_bed) -> None:
    header = MUTECT_HEADER.replace("##source=Mutect2\n", "##source=Mutect2\n" + UNFILTERED)
    vcf = write_vcf(mutect_lines(5, filt="."), header)
    with pytest.raises(InputError, match=r"unfiltered calls.*FilterMutectCalls.*count_unfiltered=true"):
        compute_tmb(vcf, write_bed(BED), "wes")
    r = compute_tmb(vcf, write_bed(BED), "wes", overrides={"count_unfiltered": True})
    assert r.counted == 5 and r.tmb_per_mb == pytest.approx(5.0)
    assert any("unfiltered" in w and "counted as PASS" in w for w in r.warnings)
    assert r.to_dict()["warnings"] == r.warnings and "unfiltered" in r.summary["warnings"].iloc[0]


def test_every_record_dot_without_the_header_line_is_refused_after_the_scan(write_vcf, write_bed) -> None:
    vcf = write_vcf(mutect_lines(4, filt="."))
    with pytest.raises(InputError, match=r"all 4 records have FILTER '\.'"):
        compute_tmb(vcf, write_bed(BED), "wes")


def test_some_records_dot_keeps_the_old_rule(write_vcf, write_bed) -> None:
    vcf = write_vcf([*mutect_lines(3), mutect_record("chr1", 900, "C", "T", filt=".", csq_entries=MIS)])
    r = compute_tmb(vcf, write_bed(BED), "wes")
    assert r.counted == 3 and r.fates["filter"] == 1 and r.warnings == []


# 2. no annotation; 3. annotation not declared -------------------------------------------------------------
def test_no_annotation_is_refused_unless_the_consequence_filter_is_off(write_vcf, write_bed) -> None:
    header = MUTECT_HEADER.replace(MUTECT_HEADER.splitlines()[-1] + "\n", "")  # drop the CSQ line
    vcf = write_vcf([mutect_record("chr1", 100 + i, "C", "T") for i in range(3)], header)
    with pytest.raises(InputError, match=r"no annotation.*--off consequence --off population_af"):
        compute_tmb(vcf, write_bed(BED), "wes")
    r = compute_tmb(vcf, write_bed(BED), "wes", off=["consequence", "population_af"])
    assert r.counted == 3
    assert any("consequence filter is off" in w for w in r.warnings)


def test_csq_in_records_but_not_in_header_names_the_tag(write_vcf, write_bed) -> None:
    header = MUTECT_HEADER.replace(MUTECT_HEADER.splitlines()[-1] + "\n", "")
    vcf = write_vcf(mutect_lines(2), header)  # records still carry CSQ=...
    with pytest.raises(InputError, match=r"INFO/CSQ is in the records but not declared in the header"):
        compute_tmb(vcf, write_bed(BED), "wes", off=["consequence", "population_af"])


# 4. a sample-level INFO/AF is not a population frequency -----------------------------------------------------
FREEBAYES_HEADER = """##fileformat=VCFv4.2
##source=freeBayes v1.3.6
##contig=<ID=chr1,length=248956422>
##INFO=<ID=AF,Number=A,Type=Float,Description="Estimated allele frequency in the range (0,1]">
##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: Allele|Consequence|SYMBOL|Feature|gnomADe_AF">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">
##FORMAT=<ID=RO,Number=1,Type=Integer,Description="Reference allele observation count">
##FORMAT=<ID=AO,Number=A,Type=Integer,Description="Alternate allele observation count">
"""


def test_freebayes_info_af_is_not_read_as_germline(write_vcf, write_bed) -> None:
    lines = [
        "\t".join(
            [
                "chr1",
                str(100 + i),
                ".",
                "C",
                "T",
                "50",
                "PASS",
                "AF=0.5;CSQ=T|missense_variant|KRAS|ENST1|",
                "GT:DP:RO:AO",
                "0/1:60:30:30",
            ]
        )
        for i in range(6)
    ]
    vcf = write_vcf(lines, FREEBAYES_HEADER, samples=("tumour_only",))
    r = compute_tmb(vcf, write_bed(BED), "wes")
    assert r.caller == "freebayes" and r.counted == 6 and r.fates["population_af"] == 0
    # the user may still name it explicitly, and then it is a population AF
    named = compute_tmb(vcf, write_bed(BED), "wes", overrides={"population_af_info": ["AF"]})
    assert named.counted == 0 and named.fates["population_af"] == 6


# 5. a filter that cannot run --------------------------------------------------------------------------------
def test_f1cdx_without_a_cosmic_count_field_is_refused(write_vcf, write_bed) -> None:
    header = MUTECT_HEADER.replace("|COSMIC_CNT", "")
    line = mutect_record(
        "chr1",
        100,
        "C",
        "T",
        csq_entries=[csq("T", "missense_variant", existing="COSV1")[:-1]],
        tumour="0/1:140,60:0.3:200",
    )
    vcf = write_vcf([line], header)
    with pytest.raises(InputError, match=r"hotspot filter needs a COSMIC sample count.*--off hotspot"):
        compute_tmb(vcf, write_bed(BED), "f1cdx")
    with pytest.raises(InputError, match=r"hotspot filter needs a COSMIC sample count"):
        compute_tmb(vcf, write_bed(BED), "tso500")
    assert compute_tmb(vcf, write_bed(BED), "f1cdx", off=["hotspot"]).counted == 1


def test_population_af_absent_altogether_is_refused(write_vcf, write_bed) -> None:
    header = MUTECT_HEADER.replace("|gnomADe_AF|gnomADg_AF", "")
    entry = "|".join(
        ["T", "missense_variant", "MODERATE", "G", "ENSG1", "Transcript", "ENST1", "protein_coding", "", "", "", ""]
    )
    vcf = write_vcf([mutect_record("chr1", 100, "C", "T", csq_entries=[entry])], header)
    with pytest.raises(InputError, match=r"population_af filter needs.*--off population_af"):
        compute_tmb(vcf, write_bed(BED), "wes")
    assert compute_tmb(vcf, write_bed(BED), "wes", off=["population_af"]).counted == 1


# 6. samples ----------------------------------------------------------------------------------------------
def test_three_samples_are_never_guessed(write_vcf, write_bed) -> None:
    header = MUTECT_HEADER.replace("##tumor_sample=T1\n", "##tumor_sample=T1\n##tumor_sample=M1\n")
    line = mutect_record("chr1", 100, "C", "T", csq_entries=MIS) + "\t0/1:80,20:0.2:100"
    vcf = write_vcf([line], header, samples=("N1", "T1", "M1"))
    with pytest.raises(InputError, match=r"3 samples \(N1, T1, M1\).*--tumor-sample, one of: N1, T1, M1"):
        compute_tmb(vcf, write_bed(BED), "wes")
    r = compute_tmb(vcf, write_bed(BED), "wes", tumor_sample="M1")
    assert r.tumor_sample == "M1" and round(r.variants().vaf.iloc[0], 2) == 0.2


def test_strelka2_merged_without_indel_fields_says_so(write_vcf, write_bed) -> None:
    header = (
        "##fileformat=VCFv4.2\n##source=strelka\n##contig=<ID=chr1,length=248956422>\n"
        + "".join(f'##FORMAT=<ID={b}U,Number=2,Type=Integer,Description="tier1,tier2 {b}">\n' for b in "ACGT")
        + '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">\n'
        + '##INFO=<ID=ANN,Number=.,Type=String,Description="snpEff">\n'
        + '##INFO=<ID=gnomAD_AF,Number=A,Type=Float,Description="gnomAD">\n'
    )
    snv = "\t".join(
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
    indel = "\t".join(
        [
            "chr1",
            "200",
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
    vcf = write_vcf([snv, indel], header, samples=("NORMAL", "TUMOR"))
    with pytest.raises(
        InputError,
        match=r"chr1:200 CA>C: a Strelka2 indel, but the header declares no "
        r"FORMAT/TAR and TIR.*bcftools concat",
    ):
        compute_tmb(vcf, write_bed(BED), "wes")


# 7. records that are not point mutations; lowercase bases ----------------------------------------------------
def test_breakends_symbolic_and_star_are_never_counted(write_vcf, write_bed) -> None:
    lines = [
        mutect_record("chr1", 100, "G", "G]chr2:321682]", csq_entries=[csq("G]chr2:321682]", "missense_variant")]),
        mutect_record("chr1", 200, "C", "<DEL>", csq_entries=[csq("<DEL>", "transcript_ablation")]),
        mutect_record(
            "chr1",
            300,
            "C",
            "T,*",
            csq_entries=[csq("T", "missense_variant"), csq("*", "stop_gained")],
            tumour="0/1/2:60,30,10:0.3,0.1:100",
        ),
    ]
    r = compute_tmb(write_vcf(lines), write_bed(BED), "wes", off=["vaf", "depth", "alt_depth", "consequence"])
    df = r.variants()
    assert list(df.fate) == ["not_point_mutation", "not_point_mutation", "counted", "not_point_mutation"]
    assert r.counted == 1


def test_lowercase_bases_are_uppercase(write_vcf, write_bed, tmp_path) -> None:
    lines = [
        mutect_record("chr1", 100, "c", "t", csq_entries=MIS),
        mutect_record("chr1", 100, "C", "T", csq_entries=MIS),
    ]  # the same variant again: a duplicate
    r = compute_tmb(write_vcf(lines), write_bed(BED), "wes")
    df = r.variants()
    assert list(zip(df.ref, df.alt, df.fate, strict=True)) == [("C", "T", "counted"), ("C", "T", "duplicate")]
    listing = tmp_path / "hot.txt"
    listing.write_text("chr1\t100\tC\tT\n")
    assert compute_tmb(write_vcf(lines[:1]), write_bed(BED), "wes", drivers=listing).fates["hotspot"] == 1
