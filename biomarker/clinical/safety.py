"""Safety tables from AE: worst grade per subject and the six protocol measures, n (%) by SOC and PT.

The six measures (protocol secondary endpoints):

==================  ===========================================================
measure             AE records counted
==================  ===========================================================
``any_ae``          every treatment-emergent AE
``grade_3_plus``    ``AETOXGR >= 3``
``serious``         ``AESER = Y``
``drug_related``    related to either study drug (AEREL mapped to Y, or a per-drug SUPPAE AEREL)
``led_to_withdrawal``  ``DRUG WITHDRAWN`` (permanent discontinuation) of either drug
``led_to_dose_change``  ``DOSE REDUCED`` or ``DRUG INTERRUPTED`` of either drug (adjustment or suspension)
``grade_5``         ``AETOXGR = 5`` (or ``AEOUT = FATAL``)
==================  ===========================================================

With per-drug SUPPAE records the last three are also reported per study drug (``drug_related_toripalimab``,
``led_to_withdrawal_axitinib``...). Coded values go through :mod:`~biomarker.clinical.terminology` (an
unknown code is an error listing it). Without AETOXGR the grade is read from AESEV (mild 1, moderate 2,
severe 3) with a warning; a record without a grade counts in ``any_ae`` and in ``grade_missing``.

A subject counts once per row of a table (at their worst grade); percentages use the safety
population (subjects with a first dose) as denominator.
"""

from __future__ import annotations

import logging

import pandas as pd

from biomarker.clinical.sdtm import first_dose_dates, last_dose_dates, source_of, where
from biomarker.clinical.terminology import map_values, per_drug_flags, terminology
from biomarker.errors import InputError

MEASURES: dict[str, str] = {
    "any_ae": "Any AE",
    "grade_3_plus": "Grade >= 3 AE",
    "serious": "Serious AE",
    "drug_related": "Drug-related AE",
    "led_to_withdrawal": "AE leading to permanent withdrawal",
    "led_to_dose_change": "AE leading to dose adjustment or interruption",
    "grade_5": "Grade 5 (fatal) AE",
}
PER_DRUG = {
    "drug_related": ("AEREL", ("Y",), "related to {drug}"),
    "led_to_withdrawal": ("AEACN", ("withdrawn",), "leading to withdrawal of {drug}"),
    "led_to_dose_change": ("AEACN", ("reduced", "interrupted"), "leading to dose change of {drug}"),
}
ALL = "ALL"
log = logging.getLogger(__name__)


def prepare_ae(
    ae: pd.DataFrame,
    suppae: pd.DataFrame | None = None,
    *,
    drugs: tuple[str, ...] = ("TORIPALIMAB", "AXITINIB"),
    maps: dict | None = None,
    suppae_drugs: dict | None = None,
) -> pd.DataFrame:
    """Map AE codes through the controlled terminology: ``GRADE``, ``REL``, ``ACN``, ``SER``, ``OUT`` and
    per-drug ``AEREL_<DRUG>`` / ``AEACN_<DRUG>`` (from SUPPAE).

    Examples
    --------
    >>> ae = pd.DataFrame({"USUBJID": ["A"], "AETOXGR": ["3"], "AESER": ["N"], "AEREL": ["POSSIBLY RELATED"],
    ...                    "AEACN": ["DOSE REDUCED"], "AEOUT": [None]})
    >>> row = prepare_ae(ae).iloc[0]
    >>> float(row["GRADE"]), row["REL"], row["ACN"]
    (3.0, 'Y', 'reduced')
    """
    maps = maps or terminology()
    src = source_of(ae, "ae")
    out = ae.copy()
    for col in ("AETOXGR", "AESEV", "AEREL", "AEACN", "AESER", "AEOUT"):
        if col not in out:
            out[col] = None
    tox = map_values(out, "AETOXGR", maps, source=src)
    if tox.isna().all() and out["AESEV"].notna().any():
        log.warning("%s: no AETOXGR: grades read from AESEV (mild 1, moderate 2, severe 3); no grade 4 or 5", src)
        tox = map_values(out, "AESEV", maps, source=src)
    out["GRADE"] = pd.to_numeric(tox, errors="coerce").astype(float)
    missing = out["GRADE"].isna()
    if missing.any():
        log.warning(
            "%s: %d AEs without a grade (first at %s): counted as AEs, not by grade",
            src,
            int(missing.sum()),
            where(out[missing].iloc[0], visit=False),
        )
    out["REL"] = map_values(out, "AEREL", maps, source=src)
    out["ACN"] = map_values(out, "AEACN", maps, source=src)
    out["SER"] = map_values(out, "AESER", maps, source=src)
    out["OUT"] = map_values(out, "AEOUT", maps, source=src)
    drug_cols = per_drug_flags(out, suppae, tuple(d.upper() for d in drugs), maps, user_qnams=suppae_drugs)
    for col in drug_cols.columns:
        out[col] = drug_cols[col]
    multiple = out["ACN"].eq("multiple") & ~out.filter(like="AEACN_").notna().any(axis=1)
    if multiple.any():
        raise InputError(
            src,
            "AEACN is MULTIPLE but SUPPAE has no per-drug action for this AE",
            where=where(out[multiple].iloc[0], visit=False),
            hint="deliver SUPPAE with AEACN1/AEACN2 (one per study drug)",
        )
    return out


def treatment_emergent(
    ae: pd.DataFrame,
    dm: pd.DataFrame,
    *,
    window_days: int | None = 30,
    data_cutoff: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Treatment-emergent AEs: onset on or after first dose and, if ``window_days`` is set and the last
    dose (``RFXENDTC``/``RFENDTC``) is known, at most ``window_days`` after it; none after the data cut-off.

    A partial start date imputed before the first dose within the same month (day imputed) or year (month
    imputed) is moved to the first dose (SAP rule: an AE that may have started on treatment is counted);
    ``AESTDTC_DTF`` keeps the flag. Expects :func:`prepare_ae` output (``GRADE``) or raw AETOXGR.

    Examples
    --------
    >>> teae = treatment_emergent(study.ae, study.dm)  # doctest: +SKIP
    """
    src = source_of(ae, "ae")
    if "GRADE" not in ae:
        ae = prepare_ae(ae)
    bad = ae[ae["GRADE"].notna() & ~ae["GRADE"].isin([1, 2, 3, 4, 5])]
    if len(bad):
        row = bad.iloc[0]
        raise InputError(src, f"AETOXGR must be 1-5, not {row['GRADE']:g}", where=where(row, visit=False))
    first = ae["USUBJID"].map(first_dose_dates(dm))
    start = ae["AESTDTC_DT"].copy()
    flag = ae["AESTDTC_DTF"] if "AESTDTC_DTF" in ae else pd.Series(None, index=ae.index, dtype=object)
    same_month = start.dt.to_period("M") == first.dt.to_period("M")
    same_year = start.dt.year == first.dt.year
    move = start.lt(first) & ((flag.eq("D") & same_month) | (flag.eq("M") & same_year))
    start[move] = first[move]
    undated = start.isna()
    if undated.any():
        log.warning("%d AEs without a start date (AESTDTC) are not counted as treatment-emergent", int(undated.sum()))
    keep = start.notna() & first.notna() & (start >= first)
    if window_days is not None:
        last = ae["USUBJID"].map(last_dose_dates(dm))
        late = last.notna() & (start > last + pd.Timedelta(days=window_days))
        keep &= ~late
    if data_cutoff is not None:
        keep &= start <= data_cutoff
    out = ae[keep].copy()
    out["AESTDTC_DT"] = start[keep]
    out["AEDECOD"] = out["AEDECOD"].fillna(out["AETERM"])
    out["AEBODSYS"] = out["AEBODSYS"].fillna("UNCODED")
    return out


def flag_measures(ae: pd.DataFrame) -> pd.DataFrame:
    """Add one boolean column per safety measure (see ``MEASURES``; per-drug ones when SUPPAE gave them).

    Examples
    --------
    >>> ae = pd.DataFrame({"AETOXGR": ["3"], "AESER": ["N"], "AEREL": ["Y"], "AEACN": ["DOSE REDUCED"]})
    >>> flag_measures(ae)[list(MEASURES)].iloc[0].tolist()
    [True, True, False, True, False, True, False]
    """
    if "GRADE" not in ae:
        ae = prepare_ae(ae)
    drugs = sorted({c.split("_", 1)[1] for c in ae.columns if c.startswith(("AEREL_", "AEACN_"))})
    flags = {
        "any_ae": True,
        "grade_3_plus": ae["GRADE"].ge(3).fillna(False),
        "serious": ae["SER"].eq("Y").fillna(False),
        "grade_5": (ae["GRADE"].eq(5) | ae["OUT"].eq("fatal")).fillna(False),
    }
    for measure, (var, cats, _label) in PER_DRUG.items():
        either = ae["REL" if var == "AEREL" else "ACN"].isin(cats)
        for drug in drugs:
            col = f"{var}_{drug}"
            if col in ae:
                hit = ae[col].isin(cats)
                flags[f"{measure}_{drug.lower()}"] = hit
                either = either | hit
        flags[measure] = either
    return ae.assign(**{k: (v if isinstance(v, bool) else v.astype(bool)) for k, v in flags.items()})


def measure_labels(flagged: pd.DataFrame) -> dict[str, str]:
    """``MEASURES`` plus the per-drug measures present in a flagged frame."""
    labels = dict(MEASURES)
    for measure, (_var, _cats, text) in PER_DRUG.items():
        for col in flagged.columns:
            if col.startswith(f"{measure}_") and col not in MEASURES:
                labels[col] = "AE " + text.format(drug=col[len(measure) + 1 :])
    return labels


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
    ae = ae[ae["GRADE"].notna()] if "GRADE" in ae else ae.assign(GRADE=ae["AETOXGR"].astype(float))
    pt = (
        ae.groupby(["USUBJID", "AEBODSYS", "AEDECOD"])["GRADE"]
        .max()
        .reset_index()
        .rename(columns={"USUBJID": "usubjid", "AEBODSYS": "soc", "AEDECOD": "pt", "GRADE": "worst_grade"})
    )
    soc = (
        ae.groupby(["USUBJID", "AEBODSYS"])["GRADE"]
        .max()
        .reset_index()
        .rename(columns={"USUBJID": "usubjid", "AEBODSYS": "soc", "GRADE": "worst_grade"})
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
    subjects, socs, pts = (flagged[c].tolist() for c in ("USUBJID", "AEBODSYS", "AEDECOD"))

    def row(measure: str, label: str, level: str, soc, pt, rows: list[int]) -> dict:
        n = len({subjects[i] for i in rows if not pd.isna(subjects[i])})
        keys = ("measure", "measure_label", "level", "soc", "pt", "n_subjects", "n_events")
        return dict(zip(keys, (measure, label, level, soc, pt, n, len(rows)), strict=True))

    # counted on row numbers grouped in Python: a groupby and nunique per measure, SOC and PT cost ~50x the counts
    rows = []
    for measure, label in measure_labels(flagged).items():
        hits = [i for i, flag in enumerate(flagged[measure].tolist()) if flag]
        rows.append(row(measure, label, "overall", ALL, ALL, hits))
        by_soc = _group_rows(hits, socs)
        for soc in sorted(by_soc):
            rows.append(row(measure, label, "soc", soc, ALL, by_soc[soc]))
            by_pt = _group_rows(by_soc[soc], pts)
            rows.extend(row(measure, label, "pt", soc, pt, by_pt[pt]) for pt in sorted(by_pt))
    out = pd.DataFrame(rows)
    out["n_population"] = n_population
    out["pct_subjects"] = 100.0 * out["n_subjects"] / n_population if n_population else float("nan")
    out["n_pct"] = [f"{n} ({p:.1f}%)" for n, p in zip(out["n_subjects"], out["pct_subjects"], strict=True)]
    return out


def _group_rows(rows: list[int], keys: list) -> dict[object, list[int]]:
    """Key -> the row numbers with it (missing keys left out, as ``groupby`` does)."""
    groups: dict[object, list[int]] = {}
    for i in rows:
        if not pd.isna(keys[i]):
            groups.setdefault(keys[i], []).append(i)
    return groups


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
