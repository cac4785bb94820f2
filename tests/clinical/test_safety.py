"""Safety: treatment-emergent AEs, worst grade per subject, the six protocol measures as n (%)."""

from __future__ import annotations

import pytest

from biomarker.clinical.safety import (
    MEASURES,
    grade_table,
    safety_population,
    safety_table,
    treatment_emergent,
    worst_grade,
)
from tests.clinical.clinical_builder import Subj, build, normalised

GI, VASC, SKIN = "Gastrointestinal disorders", "Vascular disorders", "Skin and subcutaneous tissue disorders"


@pytest.fixture(scope="module")
def frames():
    subs = [
        Subj(
            "S-001",
            {},
            [],
            last_dose_day=100,
            aes=[
                {"term": "Hypertension", "soc": VASC, "grade": 2, "rel": "Y", "day": 5},
                {
                    "term": "Hypertension",
                    "soc": VASC,
                    "grade": 3,
                    "rel": "Y",
                    "acn": "DOSE REDUCED",
                    "day": 30,
                },
                {"term": "Diarrhoea", "soc": GI, "grade": 1, "day": 12},
                {"term": "Nausea", "soc": GI, "grade": 2, "day": -3},  # before first dose: not TEAE
            ],
        ),
        Subj(
            "S-002",
            {},
            [],
            last_dose_day=60,
            aes=[
                {
                    "term": "Diarrhoea",
                    "soc": GI,
                    "grade": 4,
                    "ser": "Y",
                    "rel": "Y",
                    "acn": "DRUG WITHDRAWN",
                    "day": 50,
                },
                {"term": "Rash", "soc": SKIN, "grade": 1, "day": 95},  # 35 days after last dose: not TEAE
            ],
        ),
        Subj(
            "S-003",
            {},
            [],
            aes=[
                {"term": "Rash", "soc": SKIN, "grade": 2, "rel": "Y", "acn": "DRUG INTERRUPTED", "day": 20},
            ],
        ),
        Subj("S-004", {}, []),  # no AE
    ]
    return normalised(build(subs))


def test_treatment_emergent_window(frames):
    teae = treatment_emergent(frames["ae"], frames["dm"])
    assert len(teae) == 5
    assert "Nausea" not in set(teae.AEDECOD)
    assert len(treatment_emergent(frames["ae"], frames["dm"], window_days=None)) == 6
    assert safety_population(frames["dm"]) == 4


def test_worst_grade_per_subject_term_and_soc(frames):
    w = worst_grade(treatment_emergent(frames["ae"], frames["dm"]))
    got = {(r.usubjid, r.level, r.pt): r.worst_grade for r in w.itertuples()}
    assert got[("S-001", "pt", "Hypertension")] == 3
    assert w[(w.usubjid == "S-001") & (w.level == "soc") & (w.soc == VASC)].worst_grade.item() == 3
    assert w[(w.usubjid == "S-001") & (w.level == "soc") & (w.soc == GI)].worst_grade.item() == 1
    assert got[("S-002", "pt", "Diarrhoea")] == 4


def test_six_measures_n_and_percent(frames):
    teae = treatment_emergent(frames["ae"], frames["dm"])
    t = safety_table(teae, safety_population(frames["dm"]))
    overall = t[t.level == "overall"].set_index("measure")
    assert list(overall.index) == list(MEASURES)
    assert overall["n_subjects"].to_dict() == {
        "any_ae": 3,
        "grade_3_plus": 2,
        "serious": 1,
        "drug_related": 3,
        "led_to_withdrawal": 1,
        "led_to_dose_change": 2,
        "grade_5": 0,
    }
    assert overall.loc["any_ae", "n_pct"] == "3 (75.0%)"
    assert overall.loc["serious", "pct_subjects"] == 25.0
    pt = t[(t.measure == "any_ae") & (t.level == "pt")].set_index("pt")
    assert pt.loc["Diarrhoea", ["n_subjects", "n_events"]].tolist() == [2, 2]
    assert pt.loc["Hypertension", ["n_subjects", "n_events"]].tolist() == [1, 2]  # one subject, two events
    soc = t[(t.measure == "grade_3_plus") & (t.level == "soc")].set_index("soc")
    assert soc["n_subjects"].to_dict() == {GI: 1, VASC: 1}


def test_grade_table_counts_subjects_at_their_worst_grade(frames):
    w = worst_grade(treatment_emergent(frames["ae"], frames["dm"]))
    g = grade_table(w, 4)
    row = g[(g.level == "pt") & (g.pt == "Diarrhoea")].iloc[0]
    assert [row[f"grade_{i}"] for i in range(1, 6)] == [1, 0, 0, 1, 0]
    assert (row["any_grade"], row["grade_3_plus"], row["pct_any_grade"]) == (2, 1, 50.0)


def test_ae_grade_must_be_1_to_5(frames):
    from biomarker.errors import InputError

    ae = frames["ae"].copy()
    ae.loc[ae.index[0], "AETOXGR"] = "6"
    with pytest.raises(InputError, match=r"AETOXGR values not in the controlled-terminology map: '6' \(1 records\)"):
        treatment_emergent(ae, frames["dm"])


def test_ae_without_a_grade_counts_as_an_ae_not_by_grade(frames, caplog):
    ae = frames["ae"].copy()
    ae.loc[ae.index[2], "AETOXGR"] = None  # S-001 Diarrhoea, day 12
    teae = treatment_emergent(ae, frames["dm"])
    t = safety_table(teae, 4)
    full = safety_table(treatment_emergent(frames["ae"], frames["dm"]), 4)
    n_events = t.loc[(t.level == "overall") & (t.measure == "any_ae"), "n_events"].item()
    assert n_events == full.loc[(full.level == "overall") & (full.measure == "any_ae"), "n_events"].item() == 5
    w = worst_grade(teae)
    assert ("S-001", "Diarrhoea") not in set(zip(w.usubjid, w.pt, strict=True))
    assert "1 AEs without a grade" in caplog.text


def _ae(rows):
    import pandas as pd

    from biomarker.clinical.sdtm import normalise

    base = {"AEBODSYS": GI, "AEDECOD": "Diarrhoea", "AETERM": "Diarrhoea", "AESER": "N", "AEACN": "DOSE NOT CHANGED"}
    return normalise(pd.DataFrame([{**base, **r} for r in rows]), "ae", "ae.csv")


def _dm():
    import pandas as pd

    from biomarker.clinical.sdtm import normalise

    dm = pd.DataFrame({"USUBJID": ["A", "B", "C"], "RFSTDTC": ["2024-01-15"] * 3, "RFENDTC": ["2024-06-01"] * 3})
    return normalise(dm, "dm", "dm.csv")


def test_aerel_coded_as_sponsors_code_it():
    ae = _ae(
        [
            {"USUBJID": "A", "AESTDTC": "2024-02-01", "AETOXGR": "2", "AEREL": "RELATED"},
            {"USUBJID": "B", "AESTDTC": "2024-02-01", "AETOXGR": "GRADE 3", "AEREL": "POSSIBLY RELATED"},
            {"USUBJID": "C", "AESTDTC": "2024-02-01", "AETOXGR": "1", "AEREL": "NOT RELATED"},
        ]
    )
    t = safety_table(treatment_emergent(ae, _dm()), 3)
    overall = t[t.level == "overall"].set_index("measure")["n_subjects"]
    assert (overall["drug_related"], overall["grade_3_plus"]) == (2, 1)


def test_unknown_codes_are_listed_in_one_error_and_a_user_mapping_extends_the_map():
    from biomarker.clinical.safety import prepare_ae
    from biomarker.clinical.terminology import terminology
    from biomarker.errors import InputError

    ae = _ae(
        [
            {"USUBJID": "A", "AESTDTC": "2024-02-01", "AETOXGR": "2", "AEREL": "SUSPICION"},
            {"USUBJID": "B", "AESTDTC": "2024-02-01", "AETOXGR": "2", "AEREL": "SUSPICION"},
            {"USUBJID": "C", "AESTDTC": "2024-02-01", "AETOXGR": "2", "AEREL": "MAYBE"},
        ]
    )
    with pytest.raises(InputError, match=r"AEREL values not in .*'SUSPICION' \(2 records\), 'MAYBE' \(1 records\)"):
        prepare_ae(ae)
    got = prepare_ae(ae, maps=terminology({"AEREL": {"SUSPICION": "Y", "MAYBE": "N"}}))
    assert got["REL"].tolist() == ["Y", "Y", "N"]


def test_multiple_actions_per_drug_from_suppae():
    import pandas as pd

    from biomarker.clinical.sdtm import normalise

    ae = _ae(
        [
            {"USUBJID": "A", "AESEQ": "1", "AESTDTC": "2024-02-01", "AETOXGR": "3", "AEREL": "Y", "AEACN": "MULTIPLE"},
            {"USUBJID": "B", "AESEQ": "1", "AESTDTC": "2024-02-01", "AETOXGR": "2", "AEREL": "Y", "AEACN": "MULTIPLE"},
        ]
    )
    supp = normalise(
        pd.DataFrame(
            [
                ("A", "1", "AEACN1", "Action taken with TORIPALIMAB", "DRUG INTERRUPTED"),
                ("A", "1", "AEACN2", "Action taken with AXITINIB", "DOSE REDUCED"),
                ("A", "1", "AEREL1", "Relationship to TORIPALIMAB", "NOT RELATED"),
                ("A", "1", "AEREL2", "Relationship to AXITINIB", "RELATED"),
                ("B", "1", "AEACN1", "Action taken with TORIPALIMAB", "DOSE NOT CHANGED"),
                ("B", "1", "AEACN2", "Action taken with AXITINIB", "DRUG WITHDRAWN"),
                ("B", "1", "AEREL1", "Relationship to TORIPALIMAB", "RELATED"),
                ("B", "1", "AEREL2", "Relationship to AXITINIB", "RELATED"),
            ],
            columns=["USUBJID", "IDVARVAL", "QNAM", "QLABEL", "QVAL"],
        ).assign(IDVAR="AESEQ", RDOMAIN="AE"),
        "suppae",
        "suppae.csv",
    )
    from biomarker.clinical.safety import prepare_ae

    teae = treatment_emergent(prepare_ae(ae, supp), _dm())
    t = safety_table(teae, 3)
    overall = t[t.level == "overall"].set_index("measure")["n_subjects"].to_dict()
    assert overall["led_to_dose_change"] == 1  # A: interrupted toripalimab, reduced axitinib
    assert overall["led_to_dose_change_toripalimab"] == 1 and overall["led_to_dose_change_axitinib"] == 1
    assert overall["led_to_withdrawal"] == 1 and overall["led_to_withdrawal_axitinib"] == 1
    assert overall["led_to_withdrawal_toripalimab"] == 0
    assert overall["drug_related_toripalimab"] == 1 and overall["drug_related_axitinib"] == 2
    with pytest.raises(Exception, match="MULTIPLE but SUPPAE has no per-drug action"):
        prepare_ae(ae)


def test_partial_ae_start_in_the_month_of_first_dose_is_not_imputed_before_it():
    ae = _ae(
        [
            {"USUBJID": "A", "AESTDTC": "2024-01", "AETOXGR": "1", "AEREL": "N"},  # first dose 2024-01-15
            {"USUBJID": "B", "AESTDTC": "2023-12", "AETOXGR": "1", "AEREL": "N"},  # the month before: not TEAE
            {"USUBJID": "C", "AESTDTC": "2024-03", "AETOXGR": "1", "AEREL": "N"},
        ]
    )
    teae = treatment_emergent(ae, _dm())
    got = dict(zip(teae.USUBJID, teae.AESTDTC_DT.dt.strftime("%Y-%m-%d"), strict=True))
    assert got == {"A": "2024-01-15", "C": "2024-03-01"}
    assert teae.AESTDTC_DTF.tolist() == ["D", "D"]


def test_grade_from_aesev_when_aetoxgr_is_absent(caplog):
    ae = _ae([{"USUBJID": "A", "AESTDTC": "2024-02-01", "AESEV": "SEVERE", "AEREL": "N"}]).assign(AETOXGR=None)
    t = safety_table(treatment_emergent(ae, _dm()), 3)
    assert t.loc[(t.level == "overall") & (t.measure == "grade_3_plus"), "n_subjects"].item() == 1
    assert "no AETOXGR: grades read from AESEV" in caplog.text
