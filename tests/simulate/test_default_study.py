"""Marginal plausibility of the default 50-patient study (one study, so bounds are loose)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from biomarker.simulate import StudyFiles


def test_default_sizes(default_study: StudyFiles) -> None:
    truth = pd.read_csv(default_study.truth_patients)
    assert len(truth) == 50
    assert 33e6 <= truth["territory_bp"].iloc[0] <= 37e6
    sizes = [sum(1 for _ in pd.read_csv(p, sep="\t").itertuples()) for p in default_study.truth_variants[:5]]
    assert all(150 <= s <= 4000 for s in sizes)
    assert len(default_study.tumour_only_vcfs) == 3 and len(default_study.mafs) == 3


def test_tmb_distribution(default_study: StudyFiles) -> None:
    t = pd.read_csv(default_study.truth_patients)
    assert 5 <= t["true_tmb_per_mb"].median() <= 12
    assert t["true_tmb_per_mb"].max() > 2 * t["true_tmb_per_mb"].median()  # long right tail
    by = t.groupby("smoking")["true_tmb_per_mb"].median()
    assert by["NEVER"] < by["CURRENT"]


def test_response_and_survival(default_study: StudyFiles) -> None:
    t = pd.read_csv(default_study.truth_patients)
    model = json.loads(default_study.response_model.read_text())
    assert 0.18 <= model["expected_orr_cohort"] <= 0.37
    orr = t["bor"].isin(["CR", "PR"]).mean()
    assert 0.10 <= orr <= 0.45
    assert t["investigator_discordant"].sum() == 2
    assert (t.loc[t["investigator_discordant"], "bor"] == "SD").all()
    assert (t.loc[t["investigator_discordant"], "investigator_bor"] == "PR").all()
    # responders live longer, on average
    resp = t["bor"].isin(["CR", "PR"])
    assert t.loc[resp, "pfs_months"].median() > t.loc[~resp, "pfs_months"].median()
    assert (t["pfs_months"] <= t["os_months"] + 1e-9).all()
    assert np.isfinite(t["linear_predictor"]).all() and t["p_response"].between(0, 1).all()


def test_hotspot_drivers_are_counted(default_study: StudyFiles) -> None:
    t = pd.read_csv(default_study.truth_patients, keep_default_na=False).set_index("USUBJID")
    assert (t["drivers"] != "").any()
    for u, drivers in t["drivers"].items():
        v = pd.read_csv(default_study.outdir / "truth" / "variants" / f"{u}-T.tsv", sep="\t")
        hot = v[v["intent"].str.startswith("somatic_hotspot_")]
        assert ("KRAS" in drivers) == (hot["pos"] == 25245350).any()
        assert ("TP53" in drivers) == (hot["pos"] == 7673802).any()
        assert (hot["fate"] == "counted").all()
