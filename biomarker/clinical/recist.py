"""RECIST 1.1 time-point response from lesion-level TU/TR records (Eisenhauer et al. 2009).

Targets are measured by their longest diameter (``LDIAM``), lymph-node targets (``TULOC`` starting
with ``LYMPH NODE``) by their short axis (``SAXIS``); non-target and new lesions carry a state
(``TUMSTATE``: ``PRESENT``, ``ABSENT``, ``UNEQUIVOCAL PROGRESSION``). Assessments dated on or before
the first dose (and at most ``baseline_window_days`` before it) form the baseline; every later visit is a
time point with a target, a non-target and an overall response.

Rules at each time point (sum = sum of diameters of the targets, nadir = smallest sum so far,
baseline included, over time points where every target was measured):

- target ``PD``: sum >= 1.2 x nadir and sum - nadir >= 5 mm (checked first, and on the measured
  targets alone when one is missing: progression then does not depend on the missing lesion);
- target ``NE``: a target not measured (no record, or no value) and no progression;
- target ``CR``: every non-nodal target 0 mm and every nodal target < 10 mm short axis;
- target ``PR``: sum <= 0.7 x baseline sum; otherwise ``SD``;
- a lesion "too small to measure" (``TRORRES``) counts 5 mm;
- non-target: ``PD`` on any unequivocal progression, ``NE`` if one is not assessed, ``CR`` if all
  absent, otherwise ``NON-CR/NON-PD``; a new lesion makes the time point ``PD``;
- overall: RECIST 1.1 table 4 (targets) or table 5 (non-target-only disease, where the overall
  response can be ``NON-CR/NON-PD``), see :func:`overall_response`.

The pure functions :func:`target_response`, :func:`nontarget_response` and :func:`overall_response`
carry the rules; :func:`timepoint_responses` applies them to a study after validating its lesions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import pandas as pd

from biomarker.clinical.cleaning import present_min
from biomarker.clinical.lesions import ABSENT, PRESENT, TOO_SMALL_MM, UNEQUIVOCAL, lesion_records  # noqa: F401 (re-exported)
from biomarker.clinical.sdtm import first_dose_dates

log = logging.getLogger(__name__)

CR, PR, SD, PD, NE = "CR", "PR", "SD", "PD", "NE"
NON_CR_NON_PD = "NON-CR/NON-PD"
RESPONSES = (CR, PR, SD, NON_CR_NON_PD, PD, NE)

_TOL = 1e-9

TIMEPOINT_COLUMNS = (
    "usubjid",
    "visit",
    "visitnum",
    "assessment_date",
    "days_from_first_dose",
    "is_baseline",
    "n_target_lesions",
    "n_targets_measured",
    "sum_diameters_mm",
    "baseline_sum_mm",
    "nadir_sum_mm",
    "pct_change_from_baseline",
    "pct_change_from_nadir",
    "target_response",
    "nontarget_response",
    "new_lesion",
    "overall_response",
)


def target_response(
    sum_mm: float,
    baseline_mm: float,
    nadir_mm: float,
    *,
    all_measured: bool = True,
    nonnodal_mm: Iterable[float] = (),
    nodal_mm: Iterable[float] = (),
) -> str:
    """Target-lesion response at one time point.

    Parameters
    ----------
    sum_mm
        Sum of diameters of the targets measured at this time point.
    baseline_mm
        Baseline sum of diameters.
    nadir_mm
        Smallest sum so far (baseline included, this time point excluded).
    all_measured
        False when a target was not measured: the response is then ``NE`` unless the measured
        targets alone already show progression.
    nonnodal_mm, nodal_mm
        Diameters of the non-nodal targets and short axes of the nodal targets (for CR).

    Returns
    -------
    str
        ``CR`` (non-nodal targets gone, nodes < 10 mm), ``PR`` (>= 30 % below baseline),
        ``PD`` (>= 20 % and >= 5 mm above the nadir), ``SD`` or ``NE``.

    Examples
    --------
    >>> target_response(35, 50, 50)
    'PR'
    >>> target_response(60, 50, 40)
    'PD'
    >>> target_response(8, 50, 20, nonnodal_mm=[0, 0], nodal_mm=[8])
    'CR'
    >>> target_response(30, 50, 30, all_measured=False)
    'NE'
    """
    increase = sum_mm - nadir_mm
    if increase >= 5 - _TOL and increase * 100 >= 20 * nadir_mm - _TOL:
        return PD
    if not all_measured:
        return NE
    nonnodal = list(nonnodal_mm)
    nodal = list(nodal_mm)
    if (nonnodal or nodal) and all(v <= _TOL for v in nonnodal) and all(v < 10 for v in nodal):
        return CR
    if (baseline_mm - sum_mm) * 100 >= 30 * baseline_mm - _TOL:
        return PR
    return SD


def nontarget_response(states: Iterable[str | None]) -> str | None:
    """Non-target response from the states of every baseline non-target lesion at one time point.

    ``None`` in ``states`` is a lesion not assessed. Returns ``None`` when there are no non-target
    lesions.

    Examples
    --------
    >>> nontarget_response(["ABSENT", "ABSENT"])
    'CR'
    >>> nontarget_response(["ABSENT", "PRESENT"])
    'NON-CR/NON-PD'
    >>> nontarget_response(["PRESENT", None])
    'NE'
    >>> nontarget_response([None, "UNEQUIVOCAL PROGRESSION"])
    'PD'
    >>> nontarget_response([]) is None
    True
    """
    states = list(states)
    if not states:
        return None
    if any(s == UNEQUIVOCAL for s in states):
        return PD
    if any(s is None for s in states):
        return NE
    if all(s == ABSENT for s in states):
        return CR
    return NON_CR_NON_PD


def overall_response(target: str | None, nontarget: str | None, new_lesion: bool) -> str:
    """Time-point overall response, RECIST 1.1 tables 4 (targets) and 5 (non-targets only).

    Parameters
    ----------
    target
        Target response, or ``None`` when the subject had no target lesion at baseline.
    nontarget
        Non-target response, or ``None`` when the subject had no non-target lesion at baseline.
    new_lesion
        Whether a new lesion was found.

    Examples
    --------
    >>> overall_response("CR", "NON-CR/NON-PD", False)
    'PR'
    >>> overall_response(None, "NON-CR/NON-PD", False)
    'NON-CR/NON-PD'
    >>> overall_response("SD", None, True)
    'PD'
    """
    if new_lesion or target == PD or nontarget == PD:
        return PD
    if target is None:
        if nontarget in (CR, NON_CR_NON_PD):
            return nontarget
        return NE
    if target == CR:
        return CR if nontarget in (CR, None) else PR
    if target in (PR, SD):
        return target
    return NE


def timepoint_responses(
    tu: pd.DataFrame,
    tr: pd.DataFrame,
    dm: pd.DataFrame,
    *,
    baseline_window_days: int = 28,
) -> pd.DataFrame:
    """Per-visit sums of diameters and RECIST 1.1 responses for every subject with tumour data.

    Parameters
    ----------
    tu, tr, dm
        Normalised domains (see :func:`biomarker.clinical.sdtm.read_domain`).
    baseline_window_days
        How many days before the first dose a baseline scan may be.

    Returns
    -------
    DataFrame
        One row per subject and assessment (baseline included, ``is_baseline``), columns
        ``TIMEPOINT_COLUMNS``; responses are ``None`` at baseline. ``days_from_first_dose`` is 0 on
        the day of first dose; ``pct_change_*`` is missing when a target was not measured.

    Examples
    --------
    >>> tp = timepoint_responses(study.tu, study.tr, study.dm)  # doctest: +SKIP
    >>> tp.loc[~tp.is_baseline, ["usubjid", "visit", "overall_response"]].head()  # doctest: +SKIP
    """
    recs = lesion_records(tu, tr, dm, baseline_window_days=baseline_window_days)
    first_dose = first_dose_dates(dm).to_dict()
    # plain Python records grouped once: per-subject and per-visit pandas selections cost ~20x the rules
    columns = [recs[c].tolist() for c in _RECORD_COLUMNS]
    by_subject: dict[str, list[_Record]] = {}
    for rec in map(_Record._make, zip(*columns, strict=True)):
        if not pd.isna(rec.subject):
            by_subject.setdefault(rec.subject, []).append(rec)
    rows = []
    for subject in sorted(by_subject):
        rows.extend(_subject_timepoints(subject, by_subject[subject], first_dose[subject]))
    out = pd.DataFrame.from_records(rows, columns=list(TIMEPOINT_COLUMNS))
    return out.sort_values(
        ["usubjid", "assessment_date", "is_baseline"], ascending=[True, True, False], kind="stable"
    ).reset_index(drop=True)


class _Record(NamedTuple):
    """One row of :func:`lesion_records` (``_RECORD_COLUMNS``, in this order)."""

    subject: str
    lesion: str
    klass: str
    nodal: bool
    visit: str | None
    visitkey: str
    visitnum: float
    date: pd.Timestamp
    baseline: bool
    value: float
    state: str | None


#: The columns of :func:`lesion_records` read into :class:`_Record`, in its order.
_RECORD_COLUMNS = (
    "USUBJID",
    "LESION",
    "CLASS",
    "NODAL",
    "VISIT",
    "VISITKEY",
    "VISITNUM",
    "DATE",
    "BASELINE",
    "VALUE_MM",
    "STATE",
)


def _first_label(recs: list[_Record], default: str) -> str:
    """The first non-missing ``VISIT`` of some records, else ``default``."""
    return next((r.visit for r in recs if not pd.isna(r.visit)), default)


def _subject_timepoints(subject: str, recs: list[_Record], first_dose: pd.Timestamp) -> list[dict]:
    base = [r for r in recs if r.baseline]
    baseline_values: dict[str, float] = {}
    nodal: dict[str, bool] = {}
    for r in base:
        if r.klass == "TARGET":  # a lesion listed twice: its last record, as a dict built from rows keeps it
            baseline_values[r.lesion] = r.value
            nodal[r.lesion] = r.nodal
    nontargets = sorted({r.lesion for r in base if r.klass == "NON-TARGET"})
    baseline_sum = float(sum(baseline_values.values())) if baseline_values else float("nan")
    rows = []
    if base:
        base_date = max(r.date for r in base)
        rows.append(
            _row(
                subject,
                _first_label(base, "BASELINE"),
                present_min((r.visitnum for r in base), float("nan")),
                base_date,
                int((base_date - first_dose).days),
                True,
                len(baseline_values),
                len(baseline_values),
                baseline_sum,
                baseline_sum,
                np.nan,
                0.0 if baseline_values else np.nan,
                np.nan,
                None,
                None,
                False,
                None,
            )
        )
    visits: dict[str, list[_Record]] = {}
    for r in recs:
        if not r.baseline:
            visits.setdefault(r.visitkey, []).append(r)
    # visits by their first date; a tie in the order of the visit keys
    first_date = {key: min(r.date for r in v) for key, v in visits.items()}
    visit_order = sorted(sorted(first_date), key=first_date.__getitem__)
    nadir = baseline_sum
    for visit_key in visit_order:
        v, date = visits[visit_key], first_date[visit_key]
        tgt = [r for r in v if r.klass == "TARGET"]
        measured = {r.lesion: r.value for r in tgt if not np.isnan(r.value)}
        new = any(r.klass == "NEW" and r.state in (PRESENT, UNEQUIVOCAL) for r in v)
        nt_states = {r.lesion: r.state for r in v if r.lesion in nontargets}
        nt_resp = nontarget_response([nt_states.get(les) for les in nontargets])
        # an UNEQUIVOCAL PROGRESSION state recorded on a target lesion is progression of that lesion
        if any(r.state == UNEQUIVOCAL for r in tgt):
            nt_resp = PD
        if baseline_values:
            all_measured = set(measured) >= set(baseline_values)
            total = float(sum(measured.values()))
            t_resp = target_response(
                total,
                baseline_sum,
                nadir,
                all_measured=all_measured,
                nonnodal_mm=[val for les, val in measured.items() if not nodal[les]],
                nodal_mm=[val for les, val in measured.items() if nodal[les]],
            )
            if all_measured:
                pct_b = 100.0 * (total - baseline_sum) / baseline_sum if baseline_sum > 0 else np.nan
                pct_n = 100.0 * (total - nadir) / nadir if nadir > 0 else np.nan
                sum_mm = total
            else:
                pct_b = pct_n = sum_mm = np.nan
            nadir_before = nadir
        else:
            t_resp, sum_mm, pct_b, pct_n, nadir_before = None, np.nan, np.nan, np.nan, np.nan
            all_measured = True
        overall = overall_response(t_resp, nt_resp, new)
        rows.append(
            _row(
                subject,
                _first_label(v, visit_key),
                present_min((r.visitnum for r in v), float("nan")),
                date,
                int((date - first_dose).days),
                False,
                len(baseline_values),
                len(measured),
                sum_mm,
                baseline_sum,
                nadir_before,
                pct_b,
                pct_n,
                t_resp,
                nt_resp,
                new,
                overall,
            )
        )
        if baseline_values and all_measured:
            nadir = min(nadir, sum_mm)
    return rows


def _row(*values) -> dict:
    return dict(zip(TIMEPOINT_COLUMNS, values, strict=True))
