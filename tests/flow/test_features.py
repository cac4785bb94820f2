"""tbnk_features: baseline and on-treatment values, change and log2 fold change, long and wide."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from biomarker.errors import InputError
from biomarker.flow import FEATURE_MEASURES, read_tbnk_export, tbnk_features


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "usubjid": ["S1", "S1", "S1", "S2", "S3"],
            "visit": ["C1D1", "Cycle 2 Day 1", "C4D1", "C2D1", "C1D1"],
            "cd8_abs_per_ul": [400.0, 800.0, 200.0, 500.0, 0.0],
            "nk_pct_lymph": [10.0, 12.5, 5.0, 9.0, 20.0],
            "qc_flags": ["", "lymphosum_out_of_range", "", "", ""],
        }
    )


def test_long_table_change_and_log2fc() -> None:
    long, _ = tbnk_features(_table(), measures=["cd8_abs_per_ul", "nk_pct_lymph"])
    assert list(long.columns) == [
        "usubjid",
        "visit",
        "measure",
        "value",
        "baseline_visit",
        "baseline_value",
        "change",
        "change_pct",
        "log2fc",
        "qc_flags",
    ]
    s1 = long[long.usubjid == "S1"].set_index(["visit", "measure"])
    assert s1.loc[("C1D1", "cd8_abs_per_ul"), ["change", "log2fc"]].tolist() == [0.0, 0.0]
    assert s1.loc[("C2D1", "cd8_abs_per_ul"), ["change", "change_pct", "log2fc"]].tolist() == [400.0, 100.0, 1.0]
    assert s1.loc[("C4D1", "cd8_abs_per_ul"), ["change", "log2fc"]].tolist() == [-200.0, -1.0]
    assert s1.loc[("C2D1", "nk_pct_lymph"), "log2fc"] == pytest.approx(math.log2(1.25))
    assert s1.loc[("C2D1", "nk_pct_lymph"), "qc_flags"] == "lymphosum_out_of_range"
    assert long.visit.tolist()[:6] == ["C1D1", "C1D1", "C2D1", "C2D1", "C4D1", "C4D1"]  # visits in protocol order
    s2 = long[long.usubjid == "S2"]  # no baseline: no change
    assert s2.change.isna().all() and s2.log2fc.isna().all()
    s3 = long[(long.usubjid == "S3") & (long.measure == "cd8_abs_per_ul")]
    assert s3.change.iloc[0] == 0 and np.isnan(s3.log2fc.iloc[0])  # log2 of 0/0 is not a number


def test_wide_table_for_modelling() -> None:
    _, wide = tbnk_features(_table(), measures=["cd8_abs_per_ul", "nk_pct_lymph"], drop_flagged=False)
    assert wide.usubjid.tolist() == ["S1", "S2", "S3"]
    assert list(wide.columns) == [
        "usubjid",
        "baseline_visit",
        "cd8_abs_per_ul_baseline",
        "nk_pct_lymph_baseline",
        "cd8_abs_per_ul_c1d1",
        "nk_pct_lymph_c1d1",
        "cd8_abs_per_ul_c2d1",
        "cd8_abs_per_ul_change_c2d1",
        "cd8_abs_per_ul_pct_change_c2d1",
        "cd8_abs_per_ul_log2fc_c2d1",
        "nk_pct_lymph_c2d1",
        "nk_pct_lymph_change_c2d1",
        "nk_pct_lymph_pct_change_c2d1",
        "nk_pct_lymph_log2fc_c2d1",
        "cd8_abs_per_ul_c4d1",
        "cd8_abs_per_ul_change_c4d1",
        "cd8_abs_per_ul_pct_change_c4d1",
        "cd8_abs_per_ul_log2fc_c4d1",
        "nk_pct_lymph_c4d1",
        "nk_pct_lymph_change_c4d1",
        "nk_pct_lymph_pct_change_c4d1",
        "nk_pct_lymph_log2fc_c4d1",
    ]
    s1 = wide.iloc[0]
    assert (s1.nk_pct_lymph_c1d1, s1.cd8_abs_per_ul_log2fc_c2d1, s1.cd8_abs_per_ul_change_c4d1) == (10.0, 1.0, -200.0)
    assert np.isnan(wide.iloc[2].cd8_abs_per_ul_c2d1)


def test_baseline_is_the_last_sample_on_or_before_the_first_dose_else_screening() -> None:
    t = pd.DataFrame(
        {
            "usubjid": ["A", "A", "A", "B", "B", "C", "C"],
            "visit": ["SCREENING", "C1D1", "C2D1", "SCREENING", "C2D1", "C1D1", "C3D1"],
            "collection_date": ["2024-01-02", "2024-01-15", "2024-02-05", "2024-03-01", "2024-04-01", None, None],
            "cd8_abs_per_ul": [300.0, 400.0, 600.0, 250.0, 500.0, 100.0, 150.0],
        }
    )
    # A's C1D1 sample was drawn the day after the first dose: the screening sample is its baseline
    _long, wide = tbnk_features(t, measures=["cd8_abs_per_ul"], first_dose={"A": "2024-01-14", "B": "2024-03-10"})
    w = wide.set_index("usubjid")
    assert w.baseline_visit.tolist() == ["SCREENING", "SCREENING", "C1D1"]
    assert w.loc["A", "cd8_abs_per_ul_change_c2d1"] == 300.0 and w.loc["A", "cd8_abs_per_ul_pct_change_c2d1"] == 100.0
    assert w.loc["B", "cd8_abs_per_ul_pct_change_c2d1"] == 100.0  # B has no C1D1: screening is the baseline
    assert w.loc["C", "cd8_abs_per_ul_change_c3d1"] == 50.0  # every visit is kept (C3D1 too)
    # without dates: C1D1 when present, else the last pre-treatment visit
    _, nodates = tbnk_features(t.drop(columns="collection_date"), measures=["cd8_abs_per_ul"])
    assert nodates.baseline_visit.tolist() == ["C1D1", "SCREENING", "C1D1"]


def test_configured_visits_and_the_left_out_ones_are_said(caplog: pytest.LogCaptureFixture) -> None:
    _, wide = tbnk_features(_table(), visits=["C1D1", "C2D1"], measures=["cd8_abs_per_ul"])
    assert "cd8_abs_per_ul_c4d1" not in wide and wide.attrs["visits_left_out"] == ["C4D1"]
    assert "visit(s) C4D1 left out" in caplog.text


def test_nlr_from_a_cbc() -> None:
    cbc = pd.DataFrame(
        {
            "usubjid": ["S1", "S1"],
            "visit": ["C1D1", "C2D1"],
            "neutrophils_abs_per_ul": [4000, 6000],
            "lymphocytes_abs_per_ul": [2000, 1000],
        }
    )
    _long, wide = tbnk_features(_table(), measures=["cd8_abs_per_ul"], cbc=cbc, drop_flagged=False)
    assert wide.loc[0, "nlr_c1d1"] == 2.0 and wide.loc[0, "nlr_c2d1"] == 6.0 and wide.loc[0, "nlr_change_c2d1"] == 4.0
    assert np.isnan(wide.loc[1, "nlr_c2d1"])


def test_drop_flagged_and_duplicates() -> None:
    long, wide = tbnk_features(_table(), measures=["cd8_abs_per_ul"])  # flagged results left out by default
    assert np.isnan(wide.iloc[0].cd8_abs_per_ul_c2d1) and wide.attrs["flagged_left_out"] == 1
    assert long[(long.usubjid == "S1") & (long.visit == "C2D1")].value.iloc[0] == 800.0  # the long table keeps it
    _, kept = tbnk_features(_table(), measures=["cd8_abs_per_ul"], drop_flagged=False)
    assert kept.iloc[0].cd8_abs_per_ul_c2d1 == 800.0 and kept.attrs["flagged_left_out"] == 0
    dup = pd.concat([_table(), _table().iloc[:1]])
    with pytest.raises(InputError, match=r"S1 visit C1D1 appears more than once"):
        tbnk_features(dup, measures=["cd8_abs_per_ul"])
    with pytest.raises(InputError, match=r"without column"):
        tbnk_features(_table())


def test_simulated_cd8_change_is_recovered(fcs_study: Path) -> None:
    """C2D1 CD8 = C1D1 CD8 + cd8_change in the simulator: the feature tracks the planted change (within the
    export's rounding and measurement noise)."""
    long, wide = tbnk_features(read_tbnk_export(fcs_study / "flow" / "tbnk.csv"))
    assert set(long.measure) == set(FEATURE_MEASURES)
    truth = pd.read_csv(fcs_study / "truth" / "patients.csv").set_index("USUBJID")
    both = wide.set_index("usubjid").join(truth).dropna(subset=["cd8_pct_lymph_change_c2d1"])
    assert len(both) >= 3
    assert np.abs(both.cd8_pct_lymph_change_c2d1 - both.cd8_change).max() < 2.5
    assert np.abs(both.nk_pct_lymph_c1d1 - both.nk_pct_baseline).max() < 2.0


def test_a_flagged_baseline_leaves_out_every_change_from_it() -> None:
    t = pd.DataFrame(
        {
            "usubjid": ["S1", "S1", "S2", "S2"],
            "visit": ["C1D1", "C2D1", "C1D1", "C2D1"],
            "cd8_abs_per_ul": [400.0, 800.0, 300.0, 600.0],
            "qc_flags": ["few_beads=400;absolute_counts_withheld", "", "", ""],
        }
    )
    _, wide = tbnk_features(t, measures=["cd8_abs_per_ul"])
    w = wide.set_index("usubjid")
    assert np.isnan(w.loc["S1", "cd8_abs_per_ul_baseline"]) and np.isnan(w.loc["S1", "cd8_abs_per_ul_change_c2d1"])
    assert w.loc["S1", "cd8_abs_per_ul_c2d1"] == 800.0  # the C2D1 value itself is clean
    assert w.loc["S2", "cd8_abs_per_ul_change_c2d1"] == 300.0


def test_cbc_and_first_dose_files(tmp_path: Path) -> None:
    from biomarker.flow.feature_inputs import read_cbc, read_first_dose

    (tmp_path / "dm.csv").write_text("USUBJID,RFSTDTC\nS1,2024-01-14\nS2,\n")
    assert read_first_dose(tmp_path / "dm.csv") == {"S1": "2024-01-14"}  # a screen failure has none
    (tmp_path / "cbc.csv").write_text(
        "usubjid,visit,neutrophils,lymphocytes,unit\nS1,Cycle 1 Day 1,4.2,.,10^9/L\nS1,C2D1,3900,1300,cells/uL\n"
    )
    cbc = read_cbc(tmp_path / "cbc.csv")
    assert cbc.visit.tolist() == ["C1D1", "C2D1"] and cbc.neutrophils_abs_per_ul.tolist() == [4200.0, 3900.0]
    assert np.isnan(cbc.lymphocytes_abs_per_ul.iloc[0])
    (tmp_path / "bad.csv").write_text("usubjid,visit,neutrophils,unit\nS1,C1D1,4.2,furlongs\n")
    with pytest.raises(InputError, match=r"bad.csv: line 2: unknown count unit 'furlongs'"):
        read_cbc(tmp_path / "bad.csv")
