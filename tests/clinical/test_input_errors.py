"""Bad clinical input raises InputError naming the file, subject and lesion."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from biomarker.clinical.recist import timepoint_responses
from biomarker.clinical.run import run_endpoints
from biomarker.clinical.sdtm import load_study
from biomarker.errors import InputError
from tests.clinical.clinical_builder import Subj, build, write_study

LESIONS = {"T01": "LUNG", "T02": "LYMPH NODE HILAR", "NT01": "LIVER"}


def good_subjects():
    return [
        Subj(
            "S-001",
            LESIONS,
            [
                (-7, {"T01": 40, "T02": 20, "NT01": "PRESENT"}),
                (42, {"T01": 30, "T02": 15, "NT01": "PRESENT"}),
            ],
        ),
        Subj("S-002", {"T01": "LUNG"}, [(-3, {"T01": 25}), (42, {"T01": 26})]),
    ]


def derive(tmp_path, frames):
    write_study(tmp_path, frames)
    study = load_study(tmp_path)
    return timepoint_responses(study.tu, study.tr, study.dm)


def expect_error(tmp_path, frames, *fragments):
    with pytest.raises(InputError) as info:
        derive(tmp_path, frames)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_good_study_reads(tmp_path):
    tp = derive(tmp_path, build(good_subjects()))
    assert set(tp["usubjid"]) == {"S-001", "S-002"}


def test_lesion_at_follow_up_absent_at_baseline(tmp_path):
    frames = build(good_subjects())
    tr = frames["tr"]
    frames["tr"] = tr[~((tr.USUBJID == "S-001") & (tr.TRLNKID == "T02") & (tr.VISIT == "SCREENING"))]
    msg = expect_error(tmp_path, frames, "tr.csv", "subject S-001", "lesion T02", "absent at baseline")
    assert "NEW lesion" in msg


def test_negative_diameter(tmp_path):
    frames = build(good_subjects())
    tr = frames["tr"]
    i = tr.index[(tr.USUBJID == "S-002") & (tr.VISIT == "WEEK 6")][0]
    tr.loc[i, ["TRORRES", "TRSTRESC", "TRSTRESN"]] = "-4"
    expect_error(tmp_path, frames, "tr.csv", f"line {i + 2}", "subject S-002", "lesion T01", "negative diameter")


def test_follow_up_visit_before_first_dose(tmp_path):
    frames = build(good_subjects())
    tr = frames["tr"]
    tr.loc[(tr.USUBJID == "S-001") & (tr.TRLNKID == "T01") & (tr.VISIT == "WEEK 6"), "TRDTC"] = "2023-12-30"
    expect_error(tmp_path, frames, "subject S-001", "lesion T01", "visit WEEK 6 is dated before first dose")


def test_baseline_scan_older_than_the_window_makes_the_subject_not_evaluable_with_a_warning(tmp_path, caplog):
    subs = good_subjects()
    subs[1] = Subj("S-002", {"T01": "LUNG"}, [(-28, {"T01": 25}), (42, {"T01": 26})])
    tp = derive(tmp_path / "ok", build(subs))
    assert tp.loc[tp.usubjid == "S-002", "overall_response"].tolist() == [None, "SD"]
    subs[1] = Subj("S-002", {"T01": "LUNG"}, [(-29, {"T01": 25}), (42, {"T01": 26})])
    tp = derive(tmp_path / "bad", build(subs))
    assert "S-002" not in set(tp.usubjid)
    assert "S-001" in set(tp.usubjid)
    assert "subject S-002: the last baseline scan is 29 days before first dose, outside the 28-day" in caplog.text
    write_study(tmp_path / "wide", build(subs))
    study = load_study(tmp_path / "wide")
    wide = timepoint_responses(study.tu, study.tr, study.dm, baseline_window_days=30)
    assert wide.loc[wide.usubjid == "S-002", "is_baseline"].tolist() == [True, False]


def test_only_the_last_pre_dose_scan_is_the_baseline(tmp_path):
    subs = good_subjects()
    subs[1] = Subj("S-002", {"T01": "LUNG"}, [(-20, {"T01": 40}), (-2, {"T01": 30}), (42, {"T01": 21})])
    tp = derive(tmp_path, build(subs))
    s2 = tp[tp.usubjid == "S-002"]
    assert s2["baseline_sum_mm"].tolist() == [30.0, 30.0]
    assert s2["overall_response"].tolist() == [None, "PR"]  # 21 <= 0.7 * 30


def test_duplicate_lesion_ids(tmp_path):
    frames = build(good_subjects())
    tu = frames["tu"]
    dup = tu[(tu.USUBJID == "S-001") & (tu.TULNKID == "T01")].copy()
    dup["TULOC"] = "ADRENAL"
    frames["tu"] = pd.concat([tu, dup], ignore_index=True)
    expect_error(tmp_path, frames, "tu.csv", "subject S-001", "lesion T01", "appears twice")


def test_measurement_repeated_at_a_visit_with_another_value(tmp_path):
    frames = build(good_subjects())
    tr = frames["tr"]
    again = tr.iloc[[-1]].copy()
    again[["TRORRES", "TRSTRESC", "TRSTRESN"]] = "31"
    frames["tr"] = pd.concat([tr, again], ignore_index=True)
    expect_error(tmp_path, frames, "subject S-002", "lesion T01", "recorded twice at one visit with different values")


def test_exact_repeat_of_a_record_is_dropped_with_a_warning(tmp_path, caplog):
    frames = build(good_subjects())
    tr = frames["tr"]
    frames["tr"] = pd.concat([tr, tr.iloc[[-1]]], ignore_index=True)
    tp = derive(tmp_path, frames)
    assert tp.loc[tp.usubjid == "S-002", "sum_diameters_mm"].tolist() == [25.0, 26.0]
    assert "1 records repeat another with the same value at the same visit" in caplog.text


def test_lesion_measured_in_cm_is_converted_to_mm(tmp_path):
    frames = build(good_subjects())
    tr = frames["tr"]
    i = tr.index[(tr.USUBJID == "S-002") & (tr.VISIT == "WEEK 6")][0]
    tr.loc[i, ["TRORRES", "TRSTRESC", "TRSTRESN", "TRSTRESU"]] = ["1.7", "1.7", "1.7", "cm"]
    tp = derive(tmp_path, frames)
    row = tp[(tp.usubjid == "S-002") & ~tp.is_baseline].iloc[0]
    assert (row["sum_diameters_mm"], row["overall_response"]) == (17.0, "PR")  # 17 <= 0.7 * 25
    tr.loc[i, "TRSTRESU"] = "in"
    expect_error(tmp_path / "bad", frames, "subject S-002", "lesion T01", "unknown unit 'in'")


@pytest.mark.parametrize(
    ("domain", "column", "value"),
    [
        ("tr", "TRDTC", "2024-02-30"),
        ("tr", "TRDTC", "2024-13"),
        ("tu", "TUDTC", "12/02/2024"),
        ("dm", "RFSTDTC", "yesterday"),
    ],
)
def test_unparseable_dates(tmp_path, domain, column, value):
    frames = build(good_subjects())
    frame = frames[domain]
    i = frame.index[frame.USUBJID == "S-002"][-1]
    frame.loc[i, column] = value
    lesion = "lesion T01" if domain in ("tr", "tu") else "S-002"
    expect_error(tmp_path, frames, f"{domain}.csv", "subject S-002", lesion, f"unparseable date {value!r}")


def test_lesion_not_identified_in_tu(tmp_path):
    frames = build(good_subjects())
    frames["tr"].loc[frames["tr"].index[-1], "TRLNKID"] = "T09"
    expect_error(tmp_path, frames, "subject S-002", "lesion T09", "not identified in TU")


def test_nodal_target_must_be_measured_by_short_axis(tmp_path):
    frames = build(good_subjects())
    tr = frames["tr"]
    tr.loc[tr.TRLNKID == "T02", "TRTESTCD"] = "LDIAM"
    expect_error(tmp_path, frames, "subject S-001", "lesion T02", "SAXIS")


def test_subject_missing_from_dm(tmp_path):
    frames = build(good_subjects())
    frames["dm"] = frames["dm"][frames["dm"].USUBJID != "S-002"]
    frames["ex"] = frames["ex"][frames["ex"].USUBJID != "S-002"]
    with pytest.raises(InputError, match=r"tu.csv: line \d+, subject S-002, lesion T01.*subject not in DM"):
        load_study(write_study(tmp_path, frames))


def test_missing_column_and_missing_file(tmp_path):
    frames = build(good_subjects())
    frames["tr"] = frames["tr"].drop(columns=["TRDTC"])
    with pytest.raises(InputError, match=r"tr.csv: header: missing column\(s\) TRDTC"):
        load_study(write_study(tmp_path / "a", frames))
    root = write_study(tmp_path / "b", build(good_subjects()))
    (root / "clinical" / "tu.csv").unlink()
    with pytest.raises(InputError, match=r"tu\.csv: file not found"):
        load_study(root)


def test_bad_cutoff_in_study_json(tmp_path):
    root = write_study(tmp_path, build(good_subjects()))
    (root / "clinical" / "study.json").write_text(json.dumps({"studyid": "X", "data_cutoff": "30/06/2025"}))
    with pytest.raises(InputError, match=r"study\.json: data_cutoff: unparseable"):
        load_study(root)


def test_bad_grade_in_ae_through_run_endpoints(tmp_path):
    subs = good_subjects()
    subs[0].aes = [{"grade": 7}]
    root = write_study(tmp_path, build(subs))
    with pytest.raises(
        InputError,
        match=r"ae\.csv: column AETOXGR: AETOXGR values not in the controlled-terminology map: '7' \(1 records\)",
    ):
        run_endpoints(root, tmp_path / "out")


def test_scan_on_the_day_of_first_dose_is_baseline_whatever_its_visit_label(tmp_path):
    subs = good_subjects()
    subs[1] = Subj("S-002", {"T01": "LUNG"}, [(0, {"T01": 25}), (42, {"T01": 26})])
    frames = build(subs)
    tr = frames["tr"]
    tr.loc[(tr.USUBJID == "S-002") & (tr.VISIT == "SCREENING"), "VISIT"] = "C1D1"
    tp = derive(tmp_path, frames)
    assert tp.loc[tp.usubjid == "S-002", "is_baseline"].tolist() == [True, False]


def test_partial_assessment_date_is_imputed_and_flagged(tmp_path):
    frames = build(good_subjects())
    tr = frames["tr"]
    tr.loc[(tr.USUBJID == "S-002") & (tr.VISIT == "WEEK 6"), "TRDTC"] = "2024-02"
    root = write_study(tmp_path, frames)
    study = load_study(root)
    row = study.tr[(study.tr.USUBJID == "S-002") & (study.tr.VISIT == "WEEK 6")].iloc[0]
    assert (row["TRDTC_DT"], row["TRDTC_DTF"]) == (pd.Timestamp("2024-02-01"), "D")
    late = load_study(root, impute="last").tr
    assert late.loc[(late.USUBJID == "S-002") & (late.VISIT == "WEEK 6"), "TRDTC_DT"].item() == pd.Timestamp(
        "2024-02-29"
    )
    with pytest.raises(InputError, match=r"unparseable date .2024-02. in TRDTC.*partial dates are refused"):
        load_study(root, impute="refuse")


def test_na_and_dot_are_missing_and_a_dm_subject_without_first_dose_is_a_screen_failure(tmp_path):
    frames = build(good_subjects())
    dm = frames["dm"]
    dm.loc[len(dm)] = {**dm.iloc[0].to_dict(), "USUBJID": "S-003", "RFSTDTC": "NA", "RFENDTC": ".", "DTHDTC": "NA"}
    study = load_study(write_study(tmp_path, frames))
    assert study.dm.set_index("USUBJID").loc["S-003", "RFSTDTC"] is None
    from biomarker.clinical.sdtm import first_dose_dates

    assert sorted(first_dose_dates(study.dm).index) == ["S-001", "S-002"]


def test_empty_and_truncated_files_are_refused_in_one_line(tmp_path):
    root = write_study(tmp_path, build(good_subjects()))
    (root / "clinical" / "ae.csv").write_bytes(b"")
    with pytest.raises(InputError, match=r"ae\.csv: empty file \(0 bytes\)"):
        load_study(root)
    (root / "clinical" / "ae.csv").unlink()
    pyreadstat = pytest.importorskip("pyreadstat")
    ae = pd.DataFrame({"USUBJID": ["S-001"] * 59, "AETERM": ["Nausea"] * 59, "AESTDTC": ["2024-01-10"] * 59})
    xpt = root / "clinical" / "ae.xpt"
    pyreadstat.write_xport(ae, str(xpt), file_format_version=5)
    assert len(load_study(root).ae) == 59
    data = xpt.read_bytes()
    xpt.write_bytes(data[: len(data) - 1000])
    with pytest.raises(InputError, match=r"ae\.xpt: truncated SAS XPT file") as info:
        load_study(root)
    assert "\n" not in str(info.value)
    # cut on an 80-byte record boundary inside the observations: the last observation is incomplete
    xpt.write_bytes(data[: len(data) - 800])
    with pytest.raises(InputError, match=r"ae\.xpt: truncated SAS XPT file: the last observation is cut"):
        load_study(root)
