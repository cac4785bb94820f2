"""run_models on any patient table: inputs, outputs, determinism, refusals."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest

from biomarker.errors import ConfigError, InputError
from biomarker.models import run_models
from biomarker.models.prepare import binary_outcome
from biomarker.models.run import JOBS_ENV, default_jobs

FAST = {
    "n_repeats": 2,
    "n_permutations": 9,
    "n_bootstrap": 100,
    "n_refit_bootstrap": 10,
    "models": ("logistic_l2",),
    "n_jobs": 1,
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 48
    tmb = rng.lognormal(2.0, 0.8, n)
    tps = rng.choice([0.0, 5.0, 20.0, 60.0, 80.0], n)
    lp = -1.2 + 1.2 * (np.log(tmb) - 2.0) / 0.8 + 0.6 * (tps > 30)
    y = rng.random(n) < 1 / (1 + np.exp(-lp))
    return pd.DataFrame(
        {
            "USUBJID": [f"S-{i:03d}" for i in range(n)],
            "tmb_per_mb": tmb,
            "tmb_log2": np.log2(tmb + 1),
            "pdl1_tps_pct": np.where(rng.random(n) < 0.1, np.nan, tps),
            "smoking": rng.choice(["NEVER", "FORMER", "CURRENT"], n),
            "bor": np.where(y, rng.choice(["CR", "PR"], n), rng.choice(["SD", "PD"], n)),
            "pfs_months": rng.exponential(np.where(y, 12, 4)),
            "pfs_event": (rng.random(n) < 0.8).astype(int),
            "best_pct_change": np.where(y, -50, 10) + rng.normal(scale=15, size=n),
        }
    )


def test_csv_in_files_out_with_report(table, tmp_path):
    path = tmp_path / "patients.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "out"
    res = run_models(
        path,
        outcome="bor",
        features=["tmb_log2", "pdl1_tps_pct", "smoking"],
        id_col="usubjid",
        time="pfs_months",
        event="pfs_event",
        groups={"tmb_per_mb": 10},
        change="best_pct_change",
        positive=["CR", "PR"],
        cutoff_features=["tmb_per_mb"],
        out_dir=out,
        **FAST,
    )
    assert list(res.summary["model"]) == ["logistic_l2", "cutoff_tmb_per_mb", "clinical_rule"]
    for name in (
        "univariable",
        "model_performance",
        "oof_predictions",
        "importance",
        "coefficients",
        "missingness",
        "survival_groups",
        "cox",
        "roc",
        "calibration",
        "fold_cutoffs",
        "permutation_null",
    ):
        assert (out / f"{name}.tsv").is_file(), name
    for fig in ("biomarker_by_response", "roc", "calibration", "forest", "km_pfs_tmb_per_mb"):
        assert (out / f"{fig}.png").stat().st_size > 5000, fig
    assert not list(out.glob(".*.tmp"))
    report = json.loads((out / "report.json").read_text())
    items = report["tripod_ai"]
    assert items["10"]["n"] == 48 and items["10"]["n_events"] == int(table.bor.isin(["CR", "PR"]).sum())
    assert {r["model"] for r in items["23a"]["performance"]} == set(res.summary["model"])
    numbered = {"5a", "5b", "9a", "9b", *(f"12{c}" for c in "abcdefg"), "20a", "20b", "21", "22", "23a", "23b"}
    assert numbered <= set(items) and all(items[k] for k in numbered)
    spec22 = pd.DataFrame(items["22"]["specification"])
    assert {"impute_median", "scale_mean", "scale_sd", "coefficient"} <= set(spec22["item"])
    assert report["provenance"]["input_sha256"] and report["settings"]["seed"] == 7
    miss = res.tables["missingness"].set_index("feature")
    assert miss.loc["pdl1_tps_pct", "n_missing"] == table.pdl1_tps_pct.isna().sum()
    uni = res.tables["univariable"].set_index("feature")
    assert uni.loc["smoking", "kind"] == "categorical" and not np.isnan(uni.loc["smoking", "fisher_p"])
    assert not np.isnan(uni.loc["tmb_log2", "spearman_rho"])
    # the learned cut-off exists only per training fold: no all-data cut-off anywhere in the outputs
    assert len(res.tables["fold_cutoffs"]) == 2 * 5
    assert "cutoff" not in res.summary.columns and "cutoff_tmb_per_mb" not in set(res.tables["coefficients"].model)
    assert res.plot("roc").axes


def test_same_seed_gives_byte_identical_tables_on_any_number_of_workers(table, tmp_path):
    for name, jobs in (("a", 1), ("b", 2)):  # one process, then two loky workers (CV, permutations, bootstrap)
        run_models(
            table,
            outcome="bor",
            features=["tmb_log2", "smoking"],
            positive="PR",
            out_dir=tmp_path / name,
            figures=False,
            **{**FAST, "n_jobs": jobs},
        )
    tables = sorted((tmp_path / "a").glob("*.tsv"))
    assert len(tables) >= 8
    for path in tables:
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name
    # the report differs in the worker count it records as a parameter (twice), nowhere else
    a, b = ((tmp_path / name / "report.json").read_text() for name in ("a", "b"))
    assert a.count('"n_jobs": 1,') == 2
    assert b == a.replace('"n_jobs": 1,', '"n_jobs": 2,')


def test_refusals(table):
    with pytest.raises(InputError, match="no feature column 'nope'"):
        run_models(table, outcome="bor", features=["nope"], positive="PR", **FAST)
    with pytest.raises(InputError, match="not 0/1"):
        run_models(table, outcome="bor", features=["tmb_log2"], **FAST)
    with pytest.raises(InputError, match="more than one row"):
        run_models(pd.concat([table, table.iloc[:1]]), outcome="bor", features=["tmb_log2"], positive="PR", **FAST)
    with pytest.raises(ConfigError, match="pre-specified"):
        run_models(table, outcome="bor", features=["tmb_log2"], positive="PR", groups={"tmb_per_mb": "optimal"}, **FAST)
    with pytest.raises(ConfigError, match="unknown model"):
        run_models(table, outcome="bor", features=["tmb_log2"], positive="PR", models=("svm",))
    with pytest.raises(InputError, match="events"):
        run_models(table.assign(y=0), outcome="y", features=["tmb_log2"], **FAST)


def test_binary_outcome_forms():
    assert binary_outcome(pd.Series([True, False])).tolist() == [1.0, 0.0]
    assert binary_outcome(pd.Series([1, 0, None])).tolist()[:2] == [1.0, 0.0]
    assert binary_outcome(pd.Series(["yes", "no"]), positive="yes").tolist() == [1.0, 0.0]


def test_published_model_from_yaml_is_applied_to_the_cohort(table, tmp_path):
    from biomarker.models import ModelSpec

    (tmp_path / "study.yaml").write_text(
        "models:\n  outcome: bor\n  positive: [CR, PR]\n  features: [tmb_log2]\n  external:\n    tmb_score:\n"
        "      intercept: -1.2\n      coefficients: {tmb_per_mb: 1.5}\n      transform: {tmb_per_mb: log}\n"
        "      reference: made up for the test\n"
    )
    spec = ModelSpec.from_yaml(tmp_path / "study.yaml", **FAST)
    res = run_models(table, spec)
    ext = res.tables["external_validation"].iloc[0]
    assert ext["model"] == "tmb_score" and ext["n"] == len(table)
    pred = res.tables["external_predictions"]
    assert np.allclose(
        pred["predicted"], 1 / (1 + np.exp(-(-1.2 + 1.5 * np.log(table.sort_values("USUBJID").tmb_per_mb.to_numpy()))))
    )
    assert res.report["tripod_ai"]["23a"]["external_validation"][0]["model"] == "tmb_score"
    # and the decision curve and sample size tables are there, with the rule beside the model
    assert {"logistic_l2", "clinical_rule"} <= set(res.tables["decision_curve"]["model"])
    assert res.tables["sample_size"]["minimum_n"].iloc[0] > len(table)


def test_worker_count_when_none_is_given(monkeypatch):
    monkeypatch.setenv(JOBS_ENV, "3")
    assert default_jobs() == 3
    monkeypatch.delenv(JOBS_ENV)
    assert default_jobs() == len(os.sched_getaffinity(0))
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(JOBS_ENV, bad)
        with pytest.raises(ConfigError, match=f"BIOMARKER_JOBS is '{bad}'"):
            default_jobs()
