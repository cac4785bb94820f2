"""Landmark analysis (Anderson, Cain & Gelber 1983): on-treatment features without guarantee-time bias.

A feature measured at C2D1 exists only for patients still on study then. Comparing responders with
non-responders from C1D1 on such a feature credits the feature with having survived to C2D1. The landmark
analysis starts the clock at the landmark instead: only patients alive, progression-free, followed up and
without a response at the landmark are analysed, and the outcome is response after the landmark.
"""

from __future__ import annotations

import logging

import pandas as pd

from biomarker.errors import ConfigError, InputError
from biomarker.models.spec import ModelSpec, on_treatment_visit

log = logging.getLogger(__name__)

EXCLUSION_REASONS = {
    "event_before_landmark": "progressed or died before the landmark",
    "censored_before_landmark": "follow-up ended before the landmark",
    "response_before_landmark": "response assessed before the landmark",
    "no_time": "no progression-free time",
}


def refuse_on_treatment(features: list[str], spec: ModelSpec) -> None:
    """Raise a :class:`ConfigError` when an on-treatment feature is used outside a landmark analysis.

    Examples
    --------
    >>> refuse_on_treatment(["tmb_log2"], ModelSpec())
    >>> refuse_on_treatment(["cd8_pct_lymph_change_c2d1"], ModelSpec())
    Traceback (most recent call last):
    ...
    biomarker.errors.ConfigError: cd8_pct_lymph_change_c2d1 (C2D1) is measured on treatment ...
    """
    if spec.landmark is not None:
        return
    late = [(f, on_treatment_visit(f)) for f in features if on_treatment_visit(f)]
    if late:
        names = ", ".join(f"{f} ({v})" for f, v in late)
        visit = next((v for _, v in late if v.startswith("C")), "C2D1")
        raise ConfigError(
            f"{names} is measured on treatment and is missing for patients who progressed or died before then, "
            "all non-responders: analysed from C1D1 it would predict response through guarantee-time bias. Use "
            f"baseline features, or a landmark analysis (models: landmark: {visit}; CLI --landmark {visit}) that "
            "starts at that visit and excludes the patients no longer at risk"
        )


def apply_landmark(
    data: pd.DataFrame, spec: ModelSpec, id_col: str, source=None
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Keep the patients at risk at the landmark.

    Parameters
    ----------
    data
        One row per patient with the outcome and the landmark columns.
    spec
        With ``landmark`` set; ``landmark_time``/``landmark_event`` (progression-free time and its event) decide
        who progressed, died or was censored before it; ``response_time`` (optional) who responded before it.

    Returns
    -------
    kept, exclusions, statement
        The patients analysed; ``usubjid, reason`` of those excluded; and a dict with the landmark, the counts
        per reason and a sentence saying what the outcome now means.

    Examples
    --------
    >>> t = pd.DataFrame({"usubjid": list("abcd"), "pfs_months": [0.5, 3.0, 0.4, 9.0], "pfs_event": [1, 1, 0, 0]})
    >>> kept, excl, what = apply_landmark(t, ModelSpec(landmark="C2D1"), "usubjid")
    >>> kept.usubjid.tolist(), excl.reason.tolist()
    (['b', 'd'], ['event_before_landmark', 'censored_before_landmark'])
    """
    months = spec.landmark_months
    cols = {c.lower(): c for c in data.columns}
    t_col, e_col = cols.get(spec.landmark_time.lower()), cols.get(spec.landmark_event.lower())
    if t_col is None or e_col is None:
        raise InputError(
            source,
            f"a landmark analysis needs {spec.landmark_time!r} and {spec.landmark_event!r} to "
            "know who progressed or died before the landmark",
            where="header",
            hint="name them with landmark_time / landmark_event",
        )
    t = pd.to_numeric(data[t_col], errors="coerce")
    e = pd.to_numeric(data[e_col], errors="coerce")
    reason = pd.Series(pd.NA, index=data.index, dtype=object)
    reason[t.isna() | e.isna()] = "no_time"
    reason[reason.isna() & (e == 1) & (t <= months)] = "event_before_landmark"
    reason[reason.isna() & (e == 0) & (t < months)] = "censored_before_landmark"
    note = None
    if spec.response_time:
        r_col = cols.get(spec.response_time.lower())
        if r_col is None:
            raise InputError(source, f"no response-time column {spec.response_time!r}", where="header")
        rt = pd.to_numeric(data[r_col], errors="coerce")
        reason[reason.isna() & (rt <= months)] = "response_before_landmark"
    else:
        note = (
            "no time-to-response column: responses before the landmark cannot be excluded (in this trial the "
            "first scan, week 6, follows C2D1)"
        )
        log.warning("landmark analysis: %s", note)
    excluded = reason.notna()
    exclusions = pd.DataFrame(
        {
            "usubjid": data.loc[excluded, id_col].astype(str).to_numpy(),
            "reason": reason[excluded].astype(str).to_numpy(),
        }
    )
    counts = {k: int((reason == k).sum()) for k in EXCLUSION_REASONS}
    kept = data.loc[~excluded].copy()
    if len(kept) == 0:
        raise ConfigError(f"no patient is at risk at the landmark ({months:.2f} months)")
    statement = {
        "landmark": spec.landmark,
        "landmark_months": round(months, 4),
        "n_before": len(data),
        "n_at_risk": len(kept),
        "n_excluded": int(excluded.sum()),
        "excluded_by_reason": counts,
        "outcome_meaning": f"{spec.outcome} after the landmark ({spec.landmark}, {months:.2f} months after C1D1) "
        "among the patients alive, progression-free and followed up at the landmark",
        "note": note,
    }
    log.info(
        "landmark %s: %d of %d patients at risk (%s excluded)",
        spec.landmark,
        len(kept),
        len(data),
        ", ".join(f"{v} {k}" for k, v in counts.items() if v) or "none",
    )
    return kept, exclusions, statement


__all__ = ["EXCLUSION_REASONS", "apply_landmark", "refuse_on_treatment"]
