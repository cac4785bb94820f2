"""Longitudinal TBNK features: values per visit, change and log2 fold change from baseline.

From any TBNK table (lab export or gated FCS) to a tidy long table (one row per subject, visit and measure)
and a wide per-subject table for modelling, e.g. ``nk_pct_lymph_c1d1`` or ``cd8_abs_per_ul_log2fc_c2d1``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from biomarker.errors import InputError
from biomarker.flow.exports import normalise_visit
from biomarker.flow.qc import VALUE_COLUMNS

#: Measures turned into features, in order.
FEATURE_MEASURES: tuple[str, ...] = (*VALUE_COLUMNS, "cd4_cd8_ratio")
#: Protocol visits: baseline first, then on treatment.
DEFAULT_VISITS: tuple[str, ...] = ("C1D1", "C2D1", "C4D1")
LONG_COLUMNS: tuple[str, ...] = ("usubjid", "visit", "measure", "value", "baseline_value", "change", "log2fc",
                                 "qc_flags")


def _visit_order(visit: str) -> tuple[int, int, int, str]:
    m = re.fullmatch(r"C(\d+)D(\d+)", visit)
    if m:
        return (1, int(m.group(1)), int(m.group(2)), visit)
    return (0 if visit in ("SCREENING", "BASELINE") else 2, 0, 0, visit)


def tbnk_features(
    table: pd.DataFrame,
    baseline: str = "C1D1",
    visits: Sequence[str] | None = DEFAULT_VISITS,
    *,
    measures: Sequence[str] = FEATURE_MEASURES,
    drop_flagged: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Baseline, on-treatment values and their change from baseline, long and wide.

    Parameters
    ----------
    table
        From :func:`~biomarker.flow.exports.read_tbnk_export` or :func:`~biomarker.flow.gating.gate_fcs`
        (``usubjid``, ``visit`` and the measures).
    baseline
        The baseline visit.
    visits
        Visits of the wide table (its columns exist even when no subject has the visit); None: every visit in
        ``table``. The long table always has every visit.
    measures
        Which columns become features.
    drop_flagged
        Leave out results with any QC flag (default: keep them; ``qc_flags`` travels in the long table).

    Returns
    -------
    long : pandas.DataFrame
        :data:`LONG_COLUMNS`, one row per subject, visit and measure: ``change = value - baseline_value``,
        ``log2fc = log2(value / baseline_value)`` (NaN unless both are > 0); baseline rows have 0 and 0.
    wide : pandas.DataFrame
        One row per subject: ``{measure}_{visit}`` for every visit, ``{measure}_change_{visit}`` and
        ``{measure}_log2fc_{visit}`` for the on-treatment ones (visit in lower case).

    Raises
    ------
    InputError
        Missing columns or the same subject and visit twice.

    Examples
    --------
    >>> t = pd.DataFrame({"usubjid": ["S1", "S1"], "visit": ["C1D1", "C2D1"], "cd8_abs_per_ul": [400.0, 800.0]})
    >>> long, wide = tbnk_features(t, measures=["cd8_abs_per_ul"])
    >>> cols = ["cd8_abs_per_ul_c1d1", "cd8_abs_per_ul_change_c2d1", "cd8_abs_per_ul_log2fc_c2d1"]
    >>> [float(wide.loc[0, c]) for c in cols]
    [400.0, 400.0, 1.0]
    """
    missing = [c for c in ("usubjid", "visit", *measures) if c not in table]
    if missing:
        raise InputError(None, f"TBNK table without column(s) {', '.join(missing)}",
                         hint="give the table read_tbnk_export or gate_fcs returns")
    df = table.copy()
    df["visit"] = [normalise_visit(v) for v in df["visit"]]
    if "qc_flags" not in df:
        df["qc_flags"] = ""
    df["qc_flags"] = df["qc_flags"].fillna("")
    if drop_flagged:
        df = df[df["qc_flags"] == ""]
    dup = df.duplicated(["usubjid", "visit"], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        raise InputError(None, f"subject {first.usubjid} visit {first.visit} appears more than once",
                         hint="one TBNK result per subject and visit")
    baseline = normalise_visit(baseline)
    long = df.melt(id_vars=["usubjid", "visit", "qc_flags"], value_vars=list(measures), var_name="measure",
                   value_name="value")
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    base = long[long["visit"] == baseline][["usubjid", "measure", "value"]].rename(columns={"value": "baseline_value"})
    long = long.merge(base, on=["usubjid", "measure"], how="left")
    long["change"] = long["value"] - long["baseline_value"]
    ok = (long["value"] > 0) & (long["baseline_value"] > 0)
    ratio = long["value"].where(ok) / long["baseline_value"].where(ok)
    long["log2fc"] = np.log2(ratio.to_numpy(dtype=float))
    order = {m: i for i, m in enumerate(measures)}
    long["_v"] = long["visit"].map(_visit_order)
    long["_m"] = long["measure"].map(order)
    long = long.sort_values(["usubjid", "_v", "_m"]).drop(columns=["_v", "_m"])
    long = long[list(LONG_COLUMNS)].reset_index(drop=True)

    wanted = sorted(set(long["visit"]), key=_visit_order) if visits is None else [normalise_visit(v) for v in visits]
    subjects = sorted(set(df["usubjid"]))
    columns: dict[str, object] = {"usubjid": subjects}
    indexed = long.set_index(["usubjid", "visit", "measure"])
    for visit in wanted:
        kinds = [("", "value")] if visit == baseline else [("", "value"), ("_change", "change"), ("_log2fc", "log2fc")]
        for measure in measures:
            for suffix, col in kinds:
                name = f"{measure}{suffix}_{visit.lower()}"
                keys = pd.MultiIndex.from_arrays([subjects, [visit] * len(subjects), [measure] * len(subjects)])
                columns[name] = indexed[col].reindex(keys).to_numpy(dtype=float)
    return long, pd.DataFrame(columns)
