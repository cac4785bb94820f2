"""Safety tables from AE: worst grade per subject and the six protocol measures, n (%) by SOC and PT.

The six measures (protocol secondary endpoints):

==================  ===========================================================
measure             AE records counted
==================  ===========================================================
``any_ae``          every treatment-emergent AE
``grade_3_plus``    ``AETOXGR >= 3``
``serious``         ``AESER = Y``
``drug_related``    ``AEREL = Y``
``led_to_withdrawal``  ``AEACN = DRUG WITHDRAWN`` (permanent discontinuation)
``led_to_dose_change``  ``AEACN`` in ``DOSE REDUCED``, ``DRUG INTERRUPTED`` (adjustment or suspension)
==================  ===========================================================

A subject counts once per row of a table (at their worst grade); percentages use the safety
population (subjects with a first dose) as denominator.
"""

from __future__ import annotations

import logging

import pandas as pd

from biomarker.clinical.sdtm import first_dose_dates, source_of, where
from biomarker.errors import InputError

MEASURES: dict[str, str] = {
    "any_ae": "Any AE",
    "grade_3_plus": "Grade >= 3 AE",
    "serious": "Serious AE",
    "drug_related": "Drug-related AE",
    "led_to_withdrawal": "AE leading to permanent withdrawal",
    "led_to_dose_change": "AE leading to dose adjustment or interruption",
}
ALL = "ALL"
log = logging.getLogger(__name__)


def treatment_emergent(
    ae: pd.DataFrame,
    dm: pd.DataFrame,
    *,
    window_days: int | None = 30,
    data_cutoff: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Treatment-emergent AEs: onset on or after first dose and, if ``window_days`` is set and the last
    dose (``RFENDTC``) is known, at most ``window_days`` after it; none after the data cut-off.
    Validates grades (1-5).

    Examples
    --------
    >>> teae = treatment_emergent(study.ae, study.dm)  # doctest: +SKIP
    """
    src = source_of(ae, "ae")
    bad = ae[ae["AETOXGR"].notna() & ~ae["AETOXGR"].isin([1, 2, 3, 4, 5])]
    if len(bad):
        row = bad.iloc[0]
        raise InputError(src, f"AETOXGR must be 1-5, not {row['AETOXGR']:g}", where=where(row, visit=False))
    missing = ae[ae["AETOXGR"].isna()]
    if len(missing):
        raise InputError(src, "AE without a grade (AETOXGR)", where=where(missing.iloc[0], visit=False))
    undated = ae["AESTDTC_DT"].isna()
    if undated.any():
        log.warning("%d AEs without a start date (AESTDTC) are not counted as treatment-emergent", int(undated.sum()))
    first = ae["USUBJID"].map(first_dose_dates(dm))
    keep = ae["AESTDTC_DT"].notna() & first.notna() & (ae["AESTDTC_DT"] >= first)
    if window_days is not None:
        last = ae["USUBJID"].map(dm.set_index("USUBJID")["RFENDTC_DT"])
        late = last.notna() & (ae["AESTDTC_DT"] > last + pd.Timedelta(days=window_days))
        keep &= ~late
    if data_cutoff is not None:
        keep &= ae["AESTDTC_DT"] <= data_cutoff
    out = ae[keep].copy()
    out["AEDECOD"] = out["AEDECOD"].fillna(out["AETERM"])
    out["AEBODSYS"] = out["AEBODSYS"].fillna("UNCODED")
    return out


def flag_measures(ae: pd.DataFrame) -> pd.DataFrame:
    """Add one boolean column per safety measure (see ``MEASURES``).

    Examples
    --------
    >>> ae = pd.DataFrame({"AETOXGR": [3.0], "AESER": ["N"], "AEREL": ["Y"], "AEACN": ["DOSE REDUCED"]})
    >>> flag_measures(ae)[list(MEASURES)].iloc[0].tolist()
    [True, True, False, True, False, True]
    """
    acn = ae["AEACN"].astype("string").str.upper()
    return ae.assign(
        any_ae=True,
        grade_3_plus=ae["AETOXGR"] >= 3,
        serious=ae["AESER"].astype("string").str.upper().eq("Y").fillna(False).astype(bool),
        drug_related=ae["AEREL"].astype("string").str.upper().eq("Y").fillna(False).astype(bool),
        led_to_withdrawal=acn.eq("DRUG WITHDRAWN").fillna(False).astype(bool),
        led_to_dose_change=acn.isin(["DOSE REDUCED", "DRUG INTERRUPTED"]).fillna(False).astype(bool),
    )


def worst_grade(ae: pd.DataFrame) -> pd.DataFrame:
    """Worst grade per subject and preferred term, and per subject and SOC.

    Returns
    -------
    DataFrame
        ``usubjid, level (soc/pt), soc, pt, worst_grade``; ``pt`` is ``ALL`` on SOC rows.

    Examples
    --------
    >>> ae = pd.DataFrame({"USUBJID": ["A", "A"], "AEBODSYS": ["GI", "GI"], "AEDECOD": ["Nausea", "Diarrhoea"],
    ...                    "AETOXGR": [1.0, 3.0]})
    >>> worst_grade(ae).worst_grade.tolist()
    [3, 3, 1]
    """
    pt = (
        ae.groupby(["USUBJID", "AEBODSYS", "AEDECOD"])["AETOXGR"]
        .max()
        .reset_index()
        .rename(columns={"USUBJID": "usubjid", "AEBODSYS": "soc", "AEDECOD": "pt", "AETOXGR": "worst_grade"})
    )
    soc = (
        ae.groupby(["USUBJID", "AEBODSYS"])["AETOXGR"]
        .max()
        .reset_index()
        .rename(columns={"USUBJID": "usubjid", "AEBODSYS": "soc", "AETOXGR": "worst_grade"})
    )
    soc["pt"] = ALL
    out = pd.concat([soc.assign(level="soc"), pt.assign(level="pt")], ignore_index=True)
    out["worst_grade"] = out["worst_grade"].astype(int)
    out["_pt_row"] = out["level"].eq("pt")
    out = out.sort_values(["usubjid", "soc", "_pt_row", "pt"], kind="stable")
    return out[["usubjid", "level", "soc", "pt", "worst_grade"]].reset_index(drop=True)


def _count(frame: pd.DataFrame, keys: list[str]) -> pd.Series:
    return frame.groupby(keys)["USUBJID"].nunique() if keys else pd.Series({(): frame["USUBJID"].nunique()})


def safety_table(ae: pd.DataFrame, n_population: int) -> pd.DataFrame:
    """Subjects with at least one AE of each measure, overall, by SOC and by SOC/PT, as n (%).

    Parameters
    ----------
    ae
        Treatment-emergent AEs (see :func:`treatment_emergent`).
    n_population
        Safety population size (denominator).

    Returns
    -------
    DataFrame
        ``measure, measure_label, level (overall/soc/pt), soc, pt, n_subjects, n_events, pct_subjects,
        n_pct`` (``n_pct`` formatted as ``"12 (24.0%)"``); measures with no subject still have an
        overall row with 0.

    Examples
    --------
    >>> ae = pd.DataFrame({"USUBJID": ["A", "B"], "AEBODSYS": ["GI", "GI"], "AEDECOD": ["Nausea", "Nausea"],
    ...                    "AETOXGR": [1.0, 3.0], "AESER": ["N", "N"], "AEREL": ["Y", "N"],
    ...                    "AEACN": ["DOSE NOT CHANGED"] * 2})
    >>> t = safety_table(ae, 4)
    >>> t.loc[(t.measure == "grade_3_plus") & (t.level == "overall"), "n_pct"].item()
    '1 (25.0%)'
    """
    flagged = flag_measures(ae)
    rows = []
    for measure, label in MEASURES.items():
        sub = flagged[flagged[measure]]
        n = sub["USUBJID"].nunique()
        rows.append(
            {
                "measure": measure,
                "measure_label": label,
                "level": "overall",
                "soc": ALL,
                "pt": ALL,
                "n_subjects": n,
                "n_events": len(sub),
            }
        )
        for soc, g in sub.groupby("AEBODSYS", sort=True):
            rows.append(
                {
                    "measure": measure,
                    "measure_label": label,
                    "level": "soc",
                    "soc": soc,
                    "pt": ALL,
                    "n_subjects": g["USUBJID"].nunique(),
                    "n_events": len(g),
                }
            )
            for pt, h in g.groupby("AEDECOD", sort=True):
                rows.append(
                    {
                        "measure": measure,
                        "measure_label": label,
                        "level": "pt",
                        "soc": soc,
                        "pt": pt,
                        "n_subjects": h["USUBJID"].nunique(),
                        "n_events": len(h),
                    }
                )
    out = pd.DataFrame(rows)
    out["n_population"] = n_population
    out["pct_subjects"] = 100.0 * out["n_subjects"] / n_population if n_population else float("nan")
    out["n_pct"] = [f"{n} ({p:.1f}%)" for n, p in zip(out["n_subjects"], out["pct_subjects"], strict=True)]
    return out


def grade_table(worst: pd.DataFrame, n_population: int) -> pd.DataFrame:
    """Subjects by worst grade (1-5) for each SOC and PT, with the number at grade >= 3.

    Parameters
    ----------
    worst
        Output of :func:`worst_grade`.
    n_population
        Safety population size.

    Returns
    -------
    DataFrame
        ``level, soc, pt, grade_1 ... grade_5, any_grade, grade_3_plus, pct_any_grade``.

    Examples
    --------
    >>> w = pd.DataFrame({"usubjid": ["A"], "level": ["pt"], "soc": ["GI"], "pt": ["Nausea"], "worst_grade": [2]})
    >>> grade_table(w, 10)[["grade_2", "any_grade"]].values.tolist()
    [[1, 1]]
    """
    counts = (
        worst.groupby(["level", "soc", "pt", "worst_grade"])["usubjid"]
        .nunique()
        .unstack("worst_grade", fill_value=0)
        .reindex(columns=[1, 2, 3, 4, 5], fill_value=0)
    )
    counts.columns = [f"grade_{g}" for g in counts.columns]
    counts["any_grade"] = counts.sum(axis=1)
    counts["grade_3_plus"] = counts[["grade_3", "grade_4", "grade_5"]].sum(axis=1)
    counts["pct_any_grade"] = 100.0 * counts["any_grade"] / n_population if n_population else float("nan")
    return counts.reset_index().sort_values(["soc", "level", "pt"], kind="stable").reset_index(drop=True)


def safety_population(dm: pd.DataFrame) -> int:
    """Number of subjects with a first dose (the safety population)."""
    return len(first_dose_dates(dm))
