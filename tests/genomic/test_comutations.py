"""Co-mutation flags hand-worked from VEP CSQ, snpEff ANN and MAF records."""

from __future__ import annotations

from pathlib import Path

import pytest

from biomarker.genomic.catalogue import Reference, build_catalogue
from biomarker.genomic.comutations import DEFAULT_RULES, parse_hgvsp, rules_from_mapping
from tests.genomic.conftest import VEP_FORMAT, write_vcf

VEP_HEADER = (
    f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: {VEP_FORMAT}">'
)
ANN_HEADER = (
    "##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | Annotation | "
    "Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | "
    "HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | "
    "ERRORS / WARNINGS / INFO' \">"
)


def csq(*entries: tuple[str, ...]) -> str:
    return "CSQ=" + ",".join("|".join(e) for e in entries)


# Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSc|HGVSp|CANONICAL|MANE_SELECT
STK11_STOP = csq(
    (
        "A",
        "stop_gained",
        "HIGH",
        "STK11",
        "ENSG00000118046",
        "Transcript",
        "ENST00000326873.11",
        "protein_coding",
        "c.109C>T",
        "ENSP00000324856.6:p.Gln37Ter",
        "YES",
        "NM_000455.5",
    )
)
# KEAP1: missense on the MANE transcript, stop on another: the MANE transcript decides -> not loss of function
KEAP1_MISSENSE = csq(
    (
        "T",
        "missense_variant",
        "MODERATE",
        "KEAP1",
        "ENSG00000079999",
        "Transcript",
        "ENST00000171111.10",
        "protein_coding",
        "c.706G>A",
        "ENSP00000171111.5:p.Gly236Ser",
        "YES",
        "NM_203500.2",
    ),
    (
        "T",
        "stop_gained",
        "HIGH",
        "KEAP1",
        "ENSG00000079999",
        "Transcript",
        "ENST00000393623.6",
        "protein_coding",
        "c.50C>A",
        "ENSP00000377245.2:p.Ser17Ter",
        "",
        "",
    ),
)
KRAS_G12C = csq(
    (
        "A",
        "missense_variant",
        "MODERATE",
        "KRAS",
        "ENSG00000133703",
        "Transcript",
        "ENST00000311936.8",
        "protein_coding",
        "c.34G>T",
        "ENSP00000308495.3:p.Gly12Cys",
        "YES",
        "NM_004985.5",
    )
)
KRAS_G12D = KRAS_G12C.replace("Gly12Cys", "Gly12Asp")
POLE_EXO = csq(
    (
        "T",
        "missense_variant",
        "MODERATE",
        "POLE",
        "ENSG00000177084",
        "Transcript",
        "ENST1",
        "protein_coding",
        "c.857C>G",
        "ENSP1:p.Pro286Arg",
        "YES",
        "NM_006231.4",
    )
)
POLE_OUT = POLE_EXO.replace("Pro286Arg", "Pro600Arg")
EGFR_DEL19 = csq(
    (
        "-",
        "inframe_deletion",
        "MODERATE",
        "EGFR",
        "ENSG00000146648",
        "Transcript",
        "ENST2",
        "protein_coding",
        "c.2235_2249del",
        "ENSP2:p.Glu746_Ala750del",
        "YES",
        "NM_005228.5",
    )
)


def test_vep_flags_hand_worked(tmp_path: Path, fasta: Path) -> None:
    rows = [
        f"1\t2\t.\tC\tA\t.\tPASS\t{STK11_STOP}",
        f"1\t6\t.\tG\tT\t.\tPASS\t{KEAP1_MISSENSE}",
        f"1\t10\t.\tC\tA\t.\tPASS\t{KRAS_G12C}",
        f"1\t12\t.\tG\tT\t.\tPASS\t{POLE_OUT}",
        f"1\t17\t.\tTTTTG\tT\t.\tPASS\t{EGFR_DEL19}",
    ]
    vcf = write_vcf(tmp_path / "t.vcf", rows, info_header=VEP_HEADER)
    cat = build_catalogue(vcf, Reference(fasta), variant_set="passing")
    set_flags = {k for k, v in cat.flags.items() if v}
    assert set_flags == {"stk11_lof", "kras_mut", "kras_g12c", "egfr_mut"}
    assert cat.flags["keap1_lof"] is False and cat.flags["pole_exo"] is False
    stk = next(h for h in cat.hits if h.flag == "stk11_lof")
    assert (stk.chrom, stk.pos, stk.consequence) == ("1", 2, "stop_gained")


def test_vep_pole_exonuclease_domain_and_kras_other_alleles(tmp_path: Path, fasta: Path) -> None:
    rows = [
        f"1\t2\t.\tC\tA\t.\tPASS\t{POLE_EXO}",
        f"1\t10\t.\tC\tA\t.\tPASS\t{KRAS_G12D}",
        f"1\t12\t.\tG\tT\t.\tweak_evidence\t{STK11_STOP}",
    ]  # filtered: no flag
    vcf = write_vcf(tmp_path / "t.vcf", rows, info_header=VEP_HEADER)
    cat = build_catalogue(vcf, Reference(fasta), variant_set="passing")
    assert {k for k, v in cat.flags.items() if v} == {"pole_exo", "kras_mut"}


def ann(allele: str, effect: str, gene: str, hgvsp: str = "") -> str:
    return "|".join(
        [
            allele,
            effect,
            "HIGH",
            gene,
            gene,
            "transcript",
            "NM_1",
            "protein_coding",
            "1/10",
            "c.1A>T",
            hgvsp,
            "1/100",
            "1/90",
            "1/30",
            "",
            "",
        ]
    )


def test_snpeff_flags_hand_worked(tmp_path: Path, fasta: Path) -> None:
    rows = [
        f"1\t2\t.\tC\tA\t.\tPASS\tANN={ann('A', 'frameshift_variant', 'KEAP1')}",
        f"1\t6\t.\tG\tT\t.\tPASS\tANN={ann('T', 'splice_donor_variant&intron_variant', 'STK11')}",
        f"1\t10\t.\tC\tT\t.\tPASS\tANN={ann('T', 'synonymous_variant', 'B2M', 'p.Leu5Leu')}",
        f"1\t12\t.\tG\tC\t.\tPASS\tANN={ann('C', 'missense_variant', 'KRAS', 'p.Gly12Cys')},"
        f"{ann('C', 'upstream_gene_variant', 'SYN1')}",
    ]
    vcf = write_vcf(tmp_path / "t.vcf", rows, info_header=ANN_HEADER)
    cat = build_catalogue(vcf, Reference(fasta), variant_set="passing")
    assert {k for k, v in cat.flags.items() if v} == {"keap1_lof", "stk11_lof", "kras_mut", "kras_g12c"}


def test_maf_flags(tmp_path: Path, fasta: Path) -> None:
    cols = [
        "Hugo_Symbol",
        "Chromosome",
        "Start_Position",
        "Reference_Allele",
        "Tumor_Seq_Allele2",
        "Variant_Classification",
        "HGVSp_Short",
        "Tumor_Sample_Barcode",
    ]
    rows = [
        ("STK11", "chr1", "18", "T", "-", "Frame_Shift_Del", "p.L37fs"),
        ("KRAS", "chr1", "2", "C", "A", "Missense_Mutation", "p.G12C"),
        ("JAK2", "chr1", "6", "G", "T", "Splice_Site", ""),
    ]
    maf = tmp_path / "t.maf"
    maf.write_text("\n".join(["\t".join(cols)] + ["\t".join([*r, "T1"]) for r in rows]) + "\n")
    cat = build_catalogue(maf, Reference(fasta), variant_set="passing")
    assert {k for k, v in cat.flags.items() if v} == {"stk11_lof", "kras_mut", "kras_g12c", "jak2_lof"}


def test_unannotated_vcf_gives_missing_flags_and_a_warning(tmp_path: Path, fasta: Path) -> None:
    vcf = write_vcf(tmp_path / "t.vcf", ["1\t2\t.\tC\tA\t.\tPASS\t."])
    cat = build_catalogue(vcf, Reference(fasta), variant_set="passing")
    assert set(cat.flags.values()) == {None}
    assert any("co-mutation flags cannot be set" in w for w in cat.warnings)


@pytest.mark.parametrize(
    "text,short", [("p.Gly12Cys", "G12C"), ("ENSP1:p.Leu858Arg", "L858R"), ("p.(Gln37*)", "Q37*"), ("p.G719S", "G719S")]
)
def test_parse_hgvsp(text: str, short: str) -> None:
    assert parse_hgvsp(text).short == short


def test_egfr_g719x_matches_any_alt_and_custom_rules() -> None:
    rule = DEFAULT_RULES["egfr_mut"]
    assert rule.matches("EGFR", "missense_variant", parse_hgvsp("p.Gly719Ala"))
    assert not rule.matches("EGFR", "missense_variant", parse_hgvsp("p.Gly720Ala"))
    custom = rules_from_mapping({"kras_g12d": {"gene": "KRAS", "kind": "protein_changes", "changes": ["G12D"]}})
    assert custom["kras_g12d"].matches("KRAS", "missense_variant", parse_hgvsp("p.Gly12Asp"))


def test_vep_without_hgvs_uses_protein_position_and_amino_acids(tmp_path: Path, fasta: Path) -> None:
    fmt = "Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|Protein_position|Amino_acids|CANONICAL"
    header = (
        f'##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. Format: {fmt}">'
    )
    g12c = "CSQ=A|missense_variant|MODERATE|KRAS|ENSG00000133703|Transcript|ENST00000311936|protein_coding|12|G/C|YES"
    vcf = write_vcf(tmp_path / "t.vcf", [f"1\t2\t.\tC\tA\t.\tPASS\t{g12c}"], info_header=header)
    cat = build_catalogue(vcf, Reference(fasta), variant_set="passing")
    assert cat.flags["kras_g12c"] and cat.flags["kras_mut"]


def test_rules_yaml_adds_replaces_and_removes(tmp_path: Path) -> None:
    from biomarker.genomic.comutations import load_rules

    path = tmp_path / "rules.yaml"
    path.write_text(
        "kras_g12d: {gene: KRAS, kind: protein_changes, changes: [G12D]}\n"
        "keap1_lof: {gene: KEAP1, kind: protein_altering}\npten_lof: null\n"
    )
    rules = load_rules(path)
    assert "pten_lof" not in rules and "kras_g12d" in rules and "stk11_lof" in rules
    assert rules["keap1_lof"].matches("KEAP1", "missense_variant", parse_hgvsp("p.Gly236Ser"))
