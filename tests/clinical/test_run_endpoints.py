"""run_endpoints on a small hand-made study: tables, figures, provenance, XPT input, determinism."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from biomarker.clinical.run import EndpointConfig, run_endpoints
from biomarker.files import sha256_file as sha256
from tests.clinical.clinical_builder import Subj, build, write_study

L = {"T01": "LUNG", "T02": "LYMPH NODE HILAR", "NT01": "LIVER"}


def subjects():
    def scan(t01, t02, nt="PRESENT"):
        return {"T01": t01, "T02": t02, "NT01": nt}

    return [
        Subj(
            "S-001",
            L,
            [(-7, scan(40, 20)), (42, scan(20, 12)), (84, scan(18, 11)), (126, scan(18, 11))],
            investigator={42: "PR", 84: "PR", 126: "PR"},
            aes=[
                {
                    "term": "Hypertension",
                    "soc": "Vascular disorders",
                    "grade": 3,
                    "rel": "Y",
                    "acn": "DOSE REDUCED",
                    "day": 15,
                }
            ],
        ),
        Subj(
            "S-002",
            L,
            [(-5, scan(40, 20)), (42, scan(38, 20)), (84, scan(50, 25))],
            death_day=150,
            investigator={42: "SD", 84: "PD"},
            aes=[{"grade": 1}],
        ),
        Subj(
            "S-003",
            L,
            [(-3, scan(40, 20)), (42, scan(0, 8, "ABSENT")), (84, scan(0, 7, "ABSENT"))],
            investigator={42: "CR", 84: "CR"},
            new_therapy_day=120,
        ),
        Subj(
            "S-004",
            L,
            [(-3, scan(40, 20)), (42, scan(40, 20, "UNEQUIVOCAL PROGRESSION"))],
            death_day=90,
            investigator={42: "SD"},
        ),
        Subj(
            "S-005",
            {"NT01": "LIVER"},
            [(-3, {"NT01": "PRESENT"}), (42, {"NT01": "PRESENT"})],
            investigator={42: "NON-CR/NON-PD"},
        ),
    ]


EXPECTED_BOR = {"S-001": "PR", "S-002": "SD", "S-003": "CR", "S-004": "PD", "S-005": "NON-CR/NON-PD"}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    root = write_study(tmp_path_factory.mktemp("study"), build(subjects()), cutoff="2024-12-31")
    return root, run_endpoints(root, root / "out")


def test_bor_and_summary(result):
    _, res = result
    assert res.tables["bor"].set_index("usubjid")["bor"].to_dict() == EXPECTED_BOR
    s = res.summary.set_index(["endpoint", "source"])
    assert s.loc[("orr", "derived"), "estimate"] == pytest.approx(2 / 5)
    assert s.loc[("dcr", "derived"), "n_events"] == 4
    assert s.loc[("orr_unconfirmed", "derived"), "n_events"] == 2
    assert s.loc[("orr", "investigator"), "estimate"] == pytest.approx(2 / 5)
    assert set(res.summary["endpoint"]) >= {
        "orr",
        "dcr",
        "ttr_median",
        "dor_median",
        "pfs_median",
        "pfs_rate_6_months",
        "os_median",
        "os_rate_6_months",
        "os_rate_12_months",
    }
    assert set(res.summary["unit"]) == {"proportion", "months"}
    ttr = res.tables["ttr"]["ttr_months"]
    assert s.loc[("ttr_max", "derived"), "estimate"] == pytest.approx(ttr.max())


def test_discrepancies_with_investigator(result):
    _, res = result
    diff = res.tables["bor_discrepancies"].set_index("usubjid")
    # S-004: the investigator missed the unequivocal progression of a non-target lesion
    assert diff.loc["S-004", ["bor_derived", "bor_investigator", "bor_differs"]].tolist() == [
        "PD",
        "SD",
        True,
    ]
    assert "S-001" not in diff.index


def test_files_written_atomically_with_snake_case_columns(result):
    root, _ = result
    out = root / "out"
    names = {p.name for p in out.iterdir()}
    assert not [n for n in names if n.endswith(".tmp") or n.startswith(".")]
    for expected in (
        "summary.tsv",
        "bor.tsv",
        "recist_timepoints.tsv",
        "pfs.tsv",
        "os.tsv",
        "dor.tsv",
        "ttr.tsv",
        "safety_measures.tsv",
        "ae_worst_grade.tsv",
        "ae_grades.tsv",
        "km_curves.tsv",
        "provenance.json",
        "waterfall.png",
        "spider.png",
        "swimmer.png",
        "km_pfs.png",
        "km_os.png",
    ):
        assert expected in names
    for name in names:
        if name.endswith(".tsv"):
            cols = pd.read_csv(out / name, sep="\t", nrows=0).columns
            assert all(c == c.lower() and " " not in c for c in cols), (name, list(cols))
    pfs = pd.read_csv(out / "pfs.tsv", sep="\t")
    assert {"pfs_days", "pfs_months", "pfs_event"} <= set(pfs.columns)
    assert (out / "waterfall.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_provenance_names_inputs_and_parameters(result):
    root, res = result
    prov = json.loads((root / "out" / "provenance.json").read_text())
    assert prov["inputs"]["tr"]["sha256"] == sha256(root / "clinical" / "tr.csv")
    assert prov["parameters"]["bor"]["min_confirm_days"] == 28
    assert prov["data_cutoff"] == "2024-12-31"
    assert prov == res.provenance


def test_same_inputs_give_identical_tables(result, tmp_path):
    root, _ = result
    run_endpoints(root, tmp_path / "again", EndpointConfig(figures=False))
    for path in (root / "out").glob("*.tsv"):
        assert (tmp_path / "again" / path.name).read_bytes() == path.read_bytes(), path.name


def test_xpt_inputs_give_the_same_results(result, tmp_path):
    import pyreadstat

    root, res = result
    folder = tmp_path / "clinical"
    folder.mkdir()
    for csv in (root / "clinical").glob("*.csv"):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        pyreadstat.write_xport(
            frame, str(folder / f"{csv.stem.upper()}.XPT"), table_name=csv.stem.upper(), file_format_version=8
        )
    (folder / "study.json").write_text((root / "clinical" / "study.json").read_text())
    xres = run_endpoints(tmp_path, tmp_path / "out", EndpointConfig(figures=False))
    pd.testing.assert_frame_equal(xres.summary, res.summary)
    assert xres.tables["bor"]["bor"].tolist() == res.tables["bor"]["bor"].tolist()


def test_result_plot_draws_a_named_figure(result):
    _, res = result
    fig = res.plot("km_os")
    assert fig.axes[0].get_title() == "Overall survival"
    with pytest.raises(KeyError, match="no figure 'forest'"):
        res.plot("forest")


def test_minimal_study_without_optional_domains_or_responders(tmp_path):
    subs = [
        Subj("S-001", {"T01": "LUNG"}, [(-7, {"T01": 40}), (42, {"T01": 41}), (84, {"T01": 60})]),
        Subj("S-002", {"T01": "LUNG"}, [(-7, {"T01": 40}), (42, {"T01": 38})], death_day=70),
    ]
    root = write_study(tmp_path, build(subs))
    for name in ("ex", "rs", "ae", "ds"):
        (root / "clinical" / f"{name}.csv").unlink()
    (root / "clinical" / "study.json").unlink()
    res = run_endpoints(root, tmp_path / "out")
    s = res.summary.set_index(["endpoint", "source"])
    assert s.loc[("orr", "derived"), "estimate"] == 0.0
    assert np.isnan(s.loc[("dor_median", "derived"), "estimate"])
    assert ("orr", "investigator") not in s.index
    assert res.tables["safety_measures"].loc[0, "n_pct"] == "0 (0.0%)"
    assert res.provenance["data_cutoff"] is None
    assert {"waterfall.png", "km_pfs.png"} <= {p.name for p in (tmp_path / "out").iterdir()}


def test_bad_settings_are_config_errors():
    from biomarker.clinical.efficacy import PfsRules
    from biomarker.errors import ConfigError

    with pytest.raises(ConfigError, match="os_censor_at"):
        EndpointConfig(os_censor_at="never")
    with pytest.raises(ConfigError, match="interval_days > 0"):
        PfsRules(interval_days=0)
