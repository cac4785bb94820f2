"""The patient table: one row per subject, assembled from store tables only (never from a study folder).

What the models see is what the store holds: the PD-L1 values ``biomarker run`` stored (wherever the pathology
file lived), the TBNK features of a lab export or of gated FCS files, the TMB of the preset the run used, and
only tumours whose ``status`` is ``ok`` (a sample dropped from the samplesheet is ``stale`` and never used).

The registry
------------
:data:`FEATURE_SOURCES` says which store table gives which per-subject columns and of what kind:

- ``covariate``: clinical covariates (DM);
- ``baseline``: measured before the first dose (usable in any model);
- ``on_treatment``: measured after the first dose; usable only in a landmark analysis (guarantee-time bias);
- ``info`` (bookkeeping such as ``tmb_sample``, :data:`~biomarker.models.features.INFO_COLUMNS`) and ``outcome``
  are set by the assembly, never features.

Adding a per-subject table is one line: ``FeatureSource("genomic_features", "baseline")`` joins every column of
a table keyed by ``usubjid`` (one row per subject; a ``sample`` column picks the tumour TMB used). A table that
needs reshaping names a ``prepare`` function (store tables -> one row per ``usubjid``); a table mixing baseline
and on-treatment columns names an ``on_treatment`` pattern (a regular expression on column names). Outcomes
come from the endpoint tables (``endpoint_bor``, ``endpoint_pfs``, ``endpoint_os``) through
:func:`~biomarker.models.features.derive_outcomes`.

Examples
--------
>>> import pandas as pd
>>> tables = {
...     "subjects": pd.DataFrame({"usubjid": ["S1", "S2"], "age_years": [61, 70]}),
...     "pdl1": pd.DataFrame({"usubjid": ["S2"], "pdl1_tps_pct": [55.0], "pdl1_category": [">=50"]}),
... }
>>> res = compute_patients(tables)
>>> res.tables["patients"][["usubjid", "age_years", "pdl1_tps_pct", "pdl1_tps_ordinal"]].values.tolist()
[['S1', 61, nan, nan], ['S2', 70, 55.0, 2.0]]
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from biomarker import store as st
from biomarker.errors import InputError
from biomarker.models.features import INFO_COLUMNS, PDL1_ORDINAL, derive_outcomes
from biomarker.results import Result, make_provenance

log = logging.getLogger(__name__)
Tables = Mapping[str, pd.DataFrame]
_TYPE_PRIORITY = {"tumor_normal": 0, "maf": 1, "tumor_only": 2}
KINDS = ("covariate", "baseline", "on_treatment")


@dataclass(frozen=True)
class FeatureSource:
    """One store table that gives per-subject columns.

    Parameters
    ----------
    table
        Store table name.
    kind
        ``covariate``, ``baseline`` or ``on_treatment``: the kind of every column it gives ...
    on_treatment
        ... except columns matching this regular expression, which are ``on_treatment``.
    prepare
        ``prepare(frame, tables) -> DataFrame`` with one row per ``usubjid``; ``None`` takes the table as it is.
    description
        One line for the ``feature_sources`` table.
    """

    table: str
    kind: str = "baseline"
    on_treatment: str | None = None
    prepare: Callable[[pd.DataFrame, Tables], pd.DataFrame] | None = None
    description: str = ""

    def kind_of(self, column: str) -> str:
        """The kind of one column of this source."""
        if self.on_treatment is not None and re.search(self.on_treatment, column):
            return "on_treatment"
        return self.kind


def one_tmb_per_subject(results: pd.DataFrame, tables: Tables | None = None) -> pd.DataFrame:
    """One TMB per subject from ``tmb_results`` (+ ``samples`` for the sample type): only ``ok`` rows (failed and
    stale tumours are logged and left out); tumour/normal preferred over MAF over tumour-only, then by sample.

    Examples
    --------
    >>> rows = pd.DataFrame({"usubjid": ["P1", "P1", "P2", "P3"], "sample": ["P1-T.maf", "P1-T", "P2-T", "P3-T"],
    ...                      "sample_type": ["maf", "tumor_normal", "tumor_normal", "tumor_normal"],
    ...                      "status": ["ok", "ok", "ok", "stale"], "preset": "wes",
    ...                      "tmb_per_mb": [9.0, 10.5, 3.0, 50.0], "tmb_high": [False, True, False, True]})
    >>> one_tmb_per_subject(rows)[["usubjid", "tmb_sample", "tmb_high"]].values.tolist()
    [['P1', 'P1-T', 1.0], ['P2', 'P2-T', 0.0]]
    """
    frame = results.rename(columns={"patient": "usubjid"}).copy()
    samples = (tables or {}).get("samples")
    if "sample_type" not in frame and samples is not None and "sample_type" in samples:
        frame = frame.merge(samples[["sample", "sample_type"]], on="sample", how="left")
    for column in ("usubjid", "sample", "tmb_per_mb"):
        if column not in frame.columns:
            raise InputError(
                None,
                f"the TMB results have no {column!r} column",
                hint="pass the store written by `biomarker batch`/`biomarker run`",
            )
    status = frame["status"].astype(str) if "status" in frame else pd.Series("ok", index=frame.index)
    for _, r in frame[status != "ok"].iterrows():
        log.info("TMB of %s not used: %s (%s)", r["sample"], r.get("status"), r.get("reason") or "")
    frame = frame[status == "ok"]
    frame = frame.assign(
        _priority=frame.get("sample_type", pd.Series(index=frame.index, dtype=object)).map(
            lambda t: _TYPE_PRIORITY.get(str(t), 9)
        )
    )
    frame = frame.sort_values(["usubjid", "_priority", "sample"], kind="stable").drop_duplicates("usubjid")
    tmb = pd.to_numeric(frame["tmb_per_mb"], errors="coerce")
    high = frame["tmb_high"] if "tmb_high" in frame else pd.Series(np.nan, index=frame.index)
    out = pd.DataFrame(
        {
            "usubjid": frame["usubjid"].astype(str),
            "tmb_sample": frame["sample"].astype(str),
            "tmb_per_mb": tmb,
            "tmb_log2": np.log2(tmb + 1.0),
            "tmb_ci95_low_per_mb": pd.to_numeric(frame.get("tmb_ci95_low_per_mb"), errors="coerce"),
            "tmb_ci95_high_per_mb": pd.to_numeric(frame.get("tmb_ci95_high_per_mb"), errors="coerce"),
            "tmb_high": high.astype(str).str.lower().map({"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0}),
        }
    )
    presets = sorted(frame["preset"].dropna().astype(str).unique()) if "preset" in frame else []
    if len(presets) > 1:
        log.warning("the stored TMB values come from several presets (%s): re-run with one preset", ", ".join(presets))
    out.attrs["presets"] = presets
    return out.reset_index(drop=True)


def _pdl1(frame: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    p = frame.rename(columns={"assay": "pdl1_assay"}).copy()
    p["usubjid"] = p["usubjid"].astype(str)
    if p["usubjid"].duplicated().any():
        log.warning("several pathology reports for some subjects: the first is used")
        p = p.drop_duplicates("usubjid", keep="first")
    keep = [
        c
        for c in (
            "usubjid",
            "pdl1_assay",
            "pdl1_tps_pct",
            "pdl1_tps_low_pct",
            "pdl1_tps_high_pct",
            "pdl1_category",
            "pdl1_cps",
            "tissue_adequate",
            "til_stromal_pct",
        )
        if c in p.columns
    ]
    p = p[keep]
    if "pdl1_category" in p:
        p["pdl1_tps_ordinal"] = p["pdl1_category"].map(PDL1_ORDINAL).astype(float)
    return p


def _genomic(frame: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    """The feature columns of each subject's primary tumour (no bookkeeping, text or CI columns)."""
    from biomarker.genomic import baseline_features

    return baseline_features(frame)


def _subjects(frame: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    return frame.assign(usubjid=frame["usubjid"].astype(str)).drop_duplicates("usubjid")


#: Which store table gives which per-subject columns (see the module docstring). Order = column order.
FEATURE_SOURCES: list[FeatureSource] = [
    FeatureSource(st.SUBJECTS, "covariate", prepare=_subjects, description="age, sex, ECOG, smoking, histology (DM)"),
    FeatureSource(
        "tmb_results",
        "baseline",
        prepare=one_tmb_per_subject,
        description="TMB of the run's preset, one ok tumour per subject",
    ),
    FeatureSource(st.PDL1, "baseline", prepare=_pdl1, description="PD-L1 TPS/CPS and stromal TILs (pathology)"),
    FeatureSource(
        st.TBNK_FEATURES_WIDE,
        "baseline",
        on_treatment=r"(change|_c(?!1d1)\d+d\d+)",
        description="TBNK subsets at C1D1 (baseline) and on treatment (lab export or gated FCS)",
    ),
    FeatureSource(
        "genomic_features",
        "baseline",
        prepare=_genomic,
        description="signatures and co-mutations of the primary tumour (issue 17)",
    ),
]
#: Endpoint tables the outcomes come from.
OUTCOME_TABLES = {"bor": st.ENDPOINT_PREFIX + "bor", "pfs": st.ENDPOINT_PREFIX + "pfs", "os": st.ENDPOINT_PREFIX + "os"}


def _per_subject(
    source: FeatureSource, frame: pd.DataFrame, tables: Tables, chosen: pd.DataFrame | None
) -> pd.DataFrame:
    out = source.prepare(frame, tables) if source.prepare is not None else frame.copy()
    if "usubjid" not in out.columns:
        out = out.reset_index() if out.index.name == "usubjid" else out
    if "usubjid" not in out.columns:
        raise InputError(
            None,
            f"store table {source.table!r} has no usubjid column",
            hint="every per-subject store table is keyed by usubjid",
        )
    out["usubjid"] = out["usubjid"].astype(str)
    if "sample" in out.columns and chosen is not None and out["usubjid"].duplicated().any():
        preferred = out["sample"].isin(set(chosen["tmb_sample"]))
        out = out.assign(_p=~preferred).sort_values(["usubjid", "_p"], kind="stable").drop(columns="_p")
    if out["usubjid"].duplicated().any():
        log.warning("store table %s has several rows for some subjects: the first is used", source.table)
        out = out.drop_duplicates("usubjid", keep="first")
    return out.drop(columns=[c for c in ("sample", "visit") if c in out.columns and source.prepare is None])


def compute_patients(tables: Tables, sources: list[FeatureSource] | None = None) -> Result:
    """The patient table from store tables (a mapping name -> frame; see :func:`read_store_tables`).

    Returns
    -------
    Result
        ``tables["patients"]``: ``usubjid``, every registered source's columns, the outcomes of
        :data:`~biomarker.models.features.OUTCOME_COLUMNS`; subjects are those of ``subjects`` (DM), else of the
        endpoint tables, else of every source. ``tables["feature_sources"]``: ``feature, source_table, kind``.
        The provenance names the tables read, the TMB preset and the input files (SHA-256) behind each table.
    """
    sources = FEATURE_SOURCES if sources is None else sources
    parts: list[tuple[FeatureSource, pd.DataFrame]] = []
    chosen = None
    for source in sources:
        frame = tables.get(source.table)
        if frame is None or frame.empty:
            continue
        part = _per_subject(source, frame, tables, chosen)
        if source.table == "tmb_results":
            chosen = part
        parts.append((source, part))
    bor = tables.get(OUTCOME_TABLES["bor"])
    outcomes = None
    if bor is not None and all(tables.get(t) is not None for t in OUTCOME_TABLES.values()):
        outcomes = derive_outcomes(bor, tables[OUTCOME_TABLES["pfs"]], tables[OUTCOME_TABLES["os"]])
    if parts and parts[0][0].table == st.SUBJECTS:
        table = parts.pop(0)[1]
        kinds = [(c, st.SUBJECTS, "covariate") for c in table.columns if c != "usubjid"]
    else:
        ids = set(outcomes["usubjid"]) if outcomes is not None else {u for _, p in parts for u in p["usubjid"]}
        table, kinds = pd.DataFrame({"usubjid": sorted(ids)}), []
    warnings: list[str] = []
    known = set(table["usubjid"])
    for source, part in parts:
        unknown = sorted(set(part["usubjid"]) - known)
        if unknown:
            warnings.append(
                f"{source.table}: {len(unknown)} subject(s) not among the study's subjects, left out: "
                f"{', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''}"
            )
            log.warning("%s", warnings[-1])
        clash = sorted(set(part.columns) & set(table.columns) - {"usubjid"})
        if clash:
            raise InputError(
                None,
                f"store table {source.table!r} repeats column(s) {', '.join(clash)} of another source",
                hint="rename them in the step that writes the table",
            )
        table = table.merge(part, on="usubjid", how="left")
        kinds += [
            (c, source.table, "info" if c in INFO_COLUMNS else source.kind_of(c))
            for c in part.columns
            if c != "usubjid"
        ]
    if outcomes is not None:
        table = table.merge(outcomes, on="usubjid", how="left")
        kinds += [(c, "endpoint_bor/pfs/os", "outcome") for c in outcomes.columns if c != "usubjid"]
    table = table.sort_values("usubjid", kind="stable").reset_index(drop=True)
    feature_sources = pd.DataFrame(kinds, columns=["feature", "source_table", "kind"])
    used = [s.table for s, _ in parts] + ([st.SUBJECTS] if st.SUBJECTS in tables else [])
    presets = chosen.attrs.get("presets", []) if chosen is not None else []
    read = sorted(set(used) | (set(OUTCOME_TABLES.values()) if outcomes is not None else set()))
    table_inputs = {
        name: {
            k: v.get("sha256")
            for k, v in tables[name].attrs.get("provenance", {}).get("inputs", {}).items()
            if isinstance(v, dict)
        }
        for name in read
        if name in tables
    }
    provenance = make_provenance(
        "patients",
        {"sources": [s.table for s in sources]},
        tables_read=read,
        table_inputs={k: v for k, v in table_inputs.items() if v},
        tmb_preset=presets[0] if len(presets) == 1 else presets or None,
        warnings=warnings,
    )
    table.attrs["sources"] = {s.table: s.description for s, _ in parts}
    table.attrs["feature_kinds"] = dict(zip(feature_sources["feature"], feature_sources["kind"], strict=True))
    return Result(
        "patients", {"patients": table, "feature_sources": feature_sources}, provenance, summary_table="patients"
    )


def read_store_tables(
    store: st.Store | str | os.PathLike[str], sources: list[FeatureSource] | None = None
) -> dict[str, pd.DataFrame]:
    """The store tables the patient table needs (those present), plus each one's stored provenance in
    ``frame.attrs["provenance"]``."""
    names = {s.table for s in (FEATURE_SOURCES if sources is None else sources)}
    names |= set(OUTCOME_TABLES.values()) | {"samples", st.SUBJECTS}

    def read(s: st.Store) -> dict[str, pd.DataFrame]:
        present = set(s.tables())
        out = {}
        for name in sorted(names & present):
            out[name] = s.table(name)
            out[name].attrs["provenance"] = s.provenance(name)
        return out

    if isinstance(store, st.Store):
        return read(store)
    with st.Store(store, read_only=True) as s:
        return read(s)


def patient_table(store: st.Store | str | os.PathLike[str]) -> pd.DataFrame:
    """One row per subject from a store (path or open :class:`~biomarker.store.Store`).

    Examples
    --------
    >>> table = patient_table("results/study.duckdb")  # doctest: +SKIP
    >>> table[["usubjid", "tmb_per_mb", "pdl1_tps_pct", "response"]].head()  # doctest: +SKIP
    """
    return compute_patients(read_store_tables(store)).tables["patients"]


def covariates_from_dm(dm: pd.DataFrame) -> pd.DataFrame:
    """The ``subjects`` store table from an SDTM DM frame: ``usubjid, age_years, sex, ecog, smoking, histology``.

    Examples
    --------
    >>> covariates_from_dm(pd.DataFrame({"USUBJID": ["S1"], "AGE": ["64"], "SEX": ["F"]})).columns.tolist()
    ['usubjid', 'age_years', 'sex', 'ecog', 'smoking', 'histology']
    """
    get = lambda c: dm[c] if c in dm else pd.Series(np.nan, index=dm.index)  # noqa: E731
    return pd.DataFrame(
        {
            "usubjid": dm["USUBJID"].astype(str),
            "age_years": pd.to_numeric(get("AGE"), errors="coerce"),
            "sex": get("SEX").astype(object),
            "ecog": pd.to_numeric(get("ECOG"), errors="coerce"),
            "smoking": get("SMOKING").astype(object),
            "histology": get("HISTOLOGY").astype(object),
        }
    )


__all__ = [
    "FEATURE_SOURCES",
    "FeatureSource",
    "compute_patients",
    "covariates_from_dm",
    "one_tmb_per_subject",
    "patient_table",
    "read_store_tables",
]
