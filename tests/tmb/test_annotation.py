"""Annotation formats normalised to Sequence Ontology, and the transcript choice."""

from __future__ import annotations

import pytest

from biomarker.tmb import compute_tmb
from biomarker.tmb.annotation import vep_allele
from biomarker.tmb.consequences import most_severe, normalise_term
from tests.conftest import csq, mutect_record

BED = [("chr1", 0, 1_000_000)]


def consequences(result) -> list[str]:
    return list(result.variants().consequence)


def test_vep_transcript_choice_mane_then_canonical_then_most_severe(write_vcf, write_bed) -> None:
    lines = [
        # MANE transcript is synonymous, another is missense: MANE wins, not counted
        mutect_record(
            "chr1",
            100,
            "C",
            "T",
            csq_entries=[
                csq("T", "missense_variant", tx="ENST_A"),
                csq("T", "synonymous_variant", tx="ENST_M", mane="NM_1.1", canonical="YES"),
            ],
        ),
        # no MANE: canonical (intron) beats a more severe non-canonical
        mutect_record(
            "chr1",
            200,
            "C",
            "T",
            csq_entries=[
                csq("T", "stop_gained", tx="ENST_A"),
                csq("T", "intron_variant", tx="ENST_C", canonical="YES"),
            ],
        ),
        # no flags: most severe of &-joined terms over all transcripts
        mutect_record(
            "chr1",
            300,
            "C",
            "T",
            csq_entries=[
                csq("T", "intron_variant&NMD_transcript_variant"),
                csq("T", "splice_region_variant&missense_variant"),
            ],
        ),
    ]
    vcf, bed = write_vcf(lines), write_bed(BED)
    r = compute_tmb(vcf, bed, "wes")
    assert consequences(r) == ["synonymous_variant", "intron_variant", "missense_variant"]
    assert list(r.variants().transcript) == ["ENST_M", "ENST_C", "ENST1"]
    worst = compute_tmb(vcf, bed, "wes", overrides={"transcript_choice": []})
    assert consequences(worst) == ["missense_variant", "stop_gained", "missense_variant"]
    assert worst.counted == 3 and r.counted == 1


def test_vep_alleles_of_multiallelic_indels_are_matched() -> None:
    assert vep_allele("AG", ["A"]) == ["-"]
    assert vep_allele("A", ["AT", "ATT"]) == ["T", "TT"]
    assert vep_allele("A", ["G", "AT"]) == ["G", "AT"]  # no shared first base: VEP keeps alleles whole


def test_multiallelic_vep_record_judged_per_alt(write_vcf, write_bed) -> None:
    line = mutect_record(
        "chr1",
        100,
        "ACG",
        "A,ACGT",
        tumour="0/1/2:50,25,25:0.25,0.25:100",
        csq_entries=[
            csq("-", "inframe_deletion", mane="NM_1.1"),
            csq("CGT", "frameshift_variant", mane="NM_1.1"),
            csq("CGT", "synonymous_variant", tx="ENST9"),
        ],
    )
    r = compute_tmb(write_vcf([line]), write_bed(BED), "wes")
    assert consequences(r) == ["inframe_deletion", "frameshift_variant"]
    assert r.counted == 2


@pytest.mark.parametrize(
    ("term", "so"),
    [
        ("Missense_Mutation", "missense_variant"),
        ("Frame_Shift_Del", "frameshift_variant"),
        ("Silent", "synonymous_variant"),
        ("conservative_inframe_deletion", "inframe_deletion"),
        ("5_prime_UTR_premature_start_codon_gain_variant", "5_prime_UTR_variant"),
        ("Splice_Site", "splice_site_variant"),
    ],
)
def test_vocabularies_normalise_to_so(term: str, so: str) -> None:
    assert normalise_term(term) == so


def test_one_severity_order() -> None:
    assert most_severe(["synonymous_variant", "missense_variant", "intron_variant"]) == "missense_variant"
    assert most_severe(["splice_region_variant", "intron_variant"]) == "splice_region_variant"
    assert most_severe(["frameshift_variant", "stop_gained"]) == "stop_gained"


FUNCO_HEADER = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=248956422>\n##tumor_sample=T1\n"
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="a">\n##FORMAT=<ID=AF,Number=A,Type=Float,Description="f">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">\n'
    '##INFO=<ID=FUNCOTATION,Number=A,Type=String,Description="Functional annotation from the Funcotator tool.  '
    "Funcotation fields are: Gencode_34_hugoSymbol|Gencode_34_variantClassification|Gencode_34_annotationTranscript"
    '|gnomAD_exome_AF">\n'
)


def test_funcotator(write_vcf, write_bed) -> None:
    lines = [
        "\t".join(
            [
                "chr1",
                "100",
                ".",
                "C",
                "T,G",
                ".",
                "PASS",
                "FUNCOTATION=[KRAS|MISSENSE|ENST1|],[KRAS|SILENT|ENST1|]",
                "AD:AF:DP",
                "30,10,10:0.2,0.2:50",
            ]
        ),
        "\t".join(
            [
                "chr1",
                "200",
                ".",
                "C",
                "T",
                ".",
                "PASS",
                "FUNCOTATION=[TP53|NONSENSE|ENST2|0.3]",
                "AD:AF:DP",
                "30,20:0.4:50",
            ]
        ),
    ]
    r = compute_tmb(write_vcf(lines, FUNCO_HEADER, samples=("T1",)), write_bed(BED), "wes")
    df = r.variants()
    assert list(df.consequence) == ["missense_variant", "synonymous_variant", "stop_gained"]
    assert list(df.fate) == ["counted", "consequence", "population_af"]
    assert list(df.gene) == ["KRAS", "KRAS", "TP53"]


ANNOVAR_HEADER = (
    "##fileformat=VCFv4.2\n##contig=<ID=chr1,length=248956422>\n"
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="a">\n##FORMAT=<ID=AF,Number=A,Type=Float,Description="f">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="d">\n'
    + "".join(
        f'##INFO=<ID={k},Number=.,Type=String,Description="{k}">\n'
        for k in ("Func.refGene", "Gene.refGene", "ExonicFunc.refGene", "gnomAD_exome_ALL")
    )
)


def test_annovar_flat_fields(write_vcf, write_bed) -> None:
    def rec(pos: int, func: str, exonic: str, af: str = ".") -> str:
        return "\t".join(
            [
                "chr1",
                str(pos),
                ".",
                "C",
                "T",
                ".",
                "PASS",
                f"Func.refGene={func};Gene.refGene=G{pos};ExonicFunc.refGene={exonic};gnomAD_exome_ALL={af}",
                "AD:AF:DP",
                "70,30:0.3:100",
            ]
        )

    lines = [
        rec(100, "exonic", "nonsynonymous_SNV"),
        rec(200, "exonic", "synonymous_SNV"),
        rec(300, "splicing", "."),
        rec(400, "exonic\\x3bsplicing", "stopgain"),
        rec(500, "UTR3", "."),
        rec(600, "exonic", "nonsynonymous_SNV", "0.2"),
    ]
    r = compute_tmb(write_vcf(lines, ANNOVAR_HEADER, samples=("TUMOR",)), write_bed(BED), "wes")
    df = r.variants()
    # exonic;splicing: VEP's order ranks a splice site above stop_gained
    assert list(df.consequence) == [
        "missense_variant",
        "synonymous_variant",
        "splice_site_variant",
        "splice_site_variant",
        "3_prime_UTR_variant",
        "missense_variant",
    ]
    assert list(df.fate) == ["counted", "consequence", "counted", "counted", "consequence", "population_af"]
