"""Report pieces for the genomic features (signatures and co-mutations) and for the TBNK QC a flow core signs off:
gate plots of flagged tubes (embedded PNGs from the store) and the flagged values left out of the models."""

from __future__ import annotations

import re

import pandas as pd

from biomarker.report.section import Section, format_frame
from biomarker.report.sections_clinical import Tables, pick
from biomarker.report.tables import CsrTable, fmt_median_range, fmt_n_pct

#: Co-mutation flag columns of ``genomic_features``.
FLAG = re.compile(r"[a-z0-9]+_(lof|mut|exo)|kras_g12c")
#: Gate plots embedded at most (the rest are listed in the tube table).
MAX_GATE_PLOTS = 24


def _primary(features: pd.DataFrame) -> pd.DataFrame:
    if "is_primary" in features.columns:
        return features[features["is_primary"].fillna(False).astype(bool)]
    return features.drop_duplicates("usubjid")


def _with_bor(frame: pd.DataFrame, bor: pd.DataFrame | None) -> pd.DataFrame:
    if bor is None or "bor" not in bor.columns:
        return frame.assign(bor="all tumours")
    return frame.merge(bor[["usubjid", "bor"]], on="usubjid", how="left").fillna({"bor": "NE"})


def signatures_section(tables: Tables, profiles: list[str] | None = None) -> Section:
    """Signature exposures across the cohort by response, co-mutation grid by response, SBS96 profiles.

    Parameters
    ----------
    profiles
        Tumours (``sample``) whose 96-channel profile is drawn; default the pooled profile of every primary
        tumour.
    """
    from biomarker.plots import signatures as plots

    sec = Section("signatures", "Biomarkers: mutational signatures and co-mutations")
    features = tables.get("genomic_features")
    if features is None or features.empty:
        sec.missing(
            "Signatures and co-mutations",
            "the store has no genomic tables (study.yaml has no genomic: "
            "block; biomarker simulate --genomic and demo --genomic write "
            "one)",
        )
        return sec
    primary = _primary(features)
    bor = pick(tables, "bor")
    flags = [c for c in features.columns if FLAG.fullmatch(c)]
    reported = (
        primary[primary["exposures_reported"].fillna(False).astype(bool)]
        if "exposures_reported" in primary
        else primary
    )
    sec.kpis += [
        {"value": str(len(primary)), "label": "patients with a catalogue"},
        {"value": fmt_n_pct(len(reported), len(primary)), "label": "with exposures, n (%)"},
    ]
    if "sbs4_exposure_frac" in reported and len(reported):
        sec.kpis.append(
            {
                "value": fmt_median_range(reported["sbs4_exposure_frac"], 2) or "-",
                "label": "SBS4 (smoking) fraction, median (range)",
            }
        )
    if "transversion_high" in primary:
        sec.kpis.append(
            {
                "value": fmt_n_pct(int(primary["transversion_high"].fillna(False).astype(bool).sum()), len(primary)),
                "label": "transversion-high, n (%)",
            }
        )
    exposures = tables.get("signature_exposures")
    if exposures is not None and len(exposures):
        shown = _with_bor(exposures[exposures["sample"].isin(set(primary["sample"]))], bor)
        sec.figure(
            plots.exposures_by_response(shown),
            "Signature exposures (NNLS, fraction of SNVs) of each patient's primary tumour, grouped by best "
            "overall response.",
        )
        sec.table(exposure_table(shown))
    else:
        sec.missing("Signature exposures", "no tumour reached the minimum SNV count for a fit")
    if "no_exposure_reason" in primary:
        none = primary[~primary["sample"].isin(set(reported["sample"]))]
        if len(none):
            sec.note(
                f"{len(none)} tumour(s) without exposures: "
                + "; ".join(sorted(set(none["no_exposure_reason"].dropna().astype(str))))[:400]
            )
    if flags:
        sec.figure(
            plots.comutation_grid(_with_bor(primary, bor), flags),
            "Co-mutations per patient (columns) by best overall response; hatched: not assessable "
            "(no annotation). Numbers: patients with the flag.",
        )
        sec.table(comutation_table(_with_bor(primary, bor), flags))
    catalogue = tables.get("sbs96_catalogue")
    if catalogue is not None and len(catalogue):
        _profiles(sec, catalogue, primary, profiles)
    cols = [
        c
        for c in (
            "usubjid",
            "sample",
            "snv_count",
            "indel_count",
            "transversion_frac",
            "transversion_high",
            "c_to_a_frac",
            "apobec_frac",
            "indel_frac",
            "signature_cosine_similarity",
        )
        if c in features.columns
    ]
    sec.table(
        format_frame(
            features.sort_values("sample")[cols],
            "genomic_features",
            "Spectrum features per tumour",
            ["Transversion-high as Rizvi et al. 2015; APOBEC: T[C>T/G]W fraction."],
        ),
        max_rows=200,
    )
    return sec


def exposure_table(exposures: pd.DataFrame) -> CsrTable:
    """Median (range) exposure fraction per signature and response group.

    Examples
    --------
    >>> e = pd.DataFrame({"sample": ["a", "b", "c"], "signature": "SBS4", "bor": ["PR", "PD", "PD"],
    ...                   "exposure_frac": [0.5, 0.1, 0.3]})
    >>> t = exposure_table(e)
    >>> t.frame.columns.tolist(), t.frame.values.tolist()
    (['Signature', 'PD (N = 2)', 'PR (N = 1)'], [['SBS4', '0.20 (0.10–0.30)', '0.50 (0.50–0.50)']])
    """
    groups = sorted(exposures["bor"].astype(str).unique())
    rows, data = [], []
    for sig, g in exposures.groupby("signature", sort=False):
        row = [str(sig)]
        for b in groups:
            v = g.loc[g["bor"].astype(str) == b, "exposure_frac"]
            row.append(fmt_median_range(v, 2) if len(v) else "")
            data.append({"signature": sig, "bor": b, "n": len(v), "median_exposure_frac": v.median()})
        rows.append(row)
    n = exposures.groupby("bor")["sample"].nunique()
    header = ["Signature", *(f"{b} (N = {int(n.get(b, 0))})" for b in groups)]
    return CsrTable(
        "signature_exposures_by_response",
        "Signature exposure fraction by best overall response",
        pd.DataFrame(rows, columns=header),
        pd.DataFrame(data),
        ["Median (range) of the fraction of SNVs attributed to each signature; primary tumours with exposures only."],
    )


def comutation_table(features: pd.DataFrame, flags: list[str]) -> CsrTable:
    """Patients with each co-mutation flag, n (%), per response group (of those assessable)."""
    groups = sorted(features["bor"].astype(str).unique())
    rows, data = [], []
    for flag in flags:
        row = [flag]
        for b in groups:
            v = features.loc[features["bor"].astype(str) == b, flag].dropna().astype(bool)
            row.append(fmt_n_pct(int(v.sum()), len(v)) if len(v) else "")
            data.append({"flag": flag, "bor": b, "n_with": int(v.sum()), "n_assessable": len(v)})
        rows.append(row)
    header = ["Co-mutation", *(f"{b} (N = {int((features['bor'].astype(str) == b).sum())})" for b in groups)]
    return CsrTable(
        "comutations_by_response",
        "Co-mutations by best overall response",
        pd.DataFrame(rows, columns=header),
        pd.DataFrame(data),
        ["n (%) of the patients whose annotation allows the call (missing annotation: not counted)."],
    )


def _profiles(sec: Section, catalogue: pd.DataFrame, primary: pd.DataFrame, profiles: list[str] | None) -> None:
    from biomarker.genomic.channels import CHANNELS
    from biomarker.plots import signatures as plots

    if profiles:
        for sample in profiles:
            one = catalogue[catalogue["sample"].astype(str) == sample]
            if one.empty:
                sec.missing(f"SBS96 profile of {sample}", "no such tumour in the store's catalogue")
                continue
            one = one.set_index("channel").reindex(list(CHANNELS)).reset_index()
            sec.figure(plots.sbs96_profile(one, title=sample), f"SBS96 profile of {sample} (fraction of its SNVs).")
        return
    pooled = (
        catalogue[catalogue["sample"].isin(set(primary["sample"]))]
        .groupby(["channel", "substitution"], as_index=False)["snv_count"]
        .sum()
    )
    pooled = pooled.set_index("channel").reindex(list(CHANNELS)).reset_index()
    sec.figure(
        plots.sbs96_profile(pooled, title="All primary tumours"),
        "SBS96 profile pooled over every patient's primary tumour; one tumour's profile on request: "
        "Study.report(profiles=[SAMPLE]) or Study.pl.signatures('profile', sample=SAMPLE).",
    )


def tbnk_flagged_and_gate_plots(sec: Section, tables: Tables) -> None:
    """State how many flagged TBNK values are left out of the models and embed the flagged tubes' gate plots."""
    long = tables.get("tbnk_features")
    if long is not None and "qc_flags" in long.columns:
        flagged = long[long["qc_flags"].fillna("").astype(str) != ""]
        if len(flagged):
            visits = flagged[["usubjid", "visit"]].drop_duplicates()
            sec.note(
                f"{int(flagged['value'].notna().sum())} flagged TBNK value(s) from {len(visits)} sample(s) "
                f"({visits['usubjid'].nunique()} subject(s)) are left out of the patient table and so of the "
                "response models (and every change from a flagged baseline); the long table keeps them with "
                "their flags."
            )
        else:
            sec.note("No TBNK value is flagged: none is left out of the response models.")
    plots = tables.get("tbnk_gate_plots")
    if plots is None:
        status = tables.get("tbnk_tube_status")
        why = (
            "the store holds no gate plots (a lab export has no events)"
            if status is None
            else "the store holds no gate plots (this store was written before the run stored them)"
        )
        sec.missing("Gate plots of flagged tubes", why)
        return
    if plots.empty:
        sec.note("No gated tube is flagged: no gate plot to review.")
        return
    for row in plots.sort_values("file").head(MAX_GATE_PLOTS).itertuples():
        sec.blocks.append(
            {
                "kind": "figure",
                "data": str(row.png_base64),
                "caption": f"Gate plot of flagged tube {row.file}: {row.flags}",
            }
        )
    if len(plots) > MAX_GATE_PLOTS:
        sec.note(f"{len(plots) - MAX_GATE_PLOTS} more flagged tube(s) not drawn here: see the tube table above.")
