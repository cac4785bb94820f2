"""Longitudinal TBNK features: values per visit, change (absolute, %, log2 fold) from each subject's baseline.

From any TBNK table (lab export or gated FCS) to a tidy long table (one row per subject, visit and measure; every
visit kept) and a wide per-subject table for modelling, e.g. ``nk_pct_lymph_baseline``, ``nk_pct_lymph_c1d1`` or
``cd8_abs_per_ul_log2fc_c2d1``. The baseline is the last sample on or before the first dose when dates are known,
else the nominal baseline visit (C1D1), else the last pre-treatment visit (screening). With a CBC, the
neutrophil-to-lymphocyte ratio (``nlr``) is one more measure.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from biomarker.errors import InputError
from biomarker.flow.exports import normalise_visit
from biomarker.flow.qc import VALUE_COLUMNS

log = logging.getLogger(__name__)

#: Measures turned into features, in order.
FEATURE_MEASURES: tuple[str, ...] = (*VALUE_COLUMNS, "cd4_cd8_ratio")
#: Protocol visits: baseline first, then on treatment (the visits the simulator writes).
DEFAULT_VISITS: tuple[str, ...] = ("C1D1", "C2D1", "C4D1")
LONG_COLUMNS: tuple[str, ...] = (
    "usubjid",
    "visit",
    "measure",
    "value",
    "baseline_visit",
    "baseline_value",
    "change",
    "change_pct",
    "log2fc",
    "qc_flags",
)
PRE_TREATMENT: tuple[str, ...] = ("SCREENING", "BASELINE", "PRE-TREATMENT", "PRETREATMENT", "SCR")


def _visit_order(visit: str) -> tuple[int, int, int, str]:
    m = re.fullmatch(r"C(\d+)D(\d+)", visit)
    if m:
        return (1, int(m.group(1)), int(m.group(2)), visit)
    return (0 if visit in PRE_TREATMENT else 2, 0, 0, visit)


def _baselines(df: pd.DataFrame, baseline: str, first_dose: Mapping[str, object] | None) -> dict[str, str]:
    """usubjid -> the visit that is its baseline."""
    out: dict[str, str] = {}
    nominal = _visit_order(baseline)
    for subject, rows in df.groupby("usubjid", sort=True):
        visits = sorted(rows["visit"], key=_visit_order)
        dose = None if first_dose is None else first_dose.get(subject)
        dates = pd.to_datetime(rows.get("collection_date"), errors="coerce") if "collection_date" in rows else None
        if dose is not None and dates is not None and dates.notna().any():
            before = rows.assign(_d=dates.to_numpy())[dates.to_numpy() <= pd.Timestamp(str(dose))]
            if len(before):
                last = before.sort_values(["_d", "visit"], key=lambda c: c if c.name == "_d" else c.map(_visit_order))
                out[subject] = str(last["visit"].iloc[-1])
            continue
        if baseline in visits:
            out[subject] = baseline
            continue
        pre = [v for v in visits if _visit_order(v) < nominal]
        if pre:
            out[subject] = pre[-1]
    return out


def _with_nlr(df: pd.DataFrame, cbc: pd.DataFrame) -> pd.DataFrame:
    need = [c for c in ("usubjid", "visit", "neutrophils_abs_per_ul") if c not in cbc]
    if need:
        raise InputError(
            None,
            f"CBC table without column(s) {', '.join(need)}",
            hint="a CBC has usubjid, visit, neutrophils_abs_per_ul (and lymphocytes_abs_per_ul)",
        )
    c = cbc.copy()
    c["visit"] = [normalise_visit(v) for v in c["visit"]]
    keep = ["usubjid", "visit", "neutrophils_abs_per_ul"] + (
        ["lymphocytes_abs_per_ul"] if "lymphocytes_abs_per_ul" in c else []
    )
    out = df.assign(visit=[normalise_visit(v) for v in df["visit"]]).merge(c[keep], on=["usubjid", "visit"], how="left")
    lymph = out["lymphocytes_abs_per_ul"] if "lymphocytes_abs_per_ul" in out else out["lymph_abs_per_ul"]
    lymph = pd.to_numeric(lymph, errors="coerce")
    out["nlr"] = pd.to_numeric(out["neutrophils_abs_per_ul"], errors="coerce") / lymph.where(lymph > 0)
    return out.drop(columns=[k for k in keep[2:]])


def tbnk_features(
    table: pd.DataFrame,
    baseline: str = "C1D1",
    visits: Sequence[str] | None = None,
    *,
    measures: Sequence[str] = FEATURE_MEASURES,
    drop_flagged: bool = True,
    first_dose: Mapping[str, object] | None = None,
    cbc: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Baseline, on-treatment values and their change from baseline, long and wide.

    Parameters
    ----------
    table
        From :func:`~biomarker.flow.exports.read_tbnk_export` or :func:`~biomarker.flow.gating.gate_fcs`
        (``usubjid``, ``visit`` and the measures; ``collection_date`` to place samples against the first dose).
    baseline
        The nominal baseline visit (used when the first dose or the dates are unknown; when a subject lacks it,
        the last pre-treatment visit, e.g. screening, is the baseline).
    visits
        Visits of the wide table (their columns exist even when no subject has them); None (default): every
        visit in ``table``. Visits left out are logged as a warning; the long table always has every visit.
    measures
        Which columns become features.
    drop_flagged
        Leave the values of results with any QC flag out of the wide table, the one models read (default; their
        number is ``wide.attrs["flagged_left_out"]`` and logged). The long table always keeps every result with
        its ``qc_flags``. False keeps flagged values in the wide table too.
    first_dose
        usubjid -> first dose date: the baseline is the last sample collected on or before it.
    cbc
        Blood counts (``usubjid, visit, neutrophils_abs_per_ul`` and optionally ``lymphocytes_abs_per_ul``,
        else the TBNK lymphocyte count): adds the measure ``nlr``.

    Returns
    -------
    long : pandas.DataFrame
        :data:`LONG_COLUMNS`, one row per subject, visit and measure: ``change = value - baseline_value``,
        ``change_pct = 100 * change / baseline_value`` and ``log2fc = log2(value / baseline_value)`` (NaN unless
        both are > 0); the baseline rows have 0.
    wide : pandas.DataFrame
        One row per subject: ``baseline_visit``, ``{measure}_baseline`` for every measure, then
        ``{measure}_{visit}`` for every visit and, for visits after the nominal baseline,
        ``{measure}_change_{visit}``, ``{measure}_pct_change_{visit}`` and ``{measure}_log2fc_{visit}``
        (visit in lower case).

    Raises
    ------
    InputError
        Missing columns or the same subject and visit twice.

    Examples
    --------
    >>> t = pd.DataFrame({"usubjid": ["S1", "S1"], "visit": ["C1D1", "C2D1"], "cd8_abs_per_ul": [400.0, 800.0]})
    >>> long, wide = tbnk_features(t, measures=["cd8_abs_per_ul"])
    >>> cols = ["cd8_abs_per_ul_baseline", "cd8_abs_per_ul_change_c2d1", "cd8_abs_per_ul_pct_change_c2d1"]
    >>> [float(wide.loc[0, c]) for c in cols]
    [400.0, 400.0, 100.0]
    """
    measures = list(measures)
    if cbc is not None:
        table = _with_nlr(table, cbc)
        measures = [*measures, "nlr"] if "nlr" not in measures else measures
    missing = [c for c in ("usubjid", "visit", *measures) if c not in table]
    if missing:
        raise InputError(
            None,
            f"TBNK table without column(s) {', '.join(missing)}",
            hint="give the table read_tbnk_export or gate_fcs returns",
        )
    df = table.copy()
    df["visit"] = [normalise_visit(v) for v in df["visit"]]
    if "qc_flags" not in df:
        df["qc_flags"] = ""
    df["qc_flags"] = df["qc_flags"].fillna("")
    dup = df.duplicated(["usubjid", "visit"], keep=False)
    if dup.any():
        first = df[dup].iloc[0]
        raise InputError(
            None,
            f"subject {first.usubjid} visit {first.visit} appears more than once",
            hint="one TBNK result per subject and visit",
        )
    baseline = normalise_visit(baseline)
    base_visit = _baselines(df, baseline, first_dose)
    long = df.melt(
        id_vars=["usubjid", "visit", "qc_flags"], value_vars=measures, var_name="measure", value_name="value"
    )
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    long["baseline_visit"] = long["usubjid"].map(base_visit)
    base = long[long["visit"] == long["baseline_visit"]][["usubjid", "measure", "value"]]
    long = long.merge(base.rename(columns={"value": "baseline_value"}), on=["usubjid", "measure"], how="left")
    long["change"] = long["value"] - long["baseline_value"]
    long["change_pct"] = 100 * long["change"] / long["baseline_value"].where(long["baseline_value"] != 0)
    ok = (long["value"] > 0) & (long["baseline_value"] > 0)
    ratio = long["value"].where(ok) / long["baseline_value"].where(ok)
    long["log2fc"] = np.log2(ratio.to_numpy(dtype=float))
    order = {m: i for i, m in enumerate(measures)}
    long["_v"] = long["visit"].map(_visit_order)
    long["_m"] = long["measure"].map(order)
    long = long.sort_values(["usubjid", "_v", "_m"]).drop(columns=["_v", "_m"])
    long = long[list(LONG_COLUMNS)].reset_index(drop=True)
    # a flagged result leaves out its values, and a flagged baseline every change measured from it
    flagged = long["qc_flags"] != ""
    flagged_base = set(long.loc[(long["visit"] == long["baseline_visit"]) & flagged, "usubjid"])
    base_flagged = long["usubjid"].isin(flagged_base)
    off = flagged | base_flagged
    wide = _wide(
        long.assign(
            value=long["value"].where(~flagged),
            change=long["change"].where(~off),
            change_pct=long["change_pct"].where(~off),
            log2fc=long["log2fc"].where(~off),
            baseline_value=long["baseline_value"].where(~base_flagged),
        )
        if drop_flagged
        else long,
        df,
        measures,
        visits,
        baseline,
        base_visit,
    )
    n_flagged = int((df["qc_flags"] != "").sum()) if drop_flagged else 0
    if n_flagged:
        log.warning(
            "TBNK wide table: %d flagged result(s) left out (their values stay in the long table with their "
            "qc_flags; drop_flagged=False keeps them)",
            n_flagged,
        )
    wide.attrs["flagged_left_out"] = n_flagged
    return long, wide


def _wide(
    long: pd.DataFrame,
    df: pd.DataFrame,
    measures: list[str],
    visits: Sequence[str] | None,
    baseline: str,
    base_visit: Mapping[str, str],
) -> pd.DataFrame:
    present = sorted(set(long["visit"]), key=_visit_order)
    wanted = present if visits is None else [normalise_visit(v) for v in visits]
    dropped = [v for v in present if v not in wanted]
    if dropped:
        log.warning(
            "TBNK wide table: visit(s) %s left out (not among the configured visits %s); the long table keeps them",
            ", ".join(dropped),
            ", ".join(wanted),
        )
    subjects = sorted(set(df["usubjid"]))
    columns: dict[str, object] = {"usubjid": subjects, "baseline_visit": [base_visit.get(s) for s in subjects]}
    indexed = long.set_index(["usubjid", "visit", "measure"])
    base = long.drop_duplicates(["usubjid", "measure"]).set_index(["usubjid", "measure"])["baseline_value"]
    for measure in measures:
        keys = pd.MultiIndex.from_arrays([subjects, [measure] * len(subjects)])
        columns[f"{measure}_baseline"] = base.reindex(keys).to_numpy(dtype=float)
    nominal = _visit_order(baseline)
    for visit in wanted:
        after = _visit_order(visit) > nominal
        kinds = [("", "value")] + (
            [("_change", "change"), ("_pct_change", "change_pct"), ("_log2fc", "log2fc")] if after else []
        )
        for measure in measures:
            keys = pd.MultiIndex.from_arrays([subjects, [visit] * len(subjects), [measure] * len(subjects)])
            for suffix, col in kinds:
                columns[f"{measure}{suffix}_{visit.lower()}"] = indexed[col].reindex(keys).to_numpy(dtype=float)
    wide = pd.DataFrame(columns)
    wide.attrs["visits_left_out"] = dropped
    return wide
