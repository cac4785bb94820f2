"""The CDISC pilot SDTM of pharmaversesdtm (``../shared/fixtures/real/pharmaversesdtm``), read as delivered.

Truths checked:
- the 8 tumour subjects' time-point responses derived from TR, separately for each of the three evaluators
  (investigator, independent radiologists 1 and 2), equal the RS rows pharmaverse derived by RECIST 1.1
  (``rs_onco_recist``): 66 of 66;
- confirmed and unconfirmed BOR follow admiralonco's conventions (confirmation >= 28 days, at most one NE
  between, SD only from the SD minimum on; admiralonco's ADRS template uses a 28-day SD window, the protocol
  42 days: both are checked), worked out by hand below from the investigator's RS rows;
- AE, SUPPAE, EX, CM, DS and SV load and feed the safety and study tables (306 in DM, 52 screen failures);
- ``rs_onco_irecist`` gives an iRECIST result of its own, never mixed into RECIST 1.1.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from biomarker.clinical import EndpointConfig, run_endpoints
from biomarker.clinical.evaluators import rs_for, timepoints_by_evaluator
from biomarker.clinical.sdtm import load_study
from tests.conftest import SHARED_FIXTURES

pytestmark = pytest.mark.shared_fixtures

DOMAINS = ("dm", "ae", "suppae", "ex", "cm", "ds", "sv")

# Investigator RS (rs_onco_recist), days from first dose; hand-worked BOR.
# 1015: SD d21, NE (2014-02), CR d63            -> CR unconfirmed (no later scan), confirmed SD (CR d63 >= SD min)
# 1028: SD d21, PD d42, SD d63                  -> PD both (SD d21 is before the SD minimum)
# 1034: NON-CR/NON-PD d21, d42                  -> NON-CR/NON-PD both
# 1097: NON-CR/NON-PD d21                       -> NE (42-day minimum); NON-CR/NON-PD is not reached by d28 either
# 1115: SD d21, PR d42, CR d63                  -> CR unconfirmed; PR d42 to CR d63 is 21 < 28 days: SD
# 1118: SD d21, PR d42, NE d63, PR d84          -> PR confirmed across one NE (42 days)
# 1130: SD d21, SD d42, PD d63                  -> SD both
# 1133: PR d21, CR d42, PD d63                  -> CR unconfirmed; no confirmation before PD: SD (CR d42)
CONFIRMED = {
    "01-701-1015": "SD",
    "01-701-1028": "PD",
    "01-701-1034": "NON-CR/NON-PD",
    "01-701-1097": "NE",
    "01-701-1115": "SD",
    "01-701-1118": "PR",
    "01-701-1130": "SD",
    "01-701-1133": "SD",
}
UNCONFIRMED = {**CONFIRMED, "01-701-1015": "CR", "01-701-1115": "CR", "01-701-1133": "CR"}


PV = SHARED_FIXTURES / "real" / "pharmaversesdtm"


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory):
    if not PV.is_dir():
        pytest.skip("../shared/fixtures is absent")
    src = PV
    root = tmp_path_factory.mktemp("pv")
    clinical = root / "clinical"
    clinical.mkdir()
    for domain in DOMAINS:
        shutil.copy(src / f"{domain}.csv", clinical / f"{domain}.csv")
    shutil.copy(src / "tu_onco_recist.csv", clinical / "tu.csv")
    shutil.copy(src / "tr_onco_recist.csv", clinical / "tr.csv")
    shutil.copy(src / "rs_onco_recist.csv", clinical / "rs.csv")
    return root


@pytest.fixture(scope="module")
def result(study_dir):
    return run_endpoints(study_dir, config=EndpointConfig(figures=False))


def test_tr_derived_timepoints_equal_pharmaverse_rs_for_every_evaluator(study_dir):
    study = load_study(study_dir)
    tp = timepoints_by_evaluator(study.tu, study.tr, study.dm)
    assert sorted(set(tp["evaluator"])) == [
        "INDEPENDENT ASSESSOR/RADIOLOGIST 1",
        "INDEPENDENT ASSESSOR/RADIOLOGIST 2",
        "INVESTIGATOR",
    ]
    rs = rs_for(study.rs, "RECIST 1.1", None)
    rs = rs[rs["RSTESTCD"] == "OVRLRESP"]
    ours = tp[~tp["is_baseline"]]
    both = ours.merge(
        rs[["USUBJID", "EVALUATOR", "VISITNUM", "RSSTRESC"]],
        left_on=["usubjid", "evaluator", "visitnum"],
        right_on=["USUBJID", "EVALUATOR", "VISITNUM"],
        how="outer",
    )
    assert len(both) == 66 == len(rs)
    assert (both["overall_response"] == both["RSSTRESC"]).all(), both[both["overall_response"] != both["RSSTRESC"]]
    # the two radiologists disagree with the investigator where pharmaverse says they do
    r1 = both[(both.usubjid == "01-701-1028") & (both.evaluator.str.endswith("1")) & (both.visitnum == 3)]
    assert r1["overall_response"].item() == "NE"  # T01 not measured, the others not enough for PD


def test_timepoint_agreement_table_and_confirmed_bor(result):
    agree = result.tables["timepoint_agreement"]
    assert len(agree) == 66 and agree["agrees"].all()
    bor = result.tables["bor"]
    got = bor[bor["usubjid"].isin(CONFIRMED)].set_index("usubjid")
    assert got["bor"].to_dict() == CONFIRMED
    assert got["bor_unconfirmed"].to_dict() == UNCONFIRMED
    assert got["bor_investigator"].to_dict() == CONFIRMED


def test_admiralonco_28_day_sd_window_and_cr_then_pr(study_dir):
    res = run_endpoints(study_dir, config=EndpointConfig.from_mapping({"min_sd_days": 28, "figures": False}))
    got = res.tables["bor"].set_index("usubjid")["bor"]
    assert got["01-701-1097"] == "NE"  # its only scan is day 21
    assert got["01-701-1028"] == "PD"
    assert res.provenance["parameters"]["bor"]["min_sd_days"] == 28


def test_populations_and_screen_failures(result):
    pops = result.tables["populations"].set_index("population")["n_subjects"].to_dict()
    assert pops == {"screened": 306, "enrolled": 254, "safety": 254, "efficacy_evaluable": 8}
    rates = result.summary.set_index(["endpoint", "source"])
    assert rates.loc[("orr", "derived"), ["n_subjects", "n_events"]].tolist() == [254, 1]
    assert rates.loc[("orr", "derived_evaluable"), ["n_subjects", "n_events"]].tolist() == [8, 1]
    assert rates.loc[("dcr", "derived_evaluable"), "n_events"] == 6


def test_safety_and_study_tables_from_ae_ex_ds(result):
    overview = result.tables["ae_overview"].set_index("measure")
    # AEREL PROBABLE/POSSIBLE are related, REMOTE/NONE not; AESER Y 3 times; AEOUT FATAL 3 times
    ae = pd.read_csv(result.provenance["inputs"]["ae"]["file"], keep_default_na=False)
    assert set(ae["AEREL"]) == {"PROBABLE", "POSSIBLE", "REMOTE", "NONE", "NA"}
    assert overview.loc["serious", "n_events"] == 3
    assert overview.loc["grade_5", "n_subjects"] == 3
    assert overview.loc["drug_related", "n_subjects"] > 0
    assert any("no AETOXGR: grades read from AESEV" in w for w in result.warnings)
    deaths = result.tables["deaths"]
    assert len(deaths) == 3 and deaths["grade_5_ae"].notna().all()
    exposure = result.tables["exposure_summary"].set_index("drug")
    assert exposure["n_subjects"].to_dict() == {"PLACEBO": 86, "XANOMELINE": 168}
    disp = result.tables["disposition"].set_index("dsdecod")["n_subjects"]
    assert "SCREEN FAILURE" not in disp.index and disp["COMPLETED"] == 110


def test_irecist_rows_give_their_own_result_never_mixed_into_recist(study_dir, tmp_path):
    root = tmp_path / "irecist"
    shutil.copytree(study_dir, root)
    shutil.copy(PV / "rs_onco_irecist.csv", root / "clinical" / "rs.csv")
    res = run_endpoints(root, config=EndpointConfig(figures=False))
    # the RECIST 1.1 primary still comes from TR; no RS row is RECIST 1.1, so no investigator RECIST rate
    summary = res.summary.set_index(["endpoint", "source"])
    assert summary.loc[("orr", "derived"), "n_events"] == 1
    assert ("orr", "investigator") not in summary.index
    ibor = res.tables["bor_irecist"].set_index("usubjid")["bor_irecist"]
    # hand-worked from rs_onco_irecist: 1028 iUPD d42(partial date), iCPD, iSD -> iCPD ends it;
    # 1130 iUPD, iCR d90, iCR d126 (36 days) -> iCR; 1133 iSD, iPR d86, iPR d127 -> iPR
    assert ibor["01-701-1028"] == "iCPD"
    assert ibor["01-701-1130"] == "iCR"
    assert ibor["01-701-1133"] == "iPR"
    assert ("orr", "investigator_irecist") in summary.index


def test_independent_review_uses_the_accepted_read_at_each_visit(study_dir):
    res = run_endpoints(study_dir, config=EndpointConfig(figures=False, evaluator="independent"))
    tp = res.tables["recist_timepoints"]
    study = load_study(study_dir)
    rs = rs_for(study.rs, "RECIST 1.1", None)
    accepted = rs[(rs["RSTESTCD"] == "OVRLRESP") & (rs["RSACPTFL"] == "Y")]
    keys = zip(accepted["USUBJID"], accepted["VISITNUM"], strict=True)
    want = dict(zip(keys, accepted["RSSTRESC"], strict=True))
    post = tp[~tp["is_baseline"]]
    got = dict(zip(zip(post["usubjid"], post["visitnum"], strict=True), post["overall_response"], strict=True))
    assert got == want and len(got) == 22
    # 01-701-1028 week 6: radiologist 2's read (PD) is the accepted one, radiologist 1 said NE
    assert got[("01-701-1028", 3.0)] == "PD"
    assert res.provenance["evaluator"] == "INDEPENDENT ASSESSOR (accepted reads)"
