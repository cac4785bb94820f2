"""Exposure and dose intensity per drug, deaths, disposition and populations, hand-worked."""

from __future__ import annotations

import pandas as pd
import pytest

from biomarker.clinical.sdtm import normalise
from biomarker.clinical.study_tables import deaths, disposition, exposure, populations
from biomarker.errors import InputError


def _dm(**extra):
    rows = {
        "USUBJID": ["A", "B", "C"],
        "RFSTDTC": ["2024-01-01", "2024-01-01", None],
        "RFENDTC": ["2024-03-04", "2024-01-22", None],
        "DTHDTC": ["2024-03-20", "2024-04-30", None],
        "ARMCD": ["TRT", "TRT", "SCRNFAIL"],
        **extra,
    }
    return normalise(pd.DataFrame(rows), "dm", "dm.csv")


def test_exposure_and_relative_dose_intensity_per_drug():
    ex = normalise(
        pd.DataFrame(
            [
                # toripalimab 240 mg Q3W on days 1, 22, 43: three full cycles = 63 days, exactly the planned intensity
                ("A", "TORIPALIMAB", "240", "mg", "Q3W", "2024-01-01", "2024-01-01"),
                ("A", "TORIPALIMAB", "240", "mg", "Q3W", "2024-01-22", "2024-01-22"),
                ("A", "TORIPALIMAB", "240", "mg", "Q3W", "2024-02-12", "2024-02-12"),
                # axitinib 5 mg BID days 1-42 (84 doses, 420 mg), reduced to 3 mg BID days 43-63 (42 doses, 126 mg)
                ("A", "AXITINIB", "5", "mg", "BID", "2024-01-01", "2024-02-11"),
                ("A", "AXITINIB", "3", "mg", "BID", "2024-02-12", "2024-03-03"),
            ],
            columns=["USUBJID", "EXTRT", "EXDOSE", "EXDOSU", "EXDOSFRQ", "EXSTDTC", "EXENDTC"],
        ),
        "ex",
        "ex.csv",
    )
    per_subject, summary = exposure(ex, _dm())
    got = per_subject.set_index("drug")
    assert got.loc["TORIPALIMAB", ["duration_days", "n_administrations", "cumulative_dose"]].tolist() == [63, 3, 720]
    assert got.loc["TORIPALIMAB", "relative_dose_intensity_pct"] == pytest.approx(100.0)
    assert got.loc["AXITINIB", ["duration_days", "n_administrations", "cumulative_dose"]].tolist() == [63, 126, 546]
    # 546 mg over 9 weeks = 60.667 mg/week against 70 planned (5 mg twice a day)
    assert got.loc["AXITINIB", "dose_intensity_per_week"] == pytest.approx(546 / 9)
    assert got.loc["AXITINIB", "relative_dose_intensity_pct"] == pytest.approx(100 * 546 / 630)
    assert summary.set_index("drug")["n_subjects"].to_dict() == {"AXITINIB": 1, "TORIPALIMAB": 1}


def test_a_dosed_record_without_a_treatment_name_is_refused_not_counted_as_drug_nan():
    ex = normalise(
        pd.DataFrame(
            [("A", "TORIPALIMAB", "240", "2024-01-01", "2024-01-01"), ("A", "NA", "240", "2024-01-22", "2024-01-22")],
            columns=["USUBJID", "EXTRT", "EXDOSE", "EXSTDTC", "EXENDTC"],
        ),
        "ex",
        "ex.csv",
    )
    with pytest.raises(InputError, match=r"^ex\.csv: line 3, subject A: a dosed EX record has no EXTRT") as err:
        exposure(ex, _dm())
    assert "fill EXTRT" in str(err.value)


def test_deaths_on_treatment_and_within_30_days_of_last_dose():
    got = deaths(_dm(), None).set_index("usubjid")
    # A: last dose 2024-03-04, death 2024-03-20 (16 days later); B: last dose 2024-01-22, death 99 days later
    assert got.loc["A", ["death_day", "on_treatment", "within_30_days_of_last_dose"]].tolist() == [80, False, True]
    assert got.loc["B", ["on_treatment", "within_30_days_of_last_dose"]].tolist() == [False, False]
    assert "C" not in got.index  # never treated


def test_populations_and_disposition_of_the_treated():
    dm = _dm()
    ds = normalise(
        pd.DataFrame(
            {
                "USUBJID": ["A", "B", "C"],
                "DSCAT": ["DISPOSITION EVENT"] * 3,
                "DSDECOD": ["DEATH", "PROGRESSIVE DISEASE", "SCREEN FAILURE"],
                "DSSTDTC": ["2024-03-20", "2024-02-01", "2023-12-20"],
            }
        ),
        "ds",
        "ds.csv",
    )
    tp = pd.DataFrame({"usubjid": ["A", "A", "B"], "is_baseline": [True, False, True]})
    pfs = pd.DataFrame({"usubjid": ["A", "B"], "pfs_event": [0, 1]})
    pops = populations(dm, ds, tp, pfs).set_index("population")["n_subjects"].to_dict()
    # B progressed (PFS event) before a post-baseline scan: evaluable
    assert pops == {"screened": 3, "enrolled": 2, "safety": 2, "efficacy_evaluable": 2}
    disp = disposition(ds, dm).set_index("dsdecod")
    assert disp["n_subjects"].to_dict() == {"DEATH": 1, "PROGRESSIVE DISEASE": 1}
    assert disp["pct_treated"].tolist() == [50.0, 50.0]
