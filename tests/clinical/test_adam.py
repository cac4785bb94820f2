"""ADaM inputs through the column map: renamed columns, DATE9 dates, ADTTE parameters."""

from __future__ import annotations

import pandas as pd
import pytest

from biomarker.clinical.adam import DEFAULT_ADAM_MAP, merge_column_map, read_adam
from biomarker.clinical.run import EndpointConfig, run_endpoints
from biomarker.clinical.survival import kaplan_meier
from biomarker.errors import InputError

SUBJECTS = [f"S-{i:03d}" for i in range(1, 7)]
# this sponsor calls first-dose date TRT01SDT and keeps the overall response in AVALC under PARAMCD "OVR"
ADSL = pd.DataFrame(
    {
        "STUDYID": "JS001",
        "USUBJID": SUBJECTS,
        "TRT01SDT": ["01JAN2024"] * 6,
        "TRTEDT": [""] * 6,
        "AGE": [60] * 6,
        "SEX": ["M"] * 6,
        "DTHFL": [""] * 6,
        "DTHDT": [""] * 6,
    }
)
RESPONSES = {  # subject -> [(day, response)]
    "S-001": [(42, "PR"), (84, "PR")],  # confirmed PR
    "S-002": [(42, "CR"), (84, "CR")],  # confirmed CR
    "S-003": [(42, "PR"), (84, "PD")],  # unconfirmed: SD
    "S-004": [(42, "PD")],
    "S-005": [(42, "SD"), (84, "SD")],
    "S-006": [(42, "NE")],
}


def adrs() -> pd.DataFrame:
    rows = []
    for subject, visits in RESPONSES.items():
        for day, resp in visits:
            date = pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)
            rows.append(
                {
                    "USUBJID": subject,
                    "PARAMCD": "OVR",
                    "AVALC": resp,
                    "ADT": date.strftime("%d%b%Y").upper(),
                    "AVISIT": f"WEEK {day // 7}",
                    "AVISITN": day // 7,
                }
            )
        rows.append({"USUBJID": subject, "PARAMCD": "BOR", "AVALC": "XX", "ADT": "", "AVISIT": "", "AVISITN": ""})
    return pd.DataFrame(rows)


ADTTE = pd.DataFrame(
    {
        "USUBJID": SUBJECTS * 2,
        "PARAMCD": ["PFS"] * 6 + ["OS"] * 6,
        "AVAL": [200, 300, 90, 43, 150, 40, 400, 420, 300, 200, 380, 100],
        "CNSR": [1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0],
    }
)
ADAE = pd.DataFrame(
    {
        "USUBJID": ["S-001", "S-002"],
        "AETERM": ["Hypertension", "Rash"],
        "AEDECOD": ["Hypertension", "Rash"],
        "AEBODSYS": ["Vascular disorders", "Skin disorders"],
        "ATOXGR": [3, 1],
        "AESER": ["N", "N"],
        "AEREL": ["RELATED", "NOT RELATED"],
        "AEACN": ["DOSE REDUCED", "DOSE NOT CHANGED"],
        "ASTDT": ["2024-01-10", "2024-02-01"],
        "AENDT": ["", ""],
    }
)
COLUMN_MAP = {"adsl": {"RFSTDTC": "TRT01SDT"}, "adae": {"AETOXGR": "ATOXGR"}}


@pytest.fixture
def adam_dir(tmp_path):
    folder = tmp_path / "adam"
    folder.mkdir()
    ADSL.to_csv(folder / "adsl.csv", index=False)
    adrs().to_csv(folder / "adrs.csv", index=False)
    ADTTE.to_csv(folder / "adtte.csv", index=False)
    ADAE.to_csv(folder / "adae.csv", index=False)
    return tmp_path


def test_default_map_follows_adam_names_and_overrides_merge():
    merged = merge_column_map(COLUMN_MAP)
    assert merged["adsl"]["RFSTDTC"] == "TRT01SDT"
    assert merged["adsl"]["USUBJID"] == "USUBJID"
    assert DEFAULT_ADAM_MAP["adsl"]["RFSTDTC"] == "TRTSDT"  # defaults untouched
    with pytest.raises(InputError, match="unknown ADaM dataset 'adxx'"):
        merge_column_map({"adxx": {}})


def test_read_adam_maps_columns_and_dates(adam_dir):
    adam = read_adam(adam_dir, COLUMN_MAP, params={"overall_response": "OVR"})
    assert adam.dm["RFSTDTC_DT"].eq(pd.Timestamp("2024-01-01")).all()
    assert adam.rs["RSDTC_DT"].notna().sum() == 10
    assert list(adam.ae["AEREL"]) == ["RELATED", "NOT RELATED"]  # mapped by the terminology, not here
    assert adam.tte.groupby("endpoint")["event"].sum().to_dict() == {"os": 3, "pfs": 4}


def test_unmapped_required_column_says_how_to_map_it(adam_dir):
    with pytest.raises(InputError, match=r"adsl.csv: header: no column TRTSDT for RFSTDTC; map it: column_map="):
        read_adam(adam_dir)


def test_response_paramcd_must_be_found(adam_dir):
    with pytest.raises(
        InputError, match=r"adrs.csv: PARAMCD: no time-point responses \(PARAMCD OVRL\); found BOR, OVR"
    ):
        read_adam(adam_dir, COLUMN_MAP, params={"overall_response": "OVRL"})
    # by default admiral's OVR is found (and the SDTM-style OVRLRESP when there is no OVR)
    assert len(read_adam(adam_dir, COLUMN_MAP).rs) == 10


def test_run_endpoints_on_adam(adam_dir, tmp_path):
    config = EndpointConfig(adam_column_map=COLUMN_MAP, adam_params={"overall_response": "OVR"}, figures=False)
    res = run_endpoints(adam_dir, tmp_path / "out", config)
    assert res.provenance["input_format"] == "adam"
    s = res.summary.set_index("endpoint")
    pfs = ADTTE[ADTTE.PARAMCD == "PFS"]
    km = kaplan_meier(pfs.AVAL / 30.4375, 1 - pfs.CNSR)
    assert s.loc["pfs_median", "estimate"] == pytest.approx(km.median_months)
    assert s.loc["os_median", "n_events"] == 3
    assert (tmp_path / "out" / "safety_measures.tsv").exists()


def test_adam_responses_give_bor_and_orr(adam_dir, tmp_path):
    frame = adrs()
    frame["PARAMCD"] = frame["PARAMCD"].replace({"OVR": "OVRLRESP"})
    frame.to_csv(adam_dir / "adam" / "adrs.csv", index=False)
    res = run_endpoints(adam_dir, tmp_path / "out", EndpointConfig(adam_column_map=COLUMN_MAP, figures=False))
    bor = res.tables["bor"].set_index("usubjid")["bor"].to_dict()
    assert bor == {"S-001": "PR", "S-002": "CR", "S-003": "SD", "S-004": "PD", "S-005": "SD", "S-006": "NE"}
    orr = res.summary.set_index("endpoint").loc["orr"]
    assert (orr["estimate"], orr["source"]) == (pytest.approx(2 / 6), "investigator")


def test_adsl_from_xpt_with_sas_dates(tmp_path):
    import pyreadstat

    folder = tmp_path / "adam"
    folder.mkdir()
    adsl = pd.DataFrame(
        {
            "STUDYID": ["X", "X"],
            "USUBJID": ["A", "B"],
            "TRTSDT": pd.to_datetime(["2024-01-01", "2024-01-05"]),
            "DTHDT": pd.to_datetime([None, "2024-06-01"]),
        }
    )
    pyreadstat.write_xport(adsl, str(folder / "ADSL.XPT"), table_name="ADSL")
    adam = read_adam(tmp_path)
    assert adam.dm["RFSTDTC_DT"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-05")]
    assert adam.dm["DTHDTC_DT"].isna().tolist() == [True, False]
    assert adam.rs.empty and adam.tte.empty


@pytest.mark.parametrize(("unit", "factor"), [("DAYS", 1.0), ("WEEKS", 7.0), ("MONTHS", 30.4375), ("YEARS", 365.25)])
def test_adtte_avalu_is_honoured(adam_dir, unit, factor):
    frame = ADTTE.assign(AVALU=unit)
    frame.to_csv(adam_dir / "adam" / "adtte.csv", index=False)
    adam = read_adam(adam_dir, COLUMN_MAP, params={"overall_response": "OVR"})
    pfs = adam.tte[adam.tte.endpoint == "pfs"]
    assert pfs["days"].tolist() == pytest.approx((ADTTE.loc[ADTTE.PARAMCD == "PFS", "AVAL"] * factor).tolist())
    frame.assign(AVALU="FORTNIGHTS").to_csv(adam_dir / "adam" / "adtte.csv", index=False)
    with pytest.raises(InputError, match="unknown AVALU 'FORTNIGHTS'"):
        read_adam(adam_dir, COLUMN_MAP, params={"overall_response": "OVR"})


def test_dor_and_ttr_from_adrs_and_adtte(adam_dir, tmp_path):
    frame = adrs()
    frame["PARAMCD"] = frame["PARAMCD"].replace({"OVR": "OVRLRESP"})
    frame.to_csv(adam_dir / "adam" / "adrs.csv", index=False)
    res = run_endpoints(adam_dir, config=EndpointConfig(adam_column_map=COLUMN_MAP, figures=False))
    bor = res.tables["bor"].set_index("usubjid")
    pfs = res.tables["pfs"].set_index("usubjid")
    dor = res.tables["dor"].set_index("usubjid")
    assert sorted(dor.index) == sorted(bor.index[bor["bor"].isin(["CR", "PR"])])
    for subject, row in dor.iterrows():
        # DoR runs from the first response day to the PFS day, both counted from the first dose as day 1
        assert row["dor_days"] == pfs.loc[subject, "pfs_days"] - bor.loc[subject, "first_response_day"] + 1
        assert row["dor_event"] == pfs.loc[subject, "pfs_event"]
    assert res.tables["ttr"]["ttr_days"].tolist() == bor.loc[dor.index, "first_response_day"].astype(int).tolist()
    assert "dor_median" in set(res.summary["endpoint"])
    # hand-worked: both respond at day 42 (study day 43); PFS AVAL 200 and 300 days, censored
    assert dor["dor_days"].to_dict() == {"S-001": 158.0, "S-002": 258.0}
    assert dor["dor_event"].tolist() == [0, 0]


def test_sponsor_bor_and_cbor_are_kept_beside_ours(adam_dir):
    frame = adrs()
    cbor = {"S-001": "PR", "S-002": "CR", "S-003": "SD", "S-004": "PD", "S-005": "SD", "S-006": "NE"}
    extra = pd.DataFrame(
        [{"USUBJID": u, "PARAMCD": "CBOR", "AVALC": b, "ADT": "", "AVISIT": "", "AVISITN": ""} for u, b in cbor.items()]
    )
    pd.concat([frame, extra]).to_csv(adam_dir / "adam" / "adrs.csv", index=False)
    res = run_endpoints(adam_dir, config=EndpointConfig(adam_column_map=COLUMN_MAP, figures=False))
    bor = res.tables["bor"].set_index("usubjid")
    assert bor["bor_sponsor_confirmed"].to_dict() == cbor == bor["bor"].to_dict()  # admiral's CBOR agrees
    assert set(bor["bor_sponsor"]) == {"XX"}  # the fixture's BOR rows, carried as delivered
