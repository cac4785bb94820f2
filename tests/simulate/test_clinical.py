"""Clinical SDTM files: exact column contract, ISO dates, and RECIST 1.1 recovering the planted BOR.

The RECIST derivation here is the test's own (from tr.csv only), independent of the simulator's. The files carry
the real-data variants (RSCAT with iRECIST rows, coded AEREL, AEACN MULTIPLE + SUPPAE, cm at follow-up, partial
AE end dates, CM), as a sponsor delivers them.
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from biomarker.simulate import StudyFiles

CONTRACT = {
    "dm": [
        "STUDYID",
        "USUBJID",
        "SUBJID",
        "RFSTDTC",
        "RFENDTC",
        "AGE",
        "SEX",
        "ECOG",
        "SMOKING",
        "HISTOLOGY",
        "DTHFL",
        "DTHDTC",
    ],
    "ex": ["USUBJID", "EXTRT", "EXDOSE", "EXDOSU", "EXDOSFRQ", "EXSTDTC", "EXENDTC", "VISIT", "EXADJ"],
    "tu": ["USUBJID", "TULNKID", "TUTESTCD", "TUORRES", "TULOC", "TUMETHOD", "TUDTC", "VISIT"],
    "tr": [
        "USUBJID",
        "TRLNKID",
        "TRTESTCD",
        "TRORRES",
        "TRSTRESC",
        "TRSTRESN",
        "TRSTRESU",
        "TRDTC",
        "VISIT",
        "VISITNUM",
    ],
    "rs": ["USUBJID", "RSTESTCD", "RSORRES", "RSSTRESC", "RSEVAL", "RSDTC", "VISIT", "VISITNUM", "RSCAT"],
    "ae": [
        "USUBJID",
        "AESEQ",
        "AETERM",
        "AEDECOD",
        "AEBODSYS",
        "AETOXGR",
        "AESER",
        "AEREL",
        "AEACN",
        "AESTDTC",
        "AEENDTC",
    ],
    "ds": ["USUBJID", "DSCAT", "DSDECOD", "DSSTDTC"],
    "suppae": ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL"],
    "cm": ["USUBJID", "CMTRT", "CMDECOD", "CMCAT", "CMCLAS", "CMSTDTC", "CMENDTC"],
}
PARTIAL_OK = {
    ("ae", "AEENDTC"): re.compile(r"^\d{4}-\d{2}(-\d{2})?$"),
    ("cm", "CMSTDTC"): re.compile(r"^\d{4}(-\d{2}-\d{2})?$"),
}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read(study: StudyFiles, domain: str) -> pd.DataFrame:
    return pd.read_csv(study.clinical[domain], dtype=str, keep_default_na=False)


def test_column_contract_and_dates(small_study: StudyFiles) -> None:
    for domain, cols in CONTRACT.items():
        df = read(small_study, domain)
        assert list(df.columns) == cols, domain
        for col in [c for c in cols if c.endswith("DTC")]:
            values = df[col][df[col] != ""]
            pattern = PARTIAL_OK.get((domain, col), ISO)
            assert values.str.match(pattern.pattern).all(), (domain, col)
    study = json.loads(small_study.study_json.read_text())
    assert set(study) == {"studyid", "data_cutoff"} and ISO.match(study["data_cutoff"])
    cutoff = study["data_cutoff"]
    for domain, col in (("tr", "TRDTC"), ("rs", "RSDTC"), ("ae", "AESTDTC"), ("ds", "DSSTDTC"), ("ex", "EXSTDTC")):
        assert (read(small_study, domain)[col] <= cutoff).all(), domain


def test_controlled_terms(small_study: StudyFiles) -> None:
    dm = read(small_study, "dm")
    assert set(dm["SEX"]) <= {"M", "F"} and set(dm["ECOG"]) <= {"0", "1"}
    assert set(dm["SMOKING"]) <= {"NEVER", "FORMER", "CURRENT"}
    assert set(dm["HISTOLOGY"]) <= {"ADENOCARCINOMA", "SQUAMOUS CELL CARCINOMA", "OTHER"}
    assert set(dm["DTHFL"]) <= {"Y", ""} and ((dm["DTHFL"] == "Y") == (dm["DTHDTC"] != "")).all()
    ex = read(small_study, "ex")
    assert set(ex["EXTRT"]) == {"TORIPALIMAB", "AXITINIB"}
    assert set(ex["EXDOSFRQ"]) == {"Q3W", "BID"} and set(ex["EXADJ"]) <= {"", "DOSE REDUCED", "DOSE INTERRUPTED"}
    assert ex["VISIT"].str.match(r"^C\d+D1$").all()
    ae = read(small_study, "ae")
    assert set(ae["AETOXGR"]) <= set("12345")
    assert set(ae["AEACN"]) <= {"DOSE NOT CHANGED", "MULTIPLE", "DRUG INTERRUPTED", "DRUG WITHDRAWN"}
    assert set(ae["AEREL"]) <= {"RELATED", "POSSIBLY RELATED", "PROBABLY RELATED", "NOT RELATED", "UNLIKELY RELATED"}
    assert ae["AEENDTC"].str.len().eq(7).any()  # partial end dates
    supp = read(small_study, "suppae")
    multiple = ae.loc[ae["AEACN"] == "MULTIPLE", ["USUBJID", "AESEQ"]]
    acn = supp[supp["QNAM"].str.startswith("AEACN")]
    assert len(acn) == 2 * len(multiple)
    assert set(acn.loc[acn["QNAM"] == "AEACN2", "QVAL"]) <= {"DOSE REDUCED"}
    ds = read(small_study, "ds")
    assert set(ds["DSCAT"]) <= {"DISPOSITION EVENT", "OTHER EVENT"}
    assert (ds["DSCAT"] == "DISPOSITION EVENT").sum() == len(dm)
    rs = read(small_study, "rs")
    assert (rs["RSEVAL"] == "INVESTIGATOR").all() and set(rs["RSCAT"]) == {"RECIST 1.1", "iRECIST"}
    recist = rs[rs["RSCAT"] == "RECIST 1.1"]
    assert set(recist["RSSTRESC"]) <= {"CR", "PR", "SD", "PD", "NE"}
    assert set(rs.loc[rs["RSCAT"] == "iRECIST", "RSSTRESC"]) <= {"iCR", "iPR", "iSD", "iUPD", "NE"}


def test_lesion_rules(small_study: StudyFiles) -> None:
    dm = read(small_study, "dm").set_index("USUBJID")
    tu, tr = read(small_study, "tu"), read(small_study, "tr")
    targets = tu[tu["TUORRES"] == "TARGET"]
    per = targets.groupby("USUBJID").size()
    assert per.between(1, 5).all() and len(per) == len(dm)
    organ = targets["TULOC"].str.split(",| ").str[0] + targets["TULOC"].str.startswith("LYMPH NODE").map(str)
    assert targets.assign(organ=organ).groupby(["USUBJID", "organ"]).size().max() <= 2
    base = tr[tr["VISIT"] == "SCREENING"]
    for u, day in base.groupby("USUBJID")["TRDTC"].first().items():
        delta = (pd.Timestamp(dm.loc[u, "RFSTDTC"]) - pd.Timestamp(day)).days
        assert 0 < delta <= 28
    nodal = set(
        targets.loc[targets["TULOC"].str.startswith("LYMPH NODE"), "USUBJID"]
        + "/"
        + targets.loc[targets["TULOC"].str.startswith("LYMPH NODE"), "TULNKID"]
    )
    meas = tr[tr["TRTESTCD"] != "TUMSTATE"]
    is_nodal = (meas["USUBJID"] + "/" + meas["TRLNKID"]).isin(nodal)
    assert (meas.loc[is_nodal, "TRTESTCD"] == "SAXIS").all() and (meas.loc[~is_nodal, "TRTESTCD"] == "LDIAM").all()
    assert set(meas["TRSTRESU"]) == {"mm", "cm"}
    assert (meas.loc[meas["VISIT"] == "SCREENING", "TRSTRESU"] == "mm").all()
    states = tr[tr["TRTESTCD"] == "TUMSTATE"]
    assert set(states["TRSTRESC"]) <= {"PRESENT", "ABSENT", "UNEQUIVOCAL PROGRESSION"}
    assert (states["TRSTRESN"] == "").all()


def recist(tr: pd.DataFrame, tu: pd.DataFrame, first_dose: str) -> tuple[str, list[str]]:
    """Confirmed BOR and time-point responses, written plainly from the measurements."""
    nodal = set(tu.loc[tu["TULOC"].str.startswith("LYMPH NODE") & (tu["TUORRES"] == "TARGET"), "TULNKID"])
    targets = set(tu.loc[tu["TUORRES"] == "TARGET", "TULNKID"])
    visits = tr.sort_values("VISITNUM", key=lambda s: s.astype(int)).groupby("VISITNUM", sort=False)
    base_sum = nadir = None
    points = []
    t0 = pd.Timestamp(first_dose)
    for _, v in visits:
        m = v[v["TRLNKID"].isin(targets)]
        m = m.assign(TRSTRESN=m["TRSTRESN"].astype(float) * m["TRSTRESU"].map({"mm": 1.0, "cm": 10.0}))
        total = m["TRSTRESN"].astype(float).sum()
        if base_sum is None:
            base_sum = nadir = total
            continue
        states = v[~v["TRLNKID"].isin(targets)]
        new = states["TRLNKID"].str.startswith("NEW").any()
        nt = states[~states["TRLNKID"].str.startswith("NEW")]["TRSTRESC"]
        gone = all((float(r.TRSTRESN) < 10) if r.TRLNKID in nodal else float(r.TRSTRESN) == 0 for r in m.itertuples())
        if new or (nt == "UNEQUIVOCAL PROGRESSION").any() or (total - nadir >= 0.2 * nadir and total - nadir >= 5):
            resp = "PD"
        elif gone and (nt == "ABSENT").all():
            resp = "CR"
        elif gone or total <= 0.7 * base_sum:
            resp = "PR"
        else:
            resp = "SD"
        nadir = min(nadir, total)
        points.append(((pd.Timestamp(v["TRDTC"].iloc[0]) - t0).days, resp))
    upto = []
    for p in points:
        upto.append(p)
        if p[1] == "PD":
            break
    for level, ok in (("CR", {"CR"}), ("PR", {"CR", "PR"})):
        if any(r1 in ok and r2 in ok and d2 - d1 >= 28 for i, (d1, r1) in enumerate(upto) for d2, r2 in upto[i + 1 :]):
            return level, [r for _, r in points]
    if any(r != "PD" and d >= 42 for d, r in upto):
        return "SD", [r for _, r in points]
    return ("PD" if upto and upto[-1][1] == "PD" else "NE"), [r for _, r in points]


def test_recist_recovers_planted_bor(small_study: StudyFiles) -> None:
    dm = read(small_study, "dm").set_index("USUBJID")
    tu, tr, rs = read(small_study, "tu"), read(small_study, "tr"), read(small_study, "rs")
    rs = rs[rs["RSCAT"] == "RECIST 1.1"]
    truth = pd.read_csv(small_study.truth_patients).set_index("USUBJID")
    for u in dm.index:
        bor, points = recist(tr[tr["USUBJID"] == u], tu[tu["USUBJID"] == u], dm.loc[u, "RFSTDTC"])
        assert bor == truth.loc[u, "bor"], u
        inv = rs.loc[rs["USUBJID"] == u, "RSSTRESC"].tolist()
        if not truth.loc[u, "investigator_discordant"]:
            assert inv == points, u


def test_scans_every_six_weeks(small_study: StudyFiles) -> None:
    dm = read(small_study, "dm").set_index("USUBJID")
    rs = read(small_study, "rs")
    rs = rs[rs["RSCAT"] == "RECIST 1.1"]
    for u, g in rs.groupby("USUBJID"):
        days = (pd.to_datetime(g["RSDTC"]) - pd.Timestamp(dm.loc[u, "RFSTDTC"])).dt.days.tolist()
        for k, d in enumerate(days, start=1):
            assert 42 * k <= d <= 42 * k + 4


@pytest.mark.parametrize("domain", ["dm", "ex", "tr", "rs", "ae", "ds", "suppae", "cm", "sv"])
def test_every_row_is_a_known_subject(small_study: StudyFiles, domain: str) -> None:
    assert set(read(small_study, domain)["USUBJID"]) <= set(small_study.usubjids)


def test_recist_on_the_default_study(default_study: StudyFiles) -> None:
    test_recist_recovers_planted_bor(default_study)
    test_lesion_rules(default_study)
