"""Finding the report's inputs among the store's tables (name -> frame): the lookups every section shares.

:func:`pick` takes the first of several names the store holds (``endpoint_`` prefixed names too);
:func:`patient_table` gives one row per subject with PD-L1 category and TMB joined from their own tables.
"""

from __future__ import annotations

import pandas as pd

Tables = dict[str, pd.DataFrame]
#: Store tables that may hold one row per subject with baseline characteristics, in order of preference.
PATIENT_TABLES = ("patients", "subjects", "model_analysis_table")


def pick(tables: Tables, *names: str) -> pd.DataFrame | None:
    """The first of ``names`` the store holds (``endpoint_`` prefixed names are tried too)."""
    for name in names:
        for candidate in (name, f"endpoint_{name}"):
            if candidate in tables:
                return tables[candidate]
    return None


def subject_col(frame: pd.DataFrame) -> str:
    """``usubjid``, or the older ``patient`` key of TMB tables."""
    return "usubjid" if "usubjid" in frame.columns else "patient"


def patient_table(tables: Tables) -> pd.DataFrame | None:
    """One row per subject: the store's patient table, with PD-L1 category and TMB joined from their own tables."""
    base = next((tables[n] for n in PATIENT_TABLES if n in tables), None)
    if base is None:
        bor = pick(tables, "bor")
        if bor is None:
            return None
        base = bor[["usubjid"]]
    base = base.drop_duplicates("usubjid").copy()
    if "pdl1" in tables and "pdl1_category" not in base:
        pdl1 = tables["pdl1"].drop_duplicates("usubjid")[["usubjid", "pdl1_category"]]
        base = base.merge(pdl1, on="usubjid", how="left")
    tmb = tables.get("tmb_results")
    if tmb is not None and len(tmb) and "tmb_per_mb" not in base:
        key = subject_col(tmb)
        ok = tmb[tmb["status"] == "ok"].sort_values("sample").drop_duplicates(key)
        base = base.merge(
            ok[[key, "tmb_per_mb", "tmb_high"]].rename(columns={key: "usubjid"}), on="usubjid", how="left"
        )
    return base
