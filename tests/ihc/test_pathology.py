"""read_pathology: the simulator's table against its truth, XLSX percent cells, wide layouts, errors naming the cell."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import openpyxl
import pytest

from biomarker.errors import InputError
from biomarker.ihc import PATHOLOGY_COLUMNS, read_pathology
from biomarker.simulate import simulate_study


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdl1_study")
    simulate_study(out, n_patients=40, seed=3, exome_mb=0.2)
    return out


def _truth_category(tps: float) -> str:
    return "<1" if tps < 1 else "1-49" if tps < 50 else ">=50"


def test_simulated_table_matches_planted_truth(study: Path) -> None:
    df = read_pathology(study / "pathology" / "pdl1_til.csv")
    assert list(df.columns) == list(PATHOLOGY_COLUMNS)
    truth = {r["USUBJID"]: r for r in csv.DictReader((study / "truth" / "patients.csv").read_text().splitlines())}
    assert set(df.usubjid) == set(truth)
    for row in df.itertuples():
        true_tps = float(truth[row.usubjid]["pdl1_tps_true_pct"])
        if row.pdl1_tps_reported == "not evaluable":
            assert row.tissue_adequate is False or row.tissue_adequate == False  # noqa: E712
            assert row.pdl1_category is None
            continue
        assert row.tissue_adequate
        assert row.pdl1_category == _truth_category(true_tps)
        if row.pdl1_tps_reported not in ("<1%", "1-49%", ">=50%"):
            assert row.pdl1_tps_pct == float(row.pdl1_tps_reported.rstrip("%"))
            assert abs(row.pdl1_tps_pct - true_tps) < 1.0 or row.pdl1_category == ">=50"
        else:  # labs score whole percents: a true 49.7% is written 49% or "1-49%"
            assert row.pdl1_tps_low_pct <= math.floor(true_tps) <= row.pdl1_tps_high_pct
    assert df.assay.eq("22C3").all()
    assert df.attrs["provenance"]["sha256"]
    # TIL stromal % as written, NaN where the lab left it blank
    raw = {
        r["USUBJID"]: r["TIL_STROMAL_PCT"]
        for r in csv.DictReader((study / "pathology" / "pdl1_til.csv").read_text().splitlines())
    }
    for row in df.itertuples():
        assert (raw[row.usubjid] == "" and row.til_stromal_pct != row.til_stromal_pct) or row.til_stromal_pct == float(
            raw[row.usubjid]
        )


def _csv(tmp_path: Path, text: str, name: str = "p.csv") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_unknown_spelling_names_file_row_and_value(tmp_path: Path) -> None:
    p = _csv(tmp_path, "USUBJID,ASSAY,PDL1_TPS\nS1,22C3,55%\nS2,22C3,weakly positive\n")
    with pytest.raises(InputError) as exc:
        read_pathology(p)
    msg = str(exc.value)
    assert "p.csv" in msg and "line 3" in msg and "weakly positive" in msg
    df = read_pathology(p, mapping={"weakly positive": "1-49%"})
    assert df.pdl1_category.tolist() == [">=50", "1-49"]


@pytest.mark.parametrize("bad", ["101%", "-3", "250"])
def test_impossible_tps_is_an_error(tmp_path: Path, bad: str) -> None:
    p = _csv(tmp_path, f"USUBJID,PDL1_TPS\nS1,{bad}\n")
    with pytest.raises(InputError, match=r"line 2"):
        read_pathology(p, assay="22C3")


def test_mapping_yaml_renames_columns_and_adds_spellings(tmp_path: Path) -> None:
    p = _csv(tmp_path, "Patient,Clone,PD-L1 score (%),sTIL\nA,SP263,trace,10%\nB,SP263,NE,\n")
    y = tmp_path / "map.yaml"
    y.write_text("columns:\n  usubjid: Patient\n  tps: PD-L1 score (%)\nspellings:\n  trace: '<1%'\n")
    df = read_pathology(p, mapping=y)
    assert df.usubjid.tolist() == ["A", "B"]
    assert df.assay.tolist() == ["SP263", "SP263"]
    assert df.pdl1_category.tolist() == ["<1", None]
    assert df.tissue_adequate.tolist() == [True, False]
    assert df.til_stromal_pct.iloc[0] == 10.0


def test_wide_layout_one_row_per_assay(tmp_path: Path) -> None:
    p = _csv(tmp_path, "USUBJID,22C3 TPS,SP263_TC,SP142 IC,22C3 CPS,TILs\nS1,60%,55%,IC2,70,20\nS2,<1%,,IC0,<1,5\n")
    df = read_pathology(p)
    s1 = df[df.usubjid == "S1"].set_index("assay")
    assert s1.loc["22C3", "pdl1_tps_pct"] == 60 and s1.loc["22C3", "pdl1_cps"] == 70
    assert s1.loc["SP263", "pdl1_tps_pct"] == 55
    assert (s1.loc["SP142", "pdl1_ic_low_pct"], s1.loc["SP142", "pdl1_ic_high_pct"]) == (5, 10)
    assert set(df[df.usubjid == "S2"].assay) == {"22C3", "SP263", "SP142"}
    assert df.til_stromal_pct.tolist()[:1] == [20.0]


def test_xlsx_percent_cells_and_text_cells(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["USUBJID", "ASSAY", "TPS", "CPS"])
    ws.append(["S1", "28-8", 0.55, 12])
    ws["C2"].number_format = "0%"  # Excel shows 55%, stores 0.55
    ws.append(["S2", "PD-L1 IHC 22C3 pharmDx", "≥50%", None])
    ws.append(["S3", "22C3", "bad", None])
    p = tmp_path / "p.xlsx"
    wb.save(p)
    with pytest.raises(InputError, match=r"row 4.*'bad'"):
        read_pathology(p)
    ws.delete_rows(4)
    wb.save(p)
    df = read_pathology(p)
    assert df.pdl1_tps_pct.tolist()[0] == 55.0
    assert df.assay.tolist() == ["28-8", "22C3"]
    assert df.pdl1_category.tolist() == [">=50", ">=50"]
    assert df.pdl1_cps.tolist()[0] == 12.0


def test_no_subject_or_score_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no subject column"):
        read_pathology(_csv(tmp_path, "ID,TPS\n1,5\n"))
    with pytest.raises(InputError, match=r"no PD-L1 score column"):
        read_pathology(_csv(tmp_path, "USUBJID,Comment\nS1,ok\n"))
