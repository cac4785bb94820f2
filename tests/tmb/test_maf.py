"""MAF input judged by the same chain as a VCF."""

from __future__ import annotations

import pytest

from biomarker.errors import InputError
from biomarker.tmb import compute_tmb

COLS = [
    "Hugo_Symbol",
    "Chromosome",
    "Start_Position",
    "End_Position",
    "Variant_Classification",
    "Variant_Type",
    "Reference_Allele",
    "Tumor_Seq_Allele1",
    "Tumor_Seq_Allele2",
    "Tumor_Sample_Barcode",
    "t_depth",
    "t_ref_count",
    "t_alt_count",
    "FILTER",
    "gnomAD_AF",
]


def maf_text(rows: list[list[str]]) -> str:
    return "#version 2.4\n" + "\t".join(COLS) + "\n" + "".join("\t".join(r) + "\n" for r in rows)


ROWS = [
    [
        "KRAS",
        "chr12",
        "25245350",
        "25245350",
        "Missense_Mutation",
        "SNP",
        "C",
        "C",
        "A",
        "P1-T",
        "100",
        "70",
        "30",
        "PASS",
        "",
    ],
    ["TP53", "chr17", "7673802", "7673802", "Silent", "SNP", "C", "C", "T", "P1-T", "100", "70", "30", "PASS", ""],
    [
        "EGFR",
        "chr7",
        "55174772",
        "55174786",
        "In_Frame_Del",
        "DEL",
        "GGAATTAAGAGAAGC",
        "GGAATTAAGAGAAGC",
        "-",
        "P1-T",
        "80",
        "60",
        "20",
        "PASS",
        "",
    ],
    [
        "STK11",
        "chr19",
        "1220000",
        "1220001",
        "Frame_Shift_Ins",
        "INS",
        "-",
        "-",
        "T",
        "P1-T",
        "50",
        "48",
        "2",
        "PASS",
        "",
    ],
    [
        "KEAP1",
        "chr19",
        "10500000",
        "10500000",
        "Nonsense_Mutation",
        "SNP",
        "G",
        "G",
        "A",
        "P1-T",
        "60",
        "30",
        "30",
        "PASS",
        "0.01",
    ],
    [
        "NF1",
        "chr17",
        "31000000",
        "31000000",
        "Missense_Mutation",
        "SNP",
        "G",
        "G",
        "A",
        "P1-T",
        "60",
        "30",
        "30",
        "strand_bias",
        "",
    ],
]


def test_maf_rows_get_fates(tmp_path, write_bed) -> None:
    maf = tmp_path / "p1.maf"
    maf.write_text(maf_text(ROWS))
    bed = write_bed(
        [
            ("chr12", 25245000, 25246000),
            ("chr17", 7673000, 7674000),
            ("chr7", 55174000, 55175000),
            ("chr19", 1219000, 1221000),
            ("chr19", 10499000, 10501000),
            ("chr17", 30999000, 31001000),
        ]
    )
    r = compute_tmb(maf, bed, "wes")
    assert r.input_type == "maf" and r.tumor_sample == "P1-T"
    df = r.variants()
    assert list(df.consequence) == ["missense_variant", "synonymous_variant", "inframe_deletion", "", "stop_gained", ""]
    assert list(df.fate) == ["counted", "consequence", "counted", "vaf", "population_af", "filter"]
    assert df.vaf.iloc[3] == pytest.approx(0.04)  # 2 / 50
    assert r.territory_bp == 9000 and r.counted == 2


def test_maf_with_several_tumours_needs_a_choice(tmp_path, write_bed) -> None:
    rows = [*ROWS, [*ROWS[0][:9], "P2-T", *ROWS[0][10:]]]
    maf = tmp_path / "two.maf"
    maf.write_text(maf_text(rows))
    bed = write_bed([("chr12", 25245000, 25246000)])
    with pytest.raises(InputError, match="P1-T, P2-T"):
        compute_tmb(maf, bed, "wes")
    assert compute_tmb(maf, bed, "wes", tumor_sample="P2-T").counted == 1


def test_maf_missing_columns(tmp_path, write_bed) -> None:
    maf = tmp_path / "bad.maf"
    maf.write_text("Hugo_Symbol\tChromosome\tStart_Position\nKRAS\tchr12\t1\n")
    with pytest.raises(InputError, match="missing MAF column"):
        compute_tmb(maf, write_bed([("chr12", 0, 100)]), "wes")


def test_maf_text_in_a_number_column_names_line_and_column(tmp_path, write_bed) -> None:
    rows = [list(r) for r in ROWS[:2]]
    rows[1][2] = "7673802x"
    maf = tmp_path / "bad_pos.maf"
    maf.write_text(maf_text(rows))
    with pytest.raises(InputError, match=r"line 4: Start_Position '7673802x' is not a number"):
        compute_tmb(maf, write_bed([("chr12", 0, 100)]), "wes")
    rows[1][2], rows[1][10] = "7673802", "10O"
    maf.write_text(maf_text(rows))
    with pytest.raises(InputError, match=r"line 4: t_depth '10O' is not a number"):
        compute_tmb(maf, write_bed([("chr12", 0, 100)]), "wes")
