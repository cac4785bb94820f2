"""read_tbnk_export: FACSCanto, MultiSET, CDISC LB and mapped layouts; units; QC flags; bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from biomarker.errors import ConfigError, InputError
from biomarker.flow import TBNK_COLUMNS, QcRules, normalise_visit, read_tbnk_export, unit_factor

CANTO_HEADER = (
    "Sample ID,Patient ID,Visit,Collection Date,CD3+ %Lymphs,CD3+ Abs Cnt,CD3+CD4+ %Lymphs,CD3+CD4+ Abs Cnt,"
    "CD3+CD8+ %Lymphs,CD3+CD8+ Abs Cnt,CD16+CD56+ %Lymphs,CD16+CD56+ Abs Cnt,CD19+ %Lymphs,CD19+ Abs Cnt,"
    "CD45+ Abs Cnt,4/8 Ratio\n"
)


def _write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_simulated_facscanto_export_is_read_as_written(fcs_study: Path) -> None:
    path = fcs_study / "flow" / "tbnk.csv"
    t = read_tbnk_export(path)
    assert list(t.columns) == list(TBNK_COLUMNS)
    raw = list(csv.DictReader(path.read_text().splitlines()))
    assert len(t) == len(raw)
    for r, row in zip(raw, t.itertuples(), strict=True):
        assert (row.usubjid, row.visit) == (r["Patient ID"], r["Visit"])
        assert row.cd3_pct_lymph == float(r["CD3+ %Lymphs"]) and row.cd3_abs_per_ul == float(r["CD3+ Abs Cnt"])
        assert row.cd4_abs_per_ul == float(r["CD3+CD4+ Abs Cnt"]) and row.cd8_pct_lymph == float(r["CD3+CD8+ %Lymphs"])
        assert row.nk_pct_lymph == float(r["CD16+CD56+ %Lymphs"]) and row.b_abs_per_ul == float(r["CD19+ Abs Cnt"])
        assert row.lymph_abs_per_ul == float(r["CD45+ Abs Cnt"])
        assert row.cd4_cd8_ratio == pytest.approx(float(r["4/8 Ratio"]), abs=0.006)
        assert row.lymphosum_pct == float(r["CD3+ %Lymphs"]) + float(r["CD19+ %Lymphs"]) + float(
            r["CD16+CD56+ %Lymphs"]
        )
    assert t.qc_flags.eq("").all()  # the simulator's lymphosums are 96-103
    assert t.attrs["provenance"]["layout"] == "facscanto"


def test_multiset_layout(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "Sample ID,Case Number,Visit,(Average) CD3+ %Lymph,(Average) CD3+ Abs Cnt,"
        "(Average) CD3+CD4+ %Lymph,(Average) CD3+CD4+ Abs Cnt,(Average) CD3+CD8+ %Lymph,"
        "(Average) CD3+CD8+ Abs Cnt,(Average) CD3-CD19+ %Lymph,(Average) CD3-CD19+ Abs Cnt,"
        "(Average) CD3-CD16+56+ %Lymph,(Average) CD3-CD16+56+ Abs Cnt,(Average) CD45+ Abs Cnt,Lymphosum\n"
        "X1,S1,Cycle 1 Day 1,70,1400,45,900,22,440,15,300,13,260,2000,98\n",
    )
    t = read_tbnk_export(p)
    assert t.attrs["provenance"]["layout"] == "multiset"
    row = t.iloc[0]
    assert (row.usubjid, row.visit, row.sample_id) == ("S1", "C1D1", "X1")
    assert (row.cd3_abs_per_ul, row.cd4_pct_lymph, row.b_pct_lymph, row.nk_abs_per_ul) == (1400, 45, 15, 260)
    assert row.lymphosum_pct == 98 and row.cd4_cd8_ratio == pytest.approx(900 / 440)


def test_units_in_column_names_are_converted(tmp_path: Path) -> None:
    p = _write(
        tmp_path, "Patient ID,Visit,CD3+ %Lymphs,CD3+ Abs Cnt (10^9/L),CD19+ Abs Cnt (cells/uL)\nS1,C1D1,70,1.25,300\n"
    )
    t = read_tbnk_export(p)
    assert t.cd3_abs_per_ul.iloc[0] == 1250.0 and t.b_abs_per_ul.iloc[0] == 300.0


@pytest.mark.parametrize(
    ("unit", "factor"),
    [
        ("cells/uL", 1),
        ("cells/µL", 1),
        ("/mm3", 1),
        ("10^9/L", 1000),
        ("x10E9/L", 1000),
        ("10*9/L", 1000),
        ("G/L", 1000),
        ("/nL", 1000),
        ("cells/mL", 0.001),
        ("10^6/L", 1),
        ("x10E6/L", 1),
    ],
)
def test_unit_factors(unit: str, factor: float) -> None:
    assert unit_factor(unit) == factor


def test_unknown_unit_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"unknown count unit"):
        unit_factor("furlongs")


def test_mapping_file_for_another_layout(tmp_path: Path) -> None:
    p = _write(
        tmp_path, "Subject;Timepoint;T %;T abs;Th abs;Tc abs;NK %\n".replace(";", ",") + "S9,C2D1,71,1.1,0.7,0.35,12\n"
    )
    y = _write(
        tmp_path,
        "columns:\n  usubjid: Subject\n  visit: Timepoint\n  cd3_pct_lymph: T %\n  cd3_abs_per_ul: T abs\n"
        "  cd4_abs_per_ul: Th abs\n  cd8_abs_per_ul: Tc abs\n  nk_pct_lymph: NK %\nunits: 10^9/L\n",
        "map.yaml",
    )
    t = read_tbnk_export(p, mapping=y)
    row = t.iloc[0]
    assert (row.usubjid, row.visit, row.cd3_pct_lymph, row.nk_pct_lymph) == ("S9", "C2D1", 71, 12)
    assert (row.cd3_abs_per_ul, row.cd4_abs_per_ul, row.cd8_abs_per_ul) == (1100, 700, 350)
    assert row.cd4_cd8_ratio == 2.0
    assert np.isnan(row.b_pct_lymph) and np.isnan(row.lymphosum_pct)
    with pytest.raises(ConfigError, match=r"unknown field"):
        read_tbnk_export(p, mapping={"columns": {"usubjid": "Subject", "tcells": "T %"}})
    with pytest.raises(InputError, match=r"not in the header"):
        read_tbnk_export(p, mapping={"usubjid": "Subject", "visit": "Visit"})


def test_cdisc_lb_long_table_with_mixed_units(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "STUDYID,USUBJID,VISIT,LBTESTCD,LBORRES,LBORRESU,LBDTC\n"
        "T,S1,C1D1,CD3LY,70,%,2024-01-02\nT,S1,C1D1,CD3,1.4,10^9/L,2024-01-02\n"
        "T,S1,C1D1,CD4,900,cells/uL,2024-01-02\nT,S1,C1D1,CD8,450,cells/uL,2024-01-02\n"
        "T,S1,C1D1,CD19LY,15,%,2024-01-02\nT,S1,C1D1,NKLY,14,%,2024-01-02\n"
        "T,S1,C1D1,HGB,13,g/dL,2024-01-02\nT,S1,C2D1,CD3LY,72,%,2024-01-23\n",
    )
    t = read_tbnk_export(p)
    assert t.attrs["provenance"]["layout"] == "lb"
    s1 = t.set_index("visit").loc["C1D1"]
    assert (s1.cd3_pct_lymph, s1.cd3_abs_per_ul, s1.cd4_abs_per_ul, s1.b_pct_lymph, s1.nk_pct_lymph) == (
        70,
        1400,
        900,
        15,
        14,
    )
    assert s1.lymphosum_pct == 99 and s1.cd4_cd8_ratio == 2.0 and s1.collection_date == "2024-01-02"
    assert t.visit.tolist() == ["C1D1", "C2D1"]
    dup = _write(tmp_path, "USUBJID,VISIT,LBTESTCD,LBORRES,LBORRESU\nS1,C1D1,CD3LY,70,%\nS1,C1D1,CD3LY,71,%\n", "d.csv")
    with pytest.raises(InputError, match=r"given twice"):
        read_tbnk_export(dup)
    nounit = _write(tmp_path, "USUBJID,VISIT,LBTESTCD,LBORRES,LBORRESU\nS1,C1D1,CD3,1400,\n", "n.csv")
    with pytest.raises(InputError, match=r"no unit"):
        read_tbnk_export(nounit)


def _canto(tmp_path: Path, rows: list[str]) -> Path:
    return _write(tmp_path, CANTO_HEADER + "".join(r + "\n" for r in rows))


def test_qc_flags(tmp_path: Path) -> None:
    p = _canto(
        tmp_path,
        [
            "A,S1,C1D1,,70,1400,40,800,25,500,15,300,12,240,2000,1.6",  # lymphosum 97: clean
            "B,S2,C1D1,,70,1400,40,800,25,500,5,100,6,120,2000,1.6",  # lymphosum 81
            "C,S3,C1D1,,60,1200,50,1000,25,500,20,400,18,360,2000,2.0",  # CD4+CD8 75 > CD3 60 + 10
            "D,S4,C1D1,,70,1400,40,800,-5,500,15,300,12,240,2000,1.6",  # negative
            "E,S5,C1D1,,104,1400,40,800,25,500,15,300,12,240,2000,1.6",  # % > 100
            "F,S6,C1D1,,75,1500,30,600,25,500,12,240,11,220,2000,1.2",  # CD4+CD8 55 < CD3 75 - 10: the other way
        ],
    )
    t = read_tbnk_export(p).set_index("usubjid")
    assert t.loc["S1", "qc_flags"] == ""
    assert t.loc["S2", "qc_flags"] == "lymphosum_out_of_range"
    assert t.loc["S3", "qc_flags"] == "cd4_cd8_exceeds_cd3"
    assert t.loc["S6", "qc_flags"] == "cd4_cd8_short_of_cd3"
    assert t.loc["S4", "qc_flags"].startswith("negative:cd8_pct_lymph=-5") and np.isnan(t.loc["S4", "cd8_pct_lymph"])
    assert "pct_over_100:cd3_pct_lymph=104" in t.loc["S5", "qc_flags"] and np.isnan(t.loc["S5", "cd3_pct_lymph"])
    # configurable: a 2-point lymphosum tolerance flags 97; a 20-point CD4+CD8 margin clears S3
    assert (
        read_tbnk_export(p, qc=QcRules(lymphosum_tolerance=2)).set_index("usubjid").loc["S1", "qc_flags"]
        == "lymphosum_out_of_range"
    )
    assert (
        "cd4_cd8_exceeds_cd3"
        not in read_tbnk_export(p, qc=QcRules(cd4_cd8_margin=20)).set_index("usubjid").loc["S3", "qc_flags"]
    )


def test_counts_in_the_wrong_unit_are_flagged(tmp_path: Path) -> None:
    """10^9/L values under a cells/uL header (1.4 lymphocytes per uL) are implausible, never silently used."""
    p = _canto(tmp_path, ["A,S1,C1D1,,70,0.98,40,0.56,25,0.35,15,0.21,12,0.17,1.4,1.6"])
    assert read_tbnk_export(p).qc_flags.iloc[0] == "lymph_abs_implausible=1.4"
    fixed = read_tbnk_export(p, mapping={"units": "10^9/L"})  # the export's real unit, for every count column
    assert fixed.lymph_abs_per_ul.iloc[0] == 1400 and fixed.cd3_abs_per_ul.iloc[0] == 980
    assert fixed.cd4_cd8_ratio.iloc[0] == pytest.approx(0.56 / 0.35)
    assert fixed.qc_flags.iloc[0] == ""


def test_duplicate_subject_visit_is_an_error(tmp_path: Path) -> None:
    p = _canto(
        tmp_path,
        [
            "A,S1,C1D1,,70,1400,40,800,25,500,15,300,12,240,2000,1.6",
            "B,S1,Cycle 1 Day 1,,71,1400,40,800,25,500,15,300,12,240,2000,1.6",
        ],
    )
    with pytest.raises(InputError, match=r"S1 visit C1D1 appears more than once .*line 2.*line 3"):
        read_tbnk_export(p)


def test_values_that_are_not_numbers_name_the_cell(tmp_path: Path) -> None:
    p = _canto(tmp_path, ["A,S1,C1D1,,70,1400,40,800,25,500,15,300,12,lots,2000,1.6"])
    with pytest.raises(InputError, match=r"t.csv: line 2: column 'CD19\+ Abs Cnt': 'lots' is not a number"):
        read_tbnk_export(p)


def test_unknown_layout_and_missing_ids(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"not a known TBNK export"):
        read_tbnk_export(_write(tmp_path, "a,b\n1,2\n"))
    with pytest.raises(InputError, match=r"no visit column"):
        read_tbnk_export(_write(tmp_path, "Patient ID,CD3+ %Lymphs\nS1,70\n", "v.csv"))
    with pytest.raises(ConfigError, match=r"unknown TBNK layout"):
        read_tbnk_export(_write(tmp_path, "Patient ID,Visit,CD3+ %Lymphs\nS1,C1D1,70\n", "w.csv"), layout="cytek")


def test_xlsx_export(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Patient ID", "Visit", "CD3+ %Lymphs", "CD3+ Abs Cnt"])
    ws.append(["S1", "C4D1", 66, 1200])
    p = tmp_path / "t.xlsx"
    wb.save(p)
    t = read_tbnk_export(p)
    assert (t.visit.iloc[0], t.cd3_pct_lymph.iloc[0], t.cd3_abs_per_ul.iloc[0]) == ("C4D1", 66, 1200)


@pytest.mark.parametrize(
    ("text", "visit"),
    [
        ("C1D1", "C1D1"),
        ("cycle 2 day 1", "C2D1"),
        ("C4 D1", "C4D1"),
        ("Cycle 4, Day 1", "C4D1"),
        ("Screening", "SCREENING"),
    ],
)
def test_visit_spellings(text: str, visit: str) -> None:
    assert normalise_visit(text) == visit


def test_dot_is_empty_and_subject_visit_never_from_the_file_name(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "Sample ID\tCase Number\tVisit\tCollection Date\t(Average) CD3+ %Lymph\t"
        "(Average) CD3+ Abs Cnt\tCD3/CD4/CD45 TruC Bead Events\tCD3/CD4/CD45 TruC Lymph Events\r"
        "X1\t.\tC1D1\tWed, Jun 3, 2015 3:21 PM\t70\t1400\t400\t3000\r",
        name="S9_C1D1.csv",
    )
    with pytest.raises(InputError, match=r"S9_C1D1.csv: line 2: no usubjid for this row \(empty or '.'\)"):
        read_tbnk_export(p)
    manifest = _write(tmp_path, "file,subject,visit,date\nX1,S-09,C1D1,\n", name="manifest.csv")
    row = read_tbnk_export(p, manifest=manifest).iloc[0]
    assert (row.usubjid, row.visit, row.collection_date) == ("S-09", "C1D1", "2015-06-03")
    # 400 bead events: the instrument's count is too few for an absolute count; withheld, not reported 10x wrong
    assert np.isnan(row.cd3_abs_per_ul) and row.cd3_pct_lymph == 70
    assert row.qc_flags == "few_beads=400;absolute_counts_withheld"
    clash = _write(tmp_path, "file,subject,visit\nX1,S-09,C2D1\n", name="clash.csv")
    with pytest.raises(InputError, match=r"visit 'C1D1' differs from the manifest's 'C2D1'"):
        read_tbnk_export(p, manifest=clash)


def test_a_date_that_is_not_a_date_names_the_row(tmp_path: Path) -> None:
    p = _write(tmp_path, "Patient ID,Visit,Collection Date,CD3+ %Lymphs\nS1,C1D1,yesterday,70\n")
    with pytest.raises(InputError, match=r"line 2: collection date 'yesterday' is not a date"):
        read_tbnk_export(p)
