"""ORR/DCR exact CIs, Kaplan-Meier against lifelines and statsmodels, PFS/OS/DoR/TTR derivation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times
from scipy.stats import norm
from statsmodels.duration.survfunc import SurvfuncRight

from biomarker.clinical.bor import derive_bor
from biomarker.clinical.efficacy import (
    clopper_pearson,
    derive_dor,
    derive_os,
    derive_pfs,
    follow_up_ended,
    last_known_alive,
    response_rates,
    time_to_response,
)
from biomarker.clinical.recist import timepoint_responses
from biomarker.clinical.survival import DAYS_PER_MONTH, kaplan_meier, km_curve_table
from tests.clinical.clinical_builder import Subj, build, normalised


def test_orr_ci_14_of_50():
    lo, hi = clopper_pearson(14, 50)
    assert round(lo, 4) == 0.1623
    assert round(hi, 4) == 0.4249
    bor = pd.DataFrame(
        {"bor": ["CR"] * 4 + ["PR"] * 10 + ["SD"] * 15 + ["NON-CR/NON-PD"] * 2 + ["PD"] * 14 + ["NE"] * 5}
    )
    rates = response_rates(bor).set_index("endpoint")
    assert rates.loc["orr", ["n_responders", "n_subjects"]].tolist() == [14, 50]
    assert rates.loc["orr", "proportion"] == pytest.approx(0.28)
    assert rates.loc["orr", "ci_lower"] == pytest.approx(0.1623, abs=5e-5)
    assert rates.loc["orr", "ci_upper"] == pytest.approx(0.4249, abs=5e-5)
    assert rates.loc["dcr", "n_responders"] == 31


def test_clopper_pearson_edges():
    assert clopper_pearson(0, 10)[0] == 0.0
    assert clopper_pearson(10, 10)[1] == 1.0
    assert all(np.isnan(clopper_pearson(0, 0)))


def sm_surv_at(sf: SurvfuncRight, t: float) -> tuple[float, float]:
    idx = np.flatnonzero(sf.surv_times <= t)
    if len(idx) == 0:
        return 1.0, 0.0
    return float(sf.surv_prob[idx[-1]]), float(sf.surv_prob_se[idx[-1]])


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_km_median_and_landmarks_equal_lifelines_and_statsmodels(seed):
    rng = np.random.default_rng(seed)
    n = 50
    t = np.round(rng.exponential(8.0, n), 1) + 0.1  # ties on purpose
    c = rng.uniform(2, 24, n)
    months = np.minimum(t, c)
    events = (t <= c).astype(int)
    km = kaplan_meier(months, events, endpoint="pfs", landmarks_months=[6.0, 12.0])
    sf = SurvfuncRight(months, events)
    kmf = KaplanMeierFitter().fit(months, events)
    assert km.median_months == pytest.approx(sf.quantile(0.5))
    assert km.median_months == pytest.approx(kmf.median_survival_time_)
    ci = median_survival_times(kmf.confidence_interval_)
    assert km.median_ci_lower_months == pytest.approx(ci.iloc[0, 0])
    assert (km.n_subjects, km.n_events) == (n, int(events.sum()))
    z = norm.ppf(0.975)
    for _, lm in km.landmarks.iterrows():
        s, se = sm_surv_at(sf, lm["time_months"])
        assert lm["survival"] == pytest.approx(s, abs=1e-12)
        # lifelines' interval is the log(-log) transform of Greenwood's variance
        theta_se = se / (s * abs(np.log(s)))
        lower, upper = s ** np.exp(z * theta_se), s ** np.exp(-z * theta_se)
        assert lm["ci_lower"] == pytest.approx(lower, rel=1e-6)
        assert lm["ci_upper"] == pytest.approx(upper, rel=1e-6)


def test_km_median_not_reached_and_landmark_beyond_follow_up():
    km = kaplan_meier([1, 2, 3, 4], [0, 1, 0, 0], landmarks_months=[2.5, 12])
    assert np.isnan(km.median_months)
    assert km.landmarks.survival.iloc[0] == pytest.approx(2 / 3)
    assert np.isnan(km.landmarks.survival.iloc[1])


def test_km_curve_table_matches_lifelines_and_counts_at_risk():
    df = pd.DataFrame({"t": [1.0, 2.0, 2.0, 3.0, 5.0, 8.0], "e": [1, 0, 1, 1, 0, 1]})
    curves, at_risk = km_curve_table(df, "t", "e", at_risk_times=[0, 2, 4, 8])
    kmf = KaplanMeierFitter().fit(df.t, df.e)
    assert curves["survival"].to_numpy() == pytest.approx(kmf.survival_function_.iloc[:, 0].to_numpy())
    assert at_risk["n_at_risk"].tolist() == [6, 5, 2, 1]
    assert curves.loc[curves.time_months == 2.0, "censored"].item() == 1


# --- PFS censoring (FDA 2018 guidance), first dose 2024-01-01, assessments every 42 days -----------
SD, PD = {"T01": 50}, {"T01": 70}
CUTOFF = pd.Timestamp("2025-06-30")


def pfs_cases():
    base = (-7, {"T01": 50})
    return [
        Subj("PD", {"T01": "LUNG"}, [base, (42, SD), (84, SD), (126, PD)]),
        Subj("NO-BASELINE", {"T01": "LUNG"}, [], death_day=100),
        Subj("NEW-THERAPY", {"T01": "LUNG"}, [base, (42, SD), (84, SD), (126, PD)], new_therapy_day=100),
        Subj("TWO-MISSED", {"T01": "LUNG"}, [base, (42, SD), (210, PD)]),
        Subj("ONE-MISSED", {"T01": "LUNG"}, [base, (42, SD), (126, PD)]),
        Subj("DEATH", {"T01": "LUNG"}, [base, (42, SD)], death_day=60),
        Subj("CENSORED", {"T01": "LUNG"}, [base, (42, SD), (84, SD)]),
        Subj(
            "NE-LAST",
            {"T01": "LUNG", "T02": "LIVER"},
            [(-7, {"T01": 50, "T02": 20}), (42, {"T01": 50, "T02": 20}), (84, {"T01": 50})],
            death_day=600,
        ),  # dies after the cut-off
        Subj("LATE-DEATH", {"T01": "LUNG"}, [base], death_day=150),
        Subj("EARLY-DEATH", {"T01": "LUNG"}, [base], death_day=80),
    ]


@pytest.fixture(scope="module")
def pfs_frames():
    f = normalised(build(pfs_cases()))
    tp = timepoint_responses(f["tu"], f["tr"], f["dm"])
    return f, tp


@pytest.mark.parametrize(
    ("subject", "days", "event", "etype", "reason"),
    [
        ("PD", 127, 1, "PD", None),
        ("NO-BASELINE", 1, 0, None, "no baseline tumour assessment"),
        ("NEW-THERAPY", 85, 0, None, "new anticancer therapy"),
        ("TWO-MISSED", 43, 0, None, "event after two or more missed assessments"),
        ("ONE-MISSED", 127, 1, "PD", None),
        ("DEATH", 61, 1, "DEATH", None),
        ("CENSORED", 85, 0, None, "no progression or death"),
        ("NE-LAST", 43, 0, None, "no progression or death"),
        ("LATE-DEATH", 1, 0, None, "event after two or more missed assessments"),
        ("EARLY-DEATH", 81, 1, "DEATH", None),
    ],
)
def test_pfs_censoring_rules(pfs_frames, subject, days, event, etype, reason):
    f, tp = pfs_frames
    pfs = derive_pfs(tp, f["dm"], f["ds"], data_cutoff=CUTOFF).set_index("usubjid")
    row = pfs.loc[subject]
    assert row["pfs_days"] == days
    assert row["pfs_months"] == pytest.approx(days / DAYS_PER_MONTH)
    assert row["pfs_event"] == event
    assert row["pfs_event_type"] == etype
    assert row["pfs_censor_reason"] == reason


def test_pfs_cutoff_and_schedule_are_parameters(pfs_frames):
    from biomarker.clinical.efficacy import PfsRules

    f, tp = pfs_frames
    early = derive_pfs(tp, f["dm"], f["ds"], data_cutoff=pd.Timestamp("2024-03-01")).set_index("usubjid")
    assert early.loc["PD", ["pfs_days", "pfs_event"]].tolist() == [43, 0]
    assert early.loc["DEATH", "pfs_event"] == 1
    lax = derive_pfs(tp, f["dm"], f["ds"], data_cutoff=CUTOFF, rules=PfsRules(interval_days=84)).set_index("usubjid")
    assert lax.loc["TWO-MISSED", ["pfs_days", "pfs_event"]].tolist() == [211, 1]


def test_os_death_and_censoring_at_last_contact_or_cutoff(pfs_frames):
    f, _ = pfs_frames
    alive = last_known_alive(f, CUTOFF)
    cutoff_day = (CUTOFF - pd.Timestamp("2024-01-01")).days + 1
    last = derive_os(f["dm"], alive, data_cutoff=CUTOFF, censor_at="last_contact").set_index("usubjid")
    assert last.loc["DEATH", ["os_days", "os_event"]].tolist() == [61, 1]
    assert last.loc["CENSORED", ["os_days", "os_event"]].tolist() == [85, 0]  # last scan day 84
    assert last.loc["NE-LAST", ["os_days", "os_event"]].tolist() == [cutoff_day, 0]  # died after cut-off
    assert last.loc["NEW-THERAPY", "os_days"] == 127  # the PD scan after new therapy is still a contact
    # default: DM records every death up to the cut-off, so the living are censored at the cut-off
    at_cutoff = derive_os(f["dm"], alive, data_cutoff=CUTOFF).set_index("usubjid")
    assert at_cutoff.loc["CENSORED", ["os_days", "os_event", "os_censor_reason"]].tolist() == [
        cutoff_day,
        0,
        "alive at data cut-off",
    ]
    assert at_cutoff.loc["DEATH", ["os_days", "os_event"]].tolist() == [61, 1]


def test_os_censored_when_survival_follow_up_ends():
    subs = [
        Subj(
            "W",
            {"T01": "LUNG"},
            [(-7, {"T01": 50}), (42, {"T01": 50})],
            disposition=("WITHDRAWAL BY SUBJECT", 60),
            aes=[{"day": 50}],
        ),
        Subj("A", {"T01": "LUNG"}, [(-7, {"T01": 50}), (42, {"T01": 50})], disposition=("ADVERSE EVENT", 60)),
    ]
    f = normalised(build(subs))
    os_ = derive_os(
        f["dm"], last_known_alive(f, CUTOFF), data_cutoff=CUTOFF, follow_up_end=follow_up_ended(f["ds"])
    ).set_index("usubjid")
    assert os_.loc["W", ["os_days", "os_censor_reason"]].tolist() == [61, "survival follow-up ended"]
    assert os_.loc["A", "os_censor_reason"] == "alive at data cut-off"
    with pytest.raises(ValueError, match="censor_at"):
        derive_os(f["dm"], last_known_alive(f, CUTOFF), censor_at="sometime")


def test_dor_and_ttr_for_confirmed_responders():
    subs = [
        Subj(
            "R1",
            {"T01": "LUNG"},
            [(-7, {"T01": 50}), (42, {"T01": 30}), (84, {"T01": 30}), (126, {"T01": 40})],
        ),
        Subj(
            "R2",
            {"T01": "LUNG"},
            [(-7, {"T01": 50}), (42, {"T01": 40}), (84, {"T01": 30}), (126, {"T01": 30})],
        ),
        Subj("NR", {"T01": "LUNG"}, [(-7, {"T01": 50}), (42, {"T01": 45})]),
    ]
    f = normalised(build(subs))
    tp = timepoint_responses(f["tu"], f["tr"], f["dm"])
    bor = derive_bor(tp, f["dm"])
    pfs = derive_pfs(tp, f["dm"], f["ds"], data_cutoff=CUTOFF)
    dor = derive_dor(bor, pfs).set_index("usubjid")
    assert sorted(dor.index) == ["R1", "R2"]
    assert dor.loc["R1", ["dor_days", "dor_event"]].tolist() == [126 - 42 + 1, 1]  # PD at day 126
    assert dor.loc["R2", ["dor_days", "dor_event"]].tolist() == [126 - 84 + 1, 0]
    ttr = time_to_response(bor).set_index("usubjid")
    assert ttr["ttr_days"].to_dict() == {"R1": 43, "R2": 85}
    assert ttr.loc["R1", "ttr_months"] == pytest.approx(43 / 30.4375)
