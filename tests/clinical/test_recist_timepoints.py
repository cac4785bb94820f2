"""RECIST 1.1 time-point responses: hand-worked lesion data for every row of tables 4 and 5."""

from __future__ import annotations

import pytest

from biomarker.clinical.recist import (
    nontarget_response,
    overall_response,
    target_response,
    timepoint_responses,
)
from tests.clinical.clinical_builder import Subj, build, normalised

LESIONS = {"T01": "LUNG", "T02": "LYMPH NODE MEDIASTINAL", "NT01": "LIVER", "NT02": "BONE", "NEW01": "BRAIN"}
BASELINE_TARGETS = {"T01": 50, "T02": 20}  # sum 70 mm
# follow-up target measurements giving each target response (baseline sum 70, nadir 70)
TARGET_STATES = {
    "CR": {"T01": 0, "T02": 8},  # non-nodal gone, node < 10 mm: sum 8 mm
    "PR": {"T01": 30, "T02": 15},  # 45 mm, -35.7 %
    "SD": {"T01": 45, "T02": 18},  # 63 mm, -10 %
    "PD": {"T01": 70, "T02": 20},  # 90 mm, +28.6 % and +20 mm over the nadir
    "NE": {"T01": 40, "T02": None},  # node not measured, 40 mm measured is not progression
}
# states of the two non-targets giving each non-target response
NT_STATES = {
    "CR": ("ABSENT", "ABSENT"),
    "NON-CR/NON-PD": ("PRESENT", "ABSENT"),
    "NE": (None, "PRESENT"),
    "PD": ("UNEQUIVOCAL PROGRESSION", "PRESENT"),
}


def one_followup(target: str | None, nontarget: str | None, new: bool):
    base, follow = {}, {}
    if target is not None:
        base.update(BASELINE_TARGETS)
        follow.update(TARGET_STATES[target])
    if nontarget is not None:
        base.update({"NT01": "PRESENT", "NT02": "PRESENT"})
        follow.update(dict(zip(("NT01", "NT02"), NT_STATES[nontarget], strict=True)))
    if new:
        follow["NEW01"] = "PRESENT"
    subj = Subj("S-001", LESIONS, [(-7, base), (42, follow)])
    f = normalised(build([subj]), only=("dm", "tu", "tr"))
    tp = timepoint_responses(f["tu"], f["tr"], f["dm"])
    return tp[~tp["is_baseline"]].iloc[0]


# RECIST 1.1 table 4 (targets with or without non-targets) and table 5 (non-targets only):
# (target, non-target, new lesion, overall); None = no such lesions at baseline
TABLE_4 = [
    ("CR", "CR", False, "CR"),
    ("CR", None, False, "CR"),
    ("CR", "NON-CR/NON-PD", False, "PR"),
    ("CR", "NE", False, "PR"),
    ("PR", "NON-CR/NON-PD", False, "PR"),
    ("PR", "NE", False, "PR"),
    ("PR", "CR", False, "PR"),
    ("PR", None, False, "PR"),
    ("SD", "NON-CR/NON-PD", False, "SD"),
    ("SD", "NE", False, "SD"),
    ("SD", "CR", False, "SD"),
    ("NE", "NON-CR/NON-PD", False, "NE"),
    ("NE", "CR", False, "NE"),
    ("NE", None, False, "NE"),
    ("PD", "CR", False, "PD"),
    ("PD", "NON-CR/NON-PD", False, "PD"),
    ("PD", "NE", False, "PD"),
    ("PD", None, True, "PD"),
    ("CR", "PD", False, "PD"),
    ("SD", "PD", False, "PD"),
    ("CR", "CR", True, "PD"),
    ("PR", "NON-CR/NON-PD", True, "PD"),
    ("SD", None, True, "PD"),
]
TABLE_5 = [
    (None, "CR", False, "CR"),
    (None, "NON-CR/NON-PD", False, "NON-CR/NON-PD"),
    (None, "NE", False, "NE"),
    (None, "PD", False, "PD"),
    (None, "PD", True, "PD"),
    (None, "CR", True, "PD"),
    (None, "NON-CR/NON-PD", True, "PD"),
]


@pytest.mark.parametrize(("target", "nontarget", "new", "expected"), TABLE_4 + TABLE_5)
def test_every_row_of_the_timepoint_tables_from_lesion_data(target, nontarget, new, expected):
    row = one_followup(target, nontarget, new)
    assert row["target_response"] == target
    assert row["nontarget_response"] == nontarget
    assert bool(row["new_lesion"]) is new
    assert row["overall_response"] == expected
    assert overall_response(target, nontarget, new) == expected


def run(subject_visits, lesions=None):
    subj = Subj("S-001", lesions or LESIONS, subject_visits)
    f = normalised(build([subj]), only=("dm", "tu", "tr"))
    tp = timepoint_responses(f["tu"], f["tr"], f["dm"])
    return tp[~tp["is_baseline"]].reset_index(drop=True)


def test_sum_of_diameters_uses_short_axis_for_nodes_and_percent_changes():
    tp = run([(-7, {"T01": 50, "T02": 20}), (42, {"T01": 30, "T02": 12}), (84, {"T01": 36, "T02": 12})])
    assert tp["sum_diameters_mm"].tolist() == [42.0, 48.0]
    assert tp["baseline_sum_mm"].tolist() == [70.0, 70.0]
    assert tp["nadir_sum_mm"].tolist() == [70.0, 42.0]
    assert tp["pct_change_from_baseline"].round(4).tolist() == [-40.0, round(-22 / 70 * 100, 4)]
    assert tp["pct_change_from_nadir"].round(4).tolist() == [-40.0, round(6 / 42 * 100, 4)]
    # 48 mm is +14 % over the 42 mm nadir (not PD) and -31.4 % from baseline (PR)
    assert tp["target_response"].tolist() == ["PR", "PR"]


def test_pr_is_a_30_percent_decrease_inclusive():
    assert target_response(35, 50, 50) == "PR"
    assert target_response(35.1, 50, 50) == "SD"
    tp = run([(-7, {"T01": 50}), (42, {"T01": 35}), (84, {"T01": 35.1})], {"T01": "LUNG"})
    assert tp["target_response"].tolist() == ["PR", "SD"]


def test_pd_needs_20_percent_and_5_mm_over_the_nadir():
    # baseline 50, nadir 20: 24 mm is +20 % but only +4 mm (PR vs baseline); 25 mm is +25 % and +5 mm
    tp = run([(-7, {"T01": 50}), (42, {"T01": 20}), (84, {"T01": 24}), (126, {"T01": 25})], {"T01": "LUNG"})
    assert tp["target_response"].tolist() == ["PR", "PR", "PD"]
    # large nadir: +5 mm is not +20 %
    assert target_response(105, 100, 100) == "SD"
    assert target_response(120, 100, 100) == "PD"


def test_progression_from_a_zero_nadir_needs_only_5_mm():
    tp = run([(-7, {"T01": 30}), (42, {"T01": 0}), (84, {"T01": 4}), (126, {"T01": 5})], {"T01": "LUNG"})
    assert tp["target_response"].tolist() == ["CR", "PR", "PD"]


def test_nodal_cr_needs_short_axis_below_10_mm():
    tp = run(
        [(-7, {"T01": 20, "T02": 20}), (42, {"T01": 0, "T02": 9.9}), (84, {"T01": 0, "T02": 10})],
        {"T01": "LUNG", "T02": "LYMPH NODE HILAR"},
    )
    assert tp["target_response"].tolist() == ["CR", "PR"]
    assert tp["sum_diameters_mm"].tolist() == [9.9, 10.0]


def test_target_not_measured_is_ne_unless_the_measured_ones_already_progress():
    tp = run([(-7, {"T01": 50, "T02": 20}), (42, {"T01": 20, "T02": None}), (84, {"T01": 91, "T02": None})])
    assert tp["target_response"].tolist() == ["NE", "PD"]
    assert tp["n_targets_measured"].tolist() == [1, 1]
    assert tp["pct_change_from_baseline"].isna().all()
    assert target_response(30, 50, 30, all_measured=False) == "NE"


def test_not_measured_visit_does_not_move_the_nadir():
    tp = run([(-7, {"T01": 50, "T02": 20}), (42, {"T01": 10, "T02": None}), (84, {"T01": 40, "T02": 20})])
    assert tp["nadir_sum_mm"].tolist() == [70.0, 70.0]
    assert tp["target_response"].tolist() == ["NE", "SD"]


def test_too_small_to_measure_counts_5_mm():
    frames = build([Subj("S-001", {"T01": "LUNG"}, [(-7, {"T01": 40}), (42, {"T01": 0})])])
    tr = frames["tr"]
    last = tr.index[-1]
    tr.loc[last, ["TRORRES", "TRSTRESC", "TRSTRESN"]] = ["TOO SMALL TO MEASURE", "TOO SMALL TO MEASURE", ""]
    f = normalised(frames)
    tp = timepoint_responses(f["tu"], f["tr"], f["dm"])
    assert tp["sum_diameters_mm"].tolist() == [40.0, 5.0]


def test_nontarget_response_rules():
    assert nontarget_response(["ABSENT", "ABSENT"]) == "CR"
    assert nontarget_response(["ABSENT", "PRESENT"]) == "NON-CR/NON-PD"
    assert nontarget_response(["ABSENT", None]) == "NE"
    assert nontarget_response([None, "UNEQUIVOCAL PROGRESSION"]) == "PD"
    assert nontarget_response([]) is None


def test_new_lesion_only_progression():
    tp = run([(-7, {"T01": 50}), (42, {"T01": 20, "NEW01": "PRESENT"})], {"T01": "LUNG", "NEW01": "BRAIN"})
    row = tp.iloc[0]
    assert (row["target_response"], row["nontarget_response"], bool(row["new_lesion"])) == ("PR", None, True)
    assert row["overall_response"] == "PD"


def test_new_lesion_in_tu_without_tr_state_is_progression():
    frames = build([Subj("S-001", {"T01": "LUNG"}, [(-7, {"T01": 50}), (42, {"T01": 45}), (84, {"T01": 45})])])
    new = {
        "USUBJID": "S-001",
        "TULNKID": "NEW01",
        "TUTESTCD": "TUMIDENT",
        "TUORRES": "NEW",
        "TULOC": "LIVER",
        "TUMETHOD": "MRI",
        "TUDTC": "2024-03-25",
        "VISIT": "WEEK 12",
    }
    frames["tu"].loc[len(frames["tu"])] = new
    f = normalised(frames)
    tp = timepoint_responses(f["tu"], f["tr"], f["dm"])
    assert tp.loc[~tp["is_baseline"], "overall_response"].tolist() == ["SD", "PD"]


def test_visits_are_ordered_by_date_and_baseline_row_is_kept():
    subj = Subj("S-001", {"T01": "LUNG"}, [(-7, {"T01": 50}), (84, {"T01": 40}), (42, {"T01": 45})])
    f = normalised(build([subj]), only=("dm", "tu", "tr"))
    tp_all = timepoint_responses(f["tu"], f["tr"], f["dm"])
    assert tp_all["is_baseline"].tolist() == [True, False, False]
    assert tp_all["days_from_first_dose"].tolist() == [-7, 42, 84]
    assert tp_all.loc[0, "pct_change_from_baseline"] == 0.0
