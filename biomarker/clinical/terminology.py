"""Controlled terminology of the safety and disposition domains, mapped explicitly.

Each variable's delivered values (upper-cased, stripped) map onto the few categories the tables use; a
value not in the map is an error that lists every unknown value and its count, never a silent "no".
A user mapping (``endpoints: terminology:`` in ``study.yaml``) extends or overrides the defaults, e.g.
``{"AEREL": {"SUSPECTED": "Y"}}``. The same table is in ``docs/controlled-terminology.md``.

Per-drug relatedness and actions (two study drugs: toripalimab and axitinib) come from SUPPAE records
whose ``QNAM`` starts with ``AEREL`` or ``AEACN`` (``AEREL1``, ``AEACNTOR``...); the drug is named in
``QLABEL`` or ``QNAM``, or given by the user (``suppae_drugs: {AEREL1: TORIPALIMAB}``). ``AEACN =
MULTIPLE`` means: look at the per-drug actions.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from biomarker.clinical.sdtm import source_of
from biomarker.errors import InputError

#: Relatedness: ``Y`` (related to study treatment) or ``N``. CDISC codes Y/N; sponsors often write the
#: investigator's causality scale, read here as: possibly, probably, definitely related -> Y; unlikely,
#: remote, not related, none -> N.
AEREL = {
    **dict.fromkeys(
        [
            "Y",
            "YES",
            "RELATED",
            "POSSIBLY RELATED",
            "PROBABLY RELATED",
            "DEFINITELY RELATED",
            "POSSIBLE",
            "PROBABLE",
            "DEFINITE",
            "RELATED TO STUDY DRUG",
            "SUSPECTED",
        ],
        "Y",
    ),
    **dict.fromkeys(
        ["N", "NO", "NOT RELATED", "UNRELATED", "UNLIKELY RELATED", "UNLIKELY", "REMOTE", "NONE", "NOT SUSPECTED"], "N"
    ),
}
#: Action taken with study treatment (CDISC ACN codelist C66767) -> category.
AEACN = {
    "DRUG WITHDRAWN": "withdrawn",
    "DOSE REDUCED": "reduced",
    "DRUG INTERRUPTED": "interrupted",
    "DOSE INCREASED": "increased",
    "DOSE NOT CHANGED": "not_changed",
    "DOSE RATE REDUCED": "reduced",
    "NOT APPLICABLE": "not_applicable",
    "UNKNOWN": "unknown",
    "MULTIPLE": "multiple",
}
AESER = {"Y": "Y", "YES": "Y", "N": "N", "NO": "N"}
#: CTCAE grade; ``GRADE 3`` and ``3`` are the same.
AETOXGR = {**{str(g): g for g in range(1, 6)}, **{f"GRADE {g}": g for g in range(1, 6)}}
#: Severity, used as a grade only when AETOXGR is absent (with a warning): mild 1, moderate 2, severe 3.
AESEV = {"MILD": 1, "MODERATE": 2, "SEVERE": 3}
AEOUT = {
    "RECOVERED/RESOLVED": "recovered",
    "RECOVERING/RESOLVING": "recovering",
    "NOT RECOVERED/NOT RESOLVED": "not_recovered",
    "RECOVERED/RESOLVED WITH SEQUELAE": "recovered_with_sequelae",
    "FATAL": "fatal",
    "UNKNOWN": "unknown",
}
#: Disposition (CDISC NCOMPLT and protocol-milestone terms) -> category.
DSDECOD = {
    **dict.fromkeys(["COMPLETED", "ONGOING"], "completed_or_ongoing"),
    **dict.fromkeys(
        [
            "ADVERSE EVENT",
            "DEATH",
            "LOST TO FOLLOW-UP",
            "PHYSICIAN DECISION",
            "PROGRESSIVE DISEASE",
            "DISEASE PROGRESSION",
            "WITHDRAWAL BY SUBJECT",
            "WITHDRAWAL OF CONSENT",
            "STUDY TERMINATED BY SPONSOR",
            "SITE TERMINATED BY SPONSOR",
            "PROTOCOL VIOLATION",
            "PROTOCOL DEVIATION",
            "LACK OF EFFICACY",
            "PREGNANCY",
            "NON-COMPLIANCE WITH STUDY DRUG",
            "TECHNICAL PROBLEMS",
            "RECOVERY",
            "OTHER",
            "NEW ANTICANCER THERAPY",
            "WITHDRAWAL BY PARENT/GUARDIAN",
            "FAILURE TO MEET RANDOMIZATION CRITERIA",
            "CLINICAL PROGRESSION",
        ],
        "discontinued",
    ),
    **dict.fromkeys(["SCREEN FAILURE"], "screen_failure"),
    **dict.fromkeys(
        [
            "RANDOMIZED",
            "INFORMED CONSENT OBTAINED",
            "ENROLLED",
            "FINAL LAB VISIT",
            "FINAL RETRIEVAL VISIT",
            "ELIGIBILITY CRITERIA MET",
            "TREATED",
        ],
        "milestone",
    ),
}

DEFAULT_MAPS: dict[str, dict] = {
    "AEREL": AEREL,
    "AEACN": AEACN,
    "AESER": AESER,
    "AETOXGR": AETOXGR,
    "AESEV": AESEV,
    "AEOUT": AEOUT,
    "DSDECOD": DSDECOD,
}


def terminology(user: Mapping[str, Mapping[str, object]] | None = None) -> dict[str, dict]:
    """The default maps with the user's entries merged in (keys upper-cased).

    Examples
    --------
    >>> terminology({"aerel": {"suspected related": "Y"}})["AEREL"]["SUSPECTED RELATED"]
    'Y'
    """
    maps = {k: dict(v) for k, v in DEFAULT_MAPS.items()}
    for var, entries in (user or {}).items():
        target = maps.setdefault(str(var).upper(), {})
        for value, mapped in dict(entries).items():
            target[str(value).strip().upper()] = mapped
    return maps


def map_values(frame: pd.DataFrame, col: str, maps: Mapping[str, Mapping], *, source: str | None = None) -> pd.Series:
    """Map a coded column; missing stays missing; any value not in the map raises one error listing them all.

    Examples
    --------
    >>> ae = pd.DataFrame({"AEREL": ["RELATED", "NOT RELATED", None]})
    >>> map_values(ae, "AEREL", terminology()).tolist()
    ['Y', 'N', None]
    """
    table = maps[col]
    text = frame[col].astype("string").str.strip().str.upper()
    if pd.api.types.is_numeric_dtype(frame[col]):
        text = frame[col].map(lambda v: None if pd.isna(v) else f"{v:g}").astype("string")
    unknown = text[text.notna() & ~text.isin(list(table))]
    if len(unknown):
        counts = unknown.value_counts()
        listed = ", ".join(f"{v!r} ({n} records)" for v, n in counts.items())
        raise InputError(
            source or source_of(frame, col[:2].lower()),
            f"{col} values not in the controlled-terminology map: {listed}",
            where=f"column {col}",
            hint=f"map them in study.yaml (endpoints: terminology: {col}: {{VALUE: ...}}); "
            f"known: {', '.join(sorted(map(str, table)))}",
        )
    return text.map(lambda v: None if pd.isna(v) else table[v]).astype(object)


def _drug_of(qnam: str, qlabel: str | None, drugs: tuple[str, ...], user: Mapping[str, str]) -> str | None:
    if qnam in user:
        return str(user[qnam]).upper()
    for text in (qlabel or "", qnam[5:]):
        upper = text.upper()
        for drug in drugs:
            if drug in upper or (len(upper) >= 3 and drug.startswith(upper)):
                return drug
    return None


def per_drug_flags(
    ae: pd.DataFrame,
    suppae: pd.DataFrame,
    drugs: tuple[str, ...],
    maps: Mapping[str, Mapping],
    *,
    user_qnams: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per-drug relatedness and action from SUPPAE, one row per AE (index of ``ae``).

    Returns columns ``AEREL_<DRUG>`` (``Y``/``N``) and ``AEACN_<DRUG>`` (category) for every drug with SUPPAE
    data; an ``AEREL*``/``AEACN*`` QNAM naming no study drug is an error.
    """
    out = pd.DataFrame(index=ae.index)
    if suppae is None or suppae.empty or "AESEQ" not in ae:
        return out
    src = source_of(suppae, "suppae")
    sup = suppae[suppae["QNAM"].astype("string").str.upper().str.match(r"^AE(REL|ACN)").fillna(False)]
    if sup.empty:
        return out
    sup = sup[sup["IDVAR"].astype("string").str.upper().eq("AESEQ").fillna(False)]
    user_qnams = {str(k).upper(): v for k, v in (user_qnams or {}).items()}
    key = ae["USUBJID"].astype(str) + "|" + ae["AESEQ"].map(lambda v: "" if pd.isna(v) else f"{float(v):g}")
    # AE key -> row numbers of every row whose index label is one of that key's (what .loc[label] would set)
    label_rows: dict[object, list[int]] = {}
    for i, label in enumerate(ae.index):
        label_rows.setdefault(label, []).append(i)
    key_rows: dict[str, list[int]] = {}
    for k, label in zip(key.tolist(), ae.index, strict=True):
        key_rows.setdefault(k, []).extend(label_rows[label])
    for qnam, grp in sup.groupby(sup["QNAM"].astype(str).str.upper()):
        label = grp["QLABEL"].dropna().iloc[0] if "QLABEL" in grp and grp["QLABEL"].notna().any() else None
        drug = _drug_of(qnam, label, drugs, user_qnams)
        if drug is None:
            raise InputError(
                src,
                f"SUPPAE {qnam} ({label or 'no QLABEL'}) names none of the study drugs {', '.join(drugs)}",
                hint=f"say which drug it is: endpoints: suppae_drugs: {{{qnam}: DRUG}}",
            )
        var = qnam[:5]
        values = map_values(grp.rename(columns={"QVAL": var}), var, maps, source=src)
        keys = grp["USUBJID"].astype(str) + "|" + grp["IDVARVAL"].map(lambda v: f"{float(v):g}")
        col = f"{var}_{drug}"
        column = [None] * len(out)
        for k, v in zip(keys, values, strict=True):
            for i in key_rows.get(k, ()):
                column[i] = v
        out[col] = pd.Series(column, index=out.index, dtype=object)
    return out
