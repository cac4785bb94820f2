"""Features and outcomes of the patient table: which columns are outcomes, bookkeeping or pre-specified
features, and the outcomes derived from the endpoint tables. The table itself is assembled from store tables
only, in :mod:`biomarker.models.patients`.

Outcomes
--------
``response``: confirmed CR/PR (1) vs anything else including NE (0), as in the ORR denominator;
``response_investigator`` the same from the investigator's BOR; ``disease_control``: CR/PR/SD;
``dcb`` (durable clinical benefit, Rizvi 2015): progression-free at 6 months (1), progressed or died
before 6 months (0), censored before 6 months without event (missing: not evaluable);
``pfs_months``/``pfs_event``, ``os_months``/``os_event``; ``best_pct_change`` of the target-lesion sum.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: Outcome columns of the patient table (:mod:`biomarker.models.patients`) (never used as features).
OUTCOME_COLUMNS = (
    "bor",
    "bor_investigator",
    "response",
    "response_investigator",
    "disease_control",
    "dcb",
    "pfs_months",
    "pfs_event",
    "os_months",
    "os_event",
    "best_pct_change",
)
#: Clinical covariates taken from DM.
COVARIATES = ("age_years", "sex", "ecog", "smoking", "histology")
#: Bookkeeping columns that are neither features nor outcomes.
INFO_COLUMNS = (
    "usubjid",
    "tmb_sample",
    "tmb_ci95_low_per_mb",
    "tmb_ci95_high_per_mb",
    "pdl1_assay",
    "pdl1_tps_low_pct",
    "pdl1_tps_high_pct",
    "tissue_adequate",
)
#: PD-L1 TPS category -> ordinal score (labs often report only the category, so the exact % is often missing).
PDL1_ORDINAL = {"<1": 0, "1-49": 1, ">=50": 2}
#: The pre-specified baseline TBNK features: % of lymphocytes at C1D1, CD4/CD8 ratio and lymphocytes/uL.
TBNK_BASELINE = (
    "cd3_pct_lymph_c1d1",
    "cd4_pct_lymph_c1d1",
    "cd8_pct_lymph_c1d1",
    "b_pct_lymph_c1d1",
    "nk_pct_lymph_c1d1",
    "cd4_cd8_ratio_c1d1",
    "lymph_abs_per_ul_c1d1",
)
#: On-treatment TBNK features (change in % of lymphocytes at C2D1, day 22, before the first scan at week 6): only
#: in a landmark analysis at C2D1 (guarantee-time bias otherwise; see :mod:`biomarker.models.landmark`).
TBNK_ON_TREATMENT = (
    "cd3_pct_lymph_change_c2d1",
    "cd4_pct_lymph_change_c2d1",
    "cd8_pct_lymph_change_c2d1",
    "b_pct_lymph_change_c2d1",
    "nk_pct_lymph_change_c2d1",
)
#: Both, in report order.
TBNK_DEFAULT = TBNK_BASELINE + TBNK_ON_TREATMENT
DCB_MONTHS = 6.0


def derive_outcomes(bor: pd.DataFrame, pfs: pd.DataFrame, os_: pd.DataFrame) -> pd.DataFrame:
    """Binary and time-to-event outcomes per subject from the endpoint tables of :func:`run_endpoints`.

    Examples
    --------
    >>> bor = pd.DataFrame({"usubjid": ["a", "b", "c"], "bor": ["PR", "SD", "NE"],
    ...                     "best_pct_change_from_baseline": [-45.0, -10.0, None]})
    >>> pfs = pd.DataFrame({"usubjid": ["a", "b", "c"], "pfs_months": [9.0, 3.0, 2.0], "pfs_event": [0, 1, 0]})
    >>> os_ = pd.DataFrame({"usubjid": ["a", "b", "c"], "os_months": [12.0, 8.0, 2.0], "os_event": [0, 1, 0]})
    >>> derive_outcomes(bor, pfs, os_)[["response", "disease_control", "dcb"]].values.tolist()
    [[1.0, 1.0, 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, nan]]
    """
    out = pd.DataFrame({"usubjid": bor["usubjid"].astype(str)})
    out["bor"] = bor["bor"].astype(object).to_numpy()
    responders = {"CR", "PR"}
    out["response"] = out["bor"].isin(responders).astype(float)
    if "bor_investigator" in bor:
        out["bor_investigator"] = bor["bor_investigator"].astype(object).to_numpy()
        out["response_investigator"] = out["bor_investigator"].isin(responders).astype(float)
        out.loc[bor["bor_investigator"].isna().to_numpy(), "response_investigator"] = np.nan
    out["disease_control"] = out["bor"].isin(responders | {"SD", "NON-CR/NON-PD"}).astype(float)
    out["best_pct_change"] = pd.to_numeric(bor.get("best_pct_change_from_baseline"), errors="coerce").to_numpy()
    times = pfs[["usubjid", "pfs_months", "pfs_event"]].merge(
        os_[["usubjid", "os_months", "os_event"]], on="usubjid", how="outer"
    )
    out = out.merge(times, on="usubjid", how="left")
    t, e = out["pfs_months"], out["pfs_event"]
    out["dcb"] = np.where(t >= DCB_MONTHS, 1.0, np.where(e == 1, 0.0, np.nan))
    out.loc[t.isna(), "dcb"] = np.nan
    return out


def default_features(table: pd.DataFrame, landmark: str | float | None = None) -> list[str]:
    """The pre-specified model features of an assembled table (those present): ``tmb_log2``,
    ``pdl1_tps_ordinal``, ``til_stromal_pct``, the baseline TBNK features of :data:`TBNK_BASELINE` and the
    covariates; with a ``landmark`` also the on-treatment ones of :data:`TBNK_ON_TREATMENT`.

    Examples
    --------
    >>> t = pd.DataFrame(columns=["usubjid", "tmb_log2", "cd8_pct_lymph_change_c2d1", "ecog"])
    >>> default_features(t), default_features(t, landmark="C2D1")
    (['tmb_log2', 'ecog'], ['tmb_log2', 'cd8_pct_lymph_change_c2d1', 'ecog'])
    """
    tbnk = TBNK_DEFAULT if landmark is not None else TBNK_BASELINE
    wanted = ("tmb_log2", "pdl1_tps_ordinal", "til_stromal_pct", *tbnk, *COVARIATES)
    return [c for c in wanted if c in table.columns]


def feature_columns(table: pd.DataFrame) -> list[str]:
    """Every candidate feature of an assembled table: everything but outcomes and bookkeeping columns,
    leaving out ``tmb_per_mb`` and ``tmb_high`` in favour of ``tmb_log2`` (one version of each marker). See
    :func:`default_features` for the pre-specified set.

    Examples
    --------
    >>> t = pd.DataFrame(columns=["usubjid", "tmb_per_mb", "tmb_log2", "tmb_high", "pdl1_tps_pct", "response"])
    >>> feature_columns(t)
    ['tmb_log2', 'pdl1_tps_pct']
    """
    skip = set(OUTCOME_COLUMNS) | set(INFO_COLUMNS) | {"tmb_per_mb", "tmb_high", "pdl1_category"}
    return [c for c in table.columns if c not in skip]


def missingness(
    table: pd.DataFrame, features: Sequence[str], outcome: str | None = None, *, alpha: float = 0.2
) -> pd.DataFrame:
    """Missing values per feature, and with ``outcome`` a screen for informative missingness.

    The screen is Firth's penalised logistic regression of the outcome on the missing indicator, tested by the
    penalised likelihood ratio (:func:`~biomarker.models.firth.firth_lrt`), flagged at ``alpha`` (default 0.2).
    Why not Fisher at 0.05: missingness confined to one outcome class is the dangerous pattern, it yields zero
    cells (where Firth stays finite and the conditional exact test is conservative), and at n = 50 no test at
    0.05 has the power to see it (7 of 37 non-responders vs 0 of 13 responders missing: Fisher p = 0.17, Firth
    p = 0.11); a missed pattern becomes a false discovery through the missing indicator, while a false flag only
    costs that indicator. Flagged features are logged as a warning and listed in the outputs.

    Returns
    -------
    DataFrame
        ``feature, n, n_missing, pct_missing`` and with ``outcome`` also ``n_missing_events,
        n_missing_non_events, missing_vs_outcome_fisher_p, missing_vs_outcome_p`` (Firth) and ``informative``.

    Examples
    --------
    >>> t = pd.DataFrame({"x": [1.0, None, 3.0, None], "y": [1, 1, 0, 0]})
    >>> missingness(t, ["x"], "y")[["n_missing", "pct_missing", "n_missing_events", "informative"]].values.tolist()
    [[2, 50.0, 1, False]]
    """
    from scipy.stats import fisher_exact

    from biomarker.models.firth import firth_lrt

    rows = []
    for feat in features:
        miss = table[feat].isna()
        row = {
            "feature": feat,
            "n": len(table),
            "n_missing": int(miss.sum()),
            "pct_missing": 100.0 * float(miss.mean()) if len(table) else np.nan,
        }
        if outcome is not None:
            y = pd.to_numeric(table[outcome], errors="coerce")
            ok = y.notna()
            m, yy = miss[ok].to_numpy(), y[ok].to_numpy(int)
            row["n_missing_events"] = int((m & (yy == 1)).sum())
            row["n_missing_non_events"] = int((m & (yy == 0)).sum())
            counts = [
                [row["n_missing_events"], row["n_missing_non_events"]],
                [int((~m & (yy == 1)).sum()), int((~m & (yy == 0)).sum())],
            ]
            varies = 0 < m.sum() < len(m) and 0 < yy.sum() < len(yy)
            row["missing_vs_outcome_fisher_p"] = float(fisher_exact(counts).pvalue) if varies else np.nan
            row["missing_vs_outcome_p"] = (
                firth_lrt(np.column_stack([np.ones(len(m)), m.astype(float)]), yy, 1) if varies else np.nan
            )
            row["informative"] = bool(varies and row["missing_vs_outcome_p"] < alpha)
        rows.append(row)
    out = pd.DataFrame(rows)
    if outcome is not None and len(out):
        flagged = out.loc[out["informative"], "feature"].tolist()
        if flagged:
            log.warning(
                "missingness is associated with %s (Firth likelihood-ratio p < %g) for %s: a missing "
                "indicator would carry outcome information (e.g. a sample missing because of early "
                "progression)",
                outcome,
                alpha,
                ", ".join(flagged),
            )
    return out


__all__ = [
    "COVARIATES",
    "OUTCOME_COLUMNS",
    "PDL1_ORDINAL",
    "TBNK_BASELINE",
    "TBNK_DEFAULT",
    "TBNK_ON_TREATMENT",
    "default_features",
    "derive_outcomes",
    "feature_columns",
    "missingness",
]
