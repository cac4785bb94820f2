"""On a small simulated study, derived endpoints equal the planted truth (``truth/patients.csv``)."""

from __future__ import annotations

import pandas as pd
import pytest

from biomarker.clinical.run import EndpointConfig, run_endpoints

simulate = pytest.importorskip("biomarker.simulate.study")


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    root = tmp_path_factory.mktemp("sim")
    simulate.simulate_study(root, n_patients=16, seed=8, exome_mb=0.2)  # CR, PR, SD, PD and NE
    res = run_endpoints(root, root / "endpoints", EndpointConfig(figures=False))
    truth = pd.read_csv(root / "truth" / "patients.csv").rename(columns={"USUBJID": "usubjid"})
    return res, truth


def test_derived_bor_equals_planted_bor(simulated):
    res, truth = simulated
    got = res.tables["bor"].set_index("usubjid")
    want = truth.set_index("usubjid")
    assert sorted(got.index) == sorted(want.index)
    assert set(want["bor"]) == {"CR", "PR", "SD", "PD", "NE"}
    assert got["bor"].to_dict() == want["bor"].to_dict()
    assert got["bor_investigator"].to_dict() == want["investigator_bor"].to_dict()


def test_pfs_and_os_equal_the_truth(simulated):
    res, truth = simulated
    want = truth.set_index("usubjid")
    for endpoint in ("pfs", "os"):
        got = res.tables[endpoint].set_index("usubjid").loc[want.index]
        assert got[f"{endpoint}_months"].to_numpy() == pytest.approx(want[f"{endpoint}_months"].to_numpy(), abs=1e-4)
        assert got[f"{endpoint}_event"].tolist() == want[f"{endpoint}_event"].astype(int).tolist()


def test_planted_investigator_discordance_is_listed(simulated):
    res, truth = simulated
    discordant = set(truth.loc[truth["investigator_bor"] != truth["bor"], "usubjid"])
    assert discordant
    listed = res.tables["bor_discrepancies"]
    assert discordant <= set(listed.loc[listed["bor_differs"], "usubjid"])
