"""Run every trial endpoint of a study folder: compute in memory, write on request.

``run_endpoints(study_dir)`` reads ``STUDYDIR/clinical`` (SDTM CSV/XPT, read as sponsors deliver it) -- or,
when it holds no lesion data, ``STUDYDIR/adam`` (ADaM through a column map) -- and derives, per the rules of an
:class:`~biomarker.clinical.config.EndpointConfig`:

- RECIST 1.1 time points from TR for every evaluator, the analysis evaluator's (investigator by default) BOR,
  ORR/DCR/CBR, TTR, DoR, PFS (censored at new anticancer therapy from DS/CM), OS (censored at LSTALVDT);
- the agreement of our TR-derived time points with every evaluator's RS rows (``timepoint_agreement``), the
  investigator's RECIST 1.1 BOR, and iRECIST as its own secondary analysis when RS holds iRECIST rows;
- populations, disposition, exposure per drug, deaths and the AE tables (:mod:`biomarker.clinical.safety_tables`).

The ADaM path is :mod:`biomarker.clinical.adam_endpoints`.

It returns an :class:`~biomarker.clinical.result.EndpointResult`; ``run_endpoints(study_dir, out_dir)`` also
writes it (TSV, PNG, ``provenance.json``) atomically.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from biomarker.clinical.adam_endpoints import adam_endpoints
from biomarker.clinical.bor import compare_with_investigator, derive_bor, investigator_timepoints
from biomarker.clinical.config import EndpointConfig
from biomarker.clinical.efficacy import (
    clinical_benefit,
    derive_dor,
    derive_os,
    derive_pfs,
    follow_up_ended,
    last_known_alive,
    new_therapy_dates,
    response_rates,
    time_to_response,
)
from biomarker.clinical.evaluators import INVESTIGATOR, select_timepoints, timepoints_by_evaluator
from biomarker.clinical.irecist import derive_irecist_bor, irecist_timepoints
from biomarker.clinical.result import EndpointResult, WarningLog, write_tsv
from biomarker.clinical.safety_tables import safety_tables, study_teae
from biomarker.clinical.sdtm import find_domain_file, first_dose_dates, load_study
from biomarker.clinical.study_tables import deaths, disposition, efficacy_evaluable, exposure, populations
from biomarker.clinical.summary_rows import SUMMARY_COLUMNS, km_rows, km_tables, rate_rows, ttr_rows
from biomarker.clinical.survival import CI_METHOD, days_to_months, kaplan_meier
from biomarker.clinical.terminology import map_values, terminology
from biomarker.files import sha256_file

log = logging.getLogger(__name__)

#: Kept for callers of the old name.
EndpointResults = EndpointResult


def run_endpoints(
    study_dir: str | Path,
    out_dir: str | Path | None = None,
    config: EndpointConfig | None = None,
) -> EndpointResult:
    """Derive every trial endpoint of a study; write tables and figures to ``out_dir`` when given.

    Parameters
    ----------
    study_dir
        Study folder with ``clinical/`` (SDTM: dm, tu, tr required; ex, rs, ae, suppae, ds, cm, sv optional;
        ``study.json`` with the data cut-off) or, failing lesion data, ``adam/`` (ADaM).
    out_dir
        Output folder (created); ``None`` computes only (``result.write(folder)`` writes later).
    config
        :class:`EndpointConfig` (every rule; recorded in the provenance).

    Returns
    -------
    EndpointResult

    Examples
    --------
    >>> res = run_endpoints("runs/sim01")  # doctest: +SKIP
    >>> res.summary.set_index(["endpoint", "source"]).loc[("orr", "derived"), "estimate"]  # doctest: +SKIP
    0.28
    """
    config = config or EndpointConfig()
    study_dir = Path(study_dir)
    clinical = study_dir / "clinical" if (study_dir / "clinical").is_dir() else study_dir
    use_adam = find_domain_file(clinical, "tr") is None and (
        find_domain_file(study_dir / "adam", "adsl") is not None or find_domain_file(study_dir, "adsl") is not None
    )
    with WarningLog() as caught:
        if use_adam:
            tables, km, summary_rows, inputs, meta = adam_endpoints(study_dir, config)
        else:
            tables, km, summary_rows, inputs, meta = _sdtm_endpoints(study_dir, config)
    summary = pd.DataFrame(summary_rows, columns=list(SUMMARY_COLUMNS))
    tables = {"summary": summary, **tables}
    if caught.messages:
        tables["warnings"] = pd.DataFrame({"warning": caught.messages})
    from biomarker import __version__

    provenance = {
        "package": "nsclc-biomarker",
        "version": __version__,
        "command": "endpoints",
        "input_format": "adam" if use_adam else "sdtm",
        **meta,
        "ci_method": CI_METHOD,
        "rate_ci_method": "exact Clopper-Pearson",
        "cr_then_pr": "confirmed PR (RECIST 1.1 4.4)" if config.bor.cr_then_pr == "pr" else "SD (admiralonco)",
        "parameters": _jsonable(asdict(config)),
        "inputs": {name: {"file": str(path), "sha256": sha256_file(path)} for name, path in sorted(inputs.items())},
        "warnings": list(caught.messages),
    }
    result = EndpointResult(
        summary=summary,
        tables=tables,
        km=km,
        provenance=provenance,
        warnings=list(caught.messages),
        figures=config.figures,
        dpi=config.dpi,
    )
    if out_dir is not None:
        result.write(out_dir)
    return result


def _jsonable(obj):
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj


def _efficacy(study, config: EndpointConfig, cutoff):
    dm = study.dm
    tp_all = timepoints_by_evaluator(study.tu, study.tr, dm, baseline_window_days=config.baseline_window_days)
    tp = select_timepoints(tp_all, study.rs, config.evaluator)
    if cutoff is not None:
        tp = tp[tp["assessment_date"] <= cutoff].reset_index(drop=True)
    therapy = new_therapy_dates(study.ds, study.cm, dm, study_drugs=config.study_drugs)
    bor = derive_bor(tp, dm, config.bor, new_therapy=therapy, data_cutoff=cutoff)
    bor["clinical_benefit"] = clinical_benefit(bor, tp, config.cbr_min_days).to_numpy()
    pfs = derive_pfs(tp, dm, study.ds, data_cutoff=cutoff, rules=config.pfs, new_therapy=therapy)
    dated = ("dm", "ex", "tu", "tr", "rs", "ae", "ds", "cm", "sv", "lb")
    alive = last_known_alive({k: study.domain(k) for k in dated}, cutoff)
    ended = follow_up_ended(study.ds)
    os_ = derive_os(dm, alive, data_cutoff=cutoff, follow_up_end=ended, censor_at=config.os_censor_at)
    return tp_all, tp.drop(columns="evaluator"), therapy, bor, pfs, os_


def _sdtm_endpoints(study_dir: Path, config: EndpointConfig):
    study = load_study(study_dir, impute=config.partial_dates)
    cutoff = config.cutoff if config.cutoff is not None else study.data_cutoff
    tp_all, tp, therapy, bor, pfs, os_ = _efficacy(study, config, cutoff)
    dor = derive_dor(bor, pfs)
    ttr = time_to_response(bor)
    rates = response_rates(bor)
    rows = rate_rows(rates, "derived")
    unconfirmed = response_rates(bor, bor_col="bor_unconfirmed")
    rows += rate_rows(unconfirmed[unconfirmed["endpoint"] == "orr"].assign(endpoint="orr_unconfirmed"), "derived")
    pops = populations(study.dm, study.ds, tp, pfs)
    evaluable = set(bor["usubjid"]) & efficacy_evaluable(tp, pfs)
    rows += rate_rows(response_rates(bor[bor["usubjid"].isin(evaluable)]), "derived_evaluable")
    tables: dict[str, pd.DataFrame] = {"recist_timepoints": tp, "populations": pops}
    if not study.rs.empty:
        bor, rs_tables, rs_rows = _rs_analyses(study, config, cutoff, tp_all, tp, bor, therapy)
        tables.update(rs_tables)
        rows += rs_rows
    rows += ttr_rows(ttr)
    km = _km_estimates(pfs, os_, dor, config)
    for est in km.values():
        rows += km_rows(est, "derived")
    tables.update({"bor": bor, "response_rates": rates, "ttr": ttr, "dor": dor, "pfs": pfs, "os": os_})
    tables.update(
        km_tables(
            km,
            {
                "pfs": (pfs, "pfs_months", "pfs_event"),
                "os": (os_, "os_months", "os_event"),
                "dor": (dor, "dor_months", "dor_event"),
            },
        )
    )
    teae = study_teae(study, config, cutoff)
    tables.update(safety_tables(teae, study.dm))
    tables.update(_study_tables(study, config, teae, cutoff))
    tables["swimmer_lanes"], tables["swimmer_events"] = _swimmer(study, bor, pfs, os_, therapy)
    meta = {
        "studyid": study.studyid,
        "data_cutoff": None if cutoff is None else f"{cutoff:%Y-%m-%d}",
        "evaluator": INVESTIGATOR if config.evaluator == "investigator" else "INDEPENDENT ASSESSOR (accepted reads)",
        "response_criteria": "RECIST 1.1 (primary); iRECIST from RS (secondary)",
    }
    return tables, km, rows, study.files, meta


def _rs_analyses(study, config: EndpointConfig, cutoff, tp_all, tp, bor, therapy):
    """What RS adds: agreement of our time points with every evaluator's, the investigator's RECIST 1.1 BOR (and
    where ours differs), iRECIST as its own analysis. Returns ``(bor with bor_investigator, tables, rows)``."""
    rs_rows = study.rs
    tables: dict[str, pd.DataFrame] = {"timepoint_agreement": _agreement(tp_all, rs_rows, study.dm)}
    rows: list[dict] = []
    inv_tp = investigator_timepoints(rs_rows, study.dm)
    if cutoff is not None:
        inv_tp = inv_tp[inv_tp["assessment_date"] <= cutoff]
    if len(inv_tp):
        inv_bor = derive_bor(inv_tp, study.dm, config.bor, new_therapy=therapy, data_cutoff=cutoff)
        rows += rate_rows(response_rates(inv_bor), "investigator")
        bor = bor.merge(
            inv_bor[["usubjid", "bor"]].rename(columns={"bor": "bor_investigator"}), on="usubjid", how="left"
        )
        tables["bor_discrepancies"] = compare_with_investigator(
            tp, bor, rs_rows, study.dm, config.bor, new_therapy=therapy, data_cutoff=cutoff
        )
    itp = irecist_timepoints(rs_rows, first_dose_dates(study.dm))
    if len(itp):
        ibor = derive_irecist_bor(itp, first_dose_dates(study.dm), config.bor, new_therapy=therapy, data_cutoff=cutoff)
        tables["irecist_timepoints"], tables["bor_irecist"] = itp, ibor
        hits = ibor.assign(bor=ibor["bor_irecist"].map({"iCR": "CR", "iPR": "PR", "iSD": "SD"}).fillna("NE"))
        rows += rate_rows(response_rates(hits), "investigator_irecist")
    return bor, tables, rows


def _km_estimates(pfs: pd.DataFrame, os_: pd.DataFrame, dor: pd.DataFrame, config: EndpointConfig):
    """Kaplan-Meier estimates of PFS, OS and DoR with the config's landmarks."""
    return {
        "pfs": kaplan_meier(
            pfs["pfs_months"], pfs["pfs_event"], endpoint="pfs", landmarks_months=config.pfs_landmarks_months
        ),
        "os": kaplan_meier(
            os_["os_months"], os_["os_event"], endpoint="os", landmarks_months=config.os_landmarks_months
        ),
        "dor": kaplan_meier(
            dor["dor_months"], dor["dor_event"], endpoint="dor", landmarks_months=config.dor_landmarks_months
        ),
    }


def _agreement(tp_all: pd.DataFrame, rs: pd.DataFrame, dm: pd.DataFrame) -> pd.DataFrame:
    """Our TR-derived RECIST 1.1 time points beside every evaluator's RS row of the same visit."""
    from biomarker.clinical.evaluators import RECIST11, rs_for

    theirs = rs_for(rs, RECIST11, None)
    theirs = theirs[theirs["RSTESTCD"].astype("string").str.upper().eq("OVRLRESP").fillna(False)]
    treated = first_dose_dates(dm).index
    theirs = theirs[theirs["USUBJID"].isin(treated)]
    ours = tp_all[~tp_all["is_baseline"].astype(bool)]
    left = ours[["usubjid", "evaluator", "visitnum", "visit", "assessment_date", "overall_response"]]
    right = pd.DataFrame(
        {
            "usubjid": theirs["USUBJID"],
            "evaluator": theirs["EVALUATOR"],
            "visitnum": theirs["VISITNUM"],
            "rs_response": theirs["RSSTRESC"].fillna(theirs["RSORRES"]).astype("string").str.upper().astype(object),
        }
    )
    both = left.merge(right, on=["usubjid", "evaluator", "visitnum"], how="outer")
    both["agrees"] = both["overall_response"].fillna("missing") == both["rs_response"].fillna("missing")
    return both.sort_values(["usubjid", "evaluator", "visitnum"], kind="stable").reset_index(drop=True)


def _study_tables(study, config: EndpointConfig, teae: pd.DataFrame, cutoff) -> dict[str, pd.DataFrame]:
    ds = study.ds
    if not ds.empty:
        cat = ds["DSCAT"].astype("string").str.upper()
        events = ds[cat.isna() | cat.eq("DISPOSITION EVENT").fillna(False)]
        map_values(events, "DSDECOD", terminology(config.terminology))
    per_subject, per_drug = exposure(study.ex, study.dm, config.planned_doses)
    return {
        "disposition": disposition(ds, study.dm),
        "exposure": per_subject,
        "exposure_summary": per_drug,
        "deaths": deaths(study.dm, teae, window_days=config.death_window_days, data_cutoff=cutoff),
    }


def _swimmer(study, bor: pd.DataFrame, pfs: pd.DataFrame, os_: pd.DataFrame, therapy: pd.Series):
    dose = first_dose_dates(study.dm).to_dict()

    def months(date, subject):
        return days_to_months(float((date - dose[subject]).days + 1))

    ongoing = set(study.ds.loc[study.ds["DSDECOD"].astype("string").str.upper().eq("ONGOING").fillna(False), "USUBJID"])
    lanes = (
        os_[["usubjid", "os_months"]]
        .rename(columns={"os_months": "duration_months"})
        .merge(bor[["usubjid", "bor"]], on="usubjid", how="left")
    )
    lanes["ongoing"] = lanes["usubjid"].isin(ongoing) & os_["os_event"].eq(0).to_numpy()
    events = []
    for subject, date in zip(bor["usubjid"].tolist(), bor["first_response_date"].tolist(), strict=True):
        if not pd.isna(date):
            events.append((subject, months(date, subject), "response"))
    progressed = pfs[pfs["pfs_event_type"] == "PD"]
    for subject, date in zip(progressed["usubjid"].tolist(), progressed["pfs_date"].tolist(), strict=True):
        events.append((subject, months(date, subject), "progression"))
    died = os_[os_["os_event"] == 1]
    for subject, date in zip(died["usubjid"].tolist(), died["os_date"].tolist(), strict=True):
        events.append((subject, months(date, subject), "death"))
    for subject, date in therapy.items():
        if subject in dose:
            events.append((subject, months(date, subject), "new therapy"))
    ev = (
        pd.DataFrame(events, columns=["usubjid", "time_months", "event"])
        .sort_values(["usubjid", "time_months", "event"], kind="stable")
        .reset_index(drop=True)
    )
    return lanes, ev


__all__ = ["EndpointConfig", "EndpointResult", "EndpointResults", "run_endpoints", "write_tsv"]
