"""The real assembly path: study files -> `run` steps -> store -> one row per subject (from store tables only)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from biomarker import Study
from biomarker.models import default_features, derive_outcomes, patient_table, run_study_models
from biomarker.models.patients import one_tmb_per_subject
from biomarker.simulate import simulate_study
from biomarker.study import write_study_config


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("assembly") / "study"
    simulate_study(folder, n_patients=40, seed=5, exome_mb=2.0)
    return folder


@pytest.fixture(scope="module")
def store(study):
    """Every step before the models, as `biomarker run` does them, into the study's store (the report, which
    nothing here reads, is left out: `run` itself is tested in tests/test_study_run.py)."""
    config = write_study_config(study)
    text = config.read_text()
    config.write_text(text[: text.index("models:")] + text[text.index("out:") :])
    steps = Study.from_config(config, jobs=1)
    for step in (steps.tmb, steps.pathology, steps.tbnk, steps.endpoints):
        step()
    return steps.store_path


@pytest.fixture(scope="module")
def table(store):
    return patient_table(store)


def test_one_row_per_subject_matching_the_truth(study, table):
    truth = pd.read_csv(study / "truth" / "patients.csv")
    assert len(table) == len(truth) == table["usubjid"].nunique()
    m = table.merge(truth, left_on="usubjid", right_on="USUBJID", suffixes=("", "_truth"))
    assert np.allclose(m["tmb_per_mb"], m["true_tmb_per_mb"], atol=0.01)
    assert (m["tmb_sample"] == m["usubjid"] + "-T").all()  # tumour/normal preferred over MAF / tumour-only
    assert (m["bor"] == m["bor_truth"]).all()
    assert (m["response"] == m["bor_truth"].isin(["CR", "PR"])).all()
    assert np.allclose(m["pfs_months"], m["pfs_months_truth"], atol=1e-3)
    true_cat = pd.cut(m["pdl1_tps_true_pct"], [-1, 0.999999, 49.999999, 101], labels=["<1", "1-49", ">=50"]).astype(str)
    known = m["pdl1_category"].notna()
    assert (m.loc[known, "pdl1_category"] == true_cat[known]).all()
    assert set(m.loc[known, "pdl1_tps_ordinal"]) <= {0.0, 1.0, 2.0}
    assert m[["nk_pct_lymph_c1d1", "nk_pct_baseline"]].corr().iloc[0, 1] > 0.9
    assert m[["cd8_pct_lymph_change_c2d1", "cd8_change"]].corr().iloc[0, 1] > 0.8
    dcb = np.where(m["pfs_months"] >= 6, 1.0, np.where(m["pfs_event"] == 1, 0.0, np.nan))
    assert np.array_equal(m["dcb"].to_numpy(), dcb, equal_nan=True)
    assert set(table.attrs["sources"]) == {"tmb_results", "pdl1", "tbnk_features_wide"}
    feats = default_features(table)
    assert feats[:3] == ["tmb_log2", "pdl1_tps_ordinal", "til_stromal_pct"] and len(feats) == 15
    assert not any("_c2d1" in f or f.endswith("_c4d1") for f in feats)  # baseline only
    landmark = default_features(table, landmark="C2D1")
    assert len(landmark) == 20 and "cd8_pct_lymph_change_c2d1" in landmark


def test_tmb_from_the_store_and_outcomes_rules(store):
    from biomarker.store import Store

    with Store(store, read_only=True) as s:
        tmb = one_tmb_per_subject(s.table("tmb_results"), {"samples": s.table("samples")})
    assert len(tmb) == 40 and tmb["usubjid"].is_unique
    bor = pd.DataFrame(
        {
            "usubjid": ["a", "b", "c", "d"],
            "bor": ["CR", "SD", "PD", "NE"],
            "best_pct_change_from_baseline": [-100.0, 5.0, 40.0, np.nan],
        }
    )
    pfs = pd.DataFrame({"usubjid": list("abcd"), "pfs_months": [12.0, 6.0, 2.0, 1.0], "pfs_event": [0, 1, 1, 0]})
    os_ = pd.DataFrame({"usubjid": list("abcd"), "os_months": [12.0, 9.0, 5.0, 1.0], "os_event": [0, 1, 1, 0]})
    out = derive_outcomes(bor, pfs, os_).set_index("usubjid")
    assert out["response"].tolist() == [1, 0, 0, 0] and out["disease_control"].tolist() == [1, 1, 0, 0]
    assert out["dcb"].tolist()[:3] == [1.0, 1.0, 0.0] and np.isnan(out.loc["d", "dcb"])


def test_the_study_form_reads_the_store_and_writes_everything(store, tmp_path):
    res = run_study_models(
        store, tmp_path, n_repeats=2, n_permutations=0, n_bootstrap=50, n_refit_bootstrap=0, models=("logistic_l2",)
    )
    assert (tmp_path / "features.tsv").is_file() and (tmp_path / "report.json").is_file()
    assert set(res.summary.model) == {"logistic_l2", "clinical_rule"}
    report = json.loads((tmp_path / "report.json").read_text())
    settings = report["settings"]
    assert report["provenance"]["input"].endswith("features.tsv") and len(report["provenance"]["input_sha256"]) == 64
    assert report["provenance"]["store"] == str(store) and len(report["provenance"]["store_sha256"]) == 64
    assert settings["rule"] == {"tmb_per_mb": 10.0, "pdl1_tps_low_pct": 50.0}
    assert settings["time"] == ["pfs_months", "os_months"] and settings["change"] == "best_pct_change"
    uni = res.tables["univariable"].set_index("feature")
    assert uni.loc["pdl1_category", "kind"] == "categorical" and uni.loc["tmb_high", "kind"] == "categorical"
    assert {"km_pfs_tmb_per_mb.png", "km_os_pdl1_category.png"} <= {p.name for p in tmp_path.glob("*.png")}
