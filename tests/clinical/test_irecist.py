"""iRECIST BOR (Seymour et al. 2017), hand-worked, and kept apart from RECIST 1.1."""

from __future__ import annotations

import pandas as pd
import pytest

from biomarker.clinical.irecist import derive_irecist_bor, irecist_bor


@pytest.mark.parametrize(
    ("responses", "days", "expected"),
    [
        (["iUPD", "iCPD"], [42, 84], "iCPD"),  # confirmed progression
        (["iUPD", "iSD", "iPR", "iPR"], [42, 84, 126, 168], "iPR"),  # iUPD reset by iSD; PR confirmed 42 d later
        (["iSD", "iUPD"], [42, 84], "iSD"),  # SD from day 42 counts; iUPD never confirmed
        (["iSD", "iUPD"], [21, 42], "iUPD"),  # SD too early; progression unconfirmed
        (["iPR", "iUPD", "iPR"], [42, 84, 126], "iSD"),  # an iUPD between breaks the confirmation
        (["iCR", "NE", "iCR"], [42, 84, 126], "iCR"),  # one NE between is allowed
        (["NE"], [42], "NE"),
        (["NON-iCR/NON-iUPD", "NON-iCR/NON-iUPD"], [42, 84], "NON-iCR/NON-iUPD"),
    ],
)
def test_irecist_bor(responses, days, expected):
    assert irecist_bor(responses, days) == expected


def test_recist_terms_are_not_irecist():
    with pytest.raises(ValueError, match="not iRECIST responses: PD"):
        irecist_bor(["PD"], [42])


def test_icpd_outside_4_to_8_weeks_is_kept_with_a_warning(caplog):
    tp = pd.DataFrame(
        {
            "usubjid": ["A", "A", "B", "B"],
            "assessment_date": pd.to_datetime(["2024-02-12", "2024-03-25", "2024-02-12", "2024-05-25"]),
            "days_from_first_dose": [42, 84, 42, 145],
            "irecist_response": ["iUPD", "iCPD", "iUPD", "iCPD"],
        }
    )
    got = derive_irecist_bor(tp, pd.Series(dtype="datetime64[ns]"))
    assert got["bor_irecist"].tolist() == ["iCPD", "iCPD"]
    assert "subject B: iCPD 103 days after iUPD" in caplog.text
    assert "subject A" not in caplog.text
