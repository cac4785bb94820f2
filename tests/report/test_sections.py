"""Sections built from the tables other steps write (endpoints' populations/disposition/deaths, the store's
provenance and runs): what the page shows, and the "not available" line when a table is absent."""

from __future__ import annotations

import json

import pandas as pd

from biomarker.report.sections_clinical import disposition_section, exposure_section, safety_section, study_section

BOR = pd.DataFrame(
    {
        "usubjid": ["S1", "S2", "S3"],
        "bor": ["PR", "PD", "SD"],
        "n_assessments": [3, 2, 1],
        "best_pct_change_from_baseline": [-40.0, 25.0, -5.0],
    }
)
OS = pd.DataFrame(
    {
        "usubjid": ["S1", "S2", "S3"],
        "os_date": pd.to_datetime(["2023-01-01", "2022-06-01", "2023-02-01"]),
        "os_months": [12.0, 3.0, 13.0],
        "os_event": [0, 1, 0],
        "os_censor_reason": ["alive at data cut-off", None, "survival follow-up ended"],
    }
)


def _rows(table) -> dict[str, list[str]]:
    return {r[0].strip(): r[1:] for r in table.rows}


def test_consort_from_populations_and_ds() -> None:
    tables = {
        "endpoint_bor": BOR,
        "endpoint_os": OS,
        "endpoint_populations": pd.DataFrame(
            {
                "population": ["screened", "enrolled", "treated", "efficacy_evaluable"],
                "definition": "...",
                "n_subjects": [4, 3, 3, 3],
            }
        ),
        "endpoint_disposition": pd.DataFrame(
            {
                "epoch": "ALL",
                "dsdecod": ["PROGRESSIVE DISEASE", "DEATH"],
                "n_subjects": [2, 1],
                "pct_treated": [66.667, 33.333],
            }
        ),
    }
    sec = disposition_section(tables)
    assert [b["kind"] for b in sec.blocks] == ["figure", "table"]
    table = sec.tables[0]
    assert table.header == ["Epoch", "Dsdecod", "Subjects, n (%) (N = 3)"]
    assert table.rows == [["ALL", "PROGRESSIVE DISEASE", "2 (66.7)"], ["ALL", "DEATH", "1 (33.3)"]]


def test_disposition_without_ds_derives_and_says_what_is_missing() -> None:
    sec = disposition_section({"endpoint_bor": BOR, "endpoint_os": OS})
    rows = _rows(sec.tables[0])
    assert rows["Enrolled"] == ["3"] and rows["Died"] == ["1"]
    assert rows["Alive and in follow-up at data cut-off"] == ["1"]
    assert rows["Follow-up ended before cut-off (alive)"] == ["1"]
    assert sec.blocks[-1]["kind"] == "missing" and "DS" in sec.blocks[-1]["text"]


def test_exposure_absent_is_said() -> None:
    sec = exposure_section({})
    assert sec.blocks == [
        {
            "kind": "missing",
            "text": "Exposure and dose intensity per drug: not available: the "
            "store has no exposure table; the endpoints step does not "
            "derive EX yet",
        }
    ]


def test_study_section_shows_cutoff_inputs_and_parameters() -> None:
    prov = pd.DataFrame(
        {
            "run_id": 1,
            "step": ["endpoints", "endpoints", "endpoints"],
            "table_name": "endpoint_bor",
            "key": ["inputs.dm.file", "inputs.dm.sha256", "parameters.bor.cr_then_pr"],
            "value": [json.dumps("/data/sdtm/dm.xpt"), json.dumps("9f" * 32), json.dumps("pr")],
        }
    )
    runs = pd.DataFrame({"run_id": [1], "command": ["biomarker run"], "data_cutoff": ["2024-03-06"]})
    sec = study_section({"provenance": prov, "runs": runs, "endpoint_bor": BOR}, "TAX-201")
    assert {"value": "2024-03-06", "label": "data cut-off"} in sec.kpis
    tables = {t.name: t for t in sec.tables}
    assert tables["step_inputs"].rows == [["endpoints", "dm", "dm.xpt", "9f" * 32]]
    assert tables["step_parameters"].rows == [["endpoints", "parameters.bor.cr_then_pr", "pr"]]
    assert not any(b["kind"] == "missing" for b in sec.blocks)


def test_safety_overview_from_the_endpoints_table() -> None:
    overview = pd.DataFrame(
        {
            "measure": ["any_ae", "grade_3_plus"],
            "measure_label": ["Any AE", "Grade >= 3 AE"],
            "n_subjects": [3, 1],
            "n_events": [7, 1],
            "n_population": 3,
            "pct_subjects": [100.0, 33.3],
            "n_pct": ["3 (100.0%)", "1 (33.3%)"],
        }
    )
    deaths = pd.DataFrame(
        {
            "usubjid": ["S2"],
            "death_date": pd.to_datetime(["2022-06-01"]),
            "death_day": [92],
            "on_treatment": [False],
            "within_30_days_of_last_dose": [True],
            "grade_5_ae": [None],
        }
    )
    sec = safety_section({"endpoint_ae_overview": overview, "endpoint_deaths": deaths, "endpoint_os": OS})
    tables = {t.name: t for t in sec.tables}
    assert _rows(tables["ae_overview"]) == {"Any AE": ["3 (100.0)", "7"], "Grade >= 3 AE": ["1 (33.3)", "1"]}
    assert tables["deaths"].rows == [["S2", "2022-06-01", "92", "No", "Yes", ""]]
    assert {"value": "3 (100.0)", "label": "Any AE, n (%)"} in sec.kpis


def test_populations_from_endpoints_plus_biomarker_evaluable() -> None:
    from biomarker.report.sections_clinical import populations_table

    tables = {
        "endpoint_populations": pd.DataFrame(
            {"population": ["enrolled", "treated"], "definition": ["a", "b"], "n_subjects": [3, 3]}
        ),
        "pdl1": pd.DataFrame(
            {"usubjid": ["S1", "S2", "S3"], "pdl1_category": ["<1", None, ">=50"], "til_stromal_pct": [5.0, 10.0, None]}
        ),
    }
    table = populations_table(tables)
    assert table.rows == [
        ["Enrolled", "a", "3"],
        ["Treated", "b", "3"],
        ["Biomarker-evaluable: PD-L1 category", "a value in the store", "2"],
        ["Biomarker-evaluable: stromal TILs", "a value in the store", "2"],
    ]


def test_cutoff_from_the_endpoints_provenance_when_no_run_recorded_it() -> None:
    prov = pd.DataFrame(
        {
            "run_id": 1,
            "step": "endpoints",
            "table_name": "endpoint_bor",
            "key": ["study.data_cutoff"],
            "value": [json.dumps("2024-03-06")],
        }
    )
    sec = study_section({"provenance": prov, "endpoint_bor": BOR}, "TAX-201")
    assert {"value": "2024-03-06", "label": "data cut-off"} in sec.kpis
