"""Endpoints from ADaM (ADSL, ADRS, ADTTE, ADAE through a column map), for a study folder without lesion data.

:func:`adam_endpoints` derives the investigator's BOR and response rates from ADRS (beside the sponsor's own BOR
and confirmed BOR), PFS and OS Kaplan-Meier estimates from ADTTE, TTR, DoR (:func:`adam_dor`) and the AE tables
from ADAE; it returns what :func:`~biomarker.clinical.run.run_endpoints` assembles into its result.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from biomarker.clinical import adam as adam_mod
from biomarker.clinical.bor import derive_bor, investigator_timepoints
from biomarker.clinical.config import EndpointConfig
from biomarker.clinical.efficacy import response_rates, time_to_response
from biomarker.clinical.safety import prepare_ae, treatment_emergent
from biomarker.clinical.safety_tables import safety_tables
from biomarker.clinical.summary_rows import km_rows, km_tables, rate_rows, ttr_rows
from biomarker.clinical.survival import KmEstimate, days_to_months, kaplan_meier
from biomarker.clinical.terminology import terminology


def adam_endpoints(study_dir: Path, config: EndpointConfig):
    """``(tables, km, summary rows, input files, meta)`` of an ADaM study folder (see the module's docstring)."""
    adam = adam_mod.read_adam(study_dir, config.adam_column_map, params=config.adam_params)
    tables: dict[str, pd.DataFrame] = {}
    rows: list[dict] = []
    km: dict[str, KmEstimate] = {}
    if not adam.rs.empty:
        inv_tp = investigator_timepoints(adam.rs, adam.dm)
        bor = derive_bor(inv_tp, adam.dm, config.bor)
        rows += rate_rows(response_rates(bor), "investigator")
        for code, col in (("cbor", "bor_sponsor_confirmed"), ("bor", "bor_sponsor")):
            theirs = adam.sponsor_bor[adam.sponsor_bor["paramcd"] == code].drop_duplicates("usubjid")
            if len(theirs):
                bor = bor.merge(theirs[["usubjid", "bor"]].rename(columns={"bor": col}), on="usubjid", how="left")
        tables["bor"] = bor
        tables["response_rates"] = response_rates(bor)
    for endpoint, landmarks in (("pfs", config.pfs_landmarks_months), ("os", config.os_landmarks_months)):
        sub = adam.tte[adam.tte["endpoint"] == endpoint]
        if sub.empty:
            continue
        km[endpoint] = kaplan_meier(sub["months"], sub["event"], endpoint=endpoint, landmarks_months=landmarks)
        rows += km_rows(km[endpoint], "adtte")
        tables[endpoint] = pd.DataFrame(
            {
                "usubjid": sub["usubjid"],
                f"{endpoint}_days": sub["days"],
                f"{endpoint}_months": sub["months"],
                f"{endpoint}_event": sub["event"],
            }
        )
    if "bor" in tables:
        ttr = time_to_response(tables["bor"])
        tables["ttr"] = ttr
        rows += ttr_rows(ttr)
        if "pfs" in tables:
            dor = adam_dor(tables["bor"], tables["pfs"])
            tables["dor"] = dor
            km["dor"] = kaplan_meier(
                dor["dor_months"], dor["dor_event"], endpoint="dor", landmarks_months=config.dor_landmarks_months
            )
            rows += km_rows(km["dor"], "adrs_adtte")
    tables.update(km_tables(km, {e: (tables[e], f"{e}_months", f"{e}_event") for e in km}))
    if not adam.ae.empty:
        teae = treatment_emergent(
            prepare_ae(adam.ae, maps=terminology(config.terminology)), adam.dm, window_days=config.teae_window_days
        )
        tables.update(safety_tables(teae, adam.dm))
    return tables, km, rows, adam.files, {"studyid": adam.studyid, "data_cutoff": None}


def adam_dor(bor: pd.DataFrame, pfs: pd.DataFrame) -> pd.DataFrame:
    """DoR from ADaM: first (confirmed) response day from ADRS to the PFS event or censoring day of ADTTE."""
    resp = bor[bor["bor"].isin(("CR", "PR"))].merge(pfs, on="usubjid")
    days = (resp["pfs_days"] - resp["first_response_day"] + 1).clip(lower=1)
    return pd.DataFrame(
        {
            "usubjid": resp["usubjid"],
            "response_date": resp["first_response_date"],
            "dor_days": days.astype(float),
            "dor_months": days_to_months(days.astype(float)),
            "dor_event": resp["pfs_event"].astype(int),
        }
    ).reset_index(drop=True)
