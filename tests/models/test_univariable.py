"""Univariable tests: Fisher/Freeman-Halton, BH q-values, Spearman, odds ratios, pre-specified groupings only."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from biomarker.errors import ConfigError
from biomarker.models.survival import cox_univariable, survival_by_group
from biomarker.models.univariable import check_groupings, freeman_halton, group_labels, univariable_binary


def _brute_force_exact(table: np.ndarray) -> float:
    """Exact R x 2 p-value by enumerating every assignment of the events to the patients."""
    rows = table.sum(axis=1)
    k = int(table[:, 0].sum())
    labels = np.repeat(np.arange(len(rows)), rows)
    probs = {}
    for chosen in itertools.combinations(range(len(labels)), k):
        col = tuple(np.bincount(labels[list(chosen)], minlength=len(rows)))
        probs[col] = probs.get(col, 0) + 1
    total = sum(probs.values())
    observed = probs[tuple(table[:, 0])]
    return sum(c for c in probs.values() if c <= observed) / total


@pytest.mark.parametrize("table", [[[3, 1], [1, 3]], [[5, 0], [2, 6]], [[1, 6], [4, 2]]])
def test_freeman_halton_equals_fisher_on_2x2(table):
    assert freeman_halton(np.array(table)) == pytest.approx(stats.fisher_exact(table).pvalue)


@pytest.mark.parametrize("table", [[[3, 1], [1, 3], [0, 4]], [[4, 2], [2, 5], [1, 6]]])
def test_freeman_halton_matches_brute_force_on_3x2(table):
    assert freeman_halton(np.array(table)) == pytest.approx(_brute_force_exact(np.array(table)))


def _toy(n=40, seed=0):
    rng = np.random.default_rng(seed)
    y = np.r_[np.ones(12), np.zeros(n - 12)].astype(int)
    return pd.DataFrame(
        {
            "y": y,
            "strong": y * 2.0 + rng.normal(size=n),
            "noise": rng.normal(size=n),
            "cat": np.where(y == 1, "hi", rng.choice(["hi", "lo"], n)),
            "binary": (rng.random(n) < 0.5).astype(int),
            "change": -30 * y + rng.normal(scale=10, size=n),
        }
    )


def test_univariable_ranks_planted_marker_first_and_q_values_are_bh():
    t = _toy()
    t.loc[[0, 5], "noise"] = np.nan
    uni, rates = univariable_binary(t, "y", ["noise", "strong", "cat", "binary"], change="change")
    u = uni.set_index("feature")
    assert u.loc["strong", "rank"] == 1
    assert u.loc["strong", "auc"] > 0.85 and u.loc["strong", "auc_ci_lower"] > 0.5
    assert u.loc["noise", "n"] == 38 and u.loc["noise", "n_missing"] == 2
    assert u.loc["cat", "kind"] == "categorical" and u.loc["binary", "kind"] == "categorical"
    assert u.loc["cat", "p"] == pytest.approx(u.loc["cat", "fisher_p"])
    assert u.loc["noise", "p"] == pytest.approx(
        stats.mannwhitneyu(
            t.dropna(subset=["noise"]).query("y == 1").noise, t.dropna(subset=["noise"]).query("y == 0").noise
        ).pvalue
    )
    assert uni["q"].to_numpy() == pytest.approx(multipletests(uni["p"], method="fdr_bh")[1])
    rho = stats.spearmanr(t["strong"], t["change"]).statistic
    assert u.loc["strong", "spearman_rho"] == pytest.approx(rho)
    assert set(rates["feature"]) == {"cat", "binary"}
    hi = rates.set_index(["feature", "level"]).loc[("cat", "hi")]
    assert hi["n_events"] == 12 and hi["ci_lower"] < hi["rate"] < hi["ci_upper"]
    assert u.loc["strong", "odds_ratio"] > 1 and u.loc["strong", "odds_ratio_unit"].startswith("per SD")


@pytest.mark.parametrize("bad", ["median", "optimal", [5, 10, 15], float("nan"), True])
def test_data_driven_cutoffs_are_refused(bad):
    with pytest.raises(ConfigError, match="pre-specified"):
        check_groupings({"tmb_per_mb": bad})


def test_group_labels_and_survival_by_group():
    assert group_labels(pd.Series([9.99, 10.0, np.nan]), 10).tolist()[:2] == ["< 10", ">= 10"]
    rng = np.random.default_rng(1)
    hi = np.r_[np.ones(30), np.zeros(30)]
    t = pd.DataFrame(
        {
            "months": rng.exponential(np.where(hi == 1, 12, 3)),
            "event": 1,
            "tmb": np.where(hi == 1, 15.0, 4.0),
            "pdl1_category": rng.choice(["<1", "1-49", ">=50"], 60),
        }
    )
    summary, curves, at_risk = survival_by_group(t, "months", "event", {"tmb": 10, "pdl1_category": None})
    s = summary.set_index(["grouping", "group"])
    assert s.loc[("tmb", ">= 10"), "hazard_ratio"] < 0.5 and s.loc[("tmb", ">= 10"), "logrank_p"] < 0.01
    assert list(summary[summary.grouping == "pdl1_category"].group) == ["<1", "1-49", ">=50"]
    assert set(curves["grouping"]) == {"tmb", "pdl1_category"} and len(at_risk)
    cox = cox_univariable(t.assign(tmb_high=hi.astype(int)), "months", "event", ["tmb", "tmb_high"])
    assert cox.set_index("feature").loc["tmb_high", "unit"] == "1 vs 0"
    assert math.isclose(
        cox.set_index("feature").loc["tmb_high", "hazard_ratio"], s.loc[("tmb", ">= 10"), "hazard_ratio"], rel_tol=1e-6
    )


def test_feature_without_any_value_is_reported_not_fatal():
    t = _toy().assign(empty=np.nan)
    uni, _ = univariable_binary(t, "y", ["strong", "empty"])
    row = uni.set_index("feature").loc["empty"]
    assert row["n"] == 0 and row["n_missing"] == len(t) and np.isnan(row["p"])
    assert uni.set_index("feature").loc["strong", "rank"] == 1


def test_informative_missingness_is_flagged(caplog):
    from biomarker.models.features import missingness

    y = np.r_[np.ones(10), np.zeros(30)].astype(int)
    on_treatment = np.where(np.arange(40) >= 28, np.nan, 1.0)  # missing only among non-responders (off treatment)
    t = pd.DataFrame({"y": y, "cd8_change_c2d1": on_treatment, "tmb": 1.0})
    with caplog.at_level("WARNING"):
        miss = missingness(t, ["cd8_change_c2d1", "tmb"], "y").set_index("feature")
    assert miss.loc["cd8_change_c2d1", "n_missing_non_events"] == 12
    assert miss.loc["cd8_change_c2d1", "missing_vs_outcome_p"] < 0.05 and np.isnan(
        miss.loc["tmb", "missing_vs_outcome_p"]
    )
    assert "cd8_change_c2d1" in caplog.text
