"""The patient table from store tables: invariants of the assembly (hypothesis) and the registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from biomarker.errors import InputError
from biomarker.models.patients import FEATURE_SOURCES, FeatureSource, compute_patients, one_tmb_per_subject

PRIORITY = {"tumor_normal": 0, "maf": 1, "tumor_only": 2}
rows = hs.lists(
    hs.tuples(
        hs.sampled_from(["P1", "P2", "P3"]),
        hs.sampled_from(list(PRIORITY)),
        hs.sampled_from(["ok", "ok", "failed", "stale"]),
        hs.floats(0, 80),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(rows)
def test_one_ok_tumour_per_subject_of_the_best_kind(items) -> None:
    frame = pd.DataFrame(
        [
            {
                "usubjid": u,
                "sample": f"{u}-{t}-{i}",
                "sample_type": t,
                "status": s,
                "preset": "wes",
                "tmb_per_mb": v,
                "tmb_high": v >= 10,
            }
            for i, (u, t, s, v) in enumerate(items)
        ]
    )
    out = one_tmb_per_subject(frame)
    ok = frame[frame["status"] == "ok"]
    assert sorted(out["usubjid"]) == sorted(set(ok["usubjid"]))  # failed and stale tumours never feed a subject
    chosen = frame.set_index("sample").loc[out["tmb_sample"]]
    assert (chosen["status"] == "ok").all()
    assert np.allclose(out["tmb_per_mb"], chosen["tmb_per_mb"]) and np.allclose(
        out["tmb_log2"], np.log2(chosen["tmb_per_mb"] + 1)
    )
    best = ok.assign(p=ok["sample_type"].map(PRIORITY)).groupby("usubjid")["p"].min()
    assert (chosen["sample_type"].map(PRIORITY).to_numpy() == best.loc[out["usubjid"]].to_numpy()).all()


def test_a_registered_table_joins_by_usubjid_with_its_kinds() -> None:
    tables = {
        "subjects": pd.DataFrame({"usubjid": ["S1", "S2", "S3"], "age_years": [60, 70, 80]}),
        "tbnk_features_wide": pd.DataFrame(
            {
                "usubjid": ["S2", "X9"],
                "cd8_pct_lymph_c1d1": [20.0, 1.0],
                "cd8_pct_lymph_change_c2d1": [3.0, 1.0],
                "cd8_pct_lymph_c4d1": [25.0, 1.0],
            }
        ),
        "genomic_features": pd.DataFrame(
            {"usubjid": ["S1", "S1"], "sample": ["S1-T.maf", "S1-T"], "is_primary": [False, True], "stk11_lof": [0, 1]}
        ),
        "tmb_results": pd.DataFrame(
            {
                "usubjid": ["S1", "S1"],
                "sample": ["S1-T.maf", "S1-T"],
                "status": "ok",
                "sample_type": ["maf", "tumor_normal"],
                "tmb_per_mb": [8.0, 9.0],
            }
        ),
    }
    res = compute_patients(tables)
    table = res.tables["patients"].set_index("usubjid")
    assert table.index.tolist() == ["S1", "S2", "S3"]  # the subjects of DM, whatever the sources hold ...
    assert res.warnings == ["tbnk_features_wide: 1 subject(s) not among the study's subjects, left out: X9"]  # loudly
    assert table.loc["S1", "stk11_lof"] == 1  # the genomic row of the primary tumour (tumour/normal first)
    assert table.loc["S2", "cd8_pct_lymph_c1d1"] == 20.0 and np.isnan(table.loc["S3", "cd8_pct_lymph_c1d1"])
    kinds = res.tables["feature_sources"].set_index("feature")["kind"]
    assert kinds["cd8_pct_lymph_c1d1"] == "baseline" and kinds["age_years"] == "covariate"
    assert kinds["cd8_pct_lymph_change_c2d1"] == kinds["cd8_pct_lymph_c4d1"] == "on_treatment"
    assert kinds["tmb_sample"] == "info" and kinds["stk11_lof"] == "baseline"
    assert "genomic_features" in [s.table for s in FEATURE_SOURCES]


def test_two_sources_giving_one_column_is_an_error_naming_them() -> None:
    tables = {
        "pdl1": pd.DataFrame({"usubjid": ["S1"], "til_stromal_pct": [10.0]}),
        "extra": pd.DataFrame({"usubjid": ["S1"], "til_stromal_pct": [30.0]}),
    }
    with pytest.raises(InputError, match=r"'extra' repeats column\(s\) til_stromal_pct"):
        compute_patients(tables, [*FEATURE_SOURCES, FeatureSource("extra")])
