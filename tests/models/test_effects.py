"""Firth logistic regression, effects per doubling / 10 points, decision curves, external models, Riley sample size,
text cells in numeric features."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biomarker.errors import InputError
from biomarker.models.clinical_use import apply_external, net_benefit, riley_sample_size
from biomarker.models.effects import marker_effects
from biomarker.models.firth import firth_fit, firth_lrt, firth_profile_ci
from biomarker.models.prepare import text_in_numbers


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(-3, 3), st.booleans()), min_size=8, max_size=40))
def test_firth_is_equivariant_to_swapping_the_outcome(rows):
    x = np.array([r[0] for r in rows])
    y = np.array([int(r[1]) for r in rows])
    X = np.column_stack([np.ones(len(x)), x])
    a, b = firth_fit(X, y), firth_fit(X, 1 - y)
    assert np.all(np.isfinite(a.coef))  # finite even under separation
    assert np.allclose(a.coef, -b.coef, atol=1e-5)


def test_firth_by_hand_on_a_2x2_table():
    # Firth on a 2x2 table = ML with 1/2 added to each cell: log OR = log((a+.5)(d+.5)/((b+.5)(c+.5)))
    X = np.column_stack([np.ones(50), np.r_[np.ones(20), np.zeros(30)]])
    y = np.r_[np.ones(8), np.zeros(12), np.ones(5), np.zeros(25)]
    fit = firth_fit(X, y)
    assert fit.coef[1] == pytest.approx(math.log(8.5 * 25.5 / (12.5 * 5.5)), abs=1e-6)
    lo, hi = firth_profile_ci(X, y, 1, fit)
    assert lo < fit.coef[1] < hi and 0.01 < firth_lrt(X, y, 1, fit) < 0.2  # Fisher gives 0.10 on this table


def test_adjusted_effect_recovers_a_planted_odds_ratio_and_states_epv():
    rng = np.random.default_rng(5)
    n = 400
    tmb = rng.lognormal(2, 1, n)
    ecog = rng.integers(0, 2, n)
    smoking = rng.choice(["never", "former", "current"], n)
    lp = -1 + math.log(2.0) * np.log2(tmb) - 1.0 * ecog - 2.0
    y = (rng.random(n) < 1 / (1 + np.exp(-lp))).astype(int)
    t = pd.DataFrame({"tmb_per_mb": tmb, "ecog": ecog, "smoking": smoking, "y": y})
    e = marker_effects(t, "y", ["tmb_per_mb"], ["ecog", "smoking", "histology"]).set_index("unit")
    row = e.loc["per doubling"]
    assert row["adjusted_ci_lower"] < 2.0 < row["adjusted_ci_upper"]  # the planted OR per doubling
    assert row["adjusted_parameters"] == 4 and row["events_per_parameter"] == pytest.approx(y.sum() / 4)
    assert row["adjusted_for"] == "ecog, smoking"


def test_net_benefit_by_hand():
    y = np.array([1, 1, 0, 0, 0])
    p = np.array([0.9, 0.2, 0.6, 0.1, 0.1])
    nb = net_benefit(y, p, np.array([0.25])).iloc[0]
    # treated: 0.9 (TP) and 0.6 (FP); 1/5 - 1/5 * 0.25/0.75
    assert nb["net_benefit"] == pytest.approx(0.2 - 0.2 / 3)
    assert nb["treat_all"] == pytest.approx(0.4 - 0.6 / 3)


def test_external_model_is_applied_not_refitted():
    rng = np.random.default_rng(2)
    t = pd.DataFrame({"usubjid": range(3000), "tmb": rng.lognormal(2, 1, 3000), "nlr": rng.lognormal(1, 0.5, 3000)})
    lp = -1.0 + 0.5 * np.log2(t.tmb) - 0.8 * np.log(t.nlr)
    y = (rng.random(3000) < 1 / (1 + np.exp(-lp))).astype(int)
    model = {"intercept": -1.0, "coefficients": {"tmb": 0.5, "nlr": -0.8}, "transform": {"tmb": "log2", "nlr": "log"}}
    perf, pred = apply_external(t, y, {"true": model}, "usubjid")
    row = perf.iloc[0]
    assert np.allclose(pred["predicted"], 1 / (1 + np.exp(-lp)))
    assert abs(row["calibration_slope"] - 1) < 0.2 and abs(row["calibration_intercept"]) < 0.15
    with pytest.raises(InputError, match="needs column 'albumin'"):
        apply_external(t, y, {"m": {"coefficients": {"albumin": 1.0}}}, "usubjid")


def test_riley_worked_example():
    r = riley_sample_size(24, 0.5, 0.288)  # Riley et al. BMJ 2020: criterion (i) needs 623 patients
    assert r["criterion_i_n"] == 623
    assert r["criterion_iii_n"] == math.ceil((1.959964 / 0.05) ** 2 * 0.25)


def test_text_cell_in_a_numeric_feature_is_an_error_naming_the_cells():
    t = pd.DataFrame({"usubjid": [f"P{i}" for i in range(40)], "tmb": [str(i) for i in range(40)]})
    t.loc[[3, 17], "tmb"] = ["n/a", "12,5"]
    with pytest.raises(InputError, match=r"2 cells are text: usubjid P3 = 'n/a'; usubjid P17 = '12,5'"):
        text_in_numbers(t, "tmb", "usubjid", None)
    text_in_numbers(
        pd.DataFrame({"usubjid": ["a", "b"], "smoking": ["never", "current"]}), "smoking", "usubjid", None
    )  # a real category passes


def test_collinear_covariates_give_no_adjusted_effect_rather_than_a_crash():
    rng = np.random.default_rng(8)
    t = pd.DataFrame({"tmb_per_mb": rng.lognormal(2, 1, 60), "ecog": rng.integers(0, 2, 60)})
    t["age_years"] = t["ecog"] * 2.0  # collinear with ecog in every row
    t["y"] = (rng.random(60) < 0.4).astype(int)
    row = marker_effects(t, "y", ["tmb_per_mb"], ["ecog", "age_years"]).iloc[0]
    assert np.isfinite(row["odds_ratio"]) and np.isnan(row["adjusted_odds_ratio"])
    assert row["adjusted_method"].startswith("not estimable")


def test_an_adjusted_fit_that_did_not_converge_says_so(monkeypatch):
    """Cut to one Newton step, the adjusted Firth fit is not at its maximum: the row says it is unreliable."""
    import biomarker.models.effects as effects

    rng = np.random.default_rng(5)
    t = pd.DataFrame({"tmb_per_mb": rng.lognormal(2, 1, 60), "age_years": rng.normal(65, 8, 60)})
    t["y"] = (rng.random(60) < 0.4).astype(int)
    assert "did not converge" not in str(marker_effects(t, "y", ["tmb_per_mb"], ["age_years"])["adjusted_method"][0])
    monkeypatch.setattr(effects, "firth_fit", lambda X, y, **kw: firth_fit(X, y, **kw, max_iter=1))
    row = marker_effects(t, "y", ["tmb_per_mb"], ["age_years"]).iloc[0]
    assert "did not converge (unreliable)" in row["adjusted_method"]


def test_no_adjusted_estimate_with_fewer_outcomes_than_parameters():
    """3 responders, marker + 3 covariates (4 parameters): not estimated, and the counts say why."""
    rng = np.random.default_rng(8)
    t = pd.DataFrame({"tmb_per_mb": rng.lognormal(2, 1, 12), "age_years": rng.normal(65, 8, 12)})
    t["ecog"], t["sex"] = rng.integers(0, 2, 12), np.tile(["F", "M"], 6)
    t["y"] = np.r_[np.ones(3), np.zeros(9)].astype(int)
    row = marker_effects(t, "y", ["tmb_per_mb"], ["age_years", "ecog", "sex"]).iloc[0]
    assert row["adjusted_parameters"] == 4 and row["events_per_parameter"] == pytest.approx(0.75)
    assert np.isnan(row["adjusted_odds_ratio"]) and np.isnan(row["adjusted_ci_upper"])
    assert row["adjusted_method"].startswith("not estimated: 3 patients in the smaller outcome class for 4 parameters")
    assert np.isfinite(row["odds_ratio"])  # the unadjusted estimate is still given
