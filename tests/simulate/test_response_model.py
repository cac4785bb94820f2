"""The response model: null, effects, calibration, and the survival shape of the planted courses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from biomarker.simulate import simulate_study
from biomarker.simulate.response_model import DEFAULT_EFFECTS, ResponseModel
from biomarker.simulate.tumour_course import months, simulate_course


def km_median(times: list[float], events: list[int]) -> float:
    order = np.argsort(times, kind="stable")
    at_risk, surv = len(times), 1.0
    for i in order:
        if events[i]:
            surv *= 1 - 1 / at_risk
        at_risk -= 1
        if surv <= 0.5:
            return float(times[i])
    return float("inf")


def test_null_gives_zero_coefficients(tmp_path: Path) -> None:
    files = simulate_study(tmp_path / "null", n_patients=3, seed=5, null=True, exome_mb=1.0, effects={"log_tmb": 2.0})
    model = json.loads(files.response_model.read_text())
    assert model["null"] is True
    assert all(f["coefficient"] == 0.0 for f in model["features"].values())
    assert 0.2 <= model["expected_orr"] <= 0.35


def test_effects_override_and_validation() -> None:
    m = ResponseModel.build({"pdl1_tps": 1.5})
    assert m.coefficients["pdl1_tps"] == 1.5 and m.coefficients["log_tmb"] == DEFAULT_EFFECTS["log_tmb"]
    assert m.coefficients["til_pct"] == 0.0 and m.coefficients["age"] == 0.0
    with pytest.raises(ValueError, match="unknown effect"):
        ResponseModel.build({"tmb": 1.0})


@pytest.mark.parametrize("effects", [None, {"log_tmb": 1.5, "pdl1_tps": 1.5}, {"nk_pct_baseline": 0.0}])
def test_expected_orr_is_calibrated(effects: dict | None) -> None:
    assert 0.20 <= ResponseModel.build(effects).expected_orr <= 0.35


def test_signal_goes_the_planted_way() -> None:
    m = ResponseModel.build()
    x = {
        "tmb": np.array([2.0, 30.0]),
        "pdl1_tps": np.array([10.0, 10.0]),
        "nk_pct_baseline": np.array([14.0] * 2),
        "cd8_change": np.array([1.5] * 2),
        "til_pct": np.array([15.0] * 2),
        "age": np.array([60] * 2),
        "sex": np.array(["M", "M"]),
        "ecog": np.array([1, 1]),
    }
    p = m.probability(x)
    assert p[1] > p[0] + 0.15


def test_expected_orr_across_seeds(tmp_path: Path) -> None:
    """The cohort's expected ORR (mean p over its patients) stays in range across seeds."""
    values = []
    for seed in (1, 2, 3):
        files = simulate_study(tmp_path / f"s{seed}", n_patients=20, seed=seed, exome_mb=0.5)
        values.append(json.loads(files.response_model.read_text())["expected_orr_cohort"])
    assert 0.18 <= float(np.mean(values)) <= 0.37


def test_course_medians() -> None:
    """Planted courses with the model's class mix: median PFS 4-7 months, median OS 12-16 months."""
    rng = np.random.default_rng(2024)
    classes = rng.choice(["CR", "PR", "SD", "PD", "NE"], size=1500, p=[0.032, 0.238, 0.42, 0.27, 0.04])
    pfs_t, pfs_e, os_t, os_e = [], [], [], []
    for k in classes.tolist():
        c = simulate_course(rng, k, int(rng.integers(310, 730)))
        pfs_t.append(months(c.pfs_day))
        pfs_e.append(int(c.pfs_event))
        os_t.append(months(c.os_day))
        os_e.append(int(c.os_event))
    assert 4.0 <= km_median(pfs_t, pfs_e) <= 7.0
    assert 12.0 <= km_median(os_t, os_e) <= 16.0
