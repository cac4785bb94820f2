"""Evaluators and response categories in TU/TR/RS: never mix two readers or two criteria.

Real RS/TR/TU carry one record set per evaluator (``--EVAL``: ``INVESTIGATOR``, ``INDEPENDENT ASSESSOR``;
``--EVALID``: ``RADIOLOGIST 1``...), an accepted-read flag for adjudicated independent reads (``--ACPTFL``)
and, in RS, the criteria (``RSCAT``: ``RECIST 1.1``, ``iRECIST``). The primary analysis is the investigator's
RECIST 1.1 (the protocol); the independent review uses, at each time point, the read flagged accepted.

A record without ``--EVAL`` is the investigator's; an RS record without ``RSCAT`` is RECIST 1.1.
"""

from __future__ import annotations

import logging

import pandas as pd

from biomarker.clinical.recist import timepoint_responses
from biomarker.clinical.sdtm import source_of
from biomarker.errors import ConfigError, InputError

log = logging.getLogger(__name__)

INVESTIGATOR = "INVESTIGATOR"
INDEPENDENT = "INDEPENDENT ASSESSOR"
EVALUATORS = ("investigator", "independent")
RECIST11 = "RECIST 1.1"
IRECIST = "IRECIST"


def evaluator_labels(frame: pd.DataFrame, prefix: str) -> pd.Series:
    """``--EVAL`` joined with ``--EVALID`` (``INDEPENDENT ASSESSOR/RADIOLOGIST 1``); missing is the investigator.

    Examples
    --------
    >>> df = pd.DataFrame({"RSEVAL": ["INVESTIGATOR", "INDEPENDENT ASSESSOR", None],
    ...                    "RSEVALID": [None, "RADIOLOGIST 1", None]})
    >>> evaluator_labels(df, "RS").tolist()
    ['INVESTIGATOR', 'INDEPENDENT ASSESSOR/RADIOLOGIST 1', 'INVESTIGATOR']
    """
    ev_col, id_col = f"{prefix}EVAL", f"{prefix}EVALID"
    ev = frame[ev_col] if ev_col in frame else pd.Series(None, index=frame.index, dtype=object)
    ev = ev.astype("string").str.upper().str.strip().fillna(INVESTIGATOR)
    ident = frame[id_col] if id_col in frame else pd.Series(None, index=frame.index, dtype=object)
    ident = ident.astype("string").str.upper().str.strip()
    return (ev + ("/" + ident).fillna("")).astype(object)


def rs_category(rs: pd.DataFrame) -> pd.Series:
    """``RSCAT`` upper-cased; missing is ``RECIST 1.1``."""
    cat = rs["RSCAT"] if "RSCAT" in rs else pd.Series(None, index=rs.index, dtype=object)
    return cat.astype("string").str.upper().str.strip().fillna(RECIST11).astype(object)


def rs_for(rs: pd.DataFrame, category: str = RECIST11, evaluator: str | None = INVESTIGATOR) -> pd.DataFrame:
    """RS rows of one category and one evaluator label (``None``: every evaluator, with ``EVALUATOR``)."""
    if rs.empty:
        return rs.assign(EVALUATOR=pd.Series(dtype=object))
    cats = rs_category(rs)
    known = {RECIST11, IRECIST}
    unknown = sorted(set(cats) - known)
    if unknown:
        log.warning(
            "%s: RS rows with RSCAT %s are neither RECIST 1.1 nor iRECIST: not used",
            source_of(rs, "rs"),
            ", ".join(unknown),
        )
    out = rs[cats.eq(category.upper())].assign(EVALUATOR=evaluator_labels(rs, "RS"))
    if evaluator is not None:
        out = out[out["EVALUATOR"].eq(evaluator)]
    out.attrs.update(rs.attrs)
    return out


def split_tumour_data(tu: pd.DataFrame, tr: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Evaluator label -> its (TU, TR) rows. TU without ``TUEVAL`` is shared by every evaluator."""
    tr_labels = evaluator_labels(tr, "TR")
    tu_labels = evaluator_labels(tu, "TU")
    tu_has_eval = "TUEVAL" in tu and tu["TUEVAL"].notna().any()
    out = {}
    labels = sorted(set(tr_labels))
    for label in labels:
        sub_tr = tr[tr_labels.eq(label)]
        sub_tu = tu[tu_labels.eq(label)] if tu_has_eval else tu
        sub_tr.attrs.update(tr.attrs)
        sub_tu.attrs.update(tu.attrs)
        if len(labels) > 1:  # name the evaluator in every message about these records
            sub_tr.attrs["source"] = f"{source_of(tr, 'tr')} [{label}]"
            sub_tu.attrs["source"] = f"{source_of(tu, 'tu')} [{label}]"
        out[label] = (sub_tu, sub_tr)
    return out


def timepoints_by_evaluator(
    tu: pd.DataFrame, tr: pd.DataFrame, dm: pd.DataFrame, *, baseline_window_days: int = 28
) -> pd.DataFrame:
    """RECIST 1.1 time points derived from TR separately for every evaluator, with an ``evaluator`` column.

    Examples
    --------
    >>> tp = timepoints_by_evaluator(study.tu, study.tr, study.dm)  # doctest: +SKIP
    >>> tp.evaluator.unique()  # doctest: +SKIP
    """
    frames = []
    for label, (sub_tu, sub_tr) in split_tumour_data(tu, tr).items():
        tp = timepoint_responses(sub_tu, sub_tr, dm, baseline_window_days=baseline_window_days)
        frames.append(tp.assign(evaluator=label))
    if not frames:
        empty = timepoint_responses(tu, tr, dm, baseline_window_days=baseline_window_days)
        return empty.assign(evaluator=pd.Series(dtype=object))
    return pd.concat(frames, ignore_index=True)


def select_timepoints(tp: pd.DataFrame, rs: pd.DataFrame, evaluator: str = "investigator") -> pd.DataFrame:
    """The time points of the analysis evaluator.

    ``investigator``: the investigator's reads (an error when the data hold only other evaluators).
    ``independent``: at each subject's baseline and visit, the independent read flagged accepted in RS
    (``RSACPTFL = Y``) -- or, without RS flags, the reader with accepted TR records.
    """
    if evaluator not in EVALUATORS:
        raise ConfigError(f"evaluator must be one of {', '.join(EVALUATORS)}, not {evaluator!r}")
    found = sorted(set(tp["evaluator"]))
    if evaluator == "investigator":
        if found and INVESTIGATOR not in found:
            raise InputError(
                source_of(rs, "tr"),
                f"no investigator assessments; evaluators found: {', '.join(found)}",
                hint="set the evaluator to 'independent' for an independent review",
            )
        return tp[tp["evaluator"].eq(INVESTIGATOR)].reset_index(drop=True)
    readers = [f for f in found if f.startswith(INDEPENDENT)]
    if not readers:
        raise InputError(source_of(rs, "tr"), "no independent assessments (TREVAL = INDEPENDENT ASSESSOR)")
    ind = tp[tp["evaluator"].isin(readers)]
    rs_ind = rs_for(rs, RECIST11, None)
    flag = rs_ind["RSACPTFL"].astype("string").str.upper().eq("Y").fillna(False) if "RSACPTFL" in rs_ind else None
    if flag is None or not flag.any():
        if len(readers) > 1:
            raise InputError(
                source_of(rs, "rs"),
                f"{len(readers)} independent readers and no accepted read (RSACPTFL)",
                hint="flag the adjudicated read with RSACPTFL = Y",
            )
        return ind.reset_index(drop=True)
    acc = rs_ind[flag]
    accepted = set(zip(acc["USUBJID"], acc["RSDTC_DT"], acc["EVALUATOR"], strict=True))
    cols = ["usubjid", "assessment_date", "evaluator", "is_baseline"]
    keep = [base or (s, d, e) in accepted for s, d, e, base in ind[cols].itertuples(index=False)]
    out = ind[keep]
    # one baseline per subject: the reader accepted at the first post-baseline visit
    first_reader = out[~out["is_baseline"]].sort_values("assessment_date").groupby("usubjid")["evaluator"].first()
    base_ok = ~out["is_baseline"] | out["evaluator"].eq(out["usubjid"].map(first_reader))
    return out[base_ok].reset_index(drop=True)
