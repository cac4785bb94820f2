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
OUTCOME_COLUMNS = ("bor", "bor_investigator", "response", "response_investigator", "disease_control", "dcb",
                   "pfs_months", "pfs_event", "os_months", "os_event", "best_pct_change")
#: Clinical covariates taken from DM.
COVARIATES = ("age_years", "sex", "ecog", "smoking", "histology")
#: Bookkeeping columns that are neither features nor outcomes.
INFO_COLUMNS = ("usubjid", "tmb_sample", "tmb_ci95_low_per_mb", "tmb_ci95_high_per_mb", "pdl1_assay",
                "pdl1_tps_low_pct", "pdl1_tps_high_pct", "tissue_adequate")
#: PD-L1 TPS category -> ordinal score (labs often report only the category, so the exact % is often missing).
PDL1_ORDINAL = {"<1": 0, "1-49": 1, ">=50": 2}
#: The pre-specified TBNK features: % of lymphocytes at C1D1 (and CD4/CD8 ratio, lymphocytes/uL), and the change
#: in % of lymphocytes at C2D1 (day 22, before the first scan at week 6). C4D1 (day 64) comes after the first scan.
TBNK_DEFAULT = ("cd3_pct_lymph_c1d1", "cd4_pct_lymph_c1d1", "cd8_pct_lymph_c1d1", "b_pct_lymph_c1d1",
                "nk_pct_lymph_c1d1", "cd4_cd8_ratio_c1d1", "lymph_abs_per_ul_c1d1", "cd3_pct_lymph_change_c2d1",
                "cd4_pct_lymph_change_c2d1", "cd8_pct_lymph_change_c2d1", "b_pct_lymph_change_c2d1",
                "nk_pct_lymph_change_c2d1")
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
    times = pfs[["usubjid", "pfs_months", "pfs_event"]].merge(os_[["usubjid", "os_months", "os_event"]],
                                                              on="usubjid", how="outer")
    out = out.merge(times, on="usubjid", how="left")
    t, e = out["pfs_months"], out["pfs_event"]
    out["dcb"] = np.where(t >= DCB_MONTHS, 1.0, np.where(e == 1, 0.0, np.nan))
    out.loc[t.isna(), "dcb"] = np.nan
    return out


def default_features(table: pd.DataFrame) -> list[str]:
    """The pre-specified model features of an assembled table (those present): ``tmb_log2``,
    ``pdl1_tps_ordinal``, ``til_stromal_pct``, the TBNK features of :data:`TBNK_DEFAULT` and the covariates.

    Examples
    --------
    >>> t = pd.DataFrame(columns=["usubjid", "tmb_log2", "pdl1_tps_ordinal", "cd8_pct_lymph_c4d1", "ecog"])
    >>> default_features(t)
    ['tmb_log2', 'pdl1_tps_ordinal', 'ecog']
    """
    wanted = ("tmb_log2", "pdl1_tps_ordinal", "til_stromal_pct", *TBNK_DEFAULT, *COVARIATES)
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


def missingness(table: pd.DataFrame, features: Sequence[str], outcome: str | None = None) -> pd.DataFrame:
    """Missing values per feature (overall and, with ``outcome``, among events and non-events, with Fisher's exact p
    of missingness against the outcome: informative missingness is logged as a warning).

    Examples
    --------
    >>> t = pd.DataFrame({"x": [1.0, None, 3.0, None], "y": [1, 1, 0, 0]})
    >>> missingness(t, ["x"], "y")[["n_missing", "pct_missing", "n_missing_events"]].values.tolist()
    [[2.0, 50.0, 1.0]]
    """
    rows = []
    for feat in features:
        miss = table[feat].isna()
        row = {"feature": feat, "n": len(table), "n_missing": int(miss.sum()),
               "pct_missing": 100.0 * float(miss.mean()) if len(table) else np.nan}
        if outcome is not None:
            from scipy.stats import fisher_exact

            y = table[outcome]
            row["n_missing_events"] = int((miss & (y == 1)).sum())
            row["n_missing_non_events"] = int((miss & (y == 0)).sum())
            table2 = [[row["n_missing_events"], row["n_missing_non_events"]],
                      [int((~miss & (y == 1)).sum()), int((~miss & (y == 0)).sum())]]
            row["missing_vs_outcome_p"] = float(fisher_exact(table2).pvalue) if row["n_missing"] else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    if outcome is not None and len(out):
        flagged = out.loc[out["missing_vs_outcome_p"] < 0.05, "feature"].tolist()
        if flagged:
            log.warning("missingness is associated with %s (Fisher p < 0.05) for %s: a missing-indicator can carry "
                        "outcome information (e.g. an on-treatment sample missing because of early progression)",
                        outcome, ", ".join(flagged))
    return out


__all__ = [
    "COVARIATES",
    "OUTCOME_COLUMNS",
    "PDL1_ORDINAL",
    "TBNK_DEFAULT",
    "default_features",
    "derive_outcomes",
    "feature_columns",
    "missingness",
]
