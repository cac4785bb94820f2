"""Best overall response: confirmation edge cases, hand-worked, and hypothesis properties."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biomarker.clinical.bor import (
    BOR_RANK,
    BorRules,
    best_overall_response,
    bor_call,
    compare_with_investigator,
    derive_bor,
)
from biomarker.clinical.recist import timepoint_responses
from tests.clinical.clinical_builder import Subj, build, normalised


def bor(responses, days, **kw):
    return best_overall_response(responses, days, **kw)


@pytest.mark.parametrize(
    ("responses", "days", "kw", "expected"),
    [
        # confirmed CR: CR again >= 28 days later
        (["CR", "CR"], [42, 84], {}, "CR"),
        (["CR", "CR"], [42, 70], {}, "CR"),  # exactly 28 days
        # CR "confirmed" too early: 21 days; the first CR is >= 42 days after dosing, so SD
        (["CR", "CR"], [42, 63], {}, "SD"),
        # CR then PR: the CR was a PR; PR confirmed by PR
        (["CR", "PR"], [42, 84], {}, "PR"),
        (["PR", "CR"], [42, 84], {}, "PR"),
        (["PR", "CR", "CR"], [42, 84, 126], {}, "CR"),
        # PR-NE-PR: one NE between is allowed by default, not with max_ne_between=0
        (["PR", "NE", "PR"], [42, 84, 126], {}, "PR"),
        (["PR", "NE", "PR"], [42, 84, 126], {"max_ne_between": 0}, "SD"),
        (["PR", "NE", "NE", "PR"], [42, 84, 126, 168], {}, "SD"),
        (["PR", "NE", "NE", "PR"], [42, 84, 126, 168], {"max_ne_between": 2}, "PR"),
        # an SD between breaks the confirmation
        (["PR", "SD", "PR"], [42, 84, 126], {}, "SD"),
        (["PR", "SD", "PR", "PR"], [42, 84, 126, 168], {}, "PR"),
        # confirmation needs >= 28 days, configurable
        (["PR", "PR"], [42, 69], {}, "SD"),
        (["PR", "PR"], [42, 69], {"min_confirm_days": 27}, "PR"),
        # SD before the minimum window does not count
        (["SD", "PD"], [35, 77], {}, "PD"),
        (["SD", "PD"], [35, 77], {"min_sd_days": 35}, "SD"),
        (["SD"], [42], {}, "SD"),
        (["SD"], [41], {}, "NE"),
        (["PR", "PD"], [35, 77], {}, "PD"),  # unconfirmed PR too early to be SD
        (["PR", "PD"], [42, 84], {}, "SD"),
        # nothing after the first PD counts
        (["PD", "PR", "PR"], [42, 84, 126], {}, "PD"),
        (["SD", "PD", "CR", "CR"], [42, 84, 126, 168], {}, "SD"),
        (["NE", "NE"], [42, 84], {}, "NE"),
        ([], [], {}, "NE"),
        # non-target-only disease
        (["NON-CR/NON-PD", "NON-CR/NON-PD"], [42, 84], {}, "NON-CR/NON-PD"),
        (["NON-CR/NON-PD", "PD"], [35, 84], {}, "PD"),
        (["NON-CR/NON-PD", "CR"], [42, 84], {}, "NON-CR/NON-PD"),  # unconfirmed CR, non-target-only disease
        (["CR", "CR"], [42, 84], {}, "CR"),
        # order comes from the days, not the list order
        (["PR", "PD", "PR"], [126, 168, 42], {}, "PR"),
    ],
)
def test_bor_with_confirmation(responses, days, kw, expected):
    assert bor(responses, days, **kw) == expected


@pytest.mark.parametrize(
    ("responses", "days", "expected"),
    [
        (["CR", "PD"], [42, 84], "CR"),
        (["PR", "SD"], [21, 42], "PR"),
        (["CR", "PR"], [42, 84], "CR"),
        (["SD", "PD"], [35, 77], "PD"),
        (["PD", "CR"], [42, 84], "PD"),
    ],
)
def test_bor_without_confirmation(responses, days, expected):
    assert bor(responses, days, confirm=False) == expected


def test_non_target_only_subject_with_unconfirmed_cr_is_non_cr_non_pd():
    assert bor_call(["CR"], [42], nontarget_only=True).bor == "NON-CR/NON-PD"
    assert bor_call(["CR"], [42]).bor == "SD"
    row, _ = engine_bor([(-7, {"NT01": "PRESENT"}), (42, {"NT01": "ABSENT"})], {"NT01": "LIVER"})
    assert (row["bor"], row["bor_unconfirmed"]) == ("NON-CR/NON-PD", "CR")


def test_bor_call_points_at_the_response_and_its_confirmation():
    call = bor_call(["SD", "PR", "NE", "CR", "CR", "PD"], [42, 84, 126, 168, 210, 252])
    assert (call.bor, call.response_index, call.confirmation_index, call.pd_index) == ("CR", 1, 4, 5)


RESP = st.sampled_from(["CR", "PR", "SD", "PD", "NE"])


@st.composite
def sequences(draw, responses=RESP):
    n = draw(st.integers(0, 8))
    days = sorted(draw(st.lists(st.integers(1, 700), min_size=n, max_size=n, unique=True)))
    resp = draw(st.lists(responses, min_size=n, max_size=n))
    rules = BorRules(
        min_confirm_days=draw(st.sampled_from([28, 35])),
        min_sd_days=draw(st.sampled_from([35, 42, 56])),
        max_ne_between=draw(st.integers(0, 2)),
    )
    return resp, days, rules


@settings(max_examples=300, deadline=None)
@given(sequences(), st.lists(RESP, max_size=4))
def test_pd_is_never_followed_by_a_better_bor(seq, tail):
    resp, days, rules = seq
    if "PD" not in resp:
        resp, days = [*resp, "PD"], [*days, (days[-1] if days else 0) + 42]
    k = resp.index("PD")
    base = best_overall_response(resp[: k + 1], days[: k + 1], rules)
    later = [*resp, *tail]
    later_days = [*days, *range(days[-1] + 1, days[-1] + 1 + len(tail))]
    for confirm in (True, False):
        r = BorRules(**{**rules.as_dict(), "confirm": confirm})
        assert best_overall_response(later, later_days, r) == best_overall_response(resp[: k + 1], days[: k + 1], r)
    if k == 0:
        assert base == "PD"


@settings(max_examples=300, deadline=None)
@given(sequences(st.sampled_from(["CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD"])))
def test_confirmed_bor_is_never_better_than_unconfirmed(seq):
    resp, days, rules = seq
    confirmed = best_overall_response(resp, days, rules)
    unconfirmed = best_overall_response(resp, days, BorRules(**{**rules.as_dict(), "confirm": False}))
    assert BOR_RANK[confirmed] <= BOR_RANK[unconfirmed]
    if confirmed == "CR":
        assert resp.count("CR") >= 2
    if confirmed in ("CR", "PR"):
        assert sum(r in ("CR", "PR") for r in resp) >= 2


def engine_bor(visits, lesions, **kw):
    subj = Subj("S-001", lesions, visits)
    f = normalised(build([subj]), only=("dm", "tu", "tr"))
    tp = timepoint_responses(f["tu"], f["tr"], f["dm"])
    return derive_bor(tp, f["dm"], BorRules(**kw)).iloc[0], tp


def test_pd_by_a_new_lesion_only_while_targets_shrink():
    row, tp = engine_bor(
        [(-7, {"T01": 50}), (42, {"T01": 30}), (84, {"T01": 20, "NEW01": "PRESENT"})],
        {"T01": "LUNG", "NEW01": "LIVER"},
    )
    assert tp["overall_response"].tolist()[1:] == ["PR", "PD"]
    assert row["bor"] == "SD"  # PR at day 42 unconfirmed (PD 42 days later), counts as SD
    assert row["bor_unconfirmed"] == "PR"
    assert row["first_pd_date"] == pd.Timestamp("2024-03-25")
    row, _ = engine_bor([(-7, {"T01": 50}), (42, {"T01": 30, "NEW01": "PRESENT"})], {"T01": "LUNG"})
    assert row["bor"] == "PD"


def test_target_not_measured_at_a_visit_bridges_a_confirmation():
    lesions = {"T01": "LUNG", "T02": "LIVER"}
    visits = [
        (-7, {"T01": 50, "T02": 30}),
        (42, {"T01": 30, "T02": 20}),
        (84, {"T01": 28, "T02": None}),
        (126, {"T01": 25, "T02": 15}),
    ]
    row, tp = engine_bor(visits, lesions)
    assert tp["overall_response"].tolist()[1:] == ["PR", "NE", "PR"]
    assert row["bor"] == "PR"
    assert row["first_response_date"] == pd.Timestamp("2024-02-12")
    assert row["first_response_day"] == 43
    assert row["confirmation_date"] == pd.Timestamp("2024-05-06")
    row, _ = engine_bor(visits, lesions, max_ne_between=0)
    assert row["bor"] == "SD"


def test_cr_then_pr_through_the_engine():
    lesions = {"T01": "LUNG"}
    row, tp = engine_bor([(-7, {"T01": 40}), (42, {"T01": 0}), (84, {"T01": 4})], lesions)
    assert tp["overall_response"].tolist()[1:] == ["CR", "PR"]
    assert (row["bor"], row["bor_unconfirmed"]) == ("PR", "CR")


def test_subject_without_assessments_is_ne_and_new_therapy_stops_the_count():
    subs = [
        Subj("S-001", {"T01": "LUNG"}, [(-7, {"T01": 40}), (42, {"T01": 20}), (84, {"T01": 20})]),
        Subj("S-002", {"T01": "LUNG"}, []),
    ]
    f = normalised(build(subs))
    tp = timepoint_responses(f["tu"], f["tr"], f["dm"])
    out = derive_bor(tp, f["dm"]).set_index("usubjid")
    assert out.loc["S-001", "bor"] == "PR"
    assert out.loc["S-002", "bor"] == "NE"
    stopped = derive_bor(tp, f["dm"], new_therapy=pd.Series({"S-001": pd.Timestamp("2024-03-01")}))
    assert stopped.set_index("usubjid").loc["S-001", "bor"] == "SD"


def test_compare_with_investigator_lists_the_subjects_that_differ():
    subs = [
        Subj(
            "S-001",
            {"T01": "LUNG"},
            [(-7, {"T01": 40}), (42, {"T01": 20}), (84, {"T01": 20})],
            investigator={42: "PR", 84: "PR"},
        ),
        Subj(
            "S-002",
            {"T01": "LUNG"},
            [(-7, {"T01": 40}), (42, {"T01": 36}), (84, {"T01": 20})],
            investigator={42: "SD", 84: "SD"},
        ),
        Subj(
            "S-003",
            {"T01": "LUNG"},
            [(-7, {"T01": 40}), (42, {"T01": 20}), (84, {"T01": 20})],
            investigator={42: "PR", 84: "SD"},
        ),
    ]
    f = normalised(build(subs))
    tp = timepoint_responses(f["tu"], f["tr"], f["dm"])
    ours = derive_bor(tp, f["dm"])
    diff = compare_with_investigator(tp, ours, f["rs"], f["dm"]).set_index("usubjid")
    assert sorted(diff.index) == ["S-002", "S-003"]
    assert diff.loc["S-002", "bor_derived"] == "SD" and not diff.loc["S-002", "bor_differs"]
    assert diff.loc["S-002", "visits_differing"] == "WEEK 12: PR/SD"
    assert diff.loc["S-003", ["bor_derived", "bor_investigator"]].tolist() == ["PR", "SD"]


@st.composite
def lesion_courses(draw):
    baseline = draw(st.integers(10, 100))
    n = draw(st.integers(1, 6))
    visits = [(-7, {"T01": baseline, "NT01": "PRESENT"})]
    day = 0
    for _ in range(n):
        day += draw(st.integers(21, 63))
        values = {
            "T01": draw(st.one_of(st.none(), st.integers(0, 150))),
            "NT01": draw(st.sampled_from(["PRESENT", "PRESENT", "ABSENT", "UNEQUIVOCAL PROGRESSION", None])),
        }
        if draw(st.integers(0, 9)) == 0:
            values["NEW01"] = "PRESENT"
        visits.append((day, values))
    return visits


@settings(max_examples=30, deadline=None)
@given(lesion_courses())
def test_engine_visits_after_pd_never_change_the_bor(visits):
    lesions = {"T01": "LUNG", "NT01": "LIVER", "NEW01": "BRAIN"}
    row, tp = engine_bor(visits, lesions)
    post = tp[~tp["is_baseline"]]
    assert BOR_RANK[row["bor"]] <= BOR_RANK[row["bor_unconfirmed"]]
    if "PD" not in set(post["overall_response"]):
        return
    first_pd_day = post.loc[post["overall_response"] == "PD", "days_from_first_dose"].iloc[0]
    kept = [v for v in visits if v[0] <= first_pd_day]
    truncated, _ = engine_bor(kept, lesions)
    assert row["bor"] == truncated["bor"]
    assert row["bor_unconfirmed"] == truncated["bor_unconfirmed"]
    if post["overall_response"].iloc[0] == "PD":
        assert row["bor"] == "PD"


def test_impossible_rules_are_config_errors():
    from biomarker.errors import ConfigError

    with pytest.raises(ConfigError, match="min_confirm_days must be >= 0"):
        BorRules(min_confirm_days=-1)
