"""Hand-worked rules for sponsor-shaped data: CM therapy, LSTALVDT, cut-off, evaluators, CR-then-PR, config, CLI."""

from __future__ import annotations

import pandas as pd
import pytest

from biomarker.clinical import EndpointConfig, run_endpoints
from biomarker.clinical.bor import BorRules, best_overall_response
from biomarker.errors import ConfigError
from tests.cli_runner import run_cli
from tests.clinical.clinical_builder import Subj, build, write_study

# first dose 2024-01-01 for every subject (offset 0); scans at day 42, 84, 126
SHRINK = [(-7, {"T01": 50}), (42, {"T01": 30}), (84, {"T01": 30}), (126, {"T01": 30})]


def _cm(usubjid: str, day: int, cat: str = "SUBSEQUENT ANTICANCER THERAPY", trt: str = "DOCETAXEL") -> dict:
    return {
        "USUBJID": usubjid,
        "CMTRT": trt,
        "CMDECOD": trt,
        "CMCAT": cat,
        "CMCLAS": None,
        "CMSTDTC": (pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)).strftime("%Y-%m-%d"),
        "CMENDTC": None,
    }


def test_new_anticancer_therapy_in_cm_censors_pfs_and_ends_response_assessment(tmp_path):
    subs = [Subj("S-001", {"T01": "LUNG"}, [*SHRINK[:3], (126, {"T01": 60})])]
    frames = build(subs)
    frames["cm"] = pd.DataFrame([_cm("S-001", 100), _cm("S-001", 50, cat="CONCOMITANT", trt="AMLODIPINE")])
    res = run_endpoints(write_study(tmp_path, frames), config=EndpointConfig(figures=False))
    pfs = res.tables["pfs"].iloc[0]
    # PD on day 126 comes after docetaxel on day 100: censored at the last adequate scan before it (day 84)
    assert (pfs["pfs_event"], pfs["pfs_days"], pfs["pfs_censor_reason"]) == (0, 85, "new anticancer therapy")
    assert res.tables["bor"].iloc[0]["first_pd_date"] is pd.NaT or pd.isna(res.tables["bor"].iloc[0]["first_pd_date"])


def test_study_drug_in_cm_is_not_a_new_therapy(tmp_path):
    frames = build([Subj("S-001", {"T01": "LUNG"}, [*SHRINK[:3], (126, {"T01": 60})])])
    frames["cm"] = pd.DataFrame([_cm("S-001", 100, trt="AXITINIB")])
    res = run_endpoints(write_study(tmp_path, frames), config=EndpointConfig(figures=False))
    assert res.tables["pfs"].iloc[0]["pfs_event"] == 1


def test_os_censored_at_the_last_complete_date_known_alive_not_at_a_withdrawal(tmp_path):
    subs = [Subj("S-001", {"T01": "LUNG"}, SHRINK, disposition=("WITHDRAWAL BY SUBJECT", 60))]
    frames = build(subs)
    frames["sv"] = pd.DataFrame(
        {
            "USUBJID": ["S-001", "S-001"],
            "VISIT": ["FOLLOW-UP", "PHONE"],
            "VISITNUM": ["90", "91"],
            "SVSTDTC": ["2024-07-01", "2024-09"],
        }
    )
    res = run_endpoints(write_study(tmp_path, frames), config=EndpointConfig(figures=False))
    os_ = res.tables["os"].iloc[0]
    # the SV contact of 2024-07-01 (day 183) is the last complete date; the partial 2024-09 is not used
    assert (os_["os_date"], os_["os_days"], os_["os_event"]) == (pd.Timestamp("2024-07-01"), 183, 0)
    cut = run_endpoints(write_study(tmp_path, frames), config=EndpointConfig(figures=False, os_censor_at="cutoff"))
    assert cut.tables["os"].iloc[0]["os_censor_reason"] == "survival follow-up ended"


def test_cutoff_from_the_config_overrides_study_json(tmp_path):
    root = write_study(tmp_path, build([Subj("S-001", {"T01": "LUNG"}, SHRINK)]))
    res = run_endpoints(root, config=EndpointConfig.from_mapping({"data_cutoff": "2024-03-01", "figures": False}))
    assert res.provenance["data_cutoff"] == "2024-03-01"
    assert res.tables["recist_timepoints"]["assessment_date"].max() <= pd.Timestamp("2024-03-01")
    assert res.tables["bor"].iloc[0]["bor"] == "SD"  # the confirming scan on day 84 is after the cut-off


def test_cr_then_pr_both_readings():
    days = [42, 84, 126]
    assert best_overall_response(["CR", "PR", "PR"], days) == "PR"
    assert best_overall_response(["CR", "PR", "PR"], days, BorRules(cr_then_pr="sd")) == "PR"  # PR d84 -> d126
    assert best_overall_response(["CR", "PR"], [42, 84]) == "PR"
    assert best_overall_response(["CR", "PR"], [42, 84], BorRules(cr_then_pr="sd")) == "SD"
    with pytest.raises(ConfigError):
        BorRules(cr_then_pr="cr")


def test_config_from_mapping_validates_and_lands_in_provenance(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown setting.*confirm_dys.*known: .*confirm_days"):
        EndpointConfig.from_mapping({"confirm_dys": 28})
    with pytest.raises(ConfigError, match="evaluator must be"):
        EndpointConfig.from_mapping({"evaluator": "radiologist"})
    cfg = EndpointConfig.from_mapping(
        {
            "confirm_days": 35,
            "min_sd_days": 35,
            "cr_then_pr": "sd",
            "study_drugs": ["toripalimab"],
            "terminology": {"AEREL": {"MAYBE": "Y"}},
        }
    )
    assert (cfg.bor.min_confirm_days, cfg.bor.min_sd_days, cfg.study_drugs) == (35, 35, ("TORIPALIMAB",))
    res = run_endpoints(write_study(tmp_path, build([Subj("S-001", {"T01": "LUNG"}, SHRINK)])), config=cfg)
    params = res.provenance["parameters"]
    assert params["bor"]["min_confirm_days"] == 35 and params["terminology"] == {"AEREL": {"MAYBE": "Y"}}
    assert "log-log" in res.provenance["ci_method"] and res.provenance["cr_then_pr"] == "SD (admiralonco)"


def test_result_computes_without_writing_and_writes_on_request(tmp_path):
    root = write_study(tmp_path / "s", build([Subj("S-001", {"T01": "LUNG"}, SHRINK)]))
    res = run_endpoints(root, config=EndpointConfig(figures=False))
    assert not (tmp_path / "out").exists() and res.files == {}
    files = res.write(tmp_path / "out")
    assert files["bor"].read_text().splitlines()[1].startswith("S-001\tPR")
    assert (tmp_path / "out" / "provenance.json").is_file()
    assert res.plot("waterfall").axes


def _rs_rows(subject: str, evaluator: str, evalid: str | None, accepted: dict[int, bool], responses: dict[int, str]):
    return [
        {
            "USUBJID": subject,
            "RSTESTCD": "OVRLRESP",
            "RSCAT": "RECIST 1.1",
            "RSORRES": r,
            "RSSTRESC": r,
            "RSEVAL": evaluator,
            "RSEVALID": evalid,
            "RSACPTFL": "Y" if accepted.get(day) else None,
            "RSDTC": (pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)).strftime("%Y-%m-%d"),
            "VISIT": f"WEEK {day // 7}",
            "VISITNUM": str(day // 42 + 1),
        }
        for day, r in responses.items()
    ]


def test_evaluators_are_never_mixed_and_independent_takes_the_accepted_reads(tmp_path):
    frames = build([Subj("S-001", {"T01": "LUNG"}, SHRINK)])
    tr, tu = frames["tr"], frames["tu"]
    inv = tr.assign(TREVAL="INVESTIGATOR")
    # radiologist 1 sees no shrinkage (SD), radiologist 2 sees the PR; R1 accepted at day 42, R2 at 84 and 126
    r1 = tr.assign(TREVAL="INDEPENDENT ASSESSOR", TREVALID="RADIOLOGIST 1")
    r1.loc[r1["VISIT"] != "SCREENING", ["TRORRES", "TRSTRESC", "TRSTRESN"]] = "45"
    r2 = tr.assign(TREVAL="INDEPENDENT ASSESSOR", TREVALID="RADIOLOGIST 2")
    frames["tr"] = pd.concat([inv, r1, r2], ignore_index=True)
    frames["tu"] = pd.concat(
        [
            tu.assign(TUEVAL="INVESTIGATOR"),
            tu.assign(TUEVAL="INDEPENDENT ASSESSOR", TUEVALID="RADIOLOGIST 1"),
            tu.assign(TUEVAL="INDEPENDENT ASSESSOR", TUEVALID="RADIOLOGIST 2"),
        ],
        ignore_index=True,
    )
    frames["rs"] = pd.DataFrame(
        _rs_rows("S-001", "INVESTIGATOR", None, {}, {42: "PR", 84: "PR", 126: "PR"})
        + _rs_rows("S-001", "INDEPENDENT ASSESSOR", "RADIOLOGIST 1", {42: True}, {42: "SD", 84: "SD", 126: "SD"})
        + _rs_rows(
            "S-001", "INDEPENDENT ASSESSOR", "RADIOLOGIST 2", {84: True, 126: True}, {42: "PR", 84: "PR", 126: "PR"}
        )
    )
    root = write_study(tmp_path, frames)
    res = run_endpoints(root, config=EndpointConfig(figures=False))
    assert res.tables["bor"].iloc[0][["bor", "bor_investigator"]].tolist() == ["PR", "PR"]
    assert res.tables["timepoint_agreement"]["agrees"].all() and len(res.tables["timepoint_agreement"]) == 9
    ind = run_endpoints(root, config=EndpointConfig(figures=False, evaluator="independent"))
    tp = ind.tables["recist_timepoints"]
    assert tp.loc[~tp.is_baseline, "overall_response"].tolist() == ["SD", "PR", "PR"]
    assert ind.tables["bor"].iloc[0]["bor"] == "PR"  # PR day 84 confirmed day 126


def test_cli_endpoints_options_and_one_line_errors(tmp_path):
    root = write_study(tmp_path / "s", build([Subj("S-001", {"T01": "LUNG"}, SHRINK)]))
    out = run_cli(
        "endpoints",
        str(root),
        "--out",
        str(tmp_path / "o"),
        "--no-figures",
        "--cr-then-pr",
        "sd",
        "--cutoff",
        "2024-12-31",
        "--set",
        "cbr_min_days=84",
    )
    assert out.returncode == 0, out.stdout + out.stderr
    prov = (tmp_path / "o" / "provenance.json").read_text()
    assert '"cr_then_pr": "sd"' in prov and '"cbr_min_days": 84' in prov and '"data_cutoff": "2024-12-31"' in prov
    bad = run_cli("endpoints", root, "--out", tmp_path / "o2", "--set", "nope=1")
    assert bad.returncode == 2
    assert "unknown setting(s) nope" in bad.stdout + bad.stderr


def test_two_unscheduled_visits_are_two_assessments(tmp_path):
    from biomarker.clinical.recist import timepoint_responses
    from biomarker.clinical.sdtm import load_study

    frames = build(
        [
            Subj(
                "S-001",
                {"T01": "LUNG", "NT01": "LIVER"},
                [
                    (-7, {"T01": 50, "NT01": "PRESENT"}),
                    (30, {"T01": 40, "NT01": "PRESENT"}),
                    (60, {"T01": 34, "NT01": "PRESENT"}),
                    (84, {"T01": 33, "NT01": "PRESENT"}),
                ],
            )
        ]
    )
    tr = frames["tr"]
    for day, num in ((30, "2.1"), (60, "2.2")):
        when = (pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)).strftime("%Y-%m-%d")
        tr.loc[tr["TRDTC"].eq(when), ["VISIT", "VISITNUM"]] = ["UNSCHEDULED", num]
    write_study(tmp_path, frames)
    study = load_study(tmp_path)
    tp = timepoint_responses(study.tu, study.tr, study.dm)
    post = tp[~tp.is_baseline]
    assert post["visit"].tolist() == ["UNSCHEDULED", "UNSCHEDULED", "WEEK 12"]
    assert post["sum_diameters_mm"].tolist() == [40.0, 34.0, 33.0]
    assert post["overall_response"].tolist() == ["SD", "PR", "PR"]  # 34 <= 0.7 * 50 = 35


def test_partial_death_date_is_never_before_the_last_date_known_alive(tmp_path, caplog):
    subs = [Subj("S-001", {"T01": "LUNG"}, SHRINK, death_day=150)]
    frames = build(subs)
    frames["dm"].loc[0, "DTHDTC"] = "2024-05"  # imputed 2024-05-01, but the subject was seen 2024-05-06 (day 126)
    res = run_endpoints(write_study(tmp_path, frames), config=EndpointConfig(figures=False))
    os_ = res.tables["os"].iloc[0]
    assert (os_["os_event"], os_["os_date"]) == (1, pd.Timestamp("2024-05-07"))
    assert "partial death date imputed to 2024-05-01, not after the last date known alive 2024-05-06" in caplog.text
