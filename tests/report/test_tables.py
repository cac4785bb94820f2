"""CSR formatting and the report's own statistics, on numbers worked out by hand."""

from __future__ import annotations

import math

import pandas as pd

from biomarker.report.csr import ae_by_max_grade_table, baseline_table, bor_table, reverse_km_follow_up
from biomarker.report.section import format_frame
from biomarker.report.tables import (
    fmt_estimate_ci,
    fmt_n_pct,
    fmt_p,
    to_tsv,
)


def test_p_values_as_a_csr_prints_them() -> None:
    assert [fmt_p(p) for p in (0.0312, 0.0009999, 0.001, 0.05, 0.9989, 0.99951)] == [
        "0.031",
        "< 0.001",
        "0.001",
        "0.050",
        "0.999",
        "> 0.999",
    ]


def test_n_pct_and_ci_strings() -> None:
    assert fmt_n_pct(2, 3) == "2 (66.7)"
    assert fmt_n_pct(0, 3) == "0"
    assert fmt_estimate_ci(5.585, 1.478, float("nan")) == "5.6 (1.5, NE)"


def test_tsv_neutralises_text_not_numbers() -> None:
    """The download uses the package's one neutraliser (biomarker.files.spreadsheet_safe; its own cases are in
    tests/test_batch_safety.py), on cells and on headers."""
    frame = pd.DataFrame({"usubjid": ["=1+1", "@SUM(A1)", "-12.5", "+cmd|' /C calc'!A0"], "value": [-1.5, 2, 3, 4]})
    lines = to_tsv(frame).splitlines()
    assert lines[0] == "usubjid\tvalue"
    assert to_tsv(frame.rename(columns={"value": "=cmd"})).splitlines()[0] == "usubjid\t'=cmd"
    assert lines[1:] == ["'=1+1\t-1.5", "'@SUM(A1)\t2.0", "-12.5\t3.0", "'+cmd|' /C calc'!A0\t4.0"]


def test_bor_table_by_hand() -> None:
    bor = pd.DataFrame({"usubjid": list("abcdef"), "bor": ["CR", "PR", "SD", "PD", None, "NON-CR/NON-PD"]})
    rows = {r[0]: r[1:] for r in bor_table(bor).rows}
    assert rows["CR"] == ["1 (16.7)", "16.7 (0.4, 64.1)"]  # Clopper-Pearson 1/6: 0.0042-0.6412
    assert rows["NE"][0] == "1 (16.7)"
    assert rows["Objective response rate (CR + PR)"][0] == "2 (33.3)"
    assert rows["Disease control rate (CR + PR + SD + NON-CR/NON-PD)"][0] == "4 (66.7)"


def test_unknown_response_is_counted_ne_and_said() -> None:
    table = bor_table(pd.DataFrame({"usubjid": ["a", "b"], "bor": ["PR", "iCPD"]}))
    assert {r[0]: r[1] for r in table.rows}["NE"] == "1 (50.0)"
    assert any("ICPD" in f for f in table.footnotes)


def test_baseline_names_what_the_store_lacks() -> None:
    table = baseline_table(pd.DataFrame({"usubjid": ["a", "b"], "sex": ["F", None]}))
    rows = {r[0].strip(): r[1] for r in table.rows}
    assert rows["F"] == "1 (50.0)" and rows["Missing"] == "1 (50.0)"
    assert any("Stage at study entry" in f and "Prior lines" in f for f in table.footnotes)


def test_max_grade_counts_each_subject_once() -> None:
    worst = pd.DataFrame(
        {"usubjid": ["a", "a", "b", "c"], "level": ["pt", "pt", "pt", "soc"], "worst_grade": [1, 3, 2, 5]}
    )
    rows = {r[0]: r[1] for r in ae_by_max_grade_table(worst, 4).rows}
    assert rows == {
        "No adverse event": "2 (50.0)",
        "Grade 1": "0",
        "Grade 2": "1 (25.0)",
        "Grade 3": "1 (25.0)",
        "Grade 4": "0",
        "Grade 5": "0",
    }


def test_reverse_km_follow_up_by_hand() -> None:
    # censorings (the events of the reverse KM) at 2 and 3; deaths at 1 and 4 censor it: S = 1, 2/3, 1/3 -> median 3
    os_ = pd.DataFrame({"os_months": [1.0, 2.0, 3.0, 4.0], "os_event": [1, 0, 0, 1]})
    median, _, _ = reverse_km_follow_up(os_)
    assert median == 3.0


def test_format_frame_headers_and_numbers() -> None:
    frame = pd.DataFrame(
        {
            "feature": ["tmb_log2"],
            "auc": [0.69213],
            "mann_whitney_p": [0.0779],
            "q": [0.0004],
            "n": [30],
            "tmb_per_mb": [12.3456],
            "tmb_high": [True],
        }
    )
    table = format_frame(frame, "x", "X")
    assert table.header == ["Feature", "AUC", "Mann whitney p", "q (BH)", "N", "TMB (mut/Mb)", "TMB-high"]
    assert table.rows == [["tmb_log2", "0.69", "0.078", "< 0.001", "30", "12.3", "Yes"]]
    assert not math.isnan(table.data["auc"].iloc[0])
