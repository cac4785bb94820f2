"""Best overall response (BOR) with and without confirmation, RECIST 1.1.

Rules (every number configurable through :class:`BorRules`):

- time points after the first ``PD`` are ignored (and, in :func:`derive_bor`, those after a new
  anticancer therapy);
- ``CR`` is confirmed by another ``CR`` at least ``min_confirm_days`` later, ``PR`` by a ``PR`` or
  ``CR`` at least ``min_confirm_days`` later; between the two only responses at least as good and at most
  ``max_ne_between`` ``NE`` time points may occur. A ``CR`` followed by a ``PR`` is read as a
  ``PR`` that was not truly complete at first (RECIST 1.1 section 4.4, note on CR followed by
  disease), so it confirms a ``PR``;
- otherwise ``SD`` (``NON-CR/NON-PD`` for non-target-only disease) when a time point of ``SD`` or
  better lies at least ``min_sd_days`` after the first dose;
- otherwise ``PD`` when a ``PD`` was documented, else ``NE``.

Without confirmation, the best time-point ``CR`` or ``PR`` counts as it is; ``SD`` still needs
``min_sd_days``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from biomarker.clinical.cleaning import present_min
from biomarker.clinical.recist import CR, NE, NON_CR_NON_PD, PD, PR, SD
from biomarker.clinical.sdtm import first_dose_dates
from biomarker.errors import ConfigError

log = logging.getLogger(__name__)

#: Larger is better; used to compare BORs.
BOR_RANK = {CR: 5, PR: 4, SD: 3, NON_CR_NON_PD: 3, PD: 2, NE: 1}


@dataclass(frozen=True)
class BorRules:
    """Confirmation and duration rules for best overall response.

    Attributes
    ----------
    confirm
        Require confirmation of CR and PR.
    min_confirm_days
        Days between a response and the assessment confirming it (RECIST 1.1: 28).
    min_sd_days
        Days after first dose before SD counts (protocol: 42, the first scan at week 6).
    max_ne_between
        ``NE`` time points allowed between a response and its confirmation.
    cr_then_pr
        A CR followed by a PR: ``"pr"`` (default) reads it as a confirmed PR (RECIST 1.1 section 4.4);
        ``"sd"`` as admiralonco does: the CR is unconfirmed and a PR does not confirm it (BOR SD if the SD
        duration is met).

    Examples
    --------
    >>> BorRules(min_sd_days=35).min_sd_days
    35
    """

    confirm: bool = True
    min_confirm_days: int = 28
    min_sd_days: int = 42
    max_ne_between: int = 1
    cr_then_pr: str = "pr"

    def __post_init__(self) -> None:
        if self.cr_then_pr not in ("pr", "sd"):
            raise ConfigError(f"BorRules.cr_then_pr must be 'pr' or 'sd', not {self.cr_then_pr!r}")
        for name in ("min_confirm_days", "min_sd_days", "max_ne_between"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 0:
                raise ConfigError(f"BorRules.{name} must be >= 0, not {getattr(self, name)}")

    def as_dict(self) -> dict:
        """The rules as a plain dict (for provenance)."""
        return asdict(self)


@dataclass(frozen=True)
class BorCall:
    """One subject's best overall response and the time points it rests on (indices into the input)."""

    bor: str
    response_index: int | None = None
    confirmation_index: int | None = None
    pd_index: int | None = None


def truncate_at_pd(responses: Sequence[str]) -> list[str]:
    """Responses up to and including the first ``PD``.

    Examples
    --------
    >>> truncate_at_pd(["SD", "PD", "PR"])
    ['SD', 'PD']
    """
    out = []
    for r in responses:
        out.append(r)
        if r == PD:
            break
    return out


def _confirmed_from(
    i: int, responses: Sequence[str], days: Sequence[float], allowed: set[str], rules: BorRules
) -> int | None:
    ne = 0
    for k in range(i + 1, len(responses)):
        r = responses[k]
        if r in allowed:
            if days[k] - days[i] >= rules.min_confirm_days:
                return k
        elif r == NE:
            ne += 1
            if ne > rules.max_ne_between:
                return None
        else:
            return None
    return None


def bor_call(
    responses: Sequence[str],
    days: Sequence[float],
    rules: BorRules | None = None,
    *,
    nontarget_only: bool | None = None,
) -> BorCall:
    """Best overall response of one subject, with the indices of the response, its confirmation and PD.

    Parameters
    ----------
    responses
        Time-point overall responses in date order (``CR``, ``PR``, ``SD``, ``NON-CR/NON-PD``,
        ``PD``, ``NE``).
    days
        Days from first dose of each time point.
    rules
        :class:`BorRules`; defaults to confirmation at 28 days, SD at 42 days, one NE between.
    nontarget_only
        The subject had no target lesion at baseline, so stable disease is called
        ``NON-CR/NON-PD``; by default inferred from a ``NON-CR/NON-PD`` time point.

    Examples
    --------
    >>> bor_call(["PR", "NE", "PR"], [42, 84, 126]).bor
    'PR'
    >>> bor_call(["PR", "NE", "PR"], [42, 84, 126], BorRules(max_ne_between=0)).bor
    'SD'
    """
    rules = rules or BorRules()
    if len(responses) != len(days):
        raise ValueError("responses and days differ in length")
    order = np.argsort(np.asarray(days, dtype=float), kind="stable")
    resp = truncate_at_pd([str(responses[i]) for i in order])
    dd = [float(days[i]) for i in order][: len(resp)]
    idx = [int(i) for i in order][: len(resp)]
    pd_index = idx[-1] if resp and resp[-1] == PD else None

    if rules.confirm:
        cr_pair = pr_pair = None
        for i, r in enumerate(resp):
            if r == CR and cr_pair is None:
                k = _confirmed_from(i, resp, dd, {CR}, rules)
                if k is not None:
                    cr_pair = (i, k)
            if r in (CR, PR) and pr_pair is None:
                allowed = {CR} if r == CR and rules.cr_then_pr == "sd" else {CR, PR}
                k = _confirmed_from(i, resp, dd, allowed, rules)
                if k is not None:
                    pr_pair = (i, k)
        if cr_pair is not None:
            # the response starts at the first confirmed PR-or-better (a CR chain is one too)
            start = pr_pair if pr_pair is not None and pr_pair[0] <= cr_pair[0] else cr_pair
            return BorCall(CR, idx[start[0]], idx[cr_pair[1]], pd_index)
        if pr_pair is not None:
            return BorCall(PR, idx[pr_pair[0]], idx[pr_pair[1]], pd_index)
    else:
        for best in (CR, PR):
            hits = [i for i, r in enumerate(resp) if r == best]
            if hits:
                first = next(i for i, r in enumerate(resp) if r in (CR, PR))
                return BorCall(best, idx[first], None, pd_index)
    qualifying = [
        r for r, d in zip(resp, dd, strict=True) if r in (CR, PR, SD, NON_CR_NON_PD) and d >= rules.min_sd_days
    ]
    if qualifying:
        if nontarget_only is None:
            nontarget_only = NON_CR_NON_PD in qualifying
        return BorCall(NON_CR_NON_PD if nontarget_only else SD, None, None, pd_index)
    if pd_index is not None:
        return BorCall(PD, None, None, pd_index)
    return BorCall(NE, None, None, None)


def best_overall_response(
    responses: Sequence[str], days: Sequence[float], rules: BorRules | None = None, **kwargs
) -> str:
    """Best overall response of one subject (see :func:`bor_call` and :class:`BorRules`).

    Keyword arguments override fields of ``rules``.

    Examples
    --------
    >>> best_overall_response(["SD", "PR", "PR"], [42, 84, 126])
    'PR'
    >>> best_overall_response(["PR", "SD", "PD"], [42, 84, 126])
    'SD'
    >>> best_overall_response(["SD", "PD"], [35, 84])
    'PD'
    >>> best_overall_response(["CR", "PD"], [42, 84], confirm=False)
    'CR'
    """
    rules = rules or BorRules()
    if kwargs:
        rules = BorRules(**{**rules.as_dict(), **kwargs})
    return bor_call(responses, days, rules).bor


BOR_COLUMNS = (
    "usubjid",
    "bor",
    "bor_unconfirmed",
    "first_response_date",
    "first_response_day",
    "confirmation_date",
    "first_pd_date",
    "n_assessments",
    "best_pct_change_from_baseline",
)


def derive_bor(
    timepoints: pd.DataFrame,
    dm: pd.DataFrame,
    rules: BorRules | None = None,
    *,
    new_therapy: pd.Series | None = None,
    data_cutoff: pd.Timestamp | None = None,
    response_col: str = "overall_response",
) -> pd.DataFrame:
    """Best overall response of every treated subject.

    Parameters
    ----------
    timepoints
        Output of :func:`biomarker.clinical.recist.timepoint_responses` (or any frame with
        ``usubjid, assessment_date, days_from_first_dose`` and ``response_col``).
    dm
        Normalised DM: the treated subjects (``RFSTDTC``) are the population; a subject without
        tumour assessments gets ``NE``.
    rules
        :class:`BorRules`.
    new_therapy
        ``USUBJID`` -> start of new anticancer therapy; later assessments are ignored.
    data_cutoff
        Assessments after it are ignored.

    Returns
    -------
    DataFrame
        ``BOR_COLUMNS``; ``first_response_day`` counts the first dose as day 1.

    Examples
    --------
    >>> bor = derive_bor(tp, study.dm)  # doctest: +SKIP
    >>> bor.bor.value_counts()  # doctest: +SKIP
    """
    rules = rules or BorRules()
    unconfirmed = BorRules(**{**rules.as_dict(), "confirm": False})
    first_dose = first_dose_dates(dm)
    post = timepoints[~timepoints.get("is_baseline", pd.Series(False, index=timepoints.index)).astype(bool)]
    post = post[post[response_col].notna()]
    if data_cutoff is not None:
        post = post[post["assessment_date"] <= data_cutoff]
    groups = _subject_records(post, response_col)
    therapy = {} if new_therapy is None else new_therapy.to_dict()
    rows = []
    for subject, dose in first_dose.items():
        g = groups.get(subject, [])
        start = therapy.get(subject, pd.NaT)
        if g and not pd.isna(start):
            g = [r for r in g if r.date <= start]
        if not g:
            rows.append(
                dict(zip(BOR_COLUMNS, (subject, NE, NE, pd.NaT, np.nan, pd.NaT, pd.NaT, 0, np.nan), strict=True))
            )
            continue
        resp = [r.response for r in g]
        days = [r.day for r in g]
        nt_only = all(r.no_targets for r in g) if "n_target_lesions" in post else None
        call = bor_call(resp, days, rules, nontarget_only=nt_only)
        plain = bor_call(resp, days, unconfirmed, nontarget_only=nt_only)
        start = g[call.response_index].date if call.response_index is not None else pd.NaT
        conf = g[call.confirmation_index].date if call.confirmation_index is not None else pd.NaT
        pd_date = g[call.pd_index].date if call.pd_index is not None else pd.NaT
        upto = g if call.pd_index is None else g[: call.pd_index + 1]
        rows.append(
            {
                "usubjid": subject,
                "bor": call.bor,
                "bor_unconfirmed": plain.bor,
                "first_response_date": start,
                "first_response_day": (start - dose).days + 1 if not pd.isna(start) else np.nan,
                "confirmation_date": conf,
                "first_pd_date": pd_date,
                "n_assessments": len(g),
                "best_pct_change_from_baseline": present_min((r.pct_change for r in upto), np.nan),
            }
        )
    return pd.DataFrame.from_records(rows, columns=list(BOR_COLUMNS))


class _TimePoint(NamedTuple):
    date: pd.Timestamp
    day: float
    response: str
    no_targets: bool
    pct_change: float


def _subject_records(post: pd.DataFrame, response_col: str) -> dict[str, list[_TimePoint]]:
    """Subject -> its time points in date order (a stable sort, as per subject), as plain tuples: per-subject
    pandas selections, sorts and ``.loc`` cost ~20x the rules."""
    post = post.sort_values("assessment_date", kind="stable")
    nan = [np.nan] * len(post)
    columns = (
        post["assessment_date"].tolist(),
        post["days_from_first_dose"].astype(float).tolist(),
        post[response_col].astype(str).tolist(),
        (post["n_target_lesions"] == 0).tolist() if "n_target_lesions" in post else [False] * len(post),
        post["pct_change_from_baseline"].tolist() if "pct_change_from_baseline" in post else nan,
    )
    groups: dict[str, list[_TimePoint]] = {}
    for subject, *values in zip(post["usubjid"].tolist(), *columns, strict=True):
        groups.setdefault(subject, []).append(_TimePoint(*values))
    return groups


from biomarker.clinical.rs_responses import compare_with_investigator, investigator_timepoints  # noqa: E402

__all__ = [
    "BOR_COLUMNS",
    "BOR_RANK",
    "BorCall",
    "BorRules",
    "best_overall_response",
    "bor_call",
    "compare_with_investigator",
    "derive_bor",
    "investigator_timepoints",
    "truncate_at_pd",
]
