"""Kaplan-Meier median and its CI follow R survfit / SAS LIFETEST conventions.

Expected figures: Debian R 4.x, package survival 3.5.3,
``quantile(survfit(Surv(t, e) ~ 1, conf.type = "log-log"), 0.5)`` (script in the docstring of each case).
"""

from __future__ import annotations

import math

import pytest

from biomarker.clinical.survival import CI_METHOD, kaplan_meier, km_quantile

CASES = [
    # t, e, (median, lower, upper) from R; None = NA (not estimable)
    ([1, 2, 3, 4, 6, 7, 8, 9], [1] * 8, (5.0, 1.0, 8.0)),  # S = 0.5 exactly on [4, 6): midpoint 5
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1, 0, 1, 0, 1, 0, 1, 0, 0, 0], (7.0, 1.0, None)),  # upper band stays > 0.5
    ([1, 2, 3, 4], [1, 1, 0, 0], (3.0, 1.0, None)),  # flat 0.5 to the last follow-up: midpoint of 2 and 4
    (
        [0.5, 1.2, 2.0, 2.4, 3.1, 3.9, 4.1, 5.2, 6.0, 7.5, 8.8, 10.0],
        [1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0],
        (5.2, 1.2, 8.8),
    ),
]


@pytest.mark.parametrize(("t", "e", "expected"), CASES)
def test_median_and_ci_equal_r_survfit_log_log(t, e, expected):
    km = kaplan_meier(t, e, endpoint="pfs")
    got = (km.median_months, km.median_ci_lower_months, km.median_ci_upper_months)
    for value, want in zip(got, expected, strict=True):
        if want is None:
            assert math.isnan(value)
        else:
            assert value == pytest.approx(want, abs=1e-9)
    assert km.summary["ci_method"].item() == CI_METHOD
    assert "log-log" in CI_METHOD and "Brookmeyer-Crowley" in CI_METHOD


def test_flat_stretch_is_midpoint_not_first_time():
    # the old behaviour (first time S <= 0.5) gave 4.0 here
    assert km_quantile([0, 1, 2, 3, 4, 6, 7, 8, 9], [1, 7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8, 0]) == 5.0
