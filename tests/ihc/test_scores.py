"""Every PD-L1 spelling labs use is read to the right number, interval and category; others are errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from biomarker.errors import ConfigError
from biomarker.ihc import load_spellings, parse_score, tps_category

NAN = math.nan

# text -> (value, low, high, category, evaluable)
ACCEPTED = {
    "55": (55.0, 55.0, 55.0, ">=50", True),
    "55%": (55.0, 55.0, 55.0, ">=50", True),
    " 55 % ": (55.0, 55.0, 55.0, ">=50", True),
    "12.5%": (12.5, 12.5, 12.5, "1-49", True),
    "0%": (0.0, 0.0, 0.0, "<1", True),
    "0": (0.0, 0.0, 0.0, "<1", True),
    "100%": (100.0, 100.0, 100.0, ">=50", True),
    "1%": (1.0, 1.0, 1.0, "1-49", True),
    "49%": (49.0, 49.0, 49.0, "1-49", True),
    "50%": (50.0, 50.0, 50.0, ">=50", True),
    "<1%": (NAN, 0.0, 1.0, "<1", True),
    "<1": (NAN, 0.0, 1.0, "<1", True),
    "< 1 %": (NAN, 0.0, 1.0, "<1", True),
    ">=50%": (NAN, 50.0, 100.0, ">=50", True),
    "≥50%": (NAN, 50.0, 100.0, ">=50", True),
    "≥ 50 %": (NAN, 50.0, 100.0, ">=50", True),
    ">50%": (NAN, 50.0, 100.0, ">=50", True),
    "1-49%": (NAN, 1.0, 49.0, "1-49", True),
    "1–49%": (NAN, 1.0, 49.0, "1-49", True),  # en dash
    "1 - 49 %": (NAN, 1.0, 49.0, "1-49", True),
    "1% - 49%": (NAN, 1.0, 49.0, "1-49", True),
    "TPS 55%": (55.0, 55.0, 55.0, ">=50", True),
    "Negative": (NAN, 0.0, 1.0, "<1", True),
    "NEG": (NAN, 0.0, 1.0, "<1", True),
    "not evaluable": (NAN, NAN, NAN, None, False),
    "Not Evaluable": (NAN, NAN, NAN, None, False),
    "NE": (NAN, NAN, NAN, None, False),
    "non-evaluable": (NAN, NAN, NAN, None, False),
    "insufficient tissue": (NAN, NAN, NAN, None, False),
    "QNS": (NAN, NAN, NAN, None, False),
    "": (NAN, NAN, NAN, None, None),
    "NA": (NAN, NAN, NAN, None, None),
    "IC2": (NAN, 5.0, 10.0, "1-49", True),
    "TC3": (NAN, 50.0, 100.0, ">=50", True),
    "TC0": (NAN, 0.0, 1.0, "<1", True),
    ">=1%": (NAN, 1.0, 100.0, None, True),  # positive: a known interval spanning two categories
    "10-60%": (NAN, 10.0, 60.0, None, True),
}
REJECTED = ["positive", "weak", "55%%", "abc", "5O%", "high", "1-49-50", "++", "positive (1-49%)"]
IMPOSSIBLE = ["101", "101%", "150%", "-5", "-1%", ">=120%", "60-40%", "1-101%"]


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


@pytest.mark.parametrize(("text", "expected"), ACCEPTED.items(), ids=list(ACCEPTED))
def test_accepted_spellings(text: str, expected: tuple) -> None:
    s = parse_score(text)
    value, low, high, category, evaluable = expected
    assert _same(s.value, value) and _same(s.low, low) and _same(s.high, high)
    assert s.category == category
    assert s.evaluable is evaluable


def test_numbers_from_spreadsheets_and_blank_cells() -> None:
    assert parse_score(55).value == 55.0
    assert parse_score(0.5).category == "<1"
    assert parse_score(None).evaluable is None
    assert parse_score(math.nan).evaluable is None


@pytest.mark.parametrize("text", REJECTED)
def test_unknown_spellings_are_errors_never_nan(text: str) -> None:
    with pytest.raises(ValueError, match=r"unknown score"):
        parse_score(text)


@pytest.mark.parametrize("text", IMPOSSIBLE)
def test_impossible_values_are_errors(text: str) -> None:
    with pytest.raises(ValueError, match=r"negative|above 100|backwards"):
        parse_score(text)


def test_user_spellings_map_to_accepted_ones() -> None:
    spellings = load_spellings(
        {"Weakly positive": "1-49%", "strong": ">=50%", "NE - crush artefact": "not evaluable", "trace": 0.5}
    )
    assert parse_score("weakly  positive", spellings=spellings).category == "1-49"
    assert parse_score("STRONG", spellings=spellings).low == 50
    assert parse_score("NE - crush artefact", spellings=spellings).evaluable is False
    assert parse_score("trace", spellings=spellings).value == 0.5
    with pytest.raises(ValueError):
        parse_score("weakly positive")


def test_a_mapping_to_an_unaccepted_spelling_is_a_config_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"not accepted"):
        load_spellings({"weak": "sort of"})
    y = tmp_path / "map.yaml"
    y.write_text("spellings:\n  weak: 1-49%\ncolumns:\n  tps: PD-L1\n")
    assert load_spellings(y) == {"weak": "1-49%"}


def test_category_cut_offs() -> None:
    assert tps_category(0.99, 0.99) == "<1"
    assert tps_category(1, 1) == "1-49"
    assert tps_category(49.9, 49.9) == "1-49"
    assert tps_category(50, 50) == ">=50"
    assert tps_category(1, 100) is None  # ">=1%" spans two categories


@given(st.integers(0, 10000).map(lambda i: i / 100), st.sampled_from(["{:g}", "{:g}%", " {:g} % ", "TPS {:g}%"]))
def test_any_percentage_in_range_reads_back(x: float, fmt: str) -> None:
    text = fmt.format(x)
    s = parse_score(text)
    assert s.value == pytest.approx(float(f"{x:g}")) and s.low == s.high == s.value and s.evaluable
    assert s.category == tps_category(s.value, s.value)


@given(st.floats(min_value=100.001, max_value=1e6, allow_nan=False))
def test_any_percentage_above_100_is_an_error(x: float) -> None:
    with pytest.raises(ValueError, match="above 100"):
        parse_score(f"{x:.3f}%")
