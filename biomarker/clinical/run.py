"""Run every trial endpoint of a study folder and write tidy tables and figures.

``run_endpoints(study_dir, out_dir)`` reads ``STUDYDIR/clinical`` (SDTM CSV/XPT) -- or, when it holds
no lesion data, ``STUDYDIR/adam`` (ADaM through a column map) -- derives RECIST 1.1 responses, BOR,
ORR/DCR, TTR, DoR, PFS, OS and the safety tables, and writes them to ``out_dir`` as TSV (snake_case
columns with units) and PNG, each atomically (temporary file, then rename), with
``provenance.json`` (package version, parameters, input files and their SHA-256).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from biomarker.clinical import adam as adam_mod
from biomarker.clinical.bor import BorRules, compare_with_investigator, derive_bor, investigator_timepoints
from biomarker.clinical.efficacy import (
    PfsRules,
    derive_dor,
    derive_os,
    derive_pfs,
    follow_up_ended,
    last_known_alive,
    new_therapy_dates,
    response_rates,
    time_to_response,
)
from biomarker.clinical.recist import timepoint_responses
from biomarker.clinical.safety import (
    grade_table,
    safety_population,
    safety_table,
    treatment_emergent,
    worst_grade,
)
from biomarker.clinical.sdtm import find_domain_file, first_dose_dates, load_study
from biomarker.clinical.survival import KmEstimate, days_to_months, kaplan_meier, km_curve_table
from biomarker.errors import ConfigError
from biomarker.files import atomic_replace, sha256_file

log = logging.getLogger(__name__)

SUMMARY_COLUMNS = ("endpoint", "source", "estimate", "ci_lower", "ci_upper", "unit", "n_subjects", "n_events")


@dataclass(frozen=True)
class EndpointConfig:
    """Parameters of an endpoint run (all recorded in ``provenance.json``).

    Attributes
    ----------
    bor
        Confirmation / SD-duration rules (:class:`~biomarker.clinical.bor.BorRules`).
    pfs
        Assessment schedule for the missed-assessment censoring rule.
    baseline_window_days
        How long before first dose a baseline scan may be.
    os_censor_at
        ``"cutoff"`` or ``"last_contact"``: where a living subject still in survival follow-up is
        censored (see :func:`~biomarker.clinical.efficacy.derive_os`).
    teae_window_days
        AEs starting more than this after the last dose are not treatment-emergent (``None``: no limit).
    pfs_landmarks_months, os_landmarks_months, dor_landmarks_months
        Landmark times for Kaplan-Meier rates.
    figures
        Draw the PNG figures.
    dpi
        Figure resolution.
    adam_column_map
        Overrides of :data:`biomarker.clinical.adam.DEFAULT_ADAM_MAP` for ADaM inputs.
    adam_params
        Overrides of :data:`biomarker.clinical.adam.DEFAULT_ADAM_PARAMS` (``PARAMCD`` values).

    Examples
    --------
    >>> EndpointConfig(bor=BorRules(min_sd_days=35)).bor.min_sd_days
    35
    """

    bor: BorRules = field(default_factory=BorRules)
    pfs: PfsRules = field(default_factory=PfsRules)
    baseline_window_days: int = 28
    os_censor_at: str = "cutoff"
    teae_window_days: int | None = 30
    pfs_landmarks_months: tuple[float, ...] = (6.0,)
    os_landmarks_months: tuple[float, ...] = (6.0, 12.0)
    dor_landmarks_months: tuple[float, ...] = ()
    figures: bool = True
    dpi: int = 150
    adam_column_map: Mapping[str, Mapping[str, str | None]] | None = None
    adam_params: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        if self.os_censor_at not in ("cutoff", "last_contact"):
            raise ConfigError(f"os_censor_at must be 'cutoff' or 'last_contact', not {self.os_censor_at!r}")
        if self.baseline_window_days < 0:
            raise ConfigError(f"baseline_window_days must be >= 0, not {self.baseline_window_days}")


@dataclass
class EndpointResults:
    """What :func:`run_endpoints` computed and wrote.

    Attributes
    ----------
    summary
        One row per endpoint estimate: ``endpoint, source, estimate, ci_lower, ci_upper, unit,
        n_subjects, n_events`` (``unit`` is ``proportion`` or ``months``). Endpoints: ``orr``, ``dcr``
        (sources ``derived`` and ``investigator``), ``orr_unconfirmed`` (CR/PR without confirmation),
        ``ttr_median``/``ttr_min``/``ttr_max`` (responders,
        no CI), ``dor_median``, ``pfs_median``, ``pfs_rate_6_months``, ``os_median``,
        ``os_rate_6_months``, ``os_rate_12_months`` (Kaplan-Meier, 95 % CI). ``n_events`` counts
        responders for rates and events for time-to-event endpoints.
    tables
        Name -> tidy table (also written as ``<name>.tsv``).
    km
        Endpoint -> :class:`~biomarker.clinical.survival.KmEstimate` (lifelines fitter inside).
    files
        Name -> file written (tables, figures, provenance).
    provenance
        Package version, parameters, inputs and their SHA-256.
    """

    summary: pd.DataFrame
    tables: dict[str, pd.DataFrame]
    km: dict[str, KmEstimate]
    files: dict[str, Path]
    provenance: dict

    def plot(self, name: str):
        """Draw one figure from the result tables: ``waterfall``, ``spider``, ``swimmer``, ``km_pfs``,
        ``km_os`` or ``km_dor``; returns a matplotlib Figure.

        Examples
        --------
        >>> res.plot("km_pfs")  # doctest: +SKIP
        """
        figures = make_figures(self.tables, only=name)
        if name not in figures:
            raise KeyError(f"no figure {name!r}; available: waterfall, spider, swimmer, km_pfs, km_os, km_dor")
        return figures[name]

    def __repr__(self) -> str:
        return f"EndpointResults({len(self.tables)} tables, {len(self.files)} files)\n{self.summary.to_string()}"


def write_tsv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as TSV atomically (dates as YYYY-MM-DD, floats with 10 significant digits)."""
    return atomic_replace(
        path,
        lambda p: frame.to_csv(
            p, sep="\t", index=False, date_format="%Y-%m-%d", float_format="%.10g", lineterminator="\n"
        ),
    )


def _km_rows(km: KmEstimate, source: str) -> list[dict]:
    rows = [
        {
            "endpoint": f"{km.endpoint}_median",
            "source": source,
            "estimate": km.median_months,
            "ci_lower": km.median_ci_lower_months,
            "ci_upper": km.median_ci_upper_months,
            "unit": "months",
            "n_subjects": km.n_subjects,
            "n_events": km.n_events,
        }
    ]
    for _, lm in km.landmarks.iterrows():
        rows.append(
            {
                "endpoint": f"{km.endpoint}_rate_{lm['time_months']:g}_months",
                "source": source,
                "estimate": lm["survival"],
                "ci_lower": lm["ci_lower"],
                "ci_upper": lm["ci_upper"],
                "unit": "proportion",
                "n_subjects": km.n_subjects,
                "n_events": km.n_events,
            }
        )
    return rows


def _rate_rows(rates: pd.DataFrame, source: str) -> list[dict]:
    return [
        {
            "endpoint": r["endpoint"],
            "source": source,
            "estimate": r["proportion"],
            "ci_lower": r["ci_lower"],
            "ci_upper": r["ci_upper"],
            "unit": "proportion",
            "n_subjects": r["n_subjects"],
            "n_events": r["n_responders"],
        }
        for _, r in rates.iterrows()
    ]


def _ttr_rows(ttr: pd.DataFrame) -> list[dict]:
    months = ttr["ttr_months"]
    rows = []
    for name, value in (("ttr_median", months.median()), ("ttr_min", months.min()), ("ttr_max", months.max())):
        rows.append(
            {
                "endpoint": name,
                "source": "derived",
                "estimate": float(value) if len(ttr) else np.nan,
                "ci_lower": np.nan,
                "ci_upper": np.nan,
                "unit": "months",
                "n_subjects": len(ttr),
                "n_events": len(ttr),
            }
        )
    return rows


def run_endpoints(
    study_dir: str | Path,
    out_dir: str | Path,
    config: EndpointConfig | None = None,
) -> EndpointResults:
    """Derive every trial endpoint of a study and write tables and figures to ``out_dir``.

    Parameters
    ----------
    study_dir
        Study folder with ``clinical/`` (SDTM: dm, tu, tr required; ex, rs, ae, ds optional;
        ``study.json`` with the data cut-off) or, failing lesion data, ``adam/`` (ADaM).
    out_dir
        Output folder (created).
    config
        :class:`EndpointConfig`.

    Returns
    -------
    EndpointResults
        ``summary`` holds ORR, DCR (derived and investigator), TTR, DoR, PFS and OS estimates.

    Examples
    --------
    >>> res = run_endpoints("runs/sim01", "runs/sim01/endpoints")  # doctest: +SKIP
    >>> res.summary.set_index(["endpoint", "source"]).loc[("orr", "derived"), "estimate"]  # doctest: +SKIP
    0.28
    """
    config = config or EndpointConfig()
    study_dir, out_dir = Path(study_dir), Path(out_dir)
    clinical = study_dir / "clinical" if (study_dir / "clinical").is_dir() else study_dir
    use_adam = find_domain_file(clinical, "tr") is None and (
        find_domain_file(study_dir / "adam", "adsl") is not None or find_domain_file(study_dir, "adsl") is not None
    )
    if use_adam:
        tables, km, summary_rows, inputs, meta = _adam_endpoints(study_dir, config)
    else:
        tables, km, summary_rows, inputs, meta = _sdtm_endpoints(study_dir, config)
    summary = pd.DataFrame(summary_rows, columns=list(SUMMARY_COLUMNS))
    tables = {"summary": summary, **tables}
    from biomarker import __version__

    provenance = {
        "package": "nsclc-biomarker",
        "version": __version__,
        "command": "endpoints",
        "input_format": "adam" if use_adam else "sdtm",
        **meta,
        "parameters": _jsonable(asdict(config)),
        "inputs": {name: {"file": str(path), "sha256": sha256_file(path)} for name, path in sorted(inputs.items())},
    }
    files: dict[str, Path] = {}
    for name, frame in tables.items():
        files[name] = write_tsv(frame, out_dir / f"{name}.tsv")
    if config.figures:
        files.update(_figures(tables, out_dir, config))
    files["provenance"] = atomic_replace(
        out_dir / "provenance.json",
        lambda p: p.write_text(json.dumps(provenance, indent=2, sort_keys=True) + "\n"),
    )
    log.info("endpoints: wrote %d files to %s", len(files), out_dir)
    return EndpointResults(summary=summary, tables=tables, km=km, files=files, provenance=provenance)


def _jsonable(obj):
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return obj


def _sdtm_endpoints(study_dir: Path, config: EndpointConfig):
    study = load_study(study_dir)
    cutoff = study.data_cutoff
    tp = timepoint_responses(study.tu, study.tr, study.dm, baseline_window_days=config.baseline_window_days)
    if cutoff is not None:
        tp = tp[tp["assessment_date"] <= cutoff].reset_index(drop=True)
    therapy = new_therapy_dates(study.ds)
    bor = derive_bor(tp, study.dm, config.bor, new_therapy=therapy, data_cutoff=cutoff)
    pfs = derive_pfs(tp, study.dm, study.ds, data_cutoff=cutoff, rules=config.pfs)
    alive = last_known_alive({k: study.domain(k) for k in ("dm", "ex", "tu", "tr", "rs", "ae", "ds")}, cutoff)
    os_ = derive_os(
        study.dm, alive, data_cutoff=cutoff, follow_up_end=follow_up_ended(study.ds), censor_at=config.os_censor_at
    )
    dor = derive_dor(bor, pfs)
    ttr = time_to_response(bor)
    rows = _rate_rows(response_rates(bor), "derived")
    unconfirmed = response_rates(bor, bor_col="bor_unconfirmed")
    rows += _rate_rows(unconfirmed[unconfirmed["endpoint"] == "orr"].assign(endpoint="orr_unconfirmed"), "derived")
    tables: dict[str, pd.DataFrame] = {"recist_timepoints": tp}
    has_rs = not study.rs.empty
    if has_rs:
        inv_tp = investigator_timepoints(study.rs, study.dm)
        if cutoff is not None:
            inv_tp = inv_tp[inv_tp["assessment_date"] <= cutoff]
        inv_bor = derive_bor(inv_tp, study.dm, config.bor, new_therapy=therapy, data_cutoff=cutoff)
        rows += _rate_rows(response_rates(inv_bor), "investigator")
        bor = bor.merge(
            inv_bor[["usubjid", "bor"]].rename(columns={"bor": "bor_investigator"}), on="usubjid", how="left"
        )
        tables["bor_discrepancies"] = compare_with_investigator(
            tp, bor, study.rs, study.dm, config.bor, new_therapy=therapy, data_cutoff=cutoff
        )
    rows += _ttr_rows(ttr)
    km = {
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
    for est in km.values():
        rows += _km_rows(est, "derived")
    tables.update({"bor": bor, "response_rates": response_rates(bor), "ttr": ttr, "dor": dor, "pfs": pfs, "os": os_})
    tables.update(
        _km_tables(
            km,
            {
                "pfs": (pfs, "pfs_months", "pfs_event"),
                "os": (os_, "os_months", "os_event"),
                "dor": (dor, "dor_months", "dor_event"),
            },
        )
    )
    tables.update(_safety_tables(study.ae, study.dm, config, cutoff))
    tables["swimmer_lanes"], tables["swimmer_events"] = _swimmer(study, bor, pfs, os_, therapy)
    meta = {"studyid": study.studyid, "data_cutoff": None if cutoff is None else f"{cutoff:%Y-%m-%d}"}
    return tables, km, rows, study.files, meta


def _adam_endpoints(study_dir: Path, config: EndpointConfig):
    adam = adam_mod.read_adam(study_dir, config.adam_column_map, params=config.adam_params)
    tables: dict[str, pd.DataFrame] = {}
    rows: list[dict] = []
    km: dict[str, KmEstimate] = {}
    if not adam.rs.empty:
        inv_tp = investigator_timepoints(adam.rs, adam.dm)
        bor = derive_bor(inv_tp, adam.dm, config.bor)
        rows += _rate_rows(response_rates(bor), "investigator")
        tables["bor"] = bor
        tables["response_rates"] = response_rates(bor)
    for endpoint, landmarks in (("pfs", config.pfs_landmarks_months), ("os", config.os_landmarks_months)):
        sub = adam.tte[adam.tte["endpoint"] == endpoint]
        if sub.empty:
            continue
        km[endpoint] = kaplan_meier(sub["months"], sub["event"], endpoint=endpoint, landmarks_months=landmarks)
        rows += _km_rows(km[endpoint], "adtte")
        tables[endpoint] = pd.DataFrame(
            {
                "usubjid": sub["usubjid"],
                f"{endpoint}_days": sub["days"],
                f"{endpoint}_months": sub["months"],
                f"{endpoint}_event": sub["event"],
            }
        )
    tables.update(_km_tables(km, {e: (tables[e], f"{e}_months", f"{e}_event") for e in km}))
    if not adam.ae.empty:
        tables.update(_safety_tables(adam.ae, adam.dm, config))
    return tables, km, rows, adam.files, {"studyid": adam.studyid, "data_cutoff": None}


def _km_tables(km: dict[str, KmEstimate], data: dict[str, tuple[pd.DataFrame, str, str]]) -> dict[str, pd.DataFrame]:
    landmarks = [est.landmarks for est in km.values() if len(est.landmarks)]
    curves, risks = [], []
    for endpoint, (frame, tcol, ecol) in data.items():
        if endpoint not in km or frame.empty:
            continue
        c, r = km_curve_table(frame, tcol, ecol)
        curves.append(c.assign(group=endpoint))
        risks.append(r.assign(group=endpoint))
    out = {"km_estimates": pd.concat([est.summary for est in km.values()], ignore_index=True)}
    if landmarks:
        out["km_landmarks"] = pd.concat(landmarks, ignore_index=True)
    if curves:
        out["km_curves"] = pd.concat(curves, ignore_index=True).rename(columns={"group": "endpoint"})
        out["km_at_risk"] = pd.concat(risks, ignore_index=True).rename(columns={"group": "endpoint"})
    return out


def _safety_tables(
    ae: pd.DataFrame, dm: pd.DataFrame, config: EndpointConfig, cutoff: pd.Timestamp | None = None
) -> dict[str, pd.DataFrame]:
    teae = treatment_emergent(ae, dm, window_days=config.teae_window_days, data_cutoff=cutoff)
    n = safety_population(dm)
    worst = worst_grade(teae)
    return {
        "safety_measures": safety_table(teae, n),
        "ae_worst_grade": worst,
        "ae_grades": grade_table(worst, n),
    }


def _swimmer(study, bor: pd.DataFrame, pfs: pd.DataFrame, os_: pd.DataFrame, therapy: pd.Series):
    dose = first_dose_dates(study.dm)

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
    for _, r in bor.iterrows():
        if not pd.isna(r["first_response_date"]):
            events.append((r["usubjid"], months(r["first_response_date"], r["usubjid"]), "response"))
    for _, r in pfs[pfs["pfs_event_type"] == "PD"].iterrows():
        events.append((r["usubjid"], months(r["pfs_date"], r["usubjid"]), "progression"))
    for _, r in os_[os_["os_event"] == 1].iterrows():
        events.append((r["usubjid"], months(r["os_date"], r["usubjid"]), "death"))
    for subject, date in therapy.items():
        if subject in dose.index:
            events.append((subject, months(date, subject), "new therapy"))
    ev = (
        pd.DataFrame(events, columns=["usubjid", "time_months", "event"])
        .sort_values(["usubjid", "time_months", "event"], kind="stable")
        .reset_index(drop=True)
    )
    return lanes, ev


def make_figures(tables: dict[str, pd.DataFrame], only: str | None = None) -> dict:
    """Figures drawn from the result tables (name -> matplotlib Figure); ``only`` draws just one."""
    # Figures are drawn by the plots layer; imported here so that reading and deriving never need matplotlib.
    from biomarker import plots

    def wanted(name: str) -> bool:
        return only is None or only == name

    figs = {}
    bor = tables.get("bor")
    tp = tables.get("recist_timepoints")
    has_change = bor is not None and bor.get("best_pct_change_from_baseline", pd.Series(dtype=float)).notna().any()
    if wanted("waterfall") and has_change:
        figs["waterfall"] = plots.waterfall(bor)
    if wanted("spider") and tp is not None and bor is not None and tp["pct_change_from_baseline"].notna().any():
        spider = tp.merge(bor[["usubjid", "bor"]], on="usubjid", how="left")
        spider["weeks_from_first_dose"] = spider["days_from_first_dose"].clip(lower=0) / 7.0
        figs["spider"] = plots.spider(spider)
    if wanted("swimmer") and "swimmer_lanes" in tables and len(tables["swimmer_lanes"]):
        figs["swimmer"] = plots.swimmer(tables["swimmer_lanes"], tables["swimmer_events"])
    if "km_curves" in tables:
        titles = {"pfs": "Progression-free survival", "os": "Overall survival", "dor": "Duration of response"}
        for endpoint, curves in tables["km_curves"].groupby("endpoint", sort=True):
            if not wanted(f"km_{endpoint}"):
                continue
            risk = tables["km_at_risk"][tables["km_at_risk"]["endpoint"] == endpoint]
            figs[f"km_{endpoint}"] = plots.km_plot(
                curves.rename(columns={"endpoint": "group"}),
                risk.rename(columns={"endpoint": "group"}),
                title=titles.get(str(endpoint), str(endpoint)),
            )
    return figs


def _figures(tables: dict[str, pd.DataFrame], out_dir: Path, config: EndpointConfig) -> dict[str, Path]:
    written = {}
    for name, fig in make_figures(tables).items():
        written[name] = atomic_replace(
            out_dir / f"{name}.png",
            lambda p, fig=fig: fig.savefig(p, dpi=config.dpi, format="png", metadata={"Software": None}),
        )
    return written


__all__ = ["EndpointConfig", "EndpointResults", "make_figures", "run_endpoints"]
