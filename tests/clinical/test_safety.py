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
    ae.loc[ae.index[0], "AETOXGR"] = 6.0
    with pytest.raises(InputError, match="line 2, subject S-001: AETOXGR must be 1-5"):
        treatment_emergent(ae, frames["dm"])
    ae.loc[ae.index[0], "AETOXGR"] = float("nan")
    with pytest.raises(InputError, match="AE without a grade"):
        treatment_emergent(ae, frames["dm"])
