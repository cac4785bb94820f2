"""PD-L1 columns of published NSCLC cohorts (../shared/fixtures/real) read as their authors wrote them."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from biomarker.errors import InputError
from biomarker.ihc import read_pathology

pytestmark = pytest.mark.shared_fixtures

RIZVI2015_SPELLINGS = {
    "Strong(>or =50% membraneous staining)": ">=50%",
    "Weak(1-49% membraneous staining": "1-49%",  # sic: no closing bracket in the cBioPortal export
    "Negative(<1% membraneous staining)": "<1%",
}


def test_rizvi2015_categories_need_a_mapping_then_match_the_export(shared_fixtures: Path) -> None:
    path = shared_fixtures / "real" / "rizvi2015_luad_mskcc_2015_clinical.tsv"
    with pytest.raises(InputError, match=r"rizvi2015_luad_mskcc_2015_clinical.tsv: line \d+: .*membraneous staining"):
        read_pathology(path)
    df = read_pathology(path, mapping=RIZVI2015_SPELLINGS)
    assert len(df) == 35
    assert df.pdl1_category.value_counts().to_dict() == {"1-49": 14, ">=50": 10, "<1": 6}
    assert int((df.tissue_adequate == False).sum()) == 4  # noqa: E712 - "Unassessable"
    assert int(df.tissue_adequate.isna().sum()) == 1  # "NA": nothing reported
    assert df.pdl1_tps_pct.isna().all()  # categories only: intervals, never invented numbers


def test_rizvi2018_scores(shared_fixtures: Path) -> None:
    path = shared_fixtures / "real" / "rizvi2018_nsclc_pd1_msk_2018_clinical.tsv"
    df = read_pathology(path, assay="22C3")
    assert len(df) == 240 and df.usubjid.is_unique
    assert int(df.pdl1_tps_pct.notna().sum()) == 240 - 154
    assert int((df.pdl1_tps_pct == 0).sum()) == 42 and int((df.pdl1_tps_pct == 100).sum()) == 5
    assert int((df.pdl1_category == "<1").sum()) == 42
    assert int((df.pdl1_category == ">=50").sum()) == int((df.pdl1_tps_pct >= 50).sum())


def test_loris_xlsx_sheet(shared_fixtures: Path) -> None:
    path = shared_fixtures / "real" / "loris_chang2024_alldata.xlsx"
    df = read_pathology(path, mapping={"columns": {"usubjid": "SAMPLE_ID"}}, sheet="Vanguri_NSCLC")
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(wb["Vanguri_NSCLC"].iter_rows(values_only=True))
    col = rows[0].index("PDL1_TPS(%)")
    raw = [r[col] for r in rows[1:] if any(v is not None for v in r)]
    assert len(df) == len(raw) == 246
    assert [None if v != v else v for v in df.pdl1_tps_pct.tolist()] == [None if v is None else float(v) for v in raw]
